"""AlignmentPointsRectsCalculator: a square-in-pixels rect centred on one keypoint.

Centre = keypoint ``rotation_vector_start_keypoint_index``; side = 2 x the pixel distance
to keypoint ``rotation_vector_end_keypoint_index``; rotation as DetectionsToRects.

Ports: as DetectionsToRectsCalculator (DETECTION or DETECTIONS, IMAGE_SIZE required,
NORM_RECT or NORM_RECTS).

Example::

    node {
      calculator: "AlignmentPointsRectsCalculator"
      input_stream: "DETECTION:pose_detection"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "NORM_RECT:pose_rect"
      options: { [mediapipe.DetectionsToRectsCalculatorOptions.ext] {
        rotation_vector_start_keypoint_index: 0 rotation_vector_end_keypoint_index: 1
        rotation_vector_target_angle_degrees: 90 } }
    }
"""

from __future__ import annotations

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import CalculatorContext, register_calculator

from .detections_to_rects import Box, DetectionsToRectsCalculator, Size, to_pixels
from .geometry import F32, distance_times_two


@register_calculator("AlignmentPointsRectsCalculator")
class AlignmentPointsRectsCalculator(DetectionsToRectsCalculator):
    def open(self, cc: CalculatorContext) -> None:
        super().open(cc)
        if not self.rotate:
            raise ValueError("start and end keypoints are required")

    def rect_of(self, detection: Detection, size: Size | None) -> Box:
        if size is None:
            raise ValueError("IMAGE_SIZE is required to calculate the rect")
        (cx, cy), (x1, y1) = to_pixels(detection.keypoints[[self.start, self.end]], size)
        side = distance_times_two(cx, cy, x1, y1)
        width, height = F32(size[0]), F32(size[1])
        return cx / width, cy / height, side / width, side / height
