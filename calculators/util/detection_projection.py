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

CORNERS = np.array([0, 1, 2, 1, 2, 3, 0, 3])
"""(xmin, ymin, xmax, ymax) columns of a box as its 4 corners' (x, y)."""


def project_detections(detections: list[Detection], matrix: np.ndarray) -> list[Detection]:
    """Every detection's box corners and keypoints projected in one pass."""
    if not detections:
        return []
    count = len(detections)
    box = np.array([(d.xmin, d.ymin, d.width, d.height) for d in detections], np.float32)
    box[:, 2:] += box[:, :2]
    keypoints = [d.keypoints.reshape(-1, 2) for d in detections]
    corners = box[:, CORNERS].reshape(-1, 2)
    projected = project_points(np.concatenate([corners, *keypoints], dtype=np.float32), matrix)
    quads = projected[: 4 * count].reshape(-1, 4, 2)
    lo = quads.min(axis=1)
    size = quads.max(axis=1)
    size -= lo
    out = []
    end = 4 * count
    for d, (x, y), (w, h), points in zip(
        detections, lo.tolist(), size.tolist(), keypoints, strict=True
    ):
        start, end = end, end + len(points)
        out.append(Detection(x, y, w, h, d.score, projected[start:end], d.label_id, d.label))
    return out


@register_calculator("DetectionProjectionCalculator")
class DetectionProjectionCalculator(Calculator):
    DETECTIONS = Input[list[Detection]]("DETECTIONS", multiple=True)
    PROJECTION_MATRIX = Input[np.ndarray]("PROJECTION_MATRIX")
    OUT = Output[list[Detection]]("DETECTIONS", multiple=True)
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
                projected = project_detections(packet.value, matrix_packet.value)
                cc.outputs[("DETECTIONS", index)].add(projected)
