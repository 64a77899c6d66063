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

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import CalculatorContext, register_calculator

from .detections_to_rects import Box, DetectionsToRectsCalculator, Size, to_pixels
from .geometry import F32, distance_times_two, rotation_from_points


@register_calculator("HandDetectionsFromPoseToRectsCalculator")
class HandDetectionsFromPoseToRectsCalculator(DetectionsToRectsCalculator):
    def open(self, cc: CalculatorContext) -> None:
        if not cc.inputs.has("IMAGE_SIZE"):
            raise ValueError("IMAGE_SIZE is required to calculate the rotated rect")
        self.rotate = True
        self.target = F32(math.pi * 0.5)
        self.zero_rect = cc.options.output_zero_rect_for_empty_detections
        self.single = cc.inputs.has("DETECTION")
        self.out_tag = "NORM_RECT" if cc.outputs.has("NORM_RECT") else "NORM_RECTS"

    @staticmethod
    def _wrist_and_middle(detection: Detection, size: Size) -> np.ndarray:
        """Pixel (wrist x, wrist y, middle x, middle y), float32 as MediaPipe."""
        wrist, pinky, index = to_pixels(detection.keypoints[:3], size)
        middle = (F32(2) * index + pinky) / F32(3)
        return np.concatenate([wrist, middle])

    def rect_of(self, detection: Detection, size: Size | None) -> Box:
        if size is None:
            raise ValueError("IMAGE_SIZE is required to calculate the rect")
        wx, wy, mx, my = self._wrist_and_middle(detection, size)
        side = distance_times_two(wx, wy, mx, my)
        width, height = F32(size[0]), F32(size[1])
        return mx / width, my / height, side / width, side / height

    def rotation_of(self, detection: Detection, size: Size) -> float:
        wx, wy, mx, my = self._wrist_and_middle(detection, size)
        return float(rotation_from_points(wx, wy, mx, my, self.target))
