"""``create_grpc_server``: the inference service, health and reflection on one aio server."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pipeserve.errors import Code, PipeserveError

from ..dataplane import DataPlane
from ..readiness import Readiness
from ..settings import Settings
from .servicer import SERVICE_NAME, InferenceServicer, method_handlers


async def create_grpc_server(
    settings: Settings, data_plane: DataPlane
) -> tuple[grpc.aio.Server, int]:
    """An unstarted server bound to ``grpc_bind_address:port``; returns it and the bound port."""
    size = settings.max_message_size
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", size),
            ("grpc.max_send_message_length", size),
            ("grpc.so_reuseport", 0),
        ]
    )
    server.add_generic_rpc_handlers((method_handlers(InferenceServicer(data_plane)),))
    health = health_aio.HealthServicer()
    await _publish_readiness(health, data_plane.readiness)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection(
        (
            SERVICE_NAME,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    address = f"{settings.grpc_bind_address}:{settings.port}"
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise PipeserveError(f"cannot listen on {address}: {exc}", Code.UNAVAILABLE) from exc
    return server, port


async def _publish_readiness(health: health_aio.HealthServicer, readiness: Readiness) -> None:
    """``grpc.health.v1`` says SERVING exactly when the server is ready (one rule)."""
    loop = asyncio.get_running_loop()

    async def apply(ready: bool) -> None:
        status = health_pb2.HealthCheckResponse.NOT_SERVING
        if ready:
            status = health_pb2.HealthCheckResponse.SERVING
        for name in ("", SERVICE_NAME):
            await health.set(name, status)

    def publish(ready: bool) -> None:  # from any thread (reloads run in workers)
        asyncio.run_coroutine_threadsafe(apply(ready), loop)

    await apply(readiness.server_ready())
    readiness.watch(publish)
