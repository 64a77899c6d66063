"""Servables: one immutable snapshot of the configured models and graphs, and its holder.

A graph's ``GraphSpec`` is built once per config load; each stream then makes a cheap
``CalculatorGraph`` from it. A servable is ready when it has no ``error``: a graph needs a
valid spec (every calculator known, every edge checked) and every model its nodes name
(``ModelConsumer.check_models``); a model must be loaded. Reloading builds a new snapshot;
open streams keep the graph they started with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeserve.calculators.openvino.models import ModelConsumer
from pipeserve.calculators.python.handler import PythonNodes
from pipeserve.errors import Code, PipeserveError
from pipeserve.graphs import (
    CalculatorGraph,
    GraphProfile,
    GraphSpec,
    ProfilerOptions,
    load_graph_config,
)

from .config import GraphEntry, ServerConfig
from .errors import GraphNotFoundError, ModelNotFoundError, RetiredError, UnavailableError
from .models import ModelRepository
from .python_nodes import attach_python_nodes, retire_python_nodes
from .types import ModelMetadata, TensorMetadata

log = logging.getLogger(__name__)

GRAPH_VERSION = "1"
GRAPH_VERSIONS = ("", "0", GRAPH_VERSION)
GRAPH_PLATFORM = "pipeserve"


@dataclass(slots=True)
class GraphServable:
    """A configured graph: its validated spec (if it has one) and why it is not ready."""

    name: str
    entry: GraphEntry
    spec: GraphSpec | None
    error: str | None
    metadata: ModelMetadata
    python: PythonNodes | None = None
    """The definition's Python node models (initialized at load, shared by its streams)."""

    def require_spec(self) -> GraphSpec:
        """The spec; UNAVAILABLE when the graph failed validation."""
        if self.spec is None:
            raise UnavailableError("Mediapipe graph", self.name, self.error or "not loaded")
        return self.spec

    def acquire(self) -> dict[str, Any]:
        """Side packets the server sets for one graph instance (released by ``release``);
        UNAVAILABLE once the definition was unloaded."""
        if self.python is None:
            return {}
        if not self.python.acquire():
            raise UnavailableError("Mediapipe graph", self.name, "the definition was unloaded")
        return self.python.side_packets()

    def release(self) -> None:
        """A graph instance started with ``acquire`` has ended."""
        if self.python is not None:
            self.python.release()

    def __repr__(self) -> str:
        state = "ready" if self.error is None else f"not ready: {self.error}"
        return f"GraphServable({self.name!r}, {state})"


class Servables:
    """Models and graphs of one config load, plus the names retired since earlier loads."""

    def __init__(
        self,
        models: ModelRepository,
        graphs: dict[str, GraphServable],
        config: ServerConfig,
        retired: frozenset[str] = frozenset(),
        profile_graphs: bool = False,
    ) -> None:
        self.models = models
        self.graphs = graphs
        self.retired = retired
        self.profile_graphs = profile_graphs
        """Every graph runs with its per-node profiler on (``--profile_graphs``)."""
        self.config = config
        """The config this snapshot was built from (graph processes load it too)."""

    @classmethod
    def build(
        cls,
        config: ServerConfig,
        previous: Servables | None = None,
        profile_graphs: bool | None = None,
    ) -> Servables:
        """Compile models (reusing unchanged ones) and validate every graph;
        ``profile_graphs`` defaults to ``previous``'s (reloads keep the server's flag)."""
        import pipeserve.calculators  # noqa: F401  (registers every calculator)

        if profile_graphs is None:
            profile_graphs = previous is not None and previous.profile_graphs

        models = ModelRepository.load(config.all_models, previous.models if previous else None)
        before = previous.graphs if previous else {}
        graphs = {
            g.name: attach_python_nodes(_build_graph(g, models, profile_graphs), before.get(g.name))
            for g in config.graphs
        }
        for servable in graphs.values():
            _warm_up(servable, models)
        retired: frozenset[str] = frozenset()
        if previous is not None:
            retire_python_nodes(before.values(), graphs.values())
            gone = set(previous.graphs) | set(previous.models.names) | previous.retired
            retired = frozenset(gone - set(graphs) - set(models.names))
        return cls(models, graphs, config, retired, profile_graphs)

    def close(self) -> None:
        """Unload every graph definition (finalizes Python nodes once their streams end)."""
        retire_python_nodes(self.graphs.values(), ())

    def graph(self, name: str, version: str = "") -> GraphServable:
        """The graph to stream with; NOT_FOUND (unknown, retired, bad version) otherwise."""
        servable = self.graphs.get(name)
        if servable is None:
            if name in self.retired:
                raise RetiredError("Mediapipe graph", name)
            raise GraphNotFoundError(name)
        if version not in GRAPH_VERSIONS:
            raise ModelNotFoundError(name, version)
        return servable

    def is_graph(self, name: str) -> bool:
        return name in self.graphs

    def require_known(self, name: str, version: str = "") -> None:
        """The NOT_FOUND rule for every name lookup but streams: an unknown or retired name,
        or a version the servable does not have."""
        if name in self.graphs:
            self.graph(name, version)
        elif name in self.retired:
            raise RetiredError("Servable", name)
        elif name not in self.models:
            raise ModelNotFoundError(name, version or None)
        elif self.models.ready(name):
            self.models.get(name, version or None)

    def not_ready(self, name: str, version: str = "") -> str | None:
        """Why a known servable is not ready (None when it is); NOT_FOUND when unknown."""
        self.require_known(name, version)
        if name in self.graphs:
            return self.graphs[name].error
        return self.models.error(name)

    def not_ready_all(self) -> dict[str, str]:
        """Every servable that is not ready, with its reason."""
        names = [*self.graphs, *self.models.names]
        return {n: reason for n in names if (reason := self.not_ready(n)) is not None}

    def metadata(self, name: str, version: str = "") -> ModelMetadata:
        """Metadata of a graph (any state) or a loaded model."""
        self.require_known(name, version)
        if name in self.graphs:
            return self.graphs[name].metadata
        return self.models.metadata(name, version or None)

    def profile(self, name: str) -> GraphProfile:
        """Per-node totals over the graph's finished runs (streams and requests);
        NOT_FOUND for an unknown graph, FAILED_PRECONDITION when it is not profiled."""
        spec = self.graph(name).require_spec()
        if not spec.profiler.enabled:
            raise PipeserveError(
                f"graph {name!r} is not profiled: start the server with --profile_graphs "
                "or set profiler_config { enable_profiler: true } in the graph",
                Code.FAILED_PRECONDITION,
            )
        return spec.profile_totals.snapshot()

    def __repr__(self) -> str:
        return f"Servables(graphs={list(self.graphs)}, models={self.models.names})"


