"""PreviousLoopbackCalculator: the previous MAIN timestamp's LOOP packet, re-stamped."""

from __future__ import annotations

from pipeserve.graphs import GraphSpec, parse_graph_config
from pipeserve.graphs.testing import run_graph

LOOP = (
    'input_stream: "in" input_stream: "keep" output_stream: "prev" '
    'node { calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:keep" '
    'output_stream: "loop" } '
    'node { name: "prev" calculator: "PreviousLoopbackCalculator" input_stream: "MAIN:in" '
    'input_stream: "LOOP:loop" input_stream_info { tag_index: "LOOP" back_edge: true } '
    'output_stream: "PREV_LOOP:prev" }'
)


def test_loop_packet_comes_back_at_the_next_main_timestamp():
    keep = [(True, 10), (False, 25), (True, 40), (True, 41)]
    out = run_graph(LOOP, {"in": [("a", 10), ("b", 25), ("c", 40), ("d", 41)], "keep": keep})
    assert [(p.timestamp, p.value) for p in out["prev"]] == [(25, "a"), (41, "c")]


def test_runs_on_bounds_with_the_immediate_handler():
    node = GraphSpec(parse_graph_config(LOOP)).node_by_name("prev")
    assert node.handler.name == "ImmediateInputStreamHandler"
    assert node.contract.process_timestamp_bounds
