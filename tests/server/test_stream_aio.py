"""Spec §2 rules again through tritonclient.grpc.aio `stream_infer` (the asyncio client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import numpy as np
import pytest
import tritonclient.grpc.aio as aioclient

from .conftest import ServerProcess
from .streams import timestamp
from .test_stream_concurrency import request, run_stream


async def test_aio_unknown_graph_ends_the_stream_not_found(server: ServerProcess) -> None:
    async with asyncio.timeout(20):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await run_stream(server.grpc_url, [request("nope", {"in": np.ones(1, np.float32)})])
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert info.value.details() == (
        "Mediapipe graph definition with requested name is not found: nope"
    )


async def test_aio_graph_error_comes_in_stream_then_ends_invalid_argument(
    server: ServerProcess,
) -> None:
    async def requests() -> AsyncIterator[dict[str, Any]]:
        yield request("fail", {"in": np.array([3], np.int64)})
        yield request("fail", {"in": np.array([-1], np.int64)})
        await asyncio.sleep(30)  # no half-close: the error must come on its own

    got: list[tuple[Any, Any]] = []
    async with asyncio.timeout(20), aioclient.InferenceServerClient(server.grpc_url) as client:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for item in client.stream_infer(requests()):
                got.append(item)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    message = info.value.details() or ""
    assert message.startswith("Mediapipe execution failed. MP status - ")
    assert got[0][0].as_numpy("out").tolist() == [3]
    assert got[1][0] is None and got[1][1].message() == message


async def test_aio_bad_request_is_answered_in_stream_and_the_stream_goes_on(
    server: ServerProcess,
) -> None:
    async with asyncio.timeout(20):
        got = await run_stream(
            server.grpc_url,
            [
                request("passthrough", {"in": np.array([1], np.float32)}),
                request("passthrough", {"nope": np.array([2], np.float32)}),
                request("passthrough", {"in": np.array([3], np.float32)}),
            ],
        )
    errors = [e.message() for _, e in got if e is not None]
    data = [(timestamp(r), r.as_numpy("out").tolist()) for r, e in got if e is None]
    assert len(errors) == 1 and "input 'nope' is not an input of 'passthrough'" in errors[0]
    assert data == [(0, [1.0]), (1, [3.0])]


async def test_aio_half_close_drains_outputs_emitted_on_close(server: ServerProcess) -> None:
    async with asyncio.timeout(20):
        got = await run_stream(
            server.grpc_url,
            [request("delayed", {"in": np.array([v], np.float32)}, ts=10 * v) for v in (1, 2)],
        )
    later = [
        (timestamp(r), r.as_numpy("later").tolist())
        for r, e in got
        if e is None and r.as_numpy("later") is not None
    ]
    assert later == [(10, [1.0]), (20, [2.0])]
