"""Helpers to run graphs and single calculators in tests and scripts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import text_format
from mediapipe.framework import calculator_pb2

from .config import parse_graph_config
from .graph import CalculatorGraph
from .packet import Packet
from .spec import GraphSpec

Inputs = Mapping[str, Iterable[tuple[Any, int] | Packet]]


def run_graph(
    config: str | calculator_pb2.CalculatorGraphConfig,
    inputs: Inputs,
    side_packets: Mapping[str, Any] | None = None,
    services: Mapping[str, Any] | None = None,
    observe: Iterable[str] | None = None,
    timeout: float = 60.0,
) -> dict[str, list[Packet]]:
    """Run a graph to completion; returns the packets of each graph output (or ``observe``d) stream.

    ``inputs`` maps an input stream to ``(value, timestamp)`` pairs or packets, added
    stream by stream in timestamp order (merged across streams).
    """
    if isinstance(config, str):
        config = parse_graph_config(config)
    spec = GraphSpec(config, name=config.type or "test")
    graph = CalculatorGraph(spec, services=services)
    names = list(observe) if observe is not None else spec.output_streams.names()
    outputs: dict[str, list[Packet]] = {name: [] for name in names}
    for name in names:
        graph.observe_output_stream(name, outputs[name].append)
    graph.start(side_packets)
    pending = sorted(
        (
            (p if isinstance(p, Packet) else Packet(p[0], p[1]), stream)
            for stream, packets in inputs.items()
            for p in packets
        ),
        key=lambda item: item[0].timestamp,
    )
    for packet, stream in pending:
        graph.add_packet(stream, packet)
    graph.close_all_input_streams()
    if not graph.wait_until_done(timeout):
        graph.cancel()
        raise TimeoutError(f"graph did not finish within {timeout} s")
    return outputs


class CalculatorRunner:
    """Runs one node from its pbtxt text, wiring its streams as graph inputs and outputs."""

    def __init__(
        self,
        node_text: str,
        side_packets: Mapping[str, Any] | None = None,
        services: Mapping[str, Any] | None = None,
    ) -> None:
        node = calculator_pb2.CalculatorGraphConfig.Node()
        text_format.Parse(node_text, node)
        config = calculator_pb2.CalculatorGraphConfig()
        config.node.append(node)
        back = {info.tag_index for info in node.input_stream_info if info.back_edge}
        for text in node.input_stream:
            tag = text.rsplit(":", 1)[0] if ":" in text else ""
            if tag not in back:
                config.input_stream.append(text.rsplit(":", 1)[-1])
        config.output_stream.extend(t.rsplit(":", 1)[-1] for t in node.output_stream)
        config.input_side_packet.extend(t.rsplit(":", 1)[-1] for t in node.input_side_packet)
        self.config = config
        self.side_packets = dict(side_packets or {})
        self.services = services

    def run(self, inputs: Inputs, timeout: float = 60.0) -> dict[str, list[Packet]]:
        """Feed ``{stream: [(value, ts), ...]}`` and return ``{output stream: [Packet]}``."""
        return run_graph(self.config, inputs, self.side_packets, self.services, timeout=timeout)
