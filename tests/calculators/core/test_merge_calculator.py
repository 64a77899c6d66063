"""MergeCalculator: the first input (by index) with a packet at each timestamp."""

from __future__ import annotations

import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError

NODE = 'calculator: "MergeCalculator" input_stream: "a" input_stream: "b" output_stream: "out"'


def test_first_non_empty_input_wins():
    out = run_node(NODE, {"a": [("a0", 0), ("a2", 2)], "b": [("b0", 0), ("b1", 1)]})
    assert out["out"] == [(0, "a0"), (1, "b1"), (2, "a2")]


def test_needs_one_untagged_output():
    with pytest.raises(GraphConfigError):
        run_node(NODE + ' output_stream: "out2"', {})
