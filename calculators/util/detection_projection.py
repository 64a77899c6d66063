"""DetectionProjectionCalculator: project detections with a 4x4 matrix (e.g. ROI → image).

Keypoints are projected; the box becomes the axis-aligned bounds of its 4 projected
corners.

Ports:
    DETECTIONS - list[Detection] (repeatable; output i follows input i)
    PROJECTION_MATRIX - np.ndarray (float32 [16], row-major; ImageToTensor's MATRIX)
    DETECTIONS (output) - list[Detection]

Example::

    node {
      calculator: "DetectionProjectionCalculator"
      input_stream: "DETECTIONS:filtered_detections"
      input_stream: "PROJECTION_MATRIX:transform_matrix"
      output_stream: "DETECTIONS:detections"
    }
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_same_count
from .geometry import project_points


def project_detection(detection: Detection, matrix: np.ndarray) -> Detection:
    x0, y0 = np.float32(detection.xmin), np.float32(detection.ymin)
    x1, y1 = x0 + np.float32(detection.width), y0 + np.float32(detection.height)
    box = project_points(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), matrix)
    lo, hi = box.min(axis=0), box.max(axis=0)
    keypoints = project_points(detection.keypoints.astype(np.float32), matrix)
    return dataclasses.replace(
        detection,
        xmin=float(lo[0]),
        ymin=float(lo[1]),
        width=float(hi[0] - lo[0]),
        height=float(hi[1] - lo[1]),
        keypoints=keypoints.astype(np.float32),
    )


@register_calculator("DetectionProjectionCalculator")
class DetectionProjectionCalculator(Calculator):
    DETECTIONS = Input("DETECTIONS", multiple=True)
    PROJECTION_MATRIX = Input("PROJECTION_MATRIX")
    OUT = Output("DETECTIONS", multiple=True)
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_same_count(cc, "DETECTIONS")

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.inputs.count("DETECTIONS")

    def process(self, cc: CalculatorContext) -> None:
        matrix_packet = cc.inputs["PROJECTION_MATRIX"]
        if matrix_packet.is_empty:
            return
        for index in range(self.count):
            packet = cc.inputs[("DETECTIONS", index)]
            if not packet.is_empty:
                projected = [project_detection(d, matrix_packet.value) for d in packet.value]
                cc.outputs[("DETECTIONS", index)].add(projected)
