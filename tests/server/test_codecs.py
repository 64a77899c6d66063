"""Tensor codecs: zero-copy raw decoding, checks before anything is pushed, output converters."""

from __future__ import annotations

import numpy as np
import pytest

from pipeserve.calculators.formats import Detection, NormalizedRect
from pipeserve.server.codecs import decode_input, encode_bytes, encode_output
from pipeserve.server.errors import InvalidRequestError
from pipeserve.server.types import RequestInput


def test_raw_input_is_decoded_without_copying() -> None:
    raw = np.arange(6, dtype=np.float32).tobytes()
    array = decode_input(RequestInput("x", "FP32", (2, 3)), raw)
    assert array.shape == (2, 3) and not array.flags.owndata
    assert np.shares_memory(array, np.frombuffer(raw, np.uint8))


def test_raw_bytes_round_trip() -> None:
    values = np.array([b"a", b"", b"xyz"], dtype=object)
    decoded = decode_input(RequestInput("s", "BYTES", (3,)), encode_bytes(values))
    assert decoded.tolist() == values.tolist()


@pytest.mark.parametrize("raw", [b"\x05\0\0\0ab", b"\x01\0\0\0a\x01\0\0\0b"])
def test_raw_bytes_that_do_not_match_the_shape_are_rejected(raw: bytes) -> None:
    with pytest.raises(InvalidRequestError, match="length-prefixed elements"):
        decode_input(RequestInput("s", "BYTES", (1,)), raw)


def test_typed_contents_that_are_not_numbers_are_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="contents are not INT32"):
        decode_input(RequestInput("x", "INT32", (1,), ["a"]), None)


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
