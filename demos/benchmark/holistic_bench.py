"""Holistic landmarks: ``mp.solutions.holistic`` in this process vs pipeserve over gRPC.

One run takes ``--rounds`` paired rounds (MediaPipe, then pipeserve, back to back) on the
same frames and prints the median of each figure over the rounds:
- MediaPipe (``mp.solutions.holistic`` with its defaults): frames per second and CPU ms per
  frame (this process's CPU time);
- pipeserve over 1 stream and over 2 concurrent streams (``--window`` frames in flight each;
  every frame must be answered): frames per second (aggregate for 2) and server CPU ms per
  frame (the server process's utime + stime from ``/proc/<pid>/stat`` over the frames);
- of that, the server's main thread (its event loop) alone;
- the client's CPU ms per frame over the same frames: this process (tritonclient and
  ``GraphStream`` sending frames and collecting results; the frames are rendered before
  the rounds), which runs on the same cores, so server + client is the whole budget; and
  the responses received per frame (one per output packet the client asked for);
- the machine's CPUs in those windows (``/proc/stat``): idle, other processes, stolen;
- 2 streams again, each on its own server process (a second server serves the same
  config): what the same work gives when the streams do not share one interpreter's GIL
  (``--workers 2`` when the kernel puts the two connections on different workers);
- GIL-held ms per frame in the server over 1 stream, sampled by ``py-spy record --gil``
  in a separate pass (``n/a`` when ``py-spy`` is not installed or cannot attach);
- the ratios: 2-stream and 1-stream fps over MediaPipe's, server CPU over MediaPipe's,
  2 streams on 2 processes over MediaPipe's;
- then the time to open a stream and get one result, and the server's resident memory
  with 0..N streams open (``/proc/<pid>/status``).

Rates and CPU count the frames after each stream's first (graph set-up excluded). Frames:
by default the pinned 60-frame moving sequence over the bundled photos at their own sizes
(astronaut 512 x 512, Grace Hopper 512 wide x 600 high: pan, zoom, a few degrees of tilt,
a cut between them); ``--width``/``--height`` render it at one size instead, ``--input``
reads a video. The server runs as a subprocess on free ports, serving ``--config``
(default: the holisticLandmarks demo). Other load on the machine shows in the figures: the
load average is printed before and after.

    python demos/benchmark/holistic_bench.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeserve.clients.local_server import LocalServer
from pipeserve.clients.stream import SETTLE_LAG, GraphStream, min_window
from pipeserve.clients.video import open_source

sys.path.insert(0, str(Path(__file__).resolve().parent))
from process_stats import (
    GilSampler,
    MachineShares,
    cpu_seconds,
    load_average,
    machine_shares,
    machine_ticks,
    process_cpu_seconds,
    thread_cpu_seconds,
)

DEMOS = Path(__file__).resolve().parents[1]
HOLISTIC_DEMO = DEMOS / "holistic_tracking"
sys.path.insert(0, str(HOLISTIC_DEMO))  # its scripts: make_sample_video, setup_models
MIB = 2**20
PARTS = ("pose_landmarks", "face_landmarks", "left_hand_landmarks", "right_hand_landmarks")


@dataclass(frozen=True)
class Target:
    """Where pipeserve frames go and which outputs make a frame's answer."""

    url: str
    graph: str
    input_stream: str
    expected: tuple[str, ...]
    optional: tuple[str, ...]
    window: int

    def stream(self) -> GraphStream:
        return GraphStream(
            self.url,
            self.graph,
            self.input_stream,
            self.expected,
            window=self.window,
            optional_outputs=self.optional,
        )


@dataclass(frozen=True)
class Rate:
    """Frames per second and CPU ms per frame over the frames after the first; ``loop_ms``:
    the server's main thread's share of it (the event loop: gRPC, requests in, responses
    out, nodes run as a frame is pushed); ``client_ms``: this process's CPU per frame (the
    client side); ``messages``: responses received per frame (one per output packet);
    ``strays``: results at timestamps no frame was sent at; ``machine``: what all CPUs did
    meanwhile."""

    fps: float
    cpu_ms: float
    loop_ms: float = 0.0
    client_ms: float = 0.0
    messages: float = 0.0
    strays: int = 0
    machine: MachineShares | None = None


