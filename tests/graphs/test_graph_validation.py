"""Bad graphs: each is rejected at build time with a message naming the node and stream."""

import pytest

from pipeserve.errors import GraphConfigError, SidePacketError
from pipeserve.graphs import CalculatorGraph, GraphSpec, parse_graph_config

BAD_GRAPHS = {
    "unknown calculator": (
        'node { name: "n1" calculator: "NoSuchCalculator" }',
        r"node 'n1': unknown calculator 'NoSuchCalculator'",
    ),
    "stream with no producer": (
        'output_stream: "out" '
        'node { name: "p" calculator: "PassThroughCalculator" input_stream: "ghost" '
        'output_stream: "out" }',
        r"node 'p', stream 'ghost': input stream 'ghost' has no producer",
    ),
    "two producers": (
        'input_stream: "in" '
        'node { name: "a" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "x" } '
        'node { name: "b" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "x" }',
        r"node 'b', stream 'x': stream 'x' has two producers \(also node 'a'\)",
    ),
    "graph input also produced by a node": (
        'input_stream: "in" '
        'node { name: "a" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "in" }',
        r"stream 'in' has two producers \(also a graph input\)",
    ),
    "undeclared tag": (
        'input_stream: "in" '
        'node { name: "t" calculator: "TestFailCalculator" input_stream: "WRONG:in" '
        'input_side_packet: "FAIL_AT:f" }',
        r"node 't'.*undeclared input stream tag 'WRONG'",
    ),
    "missing required input": (
        'input_side_packet: "f" '
        'node { name: "t" calculator: "TestFailCalculator" input_side_packet: "FAIL_AT:f" }',
        r"node 't'.*missing required input stream 'IN'",
    ),
    "repeated single port": (
        'input_stream: "a" input_stream: "b" input_side_packet: "f" '
        'node { name: "t" calculator: "TestFailCalculator" input_stream: "IN:0:a" '
        'input_stream: "IN:1:b" input_side_packet: "FAIL_AT:f" }',
        r"node 't'.*input stream tag 'IN' takes one entry",
    ),
    "cycle without back edge": (
        'input_stream: "in" '
        'node { name: "a" calculator: "TestImmediateRecordCalculator" input_stream: "in" '
        'input_stream: "LOOP:y" output_stream: "OUT:x" } '
        'node { name: "b" calculator: "PassThroughCalculator" input_stream: "x" output_stream: "y" }',
        r"cycle without a back edge",
    ),
    "unknown input stream handler": (
        'input_stream: "in" '
        'node { name: "p" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "o" '
        'input_stream_handler { input_stream_handler: "NoSuchHandler" } }',
        r"node 'p': unknown input stream handler 'NoSuchHandler'",
    ),
    "back edge on unknown input": (
        'input_stream: "in" '
        'node { name: "p" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "o" '
        'input_stream_info { tag_index: "LOOP" back_edge: true } }',
        r"node 'p': back edge names unknown input 'LOOP'",
    ),
    "graph output without producer": (
        'output_stream: "nowhere"',
        r"stream 'nowhere': graph output stream has no producer",
    ),
    "mismatched pass-through tags": (
        'input_stream: "in" '
        'node { name: "p" calculator: "PassThroughCalculator" input_stream: "A:in" output_stream: "B:o" }',
        r"node 'p'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_GRAPHS))
def test_bad_graph_is_rejected_with_its_own_message(case):
    text, message = BAD_GRAPHS[case]
    with pytest.raises(GraphConfigError, match=message):
        GraphSpec(parse_graph_config(text))


def test_cycle_with_declared_back_edge_is_accepted():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" '
            'node { name: "a" calculator: "TestImmediateRecordCalculator" input_stream: "in" '
            'input_stream: "LOOP:y" output_stream: "OUT:x" '
            'input_stream_info { tag_index: "LOOP" back_edge: true } } '
            'node { name: "b" calculator: "PassThroughCalculator" input_stream: "x" output_stream: "y" }'
        )
    )
    assert [n.name for n in spec.nodes] == ["a", "b"]
    assert spec.nodes[0].back_edges == frozenset({1})


def test_missing_side_packet_fails_start_naming_node_and_packet():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" '
            'node { name: "t" calculator: "TestFailCalculator" input_stream: "IN:in" '
            'input_side_packet: "FAIL_AT:fail_at" }'
        )
    )
    assert spec.input_side_packets.names() == ["fail_at"]
    graph = CalculatorGraph(spec)
    with pytest.raises(
        SidePacketError, match="missing input side packet 'fail_at' required by node 't'"
    ):
        graph.start({})


def test_optional_side_packet_may_be_absent():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" output_stream: "out" '
            'node { calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:out" '
            'input_side_packet: "DELAY:delay" }'
        )
    )
    graph = CalculatorGraph(spec)
    graph.start({})
    graph.close_all_input_streams()
    assert graph.wait_until_done(10)


def test_duplicate_node_names_are_made_unique():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" '
            'node { name: "p" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "a" } '
            'node { name: "p" calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" }'
        )
    )
    assert [n.name for n in spec.nodes] == ["p", "p_2"]
