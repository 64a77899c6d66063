"""MediaPipe's holistic subgraphs (pose, face, hands) as our own ``.pbtxt`` files.

Every ``*.pbtxt`` here is registered by its ``type:`` at import. Model nodes use
OVMS's session/inference pair with OVMS's servable names, so the graphs run against
OVMS's ``config_holistic.json`` model repository (or ``WheelModels`` in tests).
The option messages the files use are imported first so their extensions parse.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pipeserve.graphs.registry import register_subgraph_file

OPTION_MODULES = tuple(
    importlib.import_module(name)
    for name in (
        "mediapipe.calculators.core.gate_calculator_pb2",
        "mediapipe.calculators.core.split_vector_calculator_pb2",
        "mediapipe.calculators.tensor.image_to_tensor_calculator_pb2",
        "mediapipe.calculators.tensor.inference_calculator_pb2",
        "mediapipe.calculators.tensor.tensors_to_detections_calculator_pb2",
        "mediapipe.calculators.tensor.tensors_to_floats_calculator_pb2",
        "mediapipe.calculators.tensor.tensors_to_landmarks_calculator_pb2",
        "mediapipe.calculators.tflite.ssd_anchors_calculator_pb2",
        "mediapipe.calculators.util.detections_to_rects_calculator_pb2",
        "mediapipe.calculators.util.landmarks_smoothing_calculator_pb2",
        "mediapipe.calculators.util.non_max_suppression_calculator_pb2",
        "mediapipe.calculators.util.rect_transformation_calculator_pb2",
        "mediapipe.calculators.util.refine_landmarks_from_heatmap_calculator_pb2",
        "mediapipe.calculators.util.thresholding_calculator_pb2",
        "mediapipe.calculators.util.visibility_copy_calculator_pb2",
        "mediapipe.calculators.util.visibility_smoothing_calculator_pb2",
        "mediapipe.modules.holistic_landmark.calculators.roi_tracking_calculator_pb2",
        "pipeserve.proto.openvino_calculators_pb2",
    )
)
"""Imported for their side effect: registering the option extensions used in the files."""

SUBGRAPH_DIR = Path(__file__).resolve().parent
SUBGRAPHS = tuple(register_subgraph_file(p) for p in sorted(SUBGRAPH_DIR.glob("*.pbtxt")))
"""Names of the registered subgraphs."""
