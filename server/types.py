"""Transport-neutral request and response types shared by the data plane and both frontends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np

from pipeserve.errors import Code

RawBuffer: TypeAlias = bytes | memoryview
"""A tensor's raw bytes as received (a memoryview slices a REST body without copying)."""
ParamValue: TypeAlias = bool | int | float | str
"""A request/response parameter: KServe's bool, int64/uint64, double and string params."""


@dataclass(slots=True)
class RequestInput:
    """One input tensor as sent: typed ``contents`` (or None when absent) and no raw bytes."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    contents: Sequence | None = None
    parameters: dict[str, ParamValue] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"RequestInput({self.name!r}, {self.datatype}, {list(self.shape)})"


@dataclass(slots=True)
class InferRequest:
    """A KServe v2 inference request; ``raw_contents`` holds one buffer per input, or none
    (REST's binary extension: None for an input sent as JSON ``data``); ``outputs``: the
    requested outputs' names (empty: every output; ``outputs.py``)."""

    model_name: str
    model_version: str = ""
    id: str = ""
    parameters: dict[str, ParamValue] = field(default_factory=dict)
    inputs: list[RequestInput] = field(default_factory=list)
    raw_contents: Sequence[RawBuffer | None] = ()
    outputs: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"InferRequest({self.model_name!r}, v={self.model_version!r}, inputs={self.inputs})"


@dataclass(slots=True)
class OutputTensor:
    """One output: an array of the KServe ``datatype`` (BYTES: object array of bytes).

    ``dims`` overrides the shape sent for raw bytes that are not whole elements of it
    (an OVMS Python node's Tensor of a custom datatype).
    """

    name: str
    datatype: str
    data: np.ndarray
    dims: tuple[int, ...] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape) if self.dims is None else self.dims

    def __repr__(self) -> str:
        return f"OutputTensor({self.name!r}, {self.datatype}, {list(self.shape)})"


@dataclass(slots=True)
class InferResponse:
    """A KServe v2 inference response (one streamed data message, or a unary reply)."""

    model_name: str
    model_version: str
    outputs: list[OutputTensor]
    id: str = ""
    parameters: dict[str, ParamValue] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"InferResponse({self.model_name!r}, {self.outputs}, {self.parameters})"


@dataclass(slots=True, frozen=True)
class InStreamError:
    """An error sent as a stream message; ``code`` is what a unary call would end with.

    ``ends_stream``: a graph failure (the stream then ends), not a rejected request.
    """

    message: str
    code: Code = Code.INVALID_ARGUMENT
    ends_stream: bool = False


StreamItem: TypeAlias = InferResponse | InStreamError


@dataclass(slots=True, frozen=True)
class TensorMetadata:
    """Name, datatype and shape of a model or graph input/output (-1: any size)."""

    name: str
    datatype: str = ""
    shape: tuple[int, ...] = ()


@dataclass(slots=True, frozen=True)
class ModelMetadata:
    """What ``ModelMetadata`` returns for a model or a graph."""

    name: str
    versions: tuple[str, ...]
    platform: str
    inputs: tuple[TensorMetadata, ...] = ()
    outputs: tuple[TensorMetadata, ...] = ()


@dataclass(slots=True, frozen=True)
class ServerMetadata:
    """What ``ServerMetadata`` returns."""

    name: str
    version: str
    extensions: tuple[str, ...] = ()
