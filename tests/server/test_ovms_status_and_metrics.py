"""OVMS's monitoring surface: ``GET /v1/config`` and the ``ovms_*`` metric names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import tritonclient.grpc as grpcclient

from .conftest import START_TIMEOUT, ServerProcess
from .graphs import GRAPHS, MODEL_NAME, write_config

OK = {"error_code": "OK", "error_message": "OK"}


def test_config_status_lists_every_servable_in_ovms_form(server: ServerProcess) -> None:
    reply = httpx.get(f"{server.rest_url}/v1/config", timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    assert body["words"] == {
        "model_version_status": [{"version": "1", "state": "AVAILABLE", "status": OK}]
    }
    assert body[MODEL_NAME]["model_version_status"] == [
        {"version": "1", "state": "AVAILABLE", "status": OK}
    ]
    (broken,) = body["broken"]["model_version_status"]
    assert broken["state"] == "LOADING" and broken["status"]["error_code"] == "UNKNOWN"
    assert "NoSuchCalculator" in broken["status"]["error_message"]


def test_ovms_metric_names_count_next_to_ours(server: ServerProcess) -> None:
    labels = {"api": "KServe", "interface": "gRPC", "method": "Stream", "name": "passthrough"}
    before = server.metric("ovms_requests_accepted_total", **labels)
    responses = server.metric("ovms_responses_total", **labels)
    ours = server.metric("pipeserve_requests_accepted_total", name="passthrough")
    client = grpcclient.InferenceServerClient(server.grpc_url)
    done: list[object] = []
    client.start_stream(callback=lambda result, error: done.append(error or result))
    tensor = grpcclient.InferInput("in", [1], "INT64")
    tensor.set_data_from_numpy(np.array([7], np.int64))
    client.async_stream_infer("passthrough", [tensor])
    client.stop_stream()  # waits for the response
    client.close()

    assert len(done) == 1 and not isinstance(done[0], Exception)
    assert server.metric("ovms_requests_accepted_total", **labels) == before + 1
    assert server.metric("ovms_responses_total", **labels) == responses + 1
    assert server.metric("pipeserve_requests_accepted_total", name="passthrough") == ours + 1
    assert server.metric("ovms_current_graphs", name="passthrough") == 0
    time = server.metric("ovms_request_time_us_count", interface="gRPC", name="passthrough")
    assert time >= 1


def test_ovms_model_metrics_count_grpc_and_rest_calls(server: ServerProcess) -> None:
    def metric(family: str, interface: str = "", **labels: str) -> float:
        if interface:
            labels.update(api="KServe", interface=interface, method="ModelInfer")
        return server.metric(family, name=MODEL_NAME, version="1", **labels)

    before = {
        (family, interface): metric(family, interface)
        for family in ("ovms_requests_success_total", "ovms_requests_fail_total")
        for interface in ("gRPC", "REST")
    }
    inferences = metric("ovms_inference_time_us_count")
    times = "ovms_request_time_us_count"
    rest_times = server.metric(times, interface="REST", name=MODEL_NAME, version="1")
    client = grpcclient.InferenceServerClient(server.grpc_url)
    for shape in ([1, 3], [1, 3], [1, 4]):  # two good calls, one the model refuses
        tensor = grpcclient.InferInput("x", shape, "FP32")
        tensor.set_data_from_numpy(np.ones(shape, np.float32))
        try:
            client.infer(MODEL_NAME, [tensor])
        except Exception:
            assert shape == [1, 4]
    client.close()
    body = {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}
    reply = httpx.post(f"{server.rest_url}/v2/models/{MODEL_NAME}/infer", json=body, timeout=30)
    assert reply.status_code == 200 and reply.json()["outputs"][0]["data"] == [2, 4, 6]

    def grew(family: str, interface: str) -> float:
        return metric(family, interface) - before[family, interface]

    assert grew("ovms_requests_success_total", "gRPC") == 2
    assert grew("ovms_requests_fail_total", "gRPC") == 1
    assert grew("ovms_requests_success_total", "REST") == 1
    assert grew("ovms_requests_fail_total", "REST") == 0
    assert metric("ovms_inference_time_us_count") == inferences + 3  # the refused one ran too
    assert server.metric(times, interface="REST", name=MODEL_NAME, version="1") == rest_times + 1
    assert metric("ovms_current_requests") == 0


def test_ovms_metric_flags_are_accepted(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    flags = ["--metrics_enable", "--metrics_list", "ovms_requests_success,ovms_responses"]
    run = subprocess.run(
        [sys.executable, "-m", "pipeserve.cli", "--config_path", str(missing), *flags],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert run.returncode == 2  # the missing config, not the flags, stops it
    assert "cannot read config" in run.stderr and "unrecognized" not in run.stderr


def test_reload_request_applies_a_changed_config_when_polling_is_off(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"passthrough": GRAPHS["passthrough"]}, model=False)
    server = ServerProcess(config, "--file_system_poll_wait_seconds", "0")
    try:
        reload_url = f"{server.rest_url}/v1/config/reload"
        unchanged = httpx.post(reload_url, timeout=30)
        assert unchanged.status_code == 200 and list(unchanged.json()) == ["passthrough"]

        data = json.loads(config.read_text())
        (tmp_path / "words").mkdir()
        (tmp_path / "words" / "graph.pbtxt").write_text(GRAPHS["words"])
        data["mediapipe_config_list"].append({"name": "words", "base_path": "words"})
        config.write_text(json.dumps(data))
        reloaded = httpx.post(reload_url, timeout=30)
        assert reloaded.status_code == 201 and sorted(reloaded.json()) == ["passthrough", "words"]
        assert httpx.get(f"{server.rest_url}/v2/models/words/ready").status_code == 200

        config.write_text("{ not json")
        failed = httpx.post(reload_url, timeout=30)
        assert failed.status_code == 400 and "not valid JSON" in failed.json()["error"]
        still = httpx.get(f"{server.rest_url}/v1/config", timeout=10).json()
        assert sorted(still) == ["passthrough", "words"]  # the previous config keeps serving
    finally:
        server.stop()
