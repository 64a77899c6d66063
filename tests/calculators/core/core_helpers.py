"""Helpers for the core calculator tests: run one node, read its packets as (ts, value)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config
from pipeserve.graphs.testing import CalculatorRunner, Inputs, run_graph

Stamped = list[tuple[int, Any]]


def stamped(packets: list[Packet]) -> Stamped:
    return [(p.timestamp, p.value) for p in packets]


def run_node(
    node: str, inputs: Inputs, side_packets: Mapping[str, Any] | None = None
) -> dict[str, Stamped]:
    """Run one node (pbtxt body) on ``{stream: [(value, ts)]}``; ``{output: [(ts, value)]}``."""
    out = CalculatorRunner(node, side_packets=side_packets).run(inputs)
    return {name: stamped(packets) for name, packets in out.items()}


def side_packets_of(
    node: str, names: list[str], side_packets: Mapping[str, Any] | None = None
) -> list[Any]:
    """The output side packets ``names`` of a node, read back through SidePacketToStream."""
    wires = "".join(f'input_side_packet: "{n}" ' for n in names)
    outs = "".join(f'output_stream: "AT_ZERO:{i}:out{i}" ' for i in range(len(names)))
    graph = (
        "".join(f'output_stream: "out{i}" ' for i in range(len(names)))
        + f"node {{ {node} }} "
        + f'node {{ calculator: "SidePacketToStreamCalculator" {wires} {outs} }}'
    )
    out = run_graph(graph, {}, side_packets)
    return [out[f"out{i}"][0].value for i in range(len(names))]


def run_steps(
    config: str, steps: list[tuple[str, Any, int]], side_packets: Mapping[str, Any] | None = None
) -> dict[str, Stamped]:
    """Add ``(stream, value, ts)`` packets one at a time, waiting until idle after each.

    Bound-only timestamps reach downstream nodes deterministically this way (fed at
    once, a later packet may arrive before a bound is processed, as in MediaPipe).
    """
    graph = CalculatorGraph(GraphSpec(parse_graph_config(config)))
    out: dict[str, Stamped] = {name: [] for name in graph.spec.output_streams.names()}
    for name, packets in out.items():
        graph.observe_output_stream(
            name, lambda p, into=packets: into.append((p.timestamp, p.value))
        )
    graph.start(side_packets)
    for stream, value, ts in steps:
        graph.add_packet(stream, Packet(value, ts))
        if not graph.wait_until_idle(5):
            graph.cancel()
            raise TimeoutError(f"graph not idle after {stream}@{ts}")
    graph.close_all_input_streams()
    if not graph.wait_until_done(5):
        graph.cancel()
        raise TimeoutError("graph did not finish")
    return out
