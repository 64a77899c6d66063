"""Python nodes (OVMS's PythonExecutorCalculator) served to unchanged tritonclient clients.

A real server in a subprocess runs our own handler scripts and graphs: regular and
generative execution, concurrent streams, and every error OVMS documents, answered with
OVMS's codes and messages.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from tests.server.conftest import ServerProcess
from tests.server.streams import Stream, status_of, tensor, timestamp

from .graphs import GENERATOR_TWO, SUMMATOR, python_node, single, write_graphs

FP = np.float32
EXECUTE_ERRORS = [
    "raises",
    "returns_int",
    "returns_none",
    "returns_non_tensor",
    "unknown_output",
    "yields_without_loopback",
]
HALF_LOOPBACK = single("half", "summator.py").replace(
    'input_stream: "INPUT:in"', 'input_stream: "INPUT:in" input_stream: "LOOPBACK:loop"'
)
DUPLICATE_NAMES = (
    'input_stream: "OVMS_PY_TENSOR:in"\noutput_stream: "OVMS_PY_TENSOR:out"\n'
    + python_node("same", "misbehaving.py", ["INPUT:in"], ["OUTPUT:mid"])
    + python_node("same", "misbehaving.py", ["INPUT:mid"], ["OUTPUT:out"])
)
UNAVAILABLE = {
    "initialize_raises": (
        single("initialize_raises", "misbehaving.py"),
        "initialization failed: RuntimeError: cannot initialize",
    ),
    "missing_file": (single("node", "nowhere.py"), "the handler file does not exist"),
    "no_class": (single("node", "no_class.py"), "no OvmsPythonModel class"),
    "no_execute": (single("node", "no_execute.py"), "does not implement execute"),
    "unnamed": (single("", "summator.py"), "node needs a name"),
    "duplicate_names": (DUPLICATE_NAMES, "name 'same' is used twice"),
    "half_loopback": (HALF_LOOPBACK, "LOOPBACK is used, it must be defined on both"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    graphs = {
        "summator": SUMMATOR,
        "count": single("generator", "counting_generator.py", loopback=True),
        "count_two": GENERATOR_TWO,
        "endless": single("endless", "endless_generator.py", loopback=True),
        "custom": single("custom", "custom_datatype.py"),
        **{name: single(name, "misbehaving.py") for name in EXECUTE_ERRORS},
        **{name: graph for name, (graph, _) in UNAVAILABLE.items()},
    }
    config = write_graphs(tmp_path_factory.mktemp("python-nodes"), graphs)
    proc = ServerProcess(config, "--file_system_poll_wait_seconds", "0")
    yield proc
    proc.stop()


@pytest.fixture()
def client(server: ServerProcess) -> grpcclient.InferenceServerClient:
    return grpcclient.InferenceServerClient(server.grpc_url)


def test_summator_adds_two_inputs_over_grpc_rest_and_a_stream(server: ServerProcess) -> None:
    a, b = np.array([[1, 2, 3]], FP), np.array([[10, 20, 30]], FP)
    grpc_client = grpcclient.InferenceServerClient(server.grpc_url)
    result = grpc_client.infer("summator", [tensor("in1", a), tensor("in2", b)])
    out = result.get_output("out")
    assert (out.datatype, list(out.shape)) == ("FP32", [1, 3])
    assert result.as_numpy("out").tolist() == [[11, 22, 33]]

    body = {
        "inputs": [
            {"name": n, "datatype": "FP32", "shape": [1, 3], "data": x.ravel().tolist()}
            for n, x in (("in1", a), ("in2", b))
        ]
    }
    reply = httpx.post(f"{server.rest_url}/v2/models/summator/infer", json=body, timeout=10)
    assert reply.json()["outputs"] == [
        {"name": "out", "datatype": "FP32", "shape": [1, 3], "data": [11.0, 22.0, 33.0]}
    ]

    rest = httpclient.InferenceServerClient(server.rest_url.removeprefix("http://"))
    binary = [httpclient.InferInput(n, [1, 3], "FP32") for n in ("in1", "in2")]
    for inp, array in zip(binary, (a, b), strict=True):
        inp.set_data_from_numpy(array)  # KServe's binary extension, tritonclient's default
    assert rest.infer("summator", binary).as_numpy("out").tolist() == [[11, 22, 33]]

    with Stream(server.grpc_url) as stream:  # a client cannot replace the Python resources
        stream.send("summator", {"in1": a, "in2": b}, ts=7, py="/tmp/evil.py")
        ts, summed = stream.data("out")
        assert (ts, summed.tolist()) == (7, [[11, 22, 33]])


def test_a_generator_answers_one_request_with_a_message_per_yield(server: ServerProcess) -> None:
    stream = Stream(server.grpc_url)
    stream.send("count", {"in": np.array([3.5], FP)})
    messages = [stream.data("out") for _ in range(3)]
    assert [(ts, out.tolist()) for ts, out in messages] == [(0, [4.5]), (1, [5.5]), (2, [6.5])]
    assert stream.close() == []  # the generator finished: the stream ends cleanly


def test_two_inputs_in_one_request_give_six_alternating_messages(server: ServerProcess) -> None:
    stream = Stream(server.grpc_url)
    stream.send("count_two", {"in1": np.array([1.0], FP), "in2": np.array([10.0], FP)})
    messages = []
    for _ in range(6):
        result, error = stream.get()
        assert error is None
        (output,) = result.get_response().outputs
        messages.append((output.name, timestamp(result), result.as_numpy(output.name).tolist()))
    assert messages == [
        ("out1", 0, [2.0]), ("out2", 0, [11.0]), ("out1", 1, [3.0]),
        ("out2", 1, [12.0]), ("out1", 2, [4.0]), ("out2", 2, [13.0]),
    ]  # fmt: skip
    assert stream.close() == []


def test_concurrent_streams_through_one_generator_get_their_own_sequences(
    server: ServerProcess,
) -> None:
    streams = {start: Stream(server.grpc_url) for start in (1.0, 100.0, 1000.0)}
    for start, stream in streams.items():
        stream.send("count", {"in": np.array([start], FP)}, ts=50)
    for start, stream in streams.items():
        got = [stream.data("out") for _ in range(3)]
        assert [(ts, out.tolist()) for ts, out in got] == [
            (50 + i, [start + 1 + i]) for i in range(3)
        ]
        assert stream.close() == []


def test_new_input_while_generating_ends_the_stream_with_ovms_message(
    server: ServerProcess,
) -> None:
    stream = Stream(server.grpc_url)
    stream.send("endless", {"in": np.array([0.0], FP)}, ts=0)
    stream.data("out")
    stream.send("endless", {"in": np.array([0.0], FP)}, ts=1)
    error = None
    for _ in range(1_000_000):
        _, error = stream.get()
        if error is not None:
            break
    assert error is not None
    assert "Node is already processing data. Create new stream for another request." in str(
        error.message()
    )
    stream.close(cancel=True)


@pytest.mark.parametrize("graph", EXECUTE_ERRORS)
def test_a_failing_execute_is_answered_as_ovms_answers(
    server: ServerProcess, client: grpcclient.InferenceServerClient, graph: str
) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.infer(graph, [tensor("in", np.array([1.0], FP))])
    assert info.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "Mediapipe execution failed" in str(info.value.message())
    assert "Error occurred during graph execution" in str(info.value.message())

    stream = Stream(server.grpc_url)
    stream.send(graph, {"in": np.array([1.0], FP)})
    in_stream = stream.error()
    assert "Error occurred during graph execution" in str(in_stream.message())
    assert status_of(stream.error()) == "StatusCode.INVALID_ARGUMENT"  # then the stream ends
    stream.close()


@pytest.mark.parametrize("graph", sorted(UNAVAILABLE))
def test_a_definition_whose_python_node_cannot_load_is_unavailable(
    client: grpcclient.InferenceServerClient, graph: str
) -> None:
    assert client.is_model_ready("summator")
    assert not client.is_model_ready(graph)
    with pytest.raises(InferenceServerException) as info:
        client.infer(graph, [tensor("in", np.array([1.0], FP))])
    assert info.value.status() == "StatusCode.UNAVAILABLE"
    assert UNAVAILABLE[graph][1] in str(info.value.message())


def test_a_custom_datatype_goes_out_as_raw_bytes_with_the_tensors_shape(
    client: grpcclient.InferenceServerClient,
) -> None:
    response = client.infer("custom", [tensor("in", np.array([1.0], FP))]).get_response()
    (output,) = response.outputs
    assert (output.name, output.datatype, list(output.shape)) == ("out", "my_string", [3])
    assert response.raw_output_contents[0] == b"null0terminated0string0"


def test_a_raw_buffer_of_the_wrong_size_is_rejected(
    client: grpcclient.InferenceServerClient,
) -> None:
    short = grpcclient.InferInput("in1", [1, 3], "FP32")
    short._raw_content = b"\0" * 5
    with pytest.raises(InferenceServerException) as info:
        client.infer("summator", [short, tensor("in2", np.zeros((1, 3), FP))])
    assert info.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "Invalid Python tensor buffer size. Actual: 5; Expected: 12" in str(info.value.message())
