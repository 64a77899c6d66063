"""A server for the hardening tests: the test graphs, holisticLandmarks, side-packet and burst
graphs, with a small per-stream output buffer; raw gRPC helpers that can misbehave on purpose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import numpy as np
from tritonclient.grpc import service_pb2 as pb

from .conftest import REPO, ServerProcess
from .graphs import GRAPHS, write_config

BUFFER_MB = 8
STREAM = "/inference.GRPCInferenceService/ModelStreamInfer"
INFER = "/inference.GRPCInferenceService/ModelInfer"
HOLISTIC = "holisticLandmarks"
EXTRA_GRAPHS = {
    "burst": """
input_stream: "in"
output_stream: "out"
node { calculator: "TestServerBurstCalculator" input_stream: "in" output_stream: "out" }
""",
    "side_to_stream": """
input_stream: "in"
output_stream: "value"
node { calculator: "SidePacketToStreamCalculator" input_stream: "TICK:in"
       input_side_packet: "label" output_stream: "AT_TICK:value" }
""",
}


def hardening_config(root: Path) -> Path:
    """Test graphs plus holisticLandmarks (models from the mediapipe wheel)."""
    path = write_config(root, {**GRAPHS, **EXTRA_GRAPHS}, model=False)
    demo = REPO / "demos" / "holistic_landmarks"
    (root / HOLISTIC).mkdir()
    shutil.copy(demo / "graph.pbtxt", root / HOLISTIC / "graph.pbtxt")
    config = json.loads(path.read_text())
    config["model_config_list"] = json.loads((demo / "config.json").read_text())[
        "model_config_list"
    ]
    config["mediapipe_config_list"].append({"name": HOLISTIC, "base_path": HOLISTIC})
    path.write_text(json.dumps(config, indent=1))
    return path


def start_server(root: Path) -> ServerProcess:
    return ServerProcess(
        hardening_config(root),
        "--file_system_poll_wait_seconds",
        "0",
        "--max_stream_buffer_mb",
        str(BUFFER_MB),
    )


def rss_mib(server: ServerProcess) -> float:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def request(
    model: str, inputs: list[tuple[str, str, list[int], bytes | None]], **fields: Any
) -> pb.ModelInferRequest:
    """A request with (name, datatype, shape, raw bytes or None) inputs."""
    msg = pb.ModelInferRequest(model_name=model, **fields)
    for name, datatype, shape, raw in inputs:
        msg.inputs.add(name=name, datatype=datatype, shape=shape)
        if raw is not None:
            msg.raw_input_contents.append(raw)
    return msg


def fp32(n: int, name: str = "in") -> tuple[str, str, list[int], bytes]:
    return (name, "FP32", [n], np.arange(n, dtype=np.float32).tobytes())


def stream_call(channel: grpc.Channel) -> Any:
    return channel.stream_stream(
        STREAM,
        request_serializer=None,
        response_deserializer=pb.ModelStreamInferResponse.FromString,
    )


class Collected:
    """Send serialized messages on one stream, half-close, collect everything in order."""

    def __init__(self, url: str, messages: list[bytes], timeout: float = 60) -> None:
        self.items: list[pb.ModelStreamInferResponse] = []
        self.code = grpc.StatusCode.OK
        self.details = ""
        with grpc.insecure_channel(url) as channel:
            try:
                for r in stream_call(channel)(iter(messages), timeout=timeout):
                    self.items.append(r)
            except grpc.RpcError as exc:
                self.code, self.details = exc.code(), exc.details() or ""

    @property
    def errors(self) -> list[str]:
        return [r.error_message for r in self.items if r.error_message]

    @property
    def data(self) -> list[pb.ModelInferResponse]:
        return [r.infer_response for r in self.items if not r.error_message]


def endless(message: bytes) -> Iterator[bytes]:
    while True:
        yield message
