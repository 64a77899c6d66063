"""HandLandmarksToRectCalculator: the rotated bounding rect of hand landmarks.

With 21 landmarks the subset [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18] is used. Rotation
turns wrist (0) → ((lm5 + lm13) / 2 + lm9) / 2 to 90° (pixels); the rect is the bounding
box of the points rotated by -rotation about their axis-aligned centre, mapped back.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList
    IMAGE_SIZE - tuple[int, int] (width, height)
    NORM_RECT - NormalizedRect

Example::

    node {
      calculator: "HandLandmarksToRectCalculator"
      input_stream: "NORM_LANDMARKS:hand_landmarks"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "NORM_RECT:hand_rect_from_landmarks"
    }
"""

from __future__ import annotations

import math

import numpy as np

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .geometry import F32, cosf, normalize_radians, rotation_from_points, sinf

PARTIAL = np.array([0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18])
FLT_MIN = np.finfo(np.float32).tiny


def hand_rect(points: np.ndarray, width: int, height: int) -> NormalizedRect:
    """The rect of float32 (x, y) points [N, 2] (the partial subset when 21 were given)."""
    w, h = F32(width), F32(height)
    wrist, index, middle, ring = points[0], points[4], points[6], points[8]
    end = ((index + ring) / F32(2) + middle) / F32(2)
    rotation = rotation_from_points(
        wrist[0] * w, wrist[1] * h, end[0] * w, end[1] * h, F32(math.pi * 0.5)
    )
    reverse = normalize_radians(-rotation)
    lo, hi = points.min(axis=0), np.maximum(points.max(axis=0), FLT_MIN)
    centre = (hi + lo) / F32(2)
    px = (points[:, 0] - centre[0]) * w
    py = (points[:, 1] - centre[1]) * h
    cos, sin = cosf(reverse), sinf(reverse)
    rx, ry = px * cos - py * sin, px * sin + py * cos
    max_x, max_y = max(rx.max(), FLT_MIN), max(ry.max(), FLT_MIN)
    min_x, min_y = rx.min(), ry.min()
    pcx, pcy = (max_x + min_x) / F32(2), (max_y + min_y) / F32(2)
    cos, sin = cosf(rotation), sinf(rotation)
    cx = pcx * cos - pcy * sin + w * centre[0]
    cy = pcx * sin + pcy * cos + h * centre[1]
    values = (cx / w, cy / h, (max_x - min_x) / w, (max_y - min_y) / h, rotation)
    return NormalizedRect(*(float(v) for v in values))


@register_calculator("HandLandmarksToRectCalculator")
class HandLandmarksToRectCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS")
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE")
    NORM_RECT = Output[NormalizedRect]("NORM_RECT")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_LANDMARKS"]
        if packet.is_empty:
            return
        size = cc.inputs["IMAGE_SIZE"]
        if size.is_empty:
            raise ValueError("IMAGE_SIZE is missing")
        points = packet.value.data[:, :2].astype(np.float32)
        if len(points) == 21:
            points = points[PARTIAL]
        cc.outputs["NORM_RECT"].add(hand_rect(points, *size.value))
