"""Requested outputs (docs/streaming.md §5): a request's ``outputs`` list picks what comes back.

gRPC streams and unary calls, REST ``infer`` and ``infer_stream``, graphs and plain models;
no list returns every output (the rest of the suite covers that).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess
from .graphs import MODEL_NAME
from .streams import Stream, requested, status_of, tensor, timestamp

FP = np.float32
DELAYED_BODY = {"inputs": [{"name": "in", "shape": [1], "datatype": "FP32", "data": [3.0]}]}


def names_of(result: grpcclient.InferResult) -> list[str]:
    return [o.name for o in result.get_response().outputs]


def test_a_stream_returns_only_the_outputs_its_first_request_names(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("delayed", {"in": np.array([1], FP)}, ts=10, outputs=["later"])
        s.send("delayed", {"in": np.array([2], FP)}, ts=20)  # no list: the stream's holds
        s.send("delayed", {"in": np.array([3], FP)}, ts=30, outputs=["later"])  # the same
        left = s.close()
    assert all(error is None for _, error in left), left
    got = [(names_of(result), timestamp(result)) for result, _ in left]
    assert got == [(["later"], 10), (["later"], 20), (["later"], 30)]  # no "now" at all


def test_a_later_request_naming_other_outputs_is_refused_and_the_stream_goes_on(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("delayed", {"in": np.array([1], FP)}, ts=10, outputs=["now"])
        assert s.data("now")[0] == 10
        s.send("delayed", {"in": np.array([2], FP)}, ts=20, outputs=["now", "later"])
        error = s.error()
        assert status_of(error) == "None"  # in-stream: the call goes on
        assert "Subsequent request with different requested outputs" in error.message()
        assert "['now']" in error.message()
        s.send("delayed", {"in": np.array([3], FP)}, ts=30)
        assert s.data("now")[0] == 30  # the refused request pushed nothing


def test_a_first_request_naming_an_unknown_output_ends_the_call(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("delayed", {"in": np.array([1], FP)}, outputs=["now", "nope"])
        error = s.error()
    assert status_of(error) == "StatusCode.INVALID_ARGUMENT"
    assert "requested output 'nope' is not an output of 'delayed'" in error.message()
    assert "['later', 'now']" in error.message()


def test_unary_calls_return_the_requested_outputs(server: ServerProcess) -> None:
    client = grpcclient.InferenceServerClient(server.grpc_url)
    one = [tensor("in", np.array([4], FP))]
    assert names_of(client.infer("delayed", one)) == ["now", "later"]  # no list: all
    result = client.infer("delayed", one, outputs=requested(["later"]))
    assert names_of(result) == ["later"] and result.as_numpy("later").tolist() == [4.0]
    x = [tensor("x", np.ones((1, 3), FP))]
    assert names_of(client.infer(MODEL_NAME, x, outputs=requested(["y"]))) == ["y"]
    for name, inputs in (("delayed", one), (MODEL_NAME, x)):
        with pytest.raises(InferenceServerException) as info:
            client.infer(name, inputs, outputs=requested(["nope"]))
        assert status_of(info.value) == "StatusCode.INVALID_ARGUMENT"
        assert f"requested output 'nope' is not an output of '{name}'" in info.value.message()


@pytest.fixture()
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.rest_url, timeout=20) as client:
        yield client


def test_rest_infer_and_infer_stream_return_the_requested_outputs(http: httpx.Client) -> None:
    body = {**DELAYED_BODY, "outputs": [{"name": "later"}]}
    reply = http.post("/v2/models/delayed/infer", json=body)
    assert reply.status_code == 200, reply.text
    assert [o["name"] for o in reply.json()["outputs"]] == ["later"]
    headers = {"Accept": "application/x-ndjson"}
    with http.stream("POST", "/v2/models/delayed/infer_stream", json=body, headers=headers) as r:
        lines = [line for line in r.iter_lines() if line]
    assert [[o["name"] for o in json.loads(line)["outputs"]] for line in lines] == [["later"]]


def test_rest_requests_naming_an_unknown_output_are_400_with_json(http: httpx.Client) -> None:
    bad = {**DELAYED_BODY, "outputs": [{"name": "nope"}]}
    for path in ("infer", "infer_stream"):
        reply = http.post(f"/v2/models/delayed/{path}", json=bad)
        assert reply.status_code == 400, reply.text
        assert "requested output 'nope' is not an output of 'delayed'" in reply.json()["error"]
    nameless = {**DELAYED_BODY, "outputs": [{"parameters": {"binary_data": True}}]}
    reply = http.post("/v2/models/delayed/infer", json=nameless)
    assert reply.status_code == 400 and 'needs a "name"' in reply.json()["error"]
