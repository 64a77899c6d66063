"""Streams under load: tritonclient.grpc.aio, concurrency, back-pressure and disconnects."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import tritonclient.grpc.aio as aioclient

from .conftest import REPO, ServerProcess, wait_for
from .streams import TS, tensor, timestamp

FP = np.float32
READ_AHEAD = 20
"""Frames a client may be ahead of the answers while the server applies back-pressure."""


def request(model: str, inputs: dict[str, Any], ts: int | None = None) -> dict[str, Any]:
    params = None if ts is None else {TS: ts}
    return {
        "model_name": model,
        "inputs": [tensor(k, v) for k, v in inputs.items()],
        "parameters": params,
    }


async def run_stream(url: str, requests: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    """Send ``requests`` on one aio stream, half-close, and collect every message."""
    async with aioclient.InferenceServerClient(url) as client:

        async def gen() -> AsyncIterator[dict[str, Any]]:
            for r in requests:
                yield r

        return [item async for item in client.stream_infer(gen())]


async def test_aio_stream_infer_returns_one_message_per_packet(server: ServerProcess) -> None:
    async with asyncio.timeout(20):
        got = await run_stream(
            server.grpc_url,
            [
                request("words", {"text": np.array([b"a b"], object)}, ts=4),
                request("words", {"text": np.array([b"c"], object)}),
            ],
        )
    assert [(timestamp(r), r.as_numpy("word").tolist()) for r, e in got] == [
        (4, [b"a"]),
        (5, [b"b"]),
        (6, [b"c"]),
    ]


async def test_concurrent_streams_on_one_graph_stay_independent(server: ServerProcess) -> None:
    def plan(i: int) -> list[dict[str, Any]]:
        reqs = [
            request("previous", {"in": np.array([i * 1000 + k], FP)}, ts=i + 10 * k)
            for k in range(6)
        ]
        if i == 0:  # one stream also sends a late frame; only it gets the error
            reqs.insert(3, request("previous", {"in": np.array([-5], FP)}, ts=1))
        return reqs

    async with asyncio.timeout(60):
        results = await asyncio.gather(*(run_stream(server.grpc_url, plan(i)) for i in range(8)))
    for i, got in enumerate(results):
        errors = [e.message() for _, e in got if e is not None]
        data = [(timestamp(r), float(r.as_numpy("prev")[0])) for r, e in got if e is None]
        assert data == [(i + 10 * k, i * 1000 + k - 1) for k in range(1, 6)], (i, data)
        assert len(errors) == (1 if i == 0 else 0), (i, errors)


async def test_graph_that_falls_behind_stops_the_server_reading_and_drops_nothing(
    server: ServerProcess,
) -> None:
    # 4 MB frames, `slow` takes 50 ms a frame, queue of 2. gRPC's HTTP/2 flow-control window
    # (grown by its bandwidth probe, measured in bytes) also holds frames the server has not
    # read; large frames keep that share to a few frames.
    frame = np.zeros((2048, 2048), np.uint8)
    total = 60
    pulled = 0
    ahead: list[int] = []  # at each response: frames handed to gRPC but not yet answered

    async def gen() -> AsyncIterator[dict[str, Any]]:
        nonlocal pulled
        for _ in range(total):
            pulled += 1
            yield request("slow", {"in": frame})

    async with asyncio.timeout(60), aioclient.InferenceServerClient(server.grpc_url) as client:
        async for _, error in client.stream_infer(gen()):
            assert error is None
            ahead.append(pulled - len(ahead) - 1)
    assert len(ahead) == total, ahead  # nothing dropped
    # The server reads a frame only when the graph has room, so the client stays a few
    # frames ahead (graph queue + transport buffers). A server that read everything would
    # hold all 240 MB by the middle response: 30 frames ahead after >= 1.5 s of processing.
    print("AHEAD", max(ahead[: total // 2]))
    assert max(ahead[: total // 2]) <= READ_AHEAD, ahead


def test_client_that_vanishes_mid_stream_leaves_nothing_behind(server: ServerProcess) -> None:
    # It vanishes once the first of its 20 frames is answered (~1 s of work left): the
    # server surely holds its stream and graph, however long the start took.
    client = (
        "import os, threading, numpy as np, tritonclient.grpc as g\n"
        f"c = g.InferenceServerClient('{server.grpc_url}')\n"
        "answered = threading.Event()\n"
        "c.start_stream(callback=lambda result, error: answered.set())\n"
        "for _ in range(20):\n"
        "    x = g.InferInput('in', [512, 512], 'UINT8')\n"
        "    x.set_data_from_numpy(np.zeros((512, 512), np.uint8))\n"
        "    c.async_stream_infer('slow', [x])\n"
        "os._exit(0 if answered.wait(60) else 3)\n"
    )

    def vanish_twice() -> None:
        for _ in range(2):
            subprocess.run([sys.executable, "-c", client], cwd=REPO, check=True, timeout=60)
        assert wait_for(released, timeout=10)

    def released() -> bool:
        return (
            server.metric("pipeserve_streams_open") == 0
            and server.metric("pipeserve_graph_threads") == 0
        )

    vanish_twice()  # warm-up: the server's shared worker pool reaches its working size
    baseline = server.threads()
    vanish_twice()
    assert wait_for(lambda: server.threads() <= baseline, timeout=10), (server.threads(), baseline)
