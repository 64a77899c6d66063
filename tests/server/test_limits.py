"""Limits: --max_streams across gRPC and REST, REST body size, truncated status messages."""

from __future__ import annotations

import json
import queue
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess, wait_for
from .graphs import GRAPHS, write_config
from .streams import Stream, status_of, tensor

ONE = {"in": np.array([1], np.int32)}
WORDS = {
    "inputs": [
        {
            "name": "text",
            "shape": [1],
            "datatype": "BYTES",
            "parameters": {"content_type": "str"},
            "data": ["to be"],
        }
    ]
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """At most 2 streams, 1 MiB REST bodies."""
    graphs = {name: GRAPHS[name] for name in ("passthrough", "words", "pace", "crawl")}
    config = write_config(tmp_path_factory.mktemp("limited"), graphs, model=False)
    proc = ServerProcess(config, "--max_streams", "2", "--rest_max_body_mb", "1")
    yield proc
    proc.stop()


def open_stream(server: ServerProcess) -> Stream:
    """A stream that has had its first response (so the server surely holds its slot)."""
    stream = Stream(server.grpc_url)
    stream.send("passthrough", ONE)
    assert stream.data("out")[1].tolist() == [1]
    return stream


def test_third_stream_is_refused_naming_the_limit_and_admitted_once_one_ends(
    limited: ServerProcess,
) -> None:
    first, second = open_stream(limited), open_stream(limited)
    third = Stream(limited.grpc_url)
    error = third.error()  # refused as the call opens, before any request
    assert status_of(error) == "StatusCode.RESOURCE_EXHAUSTED"
    assert "limit is 2 (--max_streams)" in error.message()
    third.close()
    first.close()
    fourth = open_stream(limited)  # the slot `first` held is free again
    for stream in (second, fourth):
        stream.send("passthrough", {"in": np.array([2], np.int32)})
        assert stream.data("out")[1].tolist() == [2]
        stream.close()


def test_streams_ended_by_their_client_deadline_free_their_slots(limited: ServerProcess) -> None:
    for _ in range(2):  # twice the limit, one pair after the other
        pair = [Stream(limited.grpc_url, deadline=1.0) for _ in range(2)]
        for stream in pair:
            stream.send("passthrough", ONE)
            assert stream.data("out")[1].tolist() == [1]
        for stream in pair:
            assert status_of(stream.error()) == "StatusCode.DEADLINE_EXCEEDED"
            stream.close()
        assert wait_for(lambda: limited.metric("pipeserve_streams_open") == 0)


@pytest.mark.parametrize("ending", ["deadline", "cancel"])
def test_a_unary_graph_call_past_its_client_deadline_or_cancelled_is_cancelled_on_the_server(
    limited: ServerProcess, ending: str
) -> None:
    def graph_threads() -> float:
        return limited.metric("pipeserve_graph_threads")

    threads = graph_threads()
    client = grpcclient.InferenceServerClient(limited.grpc_url)
    work = tensor("in", np.array([200, 0], np.float32))  # 200 packets x 0.1 s: 20 s of work
    started = time.monotonic()
    if ending == "deadline":
        with pytest.raises(InferenceServerException) as late:
            client.infer("crawl", [work], client_timeout=1.0)
        assert status_of(late.value) == "StatusCode.DEADLINE_EXCEEDED"
    else:
        ended: queue.Queue[InferenceServerException | None] = queue.Queue()
        call = client.async_infer("crawl", [work], lambda result, error: ended.put(error))
        assert wait_for(lambda: limited.metric("pipeserve_graphs_live") == 1)  # running
        call.cancel()
        assert "CANCELLED" in str(ended.get(timeout=10))
    client.close()
    assert wait_for(lambda: limited.metric("pipeserve_graphs_live") == 0, timeout=5)
    assert wait_for(lambda: graph_threads() <= threads, timeout=5)
    assert time.monotonic() - started < 12  # released long before the graph's 20 s end


def test_a_rest_unary_graph_call_is_cancelled_when_its_client_leaves(
    limited: ServerProcess,
) -> None:
    threads = limited.metric("pipeserve_graph_threads")
    body = json.dumps(
        {"inputs": [{"name": "in", "shape": [2], "datatype": "FP32", "data": [200, 0]}]}
    ).encode()  # 200 packets x 0.1 s: 20 s of work
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", limited.rest_port))
    sock.sendall(
        b"POST /v2/models/crawl/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert wait_for(lambda: limited.metric("pipeserve_graphs_live") == 1)  # running
    sock.close()  # the client leaves
    assert wait_for(lambda: limited.metric("pipeserve_graphs_live") == 0, timeout=5)
    assert wait_for(lambda: limited.metric("pipeserve_graph_threads") <= threads, timeout=5)
    assert time.monotonic() - started < 12  # released long before the graph's 20 s end


def test_rest_streams_share_the_stream_slots(limited: ServerProcess) -> None:
    first, second = open_stream(limited), open_stream(limited)
    url = f"{limited.rest_url}/v2/models/words/infer_stream"
    refused = httpx.post(url, json=WORDS, timeout=10)
    assert refused.status_code == 429
    assert "(--max_streams)" in refused.json()["error"]
    first.close()
    admitted = httpx.post(url, json=WORDS, timeout=10)
    assert admitted.status_code == 200 and "event: error" not in admitted.text
    second.close()


def test_the_slots_in_use_gauge_counts_grpc_and_rest_streams(limited: ServerProcess) -> None:
    def in_use() -> float:
        return limited.metric("pipeserve_stream_slots_in_use")

    assert wait_for(lambda: in_use() == 0)  # the tests before have let theirs go
    grpc_stream = open_stream(limited)
    assert in_use() == 1
    url = f"{limited.rest_url}/v2/models/pace/infer_stream"
    body = {"inputs": [{"name": "in", "shape": [2], "datatype": "FP32", "data": [2, 30]}]}
    with httpx.stream("POST", url, json=body, timeout=10) as rest_stream:
        assert rest_stream.status_code == 200
        lines = rest_stream.iter_lines()  # kept: dropping it would close the response
        assert next(lines).startswith("data: ")  # the first tick; the next is 30 s away
        assert in_use() == 2
        refused = Stream(limited.grpc_url)
        assert status_of(refused.error()) == "StatusCode.RESOURCE_EXHAUSTED"
        refused.close()
        assert in_use() == 2  # a refused stream takes no slot
    assert wait_for(lambda: in_use() == 1)  # the REST client left: its slot is free
    grpc_stream.close()
    assert wait_for(lambda: in_use() == 0)


def test_rest_body_over_the_limit_gets_413_with_a_json_error(limited: ServerProcess) -> None:
    url = f"{limited.rest_url}/v2/models/words/infer"
    big = b'{"inputs": []}' + b" " * (2 << 20)
    declared = httpx.post(url, content=big, timeout=10)
    assert declared.status_code == 413
    assert "1 MiB" in declared.json()["error"] and "--rest_max_body_mb" in declared.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"inputs": ['
        for _ in range(32):
            yield b" " * (64 << 10)
        yield b"]}"

    chunked = httpx.post(url, content=chunks(), timeout=10)
    assert chunked.status_code == 413 and "--rest_max_body_mb" in chunked.json()["error"]
    small = httpx.post(url, json=WORDS, timeout=10)
    assert small.status_code == 200, small.text


def test_a_64_kib_model_name_gets_a_bounded_status_message(limited: ServerProcess) -> None:
    name = "n" * (64 << 10)
    client = grpcclient.InferenceServerClient(limited.grpc_url)
    with pytest.raises(InferenceServerException) as unary:
        client.get_model_metadata(name)
    assert status_of(unary.value) == "StatusCode.NOT_FOUND"
    assert len(unary.value.message()) < 2048 and _cut(unary.value.message())
    stream = Stream(limited.grpc_url)
    stream.send(name, ONE)
    error = stream.error()
    assert status_of(error) == "StatusCode.NOT_FOUND" and _cut(error.message())
    stream.close()
    client.close()


def _cut(message: str) -> bool:
    """The echoed name was shortened (by the error itself, or by the status size cap)."""
    return "(65536 characters)" in message or "bytes cut]" in message


def test_settings_refuse_half_a_tls_pair_and_bad_channel_arguments(tmp_path: Path) -> None:
    from pipeserve.server.settings import Settings, parse_channel_arguments

    with pytest.raises(ValueError, match="both --grpc_tls_cert_path and --grpc_tls_key_path"):
        Settings(grpc_tls_cert_path=tmp_path / "cert.pem")
    with pytest.raises(ValueError, match="name=value"):
        Settings(grpc_channel_arguments="grpc.max_connection_age_ms")
    assert parse_channel_arguments("grpc.max_connection_age_ms=60000, grpc.x=abc") == [
        ("grpc.max_connection_age_ms", 60000),
        ("grpc.x", "abc"),
    ]
