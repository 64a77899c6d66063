"""TensorsToLandmarksCalculator and TensorsToFloatsCalculator against holistic.md §1.4-§1.7."""

from __future__ import annotations

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.errors import NodeError
from pipeserve.graphs.testing import CalculatorRunner


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def landmarks_node(options: str, outputs: str = 'output_stream: "NORM_LANDMARKS:norm"') -> str:
    return f"""calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:t" {outputs}
      options {{ [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {{ {options} }} }}"""


def test_pose_landmarks_normalize_and_activate_visibility_presence():
    raw = np.random.default_rng(0).normal(100, 50, (1, 195)).astype(np.float32)
    node = landmarks_node(
        "num_landmarks: 39 input_image_width: 256 input_image_height: 256 "
        "visibility_activation: SIGMOID presence_activation: SIGMOID",
        'output_stream: "NORM_LANDMARKS:norm" output_stream: "LANDMARKS:raw"',
    )
    out = CalculatorRunner(node).run({"t": [([raw], 7)]})
    (norm,), (world,) = out["norm"], out["raw"]
    assert norm.timestamp == 7 and isinstance(norm.value, NormalizedLandmarkList)
    assert isinstance(world.value, LandmarkList)
    values = raw.reshape(39, 5)
    np.testing.assert_allclose(norm.value.data[:, :3], values[:, :3] / 256, rtol=1e-6)
    np.testing.assert_allclose(norm.value.data[:, 3:], sigmoid(values[:, 3:]), rtol=1e-6)
    np.testing.assert_allclose(world.value.data[:, :3], values[:, :3])


def test_hand_landmarks_scale_z_by_normalize_z_and_leave_missing_fields_zero():
    raw = np.arange(63, dtype=np.float32).reshape(1, 63)
    node = landmarks_node(
        "num_landmarks: 21 input_image_width: 224 input_image_height: 224 normalize_z: 0.4"
    )
    (packet,) = CalculatorRunner(node).run({"t": [([raw], 0)]})["norm"]
    data = packet.value.data
    assert data.shape == (21, 5)
    np.testing.assert_allclose(data[1, :3], [3 / 224, 4 / 224, 5 / 224 / 0.4], rtol=1e-6)
    assert not data[:, 3:].any()


def test_flip_horizontally_mirrors_x_in_model_units():
    raw = np.array([[10.0, 20.0, 3.0]], np.float32)
    node = landmarks_node(
        "num_landmarks: 1 input_image_width: 100 input_image_height: 50 flip_horizontally: true"
    )
    (packet,) = CalculatorRunner(node).run({"t": [([raw], 0)]})["norm"]
    np.testing.assert_allclose(packet.value.data[0, :3], [0.9, 0.4, 0.03], rtol=1e-6)


@pytest.mark.parametrize("activation, expected", [("NONE", 2.0), ("SIGMOID", sigmoid(2.0))])
def test_floats_single_value_with_activation(activation, expected):
    node = f"""calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t"
      output_stream: "FLOAT:f" options {{ [mediapipe.TensorsToFloatsCalculatorOptions.ext] {{
      activation: {activation} }} }}"""
    (packet,) = CalculatorRunner(node).run({"t": [([np.full((1, 1, 1, 1), 2.0, np.float32)], 3)]})[
        "f"
    ]
    assert isinstance(packet.value, float) and packet.value == pytest.approx(expected, rel=1e-6)


def test_floats_vector_and_single_value_needs_one_element():
    tensor = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    node = 'calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t" output_stream: "FLOATS:f"'
    (packet,) = CalculatorRunner(node).run({"t": [([tensor], 0)]})["f"]
    np.testing.assert_array_equal(packet.value, np.arange(6))
    single = node.replace("FLOATS:f", "FLOAT:f")
    with pytest.raises(NodeError, match="one-element"):
        CalculatorRunner(single).run({"t": [([tensor], 0)]})
