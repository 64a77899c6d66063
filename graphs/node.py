"""A node at run time: its calculator, input queues, handler and output routes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from pipeserve.errors import PacketError, PipeserveError

from .calculator import (
    Calculator,
    CalculatorContext,
    InputSet,
    OutputSet,
    OutputSidePackets,
    OutputStream,
    SidePackets,
)
from .input_queue import InputQueue
from .packet import Packet
from .spec import NodeSpec
from .stream_handlers.base import InputStreamHandler
from .timestamp import (
    MAX,
    MIN,
    PRESTREAM,
    is_allowed_in_stream,
    next_allowed_in_stream,
    timestamp_name,
)

PacketObserver = Callable[[Packet], None]


class OutputRoute:
    """One produced stream: its bound, consumer queues and observers."""

    __slots__ = ("bound", "consumers", "name", "observers", "pending_bound")

    def __init__(self, name: str) -> None:
        self.name = name
        self.bound = PRESTREAM
        self.pending_bound = PRESTREAM
        self.consumers: list[tuple[NodeRuntime, InputQueue]] = []
        self.observers: list[PacketObserver] = []


class NodeState(Enum):
    """Where a node is in its life: NEW -> OPENED -> CLOSED (NEW stays if ``open`` fails)."""

    NEW = "new"
    OPENED = "opened"
    CLOSED = "closed"


class NodeRuntime:
    """Runtime state of one node; all fields but ``calculator`` are guarded by the graph lock."""

    __slots__ = (
        "calculator",
        "context",
        "gated",
        "handler",
        "inline",
        "process",
        "queues",
        "routes",
        "running",
        "source",
        "spec",
        "state",
    )

    def __init__(self, spec: NodeSpec, graph_name: str, services: Mapping[str, Any]) -> None:
        self.spec = spec
        contract = spec.contract
        self.queues = [
            InputQueue(s.name, back_edge=i in spec.back_edges)
            for i, s in enumerate(contract.inputs)
        ]
        self.handler: InputStreamHandler = spec.handler(
            self.queues, contract.process_timestamp_bounds, spec.handler_options
        )
        self.gated = (
            len(self.queues) > 1 and type(self.handler).ready is not InputStreamHandler.ready
        )
        """Ask the handler whether the node is ready before handing it to a thread (one
        input: a packet or bound always makes it ready, so the question is not worth it)."""
        self.routes: list[OutputRoute] = []
        self.calculator: Calculator | None = None
        self.process: Callable[[CalculatorContext], Any] = _not_opened
        """The calculator's ``process`` (timed when the graph is profiled), set at open."""
        self.context = CalculatorContext(
            graph_name,
            spec.name,
            contract.options,
            InputSet(contract.inputs, self.queues),
            SidePackets(contract.input_side_packets, []),
            services,
        )
        self.running = False
        self.state = NodeState.NEW
        self.source = not self.queues and len(contract.outputs) > 0
        self.inline = spec.calculator.runs_inline

    def bind_outputs(
        self,
        routes: list[OutputRoute],
        emit: Callable[[NodeRuntime, OutputRoute, Packet], None],
        bound: Callable[[NodeRuntime, OutputRoute, int], None],
        set_side: Callable[[str, Any], None],
    ) -> None:
        """Connect the calculator's output ports to the graph's routes."""
        self.routes = routes
        contract = self.spec.contract
        streams = [
            OutputStream(
                route.name,
                pos,
                lambda pos, packet: emit(self, self.routes[pos], packet),
                lambda pos, ts: bound(self, self.routes[pos], ts),
                self.context,
            )
            for pos, route in enumerate(routes)
        ]
        self.context.outputs = OutputSet(contract.outputs, streams)
        side_names = contract.output_side_packets.names()
        self.context.output_side_packets = OutputSidePackets(
            contract.output_side_packets, lambda pos, value: set_side(side_names[pos], value)
        )

    def opened_calculator(self) -> Calculator:
        """The calculator of an opened node; raises if the runtime runs an unopened one."""
        if self.calculator is None:
            raise PipeserveError(f"node {self.spec.name!r} runs before it opened")
        return self.calculator

    def release(self) -> None:
        """The run is over (graph lock held): let go of the calculator and of the packets
        queued or last processed, so that what they hold (infer requests, frames, tensors)
        is freed now; the runtime's objects refer to each other, so without this it waits
        for Python's cycle collector. A call in progress keeps its own references until it
        returns."""
        self.calculator = None
        self.process = _not_opened
        self.context.inputs.clear()
        for queue in self.queues:
            queue.packets.clear()

    def check_emit(self, route: OutputRoute, packet: Packet) -> None:
        """Reject a packet whose timestamp is not allowed or not increasing on its stream."""
        ts = packet.timestamp
        if MIN <= ts < MAX and ts >= route.bound:  # the common case, without calls
            route.bound = ts + 1
            return
        if not is_allowed_in_stream(ts):
            raise PacketError(
                f"node {self.spec.name!r} added a packet at invalid timestamp "
                f"{timestamp_name(ts)} to stream {route.name!r}"
            )
        if ts < route.bound:
            raise PacketError(
                f"node {self.spec.name!r} added a packet at {timestamp_name(ts)} to stream "
                f"{route.name!r}, below its bound {timestamp_name(route.bound)} (timestamps "
                "must increase)"
            )
        route.bound = next_allowed_in_stream(ts)

    def __repr__(self) -> str:
        return f"NodeRuntime({self.spec.name!r}, state={self.state.value}, running={self.running})"


def _not_opened(cc: CalculatorContext) -> None:
    raise PipeserveError(f"node {cc.node_name!r} runs before it opened")
