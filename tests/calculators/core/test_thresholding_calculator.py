"""ThresholdingCalculator: FLOAT > threshold, from option, side packet or stream."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError

OUTPUTS = 'output_stream: "FLAG:flag" output_stream: "ACCEPT:accept" output_stream: "REJECT:reject"'
OPTION = "options { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: %s } }"


def node(extra: str) -> str:
    return f'calculator: "ThresholdingCalculator" input_stream: "FLOAT:x" {OUTPUTS} {extra}'


def test_strictly_greater_accepts_and_scalars_may_be_arrays():
    values = [(0.5, 0), (np.array([0.75], np.float32), 1), (np.array(0.25), 2)]
    out = run_node(node(OPTION % 0.5), {"x": values})
    assert out == {
        "flag": [(0, False), (1, True), (2, False)],
        "accept": [(1, True)],
        "reject": [(0, False), (2, False)],
    }


def test_side_packet_overrides_the_option():
    out = run_node(
        node(OPTION % 0.9 + ' input_side_packet: "THRESHOLD:t"'),
        {"x": [(0.5, 0)]},
        {"t": np.array([0.1])},
    )
    assert out["flag"] == [(0, True)]


def test_threshold_stream_sets_the_threshold_from_its_timestamp_on():
    inputs = {"x": [(0.5, 0), (0.5, 1), (0.5, 2)], "t": [(0.6, 1)]}
    out = run_node(node(OPTION % 0.4 + ' input_stream: "THRESHOLD:t"'), inputs)
    assert out["flag"] == [(0, True), (1, False), (2, False)]


def test_threshold_given_twice_is_rejected():
    with pytest.raises(GraphConfigError, match="not both"):
        run_node(node('input_stream: "THRESHOLD:t" input_side_packet: "THRESHOLD:s"'), {})
