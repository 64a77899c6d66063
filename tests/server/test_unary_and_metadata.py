"""Unary ModelInfer (models and graphs, spec §7), health, metadata, reflection (§9)."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess
from .graphs import MODEL_NAME
from .streams import tensor


@pytest.fixture()
def client(server: ServerProcess) -> grpcclient.InferenceServerClient:
    return grpcclient.InferenceServerClient(server.grpc_url)


def test_health_and_readiness_per_model_and_graph(client: grpcclient.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert not client.is_server_ready()  # the `broken` graph is known but unavailable
    assert client.is_model_ready("passthrough") and client.is_model_ready(MODEL_NAME)
    assert client.is_model_ready("passthrough", "1")
    assert not client.is_model_ready("broken")
    for name, version in (("passthrough", "2"), ("missing", "")):
        with pytest.raises(InferenceServerException) as info:
            client.is_model_ready(name, version)
        assert info.value.status() == "StatusCode.NOT_FOUND"
        assert info.value.message().startswith("Model with requested name and/or version")


def test_server_metadata_names_the_streaming_extension(
    client: grpcclient.InferenceServerClient,
) -> None:
    meta = client.get_server_metadata()
    assert meta.name == "pipeserve" and "model_stream_infer" in meta.extensions


def test_graph_metadata_lists_streams(client: grpcclient.InferenceServerClient) -> None:
    meta = client.get_model_metadata("sum")
    assert (meta.name, list(meta.versions), meta.platform) == ("sum", ["1"], "pipeserve")
    assert [(t.name, t.datatype, list(t.shape)) for t in meta.inputs] == [
        ("a", "", []),
        ("b", "", []),
    ]
    assert [t.name for t in meta.outputs] == ["sum"]


def test_model_metadata_has_datatypes_and_shapes(client: grpcclient.InferenceServerClient) -> None:
    meta = client.get_model_metadata(MODEL_NAME)
    assert meta.platform == "OpenVINO" and list(meta.versions) == ["1"]
    assert [(t.name, t.datatype, list(t.shape)) for t in meta.inputs] == [("x", "FP32", [1, 3])]


def test_unknown_metadata_is_not_found(client: grpcclient.InferenceServerClient) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.get_model_metadata("missing")
    assert info.value.status() == "StatusCode.NOT_FOUND"


def test_unary_infer_on_a_plain_model(client: grpcclient.InferenceServerClient) -> None:
    x = np.array([[1, 2, 3]], np.float32)
    result = client.infer(MODEL_NAME, [tensor("x", x)], request_id="r1")
    assert result.as_numpy("y").tolist() == [[2, 4, 6]]
    assert result.get_response().id == "r1"


def test_unary_infer_on_a_model_with_wrong_input_is_invalid_argument(
    client: grpcclient.InferenceServerClient,
) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.infer(MODEL_NAME, [tensor("z", np.ones((1, 3), np.float32))])
    assert info.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "input 'z' is not an input of 'double'" in info.value.message()


def test_unary_infer_on_a_graph_runs_a_fresh_graph(
    client: grpcclient.InferenceServerClient,
) -> None:
    result = client.infer(
        "words", [tensor("text", np.array([b"hi there"], object))], request_id="abc"
    )
    assert result.as_numpy("word").tolist() == [b"hi"]  # the first packet of the stream
    assert result.get_response().id == "abc"


def test_unary_infer_on_a_graph_needs_every_input(
    client: grpcclient.InferenceServerClient,
) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.infer("sum", [tensor("a", np.ones(1, np.float32))])
    assert info.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "needs inputs ['b']" in info.value.message()


def test_unary_infer_output_without_packet_is_an_error_naming_it(
    client: grpcclient.InferenceServerClient,
) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.infer("previous", [tensor("in", np.ones(1, np.float32))])
    assert "produced no packet on ['prev']" in info.value.message()


def test_unary_infer_graph_error_is_invalid_argument(
    client: grpcclient.InferenceServerClient,
) -> None:
    with pytest.raises(InferenceServerException) as info:
        client.infer("fail", [tensor("in", np.array([-1], np.int64))])
    assert info.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert info.value.message().startswith("Mediapipe execution failed. MP status - ")


def test_grpc_health_service_follows_server_readiness(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "inference.GRPCInferenceService"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING  # `broken`


def test_grpc_reflection_lists_the_inference_service(server: ServerProcess) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        reply = next(stub.ServerReflectionInfo(iter([request]), timeout=5))
    names = {s.name for s in reply.list_services_response.service}
    assert "inference.GRPCInferenceService" in names and "grpc.health.v1.Health" in names
