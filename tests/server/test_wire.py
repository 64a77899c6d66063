"""A gRPC request's raw buffers reach the decoder as views of the bytes received (no copy).

Requests are built with tritonclient's stubs (the same wire format); the server's own
converters run in a subprocess, since the suite's process owns tritonclient's symbols.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from tritonclient.grpc import service_pb2 as pb

from pipeserve.server.grpc.wire import split_field

from .conftest import START_TIMEOUT

RAW = pb.ModelInferRequest.RAW_INPUT_CONTENTS_FIELD_NUMBER


def request(*frames: np.ndarray) -> pb.ModelInferRequest:
    msg = pb.ModelInferRequest(model_name="g", id="r" * 300)  # a 2-byte length varint
    msg.parameters["OVMS_MP_TIMESTAMP"].int64_param = -(2**40)  # a 10-byte varint
    for i, frame in enumerate(frames):
        tensor = msg.inputs.add(name=f"in{i}", datatype="UINT8", shape=frame.shape)
        tensor.parameters["p"].double_param = 0.5  # a fixed64 inside
        msg.raw_input_contents.append(frame.tobytes())
    return msg


def test_the_buffers_come_out_in_order_wherever_they_are_and_the_rest_parses_alone() -> None:
    msg = request(np.zeros((1, 1, 3), np.uint8), np.full((1, 2, 1), 7, np.uint8))
    data = msg.SerializeToString()
    data += pb.ModelInferRequest(model_version="1").SerializeToString()
    data += pb.ModelInferRequest(raw_input_contents=[b""]).SerializeToString()
    split = split_field(data, RAW)
    assert split is not None
    rest, slices = split
    whole = pb.ModelInferRequest.FromString(data)
    assert [bytes(s) for s in slices] == list(whole.raw_input_contents)
    assert all(s.obj is data for s in slices)
    del whole.raw_input_contents[:]
    assert pb.ModelInferRequest.FromString(rest) == whole


def test_bytes_a_plain_message_does_not_encode_are_left_to_protobuf() -> None:
    data = request(np.zeros((1, 1, 3), np.uint8)).SerializeToString()
    assert split_field(data[:-1], RAW) is None  # cut short
    assert split_field(b"\x7b\x7c" + data, RAW) is None  # an empty group (field 15)
    assert split_field(b"", RAW) == (b"", [])


CONVERTER_CHECK = """
import numpy as np
from pipeserve.proto import grpc_service_pb2 as pb
from pipeserve.server.grpc.converters import ModelInferRequestConverter as convert
from pipeserve.server.inputs import decode_request

frames = [np.arange(600 * 512 * 3).astype(np.uint8).reshape(600, 512, 3),
          np.ones((2, 2, 1), np.uint8)]
msg = pb.ModelInferRequest(model_name="g")
msg.parameters["OVMS_MP_TIMESTAMP"].int64_param = 7
for i, frame in enumerate(frames):
    msg.inputs.add(name=f"in{i}", datatype="UINT8", shape=frame.shape)
    msg.raw_input_contents.append(frame.tobytes())
data = msg.SerializeToString()
types = convert.to_types(convert.parse(data))
values = decode_request(types, {"in0": "IMAGE", "in1": ""}, len(data))
for (name, array), frame in zip(values, frames, strict=True):
    np.testing.assert_array_equal(array, frame)
    assert np.shares_memory(array, np.frombuffer(data, np.uint8)), name
assert types.parameters == {"OVMS_MP_TIMESTAMP": 7}
# a group protobuf skips: the buffers come from the parsed message instead
grouped = convert.parse(b"\\x7b\\x7c" + data)
assert [bytes(b) for b in grouped.raw] == [f.tobytes() for f in frames]
assert isinstance(convert.parse(data[:-1]), Exception)  # malformed: a request error
"""


def test_the_converter_decodes_a_frame_from_the_received_bytes_without_a_copy() -> None:
    subprocess.run([sys.executable, "-c", CONVERTER_CHECK], check=True, timeout=START_TIMEOUT)
