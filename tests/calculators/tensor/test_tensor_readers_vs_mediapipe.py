"""Tensor readers against MediaPipe's own: real Tensors come from ImageToTensorCalculator.

A tiny image crop becomes a float tensor [1, H, W, 3] (identical in both runtimes, see
test_image_to_tensor.py), which then feeds the calculator under test in both graphs.
"""

from __future__ import annotations

import mediapipe as mp
import numpy as np
import pytest
from mp_oracle import landmarks_from_proto, landmarks_to_proto, proto, run_mediapipe

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs.testing import run_graph


def tensor_graph(value_range: tuple[float, float], tail: str) -> str:
    return f"""
    node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
      output_stream: "TENSORS:tensors" options {{ [mediapipe.ImageToTensorCalculatorOptions.ext]
      {{ output_tensor_float_range {{ min: {value_range[0]} max: {value_range[1]} }} }} }} }}
    {tail}"""


def run_both(image: np.ndarray, graph: str, getter, extra: tuple[dict, dict] = ({}, {})):
    image_format = mp.ImageFormat.GRAY8 if image.ndim == 2 else mp.ImageFormat.SRGB
    frame = mp.packet_creator.create_image_frame(image_format=image_format, data=image)
    expected = run_mediapipe(graph, {"image": [(frame, 0)], **extra[1]}, ["out"], getter)["out"]
    declared = "".join(f'input_stream: "{n}" ' for n in ["image", *extra[0]])
    ours = run_graph(
        declared + 'output_stream: "out"' + graph, {"image": [(image, 0)], **extra[0]}
    )["out"]
    assert len(ours) == len(expected) == 1
    return ours[0].value, expected[0][0]


@pytest.fixture
def patch(astronaut: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(astronaut[100:104, 200:206])  # 4 x 6 pixels


@pytest.mark.parametrize("normalize_z", [1.0, 0.4])
def test_tensors_to_landmarks(patch, normalize_z):
    tail = f"""node {{ calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:tensors"
      output_stream: "NORM_LANDMARKS:out" options {{
      [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {{ num_landmarks: 24
      input_image_width: 50 input_image_height: 40 normalize_z: {normalize_z} }} }} }}"""
    ours, expected = run_both(patch, tensor_graph((-30.0, 90.0), tail), mp.packet_getter.get_proto)
    np.testing.assert_allclose(ours.data, landmarks_from_proto(expected), rtol=0, atol=0)


def test_tensors_to_floats_with_sigmoid(patch):
    tail = """node { calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:tensors"
      output_stream: "FLOATS:out" options { [mediapipe.TensorsToFloatsCalculatorOptions.ext] {
      activation: SIGMOID } } }"""
    ours, expected = run_both(
        patch, tensor_graph((-6.0, 6.0), tail), mp.packet_getter.get_float_list
    )
    np.testing.assert_allclose(ours, expected, rtol=0, atol=0)


@pytest.mark.parametrize(
    "options",
    [
        'top_k: 1 binary_classification: true label_map_path: "mediapipe/modules/hand_landmark/handedness.txt"',
        "top_k: 2 ignore_classes: 1",
        "sort_by_descending_score: true min_score_threshold: 0.1",
    ],
)
def test_tensors_to_classification(patch, options):
    tail = f"""node {{ calculator: "TensorsToClassificationCalculator"
      input_stream: "TENSORS:tensors" output_stream: "CLASSIFICATIONS:out" options {{
      [mediapipe.TensorsToClassificationCalculatorOptions.ext] {{ {options} }} }} }}"""
    # 6 class scores, or 1 (a gray pixel) for binary classification
    image = np.ascontiguousarray(patch[:1, :1, 0] if "binary" in options else patch[:1, :2])
    ours, expected = run_both(image, tensor_graph((0.0, 1.0), tail), mp.packet_getter.get_proto)
    got = [(c.index, round(c.score, 6), c.label) for c in ours.classification]
    want = [(c.index, round(c.score, 6), c.label) for c in expected.classification]
    assert got == want and got


def test_refine_landmarks_from_heatmap(astronaut):
    heat = np.ascontiguousarray(astronaut[150:214:2, 220:284:2])  # 32 x 32, 3 layers
    lms = NormalizedLandmarkList(
        np.array(
            [[0.5, 0.4, 0.1, 0.9, 0.8], [0.02, 0.97, 0.0, 0.5, 0.5], [1.3, 0.2, 0, 0, 0]],
            np.float32,
        )
    )
    tail = """node { calculator: "RefineLandmarksFromHeatmapCalculator"
      input_stream: "NORM_LANDMARKS:lms" input_stream: "TENSORS:tensors"
      output_stream: "NORM_LANDMARKS:out" options {
      [mediapipe.RefineLandmarksFromHeatmapCalculatorOptions.ext] { kernel_size: 7
      refine_presence: true refine_visibility: true } } }"""
    extra = ({"lms": [(lms, 0)]}, {"lms": [(proto(landmarks_to_proto(lms)), 0)]})
    ours, expected = run_both(
        heat, tensor_graph((-4.0, 3.0), tail), mp.packet_getter.get_proto, extra
    )
    want = landmarks_from_proto(expected)
    np.testing.assert_allclose(ours.data, want, rtol=0, atol=0)
    assert not np.allclose(want[:2, :2], lms.data[:2, :2])  # refinement happened
