"""Streaming benchmark: pipeserve's PassThrough graph vs a bare grpc.aio echo, via tritonclient.

Runs both servers as subprocesses on 127.0.0.1 and measures, on one stream, messages/s and
MB/s for three tensor sizes, the round trip with one message in flight (p50/p99), the
aggregate over 4 and 16 concurrent streams, and the time to open a stream. Prints every
pipeserve figure with its ratio to the bare echo (the Python limit). Both servers run at
once and are measured in alternating rounds: each figure is the best round, and each ratio
is the median over rounds of pipeserve's figure over the echo's in the same round (paired
rounds cancel the shared host's drift; the best rounds of each side alone do not).

    python demos/benchmark/stream_bench.py [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from pipeserve.clients.local_server import free_ports

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "demos" / "default" / "config.json"
GRAPH = "passthrough"
TS = "OVMS_MP_TIMESTAMP"
WINDOW = 32
PAYLOADS: dict[str, np.ndarray] = {
    "FP32 [1,10]": np.arange(10, dtype=np.float32).reshape(1, 10),
    "UINT8 [480,640,3]": np.zeros((480, 640, 3), np.uint8),
    "UINT8 [1080,1920,3]": np.zeros((1080, 1920, 3), np.uint8),
}


# ----------------------------------------------------------------------------- echo server
async def _echo_serve(port: int) -> None:
    """A grpc.aio server whose ModelStreamInfer only echoes each request's tensors back."""
    import grpc
    from tritonclient.grpc import service_pb2 as pb

    async def stream(requests: Any, context: Any) -> Any:
        ts = 0
        async for req in requests:
            resp = pb.ModelStreamInferResponse()
            out = resp.infer_response
            out.model_name, out.model_version = req.model_name, "1"
            for inp in req.inputs:
                out.outputs.add(name=inp.name, datatype=inp.datatype, shape=inp.shape)
            out.raw_output_contents.extend(req.raw_input_contents)
            out.parameters[TS].int64_param = ts
            ts += 1
            yield resp

    size = 64 << 20
    server = grpc.aio.server(
        options=[("grpc.max_receive_message_length", size), ("grpc.max_send_message_length", size)]
    )
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "inference.GRPCInferenceService",
                {
                    "ModelStreamInfer": grpc.stream_stream_rpc_method_handler(
                        stream,
                        request_deserializer=pb.ModelInferRequest.FromString,
                        response_serializer=pb.ModelStreamInferResponse.SerializeToString,
                    )
                },
            ),
        )
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


# ----------------------------------------------------------------------------- helpers
def _wait_port(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def _server(args: list[str], port: int) -> Iterator[str]:
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_port(port)
        time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Stream:
    """One tritonclient stream; ``wait(n)`` blocks until ``n`` responses arrived in total."""

    def __init__(self, url: str) -> None:
        import tritonclient.grpc as grpcclient

        self.grpcclient = grpcclient
        self.client = grpcclient.InferenceServerClient(url)
        self.received = 0
        self.errors: list[str] = []
        self.cond = threading.Condition()
        self.client.start_stream(callback=self._done)

    def _done(self, result: Any, error: Any) -> None:
        with self.cond:
            self.received += 1
            if error is not None:
                self.errors.append(str(error))
            self.cond.notify_all()

    def send(self, array: np.ndarray) -> None:
        inp = self.grpcclient.InferInput(
            "in", list(array.shape), "FP32" if array.dtype == np.float32 else "UINT8"
        )
        inp.set_data_from_numpy(array)
        self.client.async_stream_infer(GRAPH, [inp])

    def wait(self, count: int, timeout: float = 120) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: self.received >= count, timeout):
                raise TimeoutError(f"{self.received}/{count} responses")
        if self.errors:
            raise RuntimeError(self.errors[0])

    def close(self) -> None:
        self.client.stop_stream()
        self.client.close()


