"""RoiTrackingCalculator and HandLandmarksToRectCalculator: differential against MediaPipe."""

from __future__ import annotations

import numpy as np
import pytest
from mp_oracle import (
    IMAGE_SIZE_NODE,
    image_size_packet,
    landmarks_to_proto,
    proto,
    rect_from_proto,
    rect_to_proto,
    run_mediapipe,
)

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs.testing import run_graph

WIDTH, HEIGHT = 640, 480
HAND_OPTIONS = """rect_requirements: { rotation_degrees: 40.0 translation: 0.2 scale: 0.4 }
  landmarks_requirements: { recrop_rect_margin: -0.1 }"""
FACE_OPTIONS = """rect_requirements: { rotation_degrees: 15.0 translation: 0.1 scale: 0.3 }
  landmarks_requirements: { recrop_rect_margin: -0.2 } iou_requirements: { min_iou: 0.5 }"""
TRACKING = """node {{ calculator: "RoiTrackingCalculator"
  input_stream: "PREV_LANDMARKS:lms" input_stream: "PREV_LANDMARKS_RECT:prev"
  input_stream: "RECROP_RECT:recrop" input_stream: "IMAGE_SIZE:image_size"
  output_stream: "TRACKING_RECT:out"
  options {{ [mediapipe.RoiTrackingCalculatorOptions.ext] {{ {} }} }} }}"""


def scenario(rng: np.random.Generator) -> tuple[NormalizedRect, NormalizedRect, np.ndarray]:
    """A recrop rect, a previous rect near the thresholds, and landmarks near its border."""
    recrop = NormalizedRect(
        *rng.uniform(0.3, 0.7, 2), *rng.uniform(0.2, 0.4, 2), float(rng.uniform(-3.1, 3.1))
    )
    jitter = rng.normal(0, [0.03, 0.03, 0.04, 0.04, 0.3])
    prev = NormalizedRect(*(np.array(recrop.to_tensor(), np.float64) + jitter).tolist())
    local = rng.uniform(-0.5, 0.5, (21, 2)) * rng.uniform(0.7, 1.0)
    c, s = np.cos(recrop.rotation), np.sin(recrop.rotation)
    px, py = local[:, 0] * recrop.width * WIDTH, local[:, 1] * recrop.height * HEIGHT
    lms = np.zeros((21, 5), np.float32)
    lms[:, 0] = recrop.x_center + (px * c - py * s) / WIDTH
    lms[:, 1] = recrop.y_center + (px * s + py * c) / HEIGHT
    return recrop, prev, lms


@pytest.mark.parametrize("options", [HAND_OPTIONS, FACE_OPTIONS], ids=["hand", "face"])
def test_roi_tracking_decisions_match_mediapipe(options):
    rng = np.random.default_rng(7)
    ours_in: dict = {"image_size": [], "lms": [], "prev": [], "recrop": []}
    mp_in: dict = {"frame": [], "lms": [], "prev": [], "recrop": []}
    for ts in range(60):
        recrop, prev, lms = scenario(rng)
        ours_in["image_size"].append(((WIDTH, HEIGHT), ts))
        mp_in["frame"].append((image_size_packet(WIDTH, HEIGHT), ts))
        if ts % 10 != 3:  # sometimes no fresh rect → no output
            ours_in["recrop"].append((recrop, ts))
            mp_in["recrop"].append((proto(rect_to_proto(recrop)), ts))
        if ts % 10 != 5:  # sometimes nothing from the previous frame → recrop rect
            landmarks = NormalizedLandmarkList(lms)
            ours_in["prev"].append((prev, ts))
            ours_in["lms"].append((landmarks, ts))
            mp_in["prev"].append((proto(rect_to_proto(prev)), ts))
            mp_in["lms"].append((proto(landmarks_to_proto(landmarks)), ts))
    graph = TRACKING.format(options)
    expected = run_mediapipe(IMAGE_SIZE_NODE + graph, mp_in, ["out"])["out"]
    ours = run_graph(
        'input_stream: "image_size" input_stream: "lms" input_stream: "prev" '
        'input_stream: "recrop" output_stream: "out"' + graph,
        ours_in,
    )["out"]
    assert [p.timestamp for p in ours] == [ts for _, ts in expected]
    for packet, (rect, _) in zip(ours, expected, strict=True):
        np.testing.assert_allclose(packet.value.to_tensor(), rect_from_proto(rect), atol=1e-6)
    chosen_prev = sum(
        1 for p in ours if any(p.value is v for v, t in ours_in["prev"] if t == p.timestamp)
    )
    assert 5 < chosen_prev < len(ours) - 5, "the scenarios should exercise both outcomes"


HAND_TO_RECT = """node { calculator: "HandLandmarksToRectCalculator"
  input_stream: "NORM_LANDMARKS:lms" input_stream: "IMAGE_SIZE:image_size"
  output_stream: "NORM_RECT:out" }"""


@pytest.mark.parametrize("count", [21, 12])
def test_hand_landmarks_to_rect_matches_mediapipe(count):
    rng = np.random.default_rng(count)
    ours_in: dict = {"image_size": [], "lms": []}
    mp_in: dict = {"frame": [], "lms": []}
    for ts in range(20):
        lms = NormalizedLandmarkList(rng.uniform(0.2, 0.8, (count, 5)).astype(np.float32))
        ours_in["image_size"].append(((WIDTH, HEIGHT), ts))
        ours_in["lms"].append((lms, ts))
        mp_in["frame"].append((image_size_packet(WIDTH, HEIGHT), ts))
        mp_in["lms"].append((proto(landmarks_to_proto(lms)), ts))
    expected = run_mediapipe(IMAGE_SIZE_NODE + HAND_TO_RECT, mp_in, ["out"])["out"]
    ours = run_graph(
        'input_stream: "image_size" input_stream: "lms" output_stream: "out"' + HAND_TO_RECT,
        ours_in,
    )["out"]
    assert len(ours) == len(expected) == 20
    for packet, (rect, _) in zip(ours, expected, strict=True):
        np.testing.assert_array_equal(packet.value.to_tensor(), rect_from_proto(rect))
