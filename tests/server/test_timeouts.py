"""Timeouts: silent and slow connections are closed, idle and old streams end, with the flags
set short so each wait is about a second."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import numpy as np
import pytest
from httpx_sse import connect_sse
from tritonclient.utils import InferenceServerException

from pipeserve.clients.local_server import closed_by_server

from .conftest import ServerProcess, wait_for
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
    graphs = {name: GRAPHS[name] for name in ("passthrough", "pace")}
    config = write_config(tmp_path_factory.mktemp("timed"), graphs, model=False)
    proc = ServerProcess(config, *(x for pair in FLAGS.items() for x in pair))
    yield proc
    proc.stop()


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
    for value in range(40):  # a request every 0.1 s (+ its round trip) keeps it from idling (1 s)
        try:
            stream.send("passthrough", {"in": np.array([value], np.int32)})
        except InferenceServerException:  # ended meanwhile: its error is in the queue
            break
        _, error = stream.get(timeout=10)
        if error is not None:
            break
        answered += 1
        time.sleep(0.1)
    error = error or stream.error()
    assert status_of(error) == "StatusCode.DEADLINE_EXCEEDED"
    assert "--stream_max_lifetime_seconds" in error.message()
    assert time.monotonic() - started >= 2 and answered >= 4
    stream.close()


def pace(count: int, seconds: float) -> dict[str, object]:
    """A REST request for the ``pace`` graph: ``count`` outputs, ``seconds`` apart."""
    return {"inputs": [{"name": "in", "shape": [2], "datatype": "FP32", "data": [count, seconds]}]}


def test_an_idle_rest_stream_ends_with_an_error_event(timed: ServerProcess) -> None:
    started, ticks, errors = time.monotonic(), [], []
    with (
        httpx.Client(base_url=timed.rest_url, timeout=10) as http,
        connect_sse(http, "POST", "/v2/models/pace/infer_stream", json=pace(2, 5.0)) as events,
    ):
        assert events.response.status_code == 200
        for event in events.iter_sse():
            (errors if event.event == "error" else ticks).append(event.json())
    assert len(ticks) == 1 and time.monotonic() - started < 5  # not the tick due at 5 s
    assert len(errors) == 1 and "idle for 1 s" in errors[0]["error"]
    assert "--stream_idle_timeout_seconds" in errors[0]["error"]
    assert wait_for(lambda: timed.metric("pipeserve_streams_open", name="pace") == 0)


def test_a_busy_rest_stream_ends_at_its_maximum_lifetime(timed: ServerProcess) -> None:
    started, lines = time.monotonic(), []
    url = f"{timed.rest_url}/v2/models/pace/infer_stream"
    accept = {"accept": "application/x-ndjson"}
    with httpx.stream("POST", url, json=pace(80, 0.1), headers=accept, timeout=10) as response:
        assert response.status_code == 200
        lines = [json.loads(line) for line in response.iter_lines() if line]
    elapsed = time.monotonic() - started
    *ticks, last = lines
    assert "--stream_max_lifetime_seconds" in last["error"]
    assert all("outputs" in tick for tick in ticks) and 5 <= len(ticks) < 80
    assert 2 <= elapsed < 6  # 80 ticks would take 8 s; 4 s to spare for a loaded machine
    assert wait_for(lambda: timed.metric("pipeserve_streams_open", name="pace") == 0)


def test_without_timeouts_streams_are_not_wrapped() -> None:
    from pipeserve.server.limits import StreamTimeouts

    async def run(requests: object) -> AsyncIterator[int]:
        yield 1

    off = StreamTimeouts()
    responses = run(None)
    assert off.apply(lambda _: responses, None) is responses  # type: ignore[arg-type]
    assert StreamTimeouts(idle=1).apply(lambda _: responses, None) is not responses  # type: ignore[arg-type]
