"""``ModelStreamInfer`` messages for ``GraphStream``, written and read without tritonclient's copies.

tritonclient's ``async_stream_infer`` copies a frame three times before gRPC sees it
(``tobytes``, into the protobuf message, serialising that): about 1 ms of client CPU per
600 x 512 frame. Here the request's small head (model, input metadata, parameters,
requested outputs) is a protobuf message of tritonclient's own classes, and the frame's
bytes follow it as the ``raw_input_contents`` field, copied once into the message bytes.
Responses are read with the same classes; each output's array is a view of its bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from tritonclient.grpc import service_pb2 as pb
from tritonclient.utils import (
    deserialize_bytes_tensor,
    np_to_triton_dtype,
    serialize_byte_tensor,
    triton_to_np_dtype,
)

from pipeserve.parameters import set_parameter

METHOD = "/inference.GRPCInferenceService/ModelStreamInfer"
RAW_INPUT_CONTENTS = pb.ModelInferRequest.RAW_INPUT_CONTENTS_FIELD_NUMBER
LENGTH_DELIMITED = 2
RAW_KEY = bytes([RAW_INPUT_CONTENTS << 3 | LENGTH_DELIMITED])
Parameter = str | int | float | bool


def encode_request(
    graph: str,
    input_name: str,
    array: np.ndarray,
    parameters: Mapping[str, Parameter],
    outputs: Iterable[str] = (),
) -> bytes:
    """One ``ModelInferRequest`` carrying ``array`` in ``raw_input_contents``."""
    head = pb.ModelInferRequest(model_name=graph)
    tensor = head.inputs.add()
    tensor.name, tensor.datatype = input_name, np_to_triton_dtype(array.dtype)
    tensor.shape.extend(array.shape)
    for key, value in parameters.items():
        set_parameter(head.parameters[key], value)
    for name in outputs:
        head.outputs.add().name = name
    if tensor.datatype == "BYTES":
        serialized = serialize_byte_tensor(array)
        data = memoryview(serialized.item() if serialized.size else b"")
    else:
        data = np.ascontiguousarray(array).reshape(-1).view(np.uint8).data
    return b"".join((head.SerializeToString(), RAW_KEY, _varint(data.nbytes), data))


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


decode_response = pb.ModelStreamInferResponse.FromString
"""Bytes received -> ``ModelStreamInferResponse`` (gRPC's response deserializer)."""


def output_arrays(response: pb.ModelInferResponse) -> Iterable[tuple[str, np.ndarray]]:
    """``(name, array)`` for each output in ``raw_output_contents`` (read-only views)."""
    for tensor, raw in zip(response.outputs, response.raw_output_contents, strict=True):
        if tensor.datatype == "BYTES":
            array = deserialize_bytes_tensor(raw)
        else:
            array = np.frombuffer(raw, triton_to_np_dtype(tensor.datatype))
        yield tensor.name, array.reshape(tuple(tensor.shape))
