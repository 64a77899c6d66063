"""A sweep of hostile input over gRPC and REST while a healthy stream runs beside it.

Every case has its expected status (and, in a stream, whether the stream stays open); no
case may answer INTERNAL, UNKNOWN or 5xx, and the healthy stream must see every response
(docs/streaming.md §2, §8, §10).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import numpy as np
import pytest
from tritonclient.grpc import service_pb2 as pb

from .conftest import ServerProcess
from .hardening import INFER, Collected, fp32, request
from .streams import Stream

LONG = "n" * (64 << 10)
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


class HealthyStream:
    """Ping-pong on passthrough in a thread: one request per response, until stopped."""

    def __init__(self, server: ServerProcess) -> None:
        self.stream = Stream(server.grpc_url)
        self.stop = threading.Event()
        self.sent = 0
        self.timestamps: list[int] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.stream.send("passthrough", {"in": np.ones(4, np.float32)})
            self.sent += 1
            result, error = self.stream.get(timeout=30)
            if error is not None:
                self.errors.append(str(error))
                return
            self.timestamps.append(
                int(result.get_response().parameters["OVMS_MP_TIMESTAMP"].int64_param)
            )

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        self.stream.close()


@pytest.fixture(scope="module")
def healthy(server: ServerProcess) -> Iterator[HealthyStream]:
    stream = HealthyStream(server)
    yield stream
    stream.finish()
    assert stream.errors == []
    assert stream.timestamps == list(range(stream.sent)) and stream.sent > 10


def _msg(model: str = "passthrough", inputs: Any = None, **fields: Any) -> pb.ModelInferRequest:
    return request(model, [fp32(2)] if inputs is None else inputs, **fields)


def _ts(value: Any, kind: str = "int64_param") -> pb.ModelInferRequest:
    msg = _msg()
    setattr(msg.parameters["OVMS_MP_TIMESTAMP"], kind, value)
    return msg


def _contents(datatype: str, field: str, values: list, shape: list[int]) -> pb.ModelInferRequest:
    msg = _msg(inputs=[("in", datatype, shape, None)])
    getattr(msg.inputs[0].contents, field).extend(values)
    return msg


def _raw(datatype: str, shape: list[int], raw: bytes) -> pb.ModelInferRequest:
    return _msg(inputs=[("in", datatype, shape, raw)])


def _image(datatype: str, shape: list[int]) -> pb.ModelInferRequest:
    size = int(np.prod(shape)) * np.dtype(datatype.lower()).itemsize
    return request("image", [("image", datatype, shape, b"\0" * size)])


_both = _msg()
_both.inputs[0].contents.fp32_contents.extend([1.0, 2.0])
_no_data = _msg(inputs=[("in", "FP32", [2], None)])
_image_contents = request("image", [("image", "UINT8", [1, 1, 3], None)])
_image_contents.inputs[0].contents.uint_contents.extend([1, 2, 3])

IN_STREAM: dict[str, tuple[pb.ModelInferRequest | bytes, str]] = {
    "byte count": (_raw("FP32", [3], b"\0" * 8), "raw buffer has 8 bytes"),
    "datatype FP8": (_raw("FP8", [1], b"\0"), "unsupported datatype 'FP8'"),
    "datatype empty": (_raw("", [1], b"\0"), "unsupported datatype ''"),
    "datatype long": (_raw("X" * 5000, [1], b"\0"), "characters)"),
    "huge shape": (_raw("FP32", [2**40, 2**40], b"\0" * 4), "more than the"),
    "zero times giant": (_raw("FP32", [0, 1 << 62], b""), "more than the"),
    "rank 40": (_raw("FP32", [1] * 40, b"\0" * 4), "rank 40"),
    "negative dim": (_raw("FP32", [-1, 2], b""), "negative dimension"),
    "zero dim with data": (_raw("FP32", [0], b"\0" * 4), "raw buffer has 4 bytes"),
    "fp16 odd bytes": (_raw("FP16", [2], b"\0" * 3), "raw buffer has 3 bytes"),
    "duplicate input": (_msg(inputs=[fp32(2), fp32(2)]), "appears twice"),
    "unknown input": (_msg(inputs=[fp32(2, name="x")]), "input 'x' is not an input"),
    "input path": (_msg(inputs=[fp32(2, name="../../etc/passwd")]), "is not an input"),
    "input odd chars": (_msg(inputs=[fp32(2, name="\x00é\u202e")]), "is not an input"),
    "input 64 KiB": (_msg(inputs=[fp32(2, name=LONG)]), "(65536 characters)"),
    "buffer count": (
        _msg(inputs=[("in", "FP32", [2], None)], raw_input_contents=[b"\0" * 8] * 2),
        "2 buffers for 1 inputs",
    ),
    "malformed protobuf": (b"\xff\xff\xff\xff", "malformed ModelInferRequest"),
    "truncated protobuf": (_msg().SerializeToString()[:-3], "malformed ModelInferRequest"),
    "contents and raw": (_both, "data in both contents and raw_input_contents"),
    "no data": (_no_data, "no data"),
    "contents count": (_contents("FP32", "fp32_contents", [1.0], [2]), "contents has 1 elements"),
    "int8 range": (_contents("INT8", "int_contents", [1000], [1]), "1000 is out of range"),
    "uint8 range": (_contents("UINT8", "uint_contents", [300], [1]), "300 is out of range"),
    "int16 range": (_contents("INT16", "int_contents", [-40000], [1]), "out of range for INT16"),
    "bool count": (_contents("BOOL", "bool_contents", [True], [3]), "contents has 1 elements"),
    "bytes prefix too long": (_raw("BYTES", [1], b"\x09\0\0\0abc"), "length-prefixed"),
    "bytes trailing": (_raw("BYTES", [1], b"\x01\0\0\0ab"), "length-prefixed"),
    "bytes short prefix": (_raw("BYTES", [1], b"\x01\0"), "length-prefixed"),
    "bytes too many": (_raw("BYTES", [1], b"\x01\0\0\0a\x01\0\0\0b"), "length-prefixed"),
    "other graph": (_msg("words"), "incorrect servable name"),
    "other graph 64 KiB": (_msg(LONG), "(65536 characters)"),
    "other graph path": (_msg("../passthrough"), "incorrect servable name"),
    "version 2": (_msg(model_version="2"), "incorrect servable version"),
    "version text": (_msg(model_version="latest"), "incorrect servable version"),
    "timestamp string": (_ts("5", "string_param"), "Should be int64"),
    "timestamp bool": (_ts(True, "bool_param"), "Should be int64"),
    "timestamp double": (_ts(1.5, "double_param"), "Should be int64"),
    "timestamp max": (_ts(2**63 - 1), "Timestamp::Max()"),
    "timestamp min": (_ts(-(2**63)), "Timestamp::Min()"),
    "timestamp uint64": (_ts(2**64 - 1, "uint64_param"), "Timestamp::Max()"),
    "timestamp repeated": (_ts(0), "not greater than the previous timestamp"),
}
IMAGE_CASES: dict[str, tuple[pb.ModelInferRequest, str]] = {
    "image rank 2": (_image("UINT8", [4, 4]), "an IMAGE must be HWC"),
    "image 2 channels": (_image("UINT8", [4, 4, 2]), "an IMAGE must be HWC"),
    "image int64": (_image("INT64", [2, 2, 3]), "an IMAGE must be one of"),
    "image contents": (_image_contents, "IMAGE data must be in raw_input_contents"),
}
FIRST: dict[str, tuple[pb.ModelInferRequest | bytes, grpc.StatusCode, str]] = {
    "unknown graph": (_msg("nope"), grpc.StatusCode.NOT_FOUND, "not found: nope"),
    "unknown graph 64 KiB": (_msg(LONG), grpc.StatusCode.NOT_FOUND, "characters)"),
    "graph path": (_msg("../passthrough"), grpc.StatusCode.NOT_FOUND, "not found"),
    "empty graph name": (_msg(""), grpc.StatusCode.NOT_FOUND, "not found"),
    "first version 2": (_msg(model_version="2"), grpc.StatusCode.NOT_FOUND, "'2'"),
    "broken graph": (_msg("broken"), grpc.StatusCode.UNAVAILABLE, "NoSuchCalculator"),
    "missing side packet": (_msg("side"), grpc.StatusCode.FAILED_PRECONDITION, "'label'"),
    "malformed first": (b"\x0a\xff", grpc.StatusCode.INVALID_ARGUMENT, "malformed"),
}
UNARY: dict[str, tuple[pb.ModelInferRequest | bytes, grpc.StatusCode]] = {
    "unary giant": (_raw("FP32", [0, 1 << 62], b""), grpc.StatusCode.INVALID_ARGUMENT),
    "unary rank 40": (_raw("FP32", [1] * 40, b"\0" * 4), grpc.StatusCode.INVALID_ARGUMENT),
    "unary int8": (
        _contents("INT8", "int_contents", [1000], [1]),
        grpc.StatusCode.INVALID_ARGUMENT,
    ),
    "unary unknown": (_msg("nope"), grpc.StatusCode.NOT_FOUND),
    "unary missing input": (request("sum", [fp32(1, name="a")]), grpc.StatusCode.INVALID_ARGUMENT),
    "unary malformed": (b"\x12\xff\xff", grpc.StatusCode.INVALID_ARGUMENT),
    "unary model shape": (request("double", [fp32(5, name="x")]), grpc.StatusCode.INVALID_ARGUMENT),
    "unary model bytes": (
        request("double", [("x", "FP32", [1, 3], b"\0")]),
        grpc.StatusCode.INVALID_ARGUMENT,
    ),
}


def _bytes(message: pb.ModelInferRequest | bytes) -> bytes:
    return message if isinstance(message, bytes) else message.SerializeToString()


@pytest.mark.parametrize("case", [*IN_STREAM, *IMAGE_CASES])
def test_grpc_bad_request_in_stream_is_answered_and_the_stream_lives(
    server: ServerProcess, healthy: HealthyStream, case: str
) -> None:
    if case in IMAGE_CASES:
        bad, expected = IMAGE_CASES[case]
        good = request("image", [("image", "UINT8", [2, 2, 3], b"\1" * 12)])
    else:
        bad, expected = IN_STREAM[case]
        good = _msg()
    result = Collected(server.grpc_url, [_bytes(good), _bytes(bad), _bytes(good)])
    assert result.code == grpc.StatusCode.OK, result.details
    assert len(result.errors) == 1 and expected in result.errors[0], result.errors
    assert len(result.errors[0]) < 1024
    assert len(result.data) == 2


@pytest.mark.parametrize("case", FIRST)
def test_grpc_bad_first_request_ends_the_stream_with_its_status(
    server: ServerProcess, healthy: HealthyStream, case: str
) -> None:
    bad, code, expected = FIRST[case]
    result = Collected(server.grpc_url, [_bytes(bad), _bytes(_msg())])
    assert result.code == code and expected in result.details, (result.code, result.details)
    assert result.items == [] and len(result.details) < 1024


@pytest.mark.parametrize("case", UNARY)
def test_grpc_bad_unary_request_gets_its_status(
    server: ServerProcess, healthy: HealthyStream, case: str
) -> None:
    bad, code = UNARY[case]
    with grpc.insecure_channel(server.grpc_url) as channel:
        call = channel.unary_unary(
            INFER, request_serializer=None, response_deserializer=pb.ModelInferResponse.FromString
        )
        with pytest.raises(grpc.RpcError) as info:
            call(_bytes(bad), timeout=20)
    assert info.value.code() not in FORBIDDEN
    assert info.value.code() == code, info.value.details()


def _input(datatype: str, data: Any, shape: list[int] | None = None, name: str = "in") -> dict:
    return {"name": name, "datatype": datatype, "shape": shape or [1], "data": data}


def _body(*inputs: dict, **fields: Any) -> str:
    return json.dumps({"inputs": list(inputs), **fields})


FP = _input("FP32", [1.0])
REST: dict[str, tuple[str, str, str | bytes, int, str]] = {
    "bytes -1": ("POST", "passthrough/infer", _body(_input("BYTES", [-1])), 400, "not a string"),
    "bytes 1.5": ("POST", "passthrough/infer", _body(_input("BYTES", [1.5])), 400, "not a string"),
    "bytes null": ("POST", "passthrough/infer", _body(_input("BYTES", [None])), 400, "is null"),
    "bytes 5": ("POST", "passthrough/infer", _body(_input("BYTES", [5])), 400, "not a string"),
    "bytes 3e8": ("POST", "passthrough/infer", _body(_input("BYTES", [300000000])), 400, "int"),
    "bytes dict": ("POST", "passthrough/infer", _body(_input("BYTES", [{"a": 1}])), 400, "dict"),
    "int8 1000": ("POST", "passthrough/infer", _body(_input("INT8", [1000])), 400, "range"),
    "uint8 -1": ("POST", "passthrough/infer", _body(_input("UINT8", [-1])), 400, "range"),
    "uint64 2^64": ("POST", "passthrough/infer", _body(_input("UINT64", [2**64])), 400, "range"),
    "int32 text": ("POST", "passthrough/infer", _body(_input("INT32", ["a"])), 400, "strings"),
    "int64 1.5": ("POST", "passthrough/infer", _body(_input("INT64", [1.5])), 400, "integers"),
    "int64 null": ("POST", "passthrough/infer", _body(_input("INT64", [None])), 400, "null"),
    "bool 2": ("POST", "passthrough/infer", _body(_input("BOOL", [2])), 400, "booleans"),
    "fp32 1e39": ("POST", "passthrough/infer", _body(_input("FP32", [1e39])), 400, "range"),
    "fp16 text": ("POST", "passthrough/infer", _body(_input("FP16", ["x"])), 400, "numbers"),
    "nan": ("POST", "passthrough/infer", _body(FP).replace("1.0", "NaN"), 400, "NaN"),
    "infinity": ("POST", "passthrough/infer", _body(FP).replace("1.0", "Infinity"), 400, "Inf"),
    "-infinity": ("POST", "passthrough/infer", _body(FP).replace("1.0", "-Infinity"), 400, "Inf"),
    "count": ("POST", "passthrough/infer", _body(_input("FP32", [1.0], [2])), 400, "contents has"),
    "ragged": ("POST", "passthrough/infer", _body(_input("FP32", [[1], [2, 3]], [2, 2])), 400, ""),
    "negative dim": ("POST", "passthrough/infer", _body(_input("FP32", [], [-1])), 400, "negative"),
    "rank 40": ("POST", "passthrough/infer", _body(_input("FP32", [1], [1] * 40)), 400, "rank 40"),
    "huge": ("POST", "passthrough/infer", _body(_input("FP32", [1], [2**40, 2**20])), 400, "more"),
    "datatype": ("POST", "passthrough/infer", _body(_input("FP8", [1])), 400, "FP8"),
    "unknown input": ("POST", "passthrough/infer", _body({**FP, "name": "x"}), 400, "'x'"),
    "odd input": ("POST", "passthrough/infer", _body({**FP, "name": "\u0000\u202e"}), 400, "not"),
    "image json": (
        "POST",
        "image/infer",
        _body(_input("UINT8", [1] * 12, [2, 2, 3], "image")),
        400,
        "raw_input_contents",
    ),
    "side packet": ("POST", "side/infer", _body(FP), 400, "'label'"),
    "unknown graph": ("POST", "nope/infer", _body(FP), 404, "nope"),
    "long graph": ("POST", f"{'n' * 4000}/infer", _body(FP), 404, "characters)"),
    "dot dot": ("POST", "../passthrough/infer", _body(FP), 404, ""),
    "encoded dot dot": ("POST", "%2e%2e/passthrough/infer", _body(FP), 404, ""),
    "version 2": ("POST", "passthrough/versions/2/infer", _body(FP), 404, ""),
    "version text": ("POST", "passthrough/versions/x/infer", _body(FP), 404, ""),
    "not json": ("POST", "passthrough/infer", "{inputs", 400, "malformed request"),
    "json list": ("POST", "passthrough/infer", "[]", 400, "malformed request"),
    "json null": ("POST", "passthrough/infer", "null", 400, "malformed request"),
    "no inputs": ("POST", "passthrough/infer", "{}", 400, "inputs"),
    "inputs dict": ("POST", "passthrough/infer", '{"inputs": {}}', 400, "inputs"),
    "shape text": ("POST", "passthrough/infer", _body({**FP, "shape": ["a"]}), 400, "shape"),
    "data dict": ("POST", "passthrough/infer", _body({**FP, "data": {"a": 1}}), 400, "data"),
    "timestamp text": (
        "POST",
        "passthrough/infer",
        _body(FP, parameters={"OVMS_MP_TIMESTAMP": "5"}),
        400,
        "Should be int64",
    ),
    "timestamp float": (
        "POST",
        "passthrough/infer",
        _body(FP, parameters={"OVMS_MP_TIMESTAMP": 1.5}),
        400,
        "Should be int64",
    ),
    "timestamp huge": (
        "POST",
        "passthrough/infer",
        _body(FP, parameters={"OVMS_MP_TIMESTAMP": 2**63}),
        400,
        "Timestamp",
    ),
    "stream bytes 5": ("POST", "passthrough/infer_stream", _body(_input("BYTES", [5])), 400, "int"),
    "stream int8": (
        "POST",
        "passthrough/infer_stream",
        _body(_input("INT8", [1000])),
        400,
        "range",
    ),
    "stream nan": ("POST", "passthrough/infer_stream", _body(FP).replace("1.0", "NaN"), 400, "NaN"),
    "stream unknown": ("POST", "nope/infer_stream", _body(FP), 404, "nope"),
    "stream rank 40": (
        "POST",
        "passthrough/generate_stream",
        _body(_input("FP32", [1], [1] * 40)),
        400,
        "rank 40",
    ),
    "get infer": ("GET", "passthrough/infer", "", 405, ""),
}


@pytest.mark.parametrize("case", REST)
def test_rest_bad_request_gets_a_4xx_json_error(
    server: ServerProcess, healthy: HealthyStream, case: str
) -> None:
    method, path, body, status, expected = REST[case]
    headers = {"content-type": "application/json"}
    reply = httpx.request(
        method, f"{server.rest_url}/v2/models/{path}", content=body, headers=headers, timeout=20
    )
    assert reply.status_code < 500
    assert reply.status_code == status, reply.text
    error = reply.json()["error"] if status != 405 else ""
    assert expected in error and len(reply.text) < 2048, error
