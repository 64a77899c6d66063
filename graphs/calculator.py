"""The calculator API: a contract declared on the class, then ``open``, ``process``, ``close``.

Lifecycle (MediaPipe's): the graph checks the node's wiring against the class's ports
and ``update_contract``; ``open`` runs once before any packet; ``process`` runs once per
input set, in strictly increasing input timestamps, with empty packets for absent
inputs; ``close`` runs once when all inputs are done (not if ``open`` failed).

Example::

    @register_calculator("ThresholdingCalculator")
    class ThresholdingCalculator(Calculator):
        FLOAT = Input[float]("FLOAT")
        FLAG = Output[bool]("FLAG", optional=True)
        options_type = ThresholdingCalculatorOptions
        timestamp_offset = 0

        def open(self, cc: CalculatorContext) -> None:
            self.threshold = cc.options.threshold

        def process(self, cc: CalculatorContext) -> None:
            value = as_scalar(cc.inputs["FLOAT"].value, float)
            cc.outputs["FLAG"].add(value > self.threshold)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, ClassVar

import numpy as np

from pipeserve.errors import PacketError

from .contract import CalculatorContract, Port
from .packet import EMPTY, EMPTY_PACKET, Packet
from .tag_map import TagIndex, TagMap
from .timestamp import DONE, UNSET, timestamp_name


class ProcessResult(Enum):
    """What ``process`` may return besides None."""

    STOP = "stop"
    """A source node (no inputs) has nothing more to emit: the graph closes it."""


STOP = ProcessResult.STOP


class Calculator:
    """Base class of every calculator; subclasses declare ports as class attributes."""

    options_type: ClassVar[type | None] = None
    """Options message class (a protobuf message) read from the node's options."""
    timestamp_offset: ClassVar[int | None] = None
    """If set, outputs' bounds follow the input timestamp plus this offset (MediaPipe SetOffset)."""
    process_timestamp_bounds: ClassVar[bool] = False
    """If True, ``process`` also runs when inputs only advance their timestamp bounds."""
    input_stream_handler: ClassVar[str | None] = None
    """Preferred input stream handler name (a node's config overrides it)."""
    runs_inline: ClassVar[bool] = False
    """If True (cheap, never blocking), the node runs on the thread that delivers its input
    instead of being handed to a worker thread."""
    ports: ClassVar[dict[type[Port], list[Port]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        collected: dict[type[Port], list[Port]] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Port):
                    collected.setdefault(type(value), []).append(value)
        cls.ports = collected

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        """Cross-port rules and scheduling choices; raise ``cc.fail(...)`` to reject a node."""

    def open(self, cc: CalculatorContext) -> None:
        """Called once before any ``process``; resolve options and side packets here."""

    def process(self, cc: CalculatorContext) -> ProcessResult | None:
        """Called for each input set. Source nodes return ``STOP`` when done."""
        return None

    def close(self, cc: CalculatorContext) -> None:
        """Called once after the last ``process`` (inputs done, or the graph stops)."""


class InputSet:
    """The packets of one input set, addressed by tag, ``(tag, index)`` or untagged index."""

    __slots__ = ("_none", "packets", "queues", "tag_map")

    def __init__(self, tag_map: TagMap, queues: list[Any] | None = None) -> None:
        self.tag_map = tag_map
        self._none: list[Packet] = [EMPTY_PACKET] * len(tag_map)
        """The set between calls (shared, never modified)."""
        self.packets = self._none
        self.queues = queues or []

    def clear(self) -> None:
        """No packets: between calls, as MediaPipe, so the last set's payloads (frames,
        tensors) are not kept alive until the next call."""
        self.packets = self._none

    def is_done(self, key: str | int | TagIndex) -> bool:
        """True when the input stream is closed and has no packet left."""
        pos = self.tag_map.id_of(key)
        if pos is None:
            raise KeyError(f"no input {key!r}")
        queue = self.queues[pos]
        return queue.bound == DONE and not queue.packets

    def __getitem__(self, key: str | int | TagIndex) -> Packet:
        pos = self.tag_map.positions.get(key)
        if pos is None:
            raise KeyError(f"no input {key!r}")
        return self.packets[pos]

    def get(self, key: str | int | TagIndex) -> Packet:
        """The packet at ``key``, or an empty packet when the node has no such input."""
        pos = self.tag_map.positions.get(key)
        return EMPTY_PACKET if pos is None else self.packets[pos]

    def has(self, key: str | int | TagIndex) -> bool:
        """True when the node has this input wired (whether or not it has a packet now)."""
        return self.tag_map.id_of(key) is not None

    def count(self, tag: str) -> int:
        return self.tag_map.count(tag)

    def __len__(self) -> int:
        return len(self.packets)


EmitFn = Callable[[int, Packet], None]
BoundFn = Callable[[int, int], None]


class OutputStream:
    """One output port of a running node: add packets, move the timestamp bound, close."""

    __slots__ = ("_bound", "_context", "_emit", "_pos", "name")

    def __init__(self, name: str, pos: int, emit: EmitFn, bound: BoundFn, context: Any) -> None:
        self.name = name
        self._pos = pos
        self._emit = emit
        self._bound = bound
        self._context = context

    def add(self, value: Any, timestamp: int | None = None) -> None:
        """Emit ``value`` at ``timestamp`` (default: the current input timestamp).

        An ndarray payload becomes read-only (no copy: its flag is cleared), so a consumer
        that writes into a shared frame or tensor fails loudly instead of corrupting others.
        """
        if value is EMPTY:
            raise PacketError(f"cannot add an empty packet to {self.name!r}")
        if type(value) is np.ndarray:
            value.flags.writeable = False
        ts = self._context.input_timestamp if timestamp is None else timestamp
        self._emit(self._pos, Packet(value, ts))

    def add_packet(self, packet: Packet) -> None:
        """Emit an existing packet as is (payload and timestamp shared, not copied)."""
        self._emit(self._pos, packet)

    def set_next_timestamp_bound(self, timestamp: int) -> None:
        """Promise that no packet below ``timestamp`` will follow on this stream."""
        self._bound(self._pos, timestamp)

    def close(self) -> None:
        """No more packets on this stream."""
        self._bound(self._pos, DONE)

    def __repr__(self) -> str:
        return f"OutputStream({self.name!r})"


class OutputSet:
    """A node's output streams by tag, ``(tag, index)`` or untagged index."""

    __slots__ = ("streams", "tag_map")

    def __init__(self, tag_map: TagMap, streams: list[OutputStream]) -> None:
        self.tag_map = tag_map
        self.streams = streams

    def __getitem__(self, key: str | int | TagIndex) -> OutputStream:
        pos = self.tag_map.positions.get(key)
        if pos is None:
            raise KeyError(f"no output {key!r}")
        return self.streams[pos]

    def has(self, key: str | int | TagIndex) -> bool:
        return self.tag_map.id_of(key) is not None

    def count(self, tag: str) -> int:
        return self.tag_map.count(tag)

    def __len__(self) -> int:
        return len(self.streams)


class SidePackets:
    """Input side packets of a node by tag (values, read-only); optional ones may be absent."""

    __slots__ = ("tag_map", "values")

    def __init__(self, tag_map: TagMap, values: list[Any]) -> None:
        self.tag_map = tag_map
        self.values = values

    def __getitem__(self, key: str | int | TagIndex) -> Any:
        pos = self.tag_map.id_of(key)
        if pos is None or self.values[pos] is EMPTY:
            raise KeyError(f"input side packet {key!r} not provided")
        return self.values[pos]

    def get(self, key: str | int | TagIndex, default: Any = None) -> Any:
        """The value at ``key``, or ``default`` when not wired or not provided."""
        pos = self.tag_map.id_of(key)
        if pos is None or self.values[pos] is EMPTY:
            return default
        return self.values[pos]

    def has(self, key: str | int | TagIndex) -> bool:
        """True when the side packet is wired and has a value."""
        pos = self.tag_map.id_of(key)
        return pos is not None and self.values[pos] is not EMPTY


class OutputSidePackets:
    """Output side packets of a node: ``set`` each once, in ``open`` (or later)."""

    __slots__ = ("_set", "tag_map")

    def __init__(self, tag_map: TagMap, setter: Callable[[int, Any], None]) -> None:
        self.tag_map = tag_map
        self._set = setter

    def set(self, key: str | int | TagIndex, value: Any) -> None:
        pos = self.tag_map.id_of(key)
        if pos is None:
            raise KeyError(f"no output side packet {key!r}")
        self._set(pos, value)

    def has(self, key: str | int | TagIndex) -> bool:
        return self.tag_map.id_of(key) is not None


class CalculatorContext:
    """What a calculator sees while running: inputs, outputs, side packets, options, time."""

    __slots__ = (
        "graph_name",
        "input_side_packets",
        "input_timestamp",
        "inputs",
        "node_name",
        "options",
        "output_side_packets",
        "outputs",
        "services",
    )

    def __init__(
        self,
        graph_name: str,
        node_name: str,
        options: Any,
        inputs: InputSet,
        input_side_packets: SidePackets,
        services: Mapping[str, Any],
    ) -> None:
        self.graph_name = graph_name
        self.node_name = node_name
        self.options = options
        self.inputs = inputs
        self.input_side_packets = input_side_packets
        self.services = services
        self.input_timestamp: int = UNSET
        self.outputs: OutputSet
        self.output_side_packets: OutputSidePackets

    def __repr__(self) -> str:
        return (
            f"CalculatorContext(node={self.node_name!r}, ts={timestamp_name(self.input_timestamp)})"
        )
