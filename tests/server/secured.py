"""One server behind every access control, shared by the TLS and token tests of the server
(``tests/server``) and of the client library (``tests/clients``): gRPC with mutual TLS, REST
over TLS, bearer tokens, DEBUG logging (so the tests that no token is logged mean something).

It is started by the client library's ``LocalServer`` with a ``ServerAccess``, which waits
for it over mutual TLS: that start-up is itself a test of both. The session fixture is
imported by ``tests/conftest.py`` so that both test folders share one process.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .graphs import GRAPHS, write_config
from .pki import Pki

if TYPE_CHECKING:  # imported when used: tests/conftest.py imports this module for every run
    from pipeserve.clients.access import ServerAccess
    from pipeserve.clients.local_server import LocalServer

TOKEN = "s3cret-token-Zq81"
GOOD = {"authorization": f"Bearer {TOKEN}"}
WRONG = {"authorization": "Bearer not-the-token"}
HANDSHAKE_SECONDS = 3
"""``--handshake_timeout_seconds``: short, so a test can watch silent TLS clients closed."""


@dataclass(frozen=True)
class SecuredServer:
    """The running server, the CA that signed its certificate, and a client certificate."""

    server: LocalServer
    pki: Pki
    client_cert: Path
    client_key: Path
    tokens: Path
    """The token file (``--auth_token_path``)."""

    @property
    def grpc_url(self) -> str:
        return self.server.url

    @property
    def rest_port(self) -> int:
        return self.server.rest_port

    @property
    def rest_url(self) -> str:
        return f"https://127.0.0.1:{self.rest_port}"

    @cached_property
    def rest_verify(self) -> ssl.SSLContext:
        """httpx's ``verify=``: trust the test CA."""
        return ssl.create_default_context(cafile=self.pki.ca)

    @property
    def log(self) -> str:
        return self.server.log.read_text(errors="replace")

    def client_tls(self) -> dict[str, Any]:
        """tritonclient's TLS arguments: trust the test CA, present the client certificate."""
        return {"ssl": True, **_files(self.pki, self.client_cert, self.client_key)}

    def access(self, token: str | None = TOKEN) -> ServerAccess:
        """The client library's options: the client certificate and ``token``."""
        return _access(self.pki, self.client_cert, self.client_key, token)


def _files(pki: Pki, cert: Path, key: Path) -> dict[str, str]:
    return {
        "root_certificates": str(pki.ca),
        "private_key": str(key),
        "certificate_chain": str(cert),
    }


def _access(pki: Pki, cert: Path, key: Path, token: str | None) -> ServerAccess:
    from pipeserve.clients.access import ServerAccess

    return ServerAccess(**_files(pki, cert, key), token=token)


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredServer]:
    """The server (``passthrough`` graph, ``double`` model) and its CA; see the module doc."""
    from pipeserve.clients.local_server import LocalServer

    root = tmp_path_factory.mktemp("secured")
    pki = Pki.create(root / "pki")
    config = write_config(root / "config", {"passthrough": GRAPHS["passthrough"]})
    tokens = root / "tokens.txt"
    tokens.write_text(f"# accepted tokens\n\nother-token\n{TOKEN}\n")
    cert, key = pki.server()
    flags = ["--grpc_tls_cert_path", str(cert), "--grpc_tls_key_path", str(key)]
    flags += ["--grpc_tls_client_ca_path", str(pki.ca)]
    flags += ["--rest_tls_cert_path", str(cert), "--rest_tls_key_path", str(key)]
    flags += ["--auth_token_path", str(tokens), "--log_level", "DEBUG"]
    flags += ["--handshake_timeout_seconds", str(HANDSHAKE_SECONDS)]
    client_cert, client_key = pki.client()
    access = _access(pki, client_cert, client_key, TOKEN)
    with LocalServer(config, root / "server.log", flags=flags, access=access) as server:
        running = SecuredServer(server, pki, client_cert, client_key, tokens)
        _wait_for_rest(running)
        yield running


def _wait_for_rest(running: SecuredServer, timeout: float = 30.0) -> None:
    """gRPC answers first (``LocalServer`` waits for it); wait for REST's HTTPS port too."""
    deadline = time.monotonic() + timeout
    url = f"{running.rest_url}/v2/health/live"
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1, verify=running.rest_verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"REST not live at {url} in {timeout} s:\n{running.log[-2000:]}")
