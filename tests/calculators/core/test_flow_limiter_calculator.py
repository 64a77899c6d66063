"""FlowLimiterCalculator: options from node, OPTIONS and MAX_IN_FLIGHT; ALLOW; FINISHED."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_steps
from mediapipe.calculators.core.flow_limiter_calculator_pb2 import FlowLimiterCalculatorOptions

from pipeserve.errors import GraphConfigError
from pipeserve.graphs import GraphSpec, parse_graph_config


def limiter(extra: str = "") -> str:
    # FINISHED is a graph input here, so the test decides when frames finish.
    return (
        'input_stream: "in" input_stream: "finished" output_stream: "out" output_stream: "allow" '
        'node { calculator: "FlowLimiterCalculator" input_stream: "in" '
        f'input_stream: "FINISHED:finished" output_stream: "out" output_stream: "ALLOW:allow" {extra} }}'
    )


STEPS = [("in", 0, 0), ("in", 1, 1), ("in", 2, 2), ("finished", 0, 0), ("in", 3, 3), ("in", 4, 4)]


def test_one_frame_in_flight_drops_the_rest():
    out = run_steps(limiter(), STEPS)
    assert out["out"] == [(0, 0), (3, 3)]
    assert out["allow"] == [(0, True), (1, False), (2, False), (3, True), (4, False)]


def test_max_in_flight_side_packet_may_be_an_array():
    side = 'input_side_packet: "MAX_IN_FLIGHT:m"'
    out = run_steps(limiter(side), STEPS, {"m": np.array([2], np.int32)})
    assert out["out"] == [(0, 0), (1, 1), (3, 3)]


def test_options_side_packet_is_merged_over_the_node_options():
    options = FlowLimiterCalculatorOptions(max_in_queue=1)
    out = run_steps(limiter('input_side_packet: "OPTIONS:o"'), STEPS, {"o": options})
    # 2 waited in the queue (1 was dropped for it) and left when 0 finished; 4 replaced 3
    # and left when the stream ended (FINISHED done ends every frame in flight).
    assert out["out"] == [(0, 0), (2, 2), (4, 4)]
    assert out["allow"] == [(0, True), (1, False), (2, True), (3, False), (4, True)]


def test_finished_input_is_required():
    config = 'input_stream: "in" node { calculator: "FlowLimiterCalculator" input_stream: "in" output_stream: "out" }'
    with pytest.raises(GraphConfigError, match="FINISHED"):
        GraphSpec(parse_graph_config(config))
