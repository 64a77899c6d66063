"""KServe v2 ``InferParameter``: which field of the oneof holds a Python value.

One rule for the server's messages and the client's (each side has its own generated class;
this module imports neither, so the client library stays free of the server's stubs)."""

from __future__ import annotations

from typing import Any


def set_parameter(target: Any, value: bool | int | float | str) -> None:
    """Write ``value`` into the ``InferParameter`` message ``target`` (a bool is tested before
    an int: in Python it is one; anything else is written as its string)."""
    if isinstance(value, bool):
        target.bool_param = value
    elif isinstance(value, int):
        target.int64_param = value
    elif isinstance(value, float):
        target.double_param = value
    else:
        target.string_param = str(value)
