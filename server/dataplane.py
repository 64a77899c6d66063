"""The data plane: every operation both frontends offer, transport-free (docs/streaming.md).

The gRPC servicer and the REST endpoints only translate to and from these methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator

import pipeserve
from pipeserve.errors import Code, PipeserveError
from pipeserve.graphs import CalculatorGraph

from .codecs import encode_output
from .config_status import VersionStatus, config_status
from .errors import ModelNotFoundError
from .graph_processes import GraphProcesses
from .inputs import decode_request
from .limits import StreamLimits
from .memory import MemoryTrimmer
from .metrics import CallMetrics, Metrics
from .outputs import select_outputs
from .readiness import Readiness
from .reloader import ConfigReloader
from .servables import GRAPH_VERSION, GraphServable, Servables, ServableStore
from .sessions import GraphRun, StreamSession
from .types import (
    InferRequest,
    InferResponse,
    InStreamError,
    ModelMetadata,
    OutputTensor,
    ServerMetadata,
    StreamItem,
)

log = logging.getLogger(__name__)

SERVER_NAME = "pipeserve"
EXTENSIONS = ("model_stream_infer", "binary_tensor_data")
RequestStream = AsyncIterator[InferRequest | PipeserveError]
"""Requests as a frontend decoded them, or the error that made one undecodable."""


class DataPlane:
    """Health, metadata, unary inference and streams over the current servables."""

    def __init__(
        self, store: ServableStore, metrics: Metrics, limits: StreamLimits | None = None
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.limits = limits or StreamLimits()
        self.readiness = Readiness(store)
        self.reloader: ConfigReloader | None = None
        self.graph_processes: GraphProcesses | None = None
        """Where graphs run when the server has ``--graph_processes``."""
        self._sessions: set[StreamSession] = set()
        self._trimmer = MemoryTrimmer()
        metrics.watch(lambda: self.open_streams, self.held_bytes)

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

    async def config_status(self) -> list[VersionStatus]:
        """OVMS's config status: the state of every servable's version."""
        return config_status(self.store.current)

    async def reload_config(self) -> tuple[bool, list[VersionStatus]]:
        """OVMS's reload request: reload a changed config now (True when it was), then the
        config status; FAILED_PRECONDITION when the server runs without a config file."""
        if self.reloader is None:
            raise PipeserveError("the server runs without a config file", Code.FAILED_PRECONDITION)
        reloaded = await self.reloader.reload()
        return reloaded, config_status(self.store.current)

    @property
    def open_streams(self) -> int:
        """Graph instances not yet released (starting, streaming or running a unary call)."""
        return len(self._sessions)

    def held_bytes(self) -> int:
        """Output bytes held for clients across all sessions."""
        return sum(s.held_bytes for s in list(self._sessions))

    def __repr__(self) -> str:
        return f"DataPlane({self.store.current}, open_streams={self.open_streams})"

    async def infer(self, request: InferRequest, method: str = "infer") -> InferResponse:
        """Unary inference on a model, or on one graph run through a session (§7)."""
        servables = self.store.current
        calls = self.metrics.call(request.model_name, method)
        start = time.perf_counter()
        try:
            if servables.is_graph(request.model_name):
                response = await self._run_graph(request, calls)
            else:
                response = await asyncio.to_thread(self._run_model, request, method, start)
                calls.accepted.inc()
                calls.latency.ours.observe(time.perf_counter() - start)  # OVMS's: by version
        except PipeserveError:
            calls.rejected.inc()
            raise
        calls.responses.inc()
        response.id = request.id
        return response

    def _run_model(self, request: InferRequest, method: str, start: float) -> InferResponse:
        models = self.store.current.models
        if request.model_name not in models:
            raise ModelNotFoundError(request.model_name)
        model = models.get(request.model_name, request.model_version or None)
        meter = self.metrics.model_call(model.name, model.version, method)
        with meter.serving(start):
            available = [t.name for t in model.metadata.outputs]
            names = select_outputs(request.outputs, available, model.name)
            tags = {t.name: "" for t in model.metadata.inputs}
            values = dict(decode_request(request, tags, self.limits.max_request_bytes))
            with meter.inferring():
                results = models.infer(model.name, model.version, values)
        outputs = [encode_output(name, results[name]) for name in names]
        return InferResponse(model.name, model.version, outputs)

    async def _run_graph(self, request: InferRequest, calls: CallMetrics) -> InferResponse:
        """Push the request, half-close, and keep each output stream's first packet."""
        session = await self._open(request, calls)
        finishing: asyncio.Task[None] | None = None
        first: dict[str, OutputTensor] = {}
        try:
            ts, values = session.prepare(request)
            session.check_complete(values)
            await session.push(ts, values)
            finishing = asyncio.create_task(session.finish())
            while (item := await session.next_item()) is not None:
                if isinstance(item, InStreamError):
                    raise PipeserveError(item.message, item.code)
                if session.whole_responses:
                    return item
                for out in item.outputs:
                    first.setdefault(out.name, out)
        finally:
            if finishing is not None:
                finishing.cancel()
            self._close(session)
        absent = [name for name in session.outputs if name not in first]
        if absent:
            raise PipeserveError(
                f"graph {session.name!r} produced no packet on {absent}", Code.FAILED_PRECONDITION
            )
        return InferResponse(session.name, GRAPH_VERSION, [first[n] for n in session.outputs])

    async def _open(self, request: InferRequest, calls: CallMetrics) -> StreamSession:
        """A started session for the request's graph; release it with ``_close``.

        Registered before it starts, so a start that fails or is cancelled still releases it.
        """
        servables = self.store.current
        servable = servables.graph(request.model_name, request.model_version)
        session = StreamSession(
            servable, self._new_graph(servables, servable), calls, self.limits, request.outputs
        )
        self._sessions.add(session)
        self._trimmer.opened(len(self._sessions))
        try:
            await session.start(request.parameters)
        except BaseException:
            self._close(session)
            raise
        return session

    def _new_graph(self, servables: Servables, servable: GraphServable) -> GraphRun:
        """A graph instance: in a graph process when the server has them, else here."""
        processes = self.graph_processes
        if processes is not None and processes.serves(servable):
            return processes.graph(servable)
        return CalculatorGraph(servable.require_spec(), services={"models": servables.models})

    def _close(self, session: StreamSession) -> None:
        """Cancel whatever still runs and forget the session (however it ended)."""
        session.cancel()
        self._sessions.discard(session)
        if not self._sessions:
            self._trimmer.request()  # the last graph of a burst: return its memory

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
        calls = self.metrics.call(first.model_name, method)
        try:
            session = await self._open(first, calls)
        except PipeserveError:
            calls.rejected.inc()
            raise
        calls.open_streams.inc()
        reader = asyncio.create_task(self._read(session, first, requests))
        try:
            while (item := await session.next_item()) is not None:
                if isinstance(item, InferResponse):
                    calls.responses.inc()
                yield item
        finally:
            reader.cancel()
            calls.open_streams.dec()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            self._close(session)

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
        """Validate and push each request; read the next one only when the graph and the
        output buffer have room (back-pressure, §10)."""
        request: InferRequest | PipeserveError | None = first
        while request is not None:
            if session.failed:
                return
            if isinstance(request, PipeserveError):
                await session.reject(request)
            else:
                try:
                    ts, values = session.prepare(request)
                    await session.push(ts, values)
                except PipeserveError as exc:
                    if session.failed:
                        return
                    await session.reject(exc, request.id)
            await session.wait_for_room()
            request = await anext(rest, None)
        await session.finish()
