"""The data plane: every operation both frontends offer, transport-free (spec §1-§9).

The gRPC servicer and the REST endpoints only translate to and from these methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pipeserve
from pipeserve.errors import Code, PipeserveError
from pipeserve.graphs import CalculatorGraph, Packet

from .codecs import encode_output
from .errors import GraphExecutionError, InvalidRequestError, ModelNotFoundError
from .inputs import decode_request
from .metrics import Metrics
from .readiness import Readiness
from .servables import GRAPH_VERSION, GraphServable, ServableStore
from .sessions import StreamSession, request_timestamp, start_graph
from .types import InferRequest, InferResponse, ModelMetadata, ServerMetadata, StreamItem

log = logging.getLogger(__name__)

SERVER_NAME = "pipeserve"
EXTENSIONS = ("model_stream_infer",)
RequestStream = AsyncIterator[InferRequest | PipeserveError]
"""Requests as a frontend decoded them, or the error that made one undecodable."""


class DataPlane:
    """Health, metadata, unary inference and streams over the current servables."""

    def __init__(self, store: ServableStore, metrics: Metrics) -> None:
        self.store = store
        self.metrics = metrics
        self.readiness = Readiness(store)
        self._sessions: set[StreamSession] = set()

    async def live(self) -> bool:
        return True

    async def ready(self) -> bool:
        return self.readiness.server_ready()

    async def model_ready(self, name: str, version: str = "") -> bool:
        """Readiness of one servable; NOT_FOUND for an unknown name or version."""
        return self.readiness.model_ready(name, version)

    async def metadata(self) -> ServerMetadata:
        return ServerMetadata(SERVER_NAME, pipeserve.__version__, EXTENSIONS)

    async def model_metadata(self, name: str, version: str = "") -> ModelMetadata:
        return self.store.current.metadata(name, version)

    @property
    def open_streams(self) -> int:
        return len(self._sessions)

    def __repr__(self) -> str:
        return f"DataPlane({self.store.current}, open_streams={self.open_streams})"

    async def infer(self, request: InferRequest, method: str = "infer") -> InferResponse:
        """Unary inference on a model, or on a fresh graph run (§7)."""
        servables = self.store.current
        calls = self.metrics.call(request.model_name, method)
        start = time.perf_counter()
        try:
            if servables.is_graph(request.model_name):
                servable = servables.graph(request.model_name, request.model_version)
                response = await asyncio.to_thread(self._run_graph, servable, request)
            else:
                response = await asyncio.to_thread(self._run_model, request)
        except PipeserveError:
            calls.rejected.inc()
            raise
        calls.accepted.inc()
        calls.responses.inc()
        calls.latency.observe(time.perf_counter() - start)
        response.id = request.id
        return response

    def _run_model(self, request: InferRequest) -> InferResponse:
        models = self.store.current.models
        if request.model_name not in models:
            raise ModelNotFoundError(request.model_name)
        model = models.get(request.model_name, request.model_version or None)
        tags = {t.name: "" for t in model.metadata.inputs}
        values = dict(decode_request(request, tags))
        results = models.infer(model.name, model.version, values)
        outputs = [encode_output(name, value) for name, value in results.items()]
        return InferResponse(model.name, model.version, outputs)

    def _run_graph(self, servable: GraphServable, request: InferRequest) -> InferResponse:
        spec = servable.require_spec()
        tags = {s.name: s.tag for s in spec.input_streams}
        values = decode_request(request, tags)
        missing = sorted(set(tags) - {name for name, _ in values})
        if missing:
            raise InvalidRequestError(f"graph {servable.name!r} needs inputs {missing}")
        ts = request_timestamp(request.parameters, 0)
        first: dict[str, Packet] = {}
        graph = CalculatorGraph(spec, services={"models": self.store.current.models})
        for stream in spec.output_streams:
            graph.observe_output_stream(stream.name, _keep_first(first, stream.name))
        start_graph(graph, request.parameters)
        try:
            for name, value in values:
                graph.add_packet(name, Packet(value, ts))
            graph.close_all_input_streams()
            graph.wait_until_done()
        except PipeserveError as exc:
            graph.cancel()
            raise GraphExecutionError(str(exc)) from exc
        absent = [s.name for s in spec.output_streams if s.name not in first]
        if absent:
            raise PipeserveError(
                f"graph {servable.name!r} produced no packet on {absent}", Code.FAILED_PRECONDITION
            )
        outputs = [encode_output(s.name, first[s.name].value) for s in spec.output_streams]
        return InferResponse(servable.name, GRAPH_VERSION, outputs)

    async def infer_stream(
        self, requests: RequestStream, method: str = "stream"
    ) -> AsyncGenerator[StreamItem, None]:
        """One graph per stream (§2): data messages and in-stream errors, in order.

        Raises PipeserveError for what ends the stream: a bad first request, a graph that
        cannot start, or a graph error (after its in-stream message).
        """
        first = await anext(requests, None)
        if first is None:
            return
        if isinstance(first, PipeserveError):
            raise first
        servables = self.store.current
        calls = self.metrics.call(first.model_name, method)
        try:
            servable = servables.graph(first.model_name, first.model_version)
            session = StreamSession(servable, {"models": servables.models}, calls)
            await session.start(first.parameters)
        except PipeserveError:
            calls.rejected.inc()
            raise
        self._sessions.add(session)
        calls.open_streams.inc()
        reader = asyncio.create_task(self._read(session, first, requests))
        try:
            while (item := await session.next_item()) is not None:
                if isinstance(item, InferResponse):
                    calls.responses.inc()
                yield item
        finally:
            reader.cancel()
            session.cancel()
            self._sessions.discard(session)
            calls.open_streams.dec()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _read(self, session: StreamSession, first: InferRequest, rest: RequestStream) -> None:
        """Read the stream; a failure of the server itself ends it with INTERNAL."""
        try:
            await self._read_requests(session, first, rest)
        except Exception as exc:  # a bug must end this stream, not hang it
            log.exception("stream %s: reader failed", session.name)
            session.fail(PipeserveError(f"internal error: {exc!r}", Code.INTERNAL))

    async def _read_requests(
        self, session: StreamSession, first: InferRequest, rest: RequestStream
    ) -> None:
        """Validate and push each request; stop reading while a push waits (back-pressure)."""
        request: Any = first
        while request is not None:
            if session.graph.error is not None:
                return
            try:
                if isinstance(request, PipeserveError):
                    raise request
                ts, values = session.prepare(request)
                await session.push(ts, values)
            except PipeserveError as exc:
                if session.graph.error is not None:
                    return
                session.reject(exc)
            request = await anext(rest, None)
        await session.finish()


def _keep_first(first: dict[str, Packet], name: str) -> Any:
    def observe(packet: Packet) -> None:
        first.setdefault(name, packet)

    return observe
