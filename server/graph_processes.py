"""Graph processes (``--graph_processes N``): each stream's graph runs in one of N processes.

In one server process every stream's Python work shares one GIL; at two heavy streams on
two cores a thread back from OpenVINO or OpenCV often finds it taken and its core idles
(docs/deploy.md). With graph processes the server keeps the connections, validation and
responses, and places each new graph instance on the process running the fewest; that
process runs the whole graph (``graph_host``). ``RemoteGraph`` stands in for the
``CalculatorGraph`` a session would run in-process, with the same calls and rules.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from pipeserve.errors import Code, GraphCancelledError, PipeserveError, QueueFullError
from pipeserve.graphs import GraphSpec, Packet
from pipeserve.graphs.timestamp import UNSET

from .config import ServerConfig
from .graph_channel import Channel, encode, pipe
from .graph_host import host_main
from .servables import GraphServable, Servables

log = logging.getLogger(__name__)

CREDITS = 4
"""Packets of one graph on their way to its process: the server reads no further request of
the stream while they are all out (back-pressure, as a full in-process graph)."""


def _error(code: str, message: str) -> PipeserveError:
    return PipeserveError(message, Code(code))


def hosted_config(servables: Servables) -> ServerConfig:
    """The config graph processes load: without the graphs that stay in the server process
    (Python nodes are initialized once per definition, in the server)."""
    config = servables.config
    stay = {name for name, s in servables.graphs.items() if not GraphProcesses.serves(s)}
    return dataclasses.replace(config, graphs=tuple(g for g in config.graphs if g.name not in stay))


class RemoteGraph:
    """A graph instance running in a graph process, driven like a ``CalculatorGraph``."""

    def __init__(self, process: GraphProcess, key: int, servable: GraphServable) -> None:
        self.spec: GraphSpec = servable.require_spec()
        self.name = servable.name
        self.error: PipeserveError | None = None
        self._process = process
        self._key = key
        self._generation = process.generation
        self._observers: dict[str, Callable[[Packet], None]] = {}
        self._error_callbacks: list[Callable[[PipeserveError], None]] = []
        self._credits = threading.Semaphore(CREDITS)
        self._replies: dict[str, queue.SimpleQueue[tuple[Any, PipeserveError | None]]] = {
            what: queue.SimpleQueue() for what in ("start", "idle", "close")
        }
        self._last = {s.name: UNSET for s in self.spec.input_streams}
        self._done = False

    def observe_output_stream(self, name: str, callback: Callable[[Packet], None]) -> None:
        self._observers[name] = callback

    def on_error(self, callback: Callable[[PipeserveError], None]) -> None:
        self._error_callbacks.append(callback)

    def start(self, side_packets: Mapping[str, Any] | None = None) -> None:
        """Open the graph in its process; raises what its start raised."""
        self._process.send(
            (
                "start",
                self._key,
                self._generation,
                self.name,
                dict(side_packets or {}),
                list(self._observers),
            )
        )
        self._reply("start")

    def add_packet(self, stream: str, packet: Packet, timeout: float | None = None) -> None:
        """Send a packet; waits while ``CREDITS`` are out (QueueFullError after ``timeout``
        seconds, at once for 0). FAILED_PRECONDITION for a value that cannot travel to a
        graph process."""
        if self.error is not None:
            raise self.error
        if not self._credits.acquire(timeout=timeout):
            raise QueueFullError(f"graph {self.name!r} is full")
        try:
            if self.error is not None:  # failed while this push waited (its stop wakes it)
                raise self.error
            parts = self._process.encode(
                ("packet", self._key, stream, packet.timestamp, packet.value)
            )
        except PipeserveError:
            self._credits.release()  # nothing was sent
            raise
        self._last[stream] = packet.timestamp
        self._process.write(parts)

    def last_timestamp(self, stream: str) -> int:
        return self._last[stream]

    def close_all_input_streams(self) -> None:
        self._process.send(("close", self._key))

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Wait for the graph to finish; raises its error (``timeout``: sessions wait until
        done; a cancel or a lost process ends the wait)."""
        self._reply("close")
        self._done = True
        return True

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Wait until the process has run what was sent; False on timeout (at once for
        ``timeout=0``: that answer would need a round trip)."""
        if timeout == 0:
            return False
        self._process.send(("idle", self._key, timeout))
        return bool(self._reply("idle"))

    def cancel(self) -> None:
        """Stop the graph in its process now (nothing after it finished)."""
        if self.error is None and not self._done:
            self._stop(GraphCancelledError(f"graph {self.name!r} was cancelled"))
        if self._process.forget(self._key):
            self._process.send(("cancel", self._key))

    def deliver(self, message: tuple[Any, ...]) -> None:
        """A message from the process about this graph (on the process's reader thread)."""
        what = message[0]
        if what == "output":
            _, _, stream, timestamp, value = message
            self._observers[stream](Packet(value, timestamp))
        elif what == "credit":
            self._credits.release()
        elif what == "failed":
            self._fail(_error(message[2], message[3]))
        else:  # reply
            _, _, kind, result, code, text = message
            self._replies[kind].put((result, None if code is None else _error(code, text)))

    def lost(self, error: PipeserveError) -> None:
        """The process died: the graph fails and every wait ends."""
        if not self._done:
            self._fail(error)

    def _fail(self, error: PipeserveError) -> None:
        if self.error is not None:
            return
        self._stop(error)
        for callback in self._error_callbacks:
            callback(error)

    def _stop(self, error: PipeserveError) -> None:
        self.error = error
        self._credits.release()  # a waiting push wakes and raises
        for replies in self._replies.values():
            replies.put((None, error))

    def _reply(self, kind: str) -> Any:
        result, error = self._replies[kind].get()
        if error is not None:
            raise error
        return result

    def __repr__(self) -> str:
        return f"RemoteGraph({self.name!r}, process {self._process.pid})"


class GraphProcess:
    """One graph process: its pipes, reader and writer threads, and the graphs placed on it.

    ``on_exit`` is called (on one of its threads) once the process is found dead, unless the
    server closed it.
    """

    def __init__(self, index: int, log_level: str, on_exit: Callable[[GraphProcess], None]) -> None:
        context = multiprocessing.get_context("spawn")
        to_them, from_us = pipe()[::-1]
        from_them, to_us = pipe()
        theirs = [Connection(from_us, writable=False), Connection(to_us, readable=False)]
        self.index = index
        self.process = context.Process(
            target=host_main,
            args=(*theirs, log_level),
            name=f"pipeserve-graphs-{index}",
            daemon=True,
        )
        self.process.start()
        for end in theirs:
            end.close()
        self.channel = Channel(from_them, to_them)
        self._outbox: queue.SimpleQueue[list[bytes | memoryview] | None] = queue.SimpleQueue()
        self.generation = -1
        self.graphs: dict[int, RemoteGraph] = {}
        self._lock = threading.Lock()
        self._loaded: dict[int, threading.Event] = {}
        self._load_errors: dict[int, PipeserveError] = {}
        self._on_exit = on_exit
        self.alive = True
        self.has_loaded = False
        """Some config generation loaded without error (the process got past its start)."""
        threading.Thread(target=self._read, name=f"graphs-{index}-reader", daemon=True).start()
        threading.Thread(target=self._write, name=f"graphs-{index}-writer", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def load(self, generation: int, config: ServerConfig) -> None:
        """Load a config generation; new graphs then use it."""
        with self._lock:  # only the newest generation is waited for
            self._loaded = {generation: threading.Event()}
            self._load_errors.clear()
        self.generation = generation
        self.send(("load", generation, config))

    def wait_loaded(self) -> None:
        """Block until the newest generation is loaded; raises its load error."""
        self._loaded[self.generation].wait()
        error = self._load_errors.get(self.generation)
        if error is not None:
            raise error
        if not self.alive:
            raise self._lost_error()

    @property
    def ready(self) -> bool:
        """Alive with the newest generation loaded: a graph placed here starts at once."""
        event = self._loaded.get(self.generation)
        return (
            self.alive
            and event is not None
            and event.is_set()
            and self.generation not in self._load_errors
        )

    def place(self, key: int, servable: GraphServable) -> RemoteGraph:
        graph = RemoteGraph(self, key, servable)
        with self._lock:
            self.graphs[key] = graph
        if not self.alive:
            graph.lost(self._lost_error())
        return graph

    def forget(self, key: int) -> bool:
        """Drop a graph; True if it was still placed here (its process must cancel it)."""
        with self._lock:
            return self.graphs.pop(key, None) is not None and self.alive

    def encode(self, message: tuple[Any, ...]) -> list[bytes | memoryview]:
        """A message ready for ``write``; FAILED_PRECONDITION if it cannot be pickled."""
        try:
            return encode(message)
        except Exception as exc:  # pickling raises TypeError, PicklingError, ...
            raise PipeserveError(
                f"cannot pass {type(message[-1]).__name__} to a graph process: {exc}",
                Code.FAILED_PRECONDITION,
            ) from exc

    def send(self, message: tuple[Any, ...]) -> None:
        self.write(self.encode(message))

    def write(self, parts: list[bytes | memoryview]) -> None:
        """Queue an encoded message for the writer thread (the caller never blocks); a dead
        process's messages are dropped (its graphs have failed)."""
        if self.alive:
            self._outbox.put(parts)

    def _write(self) -> None:
        while (parts := self._outbox.get()) is not None:
            try:
                self.channel.write(parts)
            except OSError:
                self._die()
                return
        self.channel.close()

    def _read(self) -> None:
        while True:
            try:
                message = self.channel.receive()
            except (EOFError, OSError):
                self._die()
                return
            if message[0] == "loaded":
                self._loaded_one(*message[1:])
                continue
            graph = self.graphs.get(message[1])
            if graph is not None:
                graph.deliver(message)

    def _loaded_one(self, generation: int, error: tuple[str, str] | None) -> None:
        with self._lock:
            if error is not None:
                self._load_errors[generation] = _error(*error)
            else:
                self.has_loaded = True
            event = self._loaded.get(generation)
        if event is not None:
            event.set()

    def _die(self) -> None:
        with self._lock:
            if not self.alive:
                return
            self.alive = False
            graphs = list(self.graphs.values())
        self.process.join(1.0)
        error = self._lost_error()
        log.error("%s", error)
        for event in list(self._loaded.values()):
            event.set()
        for graph in graphs:
            graph.lost(error)
        self._on_exit(self)

    def _lost_error(self) -> PipeserveError:
        return PipeserveError(
            f"graph process {self.index} (pid {self.pid}) exited with {self.process.exitcode}",
            Code.INTERNAL,
        )

    def close(self) -> None:
        """Stop the process (its graphs end with it)."""
        with self._lock:
            self.alive = False
        self._outbox.put(None)  # the writer closes the pipe: the process ends
        self.process.join(5.0)
        if self.process.exitcode is None:
            self.process.kill()


class GraphProcesses:
    """N graph processes; each new graph goes to the one running the fewest graphs among
    those ready (alive, config loaded), else among the live ones.

    A process that dies after it loaded its config is replaced at once, in the background;
    one that dies while starting is replaced when the next graph is placed (a process that
    cannot start is not restarted in a loop).
    """

    def __init__(self, count: int, servables: Servables, log_level: str) -> None:
        self._log_level = log_level
        self._config = hosted_config(servables)
        self._generation = 0
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._closed = False
        self.processes = [self._spawn(i) for i in range(count)]

    def _spawn(self, index: int) -> GraphProcess:
        """A new process at ``index`` loading the current config (lock held)."""
        process = GraphProcess(index, self._log_level, self._exited)
        process.load(self._generation, self._config)
        return process

    def _exited(self, dead: GraphProcess) -> None:
        with self._lock:
            if self._closed or self.processes[dead.index] is not dead:
                return
            if not dead.has_loaded:
                log.warning(
                    "graph process %d exited before it loaded: next graph restarts it", dead.index
                )
                return
            self._restart(dead.index)

    def _restart(self, index: int) -> None:
        """Replace the dead process at ``index`` (lock held)."""
        log.warning("starting graph process %d again", index)
        self.processes[index] = self._spawn(index)

    def wait_loaded(self) -> None:
        """Block until every process loaded the current config; raises a load error."""
        for process in self.processes:
            process.wait_loaded()

    def swap(self, servables: Servables) -> None:
        """A reloaded config: graphs started from now on use it (running ones keep theirs)."""
        with self._lock:
            self._generation += 1
            self._config = hosted_config(servables)
            for process in self.processes:
                process.load(self._generation, self._config)

    @staticmethod
    def serves(servable: GraphServable) -> bool:
        """Graphs with Python nodes or a profiler stay in the server process."""
        spec = servable.spec
        return servable.python is None and spec is not None and not spec.profiler.enabled

    def graph(self, servable: GraphServable) -> RemoteGraph:
        """A new graph instance of ``servable`` on the least busy ready process (a process
        that died while starting is replaced first)."""
        with self._lock:
            for i, process in enumerate(self.processes):
                if not process.alive:
                    self._restart(i)
            process = min(self.processes, key=lambda p: (not p.ready, len(p.graphs)))
        return process.place(next(self._keys), servable)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            processes = list(self.processes)
        for process in processes:
            process.close()

    def __repr__(self) -> str:
        return f"GraphProcesses({[p.pid for p in self.processes]})"
