"""A request's inputs as packet values, by the graph stream's tag (docs/streaming.md §4).

Everything is checked before anything is returned, so a bad request pushes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .codecs import decode_input
from .errors import InvalidRequestError, shorten
from .pytensors import decode_py_tensor, is_py_tensor_tag
from .types import InferRequest, RawBuffer, RequestInput

IMAGE_TAG = "IMAGE"
REQUEST_TAG = "REQUEST"
IMAGE_DATATYPES = frozenset({"UINT8", "INT8", "UINT16", "INT16", "FP16", "FP32"})
IMAGE_CHANNELS = frozenset({1, 3, 4})


def decode_request(
    request: InferRequest, tags: Mapping[str, str], max_bytes: int
) -> list[tuple[str, Any]]:
    """``(stream name, value)`` for every input; ``tags`` maps input names to their tags.

    ``max_bytes`` bounds what one input's shape may describe (the message size limit).
    """
    if REQUEST_TAG in tags.values():
        name = next(n for n, t in tags.items() if t == REQUEST_TAG)
        return [(name, request)]
    raw = request.raw_contents
    if raw and len(raw) != len(request.inputs):
        raise InvalidRequestError(
            f"raw_input_contents has {len(raw)} buffers for {len(request.inputs)} inputs"
        )
    seen: set[str] = set()
    values: list[tuple[str, Any]] = []
    for i, inp in enumerate(request.inputs):
        tag = tags.get(inp.name)
        if tag is None:
            raise InvalidRequestError(
                f"input {shorten(inp.name)!r} is not an input of {shorten(request.model_name)!r} "
                f"(inputs: {sorted(tags)})"
            )
        if inp.name in seen:
            raise InvalidRequestError(f"input {shorten(inp.name)!r} appears twice in the request")
        seen.add(inp.name)
        values.append((inp.name, decode_value(inp, raw[i] if raw else None, tag, max_bytes)))
    return values


def decode_value(inp: RequestInput, raw: RawBuffer | None, tag: str, max_bytes: int) -> Any:
    """One input decoded for a stream with ``tag``."""
    if is_py_tensor_tag(tag):
        return decode_py_tensor(inp, raw, max_bytes)
    if tag == IMAGE_TAG:
        _check_image(inp, raw)
    return decode_input(inp, raw, max_bytes)


def _check_image(inp: RequestInput, raw: RawBuffer | None) -> None:
    if inp.datatype not in IMAGE_DATATYPES:
        raise InvalidRequestError(
            f"input {inp.name!r}: an IMAGE must be one of {sorted(IMAGE_DATATYPES)}, "
            f"got {shorten(inp.datatype)}"
        )
    if len(inp.shape) != 3 or inp.shape[2] not in IMAGE_CHANNELS:
        raise InvalidRequestError(
            f"input {inp.name!r}: an IMAGE must be HWC with 1, 3 or 4 channels, "
            f"got shape {shorten(str(list(inp.shape)))}"
        )
    if raw is None:
        raise InvalidRequestError(f"input {inp.name!r}: IMAGE data must be in raw_input_contents")
