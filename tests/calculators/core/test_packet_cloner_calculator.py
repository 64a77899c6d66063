"""PacketClonerCalculator: the latest packets re-stamped at each tick."""

from __future__ import annotations

import pytest
from core_helpers import run_node, run_steps

from pipeserve.errors import GraphConfigError

CLONER = (
    'input_stream: "x" input_stream: "y" input_stream: "tick" output_stream: "ox" output_stream: "oy" '
    'node { calculator: "PacketClonerCalculator" input_stream: "x" input_stream: "y" '
    'input_stream: "TICK:tick" output_stream: "ox" output_stream: "oy" %s }'
)
OPTIONS = "options { [mediapipe.PacketClonerCalculatorOptions.ext] { %s: true } }"
STEPS = [
    ("x", "x0", 0),
    ("tick", 1, 1),
    ("y", "y2", 2),
    ("tick", 1, 3),
    ("x", "x4", 4),
    ("tick", 1, 5),
]


def test_each_tick_repeats_the_latest_packet_of_each_input():
    out = run_steps(CLONER % "", STEPS)
    assert out["ox"] == [(1, "x0"), (3, "x0"), (5, "x4")]
    assert out["oy"] == [(3, "y2"), (5, "y2")]


def test_ticks_before_all_inputs_arrived_can_be_dropped():
    out = run_steps(CLONER % (OPTIONS % "output_only_when_all_inputs_received"), STEPS)
    assert out["ox"] == [(3, "x0"), (5, "x4")]
    assert out["oy"] == [(3, "y2"), (5, "y2")]


def test_last_untagged_input_is_the_tick_without_a_tick_tag():
    node = 'calculator: "PacketClonerCalculator" input_stream: "x" input_stream: "t" output_stream: "o"'
    assert run_node(node, {"x": [("a", 0)], "t": [(0, 1), (0, 2)]})["o"] == [(1, "a"), (2, "a")]


def test_needs_one_output_per_cloned_input():
    node = 'calculator: "PacketClonerCalculator" input_stream: "x" input_stream: "t" output_stream: "o" output_stream: "p"'
    with pytest.raises(GraphConfigError, match="untagged output"):
        run_node(node, {})
