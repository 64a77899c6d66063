"""A pipeserve server in a subprocess on free local ports, for tests, demos and benchmarks.

The server runs in its own process (``python -m pipeserve.cli``): this process keeps
tritonclient's protobuf messages, which cannot share a process with the server's stubs.

Example::

    with LocalServer(Path("demos/default/config.json")) as server:
        stream = GraphStream(server.url, "passthrough", "in", ["out"])
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tritonclient.utils import InferenceServerException

from .access import ServerAccess


def closed_by_server(socks: list[socket.socket], within: float) -> int:
    """How many of ``socks`` the server closes within ``within`` seconds (then all are closed
    here): a probe of the server's connection timeouts."""
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed, deadline = 0, time.monotonic() + within
    while closed < len(socks) and (left := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(timeout=left):
            try:
                data = key.fileobj.recv(1 << 16)  # type: ignore[union-attr]
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                closed += 1
    for sock in socks:
        sock.close()
    return closed


_HANDED_OUT: set[int] = set()
"""Ports ``free_ports`` returned before: a server started with them may not have bound them
yet (it binds after its imports, seconds later), so the kernel could offer them again."""


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on 127.0.0.1 right now, none returned before by this
    process. (Asked one at a time, the kernel may offer a just-released port again.)"""
    ports: list[int] = []
    held: list[socket.socket] = []
    try:
        while len(ports) < count:
            sock = socket.socket()
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
            if port not in _HANDED_OUT:
                ports.append(port)
    finally:
        for sock in held:
            sock.close()
    _HANDED_OUT.update(ports)
    return ports


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (see ``free_ports``)."""
    return free_ports(1)[0]


def write_config(folder: Path, graphs: dict[str, str]) -> Path:
    """Write an OVMS-style config serving each ``{name: pbtxt text}`` graph; returns its path."""
    entries = []
    for name, text in graphs.items():
        path = folder / f"{name}.pbtxt"
        path.write_text(text)
        entries.append({"name": name, "graph_path": str(path.resolve())})
    config = folder / "config.json"
    config.write_text(json.dumps({"model_config_list": [], "mediapipe_config_list": entries}))
    return config


class LocalServer:
    """``python -m pipeserve.cli`` serving ``config`` (plus ``flags``); ``url`` is its gRPC
    address.

    The server's output goes to ``log`` (default: a new temporary file); ``with`` waits
    until it is ready and stops it.
    """

    def __init__(
        self,
        config: Path,
        log: Path | None = None,
        ready_timeout: float = 240.0,
        flags: Sequence[str] = (),
        access: ServerAccess | None = None,
    ) -> None:
        """``flags``: more server flags; ``access``: how to reach it (when ``flags`` set TLS);
        ``ready_timeout``: a hang guard (a start that fails exits and is reported at once; a
        loaded 2-core machine took up to ~50 s to start the holistic models)."""
        port, self.rest_port = free_ports(2)
        self.access = access or ServerAccess()
        self.url = f"127.0.0.1:{port}"
        if log is None:
            handle, name = tempfile.mkstemp(prefix="pipeserve-", suffix=".log")
            os.close(handle)
            log = Path(name)
        self.log = log
        self.ready_timeout = ready_timeout
        command = [sys.executable, "-m", "pipeserve.cli", "--config_path", str(config)]
        command += ["--port", str(port), "--rest_port", str(self.rest_port), *flags]
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_bytes(self) -> int:
        """The server's resident memory (``VmRSS`` in ``/proc/<pid>/status``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def __enter__(self) -> LocalServer:
        try:
            self.wait_ready(self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalServer({self.url!r}, pid={self.pid})"

    def wait_ready(self, timeout: float, graphs: Sequence[str] = ()) -> None:
        """Poll until the server and ``graphs`` are ready; raise with the log's tail if not."""
        client = self.access.client(self.url)
        headers = self.access.headers()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                try:
                    ready = client.is_server_ready() and all(
                        client.is_model_ready(graph, headers=headers) for graph in graphs
                    )
                    if ready:
                        return
                except InferenceServerException:
                    pass
                time.sleep(0.2)
        finally:
            client.close()
        raise TimeoutError(f"server not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
