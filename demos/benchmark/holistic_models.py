"""Holistic's models alone: CPU per inference in the graph, in a tight loop, at the graph's pace.

Runs ``holisticLandmarks`` in-process (``holistic_profile.run``: the 60-frame moving
sequence, ``--window`` frames in flight) and records every inference the graph makes: its
model (and the outputs the node keeps), its inputs, when it started, and the calling
thread's CPU time for the call (OpenVINO runs one thread, the caller's, so that is all of
the call's CPU). Then the recorded inferences run again on this thread, on the same
compiled models, through the same ``SessionRequest.infer``:

- ``tight``: each model alone, its calls back to back (``--loops`` passes over its inputs);
- ``paused``: each model alone, one call per recorded frame interval (the thread sleeps in
  between: what waking up costs, without other models);
- ``interleaved``: every call in the graph's order, the models mixed, no pause (what the
  other models' data and code cost, without sleeping);
- ``cadence``: the graph's order and timing, each call at its recorded start (both).

It prints, per model, the median CPU ms per call in the graph and in each setting, each
setting over ``tight``, and the sum per frame. What ``in graph`` costs above ``tight`` is
not the model's own work: the same call on the same inputs costs ``tight`` when it runs
hot. ``--compare '{"KEY": "value"}'`` (repeatable) replays the same calls on models
compiled with that plugin config too, alternating with the default in each of ``--rounds``
rounds, and prints each config's per-frame sums against the default's. ``--streams 2`` records
two graphs running at once (``in graph`` then shows the models' cost at two streams).

    python demos/benchmark/holistic_models.py [--frames 60] [--rounds 3] [--streams 1]
        [--compare JSON]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from holistic_profile import FRAME_US, moving_frames, run
from process_stats import load_average

from pipeserve.calculators.openvino.models import WheelModels
from pipeserve.calculators.openvino.session import InferenceSession, SessionRequest, TensorLike

Config = Mapping[str, object]
Requests = Mapping[str, SessionRequest]
CpuByModel = dict[str, list[int]]
SETTINGS = ("tight", "paused", "interleaved", "cadence")


@dataclass(frozen=True)
class Call:
    """One inference of the graph: which model, its inputs, when, and its CPU."""

    model: str
    inputs: dict[str, np.ndarray]
    start_ns: int
    cpu_ns: int


@dataclass(frozen=True)
class Recording:
    """A graph run's inferences in start order, and the outputs each model's nodes keep."""

    calls: list[Call]
    outputs: dict[str, tuple[str, ...]]
    frames: int

    def by_model(self) -> dict[str, list[Call]]:
        calls: dict[str, list[Call]] = defaultdict(list)
        for call in self.calls:
            calls[call.model].append(call)
        return calls


def record(frames: list[np.ndarray], window: int, streams: int = 1) -> Recording:
    """Run ``streams`` graphs at once over ``frames`` and keep their inferences."""
    calls: list[Call] = []
    outputs: dict[str, tuple[str, ...]] = {}
    lock = threading.Lock()
    original = SessionRequest.infer

    def recorded(self: SessionRequest, inputs: Mapping[str, TensorLike]) -> dict[str, np.ndarray]:
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        out = original(self, inputs)
        cpu = time.thread_time_ns() - cpu
        kept = {name: np.array(value, copy=True) for name, value in inputs.items()}
        with lock:
            calls.append(Call(self.session.name, kept, start, cpu))
            outputs[self.session.name] = self.session.output_names
        return out

    graphs = [threading.Thread(target=run, args=(frames, window, False)) for _ in range(streams)]
    SessionRequest.infer = recorded  # type: ignore[method-assign]
    try:
        for graph in graphs:
            graph.start()
        for graph in graphs:
            graph.join()
    finally:
        SessionRequest.infer = original  # type: ignore[method-assign]
    return Recording(sorted(calls, key=lambda c: c.start_ns), outputs, len(frames) * streams)


def requests(recording: Recording, config: Config | None) -> dict[str, SessionRequest]:
    """A request per recorded model, on the model compiled with ``config`` (None: the
    default), computing the outputs the graph's nodes kept."""
    provider = WheelModels(config)
    made = {}
    for name, outputs in recording.outputs.items():
        full = InferenceSession(name, "1", provider.compiled_model(name))
        kept = None if set(outputs) == set(full.output_names) else outputs
        model = provider.compiled_model(name, outputs=kept)
        made[name] = InferenceSession(name, "1", model).create_request()
    return made


def timed(request: SessionRequest, call: Call) -> int:
    """CPU ns of one replayed inference on this thread."""
    cpu = time.thread_time_ns()
    request.infer(call.inputs)
    return time.thread_time_ns() - cpu


def tight(recording: Recording, made: Requests, loops: int) -> CpuByModel:
    """Each model's calls back to back, ``loops`` passes after one warm-up pass."""
    cpu: CpuByModel = defaultdict(list)
    for model, calls in recording.by_model().items():
        for call in calls:
            timed(made[model], call)
        for _ in range(loops):
            cpu[model] += [timed(made[model], call) for call in calls]
    return cpu


