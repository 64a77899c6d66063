"""A session: one graph instance, its request validation, pushes and output queue.

Streams and unary calls on a graph both run through a session (docs/streaming.md §2, §7).
Outputs are observed on graph worker threads, converted to responses there, and handed to
the event loop through a byte-bounded ``Mailbox``. Pushing never blocks the loop: a push
that finds the graph's queues full continues on a worker thread, and the stream reads no
further request until it is done; nor while the outputs it holds for the client reach the
buffer limit (back-pressure, §10).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from pipeserve.errors import Code, PipeserveError, QueueFullError
from pipeserve.graphs import CalculatorGraph, Packet
from pipeserve.graphs.timestamp import MAX, MIN, timestamp_name

from .codecs import encode_output, payload_bytes
from .errors import (
    GraphExecutionError,
    InvalidRequestError,
    MalformedTimestampError,
    shorten,
    with_request_id,
)
from .graph_processes import RemoteGraph
from .inputs import REQUEST_TAG, decode_request
from .limits import StreamLimits
from .mailbox import Mailbox
from .metrics import CallMetrics
from .outputs import check_same_outputs, select_outputs
from .servables import GRAPH_VERSION, GRAPH_VERSIONS, GraphServable
from .types import InferRequest, InferResponse, InStreamError, ParamValue, StreamItem

TIMESTAMP_PARAM = "OVMS_MP_TIMESTAMP"
LATENCY_WINDOW = 1024
"""Pushed requests awaiting their first output, for the latency metric (oldest dropped)."""
SETTLE_SECONDS = 5.0
"""How long a rejection waits for the outputs of earlier requests before it is sent."""
START_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
"""Graphs opening at once: a storm of streams that leave while starting costs no more than
this many opens (a start cancelled while it waits for a slot does no work at all)."""
_END = object()
Values = list[tuple[str, Any]]
GraphRun: TypeAlias = "CalculatorGraph | RemoteGraph"
"""A session's graph instance: in this process, or in a graph process."""


def request_timestamp(parameters: Mapping[str, ParamValue], default: int) -> int:
    """The request's ``OVMS_MP_TIMESTAMP`` (§3), or ``default`` when it has none."""
    if TIMESTAMP_PARAM not in parameters:
        return default
    ts = parameters[TIMESTAMP_PARAM]
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise MalformedTimestampError(
            f"Should be int64, got {type(ts).__name__} {shorten(repr(ts))} in {TIMESTAMP_PARAM}"
        )
    if not MIN <= ts <= MAX:
        raise MalformedTimestampError(
            f"{timestamp_name(ts)} is outside Timestamp::Min() .. Timestamp::Max()"
        )
    return ts


def start_graph(
    graph: GraphRun,
    parameters: Mapping[str, ParamValue],
    server_side_packets: Mapping[str, Any] | None = None,
) -> None:
    """Start ``graph`` with the parameters it has side packets for, then the server's own
    side packets (a request cannot replace those); FAILED_PRECONDITION if it cannot start."""
    names = {s.name for s in graph.spec.input_side_packets}
    side_packets = {k: v for k, v in parameters.items() if k in names}
    side_packets.update(server_side_packets or {})
    try:
        with START_SLOTS:
            if graph.error is not None:  # cancelled while waiting: nothing to undo
                raise graph.error
            graph.start(side_packets)
    except PipeserveError as exc:
        graph.cancel()
        raise PipeserveError(
            f"graph {graph.name!r} failed to start: {exc}", Code.FAILED_PRECONDITION
        ) from exc


