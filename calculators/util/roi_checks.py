"""RoiTrackingCalculator's checks, in float32 as MediaPipe (pixel space, rotated rects)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pipeserve.calculators.formats import NormalizedRect

from .geometry import F32, Real, cosf, sinf

Size = tuple[int, int]


def _pixels(rect: NormalizedRect, size: Size) -> np.ndarray:
    """float32 (x_center W, y_center H, width W, height H)."""
    scale = np.array([size[0], size[1], size[0], size[1]], F32)
    return np.array([rect.x_center, rect.y_center, rect.width, rect.height], F32) * scale


def _rotate(points: np.ndarray, size: Size, angle: Real) -> np.ndarray:
    """Normalized float32 (x, y) [N, 2] in pixels, rotated by ``angle`` about the origin."""
    px = np.asarray(points[:, 0], F32) * F32(size[0])
    py = np.asarray(points[:, 1], F32) * F32(size[1])
    cos, sin = cosf(angle), sinf(angle)
    return np.stack([px * cos - py * sin, px * sin + py * cos], axis=1)


def _degrees(radians: float) -> np.float32:
    return F32(float(F32(radians)) / math.pi * 180.0)


def iou_ok(prev: NormalizedRect, recrop: NormalizedRect, size: Size, min_iou: float) -> bool:
    """IoU check on rects anchored at their centres (sic, as MediaPipe), in float32."""
    r1, r2 = _pixels(prev, size), _pixels(recrop, size)
    lo = np.maximum(r1[:2], r2[:2])
    hi = np.minimum(r1[:2] + r1[2:], r2[:2] + r2[2:])
    if np.any(lo > hi):
        return True  # MediaPipe: an empty intersection has infinite "area"
    inter = (hi[0] - lo[0]) * (hi[1] - lo[1])
    union = r1[2] * r1[3] + r2[2] * r2[3] - inter
    return not inter < union * F32(min_iou)


def rect_ok(prev: NormalizedRect, recrop: NormalizedRect, size: Size, limits: Any) -> bool:
    centres = np.array([[prev.x_center, prev.y_center], [recrop.x_center, recrop.y_center]])
    (px, py), (rx, ry) = _rotate(centres, size, -F32(recrop.rotation))
    rotation = _degrees(prev.rotation) - _degrees(recrop.rotation)
    if rotation > 180:
        rotation -= F32(360)
    if rotation < -180:
        rotation += F32(360)
    _, _, pw, ph = _pixels(prev, size)
    _, _, rw, rh = _pixels(recrop, size)
    translation, scale = F32(limits.translation), F32(limits.scale)
    return bool(
        abs(rotation) <= F32(limits.rotation_degrees)
        and abs(px - rx) <= rw * translation
        and abs(py - ry) <= rh * translation
        and abs(pw - rw) <= rw * scale
        and abs(ph - rh) <= rh * scale
    )


def landmarks_ok(landmarks: np.ndarray, recrop: NormalizedRect, size: Size, margin: float) -> bool:
    angle = -F32(recrop.rotation)
    ((cx, cy),) = _rotate(np.array([[recrop.x_center, recrop.y_center]]), size, angle)
    _, _, rw, rh = _pixels(recrop, size)
    grow, half = F32(1) + F32(margin), F32(0.5)
    half_w, half_h = rw * grow * half, rh * grow * half
    points = _rotate(landmarks[:, :2], size, angle)
    inside = (
        (cx - half_w < points[:, 0])
        & (points[:, 0] < cx + half_w)
        & (cy - half_h < points[:, 1])
        & (points[:, 1] < cy + half_h)
    )
    return bool(inside.all())
