"""REST connections that must finish their TLS handshake and send their request headers in
time (slow or silent clients).

uvicorn closes idle keep-alive connections, but waits forever for the headers of a request,
and leaves a TLS handshake to asyncio's 60 s: a client that connects and sends nothing (or
one byte a minute) would hold its connection open. Here a TLS connection is closed when its
handshake is not done within the handshake timeout (``RestServer``), and any connection
when a request's headers are not complete within the header timeout, counted from the
connection's start (after the handshake) or from the previous response's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


class RestServer(uvicorn.Server):
    """uvicorn serving the given sockets, with a TLS handshake timeout and without its own
    signal handling (the runner owns SIGTERM and SIGINT). ``serving`` is the task running it.

    Only what the runner uses: listening ``sockets`` given, lifespan off.
    """

    serving: asyncio.Task[None]

    def __init__(self, config: uvicorn.Config, handshake_timeout: float) -> None:
        super().__init__(config)
        self.handshake_timeout = handshake_timeout

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's start on ``sockets``, passing the handshake timeout uvicorn does not."""
        if sockets is None:
            raise ValueError("RestServer serves the listening sockets it is given")
        config, loop = self.config, asyncio.get_running_loop()
        handshake = None if config.ssl is None else self.handshake_timeout

        def connection() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        self.servers = [
            await loop.create_server(
                connection,
                sock=s,
                backlog=config.backlog,
                ssl=config.ssl,
                ssl_handshake_timeout=handshake,
            )
            for s in sockets
        ]
        self.started = True


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a header timeout (``header_timeout`` seconds)."""

    header_timeout = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the headers are in: a request is being served

    def on_response_complete(self) -> None:
        self._arm()  # before super(), which may start serving a pipelined request
        super().on_response_complete()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class uvicorn builds connections from, with this header timeout."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})
