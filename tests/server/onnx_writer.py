"""A one-node ONNX model written with protobuf's wire format (the suite has no ``onnx``
package): ``y = x * scale`` on FP32 [1, 3], opset 13."""

from __future__ import annotations

import struct
from pathlib import Path


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | str | int) -> bytes:
    """One field: an int as a varint, text or bytes length-delimited."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _fp32_value_info(name: str) -> bytes:
    dims = b"".join(_field(1, _field(1, d)) for d in (1, 3))  # TensorShapeProto.dim
    tensor_type = _field(1, 1) + _field(2, dims)  # elem_type FLOAT, shape
    return _field(1, name) + _field(2, _field(1, tensor_type))  # name, type.tensor_type


def write_scale_model(path: Path, scale: float) -> None:
    node = _field(1, "x") + _field(1, "scale") + _field(2, "y") + _field(4, "Mul")
    initializer = _field(2, 1) + _field(8, "scale") + _field(9, struct.pack("<f", scale))
    graph = (
        _field(1, node)
        + _field(2, "scale_model")
        + _field(5, initializer)
        + _field(11, _fp32_value_info("x"))
        + _field(12, _fp32_value_info("y"))
    )
    model = _field(1, 8) + _field(7, graph) + _field(8, _field(2, 13))  # ir 8, opset 13
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model)
