"""CalculatorGraph: one running instance of a GraphSpec (one per client stream)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeserve.errors import GraphCancelledError, PacketError, PipeserveError, SidePacketError

from .contract import ANY_TAG, InputSidePacket
from .lifecycle import GraphState, Lifecycle
from .node import PacketObserver
from .packet import Packet
from .profiler import GraphProfile
from .scheduler import ErrorCallback, Scheduler
from .spec import GraphSpec
from .timestamp import DONE, UNSET, is_allowed_in_stream, next_allowed_in_stream, timestamp_name

_NEW, _DONE = GraphState.NEW, GraphState.DONE  # per-packet checks: module constants are cheaper


class CalculatorGraph:
    """Runs a graph: nodes process on a thread pool, each node's timestamps in order.

    Lifecycle (``state``): NEW until ``start``, RUNNING while packets flow, then DONE when
    every node closed, FAILED after a node error, or CANCELLED (see ``lifecycle``).
    """

    def __init__(self, spec: GraphSpec, services: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self._life = Lifecycle(spec.name)
        self._run = Scheduler(spec, services or {}, self._life)
        self._inputs = {s.name: self._run.routes[s.name] for s in spec.input_streams}
        self._last_ts = dict.fromkeys(self._inputs, UNSET)

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> GraphState:
        """Where the run is: NEW, RUNNING, FAILING, FAILED, CANCELLED or DONE."""
        return self._life.state

    @property
    def error(self) -> PipeserveError | None:
        """The first error that stopped the graph (or the cancellation), if any."""
        return self._run.error

    @property
    def done(self) -> bool:
        """True once the run is over: every node closed, or the graph failed or was cancelled."""
        return self._life.finished

    # ----------------------------------------------------------------- set-up
    def observe_output_stream(self, name: str, callback: PacketObserver) -> None:
        """Call ``callback(packet)`` for every packet on stream ``name``, in timestamp order."""
        route = self._run.routes.get(name)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no stream {name!r}")
        route.observers.append(callback)

    def on_error(self, callback: ErrorCallback) -> None:
        """Call ``callback(error)`` once if the graph fails."""
        self._run.error_callbacks.append(callback)

    def start(self, side_packets: Mapping[str, Any] | None = None) -> None:
        """Check side packets, open every node, and begin scheduling."""
        run = self._run
        with run.lock:
            if self._life.state is not GraphState.NEW:
                raise PacketError(f"graph {self.name!r} cannot start: it is {self.state.value}")
            self._life.enter(GraphState.RUNNING)
        run.side_values.update(side_packets or {})
        self._check_side_packets()
        for node in (run.nodes[n.index] for n in self.spec.open_order):
            run.open_node(node)
            self._raise_if_failed()
        with run.lock:
            run.schedule_all()

    # ----------------------------------------------------------------- packets
    def add_packet(self, stream: str, packet: Packet, timeout: float | None = None) -> None:
        """Push a packet into a graph input stream; waits while the graph's queues are full.

        ``timeout=0`` fails at once with QueueFullError instead of waiting.
        """
        route = self._inputs.get(stream)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no input stream {stream!r}")
        ts = packet.timestamp
        run = self._run
        with run.lock:
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
            run.pressure.wait_for_room(timeout, self._stalled)
            self._check_accepting(stream)
            self._last_ts[stream] = ts
            route.bound = next_allowed_in_stream(ts)
            inline = run.deliver(route, packet)
        for observer in route.observers:
            observer(packet)
        for node in inline:
            run.run_node(node)

    def last_timestamp(self, stream: str) -> int:
        """The last timestamp accepted on a graph input stream (``UNSET`` if none)."""
        return self._last_ts[stream]

    def close_input_stream(self, stream: str) -> None:
        """No more packets on this graph input stream."""
        route = self._inputs.get(stream)
        if route is None:
            raise PacketError(f"graph {self.name!r} has no input stream {stream!r}")
        run = self._run
        with run.lock:
            run.raise_route_bound(route, DONE)
            if run.running == 0:
                run.close_if_stalled()

    def close_all_input_streams(self) -> None:
        """Close every graph input stream; the graph then finishes on its own."""
        run = self._run
        with run.lock:
            for route in self._inputs.values():
                run.raise_route_bound(route, DONE)
            if run.running == 0:
                run.close_if_stalled()

    # ----------------------------------------------------------------- waiting, stopping
    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Wait until no node is running or ready; False on timeout. Raises the graph error."""
        run = self._run
        with run.lock:
            ok = run.wait_until(lambda: run.running == 0 or self._life.finished, timeout)
        self._raise_if_failed()
        return ok

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Wait until every node closed; False on timeout. Raises the graph's error."""
        with self._run.lock:
            ok = self._run.wait_until(lambda: self._life.finished, timeout)
        self._raise_if_failed()
        return ok

    def cancel(self) -> None:
        """Stop now: no further processing; worker threads exit after their current call."""
        self._run.cancel()

    def profile(self) -> GraphProfile | None:
        """This run's per-node profile so far; None unless the graph is profiled
        (``profiler_config { enable_profiler: true }``)."""
        profiler = self._run.profiler
        return None if profiler is None else profiler.snapshot()

    def chrome_trace(self) -> dict[str, Any] | None:
        """This run's kept calls as a Chrome trace (``trace_enabled: true``), else None."""
        profiler = self._run.profiler
        return None if profiler is None or profiler.events is None else profiler.chrome_trace()

    def queue_peaks(self) -> dict[str, int]:
        """The largest number of packets each node input ever held, as ``node:stream``."""
        return {f"{n.spec.name}:{q.name}": q.peak for n in self._run.nodes for q in n.queues}

    def __repr__(self) -> str:
        return f"CalculatorGraph({self.name!r}, {self.state.value}, running={self._run.running})"

    # ----------------------------------------------------------------- internals
    def _check_side_packets(self) -> None:
        for node in self._run.nodes:
            contract = node.spec.contract
            ports = node.spec.calculator.ports.get(InputSidePacket, [])
            required = {p.tag for p in ports if not p.optional} | contract.required_side_packets
            for spec in contract.input_side_packets:
                if spec.name in self._run.side_values or spec.name in self.spec.side_producers:
                    continue
                if spec.tag in required or ANY_TAG in required:
                    raise SidePacketError(
                        f"graph {self.name!r}: missing input side packet {spec.name!r} "
                        f"required by node {node.spec.name!r}"
                    )

    def _check_accepting(self, stream: str) -> None:
        """Raise unless the graph takes packets on ``stream`` now (lock held)."""
        life = self._life
        if life.halted:
            raise self._run.error or GraphCancelledError(f"graph {self.name!r} stopped")
        if life.state is _NEW:
            raise PacketError(f"graph {self.name!r} is not started")
        if life.state is _DONE or self._inputs[stream].bound == DONE:
            raise PacketError(f"input stream {stream!r} of graph {self.name!r} is closed")

    def _stalled(self) -> bool:
        """True when no node runs (lock held): a writer must not wait for room then."""
        return self._life.halted or self._run.running == 0

    def _raise_if_failed(self) -> None:
        error = self._run.error
        if error is not None:
            raise error
