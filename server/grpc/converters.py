"""Protobuf <-> data-plane types, one converter class per message (no tensor copies in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from pipeserve.parameters import set_parameter
from pipeserve.proto import grpc_service_pb2 as pb

from ..codecs import encode_bytes
from ..errors import InvalidRequestError
from ..types import (
    InferRequest,
    InferResponse,
    ModelMetadata,
    ParamValue,
    RawBuffer,
    RequestInput,
    ServerMetadata,
    StreamItem,
)
from .wire import split_field

RAW_INPUT_CONTENTS = pb.ModelInferRequest.RAW_INPUT_CONTENTS_FIELD_NUMBER
CONTENTS_FIELD = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}


class ParametersConverter:
    """``map<string, InferParameter>`` <-> ``dict[str, ParamValue]``."""

    @staticmethod
    def to_types(params: Mapping[str, pb.InferParameter]) -> dict[str, ParamValue]:
        if not params:
            return {}
        out: dict[str, ParamValue] = {}
        for key, param in params.items():
            choice = param.WhichOneof("parameter_choice")
            if choice is not None:
                out[key] = getattr(param, choice)
        return out

    @staticmethod
    def from_types(params: Mapping[str, ParamValue], target: Any) -> None:
        for key, value in params.items():
            set_parameter(target[key], value)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """A parsed ``ModelInferRequest`` and its raw buffers, as views of the bytes received
    (``message`` then lacks them) or, for an unusual encoding, read from ``message``."""

    message: pb.ModelInferRequest
    raw: Sequence[RawBuffer]


class ModelInferRequestConverter:
    """``ModelInferRequest`` -> ``InferRequest``; raw buffers are passed through uncopied."""

    @staticmethod
    def parse(data: bytes) -> ReceivedRequest | InvalidRequestError:
        """Deserializer that reports malformed bytes as a request error instead of raising."""
        split = split_field(data, RAW_INPUT_CONTENTS)
        try:
            if split is not None:
                return ReceivedRequest(pb.ModelInferRequest.FromString(split[0]), split[1])
            msg = pb.ModelInferRequest.FromString(data)
        except DecodeError as exc:
            return InvalidRequestError(f"malformed ModelInferRequest: {exc}")
        return ReceivedRequest(msg, list(msg.raw_input_contents))

    @staticmethod
    def to_types(received: ReceivedRequest) -> InferRequest:
        msg = received.message
        inputs = []
        for inp in msg.inputs:
            contents = None
            if inp.HasField("contents"):
                field = CONTENTS_FIELD.get(inp.datatype)
                contents = getattr(inp.contents, field) if field else ()
            params = ParametersConverter.to_types(inp.parameters) if inp.parameters else {}
            inputs.append(RequestInput(inp.name, inp.datatype, tuple(inp.shape), contents, params))
        return InferRequest(
            model_name=msg.model_name,
            model_version=msg.model_version,
            id=msg.id,
            parameters=ParametersConverter.to_types(msg.parameters),
            inputs=inputs,
            raw_contents=received.raw,
            outputs=tuple(o.name for o in msg.outputs) if msg.outputs else (),
        )


class ModelInferResponseConverter:
    """``InferResponse`` -> ``ModelInferResponse`` with every output in ``raw_output_contents``."""

    @staticmethod
    def from_types(response: InferResponse) -> pb.ModelInferResponse:
        msg = pb.ModelInferResponse()
        ModelInferResponseConverter.fill(response, msg)
        return msg

    @staticmethod
    def fill(response: InferResponse, msg: pb.ModelInferResponse) -> None:
        """Write ``response`` into an empty message (in place: no sub-message copies)."""
        msg.model_name = response.model_name
        msg.model_version = response.model_version
        if response.id:
            msg.id = response.id
        if response.parameters:
            ParametersConverter.from_types(response.parameters, msg.parameters)
        for out in response.outputs:
            tensor = msg.outputs.add()
            tensor.name = out.name
            tensor.datatype = out.datatype
            tensor.shape.extend(out.shape)
            msg.raw_output_contents.append(_raw(out.data, out.datatype))


def _raw(data: np.ndarray, datatype: str) -> bytes:
    if datatype == "BYTES":
        return encode_bytes(data)
    return data.tobytes()


class StreamResponseConverter:
    """``StreamItem`` -> ``ModelStreamInferResponse`` (data or error, never both)."""

    @staticmethod
    def from_types(item: StreamItem) -> pb.ModelStreamInferResponse:
        msg = pb.ModelStreamInferResponse()
        if isinstance(item, InferResponse):
            ModelInferResponseConverter.fill(item, msg.infer_response)
        else:
            msg.error_message = item.message
        return msg


class ModelMetadataConverter:
    @staticmethod
    def from_types(meta: ModelMetadata) -> pb.ModelMetadataResponse:
        tensor = pb.ModelMetadataResponse.TensorMetadata
        return pb.ModelMetadataResponse(
            name=meta.name,
            versions=meta.versions,
            platform=meta.platform,
            inputs=[tensor(name=t.name, datatype=t.datatype, shape=t.shape) for t in meta.inputs],
            outputs=[tensor(name=t.name, datatype=t.datatype, shape=t.shape) for t in meta.outputs],
        )


class ServerMetadataConverter:
    @staticmethod
    def from_types(meta: ServerMetadata) -> pb.ServerMetadataResponse:
        return pb.ServerMetadataResponse(
            name=meta.name, version=meta.version, extensions=meta.extensions
        )
