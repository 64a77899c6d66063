"""A graph process (``--graph_processes``): runs the graphs of streams the server placed on it.

Each graph process loads the server's config with the same loader as the server and runs
whole graph instances, so a stream's Python work holds this process's GIL, not the server's.
The server talks to it over two pipes (``graph_channel``).

Server to process: ``("load", generation, config)``, ``("start", key, generation, graph,
side_packets, outputs)``, ``("packet", key, stream, timestamp, value)``, ``("idle", key,
timeout)``, ``("close", key)``, ``("cancel", key)``. Process to server: ``("loaded",
generation, error)``, ``("output", key, stream, timestamp, value)``, ``("credit", key)``,
``("failed", key, code, message)`` and ``("reply", key, what, result, code, message)``
(``what``: start, idle or close, answered once the graph is done).
A stream's packets, idle checks and close run in order on one feeder thread per graph.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from pipeserve.errors import Code, PipeserveError
from pipeserve.graphs import CalculatorGraph, Packet

from .exiting import exit_at_once, exit_with_parent
from .graph_channel import Channel, error_fields
from .memory import give_back, tune_allocator
from .servables import Servables

if TYPE_CHECKING:
    from .config import ServerConfig

log = logging.getLogger(__name__)


@dataclass
class _Run:
    """One graph instance in this process and its ordered work queue."""

    graph: CalculatorGraph
    generation: int
    work: queue.SimpleQueue[tuple[Any, ...] | None] = field(default_factory=queue.SimpleQueue)


class GraphHost:
    """The process side: config generations, the graphs running here, the pipes."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._generations: dict[int, Servables] = {}
        self._loaded: dict[int, threading.Event] = {}
        self._runs: dict[int, _Run] = {}
        self._lock = threading.Lock()

    def serve(self) -> None:
        """Handle messages until the server closes its pipe."""
        handlers: dict[str, Callable[..., None]] = {
            "load": self._load,
            "start": self._start,
            "packet": self._queue,
            "idle": self._queue,
            "close": self._queue,
            "cancel": self._cancel,
        }
        while True:
            try:
                message = self.channel.receive()
            except (EOFError, OSError):
                return
            handlers[message[0]](*message)

    def _load(self, _: str, generation: int, config: ServerConfig) -> None:
        with self._lock:
            self._loaded[generation] = threading.Event()
        threading.Thread(
            target=self._build, args=(generation, config), name=f"load-{generation}", daemon=True
        ).start()

    def _build(self, generation: int, config: ServerConfig) -> None:
        with self._lock:
            previous = self._generations.get(max(self._generations, default=-1))
        error = None
        try:
            servables = Servables.build(config, previous, profile_graphs=False)
        except Exception as exc:  # a config the server loaded but this process cannot
            log.exception("graph process: config generation %d failed to load", generation)
            error = error_fields(exc)
        else:
            with self._lock:
                self._generations[generation] = servables
                self._prune()
        self._loaded[generation].set()
        self.channel.send(("loaded", generation, error))

    def _start(
        self,
        _: str,
        key: int,
        generation: int,
        name: str,
        side_packets: dict[str, Any],
        outputs: list[str],
    ) -> None:
        threading.Thread(
            target=self._open,
            args=(key, generation, name, side_packets, outputs),
            name=f"start-{key}",
            daemon=True,
        ).start()

    def _open(
        self, key: int, generation: int, name: str, side_packets: dict[str, Any], outputs: list[str]
    ) -> None:
        try:
            loaded = self._loaded.get(generation)
            if loaded is not None:
                loaded.wait()
            servables = self._generations.get(generation)
            if servables is None:
                raise PipeserveError(
                    "the graph process could not load the config (see the server log)",
                    Code.UNAVAILABLE,
                )
            graph = CalculatorGraph(
                servables.graph(name).require_spec(), services={"models": servables.models}
            )
            for stream in outputs:
                graph.observe_output_stream(stream, self._output_sender(key, stream))
            graph.on_error(lambda error: self.channel.send(("failed", key, *error_fields(error))))
            run = _Run(graph, generation)
            with self._lock:
                self._runs[key] = run
            graph.start(side_packets)
        except Exception as exc:
            self.channel.send(("reply", key, "start", None, *error_fields(exc)))
            return
        threading.Thread(
            target=self._feed, args=(key, run), name=f"feed-{key}", daemon=True
        ).start()
        self.channel.send(("reply", key, "start", None, None, None))

    def _output_sender(self, key: int, stream: str) -> Callable[[Any], None]:
        send = self.channel.send

        def observe(packet: Any) -> None:
            send(("output", key, stream, packet.timestamp, packet.value))

        return observe

    def _queue(self, *message: Any) -> None:
        run = self._runs.get(message[1])
        if run is not None:
            run.work.put(message)

    def _feed(self, key: int, run: _Run) -> None:
        """The stream's work in order: pushes (a credit back after each), idle checks, close."""
        graph, send = run.graph, self.channel.send
        while (item := run.work.get()) is not None:
            what = item[0]
            try:
                if what == "packet":
                    _, _, stream, timestamp, value = item
                    try:
                        graph.add_packet(stream, Packet(value, timestamp))
                    finally:
                        send(("credit", key))
                elif what == "idle":
                    send(("reply", key, "idle", graph.wait_until_idle(item[2]), None, None))
                else:
                    graph.close_all_input_streams()
                    graph.wait_until_done()
                    send(("reply", key, "close", None, None, None))
                    return
            except PipeserveError as exc:
                if what != "packet":
                    send(("reply", key, what, None, *error_fields(exc)))
                elif graph.error is None:  # the server checked names and timestamps before
                    log.error("graph %s: packet at %s not taken: %s", graph.name, item[3], exc)
                if graph.error is not None:
                    return  # failed or cancelled: already reported

    def _cancel(self, _: str, key: int) -> None:
        with self._lock:
            run = self._runs.pop(key, None)
            self._prune()
            last = not self._runs
        if run is not None:
            run.graph.cancel()
            run.work.put(None)
            if last:  # the end of a burst: give its memory back, as the server does
                threading.Thread(target=give_back, args=(False,), daemon=True).start()

    def _prune(self) -> None:
        """Forget config generations older than the newest that no graph here runs on (lock
        held); their models go with them unless a newer generation reuses them."""
        newest = max(self._generations, default=-1)
        used = {run.generation for run in self._runs.values()}
        for old in [g for g in self._generations if g < newest and g not in used]:
            del self._generations[old]
            del self._loaded[old]


def host_main(read_end: Connection, write_end: Connection, log_level: str) -> None:
    """Entry point of a graph process (spawned): serve until the server goes away."""
    exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server drains on Ctrl-C, then closes us
    logging.basicConfig(
        level=log_level,
        format=f"%(asctime)s %(levelname)s [graph process {os.getpid()}] %(name)s: %(message)s",
    )
    import pipeserve.calculators  # noqa: F401  (registers every calculator)

    tune_allocator()

    GraphHost(Channel(os.dup(read_end.fileno()), os.dup(write_end.fileno()))).serve()
    exit_at_once(0)
