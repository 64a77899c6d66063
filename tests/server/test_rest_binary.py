"""KServe's binary tensor data extension on REST, driven by unchanged ``tritonclient.http``
(which sends inputs and asks for outputs in binary by default)."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess
from .graphs import MODEL_NAME

HEADER = "Inference-Header-Content-Length"


@pytest.fixture()
def client(server: ServerProcess) -> httpclient.InferenceServerClient:
    return httpclient.InferenceServerClient(server.rest_url.removeprefix("http://"))


def infer_input(name: str, array: np.ndarray, datatype: str, binary: bool) -> httpclient.InferInput:
    inp = httpclient.InferInput(name, list(array.shape), datatype)
    inp.set_data_from_numpy(array, binary_data=binary)
    return inp


def test_binary_inputs_and_outputs_by_default(client: httpclient.InferenceServerClient) -> None:
    x = np.array([[1.5, 2.0, -3.0]], np.float32)
    result = client.infer(MODEL_NAME, [infer_input("x", x, "FP32", binary=True)])
    (output,) = result.get_response()["outputs"]
    assert "binary_data_size" in output["parameters"] and "data" not in output
    np.testing.assert_array_equal(result.as_numpy(output["name"]), 2 * x)


def test_bytes_round_trip_in_binary(client: httpclient.InferenceServerClient) -> None:
    text = np.array([b"caf\xc3\xa9", b"", b"\x00\xff"], dtype=object)
    result = client.infer("passthrough", [infer_input("in", text, "BYTES", binary=True)])
    assert result.as_numpy("out").tolist() == text.tolist()


def test_binary_and_json_inputs_mix_and_outputs_follow_the_request(
    client: httpclient.InferenceServerClient,
) -> None:
    a = np.array([2], np.int32)
    b = np.array([40], np.int32)
    inputs = [infer_input("a", a, "INT32", binary=True), infer_input("b", b, "INT32", binary=False)]
    as_json = httpclient.InferRequestedOutput("sum", binary_data=False)
    result = client.infer("sum", inputs, outputs=[as_json])
    (output,) = result.get_response()["outputs"]
    assert output["data"] == [42]
    binary = client.infer("sum", inputs, outputs=[httpclient.InferRequestedOutput("sum")])
    assert binary.as_numpy("sum").tolist() == [42]


@pytest.mark.parametrize(
    ("header", "tail", "message"),
    [
        ("999", b"", "is not a length within"),
        (None, b"\x00" * 3, "runs past the 3 bytes"),
        (None, b"\x00" * 20, "add up to 12"),
    ],
)
def test_inconsistent_binary_bodies_are_400(
    server: ServerProcess, header: str | None, tail: bytes, message: str
) -> None:
    body = {
        "inputs": [
            {
                "name": "x",
                "datatype": "FP32",
                "shape": [1, 3],
                "parameters": {"binary_data_size": 12},
            }
        ]
    }
    head = json.dumps(body).encode()
    reply = httpx.post(
        f"{server.rest_url}/v2/models/{MODEL_NAME}/infer",
        content=head + tail,
        headers={HEADER: header or str(len(head))},
        timeout=10,
    )
    assert reply.status_code == 400
    assert message in reply.json()["error"]


def test_a_binary_input_of_the_wrong_size_is_rejected(
    client: httpclient.InferenceServerClient,
) -> None:
    x = np.zeros((1, 2), np.float32)
    bad = httpclient.InferInput("x", [1, 2], "FP32")
    bad.set_data_from_numpy(x)
    bad.set_shape([1, 3])
    with pytest.raises(InferenceServerException, match="raw buffer has 8 bytes"):
        client.infer(MODEL_NAME, [bad])
