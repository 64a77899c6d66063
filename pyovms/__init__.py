"""pyovms: the ``Tensor`` type of OVMS's Python nodes, for handler scripts run by pipeserve.

Handler scripts written for OpenVINO Model Server import it unchanged
(``from pyovms import Tensor``). A Tensor wraps any buffer without copying it and adds a
name, a shape and a KServe datatype::

    Tensor("out", np.ones((2, 3), np.float32))      # shape (2, 3), datatype "FP32"
    Tensor("text", "hello".encode())               # shape (5,), datatype "UINT8"
    Tensor("raw", payload, shape=(3,), datatype="my_type")  # attributes only, no reshape

Read one with ``bytes(t)``, ``np.array(t)`` / ``np.asarray(t)`` (zero-copy), or ``t.data``
(a memoryview: ``t.data.format`` is the struct format, ``t.data.shape`` the buffer's
shape). ``memoryview(t)`` itself needs Python 3.12 (``__buffer__``); on 3.10/3.11 use
``t.data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["DATATYPE_FORMATS", "Tensor"]

DATATYPE_FORMATS: dict[str, str] = {
    "BOOL": "?",
    "UINT8": "B",
    "UINT16": "H",
    "UINT32": "I",
    "UINT64": "Q",
    "INT8": "b",
    "INT16": "h",
    "INT32": "i",
    "INT64": "q",
    "FP16": "e",
    "FP32": "f",
    "FP64": "d",
}
"""KServe datatype -> struct format character of the buffer (OVMS's mapping)."""
_FORMAT_DATATYPES = {fmt: name for name, fmt in DATATYPE_FORMATS.items()}
_BYTE_ORDER = "@=<"
RAW_FORMAT = "B"
"""The buffer format of BYTES and custom datatypes: raw bytes, one dimension."""


def datatype_of(view: memoryview) -> str:
    """The KServe datatype of a buffer's format; the format itself when none maps.

    C ``long`` (``l``/``L``) maps by its size, so numpy's int64 on Linux is INT64.
    """
    fmt = view.format.lstrip(_BYTE_ORDER)
    if fmt in ("l", "L"):
        fmt = {("l", 8): "q", ("l", 4): "i", ("L", 8): "Q", ("L", 4): "I"}[(fmt, view.itemsize)]
    return _FORMAT_DATATYPES.get(fmt, view.format)


class Tensor:
    """A named buffer with a shape and a datatype (OVMS's ``pyovms.Tensor``).

    ``data`` must support the buffer protocol (bytes, numpy arrays, memoryviews, another
    Tensor). ``shape`` and ``datatype`` default to the buffer's; given explicitly they
    only set the attributes (the buffer is not reshaped or converted).
    """

    __slots__ = ("_view", "datatype", "name", "shape")

    def __init__(
        self,
        name: str,
        data: Any,
        shape: Sequence[int] | None = None,
        datatype: str | None = None,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Tensor name must be a str, got {type(name).__name__}")
        view = data.data if isinstance(data, Tensor) else memoryview(data)
        self.name = name
        self._view = view
        dims: Sequence[int] = view.shape or () if shape is None else shape
        self.shape: tuple[int, ...] = tuple(int(d) for d in dims)
        self.datatype: str = datatype_of(view) if datatype is None else str(datatype)

    @classmethod
    def from_buffer(cls, name: str, buffer: Any, shape: Sequence[int], datatype: str) -> Tensor:
        """A Tensor over a request's raw bytes (no copy): typed with the datatype's format
        and shape when the datatype is a KServe numeric type, else raw 1-D bytes (BYTES,
        custom types) with ``shape`` kept as the attribute."""
        fmt = DATATYPE_FORMATS.get(datatype)
        if fmt is None:
            return cls(name, buffer, shape, datatype)
        array = np.frombuffer(buffer, dtype=np.dtype(fmt)).reshape(tuple(shape))
        return cls(name, array, shape, datatype)

    @property
    def data(self) -> memoryview:
        """The underlying buffer (read-only when the source is)."""
        return self._view

    @property
    def size(self) -> int:
        """The buffer's size in bytes."""
        return self._view.nbytes

    def __bytes__(self) -> bytes:
        return self._view.tobytes()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = np.asarray(self._view)
        return array if dtype is None else array.astype(dtype, copy=False)

    def __buffer__(self, flags: int) -> memoryview:
        return self._view

    def __release_buffer__(self, view: memoryview) -> None:
        """Nothing to release: the view stays valid while the Tensor lives."""

    def __repr__(self) -> str:
        return f"Tensor({self.name!r}, {self.datatype}, shape={list(self.shape)})"
