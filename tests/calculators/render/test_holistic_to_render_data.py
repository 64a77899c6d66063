"""HolisticTrackingToRenderData: whatever parts are present become render data."""

from __future__ import annotations

import numpy as np
import pytest

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.calculators.render.render_data import Lines, Points, Rect
from pipeserve.graphs.testing import CalculatorRunner

NODE = """
calculator: "HolisticTrackingToRenderData"
input_stream: "IMAGE_SIZE:image_size"
input_stream: "POSE_LANDMARKS:pose_landmarks"
input_stream: "POSE_ROI:pose_roi"
input_stream: "LEFT_HAND_LANDMARKS:left_hand_landmarks"
input_stream: "RIGHT_HAND_LANDMARKS:right_hand_landmarks"
input_stream: "FACE_LANDMARKS:face_landmarks"
output_stream: "RENDER_DATA_VECTOR:render_data_vector"
"""


def landmark_list(count: int, visibility: float = 1.0, seed: int = 0) -> NormalizedLandmarkList:
    data = np.zeros((count, 5), np.float32)
    data[:, :2] = np.random.default_rng(seed).uniform(0.1, 0.9, (count, 2))
    data[:, 3] = visibility
    return NormalizedLandmarkList(data)


@pytest.fixture(scope="module")
def runner() -> CalculatorRunner:
    return CalculatorRunner(NODE)


def test_every_part_present_gives_roi_face_pose_and_both_hands(runner):
    pose = landmark_list(33)
    outputs = runner.run(
        {
            "image_size": [((480, 360), 0)],
            "pose_landmarks": [(pose, 0)],
            "pose_roi": [(NormalizedRect(0.5, 0.5, 0.4, 0.8, 0.1), 0)],
            "left_hand_landmarks": [(landmark_list(21, seed=1), 0)],
            "right_hand_landmarks": [(landmark_list(21, seed=2), 0)],
            "face_landmarks": [(landmark_list(468, seed=3), 0)],
        }
    )
    [packet] = outputs["render_data_vector"]
    roi, face, body, left, right = packet.value
    assert packet.timestamp == 0
    assert isinstance(roi.annotations[0], Rect)
    assert [type(a) for a in face.annotations] == [Points]  # the face is dots only
    assert len(face.annotations[0].xy) == 468
    body_lines, body_points = body.annotations
    assert isinstance(body_lines, Lines) and len(body_lines.segments) == 35
    np.testing.assert_array_equal(body_points.xy, pose.data[:, :2])
    assert [len(hand.annotations[0].segments) for hand in (left, right)] == [21, 21]
    assert left.annotations[0].color != right.annotations[0].color
    # 360 px is 1.5 x the 240 px reference side: 2 px lines, 1 px face dots.
    assert (body_lines.thickness, face.annotations[0].radius) == (2, 1)


def test_absent_parts_are_left_out_and_each_timestamp_gets_a_vector(runner):
    outputs = runner.run(
        {
            "image_size": [((64, 48), 0), ((64, 48), 10)],
            "pose_landmarks": [(landmark_list(33, visibility=0.9), 10)],
        }
    )
    first, second = outputs["render_data_vector"]
    assert (first.timestamp, first.value) == (0, [])
    assert second.timestamp == 10
    [body] = second.value
    assert len(body.annotations[1].xy) == 33


def test_pose_landmarks_below_half_visibility_are_not_drawn(runner):
    pose = landmark_list(33)
    pose.data[15:, 3] = 0.1  # from the left wrist on: hands, hips and legs hidden
    outputs = runner.run({"image_size": [((640, 480), 5)], "pose_landmarks": [(pose, 5)]})
    [[body]] = [p.value for p in outputs["render_data_vector"]]
    lines, points = body.annotations
    assert len(points.xy) == 15
    assert len(lines.segments) == 12  # face 9 + shoulder line 1 + upper arms 2
    shown = {tuple(xy) for xy in pose.data[:15, :2].tolist()}
    assert {tuple(xy) for xy in lines.segments.reshape(-1, 2).tolist()} <= shown
