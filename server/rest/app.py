"""``create_app``: the REST route table in one list."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from pipeserve.errors import PipeserveError

from ..dataplane import DataPlane
from ..metrics import Metrics
from .endpoints import Endpoints
from .errors import handle_pipeserve_error, handle_validation_error

MODEL = "/v2/models/{name}"
VERSIONED = "/v2/models/{name}/versions/{version}"


def create_app(data_plane: DataPlane, metrics: Metrics) -> FastAPI:
    """The KServe v2 REST API, streaming endpoints and ``/metrics``."""
    e = Endpoints(data_plane, metrics)
    routes: list[BaseRoute] = [
        APIRoute("/v2/health/live", e.live, methods=["GET"]),
        APIRoute("/v2/health/ready", e.ready, methods=["GET"]),
        APIRoute("/v2", e.metadata, methods=["GET"]),
        APIRoute("/metrics", e.metrics_text, methods=["GET"]),
    ]
    for base in (MODEL, VERSIONED):
        routes += [
            APIRoute(base, e.model_metadata, methods=["GET"]),
            APIRoute(f"{base}/ready", e.model_ready, methods=["GET"]),
            APIRoute(f"{base}/infer", e.infer, methods=["POST"]),
            APIRoute(f"{base}/infer_stream", e.infer_stream, methods=["POST"]),
            APIRoute(f"{base}/generate_stream", e.infer_stream, methods=["POST"]),
        ]
    return FastAPI(
        title="pipeserve",
        routes=routes,
        openapi_url=None,
        exception_handlers={
            PipeserveError: handle_pipeserve_error,
            RequestValidationError: handle_validation_error,
        },
    )
