"""Shared 2-D geometry of the vision calculators: angles, letterbox removal, projections.

MediaPipe computes these in float32 (C++ ``float``; transcendental functions of floats).
Scalar helpers here follow that step by step with ``np.float32`` so that ROIs match
MediaPipe's bit for bit where the inputs do: a pose crop moved by one float32 ulp
changes a few pixels and the landmark model's output by ~1e-4.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from array import array
from collections.abc import Callable

import numpy as np

Padding = tuple[float, float, float, float]
F32 = np.float32
Real = float | np.floating


def _libm_function(name: str, arity: int) -> Callable[..., float]:
    """The C library's float function ``name`` (what MediaPipe's float math calls), called
    without releasing the GIL (``PyDLL``): each call takes nanoseconds, and a release would
    hand the GIL to a waiting thread and wait to get it back."""
    function = getattr(ctypes.PyDLL(ctypes.util.find_library("m")), name)
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float] * arity
    return function


_cosf, _sinf = _libm_function("cosf", 1), _libm_function("sinf", 1)
_atan2f = _libm_function("atan2f", 2)


def cosf(angle: Real) -> np.float32:
    return F32(_cosf(angle))


def sinf(angle: Real) -> np.float32:
    return F32(_sinf(angle))


def atan2f(y: Real, x: Real) -> np.float32:
    return F32(_atan2f(y, x))


def normalize_radians(angle: Real) -> np.float32:
    """``angle`` wrapped into [-pi, pi) (MediaPipe's NormalizeRadians: double math, float
    result)."""
    angle = float(F32(angle))
    return F32(angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi)))


def degrees_to_radians(degrees: Real) -> np.float32:
    """``M_PI * degrees / 180.f`` stored as float."""
    return F32(math.pi * float(F32(degrees)) / 180.0)


def rotation_from_points(x0: Real, y0: Real, x1: Real, y1: Real, target: Real) -> np.float32:
    """Rotation (rad) that turns the pixel vector (x0, y0) → (x1, y1) onto ``target``."""
    dy, dx = -(F32(y1) - F32(y0)), F32(x1) - F32(x0)
    return normalize_radians(F32(target) - atan2f(dy, dx))


def distance_times_two(x0: Real, y0: Real, x1: Real, y1: Real) -> np.float32:
    """``sqrt(dx * dx + dy * dy) * 2.0`` in float (the box side of alignment rects)."""
    dx, dy = F32(x1) - F32(x0), F32(y1) - F32(y0)
    return F32(np.sqrt(dx * dx + dy * dy)) * F32(2.0)


def letterbox_scale(padding: Padding) -> tuple[np.float32, np.float32]:
    """The unpadded share of the tensor: ``1 - (left + right)``, ``1 - (top + bottom)``."""
    left, top, right, bottom = (F32(p) for p in padding)
    return F32(1) - (left + right), F32(1) - (top + bottom)


def remove_letterbox(points: np.ndarray, padding: Padding) -> np.ndarray:
    """x, y columns of ``points`` [N, >=2] mapped from the padded tensor to the ROI."""
    scale_x, scale_y = letterbox_scale(padding)
    out = np.array(points, np.float32, copy=True)
    out[:, 0] = (out[:, 0] - F32(padding[0])) / scale_x
    out[:, 1] = (out[:, 1] - F32(padding[1])) / scale_y
    return out


def project_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """New (x, y) [N, 2] of points [N, 2] (x, y) or [N, 3] (x, y, z) under a row-major
    4x4 matrix [16] (its first two rows), summed left to right in float32 as MediaPipe;
    both rows at once (each value takes the same float32 steps)."""
    m = np.asarray(matrix, np.float32).reshape(4, 4)[:2]
    pts = np.asarray(points, np.float32)
    out: np.ndarray = pts[:, 0:1] * m[:, 0] + pts[:, 1:2] * m[:, 1]
    if pts.shape[1] > 2:
        out += pts[:, 2:3] * m[:, 2]
    out += m[:, 3]
    return out


def round_f32(values: list[float]) -> list[float]:
    """Each value rounded to the nearest float32 (as Python floats). A float32 ``+ - * /``
    computed on float32 values in double and then rounded gives the float32 result exactly
    (53 >= 2 * 24 + 2 bits), so a few values can follow MediaPipe's float steps without numpy."""
    return array("f", values).tolist()
