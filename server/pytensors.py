"""OVMS_PY_TENSOR graph inputs and outputs: request tensors <-> ``pyovms.Tensor``.

As in OVMS, an input stream whose tag starts with ``OVMS_PY_TENSOR`` receives a Tensor
with the request's name, shape and datatype over the raw bytes (no copy); custom
datatypes are allowed with raw data and arrive as 1-D raw bytes, and BYTES keep KServe's
length-prefixed layout. An output Tensor goes out under its own name, datatype and shape.
"""

from __future__ import annotations

import numpy as np

from pyovms import DATATYPE_FORMATS, Tensor

from .codecs import DTYPES, decode_input, element_count, encode_bytes, register_tensor_encoder
from .errors import InvalidRequestError
from .types import OutputTensor, RawBuffer, RequestInput

PY_TENSOR_TAG = "OVMS_PY_TENSOR"


def is_py_tensor_tag(tag: str) -> bool:
    """True for graph input tags that carry a pyovms.Tensor (``OVMS_PY_TENSOR``, ``..._A``)."""
    return tag.startswith(PY_TENSOR_TAG)


def decode_py_tensor(inp: RequestInput, raw: RawBuffer | None, max_bytes: int) -> Tensor:
    """The request input as a Tensor; raises InvalidRequestError before anything is pushed."""
    count = element_count(inp, max_bytes)
    fmt = DATATYPE_FORMATS.get(inp.datatype)
    if raw is not None:
        if inp.contents is not None:
            raise InvalidRequestError(
                f"input {inp.name!r}: data in both contents and raw_input_contents"
            )
        if fmt is not None and len(raw) != count * np.dtype(fmt).itemsize:
            raise InvalidRequestError(
                f"input {inp.name!r}: Invalid Python tensor buffer size. Actual: {len(raw)}; "
                f"Expected: {count * np.dtype(fmt).itemsize}"
            )
        return Tensor.from_buffer(inp.name, raw, inp.shape, inp.datatype)
    if inp.datatype not in DTYPES:
        raise InvalidRequestError(
            f"input {inp.name!r}: datatype {inp.datatype!r} is invalid: custom datatypes are "
            "allowed only when raw_input_contents is used"
        )
    array = decode_input(inp, None, max_bytes)
    if inp.datatype == "BYTES":
        return Tensor(inp.name, encode_bytes(array), inp.shape, "BYTES")
    return Tensor(inp.name, np.ascontiguousarray(array), inp.shape, inp.datatype)


def encode_py_tensor(tensor: Tensor) -> OutputTensor:
    """An output named, typed and shaped as the Tensor says, holding its buffer's bytes.

    A datatype KServe does not define goes out as the buffer's raw bytes with the Tensor's
    shape (as OVMS sends it); a KServe datatype whose elements do not fill the shape is an
    error.
    """
    shape = tuple(tensor.shape)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.frombuffer(tensor.data, dtype=np.uint8)
    if tensor.datatype == "BYTES":
        return OutputTensor(tensor.name, "BYTES", _split(tensor, count).reshape(shape))
    fmt = DATATYPE_FORMATS.get(tensor.datatype)
    if fmt is not None:
        dtype = np.dtype(fmt)
        if count * dtype.itemsize != raw.size:
            raise ValueError(
                f"Tensor {tensor.name!r} holds {raw.size} bytes, shape {list(shape)} of "
                f"{tensor.datatype} needs {count * dtype.itemsize}"
            )
        return OutputTensor(tensor.name, tensor.datatype, raw.view(dtype).reshape(shape))
    return OutputTensor(tensor.name, tensor.datatype, raw, dims=shape)


def _split(tensor: Tensor, count: int) -> np.ndarray:
    """A BYTES buffer (4-byte little-endian length, then the bytes, per element) as items."""
    view = memoryview(bytes(tensor)) if tensor.data.ndim != 1 else tensor.data.cast("B")
    items: list[bytes] = []
    pos = 0
    while pos + 4 <= len(view) and len(items) < count:
        size = int.from_bytes(view[pos : pos + 4], "little")
        if pos + 4 + size > len(view):
            break
        items.append(bytes(view[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    if pos != len(view) or len(items) != count:
        raise ValueError(
            f"BYTES Tensor {tensor.name!r} does not hold {count} length-prefixed elements"
        )
    out = np.empty(count, dtype=object)
    out[:] = items
    return out


register_tensor_encoder(Tensor, encode_py_tensor)
