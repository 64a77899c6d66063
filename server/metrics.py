"""Prometheus metrics for streams and unary calls, labelled by graph (or model) and method."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
LABELS = ("name", "method")
GRAPH_THREAD_PREFIX = "graph-"
"""Graph worker threads are named ``graph-<graph>-<n>`` (see ``graphs/workers.py``)."""
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(slots=True)
class CallMetrics:
    """The labelled children for one servable and method (resolved once per stream)."""

    accepted: Counter
    rejected: Counter
    responses: Counter
    graph_errors: Counter
    open_streams: Gauge
    latency: Histogram


class Metrics:
    """The server's metrics in their own registry (so tests and servers never share one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._accepted = Counter(
            "pipeserve_requests_accepted",
            "Requests validated and pushed",
            LABELS,
            registry=self.registry,
        )
        self._rejected = Counter(
            "pipeserve_requests_rejected",
            "Requests refused (validation or lookup)",
            LABELS,
            registry=self.registry,
        )
        self._responses = Counter(
            "pipeserve_responses_sent", "Data responses sent", LABELS, registry=self.registry
        )
        self._graph_errors = Counter(
            "pipeserve_graph_errors",
            "Graph runs ended by a calculator failure",
            LABELS,
            registry=self.registry,
        )
        self._open_streams = Gauge(
            "pipeserve_streams_open",
            "Streams (graph instances) currently open",
            LABELS,
            registry=self.registry,
        )
        self._latency = Histogram(
            "pipeserve_processing_seconds",
            "From a request's push to the graph's first output at or after its timestamp",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def watch(self, live_graphs: Callable[[], float], held_bytes: Callable[[], float]) -> None:
        """Gauges read at scrape time that show a leak: graphs, their threads, held output."""
        Gauge(
            "pipeserve_graphs_live",
            "Graph instances not yet released (starting, streaming or in a unary call)",
            registry=self.registry,
        ).set_function(live_graphs)
        Gauge(
            "pipeserve_graph_threads",
            "Graph worker threads alive in this process",
            registry=self.registry,
        ).set_function(_graph_threads)
        Gauge(
            "pipeserve_stream_buffer_bytes",
            "Output bytes held for clients that have not read them yet",
            registry=self.registry,
        ).set_function(held_bytes)

    def call(self, name: str, method: str) -> CallMetrics:
        """Children for ``name`` and ``method`` (cheap to use on the hot path)."""
        labels = (name, method)
        return CallMetrics(
            self._accepted.labels(*labels),
            self._rejected.labels(*labels),
            self._responses.labels(*labels),
            self._graph_errors.labels(*labels),
            self._open_streams.labels(*labels),
            self._latency.labels(*labels),
        )

    def __repr__(self) -> str:
        return f"Metrics({len(list(self.registry.collect()))} families)"

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


def _graph_threads() -> int:
    return sum(t.name.startswith(GRAPH_THREAD_PREFIX) for t in threading.enumerate())
