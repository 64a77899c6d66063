"""SsdAnchorsCalculator + TensorsToDetectionsCalculator against holistic.md §1.2/§1.6."""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf import text_format

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.tensor.anchors import SsdAnchorsOptions, generate_anchors
from pipeserve.graphs.testing import run_graph

POSE_ANCHORS = """num_layers: 5 min_scale: 0.1484375 max_scale: 0.75
  input_size_height: 224 input_size_width: 224 anchor_offset_x: 0.5 anchor_offset_y: 0.5
  strides: 8 strides: 16 strides: 32 strides: 32 strides: 32
  aspect_ratios: 1.0 fixed_anchor_size: true"""
FACE_ANCHORS = """num_layers: 4 min_scale: 0.1484375 max_scale: 0.75
  input_size_height: 128 input_size_width: 128 anchor_offset_x: 0.5 anchor_offset_y: 0.5
  strides: 8 strides: 16 strides: 16 strides: 16
  aspect_ratios: 1.0 fixed_anchor_size: true"""
FACE_DECODE = """num_classes: 1 num_boxes: 896 num_coords: 16 box_coord_offset: 0
  keypoint_coord_offset: 4 num_keypoints: 6 num_values_per_keypoint: 2 sigmoid_score: true
  score_clipping_thresh: 100.0 reverse_output_order: true x_scale: 128.0 y_scale: 128.0
  h_scale: 128.0 w_scale: 128.0 min_score_thresh: 0.5"""


def anchors(text: str) -> np.ndarray:
    return generate_anchors(text_format.Parse(text, SsdAnchorsOptions()))


def test_pose_and_face_anchor_grids():
    pose = anchors(POSE_ANCHORS)
    assert pose.shape == (2254, 4)
    # 28x28 cells x 2 anchors, row-major, the two anchors of a cell consecutive.
    np.testing.assert_allclose(pose[0], [0.5 / 28, 0.5 / 28, 1, 1], rtol=1e-6)
    np.testing.assert_array_equal(pose[0], pose[1])
    np.testing.assert_allclose(pose[2, :2], [1.5 / 28, 0.5 / 28], rtol=1e-6)
    np.testing.assert_allclose(pose[56, :2], [0.5 / 28, 1.5 / 28], rtol=1e-6)
    # The 7x7 map merges 3 layers of equal stride: 6 anchors per cell.
    last = pose[28 * 28 * 2 + 14 * 14 * 2 :]
    assert len(last) == 7 * 7 * 6
    np.testing.assert_allclose(last[-1, :2], [6.5 / 7, 6.5 / 7], rtol=1e-6)
    assert anchors(FACE_ANCHORS).shape == (896, 4)


def test_anchor_sizes_without_fixed_size_follow_scales():
    text = FACE_ANCHORS.replace("fixed_anchor_size: true", "")
    grid = anchors(text)
    # layer 0: scale 0.1484375 (ratio 1) then the interpolated sqrt(s0 * s1).
    s0, s1 = 0.1484375, 0.1484375 + (0.75 - 0.1484375) / 3
    np.testing.assert_allclose(grid[0, 2:], [s0, s0], rtol=1e-6)
    np.testing.assert_allclose(grid[1, 2:], [np.sqrt(s0 * s1)] * 2, rtol=1e-6)


def face_graph(extra: str = "") -> str:
    return f"""
    input_stream: "tensors" output_stream: "detections"
    node {{ calculator: "SsdAnchorsCalculator" output_side_packet: "anchors"
      options {{ [mediapipe.SsdAnchorsCalculatorOptions.ext] {{ {FACE_ANCHORS} }} }} }}
    node {{ calculator: "TensorsToDetectionsCalculator" input_stream: "TENSORS:tensors"
      input_side_packet: "ANCHORS:anchors" output_stream: "DETECTIONS:detections"
      options {{ [mediapipe.TensorsToDetectionsCalculatorOptions.ext] {{ {FACE_DECODE} {extra} }} }} }}
    """


