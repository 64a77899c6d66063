"""LandmarksToDetectionCalculator: landmarks as a detection (bounds + every keypoint).

The box is the relative bounding box of the (selected) landmarks; as in MediaPipe the
maxima start at FLT_MIN (smallest positive float), which matters only when every
coordinate is negative. The detection has score 0.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList (must not be empty)
    DETECTION - Detection

Options: ``mediapipe.LandmarksToDetectionCalculatorOptions`` (selected_landmark_indices).

Example::

    node {
      calculator: "LandmarksToDetectionCalculator"
      input_stream: "NORM_LANDMARKS:face_landmarks"
      output_stream: "DETECTION:face_detection"
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util import landmarks_to_detection_calculator_pb2

from pipeserve.calculators.formats import Detection, NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

Options = landmarks_to_detection_calculator_pb2.LandmarksToDetectionCalculatorOptions
FLT_MIN = np.finfo(np.float32).tiny


def landmarks_to_detection(points: np.ndarray) -> Detection:
    """A detection from float32 (x, y) points [N, 2]."""
    lo = points.min(axis=0)
    size = np.maximum(points.max(axis=0), FLT_MIN)
    size -= lo
    (xmin, ymin), (width, height) = lo.tolist(), size.tolist()
    return Detection(xmin, ymin, width, height, 0.0, np.ascontiguousarray(points, np.float32))


@register_calculator("LandmarksToDetectionCalculator")
class LandmarksToDetectionCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS")
    DETECTION = Output[Detection]("DETECTION")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        selected = list(cc.options.selected_landmark_indices)
        self.selected = np.array(selected, np.int64) if selected else None
        self.needed = max(max(selected) + 1, 1) if selected else 1
        """How many landmarks the input must have."""

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_LANDMARKS"]
        if packet.is_empty:
            return
        data = packet.value.data
        if len(data) < self.needed:
            if not len(data):
                raise ValueError("input landmark list is empty")
            raise ValueError("index of landmark subset is out of range")
        if self.selected is not None:
            data = data[self.selected]
        cc.outputs["DETECTION"].add(landmarks_to_detection(data[:, :2]))
