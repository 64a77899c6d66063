"""Shared 2-D geometry of the vision calculators: angles, letterbox removal, projections."""

from __future__ import annotations

import math

import numpy as np

Padding = tuple[float, float, float, float]


def normalize_radians(angle: float) -> float:
    """``angle`` wrapped into [-pi, pi) (MediaPipe's NormalizeRadians)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rotation_from_points(x0: float, y0: float, x1: float, y1: float, target: float) -> float:
    """Rotation (rad) that turns the pixel vector (x0, y0) → (x1, y1) onto ``target``."""
    return normalize_radians(target - math.atan2(-(y1 - y0), x1 - x0))


def remove_letterbox(points: np.ndarray, padding: Padding) -> np.ndarray:
    """x, y columns of ``points`` [N, >=2] mapped from the padded tensor to the ROI."""
    left, top, right, bottom = (np.float32(p) for p in padding)
    out = np.array(points, np.float32, copy=True)
    out[:, 0] = (out[:, 0] - left) / (np.float32(1) - left - right)
    out[:, 1] = (out[:, 1] - top) / (np.float32(1) - top - bottom)
    return out


def project_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """New (x, y) [N, 2] of points [N, 2] (x, y) or [N, 3] (x, y, z) under a row-major
    4x4 matrix [16] (its first two rows)."""
    m = np.asarray(matrix, np.float32).reshape(4, 4)
    k = points.shape[1]
    return (points @ m[:2, :k].T + m[:2, 3]).astype(np.float32)
