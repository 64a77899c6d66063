"""DetectionLetterboxRemovalCalculator: map detections from a letterboxed tensor to the ROI.

Ports:
    DETECTIONS - list[Detection] (relative to the padded tensor)
    LETTERBOX_PADDING - tuple[float, float, float, float] (left, top, right, bottom)
    DETECTIONS (output) - list[Detection] (relative to the unpadded image/ROI)

Example::

    node {
      calculator: "DetectionLetterboxRemovalCalculator"
      input_stream: "DETECTIONS:filtered_detections"
      input_stream: "LETTERBOX_PADDING:letterbox_padding"
      output_stream: "DETECTIONS:detections"
    }
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .geometry import Padding, letterbox_scale, remove_letterbox


def unpad_detection(detection: Detection, padding: Padding) -> Detection:
    """One detection with box and keypoints mapped out of the letterbox."""
    scale_x, scale_y = letterbox_scale(padding)
    corner = remove_letterbox(np.array([[detection.xmin, detection.ymin]]), padding)[0]
    return dataclasses.replace(
        detection,
        xmin=float(corner[0]),
        ymin=float(corner[1]),
        width=float(np.float32(detection.width) / scale_x),
        height=float(np.float32(detection.height) / scale_y),
        keypoints=remove_letterbox(detection.keypoints, padding),
    )


@register_calculator("DetectionLetterboxRemovalCalculator")
class DetectionLetterboxRemovalCalculator(Calculator):
    DETECTIONS = Input[list[Detection]]("DETECTIONS")
    LETTERBOX_PADDING = Input[tuple[float, float, float, float]]("LETTERBOX_PADDING")
    OUT = Output[list[Detection]]("DETECTIONS")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["DETECTIONS"]
        if packet.is_empty:
            return
        padding = cc.inputs["LETTERBOX_PADDING"].value
        cc.outputs["DETECTIONS"].add([unpad_detection(d, padding) for d in packet.value])
