"""Tensor codecs: KServe inputs to numpy (zero-copy where possible), packet values to outputs.

Validation happens here, before anything is pushed: datatype, shape, element and byte
counts. Output converters are looked up by payload type (``register_output_converter``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pipeserve.calculators.formats import Detection, detections_to_tensor

from .errors import InvalidRequestError, shorten
from .types import InferResponse, OutputTensor, RawBuffer, RequestInput

DTYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype(np.bool_),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
    "BYTES": np.dtype(object),
}
_KINDS: dict[tuple[str, int], str] = {
    (dt.kind, dt.itemsize): name for name, dt in DTYPES.items() if name != "BYTES"
}
_LENGTH = struct.Struct("<I")
MAX_RANK = 32
"""The most dimensions a numpy array (and so a decoded input) can have."""


def datatype_name(dtype: np.dtype) -> str:
    """The KServe datatype of a numpy dtype (object/str/bytes are BYTES)."""
    if dtype.kind in "OSU":
        return "BYTES"
    name = _KINDS.get((dtype.kind, dtype.itemsize))
    if name is None:
        raise TypeError(f"no KServe datatype for numpy dtype {dtype}")
    return name


def element_count(inp: RequestInput, max_bytes: int) -> int:
    """Elements in the declared shape, checked before anything is allocated.

    Rejects negative dims, a rank numpy cannot hold, and shapes whose non-zero dims
    describe more than ``max_bytes`` (a request can never carry more).
    """
    if len(inp.shape) > MAX_RANK:
        raise InvalidRequestError(
            f"{_label(inp)}: shape has rank {len(inp.shape)}, at most {MAX_RANK} is supported"
        )
    count = nonzero = 1
    for dim in inp.shape:
        if dim < 0:
            raise InvalidRequestError(f"{_label(inp)}: negative dimension in shape {_shape(inp)}")
        count *= dim
        nonzero *= dim or 1
    dtype = DTYPES.get(inp.datatype)
    itemsize = _LENGTH.size if dtype is None or dtype.kind == "O" else dtype.itemsize
    if nonzero * itemsize > max_bytes:
        raise InvalidRequestError(
            f"{_label(inp)}: shape {_shape(inp)} of {inp.datatype} needs "
            f"{nonzero * itemsize} bytes, more than the {max_bytes}-byte message limit"
        )
    return count


def decode_input(inp: RequestInput, raw: RawBuffer | None, max_bytes: int) -> np.ndarray:
    """The input as an array of its declared shape, from ``raw`` bytes or typed ``contents``."""
    dtype = DTYPES.get(inp.datatype)
    if dtype is None:
        raise InvalidRequestError(f"{_label(inp)}: unsupported datatype {shorten(inp.datatype)!r}")
    count = element_count(inp, max_bytes)
    if raw is not None and inp.contents is not None:
        raise InvalidRequestError(f"{_label(inp)}: data in both contents and raw_input_contents")
    if raw is not None:
        return _decode_raw(inp, dtype, count, raw)
    if inp.contents is None:
        raise InvalidRequestError(f"{_label(inp)}: no data (neither contents nor raw)")
    return _decode_contents(inp, dtype, count, inp.contents)


def _label(inp: RequestInput) -> str:
    return f"input {shorten(inp.name)!r}"


def _shape(inp: RequestInput) -> str:
    return shorten(str(list(inp.shape)))


def _decode_raw(inp: RequestInput, dtype: np.dtype, count: int, raw: RawBuffer) -> np.ndarray:
    if inp.datatype == "BYTES":
        return _split_bytes(inp, count, raw).reshape(inp.shape)
    expected = count * dtype.itemsize
    if len(raw) != expected:
        raise InvalidRequestError(
            f"{_label(inp)}: raw buffer has {len(raw)} bytes, shape {_shape(inp)} "
            f"of {inp.datatype} needs {expected}"
        )
    return np.frombuffer(raw, dtype=dtype).reshape(inp.shape)


def _split_bytes(inp: RequestInput, count: int, raw: RawBuffer) -> np.ndarray:
    """KServe raw BYTES: each element is a 4-byte little-endian length, then the bytes."""
    view = memoryview(raw)
    items: list[bytes] = []
    pos = 0
    while pos < len(view):
        if pos + 4 > len(view) or len(items) >= count:
            break
        (size,) = _LENGTH.unpack_from(view, pos)
        pos += 4
        if pos + size > len(view):
            break
        items.append(bytes(view[pos : pos + size]))
        pos += size
    if pos != len(view) or len(items) != count:
        raise InvalidRequestError(
            f"{_label(inp)}: raw BYTES buffer does not hold {count} length-prefixed "
            f"elements for shape {_shape(inp)}"
        )
    return _object_array(items)


def _object_array(items: list[bytes]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _decode_contents(
    inp: RequestInput, dtype: np.dtype, count: int, contents: Sequence
) -> np.ndarray:
    if len(contents) != count:
        raise InvalidRequestError(
            f"{_label(inp)}: contents has {len(contents)} elements, shape "
            f"{_shape(inp)} needs {count}"
        )
    if inp.datatype == "BYTES":
        return _object_array(_bytes_items(inp, contents)).reshape(inp.shape)
    if count == 0:
        return np.empty(inp.shape, dtype)
    try:
        values = np.asarray(contents)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"{_label(inp)}: contents are not {inp.datatype}: {exc}") from exc
    if dtype.kind in "iu" and values.dtype.kind == "f" and all(map(_is_int, contents)):
        values = np.array(contents, dtype=object)  # ints beyond int64 (UINT64, or range errors)
    return _checked_cast(inp, dtype, values).reshape(inp.shape)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bytes_items(inp: RequestInput, contents: Sequence) -> list[bytes]:
    """BYTES contents: strings (UTF-8 encoded) or bytes, nothing else."""
    items = []
    for i, value in enumerate(contents):
        if isinstance(value, str):
            value = value.encode()
        elif not isinstance(value, bytes):
            raise InvalidRequestError(
                f"{_label(inp)}: BYTES element {i} is {_kind_name(value)}, not a string"
            )
        items.append(value)
    return items


def _checked_cast(inp: RequestInput, dtype: np.dtype, values: np.ndarray) -> np.ndarray:
    """``values`` as ``dtype`` if every one is of the right kind and in range (docs/streaming.md §10)."""
    kind = values.dtype.kind
    if kind == "O" and all(map(_is_int, values.flat)):
        kind = "i"  # Python ints beyond int64
    allowed = "b" if dtype.kind == "b" else "iu" if dtype.kind in "iu" else "iuf"
    if kind not in allowed:
        raise InvalidRequestError(
            f"{_label(inp)}: {inp.datatype} contents must be {_EXPECTED[allowed]}, "
            f"got {_ARRAY_KINDS.get(kind, 'mixed or null values')}"
        )
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low, high = int(values.min()), int(values.max())
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise InvalidRequestError(
                f"{_label(inp)}: {bad} is out of range for {inp.datatype} "
                f"({info.min} .. {info.max})"
            )
    if dtype.kind == "f" and dtype.itemsize < values.dtype.itemsize:
        with np.errstate(over="ignore"):
            cast = values.astype(dtype)
        overflow = np.isinf(cast) & np.isfinite(values)
        if overflow.any():
            raise InvalidRequestError(
                f"{_label(inp)}: {values[overflow][0]} is out of range for {inp.datatype}"
            )
        return cast
    return values.astype(dtype, copy=False)


_EXPECTED = {"b": "booleans", "iu": "integers", "iuf": "numbers"}
_ARRAY_KINDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "non-integers"}
_ARRAY_KINDS |= {"U": "strings", "S": "strings"}


def _kind_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def encode_bytes(array: np.ndarray) -> bytes:
    """A BYTES array in KServe's raw form (length-prefixed elements, row-major)."""
    parts: list[bytes] = []
    for item in array.reshape(-1):
        data = item.encode() if isinstance(item, str) else bytes(item)
        parts += (_LENGTH.pack(len(data)), data)
    return b"".join(parts)


