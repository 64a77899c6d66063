"""Run both servers in one process: load the config, serve, reload, drain on SIGTERM.

Start-up failures (a port taken, a config that cannot be read, the ``--model_path``
servable not loadable) raise ``StartupError`` with one line for the command to print.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import sys
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import uvicorn

from pipeserve.errors import Code, PipeserveError

from .auth import TokenRule
from .config import ServerConfig, load_config, single_servable_config
from .dataplane import DataPlane
from .graph_processes import GraphProcesses
from .grpc.server import create_grpc_server
from .limits import LocalStreamSlots, MeteredStreamSlots, StreamLimits, StreamSlots
from .memory import tune_allocator
from .metrics import Metrics
from .ports import StartupError, listen_socket
from .reloader import ConfigReloader
from .rest.app import create_app
from .rest.connections import RestServer, header_timeout_protocol
from .servables import Servables, ServableStore
from .settings import Settings
from .supervisor import WorkerLink

log = logging.getLogger(__name__)


BLOCKING_THREADS = 64
"""Threads for blocking graph calls (starts, full-queue pushes, drains) across all streams."""


def default_config_path() -> Path:
    """The bundled default config (the graphs ``make run`` serves), inside the package."""
    import pipeserve.demos

    return Path(pipeserve.demos.__file__).resolve().parent / "default" / "config.json"


def initial_config(settings: Settings) -> ServerConfig:
    """The config from ``--config_path``, from ``--model_path``/``--model_name``, or else
    the bundled default config."""
    if settings.config_path is not None and settings.model_path is not None:
        raise StartupError("use either --config_path or --model_path, not both")
    if settings.config_path is not None:
        return load_config(settings.config_path)
    if settings.model_path is not None:
        if not settings.model_name:
            raise StartupError("--model_path needs --model_name")
        return single_servable_config(
            settings.model_path, settings.model_name, settings.target_device
        )
    if settings.model_name:
        raise StartupError("--model_name needs --model_path")
    path = default_config_path()
    log.info("no --config_path or --model_path: serving the bundled default config %s", path)
    return load_config(path)


def _check_single_servable(settings: Settings, servables: Servables) -> None:
    """With ``--model_path`` the one servable is the server: it must load."""
    if settings.model_path is None:
        return
    for name, reason in servables.not_ready_all().items():
        raise StartupError(f"cannot serve {name!r} from {settings.model_path}: {reason}")


def rest_config(settings: Settings, app: Any) -> uvicorn.Config:
    """uvicorn serving ``app`` with the REST TLS files and the header timeout, loaded (so a
    bad certificate or key stops the start-up)."""
    config = uvicorn.Config(
        app,
        host=settings.rest_bind_address,
        port=settings.rest_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="off",
        http=header_timeout_protocol(settings.rest_header_timeout_seconds),
        ssl_certfile=settings.rest_tls_cert_path,
        ssl_keyfile=settings.rest_tls_key_path,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
    )
    try:
        config.load()
    except (OSError, ssl.SSLError) as exc:
        raise PipeserveError(
            f"cannot load --rest_tls_cert_path/--rest_tls_key_path: {exc}",
            Code.FAILED_PRECONDITION,
        ) from exc
    return config


async def serve(settings: Settings, worker: WorkerLink | None = None) -> None:
    """Serve until SIGTERM/SIGINT, then drain open streams for up to the shutdown timeout.

    ``worker`` links a worker process of ``--workers`` to its supervisor: shared ports,
    stream slots counted across workers, and a message once it serves.
    """
    sys.setswitchinterval(settings.switch_interval_ms / 1000)
    tune_allocator()
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(BLOCKING_THREADS, "pipeserve-blocking"))
    config = initial_config(settings)
    shared = worker is not None  # the workers of one server share its ports
    rest_socket = None
    if settings.rest_port:
        rest_socket = listen_socket(settings.rest_bind_address, settings.rest_port, "REST", shared)
    listen_socket(settings.grpc_bind_address, settings.port, "gRPC", shared).close()
    servables = await asyncio.to_thread(Servables.build, config, None, settings.profile_graphs)
    _check_single_servable(settings, servables)
    store = ServableStore(servables)
    metrics = Metrics()
    data_plane = DataPlane(store, metrics, StreamLimits.from_settings(settings))
    if settings.graph_processes:
        processes = GraphProcesses(settings.graph_processes, servables, settings.log_level)
        await asyncio.to_thread(processes.wait_loaded)
        store.on_swap(processes.swap)
        data_plane.graph_processes = processes
        log.info("graphs run in %d graph processes", settings.graph_processes)
    slots: StreamSlots = (
        LocalStreamSlots(settings.max_streams)
        if worker is None
        else worker.stream_slots(settings.max_streams)
    )
    slots = MeteredStreamSlots(slots, metrics.stream_slots)
    tokens = (
        None if settings.auth_token_path is None else TokenRule.from_file(settings.auth_token_path)
    )
    grpc_server, grpc_port = await create_grpc_server(settings, data_plane, slots, tokens)
    await grpc_server.start()
    tls = "TLS" if settings.grpc_tls_cert_path else "plaintext"
    log.info("gRPC listening on %s:%d (%s)", settings.grpc_bind_address, grpc_port, tls)
    if tokens is not None:
        log.info("bearer tokens required: %r", tokens)
    rest = None
    if rest_socket is not None:
        app = create_app(data_plane, metrics, settings, slots, tokens)
        rest = RestServer(rest_config(settings, app), settings.handshake_timeout_seconds)
        rest.serving = asyncio.create_task(rest.serve(sockets=[rest_socket]))
        scheme = "https" if settings.rest_tls_cert_path else "http"
        log.info(
            "REST listening on %s://%s:%d", scheme, settings.rest_bind_address, settings.rest_port
        )
    reloading = None
    if settings.config_path is not None:
        reloader = ConfigReloader(
            settings.config_path.resolve(), store, settings.file_system_poll_wait_seconds
        )
        data_plane.reloader = reloader  # POST /v1/config/reload, even with polling off
        if settings.file_system_poll_wait_seconds > 0:
            reloading = asyncio.create_task(reloader.run())
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if worker is not None:
        worker.started()
    await stop.wait()
    await drain(data_plane, grpc_server, rest, settings.shutdown_timeout_seconds)
    if reloading is not None:
        reloading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reloading
    await asyncio.to_thread(store.current.close)  # finalize Python nodes (as OVMS on exit)
    if data_plane.graph_processes is not None:
        await asyncio.to_thread(data_plane.graph_processes.close)


async def drain(
    data_plane: DataPlane, grpc_server: grpc.aio.Server, rest: RestServer | None, timeout: float
) -> None:
    """SIGTERM: not ready at once (every readiness answer and ``grpc.health.v1``), both ports
    stop accepting, and open streams, gRPC and REST alike, have ``timeout`` seconds to end
    before they are cancelled."""
    data_plane.readiness.drain()
    log.info("shutting down: draining %d open streams", data_plane.open_streams)
    stopping: list[Awaitable[None]] = [grpc_server.stop(timeout)]
    if rest is not None:
        rest.should_exit = True  # uvicorn waits up to the same timeout for open responses
        stopping.append(rest.serving)
    await asyncio.gather(*stopping)
    log.info("drained")
