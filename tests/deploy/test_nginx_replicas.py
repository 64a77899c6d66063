"""deploy/nginx: two pipeserve replicas behind a real nginx, started by the documented script."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from pipeserve.clients.local_server import free_port, free_ports
from tests.server.conftest import REPO, START_TIMEOUT, read_metric, wait_for
from tests.server.graphs import GRAPHS, PASSTHROUGH, write_config
from tests.server.streams import Stream

FP = np.float32
SCRIPT = REPO / "deploy" / "nginx" / "replicas.py"


def _need_nginx() -> None:
    if shutil.which("nginx") is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: .ci/run installs it with apt-get")
        pytest.skip("nginx is not installed (apt-get install nginx)")


def free_port_block(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(50):
        first = free_port()
        socks = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no block of {count} free ports")


class Replicas:
    """``deploy/nginx/replicas.py`` as the docs run it, with its output collected."""

    def __init__(self, config: Path, run_dir: Path, replicas: int = 2) -> None:
        self.replica_port = free_port_block(2 * replicas)
        block = range(self.replica_port, self.replica_port + 2 * replicas)
        self.port, self.rest_port = free_ports(2)
        while self.port in block or self.rest_port in block:
            self.port, self.rest_port = free_ports(2)
        self.run_dir = run_dir
        self.count = replicas
        args = [
            *(sys.executable, str(SCRIPT), "--replicas", str(replicas)),
            *("--port", str(self.port), "--rest_port", str(self.rest_port)),
            *("--replica_port", str(self.replica_port), "--run_dir", str(run_dir)),
            *("--", "--config_path", str(config), "--log_level", "WARNING"),
        ]
        self.proc = subprocess.Popen(
            args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        if not wait_for(self._ready, timeout=START_TIMEOUT, interval=0.2):
            self.stop()
            raise RuntimeError("replicas not ready:\n" + "".join(self.output))

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("replicas.py exited:\n" + "".join(self.output))
        try:
            return httpx.get(f"{self.rest_url}/v2/health/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def replica_rest_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.replica_port + 2 * index + 1}"

    def replica_pid(self, index: int) -> int:
        return int((self.run_dir / f"replica-{index}.pid").read_text())

    def open_streams(self, index: int) -> float:
        return read_metric(self.replica_rest_url(index), "pipeserve_streams_open")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


@pytest.fixture()
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    _need_nginx()
    graphs = {"previous": GRAPHS["previous"], "passthrough": PASSTHROUGH}
    config = write_config(tmp_path / "config", graphs, model=False)
    running = Replicas(config, tmp_path / "run")
    yield running
    running.stop()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _send(stream: Stream, values: range) -> None:
    for value in values:
        stream.send("previous", {"in": np.array([value], FP)})


def _previous_values(stream: Stream, count: int) -> list[float]:
    return [float(stream.data("prev")[1][0]) for _ in range(count)]


def test_streams_spread_over_both_replicas_and_survive_a_replica_draining(
    replicas: Replicas,
) -> None:
    streams = [Stream(replicas.grpc_url) for _ in range(4)]
    for i, stream in enumerate(streams):
        _send(stream, range(100 * i, 100 * i + 5))
        assert _previous_values(stream, 4) == list(range(100 * i, 100 * i + 4))
    assert [replicas.open_streams(r) for r in (0, 1)] == [2, 2]

    os.kill(replicas.replica_pid(0), signal.SIGTERM)
    assert wait_for(lambda: not _listening(replicas.replica_port))  # draining: no new streams
    newcomer = Stream(replicas.grpc_url)
    _send(newcomer, range(7000, 7003))
    assert _previous_values(newcomer, 2) == [7000, 7001]
    for i, stream in enumerate(streams):  # every stream, drained replica or not, keeps its state
        _send(stream, range(100 * i + 5, 100 * i + 10))
        assert _previous_values(stream, 5) == list(range(100 * i + 4, 100 * i + 9))
    assert replicas.open_streams(1) == 3  # the new stream went to the replica still serving
    for stream in [*streams, newcomer]:
        assert [error for _, error in stream.close() if error is not None] == []

    assert wait_for(lambda: "replica 0 exited with 0; restarting" in "".join(replicas.output))
    assert replicas.stop() == 0
