"""The gRPC server's guard: tokens on every call but probes, slots and timeouts on streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from pipeserve.errors import PipeserveError

from ..auth import AUTHORIZATION, GRPC_PROBES, TokenRule, UnauthenticatedError
from ..limits import StreamSlots, StreamTimeouts, TooManyStreamsError
from .errors import abort
from .servicer import SERVICE_NAME

STREAM_METHOD = f"/{SERVICE_NAME}/ModelStreamInfer"
Handler = grpc.RpcMethodHandler
Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]]


class GuardInterceptor(grpc.aio.ServerInterceptor):
    """Refuse calls without an accepted token; hold a stream slot for each stream's life."""

    def __init__(
        self, tokens: TokenRule | None, slots: StreamSlots, timeouts: StreamTimeouts
    ) -> None:
        self.tokens = tokens
        self.slots = slots
        self.timeouts = timeouts

    def __repr__(self) -> str:
        return f"GuardInterceptor({self.tokens!r}, {self.slots!r})"

    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> Handler:
        handler = await continuation(details)
        if handler is None:  # an unknown method: gRPC answers UNIMPLEMENTED
            return handler  # type: ignore[return-value]
        if self.tokens is not None and details.method not in GRPC_PROBES:
            sent = dict(details.invocation_metadata or ()).get(AUTHORIZATION)
            if not self.tokens.allows(sent if isinstance(sent, str) else None):
                return _refusing(handler, UnauthenticatedError())
        if details.method == STREAM_METHOD:
            return self._limited(handler)
        return handler

    def _limited(self, handler: Handler) -> Handler:
        inner: Any = handler.stream_stream
        slots, timeouts = self.slots, self.timeouts

        async def stream(requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
            if not slots.acquire():
                await abort(context, TooManyStreamsError(slots.limit))
            try:
                async for response in timeouts.apply(lambda r: inner(r, context), requests):
                    yield response
            except PipeserveError as exc:
                await abort(context, exc)
            finally:
                slots.release()

        return grpc.stream_stream_rpc_method_handler(
            stream,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _refusing(handler: Handler, error: PipeserveError) -> Handler:
    """A handler of ``handler``'s kind that ends the call with ``error``."""

    async def refuse(request: Any, context: Any) -> None:
        await abort(context, error)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse)
    return grpc.unary_unary_rpc_method_handler(refuse)
