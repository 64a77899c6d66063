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
    Code.DEADLINE_EXCEEDED: grpc.StatusCode.DEADLINE_EXCEEDED,
    Code.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    Code.INTERNAL: grpc.StatusCode.INTERNAL,
}

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]


STATUS_MESSAGE_BYTES = 1024
"""Longest status message sent: it travels as percent-encoded trailer metadata, which
clients cap (8 KiB by default), so a message echoing a huge name must not outgrow it."""


def status_message(message: str) -> str:
    """``message``, cut to ``STATUS_MESSAGE_BYTES`` of UTF-8 with a mark where it was cut."""
    data = message.encode()
    if len(data) <= STATUS_MESSAGE_BYTES:
        return message
    cut = data[: STATUS_MESSAGE_BYTES - 40].decode(errors="ignore")
    return f"{cut}... [{len(data) - len(cut.encode())} more bytes cut]"


async def abort(context: grpc.aio.ServicerContext, error: PipeserveError) -> None:
    """End the RPC with the error's status and (bounded) message."""
    code = STATUS.get(error.code, grpc.StatusCode.INTERNAL)
    await context.abort(code, status_message(error.message))


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