def _build_graph(entry: GraphEntry, models: ModelRepository, profile: bool) -> GraphServable:
    try:
        config = load_graph_config(entry.graph_path)
        own = ProfilerOptions.from_config(config.profiler_config)
        profiler = ProfilerOptions(enabled=True) if profile and not own.enabled else own
        spec = GraphSpec(config, name=entry.name, profiler=profiler)
    except PipeserveError as exc:
        log.error("graph %s not ready: %s", entry.name, exc)
        metadata = ModelMetadata(entry.name, (GRAPH_VERSION,), GRAPH_PLATFORM)
        return GraphServable(entry.name, entry, None, str(exc), metadata)
    metadata = ModelMetadata(
        entry.name,
        (GRAPH_VERSION,),
        GRAPH_PLATFORM,
        tuple(TensorMetadata(s.name) for s in spec.input_streams),
        tuple(TensorMetadata(s.name) for s in spec.output_streams),
    )
    error = _missing_models(spec, models)
    if error is None:
        log.info("graph %s loaded from %s", entry.name, entry.graph_path)
    else:
        log.error("graph %s not ready: %s", entry.name, error)
    return GraphServable(entry.name, entry, spec, error, metadata)


def _missing_models(spec: GraphSpec, models: ModelRepository) -> str | None:
    """Why a node of ``spec`` cannot have its models, or None when every node can."""
    for node in spec.nodes:
        if isinstance(node.calculator, type) and issubclass(node.calculator, ModelConsumer):
            try:
                node.calculator.check_models(node.contract.options, models)
            except PipeserveError as exc:
                return f"node {node.name!r}: {exc}"
    return None


def _warm_up(servable: GraphServable, models: ModelRepository) -> None:
    """Open the graph once and cancel it, so that what nodes prepare on their first open
    (model variants without unused outputs) is ready before the first stream. A graph that
    cannot open without a request's side packets is skipped: its streams report why."""
    if servable.spec is None:
        return
    graph = CalculatorGraph(servable.spec, services={"models": models})
    try:
        graph.start(servable.python.side_packets() if servable.python else None)
    except PipeserveError as exc:
        log.debug("graph %s not warmed up: %s", servable.name, exc)
    finally:
        graph.cancel()


class ServableStore:
    """Holds the current snapshot; ``swap`` is atomic, readers just take ``current``."""

    def __init__(self, servables: Servables) -> None:
        self._current = servables
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Servables], None]] = []

    def on_swap(self, listener: Callable[[Servables], None]) -> None:
        """Call ``listener`` with each new snapshot (from the thread that rebuilt it)."""
        self._listeners.append(listener)

    @property
    def current(self) -> Servables:
        return self._current

    def rebuild(self, config: ServerConfig) -> Servables:
        """Build a snapshot from ``config`` (models reused) and make it current."""
        with self._lock:
            self._current = Servables.build(config, self._current)
            current = self._current
        for listener in self._listeners:
            listener(current)
        return current
