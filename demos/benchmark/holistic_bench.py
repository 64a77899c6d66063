"""Holistic tracking: ``mp.solutions.holistic`` in this process vs pipeserve over one gRPC stream.

One run measures, on the same frames (the holistic demo's sample video by default):
- frames per second of both, after the first frame, and their ratio (best of
  ``--repeats`` alternating passes, each on a new stream / a new ``Holistic``);
- the first frame's time (MediaPipe: graph set-up + frame; pipeserve: stream open, graph
  start and first result), and the time to open a stream and get one result (median);
- the server's resident memory idle, with 1 and with N concurrent streams, and the memory
  each extra stream costs.

The server runs as a subprocess on free ports, serving ``--config`` or, by default, OVMS's
``config_holistic.json`` with the wheel's models linked into a temporary folder (the
holistic demo's ``setup_models.py``); RSS comes from ``/proc/<pid>/status``. Both sides
run one after the other, so they do not compete for the CPU; other load on the machine
still shows in the figures.

    python demos/benchmark/holistic_bench.py --frames 80 --streams 4
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeserve.clients.local_server import LocalServer
from pipeserve.clients.stream import GraphStream
from pipeserve.clients.video import open_source

HOLISTIC_DEMO = Path(__file__).resolve().parents[1] / "holistic_tracking"
sys.path.insert(0, str(HOLISTIC_DEMO))  # its scripts: make_sample_video, setup_models
MIB = 2**20


@dataclass(frozen=True)
class Run:
    """One pass over the frames: the first frame's time and the rate over the rest."""

    first_s: float
    fps: float


@dataclass(frozen=True)
class Target:
    """Where pipeserve frames go."""

    url: str
    graph: str
    input_stream: str
    output_stream: str
    window: int

    def stream(self) -> GraphStream:
        return GraphStream(
            self.url, self.graph, self.input_stream, [self.output_stream], window=self.window
        )


def load_frames(args: argparse.Namespace) -> list[np.ndarray]:
    if args.input:
        with open_source(args.input) as source:
            return list(source)[: args.frames]
    from make_sample_video import sample_frames

    return list(sample_frames(args.frames, (args.width, args.height)))


def ovms_holistic_config(folder: Path) -> Path:
    """OVMS's holistic config and graph copied to ``folder``, with the models linked."""
    from setup_models import link_models

    for name in ("config_holistic.json", "holistic_tracking.pbtxt"):
        shutil.copy(HOLISTIC_DEMO / name, folder / name)
    link_models(folder / "config_holistic.json")
    return folder / "config_holistic.json"


def run_mediapipe(frames: Sequence[np.ndarray]) -> Run:
    """``mp.solutions.holistic`` with its defaults (tracking mode, model complexity 1)."""
    import mediapipe as mp

    started = time.perf_counter()
    with mp.solutions.holistic.Holistic() as holistic:
        holistic.process(frames[0])
        first = time.perf_counter()
        for frame in frames[1:]:
            holistic.process(frame)
        done = time.perf_counter()
    return Run(first - started, (len(frames) - 1) / (done - first))


def run_pipeserve(target: Target, frames: Sequence[np.ndarray]) -> Run:
    """All frames over one stream; the rate counts results after the first."""
    started = time.perf_counter()
    first = 0.0
    with target.stream() as stream:
        for count, _ in enumerate(stream.run(frames)):
            if count == 0:
                first = time.perf_counter()
        done = time.perf_counter()
    return Run(first - started, (len(frames) - 1) / (done - first))


