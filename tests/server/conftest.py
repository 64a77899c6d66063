"""A real pipeserve server in a subprocess (tritonclient owns `inference` in this process)."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipeserve.clients.local_server import free_ports

from .graphs import write_config

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240.0
"""A hang guard for a process of this project to come up: a server (imports, model compiles)
or a command. On the 2-core box at load average 10-14 a server took up to 52 s, a command
that only parsed its flags 28 s; a process that fails exits and is reported at once."""


def read_metric(rest_url: str, metric: str, **labels: str) -> float:
    """Sum of the samples of ``metric`` at ``rest_url``/metrics whose labels include ``labels``."""
    text = httpx.get(f"{rest_url}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith((metric + "{", metric + " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


class ServerProcess:
    """``python -m tests.server.serve`` (the pipeserve CLI plus test calculators)."""

    def __init__(
        self, config_path: Path, *flags: str, use_config: bool = True, rest_ca: Path | None = None
    ) -> None:
        """``rest_ca``: the CA that signed the REST certificate, when REST runs over HTTPS."""
        self.config_path = config_path
        self.rest_verify: ssl.SSLContext | bool = (
            True if rest_ca is None else ssl.create_default_context(cafile=rest_ca)
        )
        self.scheme = "http" if rest_ca is None else "https"
        self.grpc_port, self.rest_port = free_ports(2)
        self.log_path = Path(tempfile.gettempdir()) / f"pipeserve-server-{self.grpc_port}.log"
        args = [
            sys.executable,
            "-m",
            "tests.server.serve",
            *(["--config_path", str(config_path)] if use_config else []),
            "--port",
            str(self.grpc_port),
            "--rest_port",
            str(self.rest_port),
            "--log_level",
            "WARNING",
            *flags,
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.rest_port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log}")
            try:
                live = httpx.get(
                    f"{self.rest_url}/v2/health/live", timeout=1, verify=self.rest_verify
                )
                if live.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not live after {START_TIMEOUT}s:\n{self.log}")

    def threads(self) -> int:
        """The server process's current thread count."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE).group(1))  # type: ignore[union-attr]

    def metric(self, metric: str, **labels: str) -> float:
        """Sum of a metric's samples whose labels include ``labels``."""
        return read_metric(self.rest_url, metric, **labels)

    def terminate(self) -> int:
        """SIGTERM and wait; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def server_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("pipeserve-config"))


@pytest.fixture(scope="session")
def server(server_config: Path) -> Iterator[ServerProcess]:
    """One server for the read-only tests (every test graph and the `double` model)."""
    proc = ServerProcess(server_config, "--file_system_poll_wait_seconds", "0")
    yield proc
    proc.stop()


def spawned_children(server: ServerProcess) -> set[int]:
    """The server's spawned child processes (workers or graph processes, not
    multiprocessing's helpers)."""
    pid = server.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = set()
    for child in map(int, children):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except FileNotFoundError:
            continue
    return found


def wait_for(predicate: object, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``predicate()`` until true or ``timeout``; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = bool(predicate())  # type: ignore[operator]
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
