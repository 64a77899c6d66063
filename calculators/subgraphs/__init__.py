"""MediaPipe's holistic subgraphs (pose, face, hands) as our own ``.pbtxt`` files.

Every ``*.pbtxt`` here is registered by its ``type:`` at import. Model nodes use
OVMS's session/inference pair with OVMS's servable names, so the graphs run against
OVMS's ``config_holistic.json`` model repository (or ``WheelModels`` in tests).
The option messages the files use are imported first so their extensions parse.
"""

from __future__ import annotations

from pathlib import Path

from mediapipe.calculators.core import gate_calculator_pb2, split_vector_calculator_pb2
from mediapipe.calculators.tensor import (
    image_to_tensor_calculator_pb2,
    inference_calculator_pb2,
    tensors_to_detections_calculator_pb2,
    tensors_to_floats_calculator_pb2,
    tensors_to_landmarks_calculator_pb2,
)
from mediapipe.calculators.tflite import ssd_anchors_calculator_pb2
from mediapipe.calculators.util import (
    detections_to_rects_calculator_pb2,
    landmarks_smoothing_calculator_pb2,
    non_max_suppression_calculator_pb2,
    rect_transformation_calculator_pb2,
    refine_landmarks_from_heatmap_calculator_pb2,
    thresholding_calculator_pb2,
    visibility_copy_calculator_pb2,
    visibility_smoothing_calculator_pb2,
)
from mediapipe.modules.holistic_landmark.calculators import roi_tracking_calculator_pb2

from pipeserve.graphs.registry import register_subgraph_file
from pipeserve.proto import openvino_calculators_pb2

OPTION_MODULES = (
    gate_calculator_pb2,
    split_vector_calculator_pb2,
    image_to_tensor_calculator_pb2,
    inference_calculator_pb2,
    tensors_to_detections_calculator_pb2,
    tensors_to_floats_calculator_pb2,
    tensors_to_landmarks_calculator_pb2,
    ssd_anchors_calculator_pb2,
    detections_to_rects_calculator_pb2,
    landmarks_smoothing_calculator_pb2,
    non_max_suppression_calculator_pb2,
    rect_transformation_calculator_pb2,
    refine_landmarks_from_heatmap_calculator_pb2,
    thresholding_calculator_pb2,
    visibility_copy_calculator_pb2,
    visibility_smoothing_calculator_pb2,
    roi_tracking_calculator_pb2,
    openvino_calculators_pb2,
)
"""Imported for their side effect: registering the option extensions used in the files."""

SUBGRAPH_DIR = Path(__file__).resolve().parent
SUBGRAPHS = tuple(register_subgraph_file(p) for p in sorted(SUBGRAPH_DIR.glob("*.pbtxt")))
"""Names of the registered subgraphs."""
