"""SidePacketToStreamCalculator: side packets at PreStream, PostStream, 0, a timestamp or ticks."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError
from pipeserve.graphs.timestamp import POSTSTREAM, PRESTREAM


@pytest.mark.parametrize(
    ("tag", "ts"), [("AT_PRESTREAM", PRESTREAM), ("AT_POSTSTREAM", POSTSTREAM), ("AT_ZERO", 0)]
)
def test_fixed_timestamp_outputs_emit_once(tag, ts):
    node = f'calculator: "SidePacketToStreamCalculator" input_side_packet: "v" output_stream: "{tag}:out"'
    assert run_node(node, {}, {"v": "value"})["out"] == [(ts, "value")]


def test_at_timestamp_uses_the_timestamp_side_packet_even_as_an_array():
    node = (
        'calculator: "SidePacketToStreamCalculator" input_side_packet: "v" '
        'input_side_packet: "TIMESTAMP:t" output_stream: "AT_TIMESTAMP:out"'
    )
    assert run_node(node, {}, {"v": 1.5, "t": np.array([42], np.int64)})["out"] == [(42, 1.5)]


def test_tick_outputs_follow_every_tick_or_only_the_first():
    every = 'calculator: "SidePacketToStreamCalculator" input_stream: "TICK:t" input_side_packet: "v" output_stream: "AT_TICK:out"'
    ticks = {"t": [(None, 3), (None, 8)]}
    assert run_node(every, ticks, {"v": 7})["out"] == [(3, 7), (8, 7)]
    first = every.replace("AT_TICK", "AT_FIRST_TICK")
    assert run_node(first, ticks, {"v": 7})["out"] == [(3, 7)]


def test_several_side_packets_map_to_indexed_outputs():
    node = (
        'calculator: "SidePacketToStreamCalculator" input_side_packet: "a" input_side_packet: "b" '
        'output_stream: "AT_ZERO:0:oa" output_stream: "AT_ZERO:1:ob"'
    )
    assert run_node(node, {}, {"a": 1, "b": 2}) == {"oa": [(0, 1)], "ob": [(0, 2)]}


@pytest.mark.parametrize(
    ("ports", "reason"),
    [
        ('input_side_packet: "v" output_stream: "AT_SOMETIME:o"', "exactly one of"),
        (
            'input_side_packet: "v" output_stream: "AT_ZERO:o" output_stream: "AT_TICK:p"',
            "exactly one of",
        ),
        ('input_side_packet: "v" output_stream: "AT_TICK:o"', "TICK"),
        ('input_stream: "TICK:t" input_side_packet: "v" output_stream: "AT_ZERO:o"', "TICK"),
        ('input_side_packet: "v" output_stream: "AT_TIMESTAMP:o"', "TIMESTAMP"),
        (
            'input_side_packet: "v" input_side_packet: "w" output_stream: "AT_ZERO:o"',
            "one untagged",
        ),
    ],
)
def test_bad_configs_are_rejected(ports, reason):
    with pytest.raises(GraphConfigError, match=reason):
        run_node(f'calculator: "SidePacketToStreamCalculator" {ports}', {})
