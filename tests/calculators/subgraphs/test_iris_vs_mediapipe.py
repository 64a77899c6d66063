"""The iris tracking subgraphs (OpenVINO f32) against MediaPipe's own calculators (TFLite)
in the wheel's CalculatorGraph, on real photos.

- FaceLandmarkFrontCpu: ours against the wheel's registered subgraph, end to end
  (detection, ROI, landmarks).
- iris_landmark model: OpenVINO against MediaPipe's InferenceCalculator on one input.
- IrisLandmarkCpu, both eyes: the wheel registers no iris subgraph, so the reference is
  our subgraph's own text run by MediaPipe, with its model nodes swapped for MediaPipe's
  InferenceCalculator and the mirrored eye ROI given as an input (MediaPipe has no
  calculator for that one step, the only node the reference does not run itself).
"""

from __future__ import annotations

from typing import Any

import mediapipe as mp
import numpy as np
import pytest
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.formats import NormalizedRect
from pipeserve.calculators.openvino.models import WheelModels
from pipeserve.calculators.subgraphs import SUBGRAPH_DIR
from pipeserve.graphs.testing import run_graph
from tests.calculators.mp_oracle import (
    landmarks_from_proto,
    proto,
    rect_to_proto,
    run_mediapipe,
)

IRIS_MODEL = "mediapipe/modules/iris_landmark/iris_landmark.tflite"
TOLERANCE = 1e-5
# Eye ROIs on grace_hopper.jpg where our face mesh puts her eyes (IrisLandmarkLandmarksToRoi).
EYES = {
    "left": NormalizedRect(0.4317, 0.3171, 0.0935, 0.0935, -0.035),
    "right": NormalizedRect(0.5965, 0.3138, 0.0915, 0.0915, -0.035),
}


def _frame(image: np.ndarray) -> Any:
    return mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)


def test_face_landmark_front_matches_mediapipes(grace_hopper: np.ndarray) -> None:
    text = """
    input_stream: "image" output_stream: "landmarks" output_stream: "rois"
    node { calculator: "FaceLandmarkFrontCpu" input_stream: "IMAGE:image"
      output_stream: "LANDMARKS:landmarks" output_stream: "ROIS_FROM_LANDMARKS:rois" }
    """
    getter = mp.packet_getter.get_proto_list
    theirs = run_mediapipe(text, {"image": [(_frame(grace_hopper), 0)]}, ["landmarks"], getter)
    ours = run_graph(text, {"image": [(grace_hopper, 0)]}, services={"models": WheelModels()})

    (want,) = [landmarks_from_proto(face) for face in theirs["landmarks"][0][0]]
    (got,) = [face.data for face in ours["landmarks"][0].value]
    np.testing.assert_allclose(got[:, :3], want[:, :3], atol=TOLERANCE)


def _with_mediapipe_inference(config: calculator_pb2.CalculatorGraphConfig) -> str:
    """``config``'s text with the OpenVINO session/inference pair replaced by MediaPipe's
    InferenceCalculator on the same file, and no NormalizedRectMirrorCalculator."""
    out = calculator_pb2.CalculatorGraphConfig()
    out.CopyFrom(config)
    for field in ("type", "input_stream", "output_stream"):  # inputs are declared by the runner
        out.ClearField(field)
    del out.node[:]
    for node in config.node:
        if node.calculator in (
            "OpenVINOModelServerSessionCalculator",
            "NormalizedRectMirrorCalculator",
        ):
            continue
        if node.calculator == "OpenVINOInferenceCalculator":
            text = f"""calculator: "InferenceCalculatorCpu"
              input_stream: "{node.input_stream[0]}" output_stream: "{node.output_stream[0]}"
              options {{ [mediapipe.InferenceCalculatorOptions.ext] {{
                model_path: "{IRIS_MODEL}" }} }}"""
            node = text_format.Parse(text, calculator_pb2.CalculatorGraphConfig.Node())
        out.node.append(node)
    return text_format.MessageToString(out)


