"""``create_app``: the REST route table in one list."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from pipeserve.errors import PipeserveError

from ..auth import TokenRule
from ..dataplane import DataPlane
from ..limits import LocalStreamSlots, StreamSlots, StreamTimeouts
from ..metrics import Metrics
from ..settings import Settings
from .endpoints import Endpoints
from .errors import handle_http_error, handle_pipeserve_error, handle_validation_error
from .guards import RestGuard
from .strict_json import StrictJsonRoute

MODEL = "/v2/models/{name}"
VERSIONED = "/v2/models/{name}/versions/{version}"


def create_app(
    data_plane: DataPlane,
    metrics: Metrics,
    settings: Settings,
    slots: StreamSlots | None = None,
    tokens: TokenRule | None = None,
) -> FastAPI:
    """The KServe v2 REST API, streaming endpoints and ``/metrics`` behind the ``RestGuard``.

    ``slots`` counts open streams (default: this process's, ``--max_streams`` of them);
    ``tokens`` is the token rule, if the server asks for one.
    """
    e = Endpoints(data_plane, metrics, StreamTimeouts.from_settings(settings))
    routes: list[BaseRoute] = [
        APIRoute("/v2/health/live", e.live, methods=["GET"]),
        APIRoute("/v2/health/ready", e.ready, methods=["GET"]),
        APIRoute("/v2", e.metadata, methods=["GET"]),
        APIRoute("/metrics", e.metrics_text, methods=["GET"]),
        APIRoute("/v1/config", e.config_status, methods=["GET"]),
        APIRoute("/v1/config/reload", e.config_reload, methods=["POST"]),
        APIRoute("/v1/profile/{name}", e.graph_profile, methods=["GET"]),
    ]
    for base in (MODEL, VERSIONED):
        routes += [
            APIRoute(base, e.model_metadata, methods=["GET"]),
            APIRoute(f"{base}/ready", e.model_ready, methods=["GET"]),
            StrictJsonRoute(f"{base}/infer", e.infer, methods=["POST"]),
            StrictJsonRoute(f"{base}/infer_stream", e.infer_stream, methods=["POST"]),
            StrictJsonRoute(f"{base}/generate_stream", e.infer_stream, methods=["POST"]),
        ]
    app = FastAPI(
        title="pipeserve",
        routes=routes,
        openapi_url=None,
        exception_handlers={
            PipeserveError: handle_pipeserve_error,
            RequestValidationError: handle_validation_error,
            HTTPException: handle_http_error,
        },
    )
    app.add_middleware(
        RestGuard,
        slots=slots or LocalStreamSlots(settings.max_streams),
        tokens=tokens,
        max_body_bytes=int(settings.rest_max_body_mb * (1 << 20)),
        body_timeout=settings.rest_body_timeout_seconds,
    )
    return app
