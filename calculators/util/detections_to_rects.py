"""DetectionsToRectsCalculator: a detection's box (or keypoint bounds) as a NormalizedRect.

Also the base class of AlignmentPointsRectsCalculator and
HandDetectionsFromPoseToRectsCalculator, which override ``rect_of``/``rotation_of``.

Ports:
    DETECTION - Detection, or DETECTIONS - list[Detection] (exactly one)
    IMAGE_SIZE - tuple[int, int] (width, height; required when a rotation is computed)
    NORM_RECT - NormalizedRect (from the first detection), or NORM_RECTS -
        list[NormalizedRect] (one per detection); exactly one

Options: ``mediapipe.DetectionsToRectsCalculatorOptions`` (conversion_mode DEFAULT /
USE_BOUNDING_BOX / USE_KEYPOINTS, rotation_vector_*, output_zero_rect_for_empty_detections).
An empty DETECTIONS list emits nothing unless output_zero_rect_for_empty_detections.
Pixel-space RECT/RECTS outputs are not supported.

Example::

    node {
      calculator: "DetectionsToRectsCalculator"
      input_stream: "DETECTIONS:face_detections"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "NORM_RECT:face_rect"
      options: { [mediapipe.DetectionsToRectsCalculatorOptions.ext] {
        conversion_mode: USE_KEYPOINTS rotation_vector_start_keypoint_index: 0
        rotation_vector_end_keypoint_index: 1 rotation_vector_target_angle_degrees: 0 } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util import detections_to_rects_calculator_pb2

from pipeserve.calculators.formats import Detection, NormalizedRect
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_one_of
from .geometry import F32, Real, degrees_to_radians, rotation_from_points

Options = detections_to_rects_calculator_pb2.DetectionsToRectsCalculatorOptions
Size = tuple[int, int]
Box = tuple[Real, Real, Real, Real]  # x_center, y_center, width, height (float32 values)


def to_pixels(points: np.ndarray, size: Size) -> np.ndarray:
    """Normalized (x, y) [N, 2] times (width, height), in float32 as MediaPipe."""
    return np.asarray(points, F32) * np.array(size, F32)


@register_calculator("DetectionsToRectsCalculator")
class DetectionsToRectsCalculator(Calculator):
    DETECTION = Input[Detection]("DETECTION", optional=True)
    DETECTIONS = Input[list[Detection]]("DETECTIONS", optional=True)
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE", optional=True)
    NORM_RECT = Output[NormalizedRect]("NORM_RECT", optional=True)
    NORM_RECTS = Output[list[NormalizedRect]]("NORM_RECTS", optional=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, False, "DETECTION", "DETECTIONS")
        require_one_of(cc, True, "NORM_RECT", "NORM_RECTS")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.rotate = options.HasField("rotation_vector_start_keypoint_index")
        self.target = F32(0.0)
        if self.rotate:
            has_rad = options.HasField("rotation_vector_target_angle")
            if not options.HasField("rotation_vector_end_keypoint_index") or has_rad == (
                options.HasField("rotation_vector_target_angle_degrees")
            ):
                raise ValueError("rotation needs an end keypoint and exactly one target angle")
            if not cc.inputs.has("IMAGE_SIZE"):
                raise ValueError("rotation needs the IMAGE_SIZE input")
            self.target = (
                F32(options.rotation_vector_target_angle)
                if has_rad
                else degrees_to_radians(options.rotation_vector_target_angle_degrees)
            )
        self.start = options.rotation_vector_start_keypoint_index
        self.end = options.rotation_vector_end_keypoint_index
        self.use_keypoints = options.conversion_mode == Options.USE_KEYPOINTS
        self.zero_rect = options.output_zero_rect_for_empty_detections
        self.single = cc.inputs.has("DETECTION")
        self.out_tag = "NORM_RECT" if cc.outputs.has("NORM_RECT") else "NORM_RECTS"

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["DETECTION" if self.single else "DETECTIONS"]
        if packet.is_empty:
            return
        size_packet = cc.inputs.get("IMAGE_SIZE")
        if self.rotate and size_packet.is_empty:
            return
        size = None if size_packet.is_empty else tuple(size_packet.value)
        detections = [packet.value] if self.single else packet.value
        if not detections:
            if self.zero_rect:
                zero = NormalizedRect(0.0, 0.0, 0.0, 0.0, 0.0)
                cc.outputs[self.out_tag].add(zero if self.out_tag == "NORM_RECT" else [zero])
            return
        if self.out_tag == "NORM_RECT":
            cc.outputs["NORM_RECT"].add(self.to_rect(detections[0], size))
        else:
            cc.outputs["NORM_RECTS"].add([self.to_rect(d, size) for d in detections])

    def to_rect(self, detection: Detection, size: Size | None) -> NormalizedRect:
        box = self.rect_of(detection, size)
        rotation = self.rotation_of(detection, size) if self.rotate and size else 0.0
        x_center, y_center, width, height = (float(F32(v)) for v in box)
        return NormalizedRect(x_center, y_center, width, height, float(F32(rotation)))

    def rect_of(self, detection: Detection, size: Size | None) -> Box:
        """The rect's centre and size, normalized."""
        if not self.use_keypoints:
            w, h = F32(detection.width), F32(detection.height)
            return F32(detection.xmin) + w / F32(2), F32(detection.ymin) + h / F32(2), w, h
        keypoints = detection.keypoints
        if len(keypoints) < 2:
            raise ValueError("2 or more keypoints are required to calculate a rect")
        lo = keypoints.min(axis=0).astype(F32)
        hi = keypoints.max(axis=0).astype(F32)
        centre = (lo + hi) / F32(2)
        return centre[0], centre[1], hi[0] - lo[0], hi[1] - lo[1]

    def rotation_of(self, detection: Detection, size: Size) -> float:
        """Rotation from keypoint ``start`` to ``end`` in pixels, relative to the target."""
        (x0, y0), (x1, y1) = to_pixels(detection.keypoints[[self.start, self.end]], size)
        return float(rotation_from_points(x0, y0, x1, y1, self.target))
