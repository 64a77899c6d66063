"""NMS, detection letterbox removal and projection: differential against MediaPipe's own."""

from __future__ import annotations

import mediapipe as mp
import numpy as np
import pytest
from mp_oracle import detection_row, detection_vector, proto, rect_to_proto, run_mediapipe

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import Detection, NormalizedRect, detections_to_tensor
from pipeserve.graphs.testing import CalculatorRunner, run_graph


def random_detections(seed: int, count: int = 12, keypoints: int = 3) -> list[Detection]:
    """Clustered boxes (so that suppression happens) with distinct scores."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.2, 0.8, (3, 2))
    scores = rng.permutation(np.linspace(0.3, 0.99, count))
    out = []
    for i in range(count):
        cx, cy = centres[i % 3] + rng.normal(0, 0.03, 2)
        w, h = rng.uniform(0.1, 0.3, 2)
        kps = rng.uniform(0, 1, (keypoints, 2)).astype(np.float32)
        out.append(Detection(cx - w / 2, cy - h / 2, w, h, float(scores[i]), kps))
    return out


def mediapipe_rows(graph: str, detections: list[Detection], extra_inputs: dict) -> np.ndarray:
    node, inputs = detection_vector(detections, 0, "detections")
    result = run_mediapipe(
        node + graph, {**inputs, **extra_inputs}, ["out"], getter=mp.packet_getter.get_proto_list
    )
    ((values, _),) = result["out"]
    return np.stack([detection_row(p) for p in values])


NMS_NODE = """
node {{ calculator: "NonMaxSuppressionCalculator" input_stream: "detections"
  output_stream: "out" options {{ [mediapipe.NonMaxSuppressionCalculatorOptions.ext] {{
  {} }} }} }}"""


@pytest.mark.parametrize(
    "options",
    [
        "min_suppression_threshold: 0.3 overlap_type: INTERSECTION_OVER_UNION algorithm: WEIGHTED",
        "min_suppression_threshold: 0.3 overlap_type: INTERSECTION_OVER_UNION",
        "min_suppression_threshold: 0.2 overlap_type: JACCARD max_num_detections: 2",
        "min_suppression_threshold: 0.4 overlap_type: MODIFIED_JACCARD algorithm: WEIGHTED",
        "min_suppression_threshold: 0.1 min_score_threshold: 0.6",
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nms_matches_mediapipe(options, seed):
    detections = random_detections(seed)
    node = NMS_NODE.format(options)
    expected = mediapipe_rows(node, detections, {})
    out = CalculatorRunner(node.strip()[6:-1]).run({"detections": [(detections, 0)]})
    ours = detections_to_tensor(out["out"][0].value)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)


def test_nms_empty_input_emits_nothing_unless_asked():
    node = NMS_NODE.format("min_suppression_threshold: 0.3").strip()[6:-1]
    assert CalculatorRunner(node).run({"detections": [([], 0)]})["out"] == []
    node = node.replace("0.3", "0.3 return_empty_detections: true")
    assert [p.value for p in CalculatorRunner(node).run({"detections": [([], 0)]})["out"]] == [[]]


ROI_GRAPH = """
node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi" output_stream: "TENSORS:tensors"
  output_stream: "LETTERBOX_PADDING:padding" output_stream: "MATRIX:matrix"
  options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{
    output_tensor_width: 128 output_tensor_height: 128 keep_aspect_ratio: true
    output_tensor_float_range {{ min: -1 max: 1 }} }} }} }}
{}"""
REMOVAL = """node { calculator: "DetectionLetterboxRemovalCalculator"
  input_stream: "DETECTIONS:detections" input_stream: "LETTERBOX_PADDING:padding"
  output_stream: "DETECTIONS:out" }"""
PROJECTION = """node { calculator: "DetectionProjectionCalculator"
  input_stream: "DETECTIONS:detections" input_stream: "PROJECTION_MATRIX:matrix"
  output_stream: "DETECTIONS:out" }"""


@pytest.mark.parametrize("tail", [REMOVAL, PROJECTION], ids=["letterbox", "projection"])
@pytest.mark.parametrize(
    "roi",
    [NormalizedRect(0.5, 0.5, 1.0, 1.0, 0.0), NormalizedRect(0.45, 0.3, 0.5, 0.3, 0.4)],
)
def test_detection_mapping_matches_mediapipe(grace_hopper, tail, roi):
    detections = random_detections(3, count=4)
    graph = ROI_GRAPH.format(tail)
    frame = mp.packet_creator.create_image_frame(
        image_format=mp.ImageFormat.SRGB, data=grace_hopper
    )
    extra = {"image": [(frame, 0)], "roi": [(proto(rect_to_proto(roi)), 0)]}
    expected = mediapipe_rows(graph, detections, extra)
    ours = run_graph(
        'input_stream: "image" input_stream: "roi" input_stream: "detections" '
        'output_stream: "out"' + graph,
        {"image": [(grace_hopper, 0)], "roi": [(roi, 0)], "detections": [(detections, 0)]},
    )
    np.testing.assert_array_equal(detections_to_tensor(ours["out"][0].value), expected)