def paused(recording: Recording, made: Requests) -> CpuByModel:
    """Each model alone, one call per frame interval, sleeping in between."""
    cpu: CpuByModel = defaultdict(list)
    for model, calls in recording.by_model().items():
        for call in calls:
            wake = time.perf_counter() + FRAME_US / 1e6
            cpu[model].append(timed(made[model], call))
            time.sleep(max(0.0, wake - time.perf_counter()))
    return cpu


def replay(recording: Recording, made: Requests, pace: bool) -> CpuByModel:
    """Every call in the graph's order; with ``pace``, each at its recorded start offset."""
    cpu: CpuByModel = defaultdict(list)
    origin, first = time.perf_counter_ns(), recording.calls[0].start_ns
    for call in recording.calls:
        if pace:
            wait = (call.start_ns - first) - (time.perf_counter_ns() - origin)
            if wait > 0:
                time.sleep(wait / 1e9)
        cpu[call.model].append(timed(made[call.model], call))
    return cpu


def measure(recording: Recording, made: Requests, loops: int) -> dict[str, CpuByModel]:
    """CPU ns per call by model in each replay setting."""
    steps: dict[str, Callable[[], CpuByModel]] = {
        "tight": lambda: tight(recording, made, loops),
        "paused": lambda: paused(recording, made),
        "interleaved": lambda: replay(recording, made, pace=False),
        "cadence": lambda: replay(recording, made, pace=True),
    }
    return {name: steps[name]() for name in SETTINGS}


def medians(
    recording: Recording, rounds: Sequence[Mapping[str, CpuByModel]]
) -> dict[str, dict[str, float]]:
    """Per setting and model: the median over rounds of each round's median ms per call."""
    out: dict[str, dict[str, float]] = {}
    for setting in SETTINGS:
        out[setting] = {
            model: statistics.median(statistics.median(r[setting][model]) for r in rounds) / 1e6
            for model in recording.outputs
        }
    graph = recording.by_model()
    out["in graph"] = {m: statistics.median(c.cpu_ns for c in graph[m]) / 1e6 for m in graph}
    return out


def per_frame(recording: Recording, ms: Mapping[str, float]) -> float:
    """Inference CPU ms per frame from per-call medians and the graph's calls per frame."""
    calls = recording.by_model()
    return sum(ms[model] * len(calls[model]) for model in calls) / recording.frames


def table(recording: Recording, ms: Mapping[str, Mapping[str, float]]) -> str:
    """Per model: calls per frame, ms per call in the graph and each setting, over tight."""
    columns = ("in graph", *SETTINGS)
    ratios = [c for c in columns if c != "tight"]
    head = f"{'model':<20}{'calls/fr':>9}" + "".join(f"{c:>12}" for c in columns)
    head += "".join(f"{c + '/tight':>18}" for c in ratios)
    lines = [head, "-" * len(head)]
    calls = recording.by_model()
    frame = {c: per_frame(recording, ms[c]) for c in columns}
    for model in sorted(calls, key=lambda m: -len(calls[m]) * ms["in graph"][m]):
        row = f"{model:<20}{len(calls[model]) / recording.frames:>9.2f}"
        row += "".join(f"{ms[c][model]:>12.3f}" for c in columns)
        lines.append(row + "".join(f"{ms[c][model] / ms['tight'][model]:>18.2f}" for c in ratios))
    row = f"{'ms per frame':<20}{'':>9}" + "".join(f"{frame[c]:>12.2f}" for c in columns)
    return "\n".join([*lines, row + "".join(f"{frame[c] / frame['tight']:>18.2f}" for c in ratios)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--window", type=int, default=4, help="frames in flight")
    parser.add_argument("--streams", type=int, default=1, help="graphs run at once")
    parser.add_argument("--loops", type=int, default=3, help="tight-loop passes per round")
    parser.add_argument("--rounds", type=int, default=3, help="replays of every setting")
    parser.add_argument(
        "--compare", type=json.loads, action="append", default=[], metavar="JSON",
        help='a plugin config to replay on as well, e.g. \'{"ENABLE_CPU_PINNING": "YES"}\'',
    )  # fmt: skip
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    frames = moving_frames(args.frames)
    run(frames[:2], args.window, profile=False)  # warm up: compile models, first calls
    recording = record(frames, args.window, args.streams)
    configs: list[Config | None] = [None, *args.compare]
    made = [requests(recording, config) for config in configs]
    rounds: list[list[dict[str, CpuByModel]]] = [[] for _ in configs]
    for _ in range(args.rounds):
        for k, config_requests in enumerate(made):
            rounds[k].append(measure(recording, config_requests, args.loops))
    results = [medians(recording, r) for r in rounds]
    print(f"holistic inferences, {args.streams} x {len(frames)} frames, CPU ms per call (median; replays: "
          f"median of {args.rounds} rounds):")  # fmt: skip
    print(table(recording, results[0]))
    for config, ms in zip(args.compare, results[1:], strict=True):
        ratio = "  ".join(
            f"{s} {per_frame(recording, ms[s]):.2f} "
            f"({per_frame(recording, ms[s]) / per_frame(recording, results[0][s]):.3f}x)"
            for s in SETTINGS
        )
        print(f"{json.dumps(config)}: ms per frame {ratio}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
