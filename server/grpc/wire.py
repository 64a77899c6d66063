"""A serialized protobuf message split into one bytes field's buffers and the rest.

Python protobuf copies every bytes field out of the wire data, once when it parses and once
more when the field is read; a frame's ``raw_input_contents`` is most of its request. So
the buffers are sliced out of the bytes received, and protobuf parses only the rest.
"""

from __future__ import annotations

LENGTH_DELIMITED = 2
_SKIP = {0: -1, 1: 8, 5: 4}
"""Bytes to skip after the key, by wire type (-1: a varint)."""


def split_field(data: bytes, field: int) -> tuple[bytes, list[memoryview]] | None:
    """``data`` without its top-level occurrences of length-delimited ``field``, and those
    occurrences' contents in order, as views of ``data``; None where the bytes are not what
    a plain message encodes (groups, truncation): parse the whole message then."""
    view = memoryview(data)
    found: list[memoryview] = []
    kept: list[memoryview] = []
    pos, start, end = 0, 0, len(data)
    try:
        while pos < end:
            first = pos
            key, pos = _varint(data, pos)
            wire = key & 7
            if wire == LENGTH_DELIMITED:
                length, pos = _varint(data, pos)
                if key >> 3 == field:
                    found.append(view[pos : pos + length])
                    kept.append(view[start:first])
                    start = pos + length
                pos += length
            elif (skip := _SKIP.get(wire)) is None:
                return None
            elif skip < 0:
                _, pos = _varint(data, pos)
            else:
                pos += skip
    except IndexError:
        return None
    if pos != end:
        return None
    kept.append(view[start:end])
    return b"".join(kept), found


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