class StreamSession:
    """One graph run: validate, push, and queue outputs in the order they are emitted."""

    def __init__(
        self,
        servable: GraphServable,
        graph: GraphRun,
        metrics: CallMetrics,
        limits: StreamLimits,
        requested: Sequence[str] = (),
    ) -> None:
        """``graph``: a new instance of the servable's graph; ``requested``: the first
        request's requested outputs (``outputs.py``)."""
        self.name = servable.name
        self.servable = servable
        spec = servable.require_spec()
        streams = [s.name for s in spec.output_streams]
        self.whole_responses = any(s.tag == "RESPONSE" for s in spec.output_streams)
        """The graph builds whole KServe responses (REQUEST/RESPONSE, §4): it reads the
        requested outputs from the request itself."""
        if not self.whole_responses:
            streams = select_outputs(requested, streams, self.name)
        self.outputs = streams
        """The output streams this session observes and returns."""
        self._requested = frozenset(requested) if requested else None
        self._acquired = False
        self._starting: asyncio.Future[None] | None = None
        self._graph = graph
        self.tags = {s.name: s.tag for s in spec.input_streams}
        self.metrics = metrics
        self.limits = limits
        self.outbox = Mailbox(asyncio.get_running_loop(), limits.max_buffer_bytes)
        self._next_ts = 0
        self._final: PipeserveError | None = None
        self._pushed: deque[tuple[int, float]] = deque(maxlen=LATENCY_WINDOW)
        for stream in self.outputs:
            self._graph.observe_output_stream(stream, self._output_observer(stream))
        self._graph.on_error(lambda error: self.fail(GraphExecutionError(error)))

    @property
    def failed(self) -> bool:
        """True once the graph stopped on an error or was cancelled."""
        return self._graph.error is not None

    async def start(self, parameters: Mapping[str, ParamValue]) -> None:
        """Start the graph with the first request's parameters as side packets (§6).

        Cancelled while starting (the client left), the graph is cancelled too: the start
        stops at the next node and no worker thread outlives it.
        """
        server_side_packets = self.servable.acquire()
        self._acquired = True
        starting = asyncio.ensure_future(
            asyncio.to_thread(start_graph, self._graph, parameters, server_side_packets)
        )
        self._starting = starting
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            starting.add_done_callback(_consume_result)
            self.cancel()
            raise

    def prepare(self, request: InferRequest) -> tuple[int, Values]:
        """Validate a whole request (§2.3, §2.4, §3, §5); returns its timestamp and values."""
        if request.model_name != self.name:
            raise InvalidRequestError(
                f"Subsequent request with incorrect servable name: {shorten(request.model_name)!r}"
                f" (this stream serves {self.name!r})"
            )
        if request.model_version not in GRAPH_VERSIONS:
            raise InvalidRequestError(
                f"Subsequent request with incorrect servable version: "
                f"{shorten(request.model_version)!r} (graphs have version {GRAPH_VERSION!r})"
            )
        if not self.whole_responses:
            check_same_outputs(request.outputs, self._requested)
        ts = request_timestamp(request.parameters, self._next_ts)
        values = decode_request(request, self.tags, self.limits.max_request_bytes)
        for name, _ in values:
            last = self._graph.last_timestamp(name)
            if ts <= last:
                raise MalformedTimestampError(
                    f"{timestamp_name(ts)} is not greater than the previous timestamp "
                    f"{timestamp_name(last)} on stream {name!r}"
                )
        return ts, values

    def check_complete(self, values: Values) -> None:
        """A unary call needs every graph input (§7)."""
        missing = sorted(set(self.tags) - {name for name, _ in values})
        if missing and REQUEST_TAG not in self.tags.values():
            raise InvalidRequestError(f"graph {self.name!r} needs inputs {missing}")

    async def push(self, ts: int, values: Values) -> None:
        """Push one validated request; waits off the loop while the graph is full."""
        self._next_ts = ts + 1 if ts < MAX else MAX
        self._pushed.append((ts, time.perf_counter()))
        self.metrics.accepted.inc()
        for i, (name, value) in enumerate(values):
            try:
                self._graph.add_packet(name, Packet(value, ts), timeout=0)
            except QueueFullError:
                await asyncio.to_thread(self._push_waiting, ts, values[i:])
                return

    def _push_waiting(self, ts: int, values: Values) -> None:
        for name, value in values:
            self._graph.add_packet(name, Packet(value, ts))

    async def wait_for_room(self) -> None:
        """Return once the outputs held for the client are under the buffer limit."""
        await self.outbox.wait_for_room()

    async def finish(self) -> None:
        """Half-close: close the graph's inputs, let it finish, then end the output queue."""
        self._graph.close_all_input_streams()
        try:
            await asyncio.to_thread(self._graph.wait_until_done)
        except PipeserveError:
            return  # reported through on_error
        self.outbox.put(_END)

    async def next_item(self) -> StreamItem | None:
        """The next response or in-stream error; None once the graph is done.

        A stream-ending error comes back once as an in-stream error, then is raised.
        """
        if self._final is not None:
            raise self._final
        item = await self.outbox.get()
        if item is _END:
            return None
        if isinstance(item, PipeserveError):
            self._final = item
            return InStreamError(item.message, item.code, ends_stream=True)
        return item

    def fail(self, error: PipeserveError) -> None:
        """End the stream: one in-stream error, then the RPC ends with ``error``'s code."""
        if isinstance(error, GraphExecutionError):
            self.metrics.graph_errors.inc()
        self.outbox.put(error)

    async def reject(self, error: PipeserveError, request_id: str = "") -> None:
        """Answer a request that failed validation with an in-stream error naming it.

        The error is queued once the graph has worked off what earlier requests pushed, so
        it follows their outputs (§10).
        """
        self.metrics.rejected.inc()
        await self._settle()
        message = with_request_id(error.message, request_id)
        self.outbox.put(InStreamError(message, error.code), len(message))

    async def _settle(self) -> None:
        graph = self._graph
        try:
            if not graph.wait_until_idle(timeout=0):
                await asyncio.to_thread(graph.wait_until_idle, SETTLE_SECONDS)
        except PipeserveError:
            pass  # the graph failed: its error is already queued

    def cancel(self) -> None:
        """Stop the graph now, free its threads (and the definition's Python nodes), and drop
        the outputs held for the client."""
        self.outbox.close()
        self._graph.cancel()
        if not self._acquired:
            return
        self._acquired = False
        if self._starting is not None and not self._starting.done():
            # the start still runs on its thread: release the definition once it returns
            self._starting.add_done_callback(lambda _: self.servable.release())
        else:
            self.servable.release()

    @property
    def held_bytes(self) -> int:
        return self.outbox.held_bytes

    def _output_observer(self, stream: str) -> Any:
        def observe(packet: Packet) -> None:
            item = self._response(stream, packet)
            size = payload_bytes(item) if isinstance(item, InferResponse) else 0
            self.outbox.put(item, size)

        return observe

    def _response(self, stream: str, packet: Packet) -> StreamItem:
        """Runs on a graph worker thread: the packet as one data message (§5)."""
        self._observe_latency(packet.timestamp)
        params: dict[str, ParamValue] = {TIMESTAMP_PARAM: packet.timestamp}
        if isinstance(packet.value, InferResponse):  # packets are read-only: answer a copy
            value = packet.value
            return dataclasses.replace(value, parameters={**value.parameters, **params})
        try:
            output = encode_output(stream, packet.value)
        except (TypeError, ValueError) as exc:
            return InStreamError(
                f"cannot serialize output {stream!r} at timestamp "
                f"{timestamp_name(packet.timestamp)}: {exc}",
                Code.FAILED_PRECONDITION,
            )
        return InferResponse(self.name, GRAPH_VERSION, [output], parameters=params)

    def _observe_latency(self, ts: int) -> None:
        pushed = self._pushed
        try:
            while pushed[0][0] <= ts:
                _, start = pushed.popleft()
                self.metrics.latency.observe(time.perf_counter() - start)
        except IndexError:  # empty (or emptied by another output's worker)
            pass

    def __repr__(self) -> str:
        return f"StreamSession({self.name!r}, next_ts={self._next_ts})"


def _consume_result(future: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a start nobody awaits any more (no 'never retrieved' log)."""
    if not future.cancelled():
        future.exception()
