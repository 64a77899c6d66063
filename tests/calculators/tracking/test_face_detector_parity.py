"""FaceDetectionFullRangeCpu (our calculators, OpenVINO f32) equals mp.solutions' full range."""

from __future__ import annotations

import cv2
import mediapipe as mp
import numpy as np
import pytest
import synthetic_faces as sf

import pipeserve.calculators  # noqa: F401  (registers the calculators and subgraphs)
from pipeserve.calculators.formats import Detection
from pipeserve.graphs.testing import run_graph

GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "FaceDetectionFullRangeCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""
TOLERANCE = 1e-4
"""Largest difference allowed in relative coordinates and scores."""


def ours(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Detection rows per frame; like MediaPipe, a frame without faces has no packet."""
    out = run_graph(GRAPH, {"image": [(f, t) for t, f in enumerate(frames)]})
    found = {p.timestamp: rows([d.to_row() for d in p.value]) for p in out["detections"]}
    assert all(len(v) for v in found.values())
    return [found.get(t, rows([])) for t in range(len(frames))]


def reference(frames: list[np.ndarray]) -> list[np.ndarray]:
    """mp.solutions.face_detection, full range, at the subgraph's own threshold (0.6)."""
    result = []
    solution = mp.solutions.face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=0.6
    )
    with solution as detector:
        for frame in frames:
            found = detector.process(frame).detections or []
            result.append(rows([_row(d) for d in found]))
    return result


def rows(items: list[np.ndarray]) -> np.ndarray:
    return np.array(items, np.float64).reshape(len(items), -1) if items else np.zeros((0, 17))


def _row(detection: object) -> np.ndarray:
    data = detection.location_data  # type: ignore[attr-defined]
    box = data.relative_bounding_box
    keypoints = [v for k in data.relative_keypoints for v in (k.x, k.y)]
    head = [box.xmin, box.ymin, box.width, box.height, detection.score[0]]  # type: ignore[attr-defined]
    return np.array(head + keypoints)


def assert_same(got: list[np.ndarray], want: list[np.ndarray]) -> int:
    """Same count per frame, same order, every value within TOLERANCE; returns the count."""
    assert [len(g) for g in got] == [len(w) for w in want]
    for g, w in zip(got, want, strict=True):
        if len(w):
            np.testing.assert_allclose(g, w, rtol=0, atol=TOLERANCE)
    return sum(len(w) for w in want)


def test_detections_equal_mediapipe_on_the_real_photos(grace_hopper, astronaut) -> None:
    pair = np.hstack([cv2.resize(grace_hopper, (256, 300)), astronaut[150:450, 100:400]])
    small = cv2.resize(astronaut, (160, 160), interpolation=cv2.INTER_AREA)
    frames = [grace_hopper, astronaut, np.ascontiguousarray(pair), small]
    assert assert_same(ours(frames), reference(frames)) >= 4


def test_detections_equal_mediapipe_on_synthetic_frames() -> None:
    scene = sf.faces5()
    frames = [scene.render(t)[0] for t in (0, 45, 120, 190, 250)]
    got = ours(frames)
    assert assert_same(got, reference(frames)) >= 12
    assert all(isinstance(d, np.ndarray) for d in got)


@pytest.mark.parametrize("size", [(64, 48), (640, 480)])
def test_frames_without_faces_give_no_detections(size) -> None:
    frame = np.full((size[1], size[0], 3), 90, np.uint8)
    assert [len(d) for d in ours([frame, frame])] == [0, 0]


def test_detection_rows_carry_six_keypoints(grace_hopper) -> None:
    (found,) = ours([grace_hopper])
    assert found.shape == (1, 5 + 2 * 6)
    assert Detection(*found[0, :5]).width > 0.3
