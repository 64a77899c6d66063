"""Per-node profile of holistic frames: the runtime's graph profiler on ``holisticLandmarks``.

Runs the graph in-process (no server) with the profiler switched on, over the same 60-frame
moving sequence as ``holistic_bench.py``, ``--window`` frames in flight, and prints per
frame: each node's calls, self wall time and self CPU time, then the same per calculator
type, then the process's CPU per frame against the CPU the nodes account for (the rest is
the runtime's own work plus OpenVINO's threads).

    python demos/benchmark/holistic_profile.py [--frames 60] [--window 4] [--trace out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.openvino.models import WheelModels
from pipeserve.graphs import (
    CalculatorGraph,
    GraphProfile,
    GraphSpec,
    Packet,
    ProfilerOptions,
    load_graph_config,
)

DEMOS = Path(__file__).resolve().parents[1]
GRAPH = DEMOS / "holistic_landmarks" / "graph.pbtxt"
OUTPUTS = ("pose_landmarks", "face_landmarks", "left_hand_landmarks", "right_hand_landmarks")
FRAME_US = 33333
sys.path.insert(0, str(Path(__file__).resolve().parent))  # holistic_bench


def moving_frames(count: int) -> list[np.ndarray]:
    """The benchmark's sequence: two shots over the bundled photos at their own sizes."""
    from holistic_bench import load_frames

    return load_frames(argparse.Namespace(input=None, frames=count, width=0, height=0))


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of one run: the whole process, and the threads that run graph code (the
    feeding thread and the graph's workers; OpenVINO's own threads are not among them)."""

    process: float
    graph_threads: float


def thread_cpu(thread: threading.Thread) -> float:
    assert thread.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def run(
    frames: list[np.ndarray], window: int, profile: bool = True, trace: bool = False
) -> tuple[CalculatorGraph, Cpu]:
    """Run the graph over ``frames`` with ``window`` frames in flight; returns the finished
    graph and the CPU it took."""
    options = ProfilerOptions(enabled=profile, trace=trace)
    spec = GraphSpec(load_graph_config(GRAPH), name="holisticLandmarks", profiler=options)
    graph = CalculatorGraph(spec, services={"models": WheelModels()})
    settled = threading.Semaphore(window)
    graph.observe_output_stream("pose_roi", lambda _: settled.release())  # last, every frame
    graph.start()
    cpu, own = time.process_time(), time.thread_time()
    for k, frame in enumerate(frames):
        settled.acquire()
        graph.add_packet("image", Packet(frame, k * FRAME_US))
    graph.wait_until_idle()
    workers = [t for t in threading.enumerate() if t.name.startswith(f"graph-{spec.name}-")]
    graph_threads = time.thread_time() - own + sum(thread_cpu(t) for t in workers)
    process = time.process_time() - cpu
    graph.close_all_input_streams()
    graph.wait_until_done()
    return graph, Cpu(process, graph_threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--window", type=int, default=4, help="frames in flight")
    parser.add_argument("--trace", type=Path, help="write a Chrome trace (Perfetto) here")
    parser.add_argument("--json", type=Path, help="write the per-node profile here")
    parser.add_argument(
        "--cpu-rounds",
        type=int,
        default=3,
        help="runs without the profiler first: their median process CPU per frame",
    )
    args = parser.parse_args()
    frames = moving_frames(args.frames)
    run(frames[:2], args.window, profile=False)  # warm up: compile models, first-call costs
    n = len(frames)
    if args.cpu_rounds:
        cpus = [run(frames, args.window, profile=False)[1] for _ in range(args.cpu_rounds)]
        process = statistics.median(c.process for c in cpus) * 1e3 / n
        threads = statistics.median(c.graph_threads for c in cpus) * 1e3 / n
        print(f"profiler off (median of {args.cpu_rounds} runs): process CPU {process:.1f} "
              f"ms/frame, graph threads {threads:.1f} ms/frame")  # fmt: skip
    graph, cpu = run(frames, args.window, trace=args.trace is not None)
    profile = graph.profile()
    assert profile is not None
    print(f"holisticLandmarks, {n} frames, {args.window} in flight; per frame:")
    print(profile.table(per=n, unit="frame"))
    by_type = GraphProfile(profile.graph, profile.runs, profile.by_calculator())
    print("\nper calculator type:")
    print(by_type.table(per=n, unit="frame"))
    nodes_cpu = sum(node.process_cpu_ns for node in profile.nodes) / 1e6 / n
    calls = sum(node.process_count for node in profile.nodes) / n
    threads = cpu.graph_threads * 1e3 / n
    print(f"\nprofiled run: process CPU {cpu.process * 1e3 / n:.1f} ms/frame; graph threads "
          f"{threads:.1f}; in node process() calls {nodes_cpu:.1f} ({calls:.0f} calls/frame); "
          f"the runtime's own (graph threads - nodes) {threads - nodes_cpu:.1f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(profile.to_dict(), indent=1))
    if args.trace:
        args.trace.write_text(json.dumps(graph.chrome_trace()))


if __name__ == "__main__":
    main()
