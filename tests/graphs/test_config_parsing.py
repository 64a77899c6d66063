"""Graph configs from text and binary, node options in both forms, stream specs."""

import pytest
from mediapipe.calculators.core import gate_calculator_pb2
from mediapipe.framework import calculator_pb2

from pipeserve.errors import GraphConfigError
from pipeserve.graphs import GraphSpec, load_graph_config, parse_graph_config
from pipeserve.graphs.config import node_options
from pipeserve.graphs.tag_map import TagMap

GATE_EXTENSION = """
node {
  calculator: "GateCalculator"
  input_stream: "in" input_stream: "ALLOW:allow" output_stream: "out"
  options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } }
}
"""
GATE_ANY = """
node {
  calculator: "GateCalculator"
  input_stream: "in" input_stream: "ALLOW:allow" output_stream: "out"
  node_options: {
    [type.googleapis.com/mediapipe.GateCalculatorOptions] { empty_packets_as_allow: true }
  }
}
"""


@pytest.mark.parametrize("text", [GATE_EXTENSION, GATE_ANY])
def test_node_options_in_both_forms(text):
    config = parse_graph_config(text)
    options = node_options(config.node[0], gate_calculator_pb2.GateCalculatorOptions, "gate")
    assert options.empty_packets_as_allow is True


def test_node_without_options_gets_defaults():
    config = parse_graph_config('node { calculator: "GateCalculator" }')
    options = node_options(config.node[0], gate_calculator_pb2.GateCalculatorOptions, "gate")
    assert options == gate_calculator_pb2.GateCalculatorOptions()


def test_binary_and_text_files_load_the_same(tmp_path):
    text = (
        'input_stream: "in" output_stream: "out" '
        'node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }'
    )
    config = parse_graph_config(text)
    (tmp_path / "g.pbtxt").write_text(text)
    (tmp_path / "g.binarypb").write_bytes(config.SerializeToString())
    assert load_graph_config(tmp_path / "g.pbtxt") == load_graph_config(tmp_path / "g.binarypb")
    assert isinstance(
        load_graph_config(tmp_path / "g.binarypb"), calculator_pb2.CalculatorGraphConfig
    )


def test_parse_errors_name_the_source():
    with pytest.raises(GraphConfigError, match=r"cannot parse graph config <text>: .*nod"):
        parse_graph_config("nod { }")
    with pytest.raises(GraphConfigError, match="Extension"):
        parse_graph_config("node { options { [mediapipe.NoSuchOptions.ext] { } } }")


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(GraphConfigError, match="cannot read graph config"):
        load_graph_config(tmp_path / "nope.pbtxt")


def test_stream_specs_tags_and_indexes():
    tags = TagMap.parse(["IMAGE:img", "TENSOR:0:a", "TENSOR:1:b", "TENSOR:c", "plain"])
    assert [str(s) for s in tags] == ["IMAGE:img", "TENSOR:a", "TENSOR:1:b", "TENSOR:2:c", "plain"]
    assert (
        tags.name(("TENSOR", 1)) == "b" and tags.name("IMAGE") == "img" and tags.name(0) == "plain"
    )
    assert tags.count("TENSOR") == 3 and tags.tags() == ["IMAGE", "TENSOR", ""]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["image:x"], "malformed tag"),
        (["IMAGE:x:y"], "malformed index"),
        (["A:0:x", "A:0:y"], "given twice"),
        (["IMAGE:9bad"], "malformed name"),
        (["A:1:2:x"], "malformed stream spec"),
    ],
)
def test_bad_stream_specs(specs, message):
    with pytest.raises(GraphConfigError, match=message):
        TagMap.parse(specs, "node")


def test_graph_level_fields_are_read():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "in" output_stream: "out" max_queue_size: 7 num_threads: 3 '
            'node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }'
        )
    )
    assert spec.max_queue_size == 7 and spec.num_threads == 3
