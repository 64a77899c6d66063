"""GateCalculator: ALLOW/DISALLOW by stream, side packet or option; STATE_CHANGE; bad configs."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError
from pipeserve.graphs.testing import run_graph

DATA = [(f"d{t}", t) for t in range(4)]


def gate(control: str, options: str = "", outputs: str = 'output_stream: "out"') -> str:
    opts = f"options {{ [mediapipe.GateCalculatorOptions.ext] {{ {options} }} }}" if options else ""
    return f'calculator: "GateCalculator" input_stream: "in" {control} {outputs} {opts}'


def test_allow_stream_passes_data_only_at_true_timestamps():
    out = run_node(
        gate('input_stream: "ALLOW:a"'), {"in": DATA, "a": [(True, 0), (False, 1), (True, 3)]}
    )
    assert out["out"] == [(0, "d0"), (3, "d3")]


def test_disallow_stream_inverts_the_decision():
    out = run_node(gate('input_stream: "DISALLOW:a"'), {"in": DATA, "a": [(True, 0), (False, 1)]})
    assert out["out"] == [(1, "d1")]


def test_missing_control_packet_disallows_unless_empty_packets_as_allow():
    inputs = {"in": DATA, "a": [(True, 1)]}
    assert run_node(gate('input_stream: "ALLOW:a"'), inputs)["out"] == [(1, "d1")]
    allowing = gate('input_stream: "ALLOW:a"', "empty_packets_as_allow: true")
    assert run_node(allowing, inputs)["out"] == DATA_STAMPED


DATA_STAMPED = [(t, v) for v, t in DATA]


def test_control_scalars_may_be_one_element_arrays():
    inputs = {"in": DATA[:2], "a": [(np.array([True]), 0), (np.array([[False]]), 1)]}
    assert run_node(gate('input_stream: "ALLOW:a"'), inputs)["out"] == [(0, "d0")]
    out = run_node(gate('input_side_packet: "DISALLOW:s"'), {"in": DATA[:1]}, {"s": np.array([0])})
    assert out["out"] == [(0, "d0")]


@pytest.mark.parametrize(("allow", "expected"), [(True, DATA_STAMPED), (False, [])])
def test_allow_side_packet_fixes_the_decision(allow, expected):
    assert (
        run_node(gate('input_side_packet: "ALLOW:s"'), {"in": DATA}, {"s": allow})["out"]
        == expected
    )


def test_closed_side_packet_gate_closes_its_outputs_so_bound_watchers_see_nothing():
    graph = (
        'input_stream: "in" input_side_packet: "s" output_stream: "presence" '
        'node { calculator: "GateCalculator" input_stream: "in" input_side_packet: "ALLOW:s" '
        'output_stream: "gated" } '
        'node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated" '
        'output_stream: "PRESENCE:presence" }'
    )
    assert run_graph(graph, {"in": DATA}, {"s": False})["presence"] == []


@pytest.mark.parametrize(("allow", "expected"), [("true", DATA_STAMPED), ("false", [])])
def test_allow_option_applies_without_control_input(allow, expected):
    assert run_node(gate("", f"allow: {allow}"), {"in": DATA})["out"] == expected


def test_state_change_reports_each_change_after_the_first_set():
    node = gate(
        'input_stream: "ALLOW:a"', outputs='output_stream: "out" output_stream: "STATE_CHANGE:c"'
    )
    flags = [(False, 0), (False, 1), (True, 2), (False, 3)]
    assert run_node(node, {"in": DATA, "a": flags})["c"] == [(2, True), (3, False)]
    initial = gate(
        'input_stream: "ALLOW:a"',
        "initial_gate_state: GATE_ALLOW",
        outputs='output_stream: "out" output_stream: "STATE_CHANGE:c"',
    )
    assert run_node(initial, {"in": DATA, "a": flags})["c"] == [(0, False), (2, True), (3, False)]


def test_several_data_streams_are_gated_together():
    node = (
        'calculator: "GateCalculator" input_stream: "x" input_stream: "y" '
        'input_stream: "ALLOW:a" output_stream: "ox" output_stream: "oy"'
    )
    out = run_node(
        node, {"x": [(1, 0), (2, 1)], "y": [(3, 0), (4, 1)], "a": [(True, 0), (False, 1)]}
    )
    assert (out["ox"], out["oy"]) == ([(0, 1)], [(0, 3)])


@pytest.mark.parametrize(
    ("control", "outputs", "reason"),
    [
        ('input_stream: "ALLOW:a" input_stream: "DISALLOW:b"', 'output_stream: "out"', "only one"),
        (
            'input_stream: "ALLOW:a" input_side_packet: "ALLOW:s"',
            'output_stream: "out"',
            "only one",
        ),
        (
            'input_side_packet: "ALLOW:s" input_side_packet: "DISALLOW:t"',
            'output_stream: "out"',
            "only one",
        ),
        ("", 'output_stream: "out" output_stream: "out2"', "must match"),
    ],
)
def test_bad_configs_are_rejected(control, outputs, reason):
    with pytest.raises(GraphConfigError, match=reason):
        run_node(gate(control, outputs=outputs), {})
