"""MuxCalculator: the INPUT chosen by SELECT (stream or side packet)."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError, NodeError

INPUTS = 'input_stream: "INPUT:0:a" input_stream: "INPUT:1:b" output_stream: "OUTPUT:out"'
DATA = {"a": [("a0", 0), ("a1", 1)], "b": [("b0", 0), ("b1", 1)]}


def test_select_stream_picks_per_timestamp():
    node = f'calculator: "MuxCalculator" input_stream: "SELECT:s" {INPUTS}'
    out = run_node(node, {**DATA, "s": [(1, 0), (np.array([0]), 1)]})
    assert out["out"] == [(0, "b0"), (1, "a1")]


def test_select_side_packet_fixes_the_input():
    node = f'calculator: "MuxCalculator" input_side_packet: "SELECT:s" {INPUTS}'
    assert run_node(node, DATA, {"s": 1})["out"] == [(0, "b0"), (1, "b1")]


def test_select_out_of_range_is_an_error():
    node = f'calculator: "MuxCalculator" input_side_packet: "SELECT:s" {INPUTS}'
    with pytest.raises(NodeError, match="SELECT 2"):
        run_node(node, DATA, {"s": 2})


def test_needs_select_as_stream_or_side_packet():
    with pytest.raises(GraphConfigError, match="SELECT"):
        run_node(f'calculator: "MuxCalculator" {INPUTS}', {})
