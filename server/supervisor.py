"""``--workers N``: N worker processes, each a full server, sharing the gRPC and REST ports.

The parent process serves nothing itself. It checks that each port is free (a port another
process holds is a start-up error, exactly as with one worker), keeps it reserved with a
bound, never-listening ``SO_REUSEPORT`` socket, and starts the workers, which listen on it
with ``SO_REUSEPORT`` too: the kernel then hands each new connection to one worker, so
streams spread per connection. The parent restarts a worker that dies, and on SIGTERM or
SIGINT forwards SIGTERM to every worker and waits while they drain. Workers share the
``--max_streams`` slots (``SharedStreamSlots``) and their metrics (``metrics.MULTIPROC_DIR``);
each polls the config file itself, so a reload reaches all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from pipeserve.cpus import set_worker_share
from pipeserve.errors import PipeserveError

from .metrics import MULTIPROC_DIR
from .ports import listen_socket
from .settings import Settings

log = logging.getLogger(__name__)

RESTART_BACKOFF_S = 2.0
"""A worker that dies within this long of its start is restarted only after this pause."""
EXIT_MARGIN_S = 30.0
"""After the drain timeout, how long a worker may take to exit before it is killed."""


def reserve_port(host: str, port: int, protocol: str) -> socket.socket:
    """Check that no other process holds ``host:port`` and reserve it for this server's
    workers; port 0 picks a free port (read it from the returned socket)."""
    with listen_socket(host, port, protocol) as probe:
        port = probe.getsockname()[1]
    return listen_socket(host, port, protocol, reuse_port=True)


class SharedStreamSlots:
    """``--max_streams`` slots counted across workers: one counter per worker in shared
    memory, so the parent can give back the slots of a worker that died."""

    def __init__(self, limit: int, counts: Any, index: int) -> None:
        self.limit = limit
        self._counts = counts
        self._index = index

    def acquire(self) -> bool:
        with self._counts.get_lock():
            if sum(self._counts) >= self.limit:
                return False
            self._counts[self._index] += 1
            return True

    def release(self) -> None:
        with self._counts.get_lock():
            self._counts[self._index] -= 1

    def __repr__(self) -> str:
        return f"SharedStreamSlots({sum(self._counts)}/{self.limit}, worker {self._index})"


@dataclass
class WorkerLink:
    """What a worker gets from the parent: its index, the shared slots, a ready pipe."""

    index: int
    workers: int
    slot_counts: Any
    ready: multiprocessing.connection.Connection

    def stream_slots(self, limit: int) -> SharedStreamSlots:
        return SharedStreamSlots(limit, self.slot_counts, self.index)

    def started(self) -> None:
        """Tell the parent this worker serves."""
        self.ready.send(os.getpid())
        self.ready.close()


def worker_main(settings: Settings, link: WorkerLink) -> None:
    """A worker process: size threads for its CPU share, serve, drain on SIGTERM."""
    from .exiting import exit_at_once, exit_with_parent
    from .runner import serve

    exit_with_parent()
    share = set_worker_share(link.workers)
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s %(levelname)s [worker {link.index}] %(name)s: %(message)s",
    )
    log.debug("worker %d: pid %d, %d CPUs for its threads", link.index, os.getpid(), share)
    try:
        asyncio.run(serve(settings, link))
    except PipeserveError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from None
    exit_at_once(0)  # drained: skip the interpreter's teardown


@dataclass
class Worker:
    """The parent's view of one worker slot."""

    index: int
    process: BaseProcess
    ready: multiprocessing.connection.Connection
    started: float
    serving: bool = False


