"""A real pipeserve server in a subprocess on ephemeral ports (tritonclient stays in ours)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

PASSTHROUGH_GRAPH = """
input_stream: "in"
output_stream: "out"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, graphs: dict[str, str]) -> Path:
    """An OVMS-style config serving each ``name: pbtxt text`` graph."""
    entries = []
    for name, text in graphs.items():
        path = folder / f"{name}.pbtxt"
        path.write_text(text)
        entries.append({"name": name, "graph_path": str(path.resolve())})
    config = folder / "config.json"
    config.write_text(json.dumps({"model_config_list": [], "mediapipe_config_list": entries}))
    return config


class ServerProcess:
    """``python -m pipeserve.cli`` serving ``config``; ``url`` is its gRPC address."""

    def __init__(self, config: Path, log: Path) -> None:
        port = free_port()
        self.url = f"127.0.0.1:{port}"
        self.log = log
        command = [sys.executable, "-m", "pipeserve.cli", "--config_path", str(config)]
        command += ["--port", str(port), "--rest_port", str(free_port())]
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        client = grpcclient.InferenceServerClient(self.url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                try:
                    if client.is_server_ready():
                        return
                except InferenceServerException:
                    pass
                time.sleep(0.2)
        finally:
            client.close()
        raise TimeoutError(f"server not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
