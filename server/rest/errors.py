"""The one mapping from neutral error codes to HTTP statuses; errors as ``{"error": ...}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeserve.errors import Code, PipeserveError

from ..errors import shorten

DETAIL_LIMIT = 512

HTTP_STATUS: dict[Code, int] = {
    Code.INVALID_ARGUMENT: 400,
    Code.FAILED_PRECONDITION: 400,
    Code.NOT_FOUND: 404,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.DEADLINE_EXCEEDED: 504,
    Code.UNAUTHENTICATED: 401,
    Code.CANCELLED: 499,
    Code.UNAVAILABLE: 503,
    Code.INTERNAL: 500,
}


def error_status(error: PipeserveError) -> int:
    return HTTP_STATUS.get(error.code, 500)


async def handle_pipeserve_error(request: Request, exc: PipeserveError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=error_status(exc))


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    details = "; ".join(_detail(e) for e in exc.errors())
    return JSONResponse({"error": f"malformed request: {details}"}, status_code=400)


def _detail(error: dict) -> str:
    """``loc: msg``, with the parser's reason when it gave one (e.g. NaN is not JSON)."""
    reason = (error.get("ctx") or {}).get("error")
    msg = f"{error['msg']} ({reason})" if isinstance(reason, str) else error["msg"]
    return shorten(f"{'.'.join(str(p) for p in error['loc'])}: {msg}", DETAIL_LIMIT)


async def handle_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """HTTP errors raised outside the data plane (unknown route, body limits) as JSON."""
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