class Supervisor:
    """Starts, watches, restarts and drains the workers of one server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._slot_counts = self._context.Array("i", settings.workers)
        self._workers: list[Worker] = []
        self._stopping = False
        self._wake_read, self._wake_write = socket.socketpair()

    def __repr__(self) -> str:
        return f"Supervisor({self.settings.workers} workers, pids {self.pids()})"

    def pids(self) -> list[int | None]:
        return [w.process.pid for w in self._workers]

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; 0 when every worker drained and exited cleanly."""
        reserved = [reserve_port(self.settings.grpc_bind_address, self.settings.port, "gRPC")]
        update = {"port": reserved[0].getsockname()[1]}
        if self.settings.rest_port:
            reserved.append(
                reserve_port(self.settings.rest_bind_address, self.settings.rest_port, "REST")
            )
        self.settings = self.settings.model_copy(update=update)
        metrics_dir = tempfile.mkdtemp(prefix="pipeserve-metrics-")
        os.environ[MULTIPROC_DIR] = metrics_dir
        self._handle_signals()
        try:
            self._workers = [self._start(i) for i in range(self.settings.workers)]
            code = self._watch()
            drained = self._drain()
            return code or drained
        finally:
            for sock in reserved:
                sock.close()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def _handle_signals(self) -> None:
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        signal.set_wakeup_fd(self._wake_write.fileno())
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _start(self, index: int) -> Worker:
        ready_read, ready_write = self._context.Pipe(duplex=False)
        link = WorkerLink(index, self.settings.workers, self._slot_counts, ready_write)
        process = self._context.Process(
            target=worker_main, args=(self.settings, link), name=f"pipeserve-worker-{index}"
        )
        process.start()
        ready_write.close()
        return Worker(index, process, ready_read, time.monotonic())

    def _watch(self) -> int:
        """Wait for the workers; restart those that die once all have served. A worker that
        fails before all have started ends the start-up: its exit code is returned."""
        started = False
        while not self._stopping:
            waitables: list[Any] = [self._wake_read]
            for worker in self._workers:
                waitables.append(worker.process.sentinel)
                if not worker.serving:
                    waitables.append(worker.ready)
            multiprocessing.connection.wait(waitables)
            with contextlib.suppress(BlockingIOError):
                self._wake_read.recv(64)
            for worker in list(self._workers):
                if not worker.serving and worker.ready.poll():
                    with contextlib.suppress(EOFError):
                        worker.ready.recv()
                        worker.serving = True
                        log.info("worker %d serving (pid %d)", worker.index, worker.process.pid)
                if worker.process.exitcode is None or self._stopping:
                    continue
                if not started:
                    log.error("worker %d failed to start", worker.index)
                    return worker.process.exitcode or 1
                self._restart(worker)
            if not started and all(w.serving for w in self._workers):
                started = True
                log.info(
                    "%d workers serving on gRPC port %d", len(self._workers), self.settings.port
                )
        return 0

    def _restart(self, worker: Worker) -> None:
        """Replace a dead worker: its open-stream gauges and stream slots are given back."""
        from prometheus_client import multiprocess

        pid = worker.process.pid
        log.warning(
            "worker %d (pid %s) exited with %s; restarting",
            worker.index,
            pid,
            worker.process.exitcode,
        )
        if pid is not None:
            multiprocess.mark_process_dead(pid)
        with self._slot_counts.get_lock():
            self._slot_counts[worker.index] = 0
        if time.monotonic() - worker.started < RESTART_BACKOFF_S:
            time.sleep(RESTART_BACKOFF_S)
        worker.ready.close()
        self._workers[worker.index] = self._start(worker.index)

    def _drain(self) -> int:
        """SIGTERM every worker and wait for each to drain; 0 when all exited with 0."""
        for worker in self._workers:
            if worker.process.exitcode is None and worker.process.pid is not None:
                os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_timeout_seconds + EXIT_MARGIN_S
        codes = []
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                log.error("worker %d did not exit in time; killing it", worker.index)
                worker.process.kill()
                worker.process.join()
            code = worker.process.exitcode
            if code == -signal.SIGTERM and not worker.serving:
                code = 0  # stopped while starting, before its handler: it held no streams
            codes.append(code)
        log.info("workers exited with %s", codes)
        return 0 if all(code == 0 for code in codes) else 1
