"""The REST guard (ASGI middleware): tokens, body size and pace, stream slots.

Checked in this order, before any endpoint runs: the token (401, probes exempt), the
declared body size (413), a stream slot for streaming endpoints (429). While the endpoint
reads the body, a body that outgrows the limit gets 413 and one that stalls gets 408.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeserve.errors import PipeserveError

from ..auth import AUTHORIZATION, REST_PROBES, TokenRule, UnauthenticatedError
from ..limits import StreamSlots, TooManyStreamsError
from .errors import error_status

STREAM_SUFFIXES = ("/infer_stream", "/generate_stream")
PAYLOAD_TOO_LARGE = 413
REQUEST_TIMEOUT = 408


class BodyError(HTTPException):
    """The request body broke a limit while the endpoint read it (answered as JSON by the
    app's HTTP error handler)."""


class RestGuard:
    """Wraps the REST app; see the module docstring for what it refuses and how."""

    def __init__(
        self,
        app: ASGIApp,
        slots: StreamSlots,
        tokens: TokenRule | None,
        max_body_bytes: int,
        body_timeout: float,
    ) -> None:
        self.app = app
        self.slots, self.tokens = slots, tokens
        self.max_body_bytes, self.body_timeout = max_body_bytes, body_timeout

    def __repr__(self) -> str:
        return f"RestGuard({self.slots!r}, {self.tokens!r}, max_body={self.max_body_bytes})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not self._authorized(scope["path"], headers.get(AUTHORIZATION)):
            await _send_error(send, UnauthenticatedError(), www_bearer=True)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_error(send, self._too_large(), status=PAYLOAD_TOO_LARGE)
            return
        streaming = scope["path"].endswith(STREAM_SUFFIXES)
        if streaming and not self.slots.acquire():
            await _send_error(send, TooManyStreamsError(self.slots.limit))
            return
        try:
            await self.app(scope, self._paced(receive), send)
        finally:
            if streaming:
                self.slots.release()

    def _authorized(self, path: str, authorization: str | None) -> bool:
        return self.tokens is None or path in REST_PROBES or self.tokens.allows(authorization)

    def _too_large(self) -> PipeserveError:
        mib = self.max_body_bytes / (1 << 20)
        return PipeserveError(
            f"request body larger than {mib:g} MiB, the server's limit (--rest_max_body_mb)"
        )

    def _paced(self, receive: Receive) -> Receive:
        """``receive`` that counts body bytes and waits at most ``body_timeout`` per chunk."""
        received = 0
        done = False

        async def paced() -> Message:
            nonlocal received, done
            if done:  # the body is in; the app now only listens for a disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                raise BodyError(
                    REQUEST_TIMEOUT,
                    f"request body stalled for {self.body_timeout:g} s "
                    "(--rest_body_timeout_seconds)",
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyError(PAYLOAD_TOO_LARGE, self._too_large().message)
                done = not message.get("more_body", False)
            return message

        return paced


async def _send_error(
    send: Send, error: PipeserveError, status: int | None = None, www_bearer: bool = False
) -> None:
    """A JSON ``{"error": ...}`` response (the status from the error's code unless given)."""
    body = json.dumps({"error": error.message}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if www_bearer:
        headers.append((b"www-authenticate", b"Bearer"))
    await send(
        {
            "type": "http.response.start",
            "status": status or error_status(error),
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": body})
