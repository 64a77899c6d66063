"""The one mapping from neutral error codes to gRPC status codes, and handler wrappers."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from pipeserve.errors import Code, PipeserveError

STATUS: dict[Code, grpc.StatusCode] = {
    Code.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    Code.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Code.FAILED_PRECONDITION: grpc.StatusCode.FAILED_PRECONDITION,
    Code.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    Code.CANCELLED: grpc.StatusCode.CANCELLED,
    Code.RESOURCE_EXHAUSTED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Code.INTERNAL: grpc.StatusCode.INTERNAL,
}

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]


async def abort(context: grpc.aio.ServicerContext, error: PipeserveError) -> None:
    """End the RPC with the error's status and message."""
    await context.abort(STATUS.get(error.code, grpc.StatusCode.INTERNAL), error.message)


def handle_errors(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Map PipeserveError raised by an RPC (unary, or streaming after any writes) to its status."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        try:
            return await method(self, request, context)
        except PipeserveError as exc:
            await abort(context, exc)
            raise AssertionError("unreachable: abort raises") from exc

    return wrapper


StreamHandler = Callable[[Any, Req, grpc.aio.ServicerContext], AsyncIterator[Resp]]


def handle_stream_errors(method: StreamHandler[Req, Resp]) -> StreamHandler[Req, Resp]:
    """The streaming form of ``handle_errors``: the RPC yields its responses."""

    @functools.wraps(method)
    async def wrapper(
        self: Any, requests: Req, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Resp]:
        try:
            async for response in method(self, requests, context):
                yield response
        except PipeserveError as exc:
            await abort(context, exc)

    return wrapper
