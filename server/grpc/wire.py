"""Slices of a serialized protobuf message's bytes fields, without copying them.

Python protobuf hands a repeated ``bytes`` field out as new ``bytes`` objects (a copy of
each buffer); a frame's ``raw_input_contents`` is most of its request, so the request's
own bytes are sliced instead.
"""

from __future__ import annotations

LENGTH_DELIMITED = 2
_SKIP = {0: -1, 1: 8, 5: 4}
"""Bytes to skip after the key, by wire type (-1: a varint)."""


def field_slices(data: bytes, field: int) -> list[memoryview] | None:
    """Every top-level occurrence of length-delimited ``field`` in ``data``, in order, as
    views of ``data``; None where the bytes are not what a plain message encodes (groups,
    truncation): read the parsed message then."""
    view = memoryview(data)
    found: list[memoryview] = []
    pos, end = 0, len(data)
    try:
        while pos < end:
            key, pos = _varint(data, pos)
            wire = key & 7
            if wire == LENGTH_DELIMITED:
                length, pos = _varint(data, pos)
                if key >> 3 == field:
                    found.append(view[pos : pos + length])
                pos += length
            elif (skip := _SKIP.get(wire)) is None:
                return None
            elif skip < 0:
                _, pos = _varint(data, pos)
            else:
                pos += skip
    except IndexError:
        return None
    return found if pos == end else None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    value, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + 1
        shift += 7
