"""Subgraph expansion: registered graph configs used as nodes are inlined at load."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mediapipe.framework import calculator_pb2

from pipeserve.errors import GraphConfigError

from .registry import find_subgraph
from .tag_map import TagMap
from .types import GraphConfig, NodeConfig

MAX_DEPTH = 32


def expand_subgraphs(config: GraphConfig) -> GraphConfig:
    """A copy of ``config`` with every subgraph node replaced by its (prefixed) nodes."""
    expanded = calculator_pb2.CalculatorGraphConfig()
    expanded.CopyFrom(config)
    del expanded.node[:]
    for node, name in zip(config.node, canonical_node_names(config.node), strict=True):
        expanded.node.extend(_expand_node(node, name, depth=0))
    return expanded


def canonical_node_names(nodes: Iterable[NodeConfig]) -> list[str]:
    """Each node's name, or its calculator's; repeats get ``_2``, ``_3``... (unique siblings)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for node in nodes:
        base = node.name or node.calculator
        count = seen.get(base, 0) + 1
        seen[base] = count
        names.append(base if count == 1 else f"{base}_{count}")
    return names


def _expand_node(node: NodeConfig, where: str, depth: int) -> list[NodeConfig]:
    sub = find_subgraph(node.calculator)
    if sub is None:
        return [node]
    if depth >= MAX_DEPTH:
        raise GraphConfigError(f"subgraph nesting deeper than {MAX_DEPTH} (a cycle?)", node=where)
    prefix = where.lower() + "__"
    streams = _port_mapping(sub.input_stream, node.input_stream, where, "input stream")
    streams.update(_port_mapping(sub.output_stream, node.output_stream, where, "output stream"))
    sides = _port_mapping(sub.input_side_packet, node.input_side_packet, where, "input side packet")
    sides.update(
        _port_mapping(sub.output_side_packet, node.output_side_packet, where, "output side packet")
    )
    unconnected = {s.name for s in TagMap.parse(sub.input_stream, where) if s.name not in streams}
    result: list[NodeConfig] = []
    for inner, inner_name in zip(sub.node, canonical_node_names(sub.node), strict=True):
        copy = calculator_pb2.CalculatorGraphConfig.Node()
        copy.CopyFrom(inner)
        copy.name = prefix + inner_name
        _rename(copy.input_stream, streams, prefix, drop=unconnected)
        _rename(copy.output_stream, streams, prefix)
        _rename(copy.input_side_packet, sides, prefix)
        _rename(copy.output_side_packet, sides, prefix)
        result.extend(_expand_node(copy, copy.name, depth + 1))
    return result


def _port_mapping(
    inner_specs: Iterable[str], outer_specs: Iterable[str], where: str, kind: str
) -> dict[str, str]:
    """Map the subgraph's internal names to the parent's names by (tag, index)."""
    inner = TagMap.parse(inner_specs, where)
    outer = TagMap.parse(outer_specs, where)
    mapping: dict[str, str] = {}
    for spec in outer:
        pos = inner.id_of((spec.tag, spec.index))
        if pos is None:
            raise GraphConfigError(
                f"subgraph has no {kind} {spec.tag or '<untagged>'}:{spec.index}",
                node=where,
                stream=str(spec),
            )
        mapping[inner.specs[pos].name] = spec.name
    return mapping


def _rename(specs: Any, mapping: dict[str, str], prefix: str, drop: set[str] | None = None) -> None:
    kept: list[str] = []
    for text in specs:
        head, _, name = text.rpartition(":")
        if drop and name in drop:
            continue
        new = mapping.get(name, prefix + name)
        kept.append(f"{head}:{new}" if head else new)
    del specs[:]
    specs.extend(kept)
