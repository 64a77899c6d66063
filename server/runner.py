"""Run both servers in one process: load the config, serve, reload, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import uvicorn

from .config import ServerConfig, load_config, single_servable_config
from .dataplane import DataPlane
from .errors import InvalidRequestError
from .grpc.server import create_grpc_server
from .limits import StreamLimits
from .metrics import Metrics
from .reloader import ConfigReloader
from .rest.app import create_app
from .servables import Servables, ServableStore
from .settings import Settings

log = logging.getLogger(__name__)


class RestServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


BLOCKING_THREADS = 64
"""Threads for blocking graph calls (starts, full-queue pushes, drains) across all streams."""


def initial_config(settings: Settings) -> ServerConfig:
    """The config from ``--config_path`` or from ``--model_path``/``--model_name``."""
    if settings.config_path is not None and settings.model_path is not None:
        raise InvalidRequestError("use either --config_path or --model_path, not both")
    if settings.config_path is not None:
        return load_config(settings.config_path)
    if settings.model_path is None or not settings.model_name:
        raise InvalidRequestError("give --config_path, or --model_path with --model_name")
    return single_servable_config(settings.model_path, settings.model_name, settings.target_device)


async def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT, then drain open streams for up to the shutdown timeout."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(BLOCKING_THREADS, "pipeserve-blocking"))
    config = initial_config(settings)
    store = ServableStore(await asyncio.to_thread(Servables.build, config))
    metrics = Metrics()
    data_plane = DataPlane(store, metrics, StreamLimits.from_settings(settings))
    grpc_server, grpc_port = await create_grpc_server(settings, data_plane)
    await grpc_server.start()
    log.info("gRPC listening on %s:%d", settings.grpc_bind_address, grpc_port)
    tasks = []
    rest = None
    if settings.rest_port:
        rest = RestServer(
            uvicorn.Config(
                create_app(data_plane, metrics),
                host=settings.rest_bind_address,
                port=settings.rest_port,
                log_level=settings.log_level.lower(),
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
            )
        )
        tasks.append(asyncio.create_task(rest.serve()))
        log.info("REST listening on %s:%d", settings.rest_bind_address, settings.rest_port)
    if settings.config_path is not None and settings.file_system_poll_wait_seconds > 0:
        reloader = ConfigReloader(
            settings.config_path.resolve(), store, settings.file_system_poll_wait_seconds
        )
        tasks.append(asyncio.create_task(reloader.run()))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down: draining %d open streams", data_plane.open_streams)
    if rest is not None:
        rest.should_exit = True
    await grpc_server.stop(settings.shutdown_timeout_seconds)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
