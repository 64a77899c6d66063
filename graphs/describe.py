"""A human-readable summary of a graph file: nodes, streams, side packets, or the error."""

from __future__ import annotations

from pathlib import Path

from pipeserve.errors import PipeserveError

from .config import load_graph_config
from .spec import GraphSpec
from .timestamp import timestamp_name


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


def check_graph(path: str | Path) -> tuple[bool, str]:
    """(ok, text) for a CLI: the description, or the error message."""
    try:
        return True, describe_graph(path)
    except PipeserveError as exc:
        return False, f"error: {exc}"


__all__ = ["check_graph", "describe_graph", "timestamp_name"]
