"""Payload types of ports: whether what an output produces can feed an input, checked at build.

A port declares its payload type as a Python type expression: a class (``np.ndarray``,
``NormalizedRect``), a generic alias (``list[Detection]``, ``tuple[int, int]``), a union
(``np.ndarray | float``) or ``Any`` (the default, for polymorphic ports). An edge is
accepted unless no value of the produced type could be a value of the accepted type.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin


def can_feed(produced: Any, accepted: Any) -> bool:
    """True when a value declared as ``produced`` may be a value declared as ``accepted``."""
    if produced is Any or accepted is Any:
        return True
    producers, acceptors = _members(produced), _members(accepted)
    if len(producers) > 1 or len(acceptors) > 1:
        return any(can_feed(p, a) for p in producers for a in acceptors)
    p_origin = get_origin(produced) or produced
    a_origin = get_origin(accepted) or accepted
    if not isinstance(p_origin, type) or not isinstance(a_origin, type):
        return True  # a form this check does not model is never rejected
    if not _is_subclass(p_origin, a_origin):
        return False
    p_args = [t for t in get_args(produced) if t is not Ellipsis]
    a_args = [t for t in get_args(accepted) if t is not Ellipsis]
    if not p_args or not a_args:
        return True
    if len(p_args) == len(a_args):
        return all(can_feed(p, a) for p, a in zip(p_args, a_args, strict=True))
    return all(can_feed(p, a) for p in p_args for a in a_args)  # tuple[X, ...] against fixed


def type_name(payload: Any) -> str:
    """A short readable name: ``ndarray``, ``list[Detection]``, ``tuple[int, int]``, ``Any``."""
    if payload is Any:
        return "Any"
    if payload is Ellipsis:
        return "..."
    if payload is None or payload is type(None):
        return "None"
    members = _members(payload)
    if len(members) > 1:
        return " | ".join(type_name(m) for m in members)
    origin = get_origin(payload)
    if origin is not None:
        args = ", ".join(type_name(a) for a in get_args(payload))
        return f"{type_name(origin)}[{args}]"
    return str(getattr(payload, "__qualname__", payload))


def _members(payload: Any) -> tuple[Any, ...]:
    if get_origin(payload) in (Union, types.UnionType):
        return get_args(payload)
    return (payload,)


def _is_subclass(produced: type, accepted: type) -> bool:
    # PEP 484's numeric promotion: an int is acceptable where a float is.
    return issubclass(produced, accepted) or (accepted is float and issubclass(produced, int))
