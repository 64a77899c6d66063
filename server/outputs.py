"""Requested outputs (KServe's ``outputs`` list): which outputs a call returns (docs/streaming.md §5).

One rule for gRPC and REST, unary calls and streams: no list returns every output; a list
returns only the outputs it names, and an output not named is not even observed. A name the
servable lacks is refused, naming the outputs it has. On a stream the first request's list
(or its absence) fixes the stream's outputs, as its ``model_name`` fixes the graph; a later
request may repeat that list or omit it, and one naming other outputs is refused.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .errors import InvalidRequestError, shorten


def select_outputs(requested: Sequence[str], available: Sequence[str], servable: str) -> list[str]:
    """The outputs a call returns: ``available`` without a list, else ``requested`` (first
    occurrences, in request order); INVALID_ARGUMENT for a name ``servable`` lacks."""
    if not requested:
        return list(available)
    unknown = [name for name in requested if name not in available]
    if unknown:
        names = ", ".join(repr(shorten(name)) for name in unknown[:4])
        raise InvalidRequestError(
            f"requested output {names} is not an output of {shorten(servable)!r} "
            f"(outputs: {sorted(available)})"
        )
    return list(dict.fromkeys(requested))


def check_same_outputs(requested: Sequence[str], fixed: Collection[str] | None) -> None:
    """A later request on a stream: its list must be absent or name the outputs the first
    request fixed (``fixed``: that list's names, None when it had none)."""
    if not requested or set(requested) == fixed:
        return
    first = "none (every output)" if fixed is None else sorted(fixed)
    raise InvalidRequestError(
        f"Subsequent request with different requested outputs: "
        f"{sorted(shorten(name) for name in requested)} (the stream's first request "
        f"requested {first})"
    )
