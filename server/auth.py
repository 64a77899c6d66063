"""The one token rule both transports apply (``--auth_token_path``).

Clients send ``authorization: Bearer <token>`` (gRPC metadata or HTTP header). Liveness and
readiness probes stay open; everything else, ``/metrics`` included, needs an accepted token.
Tokens are compared in constant time and never appear in messages or logs. The token file
is looked at again at most once per ``RECHECK_SECONDS`` while calls come in, and re-read when
it changed (rotation without a restart); a file that cannot be read or holds no token
leaves the tokens in use unchanged (logged as a warning).
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
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
RECHECK_SECONDS = 1.0
"""How often, at most, the token file's modification time and size are looked at."""

log = logging.getLogger(__name__)


class UnauthenticatedError(PipeserveError):
    """No accepted bearer token (the message never repeats what the client sent)."""

    code = Code.UNAUTHENTICATED

    def __init__(self) -> None:
        super().__init__(
            "missing or invalid token: send the header 'authorization: Bearer <token>'"
        )


class TokenRule:
    """The accepted tokens: one per line in the token file; blank lines and ``#`` skipped."""

    def __init__(self, tokens: frozenset[bytes], path: Path | None = None) -> None:
        """``path``: the file the tokens came from, watched for changes; None: fixed."""
        if not tokens:
            raise PipeserveError("the token file holds no token", Code.FAILED_PRECONDITION)
        self._tokens = tokens
        self._path = path
        self._seen = _signature(path) if path is not None else None
        self._next_check = time.monotonic() + RECHECK_SECONDS
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> TokenRule:
        return cls(_read_tokens(path), path)

    def _refresh(self) -> None:
        """Re-read the token file when it changed (at most one look per RECHECK_SECONDS)."""
        now = time.monotonic()
        if self._path is None or now < self._next_check or not self._lock.acquire(False):
            return
        try:
            self._next_check = now + RECHECK_SECONDS
            seen = _signature(self._path)
            if seen == self._seen:
                return
            self._seen = seen
            try:
                tokens = _read_tokens(self._path)
                if not tokens:
                    raise PipeserveError("it holds no token")
            except PipeserveError as exc:
                log.warning("token file changed but not used (%s); %r kept", exc, self)
                return
            self._tokens = tokens
            log.info("token file re-read: %r", self)
        finally:
            self._lock.release()

    def allows(self, authorization: str | None) -> bool:
        """True when ``authorization`` is ``Bearer <an accepted token>``."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        self._refresh()
        sent = token.strip().encode()
        return sum(hmac.compare_digest(sent, t) for t in self._tokens) > 0

    def check(self, authorization: str | None) -> None:
        """Raise ``UnauthenticatedError`` unless ``allows(authorization)``."""
        if not self.allows(authorization):
            raise UnauthenticatedError()

    def __repr__(self) -> str:
        return f"TokenRule({len(self._tokens)} tokens)"


def _read_tokens(path: Path) -> frozenset[bytes]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise PipeserveError(
            f"cannot read --auth_token_path {str(path)!r}: {exc.strerror}",
            Code.FAILED_PRECONDITION,
        ) from exc
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.encode() for line in lines if line and not line.startswith("#"))


def _signature(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when the file is rewritten or replaced (None: it is not there)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns
