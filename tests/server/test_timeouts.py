"""Timeouts: silent and slow connections are closed, idle and old streams end, with the flags
set short so each wait is about a second."""

from __future__ import annotations

import json
import selectors
import socket
import time
from collections.abc import Iterator

import numpy as np
import pytest
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess
from .graphs import GRAPHS, write_config
from .streams import Stream, status_of

SILENT = 100
FLAGS = {
    "--handshake_timeout_seconds": "1",
    "--rest_header_timeout_seconds": "1",
    "--rest_body_timeout_seconds": "1",
    "--stream_idle_timeout_seconds": "1",
    "--stream_max_lifetime_seconds": "2",
    "--grpc_channel_arguments": "grpc.max_connection_age_grace_ms=5000,grpc.http2.max_ping_strikes=2",
}


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    config = write_config(
        tmp_path_factory.mktemp("timed"), {"passthrough": GRAPHS["passthrough"]}, model=False
    )
    proc = ServerProcess(config, *(x for pair in FLAGS.items() for x in pair))
    yield proc
    proc.stop()


def closed_by_server(socks: list[socket.socket], within: float) -> int:
    """How many of ``socks`` the server closes within ``within`` seconds."""
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed, deadline = 0, time.monotonic() + within
    while closed < len(socks) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=deadline - time.monotonic()):
            try:
                data = key.fileobj.recv(1 << 16)  # type: ignore[union-attr]
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                closed += 1
    for sock in socks:
        sock.close()
    return closed


@pytest.mark.parametrize("port", ["grpc", "rest"])
def test_silent_connections_are_closed_after_the_handshake_timeout(
    timed: ServerProcess, port: str
) -> None:
    number = timed.grpc_port if port == "grpc" else timed.rest_port
    socks = [socket.create_connection(("127.0.0.1", number)) for _ in range(SILENT)]
    assert closed_by_server(socks, within=10) == SILENT


def test_rest_headers_sent_slowly_are_cut_off(timed: ServerProcess) -> None:
    sock = socket.create_connection(("127.0.0.1", timed.rest_port))
    sock.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    assert closed_by_server([sock], within=10) == 1


def test_a_stalled_rest_body_gets_408_with_a_json_error(timed: ServerProcess) -> None:
    sock = socket.create_connection(("127.0.0.1", timed.rest_port))
    sock.sendall(
        b"POST /v2/models/passthrough/infer HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    sock.settimeout(10)
    reply = b""
    while b"}" not in reply.partition(b"\r\n\r\n")[2]:
        chunk = sock.recv(1 << 16)
        assert chunk, f"closed without a full response: {reply!r}"
        reply += chunk
    sock.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert "--rest_body_timeout_seconds" in json.loads(body)["error"]


def test_an_idle_stream_ends_deadline_exceeded(timed: ServerProcess) -> None:
    stream = Stream(timed.grpc_url)
    stream.send("passthrough", {"in": np.array([1], np.int32)})
    assert stream.data("out")[1].tolist() == [1]
    error = stream.error(timeout=10)
    assert status_of(error) == "StatusCode.DEADLINE_EXCEEDED"
    assert "idle for 1 s" in error.message() and "--stream_idle_timeout_seconds" in error.message()
    stream.close()


def test_a_busy_stream_ends_at_its_maximum_lifetime(timed: ServerProcess) -> None:
    stream = Stream(timed.grpc_url)
    started, answered, error = time.monotonic(), 0, None
    for value in range(40):  # one request every 0.25 s keeps it from idling (1 s)
        try:
            stream.send("passthrough", {"in": np.array([value], np.int32)})
        except InferenceServerException:  # ended meanwhile: its error is in the queue
            break
        _, error = stream.get(timeout=10)
        if error is not None:
            break
        answered += 1
        time.sleep(0.25)
    error = error or stream.error()
    assert status_of(error) == "StatusCode.DEADLINE_EXCEEDED"
    assert "--stream_max_lifetime_seconds" in error.message()
    assert time.monotonic() - started >= 2 and answered >= 4
    stream.close()
