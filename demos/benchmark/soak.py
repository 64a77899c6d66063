"""Soak: many long streams with sequence checks, then a disconnect storm; resources before/after.

Starts pipeserve on the default config (``passthrough``) and runs ``--streams`` streams
(default 50) for ``--seconds`` (default 60) through tritonclient's asyncio client. Each
stream sends numbered FP32 [1, 16] tensors with a window of requests in flight and checks
that every response comes back once, in order, with its own number and timestamp (0 lost,
duplicated or reordered). Then ``--storm`` streams (default 200) are opened and dropped:
half right after their first request (the cancel lands while the graph starts), half
after their first response. Prints the server's RSS and threads before, at the end of the
soak and after the storm, and the leak gauges (graphs live, graph threads, held bytes).

    python demos/benchmark/soak.py [--streams 50] [--seconds 60] [--storm 200]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np
import tritonclient.grpc.aio as aioclient
from tritonclient.grpc import InferInput
from tritonclient.grpc import service_pb2 as pb

from pipeserve.clients.local_server import LocalServer

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "demos" / "default" / "config.json"
GRAPH = "passthrough"
TS = "OVMS_MP_TIMESTAMP"
STREAM = "/inference.GRPCInferenceService/ModelStreamInfer"
WINDOW = 8
GAUGES = ("pipeserve_graphs_live", "pipeserve_graph_threads", "pipeserve_stream_buffer_bytes")


@dataclass
class Tally:
    """What one stream saw."""

    sent: int = 0
    received: int = 0
    faults: list[str] = field(default_factory=list)


def _request(number: int) -> dict[str, Any]:
    tensor = InferInput("in", [1, 16], "FP32")
    tensor.set_data_from_numpy(np.full((1, 16), number, np.float32))
    return {"model_name": GRAPH, "inputs": [tensor], "request_id": str(number)}


async def _soak_stream(url: str, deadline: float) -> Tally:
    """One stream: numbered requests, at most WINDOW in flight, each answer checked."""
    tally = Tally()
    room = asyncio.Semaphore(WINDOW)

    async def requests() -> AsyncIterator[dict[str, Any]]:
        while time.monotonic() < deadline:
            await room.acquire()
            yield _request(tally.sent)
            tally.sent += 1

    async with aioclient.InferenceServerClient(url) as client:
        async for result, error in client.stream_infer(requests()):
            room.release()
            if error is not None:
                tally.faults.append(f"error: {error}")
                continue
            value = int(result.as_numpy("out")[0, 0])
            ts = result.get_response().parameters[TS].int64_param
            if value != tally.received or ts != tally.received:
                tally.faults.append(f"expected {tally.received}, got value {value} at ts {ts}")
            tally.received += 1
    if tally.received != tally.sent:
        tally.faults.append(f"sent {tally.sent}, received {tally.received}")
    return tally


async def _drop(url: str, message: bytes, after_first: bool) -> None:
    """A stream that leaves: at once after its first request, or after the first answer."""
    async with grpc.aio.insecure_channel(url) as channel:
        call = channel.stream_stream(
            STREAM,
            request_serializer=None,
            response_deserializer=pb.ModelStreamInferResponse.FromString,
        )()
        await call.write(message)
        if after_first:
            await call.read()
        call.cancel()


async def _storm(url: str, count: int) -> None:
    message = pb.ModelInferRequest(model_name=GRAPH)
    message.inputs.add(name="in", datatype="FP32", shape=[1, 16])
    message.raw_input_contents.append(np.zeros(16, np.float32).tobytes())
    message = message.SerializeToString()
    limit = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with limit:
            await _drop(url, message, after_first=i % 2 == 1)

    await asyncio.gather(*(one(i) for i in range(count)))


def _snapshot(server: LocalServer) -> str:
    status = Path(f"/proc/{server.pid}/status").read_text()
    threads = next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:"))
    text = httpx.get(f"http://127.0.0.1:{server.rest_port}/metrics", timeout=10).text
    gauges = {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.split(" ")[0] in GAUGES
    }
    shown = ", ".join(
        f"{name.removeprefix('pipeserve_')} {value:g}" for name, value in gauges.items()
    )
    return f"RSS {server.rss_bytes() / (1 << 20):7.1f} MiB, threads {threads:>3}, {shown}"


async def _settle(server: LocalServer, timeout: float = 10.0) -> float:
    """Seconds until the leak gauges read 0 (or the timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        text = httpx.get(f"http://127.0.0.1:{server.rest_port}/metrics", timeout=10).text
        if all(f"{name} 0.0" in text for name in GAUGES):
            break
        await asyncio.sleep(0.1)
    return time.monotonic() - start


async def main(streams: int, seconds: float, storm: int) -> int:
    with LocalServer(CONFIG) as server:
        server.wait_ready(120, [GRAPH])
        await _soak_stream(server.url, time.monotonic() + 1)  # warm up
        print(f"before      {_snapshot(server)}")
        start = time.monotonic()
        tallies = await asyncio.gather(
            *(_soak_stream(server.url, start + seconds) for _ in range(streams))
        )
        elapsed = time.monotonic() - start
        sent = sum(t.sent for t in tallies)
        faults = [f for t in tallies for f in t.faults]
        print(
            f"soak        {streams} streams x {elapsed:.0f} s: {sent} requests "
            f"({sent / elapsed:.0f}/s), {len(faults)} lost/duplicated/reordered/errors"
        )
        for fault in faults[:10]:
            print(f"  {fault}")
        print(f"after soak  {_snapshot(server)} (settled in {await _settle(server):.1f} s)")
        start = time.monotonic()
        await _storm(server.url, storm)
        print(
            f"storm       {storm} streams dropped (half while starting) in "
            f"{time.monotonic() - start:.1f} s"
        )
        print(f"after storm {_snapshot(server)} (settled in {await _settle(server):.1f} s)")
    return 1 if faults else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--storm", type=int, default=200)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.streams, args.seconds, args.storm)))
