"""``--workers 2``: two worker processes share the ports; streams spread per connection.

Each stream here has its own connection (``grpc.use_local_subchannel_pool``: without it,
gRPC channels to one address share one connection, and the kernel hands a connection to
one worker). The ``pid`` graph answers with the pid of the worker running the stream.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tritonclient.utils import InferenceServerException

from .conftest import REPO, START_TIMEOUT, ServerProcess, spawned_children, wait_for
from .graphs import GRAPHS, write_config
from .streams import Stream, status_of

FP = np.float32
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
MAX_STREAMS = 20
FRAMES = 3
ROUNDS = 3
"""The kernel picks a worker per connection by a hash: 16 fair coins fall 3:13 or worse 2.1 %
of the time, so the spread test takes the first of up to 3 rounds of 16 (all fail: 1e-5)."""


def open_streams(server: ServerProcess, count: int) -> list[Stream]:
    return [Stream(server.grpc_url, channel_args=OWN_CONNECTION) for _ in range(count)]


def serving_pid(stream: Stream, graph: str = "pid") -> int:
    """Send one frame; the pid of the worker that answered it."""
    with contextlib.suppress(InferenceServerException):  # an ended stream: its error follows
        stream.send(graph, {"in": np.zeros(1, FP)})
    return int(stream.data("pid")[1][0])


def close_all(streams: list[Stream]) -> list[object]:
    """Half-close every stream; the errors they ended with (none expected)."""
    return [error for s in streams for _, error in s.close() if error is not None]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    graphs = {name: GRAPHS[name] for name in ("pid", "slow")}
    return write_config(tmp_path_factory.mktemp("workers"), graphs, model=False)


@pytest.fixture(scope="module")
def workers(config: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        config,
        *("--workers", "2", "--max_streams", str(MAX_STREAMS), "--log_level", "INFO"),
        *("--file_system_poll_wait_seconds", "0.1"),
        *("--graph_processes", "0"),  # the pid graph answers with its worker's pid
    )
    assert wait_for(lambda: "2 workers serving" in proc.log, timeout=START_TIMEOUT), proc.log
    yield proc
    proc.stop()


def test_streams_on_separate_connections_spread_over_both_workers_and_metrics_count_all(
    workers: ServerProcess,
) -> None:
    shares: collections.Counter[int] = collections.Counter()
    for _ in range(ROUNDS):
        streams = open_streams(workers, 16)
        answered = [[serving_pid(s) for _ in range(FRAMES)] for s in streams]
        assert all(len(set(pids)) == 1 for pids in answered)  # a stream stays on its worker
        assert workers.metric("pipeserve_streams_open") == 16  # both workers' streams
        assert close_all(streams) == []
        shares = collections.Counter(pids[0] for pids in answered)
        if len(shares) == 2 and min(shares.values()) >= 16 // 4:
            break
    assert set(shares) == spawned_children(workers)
    assert min(shares.values()) >= 16 // 4, shares
    assert wait_for(lambda: workers.metric("pipeserve_streams_open") == 0)


def test_max_streams_is_server_wide_across_workers(workers: ServerProcess) -> None:
    assert wait_for(lambda: workers.metric("pipeserve_streams_open") == 0)
    streams = open_streams(workers, MAX_STREAMS)
    pids = {serving_pid(s) for s in streams}
    assert pids == spawned_children(workers)  # each worker alone holds fewer than the limit
    extra = Stream(workers.grpc_url, channel_args=OWN_CONNECTION)
    with contextlib.suppress(InferenceServerException):  # it may be refused before a message
        extra.send("pid", {"in": np.zeros(1, FP)})
    error = extra.error()
    assert status_of(error) == "StatusCode.RESOURCE_EXHAUSTED"
    assert f"this server's limit is {MAX_STREAMS}" in error.message()
    extra.close()
    assert close_all(streams) == []
    with Stream(workers.grpc_url, channel_args=OWN_CONNECTION) as again:
        serving_pid(again)


def test_config_reload_reaches_every_worker(workers: ServerProcess, config: Path) -> None:
    (config.parent / "pid_again").mkdir()
    (config.parent / "pid_again" / "graph.pbtxt").write_text(GRAPHS["pid"])
    data = json.loads(config.read_text())
    data["mediapipe_config_list"].append({"name": "pid_again", "base_path": "pid_again"})
    config.write_text(json.dumps(data))
    assert wait_for(
        lambda: all(f"[worker {i}] {RELOADED}" in workers.log for i in (0, 1)), timeout=20
    )
    streams = open_streams(workers, 16)
    pids = {serving_pid(s, "pid_again") for s in streams}
    assert close_all(streams) == []
    assert pids == spawned_children(workers)


RELOADED = "pipeserve.server.reloader: config reloaded"


def test_a_killed_worker_is_restarted_and_the_server_keeps_serving(
    workers: ServerProcess,
) -> None:
    streams = open_streams(workers, 8)
    on = {s: serving_pid(s) for s in streams}
    victim = max(set(on.values()), key=list(on.values()).count)
    survivors = [s for s, pid in on.items() if pid != victim]
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: len(spawned_children(workers) - {victim}) == 2, timeout=30), (
        workers.log[-2000:]
    )
    # the dead worker's streams no longer count as open, nor against --max_streams
    assert wait_for(lambda: workers.metric("pipeserve_streams_open") == len(survivors))
    assert wait_for(lambda: workers.log.count("serving (pid") == 3, timeout=START_TIMEOUT)
    fresh = open_streams(workers, 16)
    assert {serving_pid(s) for s in fresh} == spawned_children(workers)
    assert close_all(fresh) + close_all(survivors) == []
    for stream in streams:
        if stream not in survivors:
            stream.close(cancel=True)


def test_sigterm_drains_every_worker_then_exits_zero(workers: ServerProcess) -> None:
    streams = open_streams(workers, 6)
    for stream in streams:
        for _ in range(5):
            stream.send("slow", {"in": np.zeros(4, FP)})
    assert wait_for(lambda: workers.metric("pipeserve_streams_open") == 6)
    workers.proc.send_signal(signal.SIGTERM)
    left = [s.close() for s in streams]  # the clients half-close while the workers drain
    assert [len(results) for results in left] == [5] * 6
    assert [e for results in left for _, e in results if e is not None] == []
    assert workers.proc.wait(timeout=60) == 0, workers.log[-3000:]


def test_a_port_held_by_another_process_is_a_clear_start_up_error(config: Path) -> None:
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeserve.cli",
                "--workers",
                "2",
                "--port",
                str(port),
                "--config_path",
                str(config),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port} for gRPC: address already in use" in result.stderr
