"""Serving errors; each builds its own message and carries a neutral ``Code``."""

from __future__ import annotations

from pipeserve.errors import Code, PipeserveError

ECHO_LIMIT = 128
"""Characters of a client-supplied name (graph, input, request id) echoed in an error."""


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text``, cut to ``limit`` characters with a note of its length when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...({len(text)} characters)"


def with_request_id(message: str, request_id: str) -> str:
    """An in-stream error message naming the request it answers (docs/streaming.md §10)."""
    return f"{message} [request id: {shorten(request_id)}]" if request_id else message


class GraphNotFoundError(PipeserveError):
    """No graph or model with this name exists (OVMS's wording)."""

    code = Code.NOT_FOUND

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Mediapipe graph definition with requested name is not found: {shorten(name)}"
        )


class ModelNotFoundError(PipeserveError):
    """No model (or graph) with this name, or not this version."""

    code = Code.NOT_FOUND

    def __init__(self, name: str, version: str | None = None) -> None:
        what = repr(shorten(name))
        if version:
            what += f" version {shorten(version)!r}"
        super().__init__(f"Model with requested name and/or version is not found: {what}")


class RetiredError(PipeserveError):
    """The servable was removed from the config."""

    code = Code.NOT_FOUND

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} definition with requested name is retired: {shorten(name)}")


class UnavailableError(PipeserveError):
    """Known, but not loadable (validation failed, calculator or model missing)."""

    code = Code.UNAVAILABLE

    def __init__(self, kind: str, name: str, reason: str) -> None:
        super().__init__(f"{kind} {name!r} is not available: {reason}")


class InvalidRequestError(PipeserveError):
    """A request that fails validation: names the input and the reason."""

    code = Code.INVALID_ARGUMENT


class MalformedTimestampError(InvalidRequestError):
    """A bad ``OVMS_MP_TIMESTAMP`` or a timestamp not greater than the stream's last."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Malformed packet timestamp - {detail}")


class GraphExecutionError(PipeserveError):
    """A calculator failure, as reported to clients (ends a stream, fails a unary call)."""

    code = Code.INVALID_ARGUMENT

    def __init__(self, cause: PipeserveError) -> None:
        """Keeps the cause's code: a node's error is INVALID_ARGUMENT (as OVMS), a graph
        process that died is INTERNAL."""
        super().__init__(f"Mediapipe execution failed. MP status - {cause}", cause.code)
