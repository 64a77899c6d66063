"""Scaling out holistic tracking: aggregate frames/s over 1, 2 and 4 concurrent streams for
``--workers 1``, ``--workers 2`` and two replicas behind nginx, in one run.

Each stream runs in its own client process (so it has its own connection, and the clients'
own Python work does not share one GIL) and streams the holistic demo's sample frames to
``holisticTracking``. Every stream sends its first frame (graph start), then all are
released at once; aggregate frames/s is the results of all streams over the time from the
release to the last result. Each figure is printed with its ratio to ``--workers 1`` with one
stream, measured in the same run. The server's CPU ms per frame comes from ``/proc`` (all
of its processes); with ``py-spy`` (next to this Python or on PATH), the ms per frame a
frame holds the GIL is sampled as well (``py-spy record --gil`` on a one-process server with
one stream), and the script says what the two imply for a 16-core machine.

    python demos/benchmark/scale_bench.py [--frames 60] [--streams 1 2 4]

The machine this runs on may be shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import itertools
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from pipeserve.clients.local_server import LocalServer, free_port, free_ports
from pipeserve.clients.stream import GraphStream

sys.path.insert(0, str(Path(__file__).resolve().parent))
from holistic_bench import load_frames, ovms_holistic_config
from process_stats import GilSampler, cpu_seconds, find_py_spy, load_average

REPO = Path(__file__).resolve().parents[2]
GRAPH, INPUT, OUTPUT = "holisticTracking", "first_input_video", "output"
CORES = 16


def client(
    url: str, frames: list[np.ndarray], window: int, start: Any, arrivals: multiprocessing.Queue
) -> None:
    """One stream over its own connection: the first frame (graph start) before ``start``
    releases every stream at once, then the rest; puts (release time, result times)."""
    times: list[float] = []
    with GraphStream(url, GRAPH, INPUT, [OUTPUT], window=window) as stream:
        stream.send(frames[0])
        while not stream.results(block=True):
            pass
        start.wait()
        released, pending = time.monotonic(), 0
        for frame in frames[1:]:
            if pending >= window:
                pending -= _collect(stream.results(block=True), times)
            stream.send(frame)
            pending += 1 - _collect(stream.results(), times)
        while pending:
            pending -= _collect(stream.results(block=True), times)
    arrivals.put((released, times))


def _collect(results: list[Any], times: list[float]) -> int:
    times.extend(time.monotonic() for _ in results)
    return len(results)


def aggregate_fps(url: str, frames: list[np.ndarray], streams: int, window: int) -> float:
    """Frames/s of ``streams`` streams released together, over the time until the last ends."""
    context = multiprocessing.get_context("spawn")
    arrivals: multiprocessing.Queue = context.Queue()
    start = context.Barrier(streams)
    clients = [
        context.Process(target=client, args=(url, frames, window, start, arrivals))
        for _ in range(streams)
    ]
    for process in clients:
        process.start()
    runs = [arrivals.get(timeout=900) for _ in clients]
    for process in clients:
        process.join()
    released = min(r for r, _ in runs)
    return sum(len(times) for _, times in runs) / (max(t[-1] for _, t in runs) - released)


@contextmanager
def workers_server(config: Path, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """pipeserve ``--workers N``: its gRPC address and pid."""
    with LocalServer(config, log, flags=("--workers", str(workers))) as server:
        server.wait_ready(server.ready_timeout, [GRAPH])
        yield server.url, server.pid


@contextmanager
def nginx_replicas(config: Path, replicas: int, run_dir: Path) -> Iterator[tuple[str, int]]:
    """``deploy/nginx/replicas.py`` with ``replicas`` replicas: nginx's gRPC address and pid."""
    port, rest_port = free_ports(2)
    script = REPO / "deploy" / "nginx" / "replicas.py"
    command = [sys.executable, str(script), "--replicas", str(replicas), "--port", str(port)]
    command += ["--rest_port", str(rest_port), "--replica_port", str(free_port() + 2)]
    command += ["--run_dir", str(run_dir), "--", "--config_path", str(config)]
    with open(run_dir.with_suffix(".log"), "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not _ready(f"http://127.0.0.1:{rest_port}/v2/models/{GRAPH}/ready"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"replicas not ready: see {run_dir.with_suffix('.log')}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(120)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def gil_ms_per_frame(
    url: str, pid: int, frames: list[np.ndarray], window: int, py_spy: str | None
) -> tuple[float, float] | None:
    """(GIL-held ms, CPU ms) per frame of one stream on a one-process server, sampled by
    ``GilSampler`` and ``/proc`` over the same stretch of frames (about 8 s once the graph
    tracks); None when py-spy is missing or cannot attach."""
    seconds = 8
    stream = GraphStream(url, GRAPH, INPUT, [OUTPUT], window=window)
    stream.open()
    results = stream.run(itertools.cycle(frames))
    for _ in itertools.islice(results, 5):  # warmed up: the graph exists and tracks
        pass
    done = 0
    with GilSampler(pid, py_spy) as sampler:
        cpu0, started = cpu_seconds(pid), time.monotonic()
        for _ in results:
            done += 1
            if time.monotonic() - started >= seconds:
                break
        cpu = cpu_seconds(pid) - cpu0
    stream.cancel()
    if sampler.held_seconds is None:
        return None
    return 1000 * sampler.held_seconds / done, 1000 * cpu / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per stream")
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--input", help="video file or image folder (default: sample video)")
    parser.add_argument("--window", type=int, default=4, help="frames in flight per stream")
    parser.add_argument("--streams", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--py-spy", default=find_py_spy(), help="py-spy executable")
    args = parser.parse_args()

    frames = load_frames(args)
    print(f"load average before: {load_average()} on {os.cpu_count()} CPUs", flush=True)
    table: dict[str, dict[int, float]] = {}
    gil = None
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        config = ovms_holistic_config(Path(tmp))
        setups = {
            "--workers 1": lambda: workers_server(config, 1, Path(tmp) / "w1.log"),
            "--workers 2": lambda: workers_server(config, 2, Path(tmp) / "w2.log"),
            "nginx, 2 replicas": lambda: nginx_replicas(config, 2, Path(tmp) / "nginx"),
        }
        for name, setup in setups.items():
            with setup() as (url, pid):
                table[name] = {}
                for streams in args.streams:
                    cpu0 = cpu_seconds(pid)
                    fps = aggregate_fps(url, frames, streams, args.window)
                    table[name][streams] = fps
                    used = cpu_seconds(pid) - cpu0
                    print(
                        f"{name:18s} {streams} streams: {fps:6.1f} frames/s "
                        f"(server CPU {1000 * used / (streams * len(frames)):.0f} ms/frame)",
                        flush=True,
                    )
                if name == "--workers 1":
                    gil = gil_ms_per_frame(url, pid, frames, args.window, args.py_spy)
                    if gil is not None:
                        print(f"GIL {gil[0]:.1f} ms, CPU {gil[1]:.0f} ms per frame", flush=True)
    print(report(table, gil, args.streams))
    print(f"load average after: {load_average()}")


def report(
    table: dict[str, dict[int, float]], gil: tuple[float, float] | None, streams: Sequence[int]
) -> str:
    """The table with ratios to ``--workers 1``, 1 stream, and the 16-core implication."""
    base = table["--workers 1"][streams[0]]
    lines = ["", "aggregate frames/s (ratio to --workers 1, 1 stream)"]
    lines.append(f"{'':18s} " + " ".join(f"{n:>3d} streams    " for n in streams))
    for name, row in table.items():
        lines.append(
            f"{name:18s} " + " ".join(f"{row[n]:6.1f} ({row[n] / base:4.2f})" for n in streams)
        )
    if gil is None:
        lines.append("GIL figure skipped: py-spy not found or cannot attach (pip install py-spy)")
        return "\n".join(lines)
    gil_ms, cpu_ms = gil
    one_process = 1000 / gil_ms
    machine = CORES * 1000 / cpu_ms
    lines += [
        f"one stream, one process: {gil_ms:.1f} ms of GIL and {cpu_ms:.0f} ms of CPU per frame",
        f"so one process tops out near {one_process:.0f} frames/s whatever its cores, while "
        f"{CORES} cores compute about {machine:.0f} frames/s: at least "
        f"{math.ceil(machine / one_process)} worker processes to use them "
        f"(one per core is the simple rule: --workers auto)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
