"""``create_grpc_server``: the inference service, health and reflection on one aio server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pipeserve.errors import Code, PipeserveError

from ..auth import TokenRule
from ..dataplane import DataPlane
from ..limits import LocalStreamSlots, StreamSlots, StreamTimeouts
from ..readiness import Readiness
from ..settings import Settings, parse_channel_arguments
from .guards import GuardInterceptor
from .servicer import SERVICE_NAME, InferenceServicer, method_handlers


def server_options(settings: Settings) -> list[tuple[str, int | str]]:
    """Channel arguments: sizes, keepalive, idle and handshake limits, then OVMS's extras."""
    size = settings.max_message_size
    return [
        ("grpc.max_receive_message_length", size),
        ("grpc.max_send_message_length", size),
        ("grpc.so_reuseport", int(settings.workers > 1)),  # only among this server's workers
        ("grpc.keepalive_time_ms", _ms(settings.grpc_keepalive_time_seconds)),
        ("grpc.keepalive_timeout_ms", _ms(settings.grpc_keepalive_timeout_seconds)),
        ("grpc.max_connection_idle_ms", _ms(settings.grpc_max_connection_idle_seconds)),
        ("grpc.server_handshake_timeout_ms", _ms(settings.handshake_timeout_seconds)),
        *parse_channel_arguments(settings.grpc_channel_arguments),
    ]


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the ``grpc_tls_*`` files (client certificates required when a
    client CA is given); None without a certificate."""
    if settings.grpc_tls_cert_path is None or settings.grpc_tls_key_path is None:
        return None
    ca = settings.grpc_tls_client_ca_path
    return grpc.ssl_server_credentials(
        [(_read(settings.grpc_tls_key_path, "key"), _read(settings.grpc_tls_cert_path, "cert"))],
        root_certificates=None if ca is None else _read(ca, "client_ca"),
        require_client_auth=ca is not None,
    )


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PipeserveError(
            f"cannot read --grpc_tls_{what}_path {str(path)!r}: {exc.strerror}",
            Code.FAILED_PRECONDITION,
        ) from exc


async def create_grpc_server(
    settings: Settings,
    data_plane: DataPlane,
    slots: StreamSlots | None = None,
    tokens: TokenRule | None = None,
) -> tuple[grpc.aio.Server, int]:
    """An unstarted server bound to ``grpc_bind_address:port``; returns it and the bound port.

    ``slots`` counts open streams (default: this process's, ``--max_streams`` of them);
    ``tokens`` is the token rule, if the server asks for one.
    """
    guard = GuardInterceptor(
        tokens,
        slots or LocalStreamSlots(settings.max_streams),
        StreamTimeouts.from_settings(settings),
    )
    server = grpc.aio.server(interceptors=[guard], options=server_options(settings))
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
    credentials = server_credentials(settings)
    try:
        if credentials is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials)
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
