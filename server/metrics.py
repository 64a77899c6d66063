"""Prometheus metrics for streams and unary calls, labelled by graph (or model) and method.

Each ``pipeserve_*`` family has a twin under OpenVINO Model Server's MediaPipe metric names
and labels, so OVMS dashboards and alerts keep working: ``ovms_requests_accepted``,
``ovms_requests_rejected``, ``ovms_responses`` (``api, interface, method, name``),
``ovms_current_graphs`` (``name``) and ``ovms_request_time_us`` (``interface, name,
version``; microseconds). ``api`` is always ``KServe``; ``interface`` is ``gRPC`` or
``REST``; ``method`` is ``Unary`` or ``Stream``.

With ``--workers`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers
start: every worker then writes its values there (prometheus-client's multiprocess mode) and
``/metrics`` in any worker reports all of them (counters and histograms summed, open-stream
gauges summed over live workers). The scrape-time leak gauges of ``watch`` are per process,
so a multi-worker server leaves them out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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
GRAPH_THREAD_PREFIX = "graph-"
"""Graph worker threads are named ``graph-<graph>-<n>`` (see ``graphs/workers.py``)."""
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
OVMS_LABELS = ("api", "interface", "method", "name")
OVMS_TIME_LABELS = ("interface", "name", "version")
OVMS_MODEL_LABELS = ("api", "interface", "method", "name", "version")
OVMS_TIME_BUCKETS = tuple(b * 1e6 for b in LATENCY_BUCKETS)


def ovms_labels(method: str) -> tuple[str, str]:
    """OVMS's ``interface`` and ``method`` label values for one of our method names."""
    interface = "REST" if method.lower().startswith("rest") else "gRPC"
    return interface, "Stream" if "stream" in method.lower() else "Unary"


@dataclass(slots=True, frozen=True)
class Twin:
    """A metric child and its OVMS-named twin, updated together (``scale`` converts units)."""

    ours: Any
    ovms: Any
    scale: float = 1.0

    def inc(self, amount: float = 1.0) -> None:
        self.ours.inc(amount)
        self.ovms.inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        self.ours.dec(amount)
        self.ovms.dec(amount)

    def observe(self, value: float) -> None:
        self.ours.observe(value)
        self.ovms.observe(value * self.scale)


@dataclass(slots=True)
class CallMetrics:
    """The labelled children for one servable and method (resolved once per stream)."""

    accepted: Twin
    rejected: Twin
    responses: Twin
    graph_errors: Counter
    open_streams: Twin
    latency: Twin


@dataclass(slots=True)
class ModelCallMetrics:
    """OVMS's children for one unary call on a plain model (``Metrics.model_call``)."""

    success: Counter
    fail: Counter
    current: Gauge
    inference: Histogram
    request_time: Histogram

    @contextmanager
    def serving(self, start: float) -> Iterator[None]:
        """Count the call in flight, then as a success (with its time since ``start``,
        a ``perf_counter`` value) or a failure."""
        self.current.inc()
        try:
            yield
        except BaseException:
            self.fail.inc()
            raise
        else:
            self.request_time.observe((time.perf_counter() - start) * 1e6)
            self.success.inc()
        finally:
            self.current.dec()

    @contextmanager
    def inferring(self) -> Iterator[None]:
        """Time the OpenVINO inference inside the call."""
        start = time.perf_counter()
        yield
        self.inference.observe((time.perf_counter() - start) * 1e6)


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
        self.stream_slots = Gauge(
            "pipeserve_stream_slots_in_use",
            "Stream slots taken, out of --max_streams (gRPC and REST streams)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._ovms = OvmsMetrics(self.registry)

    def watch(self, live_graphs: Callable[[], float], held_bytes: Callable[[], float]) -> None:
        """Gauges read at scrape time that show a leak: graphs, their threads, held output
        (one process's: not with ``--workers``)."""
        if MULTIPROC_DIR in os.environ:
            return
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
        interface, kind = ovms_labels(method)
        ovms = ("KServe", interface, kind, name)
        o = self._ovms
        return CallMetrics(
            Twin(self._accepted.labels(*labels), o.accepted.labels(*ovms)),
            Twin(self._rejected.labels(*labels), o.rejected.labels(*ovms)),
            Twin(self._responses.labels(*labels), o.responses.labels(*ovms)),
            self._graph_errors.labels(*labels),
            Twin(self._open_streams.labels(*labels), o.current_graphs.labels(name)),
            Twin(self._latency.labels(*labels), o.request_time.labels(interface, name, ""), 1e6),
        )

    def model_call(self, name: str, version: str, method: str) -> ModelCallMetrics:
        """OVMS's children for a unary call on model ``name`` at ``version``."""
        interface, _ = ovms_labels(method)
        o = self._ovms
        return ModelCallMetrics(
            o.success.labels("KServe", interface, "ModelInfer", name, version),
            o.fail.labels("KServe", interface, "ModelInfer", name, version),
            o.current_requests.labels(name, version),
            o.inference_time.labels(name, version),
            o.request_time.labels(interface, name, version),
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


class OvmsMetrics:
    """The OVMS-named families (see the module docstring)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.accepted = Counter(
            "ovms_requests_accepted",
            "Requests that pushed packets into a graph",
            OVMS_LABELS,
            registry=registry,
        )
        self.rejected = Counter(
            "ovms_requests_rejected",
            "Requests refused before reaching a graph",
            OVMS_LABELS,
            registry=registry,
        )
        self.responses = Counter(
            "ovms_responses", "Responses a graph produced", OVMS_LABELS, registry=registry
        )
        self.current_graphs = Gauge(
            "ovms_current_graphs",
            "Graph instances running",
            ("name",),
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.request_time = Histogram(
            "ovms_request_time_us",
            "Processing time of requests, in microseconds",
            OVMS_TIME_LABELS,
            buckets=OVMS_TIME_BUCKETS,
            registry=registry,
        )
        self.success = Counter(
            "ovms_requests_success",
            "Successful requests to a model",
            OVMS_MODEL_LABELS,
            registry=registry,
        )
        self.fail = Counter(
            "ovms_requests_fail", "Failed requests to a model", OVMS_MODEL_LABELS, registry=registry
        )
        self.current_requests = Gauge(
            "ovms_current_requests",
            "Requests to a model being processed",
            ("name", "version"),
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.inference_time = Histogram(
            "ovms_inference_time_us",
            "OpenVINO inference time of model requests, in microseconds",
            ("name", "version"),
            buckets=OVMS_TIME_BUCKETS,
            registry=registry,
        )


def _graph_threads() -> int:
    return sum(t.name.startswith(GRAPH_THREAD_PREFIX) for t in threading.enumerate())
