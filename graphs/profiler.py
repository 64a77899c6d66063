"""Per-node profiling of graph runs, like MediaPipe's graph profiler.

Switched on by the graph config (``profiler_config { enable_profiler: true }``) or for every
graph by the server (``ProfilerOptions(enabled=True)``). While off, nothing is timed: the
node calls its calculator directly. While on, each ``open``/``process``/``close`` call is
timed with ``perf_counter_ns`` (wall) and ``thread_time_ns`` (CPU of the calling thread).
Times are self times: a node run inline inside another node's ``process`` (``runs_inline``)
is subtracted from the outer node. CPU spent on other threads (OpenVINO's own workers, for
example) is not in any node's CPU time.

``trace_enabled: true`` also keeps the last ``trace_log_capacity`` process calls as events,
exported in the Chrome trace format (``chrome://tracing``, https://ui.perfetto.dev).
With ``trace_log_path`` set, each finished run adds its counts to the graph's totals and
writes ``<trace_log_path><graph>.profile.json`` (totals) and, with tracing,
``<trace_log_path><graph>.trace.json`` (the last run's events).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .timestamp import timestamp_name

log = logging.getLogger(__name__)
DEFAULT_TRACE_CAPACITY = 20000
Call = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class ProfilerOptions:
    """What to profile, resolved once per graph from ``profiler_config``."""

    enabled: bool = False
    trace: bool = False
    """Keep per-call events for a Chrome trace as well as totals."""
    trace_capacity: int = DEFAULT_TRACE_CAPACITY
    path: str = ""
    """File-name prefix for the files written when a run finishes ("" = write none)."""

    @classmethod
    def from_config(cls, config: Any) -> ProfilerOptions:
        """Read a ``mediapipe.ProfilerConfig`` (the graph's ``profiler_config``)."""
        trace = bool(config.trace_enabled)
        return cls(
            enabled=bool(config.enable_profiler) or trace,
            trace=trace,
            trace_capacity=config.trace_log_capacity or DEFAULT_TRACE_CAPACITY,
            path=config.trace_log_path,
        )


@dataclass(slots=True)
class NodeProfile:
    """Counts and self times (ns) of one node's calculator calls."""

    node: str
    calculator: str
    process_count: int = 0
    process_wall_ns: int = 0
    process_cpu_ns: int = 0
    open_wall_ns: int = 0
    close_wall_ns: int = 0

    def add(self, other: NodeProfile) -> None:
        self.process_count += other.process_count
        self.process_wall_ns += other.process_wall_ns
        self.process_cpu_ns += other.process_cpu_ns
        self.open_wall_ns += other.open_wall_ns
        self.close_wall_ns += other.close_wall_ns


@dataclass(slots=True)
class GraphProfile:
    """A snapshot of per-node profiles over ``runs`` graph runs."""

    graph: str
    runs: int = 0
    nodes: list[NodeProfile] = field(default_factory=list)

    def by_calculator(self) -> list[NodeProfile]:
        """The node rows summed per calculator type (node field: the number of nodes)."""
        rows: dict[str, NodeProfile] = {}
        counts: dict[str, int] = {}
        for node in self.nodes:
            row = rows.setdefault(node.calculator, NodeProfile("", node.calculator))
            row.add(node)
            counts[node.calculator] = counts.get(node.calculator, 0) + 1
        for name, row in rows.items():
            row.node = f"{counts[name]} nodes"
        return list(rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {"graph": self.graph, "runs": self.runs, "nodes": [asdict(n) for n in self.nodes]}

    def table(self, per: int = 1, unit: str = "run") -> str:
        """A text table, busiest node first; counts and times divided by ``per`` (frames,
        say), times in µs; the node name comes last and in full."""
        head = f"{'calls/' + unit:>11} {'wall us':>9} {'cpu us':>9}  {'calculator':<38} node"
        lines = [head, "-" * (len(head) + 40)]
        total = NodeProfile("", "total")
        for n in sorted(self.nodes, key=lambda n: -n.process_wall_ns):
            total.add(n)
            lines.append(_row(n, per))
        lines.append(_row(total, per))
        return "\n".join(lines)


def _row(n: NodeProfile, per: int) -> str:
    return (
        f"{n.process_count / per:>11.1f} {n.process_wall_ns / per / 1e3:>9.1f} "
        f"{n.process_cpu_ns / per / 1e3:>9.1f}  {n.calculator:<38} {n.node}"
    )


class _Nesting(threading.local):
    """Per thread: wall and CPU ns spent in timed calls nested in the current one."""

    wall = 0
    cpu = 0


class GraphProfiler:
    """Times one graph run's calculator calls; one ``NodeProfile`` per node.

    A node runs on one thread at a time, so its profile is only written by that thread.
    """

    def __init__(self, graph: str, nodes: Iterable[tuple[str, str]], options: ProfilerOptions):
        self.graph = graph
        self.options = options
        self.nodes = [NodeProfile(name, calculator) for name, calculator in nodes]
        self.events: deque[tuple[int, int, int, int, int, int]] | None = (
            deque(maxlen=options.trace_capacity) if options.trace else None
        )
        self._nesting = _Nesting()
        self._origin_ns = time.perf_counter_ns()

    def timed_process(self, index: int, process: Call) -> Call:
        """``process`` wrapped to add each call to node ``index``'s profile."""
        profile = self.nodes[index]
        nesting = self._nesting
        events = self.events
        wall_clock, cpu_clock, get_ident = (
            time.perf_counter_ns,
            time.thread_time_ns,
            threading.get_ident,
        )

        def timed(cc: Any) -> Any:
            outer_wall, outer_cpu = nesting.wall, nesting.cpu
            nesting.wall = nesting.cpu = 0
            start, cpu_start = wall_clock(), cpu_clock()
            try:
                return process(cc)
            finally:
                wall, cpu = wall_clock() - start, cpu_clock() - cpu_start
                own_wall, own_cpu = wall - nesting.wall, cpu - nesting.cpu
                profile.process_count += 1
                profile.process_wall_ns += own_wall
                profile.process_cpu_ns += own_cpu
                nesting.wall, nesting.cpu = outer_wall + wall, outer_cpu + cpu
                if events is not None:
                    events.append((index, cc.input_timestamp, get_ident(), start, wall, own_cpu))

        return timed

    def timed_call(self, index: int, phase: str, call: Call, cc: Any) -> None:
        """Run ``open`` or ``close`` (``phase``) of node ``index`` and record its wall time."""
        start = time.perf_counter_ns()
        try:
            call(cc)
        finally:
            setattr(self.nodes[index], f"{phase}_wall_ns", time.perf_counter_ns() - start)

    def snapshot(self) -> GraphProfile:
        """A copy of this run's profiles (safe to read while the run goes on)."""
        rows = [NodeProfile(n.node, n.calculator) for n in self.nodes]
        for row, node in zip(rows, self.nodes, strict=True):
            row.add(node)
        return GraphProfile(self.graph, 1, rows)

    def chrome_trace(self) -> dict[str, Any]:
        """The kept events in Chrome's trace event format (complete events, µs)."""
        events = [
            {
                "name": self.nodes[index].node,
                "cat": self.nodes[index].calculator,
                "ph": "X",
                "pid": 1,
                "tid": tid,
                "ts": (start - self._origin_ns) / 1e3,
                "dur": wall / 1e3,
                "args": {"timestamp": timestamp_name(ts), "cpu_us": cpu / 1e3},
            }
            for index, ts, tid, start, wall, cpu in list(self.events or ())
        ]
        return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": {"graph": self.graph}}


class ProfileTotals:
    """Per-node totals over the finished runs of one graph (thread-safe)."""

    def __init__(self, graph: str) -> None:
        self._lock = threading.Lock()
        self._profile = GraphProfile(graph)

    def add_run(self, profiler: GraphProfiler) -> None:
        """Add a finished run; with a ``path`` option, write the files (see the module doc)."""
        run = profiler.snapshot()
        with self._lock:
            total = self._profile
            if not total.nodes:
                total.nodes = [NodeProfile(n.node, n.calculator) for n in run.nodes]
            for row, node in zip(total.nodes, run.nodes, strict=True):
                row.add(node)
            total.runs += 1
            prefix = profiler.options.path
            if not prefix:
                return
            _write(f"{prefix}{profiler.graph}.profile.json", json.dumps(total.to_dict(), indent=1))
            if profiler.events is not None:  # (under the lock: a later run's files win)
                _write(f"{prefix}{profiler.graph}.trace.json", json.dumps(profiler.chrome_trace()))

    def snapshot(self) -> GraphProfile:
        with self._lock:
            rows = [NodeProfile(n.node, n.calculator) for n in self._profile.nodes]
            for row, node in zip(rows, self._profile.nodes, strict=True):
                row.add(node)
            return GraphProfile(self._profile.graph, self._profile.runs, rows)


def _write(path: str, text: str) -> None:
    """Write atomically (a reader never sees half a file); a failure is logged, not raised."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text)
        tmp.replace(target)
    except OSError as exc:
        log.warning("cannot write graph profile %s: %s", path, exc)
