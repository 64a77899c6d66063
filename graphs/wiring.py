"""Build-time check that needs more than one node's declaration: edge payload types.

Every stream and side packet edge joins a producer's declared port to a consumer's; the
payload type of the first must be able to feed the second (``Any`` matches everything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeserve.errors import GraphConfigError

from .contract import Input, InputSidePacket, Output, OutputSidePacket, Port, declared_port
from .port_types import can_feed, type_name
from .tag_map import StreamSpec

if TYPE_CHECKING:
    from .spec import NodeSpec

EDGE_KINDS: tuple[tuple[type[Port], type[Port]], ...] = (
    (Output, Input),
    (OutputSidePacket, InputSidePacket),
)


def check_edge_types(nodes: Sequence[NodeSpec]) -> None:
    """Raise GraphConfigError for the first edge whose producer type cannot feed its consumer."""
    for out_kind, in_kind in EDGE_KINDS:
        produced: dict[str, tuple[NodeSpec, StreamSpec, Port]] = {}
        for node in nodes:
            for spec in node.contract.tag_maps()[out_kind]:
                port = declared_port(node.calculator.ports, out_kind, spec.tag)
                if port is not None:
                    produced[spec.name] = (node, spec, port)
        for node in nodes:
            for spec in node.contract.tag_maps()[in_kind]:
                source = produced.get(spec.name)
                port = declared_port(node.calculator.ports, in_kind, spec.tag)
                if source is None or port is None or can_feed(source[2].payload, port.payload):
                    continue
                src_node, src_spec, src_port = source
                raise GraphConfigError(
                    f"{in_kind.kind} {_tag(spec)} takes {type_name(port.payload)}, but node "
                    f"{src_node.name!r} {out_kind.kind} {_tag(src_spec)} gives "
                    f"{type_name(src_port.payload)}",
                    node=node.name,
                    stream=spec.name,
                )


def _tag(spec: StreamSpec) -> str:
    tag = spec.tag or "<untagged>"
    return f"{tag}:{spec.index}" if spec.index else tag
