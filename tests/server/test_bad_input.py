"""Bad input never kills the server: each case answered clearly (raw gRPC, hand-built bytes).

Messages are built with tritonclient's copy of the KServe protos (same wire format); the
pipeserve stubs are never imported in the test process.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import numpy as np
import pytest
from tritonclient.grpc import service_pb2 as pb

from .conftest import ServerProcess
from .hardening import INFER, STREAM
from .hardening import request as infer_request


def fp32(
    name: str, shape: list[int], count: int | None = None
) -> tuple[str, str, list[int], bytes]:
    n = int(np.prod(shape)) if count is None else count
    return (name, "FP32", shape, np.arange(n, dtype=np.float32).tobytes())


class RawStream:
    """Send serialized messages on one stream, half-close, collect everything."""

    def __init__(self, server: ServerProcess, messages: list[bytes]) -> None:
        with grpc.insecure_channel(server.grpc_url) as channel:
            call = channel.stream_stream(
                STREAM,
                request_serializer=None,
                response_deserializer=pb.ModelStreamInferResponse.FromString,
            )
            responses = call(iter(messages), timeout=30)
            self.errors: list[str] = []
            self.data: list[pb.ModelInferResponse] = []
            self.code = grpc.StatusCode.OK
            self.details = ""
            try:
                for r in responses:
                    if r.error_message:
                        self.errors.append(r.error_message)
                    else:
                        self.data.append(r.infer_response)
            except grpc.RpcError as exc:
                self.code, self.details = exc.code(), exc.details() or ""


def check_in_stream_error(
    server: ServerProcess, bad: pb.ModelInferRequest | bytes, expected: str
) -> None:
    """``bad`` between two good requests: one in-stream error, both good ones answered."""
    good = infer_request("passthrough", [fp32("in", [2])]).SerializeToString()
    raw = bad if isinstance(bad, bytes) else bad.SerializeToString()
    result = RawStream(server, [good, raw, good])
    assert result.code == grpc.StatusCode.OK, result.details
    assert len(result.errors) == 1 and expected in result.errors[0], result.errors
    assert len(result.data) == 2


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        pytest.param(
            infer_request("passthrough", [fp32("in", [3], count=2)]),
            "input 'in': raw buffer has 8 bytes, shape [3] of FP32 needs 12",
            id="bytes",
        ),
        pytest.param(
            infer_request("passthrough", [("in", "FP8", [1], b"\0")]),
            "input 'in': unsupported datatype 'FP8'",
            id="datatype",
        ),
        pytest.param(
            infer_request("passthrough", [("in", "FP32", [2**40, 2**40], b"\0" * 4)]),
            "shape [1099511627776, 1099511627776] of FP32 needs",
            id="huge-shape",
        ),
        pytest.param(
            infer_request("passthrough", [("in", "FP32", [-1, 2], b"")]),
            "negative dimension",
            id="negative-dim",
        ),
        pytest.param(
            infer_request("passthrough", [fp32("in", [2]), fp32("in", [2])]),
            "input 'in' appears twice",
            id="duplicate",
        ),
        pytest.param(
            infer_request("passthrough", [fp32("x", [2])]),
            "input 'x' is not an input of 'passthrough' (inputs: ['in'])",
            id="unknown",
        ),
        pytest.param(
            infer_request(
                "passthrough",
                [("in", "FP32", [2], None)],
                raw_input_contents=[b"\0" * 8, b"\0" * 8],
            ),
            "raw_input_contents has 2 buffers for 1 inputs",
            id="buffer-count",
        ),
        pytest.param(b"\xff\xff\xff\xff", "malformed ModelInferRequest", id="malformed-protobuf"),
    ],
)
def test_bad_request_in_stream_is_answered_and_stream_lives(
    server: ServerProcess, bad: pb.ModelInferRequest | bytes, expected: str
) -> None:
    check_in_stream_error(server, bad, expected)


def test_contents_and_raw_together_are_rejected(server: ServerProcess) -> None:
    bad = infer_request("passthrough", [fp32("in", [2])])
    bad.inputs[0].contents.fp32_contents.extend([1.0, 2.0])
    check_in_stream_error(server, bad, "input 'in': data in both contents and raw_input_contents")


def test_typed_contents_with_wrong_count_are_rejected(server: ServerProcess) -> None:
    bad = infer_request("passthrough", [("in", "FP32", [3], None)])
    bad.inputs[0].contents.fp32_contents.extend([1.0, 2.0])
    check_in_stream_error(server, bad, "input 'in': contents has 2 elements, shape [3] needs 3")


def test_typed_contents_are_decoded(server: ServerProcess) -> None:
    msg = infer_request("passthrough", [("in", "INT32", [2, 2], None)])
    msg.inputs[0].contents.int_contents.extend([1, -2, 3, 4])
    result = RawStream(server, [msg.SerializeToString()])
    out = result.data[0]
    assert (out.outputs[0].datatype, list(out.outputs[0].shape)) == ("INT32", [2, 2])
    assert np.frombuffer(out.raw_output_contents[0], np.int32).tolist() == [1, -2, 3, 4]


@pytest.mark.parametrize(
    ("datatype", "shape", "expected"),
    [
        ("UINT8", [4, 4], "an IMAGE must be HWC with 1, 3 or 4 channels, got shape [4, 4]"),
        ("UINT8", [4, 4, 2], "an IMAGE must be HWC with 1, 3 or 4 channels, got shape [4, 4, 2]"),
        ("INT64", [2, 2, 3], "an IMAGE must be one of"),
    ],
)
def test_bad_images_are_rejected(
    server: ServerProcess, datatype: str, shape: list[int], expected: str
) -> None:
    size = int(np.prod(shape)) * np.dtype(datatype.lower()).itemsize
    good = infer_request("image", [("image", "UINT8", [2, 2, 3], b"\1" * 12)])
    bad = infer_request("image", [("image", datatype, shape, b"\0" * size)])
    result = RawStream(server, [good.SerializeToString(), bad.SerializeToString()])
    assert len(result.data) == 1 and len(result.errors) == 1
    assert expected in result.errors[0]


def test_malformed_first_message_ends_the_stream_invalid_argument(server: ServerProcess) -> None:
    result = RawStream(server, [b"\x0a\xff"])
    assert result.code == grpc.StatusCode.INVALID_ARGUMENT
    assert result.details.startswith("malformed ModelInferRequest")


def test_malformed_unary_request_is_invalid_argument(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_url) as channel:
        call = channel.unary_unary(
            INFER, request_serializer=None, response_deserializer=pb.ModelInferResponse.FromString
        )
        with pytest.raises(grpc.RpcError) as info:
            call(b"\x12\xff\xff", timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (info.value.details() or "").startswith("malformed ModelInferRequest")


def test_server_is_still_serving_after_bad_input(server: ServerProcess) -> None:
    messages: Iterator[bytes] = (
        infer_request("passthrough", [fp32("in", [1])], parameters=None).SerializeToString()
        for _ in range(3)
    )
    result = RawStream(server, list(messages))
    assert result.code == grpc.StatusCode.OK and len(result.data) == 3
