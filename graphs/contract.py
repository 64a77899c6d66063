"""Calculator contracts: declared ports, checked against a node's config at build time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pipeserve.errors import GraphConfigError

from .tag_map import TagMap

ANY_TAG = "*"
T = TypeVar("T")


@dataclass(frozen=True)
class Port(Generic[T]):
    """A declared port: a tag (``""`` = untagged, ``"*"`` = any tag), optional, repeatable,
    and the payload type it carries (``Any`` unless given).

    ``Input[np.ndarray]("IMAGE")`` declares the type by subscript; ``Input("IMAGE")`` is
    untyped (``Any``) and matches every edge.
    """

    tag: str
    optional: bool = False
    multiple: bool = False
    payload: Any = Any
    kind: ClassVar[str] = "port"

    def __class_getitem__(cls, item: Any) -> Any:
        if isinstance(item, TypeVar):  # ``class Input(Port[T])``: the generic machinery
            return super().__class_getitem__(item)  # type: ignore[misc]
        return _TypedPort(cls, item)

    def describe(self) -> str:
        return self.tag or "<untagged>"


@dataclass(frozen=True, slots=True)
class _TypedPort:
    """``Input[X]``: builds the port with payload type ``X``."""

    cls: type[Port]
    payload: Any

    def __call__(self, tag: str, optional: bool = False, multiple: bool = False) -> Port:
        return self.cls(tag, optional, multiple, self.payload)


class Input(Port[T]):
    """An input stream port."""

    kind = "input stream"


class Output(Port[T]):
    """An output stream port."""

    kind = "output stream"


class InputSidePacket(Port[T]):
    """An input side packet port."""

    kind = "input side packet"


class OutputSidePacket(Port[T]):
    """An output side packet port."""

    kind = "output side packet"


PORT_KINDS: tuple[type[Port], ...] = (Input, Output, InputSidePacket, OutputSidePacket)


@dataclass(slots=True)
class CalculatorContract:
    """What one node declares: its wiring, options and scheduling preferences.

    Built by the graph from the node config and the calculator class; the class's
    ``update_contract`` may change the scheduling fields or reject the wiring.
    """

    node: str
    calculator: str
    inputs: TagMap
    outputs: TagMap
    input_side_packets: TagMap
    output_side_packets: TagMap
    options: Any = None
    timestamp_offset: int | None = None
    process_timestamp_bounds: bool = False
    input_stream_handler: str | None = None
    handler_options: dict[str, Any] = field(default_factory=dict)
    required_side_packets: set[str] = field(default_factory=set)
    """Tags of wired input side packets that must be given at start (see below)."""

    def require_wired_side_packets(self) -> None:
        """Every input side packet this node wires must be given when the graph starts, though
        its port may be left unwired: MediaPipe's rule for a side packet declared only when
        present and not ``Optional()``."""
        self.required_side_packets.update(self.input_side_packets.tags())

    def fail(self, reason: str, stream: str | None = None) -> GraphConfigError:
        """A config error naming this node (raise it from ``update_contract``)."""
        return GraphConfigError(f"{self.calculator}: {reason}", node=self.node, stream=stream)

    def tag_maps(self) -> dict[type[Port], TagMap]:
        return {
            Input: self.inputs,
            Output: self.outputs,
            InputSidePacket: self.input_side_packets,
            OutputSidePacket: self.output_side_packets,
        }


def declared_port(ports: dict[type[Port], list[Port]], kind: type[Port], tag: str) -> Port | None:
    """The port of ``kind`` declared for ``tag`` (or the any-tag port), None if undeclared."""
    wildcard = None
    for port in ports.get(kind, []):
        if port.tag == tag:
            return port
        if port.tag == ANY_TAG:
            wildcard = port
    return wildcard


def check_ports(cc: CalculatorContract, ports: dict[type[Port], list[Port]]) -> None:
    """Check a node's tags against declared ports; raise GraphConfigError on a mismatch."""
    for kind, tag_map in cc.tag_maps().items():
        declared = ports.get(kind, [])
        if any(p.tag == ANY_TAG for p in declared):
            continue
        by_tag = {p.tag: p for p in declared}
        for spec in tag_map:
            port = by_tag.get(spec.tag)
            if port is None:
                allowed = ", ".join(p.describe() for p in declared) or "none"
                raise cc.fail(
                    f"undeclared {kind.kind} tag {spec.tag or '<untagged>'!r} "
                    f"(declared: {allowed})",
                    stream=str(spec),
                )
            if spec.index > 0 and not port.multiple:
                raise cc.fail(f"{kind.kind} tag {spec.tag!r} takes one entry", stream=str(spec))
        for port in declared:
            if not port.optional and tag_map.count(port.tag) == 0:
                raise cc.fail(f"missing required {kind.kind} {port.describe()!r}")