def raw_face_tensors() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    boxes = rng.normal(0, 20, (1, 896, 16)).astype(np.float32)
    boxes[..., 2:4] = np.abs(boxes[..., 2:4]) + 1.0
    scores = np.full((1, 896, 1), -10.0, np.float32)
    scores[0, [700, 5, 300], 0] = [2.0, 0.5, 300.0]  # 300 is clipped to 100
    boxes[0, 300, 2] = -5.0  # negative width: dropped
    return boxes, scores


def test_face_detections_decode_xywh_with_sigmoid_scores():
    boxes, scores = raw_face_tensors()
    out = run_graph(face_graph(), {"tensors": [([boxes, scores], 0)]})
    detections = out["detections"][0].value
    assert [round(d.score, 6) for d in detections] == [
        round(1 / (1 + np.exp(-0.5)), 6),
        round(1 / (1 + np.exp(-2.0)), 6),
    ]  # anchor order, box 300 dropped for its negative width
    grid = anchors(FACE_ANCHORS)
    for detection, index in zip(detections, [5, 700], strict=True):
        raw, (ax, ay, aw, ah) = boxes[0, index], grid[index]
        cx, cy = raw[0] / 128 * aw + ax, raw[1] / 128 * ah + ay
        w, h = raw[2] / 128 * aw, raw[3] / 128 * ah
        np.testing.assert_allclose(
            [detection.xmin, detection.ymin, detection.width, detection.height],
            [cx - w / 2, cy - h / 2, w, h],
            atol=1e-6,
        )
        expected_kp = raw[4:].reshape(6, 2) / 128 * [aw, ah] + [ax, ay]
        np.testing.assert_allclose(detection.keypoints, expected_kp, atol=1e-6)
        assert detection.label_id == 0


def test_yxhw_order_and_max_results():
    boxes, scores = raw_face_tensors()
    extra = "box_format: YXHW max_results: 1"
    out = run_graph(face_graph(extra), {"tensors": [([boxes, scores], 0)]})
    (detection,) = out["detections"][0].value
    raw, (ax, ay, aw, _) = boxes[0, 5], anchors(FACE_ANCHORS)[5]
    assert detection.ymin == pytest.approx(raw[0] / 128 + ay - raw[2] / 256, abs=1e-6)
    assert detection.keypoints[0, 0] == pytest.approx(raw[5] / 128 * aw + ax, abs=1e-6)


def test_no_detection_above_threshold_emits_an_empty_list():
    boxes, scores = raw_face_tensors()
    out = run_graph(face_graph(), {"tensors": [([boxes, np.full_like(scores, -5.0)], 0)]})
    assert [p.value for p in out["detections"]] == [[]]


@pytest.mark.parametrize("threshold", [0.9999, 1.01])
def test_a_threshold_no_sigmoid_score_can_reach_emits_an_empty_list(threshold):
    """Above the pre-selection's range every anchor is scored exactly, and none passes."""
    boxes, scores = raw_face_tensors()
    graph = face_graph().replace("min_score_thresh: 0.5", f"min_score_thresh: {threshold}")
    out = run_graph(graph, {"tensors": [([boxes, np.full_like(scores, 2.0)], 0)]})
    assert [p.value for p in out["detections"]] == [[]]


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.9, 0.9995])
def test_scores_at_the_threshold_are_kept_exactly_when_their_sigmoid_reaches_it(threshold):
    """Anchors are pre-selected on raw logits; the float32 sigmoid still decides."""
    from pipeserve.calculators.tensor.tensors_to_floats import sigmoid

    boxes, _ = raw_face_tensors()
    boxes[..., 2:4] = 10.0
    logit = np.float32(np.log(threshold / (1 - threshold)))
    steps = np.arange(-448, 448, dtype=np.float32)
    scores = (logit + steps * np.float32(2e-7)).reshape(1, 896, 1)
    graph = face_graph().replace("min_score_thresh: 0.5", f"min_score_thresh: {threshold}")

    out = run_graph(graph, {"tensors": [([boxes, scores], 0)]})["detections"][0].value

    expected = np.flatnonzero(sigmoid(scores[0, :, 0]) >= np.float32(threshold))
    assert 0 < len(expected) < 896
    assert [round(d.score, 7) for d in out] == [
        round(float(s), 7) for s in sigmoid(scores[0, expected, 0])
    ]
