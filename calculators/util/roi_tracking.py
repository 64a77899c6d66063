"""RoiTrackingCalculator: keep the ROI from the previous landmarks, or take the fresh one.

The previous-landmarks rect is kept when every configured check passes against the
recrop rect (pixel space, rotated by -recrop.rotation): rotation, translation and scale
deltas, all previous landmarks strictly inside the recrop rect grown by (1 + margin), and
IoU (as in MediaPipe, its rects are anchored at their centres and disjoint rects pass).
No RECROP_RECT → nothing; no PREV_LANDMARKS_RECT → RECROP_RECT.

Ports:
    PREV_LANDMARKS - NormalizedLandmarkList
    PREV_LANDMARKS_RECT - NormalizedRect
    RECROP_RECT - NormalizedRect
    IMAGE_SIZE - tuple[int, int] (width, height)
    TRACKING_RECT - NormalizedRect (one of the input packets, re-emitted as is)

Options: ``mediapipe.RoiTrackingCalculatorOptions``.

Example::

    node {
      calculator: "RoiTrackingCalculator"
      input_stream: "PREV_LANDMARKS:prev_hand_landmarks"
      input_stream: "PREV_LANDMARKS_RECT:prev_hand_landmarks_roi"
      input_stream: "RECROP_RECT:hand_roi_from_recrop"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "TRACKING_RECT:hand_tracking_roi"
      options: { [mediapipe.RoiTrackingCalculatorOptions.ext] {
        rect_requirements: { rotation_degrees: 40.0 translation: 0.2 scale: 0.4 }
        landmarks_requirements: { recrop_rect_margin: -0.1 } } }
    }
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from mediapipe.modules.holistic_landmark.calculators import roi_tracking_calculator_pb2
from pipeserve.calculators.formats import NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

Options = roi_tracking_calculator_pb2.RoiTrackingCalculatorOptions
Size = tuple[int, int]


def _rotate(points: np.ndarray, size: Size, angle: float) -> np.ndarray:
    """Normalized (x, y) [N, 2] in pixels, rotated by ``angle`` about the origin."""
    px = points[:, 0] * size[0]
    py = points[:, 1] * size[1]
    cos, sin = math.cos(angle), math.sin(angle)
    return np.stack([px * cos - py * sin, px * sin + py * cos], axis=1)


def iou_ok(prev: NormalizedRect, recrop: NormalizedRect, size: Size, min_iou: float) -> bool:
    w, h = size
    r1 = np.array([prev.x_center * w, prev.y_center * h, prev.width * w, prev.height * h])
    r2 = np.array([recrop.x_center * w, recrop.y_center * h, recrop.width * w, recrop.height * h])
    lo = np.maximum(r1[:2], r2[:2])
    hi = np.minimum(r1[:2] + r1[2:], r2[:2] + r2[2:])
    if np.any(lo > hi):
        return True  # MediaPipe: an empty intersection has infinite "area"
    inter = float(np.prod(hi - lo))
    return not inter < (r1[2] * r1[3] + r2[2] * r2[3] - inter) * min_iou


def rect_ok(prev: NormalizedRect, recrop: NormalizedRect, size: Size, limits: Any) -> bool:
    centres = np.array([[prev.x_center, prev.y_center], [recrop.x_center, recrop.y_center]])
    (px, py), (rx, ry) = _rotate(centres, size, -recrop.rotation)
    rotation = math.degrees(prev.rotation) - math.degrees(recrop.rotation)
    if rotation > 180.0:
        rotation -= 360.0
    if rotation < -180.0:
        rotation += 360.0
    rw, rh = recrop.width * size[0], recrop.height * size[1]
    return (
        abs(rotation) <= limits.rotation_degrees
        and abs(px - rx) <= rw * limits.translation
        and abs(py - ry) <= rh * limits.translation
        and abs(prev.width * size[0] - rw) <= rw * limits.scale
        and abs(prev.height * size[1] - rh) <= rh * limits.scale
    )


def landmarks_ok(landmarks: np.ndarray, recrop: NormalizedRect, size: Size, margin: float) -> bool:
    angle = -recrop.rotation
    ((cx, cy),) = _rotate(np.array([[recrop.x_center, recrop.y_center]]), size, angle)
    half_w = recrop.width * size[0] * (1.0 + margin) * 0.5
    half_h = recrop.height * size[1] * (1.0 + margin) * 0.5
    points = _rotate(landmarks[:, :2], size, angle)
    inside = (
        (cx - half_w < points[:, 0])
        & (points[:, 0] < cx + half_w)
        & (cy - half_h < points[:, 1])
        & (points[:, 1] < cy + half_h)
    )
    return bool(inside.all())


@register_calculator("RoiTrackingCalculator")
class RoiTrackingCalculator(Calculator):
    PREV_LANDMARKS = Input("PREV_LANDMARKS")
    PREV_LANDMARKS_RECT = Input("PREV_LANDMARKS_RECT")
    RECROP_RECT = Input("RECROP_RECT")
    IMAGE_SIZE = Input("IMAGE_SIZE")
    TRACKING_RECT = Output("TRACKING_RECT")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.min_iou = (
            options.iou_requirements.min_iou if options.HasField("iou_requirements") else None
        )
        self.rect_limits = (
            options.rect_requirements if options.HasField("rect_requirements") else None
        )
        self.margin = (
            options.landmarks_requirements.recrop_rect_margin
            if options.HasField("landmarks_requirements")
            else None
        )

    def process(self, cc: CalculatorContext) -> None:
        recrop_packet = cc.inputs["RECROP_RECT"]
        if recrop_packet.is_empty:
            return
        prev_packet = cc.inputs["PREV_LANDMARKS_RECT"]
        if prev_packet.is_empty:
            cc.outputs["TRACKING_RECT"].add_packet(recrop_packet)
            return
        prev, recrop = prev_packet.value, recrop_packet.value
        size = tuple(cc.inputs["IMAGE_SIZE"].value)
        keep = (
            (self.min_iou is None or iou_ok(prev, recrop, size, self.min_iou))
            and (self.rect_limits is None or rect_ok(prev, recrop, size, self.rect_limits))
            and (
                self.margin is None
                or landmarks_ok(cc.inputs["PREV_LANDMARKS"].value.data, recrop, size, self.margin)
            )
        )
        cc.outputs["TRACKING_RECT"].add_packet(prev_packet if keep else recrop_packet)