def stream_open_seconds(target: Target, frame: np.ndarray, repeats: int) -> list[float]:
    """Open a stream, get one frame's result, close: once per repeat."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with target.stream() as stream:
            list(stream.run([frame]))
        times.append(time.perf_counter() - started)
    return times


def rss_with_streams(
    server: LocalServer, target: Target, frames: Sequence[np.ndarray], streams: int
) -> list[int]:
    """Server RSS with 0, 1, ..., ``streams`` streams open, each having run ``frames``."""
    rss = [server.rss_bytes()]
    opened: list[GraphStream] = []
    try:
        for _ in range(streams):
            stream = target.stream()
            stream.open()
            opened.append(stream)
            for frame in frames:  # one at a time: send, wait for its result
                stream.send(frame)
                while not stream.results(block=True):
                    pass
            rss.append(server.rss_bytes())
    finally:
        for stream in opened:
            stream.close()
    return rss


@dataclass(frozen=True)
class Figures:
    """Everything one benchmark run measures."""

    ours: Run
    theirs: Run | None
    opens: list[float]
    idle_rss: int
    rss: list[int]

    def report(self, window: int) -> str:
        ours, theirs, opens, rss = self.ours, self.theirs, self.opens, self.rss
        lines = [
            f"pipeserve  one gRPC stream, window {window}: {ours.fps:6.1f} fps"
            f"   (first result {ours.first_s * 1e3:.0f} ms, stream open included)"
        ]
        if theirs is not None:
            lines += [
                f"mediapipe  mp.solutions.holistic in-process: {theirs.fps:6.1f} fps"
                f"   (first frame {theirs.first_s * 1e3:.0f} ms, graph set-up included)",
                f"ratio pipeserve / mediapipe: {ours.fps / theirs.fps:.2f}",
            ]
        per_extra = (rss[-1] - rss[1]) / max(len(rss) - 2, 1)
        lines += [
            f"stream open + first result: median {statistics.median(opens) * 1e3:.0f} ms "
            f"(min {min(opens) * 1e3:.0f}, max {max(opens) * 1e3:.0f}; {len(opens)} streams)",
            f"server RSS: idle before streams {self.idle_rss / MIB:.0f} MiB; "
            + "; ".join(f"{n} open {value / MIB:.0f} MiB" for n, value in enumerate(rss))
            + f"; per extra stream {per_extra / MIB:.1f} MiB",
        ]
        return "\n".join(lines)


def measure(
    args: argparse.Namespace, frames: Sequence[np.ndarray], config: Path, log: Path
) -> Figures:
    """Serve ``config`` in a subprocess (output to ``log``) and take every measurement."""
    with LocalServer(config, log) as server:
        server.wait_ready(server.ready_timeout, [args.graph])
        target = Target(server.url, args.graph, args.input_stream, args.output_stream, args.window)
        idle_rss = server.rss_bytes()
        ours_runs, their_runs = [], []
        for _ in range(args.repeats):  # alternate, so both see the same machine load
            ours_runs.append(run_pipeserve(target, frames))
            if not args.skip_mediapipe:
                their_runs.append(run_mediapipe(frames))
        ours = max(ours_runs, key=lambda run: run.fps)
        theirs = max(their_runs, key=lambda run: run.fps) if their_runs else None
        opens = stream_open_seconds(target, frames[0], repeats=5)
        rss = rss_with_streams(server, target, frames[:5], args.streams)
    return Figures(ours, theirs, opens, idle_rss, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="server config (default: OVMS's holistic config)")
    parser.add_argument("--graph", default="holisticTracking")
    parser.add_argument("--input-stream", default="first_input_video")
    parser.add_argument("--output-stream", default="output")
    parser.add_argument("--input", help="video file or image folder (default: sample video)")
    parser.add_argument("--frames", type=int, default=80)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--window", type=int, default=4, help="frames in flight per stream")
    parser.add_argument("--streams", type=int, default=4, help="concurrent streams for memory")
    parser.add_argument("--repeats", type=int, default=2, help="passes each; the best counts")
    parser.add_argument("--skip-mediapipe", action="store_true", help="pipeserve side only")
    args = parser.parse_args()

    frames = load_frames(args)
    height, width = frames[0].shape[:2]
    print(f"{len(frames)} frames of {width} x {height}; graph {args.graph!r}", flush=True)
    with tempfile.TemporaryDirectory(prefix="holistic-bench-") as tmp:
        config = Path(args.config) if args.config else ovms_holistic_config(Path(tmp))
        figures = measure(args, frames, config, Path(tmp) / "server.log")
    print(figures.report(args.window), flush=True)


if __name__ == "__main__":
    main()
