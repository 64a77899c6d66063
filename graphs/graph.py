"""CalculatorGraph: one running instance of a GraphSpec (one per client stream)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pipeserve.errors import (
    GraphCancelledError,
    NodeError,
    PacketError,
    PipeserveError,
    QueueFullError,
    SidePacketError,
)

from .calculator import STOP
from .contract import ANY_TAG, InputSidePacket
from .node import NodeRuntime, NodeState, OutputRoute, PacketObserver
from .packet import EMPTY, Packet
from .spec import GraphSpec
from .stream_handlers.base import BOUND, CLOSE, PROCESS, Invocation
from .timestamp import (
    DONE,
    MIN,
    PRESTREAM,
    UNSET,
    is_allowed_in_stream,
    next_allowed_in_stream,
    timestamp_name,
)
from .workers import WorkerPool

log = logging.getLogger(__name__)
ErrorCallback = Callable[[PipeserveError], None]


class CalculatorGraph:
    """Runs a graph: nodes process on a thread pool, each node's timestamps in order."""

    def __init__(self, spec: GraphSpec, services: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._idle_waiters = 0  # threads in wait_until_idle/done
        self._room_waiters = 0  # writers waiting for queue room
        self._nodes = [NodeRuntime(n, spec.name, services or {}) for n in spec.nodes]
        self._routes: dict[str, OutputRoute] = {name: OutputRoute(name) for name in spec.producers}
        for node in self._nodes:
            for queue in node.queues:
                self._routes[queue.name].consumers.append((node, queue))
            node.bind_outputs(
                [self._routes[s.name] for s in node.spec.contract.outputs],
                self._emit,
                self._set_bound,
                self._set_side_packet,
            )
        self._inputs = {s.name: self._routes[s.name] for s in spec.input_streams}
        self._last_ts = dict.fromkeys(self._inputs, UNSET)
        self._side_values: dict[str, Any] = {}
        self._max_queue = spec.max_queue_size
        self._workers: WorkerPool | None = None
        self._running = 0
        self._open_nodes = 0
        self._started = False
        self._halted = False
        self._stopped = False
        self._done = False
        self._error: PipeserveError | None = None
        self._error_callbacks: list[ErrorCallback] = []

    # ----------------------------------------------------------------- public API
    @property
    def error(self) -> PipeserveError | None:
        """The first error that stopped the graph, if any."""
        return self._error

    @property
    def done(self) -> bool:
        """True once every node has closed (or the graph stopped on error/cancel)."""
        return self._done or self._stopped

    def observe_output_stream(self, name: str, callback: PacketObserver) -> None:
        """Call ``callback(packet)`` for every packet on stream ``name``, in timestamp order."""
        route = self._routes.get(name)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no stream {name!r}")
        route.observers.append(callback)

    def on_error(self, callback: ErrorCallback) -> None:
        """Call ``callback(error)`` once if the graph fails."""
        self._error_callbacks.append(callback)

    def start(self, side_packets: Mapping[str, Any] | None = None) -> None:
        """Check side packets, open every node, and begin scheduling."""
        if self._started:
            raise PacketError(f"graph {self.name!r} already started")
        self._started = True
        self._side_values = dict(side_packets or {})
        self._check_side_packets()
        self._workers = WorkerPool(self.spec.num_threads, f"graph-{self.name}")
        for node in (self._nodes[n.index] for n in self.spec.open_order):
            self._open_node(node)
            if self._halted:
                assert self._error is not None
                raise self._error
        with self._lock:
            for node in self._nodes:
                self._schedule(node)
            self._check_done()

    def add_packet(self, stream: str, packet: Packet, timeout: float | None = None) -> None:
        """Push a packet into a graph input stream; waits while the graph's queues are full.

        ``timeout=0`` fails at once with QueueFullError instead of waiting.
        """
        route = self._inputs.get(stream)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no input stream {stream!r}")
        ts = packet.timestamp
        with self._lock:
            self._check_accepting(stream)
            if not is_allowed_in_stream(ts):
                raise PacketError(
                    f"invalid timestamp {timestamp_name(ts)} for input stream {stream!r}"
                )
            last = self._last_ts[stream]
            if ts <= last:
                raise PacketError(
                    f"timestamp {timestamp_name(ts)} is not greater than the previous timestamp "
                    f"{timestamp_name(last)} on input stream {stream!r}"
                )
            self._wait_for_room(timeout)
            self._check_accepting(stream)
            self._last_ts[stream] = ts
            route.bound = next_allowed_in_stream(ts)
            inline = self._deliver(route, packet)
        for observer in route.observers:
            observer(packet)
        for node in inline:
            self._run_node(node)

    def last_timestamp(self, stream: str) -> int:
        """The last timestamp accepted on a graph input stream (``UNSET`` if none)."""
        return self._last_ts[stream]

    def close_input_stream(self, stream: str) -> None:
        """No more packets on this graph input stream."""
        route = self._inputs.get(stream)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no input stream {stream!r}")
        with self._lock:
            self._raise_route_bound(route, DONE)

    def close_all_input_streams(self) -> None:
        """Close every graph input stream; the graph then finishes on its own."""
        with self._lock:
            for route in self._inputs.values():
                self._raise_route_bound(route, DONE)

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Wait until no node is running or ready; False on timeout. Raises the graph error."""
        with self._lock:
            ok = self._wait_idle(lambda: self._running == 0 or self._stopped, timeout)
        self._raise_if_failed()
        return ok

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Wait until every node closed; False on timeout. Raises the graph's error."""
        with self._lock:
            ok = self._wait_idle(lambda: self._done or self._stopped, timeout)
        self._raise_if_failed()
        return ok

    def cancel(self) -> None:
        """Stop now: no further processing; worker threads exit after their current call."""
        with self._lock:
            if self._done or self._halted:
                return
            self._halted = True
            self._stopped = True
            self._error = GraphCancelledError(f"graph {self.name!r} was cancelled")
            self._cond.notify_all()
        self._shutdown_workers()

    def queue_peaks(self) -> dict[str, int]:
        """The largest number of packets each node input ever held, as ``node:stream``."""
        return {f"{n.spec.name}:{q.name}": q.peak for n in self._nodes for q in n.queues}

    def __repr__(self) -> str:
        return f"CalculatorGraph({self.name!r}, running={self._running}, done={self.done})"

    # ------------------------------------------------------------------ internals
    def _check_side_packets(self) -> None:
        for node in self._nodes:
            contract = node.spec.contract
            ports = node.spec.calculator.ports.get(InputSidePacket, [])
            required = {p.tag for p in ports if not p.optional} | contract.required_side_packets
            for spec in contract.input_side_packets:
                if spec.name in self._side_values or spec.name in self.spec.side_producers:
                    continue
                if spec.tag in required or ANY_TAG in required:
                    raise SidePacketError(
                        f"graph {self.name!r}: missing input side packet {spec.name!r} "
                        f"required by node {node.spec.name!r}"
                    )

    def _open_node(self, node: NodeRuntime) -> None:
        ctx = node.context
        ctx.input_side_packets.values = [
            self._side_values.get(s.name, EMPTY) for s in node.spec.contract.input_side_packets
        ]
        try:
            node.calculator = node.spec.calculator()
            node.calculator.open(ctx)
            self._apply_pending_bounds(node)
        except Exception as exc:  # a calculator's failure is a graph error
            self._fail(node, None, exc)
            return
        with self._lock:
            node.state = NodeState.OPENED
            self._open_nodes += 1

    def _check_accepting(self, stream: str) -> None:
        if self._halted:
            raise self._error or GraphCancelledError(f"graph {self.name!r} stopped")
        if not self._started:
            raise PacketError(f"graph {self.name!r} is not started")
        if self._inputs[stream].bound == DONE:
            raise PacketError(f"input stream {stream!r} of graph {self.name!r} is closed")

    def _wait_idle(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait (lock held) for the graph to go idle or finish; releases notify such waiters."""
        self._idle_waiters += 1
        try:
            return self._cond.wait_for(predicate, timeout)
        finally:
            self._idle_waiters -= 1

    def _queues_full(self) -> bool:
        """True when some node input holds ``max_queue_size`` packets (lock held)."""
        limit = self._max_queue
        return limit > 0 and any(
            len(q.packets) >= limit for node in self._nodes for q in node.queues
        )

    def _wait_for_room(self, timeout: float | None) -> None:
        """Block while queues are full, unless the graph is idle (it needs this packet)."""
        if not self._queues_full():
            return
        if timeout is not None and timeout <= 0 and self._running > 0:
            raise QueueFullError(f"graph {self.name!r}: input queues are full")
        self._room_waiters += 1
        try:
            room = self._cond.wait_for(
                lambda: self._halted or self._running == 0 or not self._queues_full(), timeout
            )
        finally:
            self._room_waiters -= 1
        if not room:
            raise QueueFullError(f"graph {self.name!r}: input queues are full")

    def _deliver(self, route: OutputRoute, packet: Packet) -> list[NodeRuntime]:
        """Queue a packet at every consumer (lock held); returns the consumers claimed to run
        on this thread (``runs_inline``), which the caller runs once it releases the lock."""
        inline: list[NodeRuntime] = []
        for consumer, queue in route.consumers:
            queue.push(packet)
            if consumer.inline and self._claim(consumer):
                inline.append(consumer)
            else:
                self._schedule(consumer)
        return inline

    def _raise_route_bound(self, route: OutputRoute, bound: int) -> None:
        if bound > route.bound:
            route.bound = bound
        for consumer, queue in route.consumers:
            if queue.raise_bound(bound):
                self._schedule(consumer)

    def _emit(self, node: NodeRuntime, route: OutputRoute, packet: Packet) -> None:
        with self._lock:
            if self._halted:
                return
            node.check_emit(route, packet)
            inline = self._deliver(route, packet)
        for observer in route.observers:
            observer(packet)
        for consumer in inline:
            self._run_node(consumer)

    def _set_bound(self, node: NodeRuntime, route: OutputRoute, bound: int) -> None:
        """Record a bound set by calculator code; it applies when the call returns (MediaPipe
        checks packets against the bound from before the call)."""
        if bound > route.pending_bound:
            route.pending_bound = bound

    def _apply_pending_bounds(self, node: NodeRuntime) -> None:
        if not any(route.pending_bound > route.bound for route in node.routes):
            return  # the common case: no bound set during the call, no lock taken
        with self._lock:
            for route in node.routes:
                if route.pending_bound > route.bound and not self._halted:
                    self._raise_route_bound(route, route.pending_bound)

    def _set_side_packet(self, name: str, value: Any) -> None:
        self._side_values[name] = value

    def _claim(self, node: NodeRuntime) -> bool:
        """Mark a node as running unless it already is, or cannot run (lock held)."""
        if node.running or node.state is not NodeState.OPENED or self._halted:
            return False
        node.running = True
        self._running += 1
        return True

    def _schedule(self, node: NodeRuntime) -> None:
        """Submit a node to the workers unless it is already queued or running (lock held)."""
        if self._claim(node):
            assert self._workers is not None
            self._workers.submit(self._run_node, node)

    def _next_invocation(self, node: NodeRuntime) -> Invocation | None:
        """Ask the node's handler what to do next (lock held); wakes writers waiting for room."""
        if node.source:
            return Invocation(PROCESS, UNSET, [])
        if not self._room_waiters:
            return node.handler.next_invocation()
        limit = self._max_queue
        was_full = any(len(q.packets) >= limit for q in node.queues)
        invocation = node.handler.next_invocation()
        if was_full and not any(len(q.packets) >= limit for q in node.queues):
            self._cond.notify_all()
        return invocation

    def _run_node(self, node: NodeRuntime) -> None:
        calculator = node.calculator
        assert calculator is not None
        ctx = node.context
        offset = node.spec.contract.timestamp_offset
        while True:
            with self._lock:
                invocation = None if self._halted else self._next_invocation(node)
                if invocation is None:
                    self._release(node)
                    return
            try:
                if invocation.kind is PROCESS:
                    ctx.input_timestamp = invocation.timestamp
                    ctx.inputs.packets = invocation.packets or []
                    result = calculator.process(ctx)
                    self._apply_pending_bounds(node)
                    if node.source and result is STOP:
                        self._close_node(node, calculator)
                        return
                    if offset is not None and invocation.timestamp != UNSET:
                        self._propagate(node, _shift(invocation.timestamp, offset, settled=True))
                elif invocation.kind is BOUND:
                    if offset is not None:
                        self._propagate(node, _shift(invocation.timestamp, offset, settled=False))
                elif invocation.kind is CLOSE:
                    self._close_node(node, calculator)
                    return
            except Exception as exc:  # a calculator's failure is a graph error
                self._fail(node, invocation.timestamp, exc)
                with self._lock:
                    self._release(node)
                return
            if node.source:
                with self._lock:
                    self._release(node)
                    self._schedule(node)
                return

    def _propagate(self, node: NodeRuntime, bound: int) -> None:
        with self._lock:
            for route in node.routes:
                if not self._halted and bound > route.bound:
                    self._raise_route_bound(route, bound)

    def _close_node(self, node: NodeRuntime, calculator: Any) -> None:
        ctx = node.context
        ctx.input_timestamp = DONE
        try:
            calculator.close(ctx)
            self._apply_pending_bounds(node)
        except Exception as exc:  # a calculator's failure is a graph error
            self._fail(node, None, exc)
        with self._lock:
            for route in node.routes:
                self._raise_route_bound(route, DONE)
            node.state = NodeState.CLOSED
            self._open_nodes -= 1
            self._release(node)
            self._check_done()

    def _release(self, node: NodeRuntime) -> None:
        """Mark a node as no longer running (lock held)."""
        node.running = False
        self._running -= 1
        if self._running == 0:
            if self._room_waiters or self._idle_waiters:
                self._cond.notify_all()
            self._close_if_stalled()

    def _close_if_stalled(self) -> None:
        """Idle, every graph input and source done, yet nodes open (they wait on a back edge
        only they feed, e.g. a LOOPBACK): close the first open node, as MediaPipe closes
        the nodes left open when its scheduler goes idle (lock held)."""
        if (
            self._halted
            or self._done
            or not self._open_nodes
            or any(route.bound != DONE for route in self._inputs.values())
        ):
            return
        nodes = self._nodes
        opened = [
            nodes[n.index] for n in self.spec.open_order if nodes[n.index].state is NodeState.OPENED
        ]
        if not opened or any(node.source for node in opened) or not self._claim(opened[0]):
            return
        assert self._workers is not None
        self._workers.submit(self._close_stalled, opened[0])

    def _close_stalled(self, node: NodeRuntime) -> None:
        self._close_node(node, node.calculator)

    def _check_done(self) -> None:
        if self._open_nodes == 0 and not self._done and not self._halted:
            self._done = True
            self._cond.notify_all()
            if self._workers is not None:
                self._workers.shutdown()

    def _fail(self, node: NodeRuntime, timestamp: int | None, exc: BaseException) -> None:
        error = (
            exc
            if isinstance(exc, NodeError)
            else NodeError(self.name, node.spec.name, node.spec.contract.calculator, timestamp, exc)
        )
        with self._lock:
            if self._halted:
                return
            self._halted = True
            self._error = error
        log.error("%s", error, exc_info=exc if log.isEnabledFor(logging.DEBUG) else None)
        self._shutdown_workers()
        for callback in self._error_callbacks:
            callback(error)
        with self._lock:
            self._stopped = True
            self._cond.notify_all()

    def _shutdown_workers(self) -> None:
        if self._workers is not None:
            self._workers.shutdown()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error


def _shift(timestamp: int, offset: int, settled: bool) -> int:
    """The output bound implied by an input timestamp (or input bound) and an offset.

    After an input set at PreStream the next possible timestamp is ``Min()`` (MediaPipe).
    """
    if timestamp >= DONE - 2:
        return DONE
    if settled and timestamp == PRESTREAM:
        return MIN + offset
    shifted = timestamp + offset
    return next_allowed_in_stream(shifted) if settled else shifted
