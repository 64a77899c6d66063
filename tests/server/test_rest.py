"""Spec §8 REST: KServe v2 JSON, infer_stream over SSE and JSON lines, /metrics (§9)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import connect_sse

from .conftest import ServerProcess, wait_for
from .graphs import MODEL_NAME

WORDS = {
    "inputs": [
        {
            "name": "text",
            "shape": [1],
            "datatype": "BYTES",
            "parameters": {"content_type": "str"},
            "data": ["to be or"],
        }
    ]
}


@pytest.fixture()
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.rest_url, timeout=20) as client:
        yield client


def test_health_endpoints(http: httpx.Client) -> None:
    assert http.get("/v2/health/live").json() == {"live": True}
    assert http.get("/v2/health/ready").status_code == 503  # `broken` is unavailable
    assert http.get("/v2/models/words/ready").json() == {"ready": True}
    assert http.get("/v2/models/words/versions/1/ready").status_code == 200
    assert http.get("/v2/models/broken/ready").status_code == 503
    unknown = http.get("/v2/models/nope/ready")
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]
    assert http.get("/v2/models/words/versions/7/ready").status_code == 404


def test_metadata_endpoints(http: httpx.Client) -> None:
    assert http.get("/v2").json()["extensions"] == ["model_stream_infer", "binary_tensor_data"]
    meta = http.get("/v2/models/words").json()
    assert meta["platform"] == "pipeserve" and meta["inputs"][0]["name"] == "text"
    missing = http.get("/v2/models/missing")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "Model with requested name and/or version is not found: 'missing'"
    }


def test_infer_on_a_model(http: httpx.Client) -> None:
    body = {
        "id": "7",
        "inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [[1, 2, 3]]}],
    }
    reply = http.post(f"/v2/models/{MODEL_NAME}/infer", json=body).json()
    assert reply["id"] == "7" and reply["outputs"][0]["data"] == [2, 4, 6]


def test_infer_stream_sse_yields_one_event_per_packet_with_timestamps(
    http: httpx.Client,
) -> None:
    with connect_sse(http, "POST", "/v2/models/words/infer_stream", json=WORDS) as source:
        events = [(e.event, json.loads(e.data)) for e in source.iter_sse()]
    assert [e for e, _ in events] == ["message"] * 3
    assert [d["parameters"]["OVMS_MP_TIMESTAMP"] for _, d in events] == [0, 1, 2]
    assert [d["outputs"][0]["data"] for _, d in events] == [["to"], ["be"], ["or"]]
    assert events[0][1]["model_name"] == "words" and events[0][1]["model_version"] == "1"


def test_generate_stream_alias_with_manual_timestamp(http: httpx.Client) -> None:
    body = {**WORDS, "parameters": {"OVMS_MP_TIMESTAMP": 40}}
    with connect_sse(http, "POST", "/v2/models/words/generate_stream", json=body) as source:
        stamps = [json.loads(e.data)["parameters"]["OVMS_MP_TIMESTAMP"] for e in source.iter_sse()]
    assert stamps == [40, 41, 42]


def test_infer_stream_json_lines(http: httpx.Client) -> None:
    headers = {"Accept": "application/x-ndjson"}
    with http.stream("POST", "/v2/models/words/infer_stream", json=WORDS, headers=headers) as reply:
        assert reply.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in reply.iter_lines() if line]
    assert [line["outputs"][0]["data"][0] for line in lines] == ["to", "be", "or"]


def test_graph_error_is_an_sse_error_event_then_the_stream_ends(http: httpx.Client) -> None:
    body = {"inputs": [{"name": "in", "shape": [1], "datatype": "INT64", "data": [-1]}]}
    with connect_sse(http, "POST", "/v2/models/fail/infer_stream", json=body) as source:
        events = list(source.iter_sse())
    assert [e.event for e in events] == ["error"]
    assert json.loads(events[0].data)["error"].startswith("Mediapipe execution failed.")


def test_bad_request_is_400_before_streaming(http: httpx.Client) -> None:
    body = {"id": "r7", "inputs": [{"name": "in", "shape": [2], "datatype": "INT64", "data": [1]}]}
    reply = http.post("/v2/models/fail/infer_stream", json=body)
    assert reply.status_code == 400
    assert reply.json()["error"] == (
        "input 'in': contents has 1 elements, shape [2] needs 2 [request id: r7]"
    )


def test_unknown_graph_stream_is_404_before_streaming(http: httpx.Client) -> None:
    reply = http.post("/v2/models/missing/infer_stream", json=WORDS)
    assert reply.status_code == 404
    assert reply.json()["error"].startswith("Mediapipe graph definition with requested name")


def test_malformed_json_is_400(http: httpx.Client) -> None:
    reply = http.post("/v2/models/words/infer", json={"inputs": [{"name": "text"}]})
    assert reply.status_code == 400 and reply.json()["error"].startswith("malformed request")


def test_metrics_count_streams_and_unary_calls(server: ServerProcess, http: httpx.Client) -> None:
    with connect_sse(http, "POST", "/v2/models/words/infer_stream", json=WORDS) as source:
        assert len(list(source.iter_sse())) == 3
    http.post(
        f"/v2/models/{MODEL_NAME}/infer",
        json={"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]},
    )
    text = http.get("/metrics").text
    for metric in (
        "pipeserve_requests_accepted_total",
        "pipeserve_requests_rejected_total",
        "pipeserve_responses_sent_total",
        "pipeserve_graph_errors_total",
        "pipeserve_streams_open",
        "pipeserve_processing_seconds_bucket",
    ):
        assert metric in text, metric
    assert (
        server.metric("pipeserve_responses_sent_total", name="words", method="rest_infer_stream")
        >= 3
    )
    assert (
        server.metric("pipeserve_requests_accepted_total", name=MODEL_NAME, method="rest_infer")
        >= 1
    )


def test_client_leaving_an_sse_stream_cancels_its_graph(server: ServerProcess) -> None:
    # `crawl`: 100 packets passed on 0.1 s apart (steps a cancel can stop), a 10 s graph run,
    # so "cancelled" (released at once) is told from "ran to its end" (released 10 s later)
    # whatever the machine's load.
    body = {"inputs": [{"name": "in", "shape": [2], "datatype": "FP32", "data": [100, 0]}]}

    def released() -> bool:
        return (
            server.metric("pipeserve_streams_open") == 0
            and server.metric("pipeserve_graph_threads") == 0
            and server.metric("pipeserve_graphs_live") == 0
        )

    assert wait_for(released)
    baseline = server.threads()
    with (
        httpx.Client(base_url=server.rest_url, timeout=20) as http,
        connect_sse(http, "POST", "/v2/models/crawl/infer_stream", json=body) as source,
    ):
        events = source.iter_sse()
        assert [json.loads(next(events).data)["outputs"][0]["data"] for _ in range(2)] == [[0], [1]]
        assert server.metric("pipeserve_streams_open", name="crawl") == 1
    # The client left after 2 of 100 ticks: the graph must go long before its 10 s end.
    assert wait_for(released, timeout=5)
    assert server.threads() <= baseline + 1  # the pool for blocking calls may keep one more