def load_frames(args: argparse.Namespace) -> list[np.ndarray]:
    if args.input:
        with open_source(args.input) as source:
            return list(source)[: args.frames]
    from make_sample_video import photos, render_shot, sample_frames, shots

    if args.width or args.height:
        return list(sample_frames(args.frames, (args.width or 512, args.height or 512)))
    first = args.frames // 2
    frames = []
    for shot, count in zip(shots(*photos()), (first, args.frames - first), strict=True):
        height, width = shot.photo.shape[:2]
        frames += render_shot(shot, count, (width, height))
    return frames


def ovms_holistic_config(folder: Path) -> Path:
    """OVMS's holistic config and graph copied to ``folder``, with the models linked."""
    from setup_models import link_models

    for name in ("config_holistic.json", "holistic_tracking.pbtxt"):
        shutil.copy(HOLISTIC_DEMO / name, folder / name)
    link_models(folder / "config_holistic.json")
    return folder / "config_holistic.json"


def run_mediapipe(frames: Sequence[np.ndarray]) -> Rate:
    """``mp.solutions.holistic`` with its defaults (model complexity 1, smoothing on)."""
    import mediapipe as mp

    with mp.solutions.holistic.Holistic() as holistic:
        holistic.process(frames[0])
        started, cpu = time.perf_counter(), time.process_time()
        for frame in frames[1:]:
            holistic.process(frame)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Rate((len(frames) - 1) / wall, 1e3 * cpu / (len(frames) - 1))


def run_streams(
    servers: Sequence[tuple[Target, int]],
    frames: Sequence[np.ndarray],
    streams: int,
    watch: AbstractContextManager[object] | None = None,
) -> Rate:
    """``streams`` concurrent streams over all ``frames``, stream k to the k-th of
    ``servers`` (a target and its server's pid, taken in turn), timed (and ``watch``
    entered) once each has its first result; fails unless every frame is answered. CPU
    figures add up over the servers."""
    start = threading.Barrier(streams + 1)
    answered: list[set[int]] = [set() for _ in range(streams)]
    strays = [0] * streams
    messages = [0] * streams

    def one(index: int) -> None:
        with servers[index % len(servers)][0].stream() as stream:
            results = stream.run(frames)
            first = next(results)
            start.wait()
            for result in [first, *results]:
                messages[index] += len(result.outputs)
                if result.frame is None:
                    strays[index] += 1
                else:
                    answered[index].add(result.frame)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(streams)]
    for thread in threads:
        thread.start()
    start.wait(timeout=300)
    me, pids = os.getpid(), [pid for _, pid in servers[:streams]]

    def server_cpu() -> tuple[float, float]:  # the processes', and their main threads'
        return sum(map(cpu_seconds, pids)), sum(map(thread_cpu_seconds, pids))

    with watch or nullcontext():
        started, (cpu, loop) = time.perf_counter(), server_cpu()
        client, ticks = process_cpu_seconds(me), machine_ticks()
        for thread in threads:
            thread.join()
        wall, (cpu_after, loop_after) = time.perf_counter() - started, server_cpu()
        cpu, loop = cpu_after - cpu, loop_after - loop
        client = process_cpu_seconds(me) - client
        machine = machine_shares(ticks, machine_ticks(), cpu + client)
    missing = [len(frames) - len(frames_answered) for frames_answered in answered]
    if any(missing):
        raise RuntimeError(f"frames not answered per stream: {missing}")
    counted = streams * (len(frames) - 1)
    per_frame = [1e3 * seconds / counted for seconds in (cpu, loop, client)]
    per_frame.append(sum(messages) / (streams * len(frames)))
    return Rate(counted / wall, *per_frame, strays=sum(strays), machine=machine)


def gil_ms_per_frame(target: Target, frames: Sequence[np.ndarray], pid: int) -> float | None:
    """GIL-held ms per frame in the server over one stream (None without py-spy)."""
    sampler = GilSampler(pid)
    run_streams([(target, pid)], frames, 1, sampler)
    held = sampler.held_seconds
    return None if held is None else 1e3 * held / (len(frames) - 1)


