"""Probes a hostile client would try on a server's edge; prints what the server did.

    python demos/benchmark/edge_probes.py                 # starts a default server itself
    python demos/benchmark/edge_probes.py --grpc 127.0.0.1:9000 --rest http://127.0.0.1:8000 \\
        --pid <server pid> --graph passthrough --input in

- silent: 2,000 TCP connections to each port that never send a byte; how many the server
  still holds open after ``--wait`` seconds;
- streams: 600 ``ModelStreamInfer`` calls on one channel, one request each; how many were
  served and how many refused, with the server's threads and RSS while they are open;
- body: a 36 MB REST JSON body (and a 100 MB one); the status and the server's peak RSS rise;
- name: ``ModelMetadata`` and a stream with a 64 KiB model name; the status and message size.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import tempfile
from pathlib import Path

import grpc
import httpx
import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

from pipeserve.clients.local_server import LocalServer, closed_by_server, write_config

PASSTHROUGH = """
input_stream: "in"
output_stream: "out"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
"""


def status(pid: int, field: str) -> int:
    """A number from ``/proc/<pid>/status`` (kB fields in bytes)."""
    text = Path(f"/proc/{pid}/status").read_text()
    value = int(re.search(rf"^{field}:\s+(\d+)", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return value * 1024 if field.startswith("Vm") else value


def silent(host: str, port: int, count: int, wait: float) -> int:
    """Open ``count`` silent connections; how many are still open after ``wait`` seconds."""
    socks = [socket.create_connection((host, port)) for _ in range(count)]
    return count - closed_by_server(socks, wait)


def request(model: str, input_name: str) -> service_pb2.ModelInferRequest:
    tensor = service_pb2.ModelInferRequest().InferInputTensor(
        name=input_name, datatype="INT32", shape=[1]
    )
    raw = np.array([1], np.int32).tobytes()
    return service_pb2.ModelInferRequest(
        model_name=model, inputs=[tensor], raw_input_contents=[raw]
    )


async def streams(url: str, pid: int, count: int, model: str, input_name: str) -> str:
    """Open ``count`` streams on one channel, one request each, all open at once."""
    async with grpc.aio.insecure_channel(url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        calls = [stub.ModelStreamInfer() for _ in range(count)]

        async def first(call: grpc.aio.StreamStreamCall) -> str:
            try:
                await call.write(request(model, input_name))
                reply = await call.read()
            except grpc.aio.AioRpcError as exc:
                return exc.code().name
            if reply is grpc.aio.EOF:
                return (await call.code()).name
            return "served" if not reply.error_message else "in-stream error"

        outcomes = await asyncio.gather(*(first(c) for c in calls))
        threads, rss = status(pid, "Threads"), status(pid, "VmRSS")
        for call in calls:
            call.cancel()
    tally = {k: outcomes.count(k) for k in sorted(set(outcomes))}
    return f"{tally}; server threads {threads}, RSS {rss >> 20} MiB while open"


def body(rest: str, pid: int, megabytes: int, model: str, input_name: str) -> str:
    """POST a ``megabytes`` MB JSON body; the status and the server's peak RSS rise."""
    count = megabytes * 500_000  # "1," per element
    text = '{"inputs": [{"name": "%s", "shape": [%d], "datatype": "INT32", "data": [%s1]}]}'
    data = (text % (input_name, count, "1," * (count - 1))).encode()
    before = status(pid, "VmHWM")
    try:
        headers = {"content-type": "application/json"}
        url = f"{rest}/v2/models/{model}/infer"
        reply = httpx.post(url, content=data, headers=headers, timeout=120)
        code = str(reply.status_code)
    except httpx.HTTPError as exc:
        code = type(exc).__name__
    rise = (status(pid, "VmHWM") - before) >> 20
    return f"{len(data) / 1e6:.0f} MB body -> {code}, peak RSS +{rise} MiB"


def long_name(url: str, input_name: str) -> str:
    """What a 64 KiB model name gets back, unary and on a stream."""
    name = "n" * (64 << 10)
    client = grpcclient.InferenceServerClient(url)
    try:
        client.get_model_metadata(name)
        unary = "answered"
    except InferenceServerException as exc:
        unary = f"{exc.status()} ({len(exc.message() or '')} chars)"
    client.close()
    with grpc.insecure_channel(url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        try:
            reply = next(stub.ModelStreamInfer(iter([request(name, input_name)]), timeout=30))
            stream = f"in-stream error ({len(reply.error_message)} chars)"
        except grpc.RpcError as exc:
            stream = f"{exc.code()} ({len(exc.details() or '')} chars)"  # type: ignore[attr-defined]
    return f"ModelMetadata: {unary}; ModelStreamInfer: {stream}"


def probe(args: argparse.Namespace, grpc_url: str, rest: str, pid: int) -> None:
    host, port = grpc_url.rsplit(":", 1)
    rest_port = int(rest.rsplit(":", 1)[1])
    n = args.connections
    print(f"silent gRPC: {silent(host, int(port), n, args.wait)}/{n} open after {args.wait:g} s")
    print(f"silent REST: {silent(host, rest_port, n, args.wait)}/{n} open after {args.wait:g} s")
    base = f"server threads {status(pid, 'Threads')}, RSS {status(pid, 'VmRSS') >> 20} MiB"
    result = asyncio.run(streams(grpc_url, pid, args.streams, args.graph, args.input))
    print(f"{args.streams} streams on one channel ({base} before): {result}")
    for megabytes in (36, 100):
        print(body(rest, pid, megabytes, args.graph, args.input))
    print(f"64 KiB model name: {long_name(grpc_url, args.input)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grpc", help="a running server's gRPC address (else one is started)")
    parser.add_argument("--rest", help="its REST base URL")
    parser.add_argument("--pid", type=int, help="its process id (for threads and RSS)")
    parser.add_argument("--graph", default="passthrough")
    parser.add_argument("--input", default="in")
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--wait", type=float, default=15.0)
    parser.add_argument("--streams", type=int, default=600)
    args = parser.parse_args()
    if args.grpc:
        probe(args, args.grpc, args.rest, args.pid)
        return
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder), {args.graph: PASSTHROUGH})
        with LocalServer(config) as server:
            probe(args, server.url, f"http://127.0.0.1:{server.rest_port}", server.pid)


if __name__ == "__main__":
    main()
