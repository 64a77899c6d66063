"""KServe v2 JSON <-> data-plane types (pydantic models validate the JSON shape)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..types import InferRequest, InferResponse, ModelMetadata, ParamValue, RequestInput

JsonParams = dict[str, ParamValue]


class JsonInput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: JsonParams = Field(default_factory=dict)
    data: list[Any]


class JsonInferRequest(BaseModel):
    id: str = ""
    parameters: JsonParams = Field(default_factory=dict)
    inputs: list[JsonInput]
    outputs: list[dict[str, Any]] = Field(default_factory=list)


class InferRequestConverter:
    @staticmethod
    def to_types(body: JsonInferRequest, name: str, version: str) -> InferRequest:
        inputs = [
            RequestInput(i.name, i.datatype, tuple(i.shape), _flatten(i.data), dict(i.parameters))
            for i in body.inputs
        ]
        return InferRequest(name, version, body.id, dict(body.parameters), inputs)


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
            "outputs": [_output(o.name, o.datatype, o.data) for o in response.outputs],
        }


def _output(name: str, datatype: str, data: np.ndarray) -> dict[str, Any]:
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
