"""Subgraphs: registered graph configs used as nodes, expanded at load."""

import pytest

from pipeserve.errors import GraphConfigError
from pipeserve.graphs import GraphSpec, parse_graph_config, register_subgraph
from pipeserve.graphs.testing import run_graph
from tests.graphs.fixture_calculators import values

INNER = parse_graph_config("""
type: "TestInnerSubgraph"
input_stream: "IN:x" input_stream: "OTHER:maybe" output_stream: "OUT:y"
input_side_packet: "FAIL_AT:fail_at"
node { calculator: "PassThroughCalculator" input_stream: "x" output_stream: "hidden" }
node { name: "failer" calculator: "TestFailCalculator" input_stream: "IN:hidden"
       output_stream: "OUT:y" input_side_packet: "FAIL_AT:fail_at" }
""")
OUTER = parse_graph_config("""
type: "TestOuterSubgraph"
input_stream: "IN:a" output_stream: "OUT:b" input_side_packet: "FAIL_AT:f"
node { name: "inner" calculator: "TestInnerSubgraph" input_stream: "IN:a"
       output_stream: "OUT:b" input_side_packet: "FAIL_AT:f" }
""")
register_subgraph(INNER)
register_subgraph(OUTER)

GRAPH = """
input_stream: "in" output_stream: "out" input_side_packet: "fail_at"
node { calculator: "TestOuterSubgraph" input_stream: "IN:in" output_stream: "OUT:out"
       input_side_packet: "FAIL_AT:fail_at" }
"""


def test_nested_subgraphs_expand_with_prefixed_names():
    spec = GraphSpec(parse_graph_config(GRAPH))
    assert [n.name for n in spec.nodes] == [
        "testoutersubgraph__inner__PassThroughCalculator",
        "testoutersubgraph__inner__failer",
    ]
    assert "testoutersubgraph__inner__hidden" in spec.producers  # internal stream, prefixed
    assert spec.input_side_packets.names() == ["fail_at"]


def test_subgraph_runs_like_its_nodes():
    out = run_graph(GRAPH, {"in": [(i, i) for i in range(3)]}, {"fail_at": -1})
    assert values(out["out"]) == [0, 1, 2]


def test_errors_inside_subgraphs_name_the_expanded_node():
    from pipeserve.errors import NodeError

    with pytest.raises(NodeError, match="node 'testoutersubgraph__inner__failer'"):
        run_graph(GRAPH, {"in": [(1, 1)]}, {"fail_at": 1})


def test_unknown_subgraph_port_is_rejected():
    with pytest.raises(GraphConfigError, match="subgraph has no input stream NOPE:0"):
        GraphSpec(
            parse_graph_config(
                'input_stream: "in" node { calculator: "TestInnerSubgraph" input_stream: "NOPE:in" }'
            )
        )


def test_two_unnamed_uses_of_one_subgraph_get_distinct_names_and_streams():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" output_stream: "o1" output_stream: "o2" input_side_packet: "f" '
            'node { calculator: "TestInnerSubgraph" input_stream: "IN:in" output_stream: "OUT:o1" '
            'input_side_packet: "FAIL_AT:f" } '
            'node { calculator: "TestInnerSubgraph" input_stream: "IN:in" output_stream: "OUT:o2" '
            'input_side_packet: "FAIL_AT:f" }'
        )
    )
    assert [n.name for n in spec.nodes] == [
        "testinnersubgraph__PassThroughCalculator",
        "testinnersubgraph__failer",
        "testinnersubgraph_2__PassThroughCalculator",
        "testinnersubgraph_2__failer",
    ]
    out = run_graph(spec.config, {"in": [(5, 5)]}, {"f": -1})
    assert values(out["o1"]) == values(out["o2"]) == [5]
