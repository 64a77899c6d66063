"""Packets: an immutable payload with a timestamp."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from .timestamp import UNSET, timestamp_name


class _Empty:
    """Marker payload of an empty packet (no data at this timestamp)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<empty>"


EMPTY: Any = _Empty()


@dataclass(slots=True, frozen=True)
class Packet:
    """A value at a timestamp. Payloads are shared, never copied: treat them as read-only."""

    value: Any = EMPTY
    timestamp: int = UNSET

    @property
    def is_empty(self) -> bool:
        """True when the packet holds no data (an absent input in an input set)."""
        return self.value is EMPTY

    def at(self, timestamp: int) -> Packet:
        """The same payload at another timestamp."""
        return Packet(self.value, timestamp)

    def __repr__(self) -> str:
        return f"Packet(ts={timestamp_name(self.timestamp)}, {describe_value(self.value)})"


EMPTY_PACKET = Packet()


def describe_value(value: Any) -> str:
    """A short, type-revealing description of a payload for logs and errors."""
    if isinstance(value, np.ndarray):
        shape = ",".join(str(d) for d in value.shape)
        return f"ndarray[{shape}] {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


Scalar: TypeAlias = bool | int | float | np.generic | np.ndarray
"""What ``as_scalar`` reads: a Python scalar, a numpy scalar, or a one-element array."""


def as_scalar(value: Any, kind: type) -> Any:
    """A bool/int/float from a Python scalar or a one-element array (clients send tensors).

    Raises ``TypeError`` naming the value when it is neither.
    """
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise TypeError(f"expected a single {kind.__name__}, got {describe_value(value)}")
        value = value.reshape(()).item()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes | str) or not isinstance(value, bool | int | float):
        raise TypeError(f"expected a {kind.__name__}, got {describe_value(value)}")
    return kind(value)
