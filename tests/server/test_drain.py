"""SIGTERM: not ready at once, no new streams, open gRPC and REST streams finish, exit 0."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from httpx_sse import connect_sse
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess, wait_for
from .graphs import GRAPHS, write_config
from .streams import Stream, status_of

FP = np.float32
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
TRIGGER = {"inputs": [{"name": "in", "shape": [1], "datatype": "FP32", "data": [0]}]}
TICKS = 40


@pytest.fixture()
def draining(tmp_path: Path) -> Iterator[ServerProcess]:
    graphs = {name: GRAPHS[name] for name in ("slow", "ticker")}
    proc = ServerProcess(
        write_config(tmp_path, graphs, model=False), "--shutdown_timeout_seconds", "30"
    )
    yield proc
    proc.stop()


class HealthWatch:
    """A ``grpc.health.v1`` Watch, as a balancer keeps one: the statuses it was sent."""

    def __init__(self, url: str) -> None:
        self.channel = grpc.insecure_channel(url)
        self.statuses: list[int] = []
        watch = health_pb2_grpc.HealthStub(self.channel).Watch(health_pb2.HealthCheckRequest())
        threading.Thread(target=self._collect, args=(watch,), daemon=True).start()

    def _collect(self, watch: Iterator[health_pb2.HealthCheckResponse]) -> None:
        try:
            for response in watch:
                self.statuses.append(response.status)
        except grpc.RpcError:
            pass


def test_sigterm_turns_not_ready_refuses_new_streams_and_lets_open_ones_finish(
    draining: ServerProcess,
) -> None:
    health = HealthWatch(draining.grpc_url)
    assert wait_for(lambda: health.statuses == [SERVING])
    grpc_stream = Stream(draining.grpc_url)
    for _ in range(5):
        grpc_stream.send("slow", {"in": np.zeros(4, FP)})
    assert grpc_stream.data("out")[0] == 0
    with (
        httpx.Client(base_url=draining.rest_url, timeout=30) as http,
        connect_sse(http, "POST", "/v2/models/ticker/infer_stream", json=TRIGGER) as sse,
    ):
        events = sse.iter_sse()
        first = json.loads(next(events).data)
        draining.proc.send_signal(signal.SIGTERM)
        assert wait_for(lambda: health.statuses == [SERVING, NOT_SERVING])
        health.channel.close()  # an open Watch would hold the gRPC drain to its timeout

        refused = Stream(draining.grpc_url, channel_args=[("grpc.use_local_subchannel_pool", 1)])
        with contextlib.suppress(InferenceServerException):  # it may have failed already
            refused.send("slow", {"in": np.zeros(4, FP)})
        assert status_of(refused.error()) == "StatusCode.UNAVAILABLE"
        refused.close()

        left = grpc_stream.close()  # the gRPC stream ends first: REST must still drain
        assert [error for _, error in left if error is not None] == []
        assert len(left) == 4
        ticks = [first, *(json.loads(event.data) for event in events)]
    assert [t["outputs"][0]["data"][0] for t in ticks] == list(range(TICKS))
    assert draining.proc.wait(timeout=60) == 0
