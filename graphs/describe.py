"""A human-readable summary of a graph file: nodes, streams, side packets, or the error."""

from __future__ import annotations

from pathlib import Path

from .config import load_graph_config
from .spec import GraphSpec


def describe_graph(path: str | Path) -> str:
    """Validate a graph file and describe it; raises PipeserveError with the reason if invalid."""
    config = load_graph_config(path)
    spec = GraphSpec(config, name=Path(path).stem)
    lines = [f"graph {spec.name}: {len(spec.nodes)} nodes (subgraphs expanded)"]
    lines.append("input streams: " + (", ".join(str(s) for s in spec.input_streams) or "none"))
    lines.append("output streams: " + (", ".join(str(s) for s in spec.output_streams) or "none"))
    lines.append("input side packets: " + (", ".join(spec.input_side_packets.names()) or "none"))
    for node in spec.nodes:
        contract = node.contract
        ins = ", ".join(str(s) for s in contract.inputs) or "-"
        outs = ", ".join(str(s) for s in contract.outputs) or "-"
        extra = (
            f" [{node.handler.name}]" if node.handler.name != "DefaultInputStreamHandler" else ""
        )
        if contract.timestamp_offset is not None:
            extra += f" offset={contract.timestamp_offset}"
        lines.append(f"  {node.name} ({contract.calculator}){extra}: {ins} -> {outs}")
    return "\n".join(lines)
