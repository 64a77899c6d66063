"""KServe v2 JSON <-> data-plane types (pydantic models validate the JSON shape)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..errors import InvalidRequestError, shorten
from ..types import InferRequest, InferResponse, ModelMetadata, ParamValue, RequestInput

JsonParams = dict[str, ParamValue]


class JsonInput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: JsonParams = Field(default_factory=dict)
    data: list[Any] | None = None
    """Absent when the input's bytes follow the JSON header (``binary_data_size``)."""


class JsonInferRequest(BaseModel):
    id: str = ""
    parameters: JsonParams = Field(default_factory=dict)
    inputs: list[JsonInput]
    outputs: list[dict[str, Any]] = Field(default_factory=list)


class InferRequestConverter:
    @staticmethod
    def to_types(
        body: JsonInferRequest, name: str, version: str, raw: Sequence[memoryview | None] = ()
    ) -> InferRequest:
        """``raw``: each input's binary data (None for JSON ``data``), or empty for none."""
        inputs = [
            RequestInput(
                i.name,
                i.datatype,
                tuple(i.shape),
                None if i.data is None else _flatten(i.data),
                dict(i.parameters),
            )
            for i in body.inputs
        ]
        outputs = tuple(_output_name(o) for o in body.outputs)
        return InferRequest(name, version, body.id, dict(body.parameters), inputs, raw, outputs)


def _output_name(output: dict[str, Any]) -> str:
    name = output.get("name")
    if not isinstance(name, str):
        raise InvalidRequestError(
            f'a requested output needs a "name" string, got {shorten(repr(output))}'
        )
    return name


def _flatten(data: list[Any]) -> list[Any]:
    if not any(isinstance(v, list) for v in data):
        return data
    flat: list[Any] = []
    for value in data:
        flat.extend(_flatten(value) if isinstance(value, list) else [value])
    return flat


class InferResponseConverter:
    @staticmethod
    def from_types(response: InferResponse) -> dict[str, Any]:
        return {
            "model_name": response.model_name,
            "model_version": response.model_version,
            "id": response.id,
            "parameters": response.parameters,
            "outputs": [output_json(o.name, o.datatype, o.data) for o in response.outputs],
        }


def output_json(name: str, datatype: str, data: np.ndarray) -> dict[str, Any]:
    """One output with its values as JSON ``data`` (BYTES as text or base64)."""
    out: dict[str, Any] = {"name": name, "datatype": datatype, "shape": list(data.shape)}
    if datatype != "BYTES":
        out["data"] = data.reshape(-1).tolist()
        return out
    items = [v.encode() if isinstance(v, str) else bytes(v) for v in data.reshape(-1)]
    try:
        out["data"] = [v.decode("utf-8") for v in items]
        out["parameters"] = {"content_type": "str"}
    except UnicodeDecodeError:
        out["data"] = [base64.b64encode(v).decode("ascii") for v in items]
        out["parameters"] = {"content_type": "base64"}
    return out


class MetadataConverter:
    @staticmethod
    def from_types(meta: ModelMetadata) -> dict[str, Any]:
        def tensors(items: tuple) -> list[dict[str, Any]]:
            return [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in items]

        return {
            "name": meta.name,
            "versions": list(meta.versions),
            "platform": meta.platform,
            "inputs": tensors(meta.inputs),
            "outputs": tensors(meta.outputs),
        }
