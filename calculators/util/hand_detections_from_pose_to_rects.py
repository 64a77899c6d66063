"""HandDetectionsFromPoseToRectsCalculator: a hand ROI from pose wrist, pinky and index.

Keypoints 0 = wrist, 1 = pinky, 2 = index (normalized). In pixels: centre =
(2 index + pinky) / 3; side = 2 |centre - wrist|; rotation turns wrist → centre to 90°.

Ports: DETECTION or DETECTIONS, IMAGE_SIZE (required), NORM_RECT or NORM_RECTS.

Example::

    node {
      calculator: "HandDetectionsFromPoseToRectsCalculator"
      input_stream: "DETECTION:hand_detection_from_pose"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "NORM_RECT:hand_roi_from_pose"
    }
"""

from __future__ import annotations

import math

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import CalculatorContext, register_calculator

from .detections_to_rects import Box, DetectionsToRectsCalculator, Size
from .geometry import rotation_from_points


@register_calculator("HandDetectionsFromPoseToRectsCalculator")
class HandDetectionsFromPoseToRectsCalculator(DetectionsToRectsCalculator):
    def open(self, cc: CalculatorContext) -> None:
        if not cc.inputs.has("IMAGE_SIZE"):
            raise ValueError("IMAGE_SIZE is required to calculate the rotated rect")
        self.rotate = True
        self.target = math.pi * 0.5
        self.zero_rect = cc.options.output_zero_rect_for_empty_detections
        self.single = cc.inputs.has("DETECTION")
        self.out_tag = "NORM_RECT" if cc.outputs.has("NORM_RECT") else "NORM_RECTS"

    @staticmethod
    def _wrist_and_middle(detection: Detection, size: Size) -> tuple[float, float, float, float]:
        width, height = size
        (wx, wy), (px, py), (ix, iy) = detection.keypoints[:3]
        mx, my = (2.0 * ix * width + px * width) / 3.0, (2.0 * iy * height + py * height) / 3.0
        return wx * width, wy * height, mx, my

    def rect_of(self, detection: Detection, size: Size | None) -> Box:
        if size is None:
            raise ValueError("IMAGE_SIZE is required to calculate the rect")
        wx, wy, mx, my = self._wrist_and_middle(detection, size)
        side = 2.0 * math.hypot(mx - wx, my - wy)
        return mx / size[0], my / size[1], side / size[0], side / size[1]

    def rotation_of(self, detection: Detection, size: Size) -> float:
        wx, wy, mx, my = self._wrist_and_middle(detection, size)
        return rotation_from_points(wx, wy, mx, my, self.target)
