"""The one token rule both transports apply (``--auth_token_path``).

Clients send ``authorization: Bearer <token>`` (gRPC metadata or HTTP header). Liveness and
readiness probes stay open; everything else, ``/metrics`` included, needs an accepted token.
Tokens are compared in constant time and never appear in messages or logs.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from pipeserve.errors import Code, PipeserveError

GRPC_PROBES = frozenset(
    {
        "/inference.GRPCInferenceService/ServerLive",
        "/inference.GRPCInferenceService/ServerReady",
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
    }
)
"""gRPC methods open without a token (liveness and readiness probes)."""
REST_PROBES = frozenset({"/v2/health/live", "/v2/health/ready"})
"""REST paths open without a token."""
AUTHORIZATION = "authorization"


class UnauthenticatedError(PipeserveError):
    """No accepted bearer token (the message never repeats what the client sent)."""

    code = Code.UNAUTHENTICATED

    def __init__(self) -> None:
        super().__init__(
            "missing or invalid token: send the header 'authorization: Bearer <token>'"
        )


class TokenRule:
    """The accepted tokens: one per line in the token file; blank lines and ``#`` skipped."""

    def __init__(self, tokens: frozenset[bytes]) -> None:
        if not tokens:
            raise PipeserveError("the token file holds no token", Code.FAILED_PRECONDITION)
        self._tokens = tokens

    @classmethod
    def from_file(cls, path: Path) -> TokenRule:
        try:
            text = path.read_text()
        except OSError as exc:
            raise PipeserveError(
                f"cannot read --auth_token_path {str(path)!r}: {exc.strerror}",
                Code.FAILED_PRECONDITION,
            ) from exc
        lines = (line.strip() for line in text.splitlines())
        return cls(frozenset(line.encode() for line in lines if line and not line.startswith("#")))

    def allows(self, authorization: str | None) -> bool:
        """True when ``authorization`` is ``Bearer <an accepted token>``."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        sent = token.strip().encode()
        return sum(hmac.compare_digest(sent, t) for t in self._tokens) > 0

    def check(self, authorization: str | None) -> None:
        """Raise ``UnauthenticatedError`` unless ``allows(authorization)``."""
        if not self.allows(authorization):
            raise UnauthenticatedError()

    def __repr__(self) -> str:
        return f"TokenRule({len(self._tokens)} tokens)"
