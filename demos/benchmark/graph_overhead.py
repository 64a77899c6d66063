"""Graph runtime overhead: packets per second and microseconds per node hop.

Graphs of nodes that do no work, so the time is the runtime's: ``chain`` (10
PassThroughCalculator nodes in a row; they run inline, on the thread that delivers their
input), ``fanout`` (4 branches of 2 nodes, joined by one synchronizing node: 9 node runs per
packet), and ``hand-off chain`` (10 nodes of a pass-through that does not run inline, so
every hop is scheduled on the graph's workers, as most calculators are). Two modes each:

- throughput: push ``--packets`` packets as fast as ``add_packet`` accepts them, time
  until the graph is done; us/hop = elapsed / (packets x node runs per packet), and the
  same for the process's CPU time (steadier when other work shares the machine);
- latency: one packet at a time, waiting for its output; us/hop = round trip / node runs.

``--mediapipe`` runs the same graphs through the wheel's C++ CalculatorGraph for scale.

    python demos/benchmark/graph_overhead.py [--packets 20000] [--mediapipe]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.core.pass_through import PassThroughCalculator
from pipeserve.graphs import (
    CalculatorGraph,
    GraphSpec,
    Packet,
    parse_graph_config,
    register_calculator,
)


@register_calculator("HandOffPassThroughCalculator")
class HandOffPassThroughCalculator(PassThroughCalculator):
    """PassThroughCalculator scheduled like most calculators: on the graph's workers."""

    runs_inline = False


@dataclass(frozen=True)
class Bench:
    name: str
    config: str
    node_runs: int  # calculator invocations per input packet
    output: str  # the stream whose packets are counted


def _node(src: str, dst: str, calculator: str = "PassThroughCalculator") -> str:
    return f'node {{ calculator: "{calculator}" input_stream: "{src}" output_stream: "{dst}" }}'


def chain(length: int = 10, calculator: str = "PassThroughCalculator") -> Bench:
    names = ["in", *(f"s{i}" for i in range(1, length)), "out"]
    nodes = "\n".join(_node(a, b, calculator) for a, b in pairwise(names))
    name = f"chain of {length}" + (", hand-offs" if calculator != "PassThroughCalculator" else "")
    return Bench(name, f'input_stream: "in"\n{nodes}', length, "out")


def fanout(branches: int = 4, depth: int = 2) -> Bench:
    nodes = []
    for b in range(branches):
        names = ["in", *(f"b{b}_{d}" for d in range(depth))]
        nodes += [_node(x, y) for x, y in pairwise(names)]
    ins = " ".join(f'input_stream: "b{b}_{depth - 1}"' for b in range(branches))
    outs = " ".join(f'output_stream: "o{b}"' for b in range(branches))
    nodes.append(f'node {{ calculator: "PassThroughCalculator" {ins} {outs} }}')
    config = 'input_stream: "in"\n' + "\n".join(nodes)
    return Bench(f"fan-out {branches}x{depth} + join", config, branches * depth + 1, "o0")


class Runner(Protocol):
    """One runtime running one graph: add int packets, then finish."""

    def add(self, ts: int) -> None: ...

    def finish(self) -> None: ...


RunnerFactory = Callable[[Bench, Callable[[], None]], Runner]


class PipeserveRunner:
    def __init__(self, bench: Bench, observe: Callable[[], None]) -> None:
        self.graph = CalculatorGraph(GraphSpec(parse_graph_config(bench.config), name="bench"))
        self.graph.observe_output_stream(bench.output, lambda _: observe())
        self.graph.start()

    def add(self, ts: int) -> None:
        self.graph.add_packet("in", Packet(ts, ts))

    def finish(self) -> None:
        self.graph.close_all_input_streams()
        self.graph.wait_until_done()


class MediaPipeRunner:
    def __init__(self, bench: Bench, observe: Callable[[], None]) -> None:
        import mediapipe as mp
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2

        self.create = mp.packet_creator.create_int
        config = text_format.Parse(bench.config, calculator_pb2.CalculatorGraphConfig())
        self.graph = mp.CalculatorGraph(graph_config=config)
        self.graph.observe_output_stream(bench.output, lambda *_: observe())
        self.graph.start_run()

    def add(self, ts: int) -> None:
        self.graph.add_packet_to_input_stream("in", self.create(ts).at(ts))

    def finish(self) -> None:
        self.graph.close_all_packet_sources()
        self.graph.wait_until_done()


def throughput(make: RunnerFactory, bench: Bench, packets: int) -> tuple[float, float]:
    """Wall and process CPU seconds to push ``packets`` through the graph and finish."""
    count = [0]

    def seen() -> None:
        count[0] += 1

    runner = make(bench, seen)
    start, cpu_start = time.perf_counter(), time.process_time()
    for ts in range(packets):
        runner.add(ts)
    runner.finish()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if count[0] != packets:
        raise RuntimeError(f"{bench.name}: {count[0]} of {packets} packets came out")
    return elapsed, cpu


def latency(make: RunnerFactory, bench: Bench, packets: int) -> float:
    """Median seconds from adding one packet to seeing it on the output."""
    arrived = threading.Event()
    runner = make(bench, arrived.set)
    times = []
    for ts in range(packets):
        arrived.clear()
        start = time.perf_counter()
        runner.add(ts)
        arrived.wait()
        times.append(time.perf_counter() - start)
    runner.finish()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--packets", type=int, default=20000, help="packets per throughput run")
    parser.add_argument("--latency-packets", type=int, default=2000)
    parser.add_argument("--mediapipe", action="store_true", help="also time the C++ runtime")
    args = parser.parse_args()
    runtimes: list[tuple[str, RunnerFactory]] = [("pipeserve", PipeserveRunner)]
    if args.mediapipe:
        runtimes.append(("mediapipe", MediaPipeRunner))
    print(f"{os.cpu_count()} CPUs; {args.packets} packets (throughput), "
          f"{args.latency_packets} (latency, median)")  # fmt: skip
    header = (
        f"{'runtime':<10} {'graph':<24} {'packets/s':>10} {'us/hop':>7} {'cpu us/hop':>10} "
        f"{'latency us':>11} {'us/hop':>7}"
    )
    print(header)
    print("-" * len(header))
    for bench in (chain(), fanout(), chain(calculator="HandOffPassThroughCalculator")):
        for label, make in runtimes:
            elapsed, cpu = throughput(make, bench, args.packets)
            one = latency(make, bench, args.latency_packets)
            runs = args.packets * bench.node_runs
            print(f"{label:<10} {bench.name:<24} {args.packets / elapsed:>10.0f} "
                  f"{elapsed / runs * 1e6:>7.1f} {cpu / runs * 1e6:>10.1f} "
                  f"{one * 1e6:>11.0f} {one / bench.node_runs * 1e6:>7.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