@dataclass(frozen=True)
class Round:
    """One paired round: MediaPipe, then pipeserve over 1 and 2 streams, 2 streams on two
    server processes (one each: no GIL shared), and 2 streams on one server whose graphs run
    in 2 graph processes (``--graph_processes 2``)."""

    mediapipe: Rate | None
    one: Rate
    two: Rate
    apart: Rate
    hosted: Rate
    gil_ms: float | None


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
    """Server RSS with 0, 1, ..., ``streams`` streams open, each having run ``frames``
    (more than ``SETTLE_LAG``)."""
    rss = [server.rss_bytes()]
    opened: list[GraphStream] = []
    try:
        for _ in range(streams):
            stream = target.stream()
            stream.open()
            opened.append(stream)
            released = 0
            for sent, frame in enumerate(frames):
                while sent - released >= target.window:  # the window is full
                    released += len(stream.results(block=True))
                stream.send(frame)
            # a result with optional outputs is released once SETTLE_LAG later frames are
            # answered, so this many released means every frame was answered
            while released < len(frames) - SETTLE_LAG:
                released += len(stream.results(block=True))
            rss.append(server.rss_bytes())
    finally:
        for stream in opened:
            stream.close()
    return rss


def median(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def show(value: float | None, form: str, missing: str = "n/a") -> str:
    return missing if value is None else format(value, form)


@dataclass(frozen=True)
class Figures:
    """Everything one benchmark run measures."""

    rounds: list[Round]
    opens: list[float]
    idle_rss: int
    rss: list[int]

    def report(self, window: int) -> str:
        rounds, opens, rss = self.rounds, self.opens, self.rss
        one = median([r.one.fps for r in rounds])
        two = median([r.two.fps for r in rounds])
        one_cpu = median([r.one.cpu_ms for r in rounds])
        two_cpu = median([r.two.cpu_ms for r in rounds])
        apart = median([r.apart.fps for r in rounds])
        apart_cpu = median([r.apart.cpu_ms + r.apart.client_ms for r in rounds])
        hosted = median([r.hosted.fps for r in rounds])
        hosted_cpu = median([r.hosted.cpu_ms + r.hosted.client_ms for r in rounds])
        one_loop = median([r.one.loop_ms for r in rounds])
        two_loop = median([r.two.loop_ms for r in rounds])
        one_client = median([r.one.client_ms for r in rounds])
        two_client = median([r.two.client_ms for r in rounds])
        one_total = median([r.one.cpu_ms + r.one.client_ms for r in rounds])
        two_total = median([r.two.cpu_ms + r.two.client_ms for r in rounds])
        messages = median([r.one.messages for r in rounds])
        gil = median([r.gil_ms for r in rounds])

        def share(rates: Sequence[Rate], field: str) -> float:  # median % of the CPU time
            return 100 * statistics.median(getattr(r.machine, field) for r in rates if r.machine)

        ones, twos, aparts, hosteds = (
            [r.one for r in rounds],
            [r.two for r in rounds],
            [r.apart for r in rounds],
            [r.hosted for r in rounds],
        )

        gil_text = show(gil, "5.1f", "  n/a (pip install py-spy; it must be able to attach)")
        lines = [
            f"median of {len(rounds)} paired rounds; window {window} per stream",
            f"pipeserve  1 stream:  {one:6.1f} fps   server CPU {one_cpu:5.1f} ms/frame"
            f" (event loop {one_loop:4.1f})   GIL held {gil_text} ms/frame",
            f"pipeserve  2 streams: {two:6.1f} fps   server CPU {two_cpu:5.1f} ms/frame"
            f" (event loop {two_loop:4.1f}; aggregate)",
            f"client (this process) CPU: 1 stream {one_client:4.1f} ms/frame, 2 streams"
            f" {two_client:4.1f}; server + client {one_total:5.1f} / {two_total:5.1f} ms/frame;"
            f" {messages:.1f} responses/frame",
            "machine CPUs in those windows, 1 / 2 streams: "
            + "; ".join(
                f"{name} {share(ones, field):.1f} / {share(twos, field):.1f} %"
                for name, field in (("idle", "idle"), ("others", "others"), ("steal", "steal"))
            ),
            f"pipeserve  2 streams on 2 server processes (one each, no GIL shared): {apart:6.1f}"
            f" fps   server + client {apart_cpu:5.1f} ms/frame; machine idle"
            f" {share(aparts, 'idle'):.1f} %",
            f"pipeserve  2 streams on one server with --graph_processes 2: {hosted:6.1f}"
            f" fps   server + client {hosted_cpu:5.1f} ms/frame; machine idle"
            f" {share(hosteds, 'idle'):.1f} %",
        ]
        if all(r.mediapipe is not None for r in rounds):
            theirs = [r.mediapipe for r in rounds if r.mediapipe is not None]
            fps = median([m.fps for m in theirs])
            cpu = median([m.cpu_ms for m in theirs])
            paired = list(zip(rounds, theirs, strict=True))
            two_x = median([r.two.fps / m.fps for r, m in paired])
            one_x = median([r.one.fps / m.fps for r, m in paired])
            apart_x = median([r.apart.fps / m.fps for r, m in paired])
            hosted_x = median([r.hosted.fps / m.fps for r, m in paired])
            cpu_x = median([r.one.cpu_ms / m.cpu_ms for r, m in paired])
            lines += [
                f"mediapipe  in-process: {fps:6.1f} fps   process CPU {cpu:5.1f} ms/frame",
                f"ratios: 2-stream fps / mediapipe {two_x:.2f}; 1-stream fps / mediapipe"
                f" {one_x:.2f}; server CPU / mediapipe CPU per frame {cpu_x:.2f}; 2 streams on"
                f" 2 processes / mediapipe {apart_x:.2f}; 2 streams with --graph_processes 2"
                f" / mediapipe {hosted_x:.2f}",
            ]
        strays = sum(r.one.strays + r.two.strays + r.apart.strays + r.hosted.strays for r in rounds)
        if strays:
            lines.append(f"results at timestamps no frame was sent at: {strays} in all rounds")
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
    expected = tuple(args.output_stream)
    optional = () if expected else PARTS
    second_log = log.with_name(f"second-{log.name}")
    hosted_log = log.with_name(f"hosted-{log.name}")
    with (
        LocalServer(config, log) as server,
        LocalServer(config, second_log) as second,
        LocalServer(config, hosted_log, flags=["--graph_processes", "2"]) as third,
    ):
        targets = []
        for process in (server, second, third):
            process.wait_ready(process.ready_timeout, [args.graph])
            url, graph, window = process.url, args.graph, args.window
            targets.append(Target(url, graph, args.input_stream, expected, optional, window))
        target = targets[0]
        alone, apart = [(target, server.pid)], [(target, server.pid), (targets[1], second.pid)]
        hosts = [(targets[2], third.pid)]
        idle_rss = server.rss_bytes()
        rounds = []
        for _ in range(args.rounds):  # paired: both sides see the same machine load
            theirs = None if args.skip_mediapipe else run_mediapipe(frames)
            one = run_streams(alone, frames, 1)
            two = run_streams(alone, frames, 2)
            split = run_streams(apart, frames, 2)
            hosted = run_streams(hosts, frames, 2)
            gil = gil_ms_per_frame(target, frames, server.pid)
            rounds.append(Round(theirs, one, two, split, hosted, gil))
        opens = stream_open_seconds(target, frames[0], repeats=5)
        rss = rss_with_streams(server, target, frames[:5], args.streams)
    return Figures(rounds, opens, idle_rss, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--config",
        default=str(DEMOS / "holistic_landmarks" / "config.json"),
        help="server config (default: the holisticLandmarks demo)",
    )
    parser.add_argument("--graph", default="holisticLandmarks")
    parser.add_argument("--input-stream", default="image")
    parser.add_argument(
        "--output-stream",
        action="append",
        default=[],
        help="an output every frame produces (repeatable; default: the holistic parts, "
        "each optional)",
    )
    parser.add_argument("--input", help="video file or image folder (default: the photos)")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--width", type=int, help="render the sequence at this width")
    parser.add_argument("--height", type=int, help="render the sequence at this height")
    parser.add_argument("--window", type=int, default=4, help="frames in flight per stream")
    parser.add_argument("--streams", type=int, default=4, help="concurrent streams for memory")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds; medians count")
    parser.add_argument("--skip-mediapipe", action="store_true", help="pipeserve side only")
    args = parser.parse_args()
    least, why = min_window(args.output_stream, () if args.output_stream else PARTS)
    if args.window < least:
        parser.error(f"--window must be at least {least}: {why}")

    frames = load_frames(args)
    sizes = sorted({f"{frame.shape[1]} x {frame.shape[0]}" for frame in frames})
    print(f"{len(frames)} frames of {', '.join(sizes)}; graph {args.graph!r}", flush=True)
    print(f"load average before: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="holistic-bench-") as tmp:
        figures = measure(args, frames, Path(args.config), Path(tmp) / "server.log")
    print(figures.report(args.window), flush=True)
    print(f"load average after: {load_average()}", flush=True)


if __name__ == "__main__":
    main()