def throughput(url: str, array: np.ndarray, seconds: float, streams: int = 1) -> float:
    """Messages/s over ``streams`` streams, keeping up to WINDOW messages in flight per stream."""
    opened = [Stream(url) for _ in range(streams)]
    window = WINDOW
    done = 0
    stop = time.monotonic() + seconds

    def run(s: Stream) -> None:
        nonlocal done
        s.send(array)
        s.wait(1)  # warm-up
        sent = s.received
        while time.monotonic() < stop:
            while sent - s.received < window:
                s.send(array)
                sent += 1
            s.wait(sent - window + 1)
        s.wait(sent)
        with s.cond:
            done += s.received - 1

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(s,)) for s in opened]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    for s in opened:
        s.close()
    return done / elapsed


def round_trips(url: str, array: np.ndarray, count: int) -> list[float]:
    """Seconds per round trip with one message in flight."""
    s = Stream(url)
    times = []
    for i in range(count + 5):
        start = time.perf_counter()
        s.send(array)
        s.wait(i + 1)
        if i >= 5:
            times.append(time.perf_counter() - start)
    s.close()
    return times


def open_times(url: str, array: np.ndarray, count: int) -> list[float]:
    """Seconds from opening a stream to its first response."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        s = Stream(url)
        s.send(array)
        s.wait(1)
        times.append(time.perf_counter() - start)
        s.close()
    return times


def measure(url: str, seconds: float) -> dict[str, float]:
    small = PAYLOADS["FP32 [1,10]"]
    figures: dict[str, float] = {}
    for name, array in PAYLOADS.items():
        rate = throughput(url, array, seconds)
        figures[f"{name} msg/s"] = rate
        figures[f"{name} MB/s"] = rate * array.nbytes / 1e6
    rtt = sorted(round_trips(url, small, 300))
    figures["RTT p50 ms"] = 1000 * statistics.median(rtt)
    figures["RTT p99 ms"] = 1000 * rtt[int(len(rtt) * 0.99) - 1]
    for n in (4, 16):
        figures[f"{n} streams FP32 [1,10] msg/s"] = throughput(url, small, seconds, n)
        frame = PAYLOADS["UINT8 [480,640,3]"]
        figures[f"{n} streams 480p MB/s"] = throughput(url, frame, seconds, n) * frame.nbytes / 1e6
    figures["open stream ms"] = 1000 * statistics.median(open_times(url, small, 20))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput figure")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs per server")
    parser.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.echo_server:
        asyncio.run(_echo_serve(ns.echo_server))
        return
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    echo_port, ours_port = free_ports(2)
    echo = [sys.executable, __file__, "--echo-server", str(echo_port)]
    ours = [
        sys.executable,
        "-m",
        "pipeserve.cli",
        "--config_path",
        str(CONFIG),
        "--port",
        str(ours_port),
        "--log_level",
        "WARNING",
    ]
    rounds: list[dict[str, dict[str, float]]] = []
    with _server(echo, echo_port) as echo_url, _server(ours, ours_port) as ours_url:
        for _ in range(ns.rounds):  # alternate: the host is shared
            rounds.append(
                {
                    label: measure(url, ns.seconds)
                    for label, url in (("echo", echo_url), ("pipeserve", ours_url))
                }
            )
    _print(rounds)


def _print(rounds: list[dict[str, dict[str, float]]]) -> None:
    """Best figure of each side, and the median of the per-round ratios."""

    def best(label: str, key: str) -> float:
        pick = min if key.endswith(" ms") else max
        return pick(r[label][key] for r in rounds)

    def ratio(key: str) -> float:
        return statistics.median(r["pipeserve"][key] / r["echo"][key] for r in rounds)

    print(f"{'figure':34} {'pipeserve':>12} {'bare echo':>12} {'ratio':>8}")
    for key in rounds[0]["pipeserve"]:
        print(
            f"{key:34} {best('pipeserve', key):12.1f} {best('echo', key):12.1f} {ratio(key):8.2f}"
        )
    small, big = "FP32 [1,10] msg/s", "UINT8 [1080,1920,3] MB/s"
    per_round = ", ".join(f"{r['pipeserve'][small] / r['echo'][small]:.0%}" for r in rounds)
    print(
        f"\ntargets (median of paired rounds): small tensor msg/s >= 90% of echo: "
        f"{ratio(small):.0%} (rounds: {per_round}); 1080p MB/s >= 80% of echo: {ratio(big):.0%}"
    )


if __name__ == "__main__":
    main()
