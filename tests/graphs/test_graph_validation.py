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
    "image size wired into an image input": (
        'input_stream: "frame" '
        'node { name: "size" calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:frame" '
        'output_stream: "SIZE:frame_size" } '
        'node { name: "size_of_size" calculator: "ImagePropertiesCalculator" '
        'input_stream: "IMAGE:frame_size" output_stream: "SIZE:nonsense" }',
        r"node 'size_of_size', stream 'frame_size': input stream IMAGE takes ndarray, but node "
        r"'size' output stream SIZE gives tuple\[int, int\]",
    ),
    "landmarks wired into a detections input": (
        'input_stream: "t" '
        'node { name: "marks" calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:t" '
        'output_stream: "NORM_LANDMARKS:marks" '
        "options { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] { num_landmarks: 1 } } } "
        'node { name: "rects" calculator: "DetectionsToRectsCalculator" '
        'input_stream: "DETECTIONS:marks" output_stream: "NORM_RECT:r" }',
        r"node 'rects', stream 'marks': input stream DETECTIONS takes list\[Detection\], but "
        r"node 'marks' output stream NORM_LANDMARKS gives NormalizedLandmarkList",
    ),
    "side packet of the wrong type": (
        'node { name: "anchors" calculator: "SsdAnchorsCalculator" output_side_packet: "anchors" '
        "options { [mediapipe.SsdAnchorsCalculatorOptions.ext] { num_layers: 1 "
        "input_size_width: 8 input_size_height: 8 min_scale: 0.1 max_scale: 0.5 strides: 8 } } } "
        'input_stream: "t" '
        'node { name: "decode" calculator: "TensorsToDetectionsCalculator" input_stream: "TENSORS:t" '
        'output_stream: "DETECTIONS:d" input_side_packet: "IGNORE_CLASSES:anchors" }',
        r"node 'decode', stream 'anchors': input side packet IGNORE_CLASSES takes list\[int\], "
        r"but node 'anchors' output side packet <untagged> gives ndarray",
    ),
    "options of another calculator": (
        'input_stream: "in" '
        'node { name: "gate" calculator: "GateCalculator" input_stream: "in" output_stream: "o" '
        "options { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: 0.5 } } }",
        r"node 'gate': GateCalculator takes mediapipe.GateCalculatorOptions, but the node sets "
        r"options of type mediapipe.ThresholdingCalculatorOptions",
    ),
    "node_options of another calculator": (
        'input_stream: "in" '
        'node { name: "gate" calculator: "GateCalculator" input_stream: "in" output_stream: "o" '
        "node_options { [type.googleapis.com/mediapipe.ThresholdingCalculatorOptions] "
        "{ threshold: 0.5 } } }",
        r"node 'gate': GateCalculator takes mediapipe.GateCalculatorOptions, but the node sets "
        r"options of type mediapipe.ThresholdingCalculatorOptions",
    ),
    "options given to a calculator that takes none": (
        'input_stream: "in" '
        'node { name: "merge" calculator: "MergeCalculator" input_stream: "in" output_stream: "o" '
        "options { [mediapipe.GateCalculatorOptions.ext] { allow: true } } }",
        r"node 'merge': MergeCalculator takes no options, but the node sets options of type "
        r"mediapipe.GateCalculatorOptions",
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


def test_any_typed_ports_accept_every_producer_and_feed_every_consumer():
    spec = GraphSpec(
        parse_graph_config(
            'input_stream: "frame" '
            'node { name: "size" calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:frame" '
            'output_stream: "SIZE:frame_size" } '
            'node { name: "pass" calculator: "PassThroughCalculator" input_stream: "frame_size" '
            'output_stream: "anything" } '
            'node { name: "rects" calculator: "DetectionsToRectsCalculator" '
            'input_stream: "DETECTIONS:anything" output_stream: "NORM_RECT:r" }'
        )
    )
    assert [n.name for n in spec.nodes] == ["size", "pass", "rects"]


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


@pytest.mark.parametrize(
    "node",
    [
        'calculator: "SidePacketToStreamCalculator" input_stream: "TICK:in" '
        'input_side_packet: "s" output_stream: "AT_TICK:out"',
        'calculator: "SidePacketToStreamCalculator" input_side_packet: "v" '
        'input_side_packet: "TIMESTAMP:s" output_stream: "AT_TIMESTAMP:out"',
        'calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" '
        'input_side_packet: "s"',
        'calculator: "MuxCalculator" input_stream: "INPUT:0:in" input_stream: "INPUT:1:in" '
        'input_side_packet: "SELECT:s" output_stream: "OUTPUT:out"',
        'calculator: "ImageTransformationCalculator" input_stream: "IMAGE:in" '
        'input_side_packet: "ROTATION_DEGREES:s" output_stream: "IMAGE:out"',
    ],
)
def test_side_packets_mediapipe_requires_when_wired_are_required_at_start(node: str) -> None:
    """A wired side packet not declared Optional() in MediaPipe must be given at start."""
    spec = GraphSpec(parse_graph_config(f'input_stream: "in" node {{ name: "n" {node} }}'))
    given = {"v": 1} if '"v"' in node else {}
    with pytest.raises(SidePacketError, match="missing input side packet 's' required by node 'n'"):
        CalculatorGraph(spec).start(given)
