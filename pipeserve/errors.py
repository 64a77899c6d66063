"""Errors shared by every layer, each with a transport-neutral status code.

Only ``server/grpc`` maps codes to ``grpc.StatusCode`` and only ``server/rest``
maps them to HTTP statuses.
"""

from __future__ import annotations

import enum


class Code(enum.Enum):
    """A small, google.rpc-like set of status codes."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    UNAVAILABLE = "UNAVAILABLE"
    CANCELLED = "CANCELLED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INTERNAL = "INTERNAL"


class PipeserveError(Exception):
    """Base error: a message and a neutral status code."""

    code: Code = Code.INTERNAL

    def __init__(self, message: str, code: Code | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class GraphConfigError(PipeserveError):
    """A graph config that cannot be built: names the node and stream at fault."""

    code = Code.FAILED_PRECONDITION

    def __init__(self, reason: str, node: str | None = None, stream: str | None = None) -> None:
        where = []
        if node:
            where.append(f"node {node!r}")
        if stream:
            where.append(f"stream {stream!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(f"{prefix}{reason}")
        self.reason = reason
        self.node = node
        self.stream = stream


class PacketError(PipeserveError):
    """A packet the graph refuses (bad timestamp, closed stream, unknown stream)."""

    code = Code.INVALID_ARGUMENT


class QueueFullError(PipeserveError):
    """A graph input queue is full and the caller asked not to wait."""

    code = Code.RESOURCE_EXHAUSTED


class SidePacketError(PipeserveError):
    """A missing or invalid input side packet: the graph cannot start."""

    code = Code.FAILED_PRECONDITION


class NodeError(PipeserveError):
    """A calculator failed: carries the graph, node, calculator and timestamp."""

    code = Code.INVALID_ARGUMENT

    def __init__(
        self, graph: str, node: str, calculator: str, timestamp: int | None, cause: BaseException
    ) -> None:
        from pipeserve.graphs.timestamp import timestamp_name  # graphs imports this module

        ts = "" if timestamp is None else f" at timestamp {timestamp_name(timestamp)}"
        detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        super().__init__(f"graph {graph!r}: node {node!r} ({calculator}) failed{ts}: {detail}")
        self.graph = graph
        self.node = node
        self.calculator = calculator
        self.timestamp = timestamp
        self.cause = cause


class GraphCancelledError(PipeserveError):
    """The graph run was cancelled before it finished."""

    code = Code.CANCELLED
