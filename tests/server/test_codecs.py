"""Tensor codecs: zero-copy raw decoding, checks before anything is pushed, output converters."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pipeserve.calculators.formats import Detection, NormalizedRect
from pipeserve.server.codecs import decode_input, encode_bytes, encode_output
from pipeserve.server.errors import InvalidRequestError
from pipeserve.server.types import RequestInput

LIMIT = 1 << 20


def test_raw_input_is_decoded_without_copying() -> None:
    raw = np.arange(6, dtype=np.float32).tobytes()
    array = decode_input(RequestInput("x", "FP32", (2, 3)), raw, LIMIT)
    assert array.shape == (2, 3) and not array.flags.owndata
    assert np.shares_memory(array, np.frombuffer(raw, np.uint8))


def test_raw_bytes_round_trip() -> None:
    values = np.array([b"a", b"", b"xyz"], dtype=object)
    decoded = decode_input(RequestInput("s", "BYTES", (3,)), encode_bytes(values), LIMIT)
    assert decoded.tolist() == values.tolist()


@pytest.mark.parametrize("raw", [b"\x05\0\0\0ab", b"\x01\0\0\0a\x01\0\0\0b"])
def test_raw_bytes_that_do_not_match_the_shape_are_rejected(raw: bytes) -> None:
    with pytest.raises(InvalidRequestError, match="length-prefixed elements"):
        decode_input(RequestInput("s", "BYTES", (1,)), raw, LIMIT)


@pytest.mark.parametrize(
    ("datatype", "data", "expected"),
    [
        ("INT32", ["a"], "INT32 contents must be integers, got strings"),
        ("INT8", [1000], "1000 is out of range for INT8 (-128 .. 127)"),
        ("UINT8", [-1], "-1 is out of range for UINT8 (0 .. 255)"),
        ("INT64", [1.5], "INT64 contents must be integers, got non-integers"),
        ("INT32", [None], "INT32 contents must be integers, got mixed or null values"),
        ("BOOL", [1], "BOOL contents must be booleans, got integers"),
        ("FP32", [1e39], "1e+39 is out of range for FP32"),
        ("FP16", ["x"], "FP16 contents must be numbers, got strings"),
        ("BYTES", [5], "BYTES element 0 is int, not a string"),
        ("BYTES", [300000000], "BYTES element 0 is int, not a string"),
        ("BYTES", [None], "BYTES element 0 is null, not a string"),
    ],
)
def test_typed_contents_are_checked_against_the_datatype(
    datatype: str, data: list, expected: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        decode_input(RequestInput("x", datatype, (1,), data), None, LIMIT)


@pytest.mark.parametrize(
    ("datatype", "data", "expected"),
    [
        ("INT8", [-128, 127], [-128, 127]),
        ("UINT64", [0, 2**64 - 1], [0, 2**64 - 1]),
        ("FP32", [1, 2.5], [1.0, 2.5]),
        ("BOOL", [True, False], [True, False]),
        ("BYTES", ["é", b"\0"], ["é".encode(), b"\0"]),
    ],
)
def test_typed_contents_in_range_are_decoded(datatype: str, data: list, expected: list) -> None:
    assert decode_input(RequestInput("x", datatype, (2,), data), None, LIMIT).tolist() == expected


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((1,) * 40, "shape has rank 40, at most 32 is supported"),
        ((0, 1 << 62), "needs 18446744073709551616 bytes, more than the 1048576-byte"),
        ((1 << 20, 1 << 20), "needs 4398046511104 bytes"),
    ],
)
def test_shapes_are_checked_before_anything_is_allocated(
    shape: tuple[int, ...], expected: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        decode_input(RequestInput("x", "FP32", shape), b"", LIMIT)


def test_long_names_are_cut_in_errors() -> None:
    with pytest.raises(InvalidRequestError) as info:
        decode_input(RequestInput("n" * 65536, "FP8", (1,)), b"", LIMIT)
    assert len(info.value.message) < 300 and "(65536 characters)" in info.value.message


@pytest.mark.parametrize(
    ("value", "datatype", "shape"),
    [
        (True, "BOOL", (1,)),
        (3, "INT64", (1,)),
        (2.5, "FP64", (1,)),
        (np.float32(1), "FP32", (1,)),
        ("word", "BYTES", (1,)),
        (b"raw", "BYTES", (1,)),
        (NormalizedRect(0.5, 0.5, 0.1, 0.2), "FP32", (5,)),
        ([Detection(0, 0, 1, 1, 0.9, np.zeros((2, 2), np.float32))], "FP32", (1, 9)),
        (np.zeros((2, 2), np.uint16), "UINT16", (2, 2)),
    ],
)
def test_packet_values_become_tensors(value: object, datatype: str, shape: tuple) -> None:
    out = encode_output("o", value)
    assert (out.name, out.datatype, out.shape) == ("o", datatype, shape)


def test_values_without_a_converter_are_refused() -> None:
    with pytest.raises(TypeError, match="no output converter for object"):
        encode_output("o", object())
