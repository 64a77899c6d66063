"""Our model-running subgraphs (OpenVINO f32) against the wheel's registered ones (TFLite),
on real photos and fixed ROIs: same graph text, same inputs, outputs compared.

The hand ROI is where mp.solutions found the astronaut's left hand (frame 8 of
``moving_sequence``), so the hand landmark path past the presence gate runs too.
"""

from __future__ import annotations

from typing import Any

import mediapipe as mp
import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.formats import NormalizedRect, detections_to_tensor
from pipeserve.calculators.openvino.models import WheelModels
from pipeserve.graphs.testing import run_graph
from tests.calculators.mp_oracle import (
    detection_row,
    landmarks_from_proto,
    proto,
    rect_from_proto,
    rect_to_proto,
    run_mediapipe,
)
from tests.demos.holistic_runs import moving_sequence

HAND_ROI = NormalizedRect(0.5948567, 0.8091711, 0.07665914, 0.07665914, -3.0239668)
FACE_ROI = NormalizedRect(0.443, 0.238, 0.348, 0.348, 0.05)
POSE_ROI = NormalizedRect(0.31, 1.0235, 2.451, 2.451, 0.16)


def _text(subgraph: str, output: str, roi: bool) -> str:
    roi_lines = 'input_stream: "roi"' if roi else ""
    roi_port = 'input_stream: "ROI:roi"' if roi else ""
    return (
        f'input_stream: "image" {roi_lines} output_stream: "out" node {{ calculator: '
        f'"{subgraph}" input_stream: "IMAGE:image" {roi_port} output_stream: "{output}:out" }}'
    )


def _mediapipe(text: str, image: np.ndarray, roi: NormalizedRect | None, getter: Any) -> list:
    frame = mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)
    inputs = {"image": [(frame, 0)]}
    if roi is not None:
        inputs["roi"] = [(proto(rect_to_proto(roi)), 0)]
    return [value for value, _ in run_mediapipe(text, inputs, ["out"], getter=getter)["out"]]


def _ours(text: str, image: np.ndarray, roi: NormalizedRect | None) -> list:
    inputs: dict[str, list[tuple[Any, int]]] = {"image": [(image, 0)]}
    if roi is not None:
        inputs["roi"] = [(roi, 0)]
    return [p.value for p in run_graph(text, inputs, services={"models": WheelModels()})["out"]]


def _detections(packet: Any) -> np.ndarray:
    return np.stack([detection_row(d) for d in mp.packet_getter.get_proto_list(packet)])


def _landmarks(packet: Any) -> np.ndarray:
    return landmarks_from_proto(mp.packet_getter.get_proto(packet))


def _rect(packet: Any) -> np.ndarray:
    return rect_from_proto(mp.packet_getter.get_proto(packet))


def _hand_frame(astronaut: np.ndarray) -> np.ndarray:
    return moving_sequence(astronaut, 9)[8]


CASES = {
    # subgraph, output tag, ROI input, our value -> array, MediaPipe getter, tolerance
    "pose_detection": (
        "PoseDetectionCpu",
        "DETECTIONS",
        None,
        detections_to_tensor,
        _detections,
        1e-5,
    ),
    "pose_landmarks": (
        "PoseLandmarkByRoiCpu",
        "LANDMARKS",
        POSE_ROI,
        lambda v: v.data,
        _landmarks,
        2e-5,
    ),
    "face_detection": (
        "FaceDetectionShortRangeByRoiCpu",
        "DETECTIONS",
        FACE_ROI,
        detections_to_tensor,
        _detections,
        1e-5,
    ),
    "face_landmarks": (
        "FaceLandmarkCpu",
        "LANDMARKS",
        FACE_ROI,
        lambda v: v.data,
        _landmarks,
        1e-5,
    ),
    "hand_recrop": (
        "HandRecropByRoiCpu",
        "HAND_ROI_FROM_RECROP",
        NormalizedRect(0.59, 0.8, 0.2, 0.2, -3.0),
        lambda v: v.to_tensor(),
        _rect,
        1e-5,
    ),
    "hand_landmarks": (
        "HandLandmarkCpu",
        "LANDMARKS",
        HAND_ROI,
        lambda v: v.data,
        _landmarks,
        1e-5,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_subgraph_matches_mediapipe(name: str, astronaut: np.ndarray) -> None:
    subgraph, tag, roi, ours_as_array, getter, tolerance = CASES[name]
    image = _hand_frame(astronaut) if name.startswith("hand") else astronaut
    text = _text(subgraph, tag, roi is not None)

    theirs, ours = _mediapipe(text, image, roi, getter), _ours(text, image, roi)

    assert len(ours) == len(theirs) == 1, "one packet each (the hand is found, the face too)"
    got, want = ours_as_array(ours[0]), theirs[0]
    assert got.shape == want.shape
    columns = 3 if got.ndim == 2 and got.shape[1] == 5 else None  # landmarks: x, y, z
    np.testing.assert_allclose(got[..., :columns], want[..., :columns], atol=tolerance)
