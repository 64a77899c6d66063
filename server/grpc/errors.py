"""The one mapping from neutral error codes to gRPC status codes, and handler wrappers."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from pipeserve.errors import Code, PipeserveError

log = logging.getLogger(__name__)

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
Unary = Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]
Streaming = Callable[[Any, Any, grpc.aio.ServicerContext], AsyncIterator[Resp]]


async def abort(context: grpc.aio.ServicerContext, error: PipeserveError) -> None:
    """End the RPC with the error's status and message."""
    await context.abort(STATUS.get(error.code, grpc.StatusCode.INTERNAL), error.message)


def handle_unary(method: Unary[Req, Resp]) -> Unary[Req, Resp]:
    """Map PipeserveError raised by a unary RPC to its status."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        try:
            return await method(self, request, context)
        except PipeserveError as exc:
            await abort(context, exc)
            raise AssertionError("unreachable: abort raises") from exc

    return wrapper


def handle_stream(method: Streaming[Resp]) -> Streaming[Resp]:
    """Map PipeserveError raised by a streaming RPC (after any messages) to its status."""

    @functools.wraps(method)
    async def wrapper(self: Any, requests: Any, context: grpc.aio.ServicerContext
                      ) -> AsyncIterator[Resp]:
        try:
            async for response in method(self, requests, context):
                yield response
        except PipeserveError as exc:
            await abort(context, exc)

    return wrapper