MODEL_ONLY = """
input_stream: "image" input_stream: "roi" output_stream: "iris" output_stream: "eye"
node { calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi" output_stream: "TENSORS:tensor"
  options { [mediapipe.ImageToTensorCalculatorOptions.ext] { output_tensor_width: 64
    output_tensor_height: 64 keep_aspect_ratio: true border_mode: BORDER_REPLICATE
    output_tensor_float_range { min: 0.0 max: 1.0 } } } }
node { calculator: "OpenVINOModelServerSessionCalculator" output_side_packet: "SESSION:session"
  node_options { [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions] {
    servable_name: "iris_landmark" } } }
node { calculator: "OpenVINOInferenceCalculator" input_side_packet: "SESSION:session"
  input_stream: "TENSORS:tensor" output_stream: "TENSORS:raw"
  node_options { [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions] {
    input_order_list: ["input_1"]
    output_order_list: ["output_eyes_contours_and_brows", "output_iris"] } } }
node { calculator: "SplitTensorVectorCalculator" input_stream: "raw"
  output_stream: "eye_tensor" output_stream: "iris_tensor"
  options { [mediapipe.SplitVectorCalculatorOptions.ext] {
    ranges { begin: 0 end: 1 } ranges { begin: 1 end: 2 } } } }
node { calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:iris_tensor"
  output_stream: "NORM_LANDMARKS:iris"
  options { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] { num_landmarks: 5
    input_image_width: 64 input_image_height: 64 } } }
node { calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:eye_tensor"
  output_stream: "NORM_LANDMARKS:eye"
  options { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] { num_landmarks: 71
    input_image_width: 64 input_image_height: 64 } } }
"""


def _landmark_outputs(result: dict[str, list], names: list[str]) -> dict[str, np.ndarray]:
    return {name: landmarks_from_proto(result[name][0][0]) for name in names}


def test_iris_model_on_openvino_matches_mediapipes_inference(grace_hopper: np.ndarray) -> None:
    """The model alone: landmarks in the 64 x 64 crop's own coordinates."""
    config = text_format.Parse(MODEL_ONLY, calculator_pb2.CalculatorGraphConfig())
    roi = EYES["left"]
    inputs = {"image": [(_frame(grace_hopper), 0)], "roi": [(proto(rect_to_proto(roi)), 0)]}
    theirs = _landmark_outputs(
        run_mediapipe(_with_mediapipe_inference(config), inputs, ["iris", "eye"]), ["iris", "eye"]
    )
    ours = run_graph(
        MODEL_ONLY,
        {"image": [(grace_hopper, 0)], "roi": [(roi, 0)]},
        services={"models": WheelModels()},
    )
    for name, want in theirs.items():
        got = ours[name][0].value.data
        np.testing.assert_allclose(got[:, :3], want[:, :3], atol=TOLERANCE, err_msg=name)


@pytest.mark.parametrize("eye", ["left", "right"])
def test_iris_landmark_subgraph_matches_mediapipe(grace_hopper: np.ndarray, eye: str) -> None:
    config = text_format.Parse(
        (SUBGRAPH_DIR / "iris_landmark_cpu.pbtxt").read_text(),
        calculator_pb2.CalculatorGraphConfig(),
    )
    right, roi = eye == "right", EYES[eye]
    mirrored = NormalizedRect(1 - roi.x_center, roi.y_center, roi.width, roi.height, -roi.rotation)
    outputs = ["projected_eye_landmarks", "projected_iris_landmarks"]
    inputs = {
        "image": [(_frame(grace_hopper), 0)],
        "roi": [(proto(rect_to_proto(roi)), 0)],
        "is_right_eye": [(mp.packet_creator.create_bool(right), 0)],
        "model_roi": [(proto(rect_to_proto(mirrored if right else roi)), 0)],
    }
    theirs = _landmark_outputs(
        run_mediapipe(_with_mediapipe_inference(config), inputs, outputs), outputs
    )
    text = """
    input_stream: "image" input_stream: "roi" input_stream: "flag"
    output_stream: "projected_eye_landmarks" output_stream: "projected_iris_landmarks"
    node { calculator: "IrisLandmarkCpu" input_stream: "IMAGE:image" input_stream: "ROI:roi"
      input_stream: "IS_RIGHT_EYE:flag"
      output_stream: "EYE_CONTOUR_LANDMARKS:projected_eye_landmarks"
      output_stream: "IRIS_LANDMARKS:projected_iris_landmarks" }
    """
    ours = run_graph(
        text,
        {"image": [(grace_hopper, 0)], "roi": [(roi, 0)], "flag": [(right, 0)]},
        services={"models": WheelModels()},
    )
    for name, want in theirs.items():
        got = ours[name][0].value.data
        np.testing.assert_allclose(got[:, :3], want[:, :3], atol=TOLERANCE, err_msg=name)
    iris = ours["projected_iris_landmarks"][0].value.data
    assert abs(iris[0, 0] - roi.x_center) < roi.width / 4  # the iris is inside its eye ROI
