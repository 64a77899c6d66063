"""PassThroughCalculator: forwards streams by tag and index, and side packets."""

from __future__ import annotations

import pytest
from core_helpers import run_node, side_packets_of

from pipeserve.errors import GraphConfigError


def test_streams_are_forwarded_by_tag_and_index_in_any_order():
    node = (
        'calculator: "PassThroughCalculator" input_stream: "A:a" input_stream: "b" '
        'input_stream: "c" output_stream: "z" output_stream: "y" output_stream: "A:x"'
    )
    out = run_node(node, {"a": [(1, 0)], "b": [(2, 0), (3, 1)], "c": [(4, 1)]})
    assert out == {"x": [(0, 1)], "z": [(0, 2), (1, 3)], "y": [(1, 4)]}


def test_side_packets_are_forwarded_to_matching_output_side_packets():
    node = (
        'calculator: "PassThroughCalculator" input_side_packet: "K:k" input_side_packet: "j" '
        'output_side_packet: "K:k_out" output_side_packet: "j_out"'
    )
    assert side_packets_of(node, ["k_out", "j_out"], {"k": 5, "j": "x"}) == [5, "x"]


@pytest.mark.parametrize(
    "ports",
    [
        'input_stream: "A:a" output_stream: "B:b"',
        'input_stream: "a" input_stream: "b" output_stream: "x"',
        'input_side_packet: "A:a" output_side_packet: "b"',
    ],
)
def test_mismatched_tags_or_indexes_are_rejected(ports):
    with pytest.raises(GraphConfigError, match="matching tags and indexes"):
        run_node(f'calculator: "PassThroughCalculator" {ports}', {})