OutputConverter = Callable[[Any], np.ndarray]
_converters: dict[type, OutputConverter] = {}


def register_output_converter(kind: type, converter: OutputConverter) -> None:
    """Serialize packets whose payload is a ``kind`` (or subclass) with ``converter``."""
    _converters[kind] = converter


def to_array(value: Any) -> np.ndarray:
    """A packet payload as an array (docs/streaming.md §5: scalars and strings become shape [1])."""
    if isinstance(value, np.ndarray):
        return value
    for kind in type(value).__mro__:
        converter = _converters.get(kind)
        if converter is not None:
            return converter(value)
    to_tensor = getattr(value, "to_tensor", None)
    if callable(to_tensor):
        return np.asarray(to_tensor())
    raise TypeError(f"no output converter for {type(value).__name__}")


TensorEncoder = Callable[[Any], OutputTensor]
_tensor_encoders: dict[type, TensorEncoder] = {}


def register_tensor_encoder(kind: type, encoder: TensorEncoder) -> None:
    """Serialize ``kind`` payloads with ``encoder``, which names and types the output itself."""
    _tensor_encoders[kind] = encoder


def encode_output(name: str, value: Any) -> OutputTensor:
    """A packet payload as an output tensor named after its stream (or as its encoder says)."""
    encoder = _tensor_encoders.get(type(value))
    if encoder is not None:
        return encoder(value)
    array = to_array(value)
    return OutputTensor(name, datatype_name(array.dtype), array)


def payload_bytes(response: InferResponse) -> int:
    """Bytes a response's output data holds (what a stream's buffer limit counts)."""
    total = 0
    for out in response.outputs:
        data = out.data
        if data.dtype == object:
            total += sum(len(v) if isinstance(v, bytes | str) else 8 for v in data.flat)
        else:
            total += data.nbytes
    return total


def _bytes_scalar(value: str | bytes) -> np.ndarray:
    out = np.empty(1, dtype=object)
    out[0] = value.encode() if isinstance(value, str) else value
    return out


def _sequence(value: list | tuple) -> np.ndarray:
    if value and all(isinstance(v, Detection) for v in value):
        return detections_to_tensor(list(value))
    if value and all(isinstance(v, str | bytes) for v in value):
        out = np.empty(len(value), dtype=object)
        out[:] = [v.encode() if isinstance(v, str) else v for v in value]
        return out
    return np.asarray(value)


register_output_converter(bool, lambda v: np.array([v], np.bool_))
register_output_converter(int, lambda v: np.array([v], np.int64))
register_output_converter(float, lambda v: np.array([v], np.float64))
register_output_converter(np.generic, lambda v: np.array([v], dtype=v.dtype))
register_output_converter(str, _bytes_scalar)
register_output_converter(bytes, _bytes_scalar)
register_output_converter(list, _sequence)
register_output_converter(tuple, _sequence)
