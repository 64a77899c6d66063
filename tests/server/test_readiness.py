"""Readiness tells the truth, with one rule for gRPC, REST and grpc.health.v1 (over the wire)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import grpc
import httpx
import pytest
import tritonclient.grpc as grpcclient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tritonclient.utils import InferenceServerException

from pipeserve.server.config import load_config
from pipeserve.server.readiness import Readiness
from pipeserve.server.servables import Servables, ServableStore

from .conftest import ServerProcess, wait_for
from .graphs import MODEL_NAME, write_double_model
from .test_model_loader import GRAPH

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def write_unready_config(root: Path) -> Path:
    """Graph ``g`` needs model ``double`` whose folder is missing; model ``bad`` is an IR
    file OpenVINO cannot read."""
    (root / "g").mkdir()
    (root / "g" / "graph.pbtxt").write_text(GRAPH)
    (root / "bad" / "1").mkdir(parents=True)
    for name in ("model.xml", "model.bin"):
        (root / "bad" / "1" / name).write_bytes(b"not a model")
    config = {
        "model_config_list": [
            {"config": {"name": MODEL_NAME, "base_path": f"models/{MODEL_NAME}"}},
            {"config": {"name": "bad", "base_path": "bad"}},
        ],
        "mediapipe_config_list": [{"name": "g", "base_path": "g"}],
    }
    path = root / "config.json"
    path.write_text(json.dumps(config))
    return path


def fix_bad_model_in_place(root: Path) -> None:
    """Valid IR files replace ``bad``'s under the same names (the folder listing is as before)."""
    write_double_model(root / "fixed")
    for suffix in ("xml", "bin"):
        os.replace(
            root / "fixed" / "1" / f"{MODEL_NAME}.{suffix}", root / "bad" / "1" / f"model.{suffix}"
        )


def health(url: str) -> int:
    with grpc.insecure_channel(url) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
        return int(reply.status)


def readiness(proc: ServerProcess) -> dict[str, object]:
    """Every ready answer: gRPC, REST and grpc.health.v1."""
    client = grpcclient.InferenceServerClient(proc.grpc_url)
    rest = httpx.Client(base_url=proc.rest_url, timeout=5)
    return {
        "grpc server": client.is_server_ready(),
        "grpc g": client.is_model_ready("g"),
        "grpc bad": client.is_model_ready("bad"),
        "rest server": rest.get("/v2/health/ready").status_code,
        "rest g": rest.get("/v2/models/g/ready").status_code,
        "rest bad": rest.get("/v2/models/bad/ready").status_code,
        "health": health(proc.grpc_url),
    }


NOT_READY = {
    "grpc server": False,
    "grpc g": False,
    "grpc bad": False,
    "rest server": 503,
    "rest g": 503,
    "rest bad": 503,
    "health": NOT_SERVING,
}
READY = {
    "grpc server": True,
    "grpc g": True,
    "grpc bad": True,
    "rest server": 200,
    "rest g": 200,
    "rest bad": 200,
    "health": SERVING,
}


def test_missing_model_folder_and_unreadable_model_are_not_ready_until_they_load(
    tmp_path: Path,
) -> None:
    proc = ServerProcess(write_unready_config(tmp_path), "--file_system_poll_wait_seconds", "0.1")
    try:
        client = grpcclient.InferenceServerClient(proc.grpc_url)
        assert readiness(proc) == NOT_READY
        assert "graph g not ready: node 'OpenVINOModelServerSessionCalculator'" in proc.log
        assert "model bad unavailable: OpenVINO cannot load" in proc.log

        write_double_model(tmp_path / "models" / MODEL_NAME)  # a version folder appears
        assert wait_for(lambda: client.is_model_ready("g"), timeout=30)
        assert not client.is_server_ready()  # `bad` still cannot load

        fix_bad_model_in_place(tmp_path)
        os.utime(proc.config_path)  # touch: the files changed, their names did not
        assert wait_for(lambda: readiness(proc) == READY, timeout=30), readiness(proc)
    finally:
        proc.stop()


def test_unknown_names_are_not_found_on_both_transports(server: ServerProcess) -> None:
    client = grpcclient.InferenceServerClient(server.grpc_url)
    with pytest.raises(InferenceServerException) as info:
        client.is_model_ready("nope")
    assert info.value.status() == "StatusCode.NOT_FOUND"
    assert info.value.message() == "Model with requested name and/or version is not found: 'nope'"
    reply = httpx.get(f"{server.rest_url}/v2/models/nope/ready", timeout=5)
    assert reply.status_code == 404
    assert reply.json() == {
        "error": "Model with requested name and/or version is not found: 'nope'"
    }


def test_draining_makes_a_ready_server_not_ready(tmp_path: Path) -> None:
    write_double_model(tmp_path / "models" / MODEL_NAME)
    config = {
        "model_config_list": [{"config": {"name": MODEL_NAME, "base_path": f"models/{MODEL_NAME}"}}]
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    readiness = Readiness(ServableStore(Servables.build(load_config(tmp_path / "config.json"))))
    seen: list[bool] = []
    readiness.watch(seen.append)

    readiness.drain()

    assert (readiness.server_ready(), readiness.model_ready(MODEL_NAME)) == (False, False)
    assert seen == [True, False]
