"""Detection → rect calculators and RectTransformation: differential against MediaPipe."""

from __future__ import annotations

import math

import mediapipe as mp
import numpy as np
import pytest
from mp_oracle import (
    IMAGE_SIZE_NODE,
    detection_to_proto,
    detection_vector,
    image_size_packet,
    proto,
    rect_from_proto,
    run_mediapipe,
)

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import Detection, NormalizedRect
from pipeserve.calculators.util.geometry import normalize_radians
from pipeserve.graphs.testing import run_graph

WIDTH, HEIGHT = 512, 600


def detection(seed: int, keypoints: int = 6) -> Detection:
    rng = np.random.default_rng(seed)
    kps = rng.uniform(0.1, 0.9, (keypoints, 2)).astype(np.float32)
    return Detection(0.2, 0.3, 0.25, 0.4, 0.9, kps)


def to_rects_node(calculator: str, inputs: str, output: str, options: str = "") -> str:
    if options:
        options = (
            f"options {{ [mediapipe.DetectionsToRectsCalculatorOptions.ext] {{ {options} }} }}"
        )
    return f"""node {{ calculator: "{calculator}" {inputs}
      input_stream: "IMAGE_SIZE:image_size" output_stream: "{output}:rect" {options} }}"""


def transform_node(tag: str, options: str) -> str:
    return f"""node {{ calculator: "RectTransformationCalculator" input_stream: "{tag}:rect"
      input_stream: "IMAGE_SIZE:image_size" output_stream: "out"
      options {{ [mediapipe.RectTransformationCalculatorOptions.ext] {{ {options} }} }} }}"""


def compare(node: str, detections: list[Detection], multi: bool) -> None:
    merge, inputs = detection_vector(detections, 0, "detections")
    getter = mp.packet_getter.get_proto_list if multi else mp.packet_getter.get_proto
    inputs["frame"] = [(image_size_packet(WIDTH, HEIGHT), 0)]
    inputs["detection"] = [(proto(detection_to_proto(detections[0])), 0)]
    expected = run_mediapipe(merge + IMAGE_SIZE_NODE + node, inputs, ["rect", "out"], getter)
    ours = run_graph(
        'input_stream: "image_size" input_stream: "detections" input_stream: "detection" '
        'output_stream: "rect" output_stream: "out"' + node,
        {
            "image_size": [((WIDTH, HEIGHT), 0)],
            "detections": [(detections, 0)],
            "detection": [(detections[0], 0)],
        },
    )
    for stream in ("rect", "out"):
        ((value, _),) = expected[stream]
        want = np.stack([rect_from_proto(r) for r in (value if multi else [value])])
        got = ours[stream][0].value
        got = np.stack([r.to_tensor() for r in (got if multi else [got])])
        np.testing.assert_array_equal(got, want, err_msg=stream)


DETECTIONS = 'input_stream: "DETECTIONS:detections"'
DETECTION = 'input_stream: "DETECTION:detection"'
ROTATION = (
    "rotation_vector_start_keypoint_index: {} rotation_vector_end_keypoint_index: {} "
    "rotation_vector_target_angle_degrees: {}"
)
CASES = {
    "face_from_pose_default": (
        "DetectionsToRectsCalculator",
        DETECTION,
        ROTATION.format(5, 2, 0),
        "scale_x: 3.0 scale_y: 3.0 square_long: true",
    ),
    "face_detection_keypoints": (
        "DetectionsToRectsCalculator",
        DETECTIONS,
        "conversion_mode: USE_KEYPOINTS " + ROTATION.format(0, 1, 0),
        "scale_x: 2.0 scale_y: 2.0 shift_y: -0.1 square_long: true",
    ),
    "bbox_no_rotation": (
        "DetectionsToRectsCalculator",
        DETECTIONS,
        "",
        "scale_x: 1.5 scale_y: 0.5 shift_x: 0.2 shift_y: 0.1 square_short: true",
    ),
    "pose_alignment": (
        "AlignmentPointsRectsCalculator",
        DETECTION,
        ROTATION.format(0, 1, 90),
        "scale_x: 1.25 scale_y: 1.25 square_long: true rotation_degrees: 30",
    ),
    "hand_recrop_alignment": (
        "AlignmentPointsRectsCalculator",
        DETECTIONS,
        ROTATION.format(0, 1, -90),
        "shift_y: -0.1 square_long: true rotation: -2.5",
    ),
    "hand_from_pose": (
        "HandDetectionsFromPoseToRectsCalculator",
        DETECTION,
        "",
        "scale_x: 2.7 scale_y: 2.7 shift_y: -0.1 square_long: true",
    ),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_rect_chain_matches_mediapipe(name, seed):
    calculator, inputs, options, transform = CASES[name]
    node = to_rects_node(calculator, inputs, "NORM_RECT", options) + transform_node(
        "NORM_RECT", transform
    )
    compare(node, [detection(seed), detection(seed + 10)], multi=False)


def test_rect_vectors_match_mediapipe():
    node = to_rects_node(
        "DetectionsToRectsCalculator", DETECTIONS, "NORM_RECTS", ROTATION.format(1, 3, 45)
    ) + transform_node("NORM_RECTS", "scale_x: 1.3 shift_x: 0.05 square_long: true")
    compare(node, [detection(s) for s in range(4)], multi=True)


def test_empty_detections_emit_nothing_or_a_zero_rect():
    node = """input_stream: "d" output_stream: "rect"
      node { calculator: "DetectionsToRectsCalculator" input_stream: "DETECTIONS:d"
      output_stream: "NORM_RECT:rect" %s }"""
    assert run_graph(node % "", {"d": [([], 0)]})["rect"] == []
    zero = """options { [mediapipe.DetectionsToRectsCalculatorOptions.ext] {
      output_zero_rect_for_empty_detections: true } }"""
    (packet,) = run_graph(node % zero, {"d": [([], 0)]})["rect"]
    assert packet.value == NormalizedRect(0.0, 0.0, 0.0, 0.0, 0.0)


def test_normalize_radians_wraps_into_minus_pi_to_pi():
    assert normalize_radians(3.5) == pytest.approx(3.5 - 2 * math.pi, abs=1e-6)
    assert normalize_radians(-4.0) == pytest.approx(-4.0 + 2 * math.pi, abs=1e-6)
    assert normalize_radians(0.3) == pytest.approx(0.3, abs=1e-7)
    assert normalize_radians(7 * math.pi / 2) == pytest.approx(-math.pi / 2, abs=1e-6)
