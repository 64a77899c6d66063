"""How a client reaches a server: TLS (server CA, client certificate) and a bearer token.

The same options tritonclient takes (``ssl``, ``root_certificates``, ``private_key``,
``certificate_chain``, ``headers``), gathered once for ``GraphStream``, ``LocalServer`` and
``pipeserve-client``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a client is made: `pipeserve-client` checks its extra first
    import grpc
    import tritonclient.grpc as grpcclient

TOKEN_VARIABLE = "PIPESERVE_TOKEN"
"""Environment variable ``pipeserve-client`` reads a token from (kept off the command line)."""


@dataclass(frozen=True)
class ServerAccess:
    """TLS files (PEM paths) and a bearer token; the default is plaintext without a token.

    ``root_certificates`` turns TLS on (``tls=True`` alone trusts the system's CAs);
    ``private_key`` and ``certificate_chain`` are the client's certificate for mutual TLS.
    """

    tls: bool = False
    root_certificates: str | None = None
    private_key: str | None = None
    certificate_chain: str | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if (self.private_key is None) != (self.certificate_chain is None):
            raise ValueError("give both private_key and certificate_chain, or neither")

    @property
    def uses_tls(self) -> bool:
        return self.tls or self.root_certificates is not None or self.private_key is not None

    def client(self, url: str) -> grpcclient.InferenceServerClient:
        """A tritonclient gRPC client for ``url`` with these TLS settings."""
        import tritonclient.grpc as grpcclient

        return grpcclient.InferenceServerClient(url, creds=self.credentials())

    def channel(self, url: str) -> grpc.Channel:
        """A gRPC channel to ``url`` with these TLS settings, without message size limits
        (as tritonclient's)."""
        import grpc

        options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
        credentials = self.credentials()
        if credentials is None:
            return grpc.insecure_channel(url, options)
        return grpc.secure_channel(url, credentials, options)

    def credentials(self) -> grpc.ChannelCredentials | None:
        """The channel's TLS credentials (None: plaintext)."""
        if not self.uses_tls:
            return None
        import grpc

        def read(path: str | None) -> bytes | None:
            return None if path is None else Path(path).read_bytes()

        return grpc.ssl_channel_credentials(
            read(self.root_certificates), read(self.private_key), read(self.certificate_chain)
        )

    def headers(self) -> dict[str, str] | None:
        """The ``authorization`` header for calls, if there is a token."""
        return None if self.token is None else {"authorization": f"Bearer {self.token}"}

    def __repr__(self) -> str:  # never shows the token
        token = "set" if self.token else "none"
        return f"ServerAccess(tls={self.uses_tls}, client_cert={bool(self.private_key)}, token={token})"


def read_token(path: str | None) -> str | None:
    """The token in file ``path`` (first non-blank line), else ``$PIPESERVE_TOKEN``, else None."""
    if path is None:
        return os.environ.get(TOKEN_VARIABLE) or None
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    return next((line for line in lines if line), None)
