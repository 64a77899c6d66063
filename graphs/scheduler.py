"""Running a graph's nodes: packet routing, timestamp bounds, worker scheduling, failure.

The scheduler owns the graph lock. Under it: queues, bounds, node states and the
lifecycle change; calculator code (``open``/``process``/``close``) and output observers
run outside it. A node runs on one thread at a time, on a worker or, for a ``runs_inline``
node, on the thread that delivered its input.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pipeserve.errors import GraphCancelledError, NodeError, PipeserveError

from .backpressure import BackPressure
from .calculator import STOP, Calculator
from .lifecycle import GraphState, Lifecycle
from .node import NodeRuntime, NodeState, OutputRoute
from .packet import EMPTY, Packet
from .profiler import GraphProfiler
from .spec import GraphSpec
from .stream_handlers.base import BOUND, CLOSE, PROCESS, Invocation
from .timestamp import DONE, MAX, MIN, PRESTREAM, UNSET, next_allowed_in_stream
from .workers import WorkerPool

log = logging.getLogger(__name__)
# Module constants: an enum member lookup costs ~0.3 us on Python 3.11, too much per packet.
_OPENED = NodeState.OPENED
_RUNNING = GraphState.RUNNING
ErrorCallback = Callable[[PipeserveError], None]


class Scheduler:
    """Moves packets between the nodes of one graph run and runs the nodes that are ready."""

    def __init__(self, spec: GraphSpec, services: Mapping[str, Any], life: Lifecycle) -> None:
        self.name = spec.name
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.life = life
        self.nodes = [NodeRuntime(n, spec.name, services) for n in spec.nodes]
        self.routes: dict[str, OutputRoute] = {name: OutputRoute(name) for name in spec.producers}
        for node in self.nodes:
            for queue in node.queues:
                self.routes[queue.name].consumers.append((node, queue))
            node.bind_outputs(
                [self.routes[s.name] for s in node.spec.contract.outputs],
                self._emit,
                self._set_bound,
                self._set_side_packet,
            )
        self._graph_inputs = [self.routes[s.name] for s in spec.input_streams]
        self._open_order = [self.nodes[n.index] for n in spec.open_order]
        queues = [q for node in self.nodes for q in node.queues]
        self.pressure = BackPressure(spec.max_queue_size, queues, self.cond, spec.name)
        self.side_values: dict[str, Any] = {}
        self.error: PipeserveError | None = None
        self.error_callbacks: list[ErrorCallback] = []
        self.running = 0  # nodes claimed (queued for or inside a run)
        self._idle_waiters = 0  # threads in wait_until
        self._open_nodes = 0
        self._workers = WorkerPool(spec.num_threads, f"graph-{spec.name}")
        self._slot = _WorkerSlot()
        self.profiler: GraphProfiler | None = None
        if spec.profiler.enabled:
            names = [(n.name, n.contract.calculator) for n in spec.nodes]
            self.profiler = GraphProfiler(spec.name, names, spec.profiler)
        self._totals = spec.profile_totals

    # ------------------------------------------------------------ graph-facing calls
    def open_node(self, node: NodeRuntime) -> None:
        """Create and open the node's calculator; a failure fails the graph."""
        ctx = node.context
        ctx.input_side_packets.values = [
            self.side_values.get(s.name, EMPTY) for s in node.spec.contract.input_side_packets
        ]
        profiler = self.profiler
        try:
            calculator = node.calculator = node.spec.calculator()
            if profiler is None:
                calculator.open(ctx)
                node.process = calculator.process
            else:
                profiler.timed_call(node.spec.index, "open", calculator.open, ctx)
                node.process = profiler.timed_process(node.spec.index, calculator.process)
            self._apply_pending_bounds(node)
        except Exception as exc:  # a calculator's failure is a graph error
            self.fail(node, None, exc)
        else:
            with self.lock:
                node.state = NodeState.OPENED
                self._open_nodes += 1
        with self.lock:
            if self.life.finished:  # the run ended while this node opened
                node.release()

    def schedule_all(self) -> None:
        """After every node opened: run those that are ready (lock held)."""
        for node in self.nodes:
            self._schedule(node)
        self._check_done()

    def deliver(self, route: OutputRoute, packet: Packet) -> list[NodeRuntime]:
        """Queue a packet at every consumer (lock held); returns the consumers claimed to run
        on this thread (``runs_inline``), which the caller runs once it releases the lock."""
        inline: list[NodeRuntime] = []
        for consumer, queue in route.consumers:
            queue.push(packet)
            if consumer.gated and not consumer.handler.ready():
                continue  # e.g. waiting for its other inputs: no thread needed yet
            if consumer.inline and self._claim(consumer):
                inline.append(consumer)
            else:
                self._schedule(consumer)
        return inline

    def raise_route_bound(self, route: OutputRoute, bound: int) -> None:
        """Move a stream's bound up and wake the consumers it may make ready (lock held)."""
        if bound > route.bound:
            route.bound = bound
        for consumer, queue in route.consumers:
            if queue.raise_bound(bound) and (not consumer.gated or consumer.handler.ready()):
                self._schedule(consumer)

    def wait_until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait (lock held) until ``predicate()``; woken when the graph idles or finishes."""
        self._idle_waiters += 1
        try:
            return self.cond.wait_for(predicate, timeout)
        finally:
            self._idle_waiters -= 1

    def cancel(self) -> None:
        """Stop now unless already finished or failing: waiters wake with the cancel error."""
        with self.lock:
            if not self.life.can_enter(GraphState.CANCELLED):
                return
            self.life.enter(GraphState.CANCELLED)
            self.error = GraphCancelledError(f"graph {self.name!r} was cancelled")
            self._end_run()
        self._workers.shutdown()

    def fail(self, node: NodeRuntime, timestamp: int | None, exc: BaseException) -> None:
        """Stop the graph on its first error and report it; later errors are dropped."""
        spec = node.spec
        error = (
            exc
            if isinstance(exc, NodeError)
            else NodeError(self.name, spec.name, spec.contract.calculator, timestamp, exc)
        )
        with self.lock:
            if not self.life.can_enter(GraphState.FAILING):
                return
            self.life.enter(GraphState.FAILING)
            self.error = error
        log.error("%s", error, exc_info=exc if log.isEnabledFor(logging.DEBUG) else None)
        self._workers.shutdown()
        for callback in self.error_callbacks:
            callback(error)
        with self.lock:
            self.life.enter(GraphState.FAILED)
            self._end_run()

    def _end_run(self) -> None:
        """The run has finished (lock held): add its profile to the totals, let the nodes
        release what they hold, wake the waiters."""
        if self.profiler is not None:
            self._totals.add_run(self.profiler)
        for node in self.nodes:
            node.release()
        self.cond.notify_all()

    # ------------------------------------------------------------- per-packet path
    def _emit(self, node: NodeRuntime, route: OutputRoute, packet: Packet) -> None:
        with self.lock:
            if self.life.halted:
                return
            node.check_emit(route, packet)
            inline = self.deliver(route, packet)
        for observer in route.observers:
            observer(packet)
        for consumer in inline:
            self.run_node(consumer)

    def _set_bound(self, node: NodeRuntime, route: OutputRoute, bound: int) -> None:
        """Record a bound set by calculator code; it applies when the call returns (MediaPipe
        checks packets against the bound from before the call)."""
        if bound > route.pending_bound:
            route.pending_bound = bound

    def _apply_pending_bounds(self, node: NodeRuntime) -> None:
        for route in node.routes:  # a loop, not any(): this runs after every call
            if route.pending_bound > route.bound:
                break
        else:
            return  # the common case: no bound set during the call, no lock taken
        with self.lock:
            for route in node.routes:
                if route.pending_bound > route.bound and not self.life.halted:
                    self.raise_route_bound(route, route.pending_bound)

    def _set_side_packet(self, name: str, value: Any) -> None:
        self.side_values[name] = value

    def _claim(self, node: NodeRuntime) -> bool:
        """Mark a node as running unless it already is, or cannot run (lock held)."""
        if node.running or node.state is not _OPENED or self.life.halted:
            return False
        node.running = True
        self.running += 1
        return True

    def _schedule(self, node: NodeRuntime) -> None:
        """Hand a node to the workers unless it is already queued or running (lock held).

        A worker thread keeps the first node it makes ready to run itself next (no queue,
        no wake-up); any more go to the pool, where idle workers take them.
        """
        if self._claim(node):
            slot = self._slot
            if slot.active and slot.kept is None and not node.source:
                slot.kept = node
            else:
                self._workers.submit(self._run_on_worker, node)

    def _run_on_worker(self, node: NodeRuntime | None) -> None:
        """A pool task: run a claimed node, then each node this thread kept for itself."""
        slot = self._slot
        slot.active = True
        try:
            while node is not None:
                self.run_node(node)
                node, slot.kept = slot.kept, None
        finally:
            slot.active = False

    def run_node(self, node: NodeRuntime) -> None:
        """Run a claimed node until its handler has nothing ready, then release it."""
        calculator = node.calculator
        if calculator is None:  # the run ended, and dropped it, before this call began
            with self.lock:
                self._release(node)
            return
        process = node.process
        ctx = node.context
        offset = node.spec.contract.timestamp_offset
        lock, life, pressure, slot = self.lock, self.life, self.pressure, self._slot
        decide = node.handler.next_invocation
        bound = UNSET  # an output bound to propagate, set by the last invocation
        while True:
            with lock:  # propagate the last bound, ask the node's handler what to do next
                if life.halted:
                    invocation = None
                else:
                    if bound != UNSET:
                        for route in node.routes:
                            if bound > route.bound:
                                self.raise_route_bound(route, bound)
                    if node.source:
                        invocation = Invocation(PROCESS, UNSET, [])
                    elif pressure.waiters:  # wake writers if this takes a full queue below
                        # limit (inline, not a BackPressure method: a call costs ~0.3 us)
                        limit, queues = pressure.limit, node.queues
                        was_full = any(len(q.packets) >= limit for q in queues)
                        invocation = decide()
                        if was_full and not any(len(q.packets) >= limit for q in queues):
                            self.cond.notify_all()
                    else:
                        invocation = decide()
                if invocation is None:
                    ctx.inputs.clear()  # the last set's packets are not kept till the next
                    self._release(node)
                    return
                if slot.kept is not None and invocation.kind is PROCESS:
                    # this thread stays busy for a while: an idle worker may take it
                    self._workers.submit(self._run_on_worker, slot.kept)
                    slot.kept = None
            bound = UNSET
            try:
                kind = invocation.kind
                if kind is PROCESS:
                    ctx.input_timestamp = invocation.timestamp
                    ctx.inputs.packets = invocation.packets or []
                    result = process(ctx)
                    self._apply_pending_bounds(node)
                    if node.source and result is STOP:
                        self._close_node(node, calculator)
                        return
                    ts = invocation.timestamp
                    if offset is not None and ts != UNSET:
                        shifted = ts + offset
                        bound = (
                            shifted + 1  # the common case of _shift, inline: ~0.1 us a call
                            if MIN <= ts <= MAX and MIN <= shifted < MAX
                            else _shift(ts, offset, settled=True)
                        )
                elif kind is BOUND:
                    if offset is not None:
                        bound = _shift(invocation.timestamp, offset, settled=False)
                elif kind is CLOSE:
                    self._close_node(node, calculator)
                    return
            except Exception as exc:  # a calculator's failure is a graph error
                self.fail(node, invocation.timestamp, exc)
                with self.lock:
                    self._release(node)
                return
            if node.source:
                with self.lock:
                    self._release(node)
                    self._schedule(node)
                return

    def _close_node(self, node: NodeRuntime, calculator: Calculator) -> None:
        ctx = node.context
        ctx.input_timestamp = DONE
        try:
            if self.profiler is None:
                calculator.close(ctx)
            else:
                self.profiler.timed_call(node.spec.index, "close", calculator.close, ctx)
            self._apply_pending_bounds(node)
        except Exception as exc:  # a calculator's failure is a graph error
            self.fail(node, None, exc)
        with self.lock:
            for route in node.routes:
                self.raise_route_bound(route, DONE)
            node.state = NodeState.CLOSED
            self._open_nodes -= 1
            self._release(node)
            self._check_done()

    def _release(self, node: NodeRuntime) -> None:
        """Mark a node as no longer running (lock held)."""
        node.running = False
        self.running -= 1
        if self.running == 0:
            if self.pressure.waiters or self._idle_waiters:
                self.cond.notify_all()
            self.close_if_stalled()

    def close_if_stalled(self) -> None:
        """Idle, every graph input and source done, yet nodes open (they wait on a back edge
        only they feed, e.g. a LOOPBACK): close the first open node, as MediaPipe closes
        the nodes left open when its scheduler goes idle (lock held)."""
        if self.life.state is not _RUNNING or not self._open_nodes:
            return
        for route in self._graph_inputs:  # a loop, not any(): this runs at every idle moment
            if route.bound != DONE:
                return
        opened = [node for node in self._open_order if node.state is _OPENED]
        if not opened or any(node.source for node in opened) or not self._claim(opened[0]):
            return
        self._workers.submit(self._close_stalled, opened[0])

    def _close_stalled(self, node: NodeRuntime) -> None:
        self._close_node(node, node.opened_calculator())

    def _check_done(self) -> None:
        if self._open_nodes == 0 and self.life.state is GraphState.RUNNING:
            self.life.enter(GraphState.DONE)
            self._end_run()
            self._workers.shutdown()


class _WorkerSlot(threading.local):
    """Per thread: whether it is one of this graph's workers, and the node it runs next."""

    active = False
    kept: NodeRuntime | None = None


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
