"""Landmark geometry calculators: differential against MediaPipe's own calculators."""

from __future__ import annotations

import mediapipe as mp
import numpy as np
import pytest
from mp_oracle import (
    detection_row,
    landmarks_from_proto,
    landmarks_to_proto,
    proto,
    rect_to_proto,
    run_mediapipe,
)

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs.testing import run_graph

ROI = NormalizedRect(0.45, 0.55, 0.6, 0.4, 0.7)


def landmarks(seed: int, count: int = 21, world: bool = False):
    rng = np.random.default_rng(seed)
    data = rng.uniform(-0.1, 1.1, (count, 5)).astype(np.float32)
    return LandmarkList(data) if world else NormalizedLandmarkList(data)


def compare(graph: str, ours_inputs: dict, mp_inputs: dict, getter=mp.packet_getter.get_proto):
    expected = run_mediapipe(graph, mp_inputs, ["out"], getter)
    declared = "".join(f'input_stream: "{name}" ' for name in ours_inputs)
    ours = run_graph(declared + 'output_stream: "out"' + graph, ours_inputs)
    assert len(ours["out"]) == len(expected["out"]) == 1
    return ours["out"][0].value, expected["out"][0][0]


def image_inputs(image: np.ndarray, roi: NormalizedRect) -> tuple[dict, dict]:
    frame = mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)
    return (
        {"image": [(image, 0)], "roi": [(roi, 0)]},
        {"image": [(frame, 0)], "roi": [(proto(rect_to_proto(roi)), 0)]},
    )


CROP = """node { calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi" output_stream: "TENSORS:tensors"
  output_stream: "LETTERBOX_PADDING:padding" output_stream: "MATRIX:matrix"
  options { [mediapipe.ImageToTensorCalculatorOptions.ext] { output_tensor_width: 96
    output_tensor_height: 96 keep_aspect_ratio: true
    output_tensor_float_range { min: 0 max: 1 } } } }"""
TAILS = {
    "letterbox": """node { calculator: "LandmarkLetterboxRemovalCalculator"
      input_stream: "LANDMARKS:lms" input_stream: "LETTERBOX_PADDING:padding"
      output_stream: "LANDMARKS:out" }""",
    "matrix": """node { calculator: "LandmarkProjectionCalculator"
      input_stream: "NORM_LANDMARKS:lms" input_stream: "PROJECTION_MATRIX:matrix"
      output_stream: "NORM_LANDMARKS:out" }""",
    "rect": """node { calculator: "LandmarkProjectionCalculator"
      input_stream: "NORM_LANDMARKS:lms" input_stream: "NORM_RECT:roi"
      output_stream: "NORM_LANDMARKS:out" }""",
    "rect_ignore_rotation": """node { calculator: "LandmarkProjectionCalculator"
      input_stream: "NORM_LANDMARKS:lms" input_stream: "NORM_RECT:roi"
      output_stream: "NORM_LANDMARKS:out" options {
      [mediapipe.LandmarkProjectionCalculatorOptions.ext] { ignore_rotation: true } } }""",
    "dimensions": """node { calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:image"
      output_stream: "SIZE:size" }
      node { calculator: "LandmarkProjectionCalculator"
      input_stream: "NORM_LANDMARKS:lms" input_stream: "NORM_RECT:roi"
      input_stream: "IMAGE_DIMENSIONS:size" output_stream: "NORM_LANDMARKS:out" }""",
}


@pytest.mark.parametrize("tail", TAILS)
def test_landmark_projection_and_letterbox_removal_match_mediapipe(grace_hopper, tail):
    lms = landmarks(1)
    ours_in, mp_in = image_inputs(grace_hopper, ROI)
    ours_in["lms"] = [(lms, 0)]
    mp_in["lms"] = [(proto(landmarks_to_proto(lms)), 0)]
    ours, expected = compare(CROP + TAILS[tail], ours_in, mp_in)
    np.testing.assert_array_equal(ours.data, landmarks_from_proto(expected))


def test_world_landmark_projection_matches_mediapipe():
    lms = landmarks(2, count=33, world=True)
    graph = """node { calculator: "WorldLandmarkProjectionCalculator"
      input_stream: "LANDMARKS:lms" input_stream: "NORM_RECT:roi" output_stream: "LANDMARKS:out" }"""
    ours, expected = compare(
        graph,
        {"lms": [(lms, 0)], "roi": [(ROI, 0)]},
        {"lms": [(proto(landmarks_to_proto(lms)), 0)], "roi": [(proto(rect_to_proto(ROI)), 0)]},
    )
    assert isinstance(ours, LandmarkList)
    np.testing.assert_array_equal(ours.data, landmarks_from_proto(expected))


@pytest.mark.parametrize("options", ["", "selected_landmark_indices: [0, 5, 9, 13]"])
def test_landmarks_to_detection_matches_mediapipe(options):
    lms = landmarks(3, count=33)
    graph = f"""node {{ calculator: "LandmarksToDetectionCalculator"
      input_stream: "NORM_LANDMARKS:lms" output_stream: "DETECTION:out" options {{
      [mediapipe.LandmarksToDetectionCalculatorOptions.ext] {{ {options} }} }} }}"""
    ours, expected = compare(
        graph, {"lms": [(lms, 0)]}, {"lms": [(proto(landmarks_to_proto(lms)), 0)]}
    )
    np.testing.assert_allclose(ours.to_row(), detection_row(expected), atol=1e-7)


@pytest.mark.parametrize(
    "tags", [("NORM_LANDMARKS_FROM", "LANDMARKS_TO"), ("NORM_LANDMARKS_FROM", "NORM_LANDMARKS_TO")]
)
def test_visibility_copy_matches_mediapipe(tags):
    source, target = landmarks(4, count=33), landmarks(5, count=39, world=tags[1] == "LANDMARKS_TO")
    graph = f"""node {{ calculator: "VisibilityCopyCalculator" input_stream: "{tags[0]}:a"
      input_stream: "{tags[1]}:b" output_stream: "{tags[1]}:out" options {{
      [mediapipe.VisibilityCopyCalculatorOptions.ext] {{ copy_visibility: true
      copy_presence: false }} }} }}"""
    ours, expected = compare(
        graph,
        {"a": [(source, 0)], "b": [(target, 0)]},
        {
            "a": [(proto(landmarks_to_proto(source)), 0)],
            "b": [(proto(landmarks_to_proto(target)), 0)],
        },
    )
    assert type(ours) is type(target) and len(ours) == 33
    np.testing.assert_array_equal(ours.data, landmarks_from_proto(expected))


def test_landmark_visibility_matches_mediapipe():
    lms = landmarks(6, count=1)
    graph = """node { calculator: "LandmarkVisibilityCalculator"
      input_stream: "NORM_LANDMARKS:lms" output_stream: "VISIBILITY:out" }"""
    ours, expected = compare(
        graph,
        {"lms": [(lms, 0)]},
        {"lms": [(proto(landmarks_to_proto(lms)), 0)]},
        getter=mp.packet_getter.get_float,
    )
    assert ours == pytest.approx(expected, abs=1e-7) and isinstance(ours, float)
