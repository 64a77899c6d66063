"""Prometheus metrics for streams and unary calls, labelled by graph (or model) and method.

With ``--workers`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers
start: every worker then writes its values there (prometheus-client's multiprocess mode) and
``/metrics`` in any worker reports the sum over all of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
LABELS = ("name", "method")
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
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
            multiprocess_mode="livesum",
        )
        self._latency = Histogram(
            "pipeserve_processing_seconds",
            "From a request's push to the graph's first output at or after its timestamp",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

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
        """The text exposition format (of every worker's values in multiprocess mode)."""
        if MULTIPROC_DIR in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
