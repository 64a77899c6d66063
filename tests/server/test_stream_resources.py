"""No client can exhaust the server: bounded output per stream, everything released on any end.

Regression tests of the hardening probes (docs/streaming.md §10), against a real server.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import grpc
import httpx
import numpy as np
import pytest
from tritonclient.grpc import service_pb2 as pb

from .conftest import ServerProcess, wait_for
from .hardening import (
    BUFFER_MB,
    HOLISTIC,
    STREAM,
    Collected,
    endless,
    fp32,
    request,
    rss_mib,
    start_server,
    stream_call,
)


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_server(tmp_path_factory.mktemp("hardening"))
    yield server
    server.stop()


def _released(server: ServerProcess) -> bool:
    return (
        server.metric("pipeserve_graphs_live") == 0
        and server.metric("pipeserve_graph_threads") == 0
        and server.metric("pipeserve_stream_buffer_bytes") == 0
    )


def test_a_client_that_never_reads_is_held_to_its_buffer(hardened: ServerProcess) -> None:
    """256 KiB tensors for 15 s, no response read: the server stops reading that stream."""
    big = request("passthrough", [fp32(64 << 10)]).SerializeToString()
    small = request("passthrough", [fp32(1)]).SerializeToString()
    before = rss_mib(hardened)
    peak = before
    with grpc.insecure_channel(hardened.grpc_url) as channel:
        flood = stream_call(channel)(endless(big), timeout=60)  # never iterated: never read
        deadline = time.monotonic() + 15
        answered = 0
        while time.monotonic() < deadline:
            peak = max(peak, rss_mib(hardened))
            other = Collected(hardened.grpc_url, [small, small])  # the server answers others
            assert other.code == grpc.StatusCode.OK and len(other.data) == 2
            answered += 1
        held = hardened.metric("pipeserve_stream_buffer_bytes")
        flood.cancel()
    assert answered > 10
    assert peak - before < BUFFER_MB + 50, (before, peak)
    assert (BUFFER_MB << 20) <= held < (BUFFER_MB + 1) << 20  # full, and no further
    assert wait_for(lambda: _released(hardened), timeout=10)


BURST = (96, 1 << 20)
"""REST burst: 96 packets of 1 MiB from one request, 12x the buffer."""


@pytest.mark.timeout(60)
def test_a_rest_stream_that_is_not_read_is_held_to_its_buffer(hardened: ServerProcess) -> None:
    """infer_stream (JSON lines) whose output exceeds the buffer while the client stalls:
    the graph waits, the server answers others, and once read, every packet arrives."""
    body = {"inputs": [{"name": "in", "datatype": "INT32", "shape": [2], "data": list(BURST)}]}
    headers = {"accept": "application/x-ndjson"}
    small = request("passthrough", [fp32(1)]).SerializeToString()
    before = rss_mib(hardened)
    peak = before
    url = f"{hardened.rest_url}/v2/models/burst/infer_stream"
    with httpx.stream("POST", url, json=body, headers=headers, timeout=60) as r:
        assert r.status_code == 200
        full = BUFFER_MB << 20
        assert wait_for(lambda: hardened.metric("pipeserve_stream_buffer_bytes") >= full)
        stall = time.monotonic() + 5
        while time.monotonic() < stall:  # the client stalls while others are served
            peak = max(peak, rss_mib(hardened))
            other = Collected(hardened.grpc_url, [small, small])
            assert other.code == grpc.StatusCode.OK and len(other.data) == 2
        held = hardened.metric("pipeserve_stream_buffer_bytes")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    print(f"REST stall: RSS {before:.0f} -> peak {peak:.0f} MiB, held {held / (1 << 20):.1f} MiB")
    assert peak - before < BUFFER_MB + 50, (before, peak)
    assert full <= held < full + (1 << 20)  # full, and no further
    indexes = [int(line["outputs"][0]["data"][0][:8]) for line in lines]
    assert indexes == list(range(BURST[0]))  # none dropped, in order
    assert all(len(line["outputs"][0]["data"][0]) == BURST[1] for line in lines)
    assert wait_for(lambda: _released(hardened), timeout=10)


async def _drop(url: str, message: bytes, wait_first: bool) -> None:
    """Open a stream, send one frame, and cancel it (at once, or after the first response)."""
    async with grpc.aio.insecure_channel(url) as channel:
        call = channel.stream_stream(
            STREAM,
            request_serializer=None,
            response_deserializer=pb.ModelStreamInferResponse.FromString,
        )()
        await call.write(message)
        if wait_first:
            await call.read()
        call.cancel()


async def _storm(url: str, message: bytes, count: int, wait_first: bool) -> None:
    limit = asyncio.Semaphore(8)

    async def one() -> None:
        async with limit:
            await _drop(url, message, wait_first)

    await asyncio.gather(*(one() for _ in range(count)))


def _holistic_frame(image: np.ndarray) -> bytes:
    """A frame in which holistic finds a person (so the first response comes)."""
    shape = list(image.shape)
    return request(HOLISTIC, [("image", "UINT8", shape, image.tobytes())]).SerializeToString()


RSS_SLACK_MIB = 40
"""Issue 9's figure: RSS back within this of the baseline after each storm. A leak of the
streams' graphs would add 2+ MiB each (400+ MiB for 200); before the allocator tuning and
the release of finished runs (server/memory.py, graphs NodeRuntime.release) every storm
left +70..175 MiB."""
THREAD_SLACK = 10


def _settled(server: ServerProcess, threads: int, rss: float) -> bool:
    return (
        _released(server)
        and abs(server.threads() - threads) <= THREAD_SLACK
        and abs(rss_mib(server) - rss) <= RSS_SLACK_MIB
    )


@pytest.mark.timeout(120)
def test_holistic_streams_dropped_during_start_and_after_a_frame_release_everything(
    hardened: ServerProcess, astronaut: np.ndarray
) -> None:
    """Baseline after one warm-up stream (the models' first inferences); then two storms of
    200 holistic streams (150 dropped during start, 50 after their first frame): within 10 s
    of each, graphs released, threads at baseline +-10 and RSS at baseline +-40 MiB."""
    message = _holistic_frame(astronaut)
    cold = hardened.threads(), rss_mib(hardened)
    asyncio.run(_drop(hardened.grpc_url, message, wait_first=True))
    assert wait_for(lambda: _released(hardened), timeout=10)
    threads, rss = hardened.threads(), rss_mib(hardened)
    figures = [cold, (threads, rss)]
    for _ in range(2):  # the second storm: nothing accumulates
        asyncio.run(_storm(hardened.grpc_url, message, 150, wait_first=False))
        asyncio.run(_storm(hardened.grpc_url, message, 50, wait_first=True))
        settled = wait_for(lambda: _settled(hardened, threads, rss), timeout=10)
        figures.append((hardened.threads(), rss_mib(hardened)))
        print(f"holistic storms (threads, RSS MiB): cold, baseline, after each {figures}")
        assert settled, figures


def test_a_client_killed_mid_stream_releases_its_graph(
    hardened: ServerProcess, astronaut: np.ndarray
) -> None:
    """A connection that vanishes (no cancel, no half-close) while a graph works."""
    channel = grpc.insecure_channel(hardened.grpc_url)
    call = stream_call(channel)(endless(_holistic_frame(astronaut)), timeout=60)
    next(call)  # the graph has started and answered
    assert hardened.metric("pipeserve_graphs_live") == 1
    threading.Thread(target=channel.close).start()  # drop the connection under the call
    assert wait_for(lambda: _released(hardened), timeout=10)


@pytest.mark.parametrize("shape", [[0, 1 << 62], [1] * 40])
def test_giant_and_deep_shapes_are_answered_in_stream_and_the_stream_goes_on(
    hardened: ServerProcess, shape: list[int]
) -> None:
    good = request("passthrough", [fp32(2)]).SerializeToString()
    bad = request("passthrough", [("in", "FP32", shape, b"")], id="deep").SerializeToString()
    result = Collected(hardened.grpc_url, [good, bad, good])
    assert result.code == grpc.StatusCode.OK, result.details
    assert len(result.data) == 2 and len(result.errors) == 1
    assert result.errors[0].startswith("input 'in': shape")
    assert result.errors[0].endswith(" [request id: deep]")
    with grpc.insecure_channel(hardened.grpc_url) as channel:
        unary = channel.unary_unary(
            "/inference.GRPCInferenceService/ModelInfer",
            request_serializer=None,
            response_deserializer=pb.ModelInferResponse.FromString,
        )
        with pytest.raises(grpc.RpcError) as info:
            unary(bad, timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_errors_keep_their_order_behind_earlier_data(hardened: ServerProcess) -> None:
    """A rejected request's error comes after the outputs of the requests before it."""
    good = [request("slow", [fp32(1)], id=f"ok{i}").SerializeToString() for i in range(4)]
    bad = request("slow", [fp32(1, name="nope")], id="r-5").SerializeToString()
    result = Collected(hardened.grpc_url, [*good, bad, good[0]])
    kinds = ["error" if r.error_message else "data" for r in result.items]
    assert kinds == ["data"] * 4 + ["error", "data"], result.items
    assert result.errors[0].endswith("[request id: r-5]")


def test_missing_side_packet_of_side_packet_to_stream_fails_the_start(
    hardened: ServerProcess,
) -> None:
    message = request("side_to_stream", [fp32(1)]).SerializeToString()
    result = Collected(hardened.grpc_url, [message, message])
    assert result.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "missing input side packet 'label'" in result.details
    assert result.items == []
    given = request("side_to_stream", [fp32(1)])
    given.parameters["label"].string_param = "x"
    ok = Collected(hardened.grpc_url, [given.SerializeToString()])
    assert ok.code == grpc.StatusCode.OK and ok.data[0].outputs[0].datatype == "BYTES"
