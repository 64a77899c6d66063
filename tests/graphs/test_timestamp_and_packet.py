"""Timestamps' special values and names; packets; scalar inputs from tensors."""

import numpy as np
import pytest

from pipeserve.graphs import EMPTY, Packet, as_scalar
from pipeserve.graphs import timestamp as ts
from pipeserve.graphs.testing import run_graph
from tests.graphs.fixture_calculators import TestMakeArrayCalculator


def test_special_values_match_mediapipe_int64_layout():
    assert ts.UNSET == -(2**63)
    assert ts.MIN == -(2**63) + 3
    assert ts.MAX == 2**63 - 4
    assert ts.DONE == 2**63 - 1
    assert sorted([ts.MIN, ts.PRESTREAM, ts.UNSTARTED, ts.UNSET]) == [
        ts.UNSET,
        ts.UNSTARTED,
        ts.PRESTREAM,
        ts.MIN,
    ]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (ts.UNSET, "Timestamp::Unset()"),
        (ts.UNSTARTED, "Timestamp::Unstarted()"),
        (ts.PRESTREAM, "Timestamp::PreStream()"),
        (ts.MIN, "Timestamp::Min()"),
        (ts.MAX, "Timestamp::Max()"),
        (ts.POSTSTREAM, "Timestamp::PostStream()"),
        (ts.ONE_OVER_POSTSTREAM, "Timestamp::OneOverPostStream()"),
        (ts.DONE, "Timestamp::Done()"),
        (42, "42"),
    ],
)
def test_timestamp_names(value, name):
    assert ts.timestamp_name(value) == name


def test_next_and_previous_allowed():
    assert ts.next_allowed_in_stream(5) == 6
    assert ts.next_allowed_in_stream(ts.PRESTREAM) == ts.ONE_OVER_POSTSTREAM
    assert ts.next_allowed_in_stream(ts.MAX) == ts.ONE_OVER_POSTSTREAM
    assert ts.previous_allowed_in_stream(6) == 5
    assert ts.previous_allowed_in_stream(ts.MIN) == ts.UNSTARTED
    assert ts.is_range_value(ts.MIN) and ts.is_range_value(ts.MAX)
    assert not ts.is_range_value(ts.PRESTREAM)
    assert ts.is_allowed_in_stream(ts.POSTSTREAM)
    assert not ts.is_allowed_in_stream(ts.DONE)


def test_packet_is_immutable_and_describes_itself():
    packet = Packet(np.zeros((480, 640, 3), np.uint8), 3)
    assert repr(packet) == "Packet(ts=3, ndarray[480,640,3] uint8)"
    with pytest.raises(AttributeError):
        packet.timestamp = 4  # type: ignore[misc]
    assert packet.at(7).value is packet.value
    assert Packet().is_empty and Packet(EMPTY, 1).is_empty and not packet.is_empty


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (np.array([2.5], np.float32), float, 2.5),
        (np.array([[3]], np.int64), int, 3),
        (np.array([True]), bool, True),
        (np.float64(1.5), float, 1.5),
        (7, int, 7),
        (False, bool, False),
        (0.25, float, 0.25),
    ],
)
def test_as_scalar_accepts_python_scalars_and_one_element_arrays(value, kind, expected):
    result = as_scalar(value, kind)
    assert result == expected and type(result) is kind


@pytest.mark.parametrize("value", [np.array([1.0, 2.0]), "3", b"x", None, [1]])
def test_as_scalar_rejects_non_scalars_naming_them(value):
    with pytest.raises(TypeError, match="expected"):
        as_scalar(value, float)


def test_added_arrays_become_read_only_without_a_copy():
    TestMakeArrayCalculator.made.clear()
    out = run_graph(
        'input_stream: "in" output_stream: "out" '
        'node { calculator: "TestMakeArrayCalculator" input_stream: "IN:in" output_stream: "OUT:out" }',
        {"in": [(0, 1), (0, 2)]},
    )
    arrays = [p.value for p in out["out"]]
    assert [a is m for a, m in zip(arrays, TestMakeArrayCalculator.made, strict=True)] == [True] * 2
    assert [a.flags.writeable for a in arrays] == [False, False]
    with pytest.raises(ValueError, match="read-only"):
        arrays[0][0] = 5
