"""REST endpoints: each translates JSON to a data-plane call and back."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from pipeserve.errors import PipeserveError

from ..config_status import VersionStatus
from ..dataplane import DataPlane
from ..limits import StreamTimeouts
from ..metrics import CONTENT_TYPE, Metrics
from ..types import InferRequest, InferResponse, InStreamError, StreamItem
from .binary import HEADER_LENGTH, encode_response, split_request
from .converters import (
    InferRequestConverter,
    InferResponseConverter,
    JsonInferRequest,
    MetadataConverter,
)

SSE = "text/event-stream"
CLIENT_CLOSED_REQUEST = 499
"""Status of a call whose client left before its answer (never sent: nobody reads it)."""
JSON_LINES = ("application/x-ndjson", "application/jsonl")
T = TypeVar("T")


class Endpoints:
    """Handlers bound to one data plane (the route table is in ``app.py``)."""

    def __init__(self, data_plane: DataPlane, metrics: Metrics, timeouts: StreamTimeouts) -> None:
        self.data_plane = data_plane
        self.metrics = metrics
        self.timeouts = timeouts

    async def live(self) -> Response:
        return _health("live", await self.data_plane.live())

    async def ready(self) -> Response:
        return _health("ready", await self.data_plane.ready())

    async def model_ready(self, name: str, version: str = "") -> Response:
        return _health("ready", await self.data_plane.model_ready(name, version))

    async def metadata(self) -> dict[str, Any]:
        meta = await self.data_plane.metadata()
        return {"name": meta.name, "version": meta.version, "extensions": list(meta.extensions)}

    async def model_metadata(self, name: str, version: str = "") -> dict[str, Any]:
        return MetadataConverter.from_types(await self.data_plane.model_metadata(name, version))

    async def infer(self, name: str, request: Request, version: str = "") -> Response:
        """JSON, or KServe's binary tensor extension both ways (``binary.py``)."""
        body, raw = split_request(await request.body(), request.headers.get(HEADER_LENGTH))
        infer_request = InferRequestConverter.to_types(body, name, version, raw)
        infer = self.data_plane.infer(infer_request, method="rest_infer")
        response = await _unless_client_leaves(request, infer)
        if response is None:
            return Response(status_code=CLIENT_CLOSED_REQUEST)  # nobody left to read it
        return encode_response(response, body)

    async def infer_stream(
        self, name: str, body: JsonInferRequest, request: Request, version: str = ""
    ) -> Response:
        """One request through a fresh graph; every output packet as an SSE event or JSON line."""
        lines = any(t in request.headers.get("accept", "") for t in JSON_LINES)
        one = InferRequestConverter.to_types(body, name, version)
        run = functools.partial(self.data_plane.infer_stream, method="rest_infer_stream")
        items = self.timeouts.apply(run, _single(one))
        try:
            first = await anext(items, None)  # a rejected request gets a status
            if isinstance(first, InStreamError) and not first.ends_stream:
                raise PipeserveError(first.message, first.code)
        except PipeserveError:
            await items.aclose()
            raise
        media_type = JSON_LINES[0] if lines else SSE
        return ItemStreamResponse(
            items, _encode(first, items, lines), media_type, headers={"Cache-Control": "no-cache"}
        )

    async def config_status(self) -> dict[str, Any]:
        """OVMS's ``GET /v1/config`` body: ``{name: {"model_version_status": [...]}}``."""
        return _status_body(await self.data_plane.config_status())

    async def config_reload(self) -> Response:
        """OVMS's ``POST /v1/config/reload``: 201 when the config was reloaded, else 200."""
        reloaded, statuses = await self.data_plane.reload_config()
        return JSONResponse(_status_body(statuses), status_code=201 if reloaded else 200)

    async def graph_profile(self, name: str) -> dict[str, Any]:
        """``GET /v1/profile/<graph>``: per-node totals of the graph's finished runs."""
        return self.data_plane.store.current.profile(name).to_dict()

    async def metrics_text(self) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)


def _status_body(statuses: list[VersionStatus]) -> dict[str, Any]:
    """OVMS's config status JSON: ``{name: {"model_version_status": [entry, ...]}}``."""
    body: dict[str, Any] = {}
    for s in statuses:
        status = {"error_code": s.error_code, "error_message": s.error_message}
        entry = {"version": s.version, "state": s.state, "status": status}
        body.setdefault(s.name, {"model_version_status": []})["model_version_status"].append(entry)
    return body


class ItemStreamResponse(StreamingResponse):
    """A streaming response that closes its stream however the response ends (a client
    that leaves before, during or after the body), so the graph is released at once."""

    def __init__(
        self,
        items: AsyncGenerator[StreamItem, None],
        chunks: AsyncGenerator[str, None],
        media_type: str,
        headers: dict[str, str],
    ) -> None:
        super().__init__(chunks, media_type=media_type, headers=headers)
        self._items = items
        self._chunks = chunks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._chunks.aclose()
            await self._items.aclose()


async def _unless_client_leaves(request: Request, call: Awaitable[T]) -> T | None:
    """``call``'s result, or None when the client disconnects first: the call is then
    cancelled (a graph run is released at once, as a gRPC call past its deadline)."""
    calling = asyncio.ensure_future(call)
    leaving = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait((calling, leaving), return_when=asyncio.FIRST_COMPLETED)
    finally:
        leaving.cancel()
        if not calling.done():
            calling.cancel()
            await asyncio.wait((calling,))  # released before the handler returns
    return None if calling.cancelled() else calling.result()


async def _disconnect(request: Request) -> None:
    """Returns when the client disconnects (the body has been read: nothing else comes)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _health(key: str, ok: bool) -> Response:
    return JSONResponse({key: ok}, status_code=200 if ok else 503)


async def _single(request: InferRequest) -> AsyncIterator[InferRequest | PipeserveError]:
    yield request


async def _encode(
    first: StreamItem | None, rest: AsyncGenerator[StreamItem, None], lines: bool
) -> AsyncGenerator[str, None]:
    """Stream items as SSE events or JSON lines; an error ends the stream."""
    item = first
    try:
        while item is not None:
            yield _chunk(item, lines)
            item = await anext(rest, None)
    except PipeserveError as exc:
        if not isinstance(item, InStreamError):  # ended by the server (a stream timeout)
            yield _chunk(InStreamError(exc.message, exc.code, ends_stream=True), lines)


def _chunk(item: StreamItem, lines: bool) -> str:
    if isinstance(item, InferResponse):
        data = json.dumps(InferResponseConverter.from_types(item))
        return f"{data}\n" if lines else f"data: {data}\n\n"
    error = json.dumps({"error": item.message})
    return f"{error}\n" if lines else f"event: error\ndata: {error}\n\n"
