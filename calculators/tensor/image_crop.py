"""The exact OpenCV crop of MediaPipe's ImageToTensorCalculator (CPU converter).

MediaPipe works in float32: the ROI is scaled to pixels, optionally padded to the tensor's
aspect ratio (``pad_roi``), turned into a perspective transform from ``cv2.boxPoints`` to
the tensor corners and applied with ``cv2.warpPerspective`` on the uint8 image; the
uint8 crop is then mapped to the float range. Every step below keeps float32 so that the
crop is bit-exact (warpAffine with the same matrix is not).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import cv2
import numpy as np

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.calculators.util.geometry import cosf, sinf

from .warp_maps import PerspectiveWarp

F32 = np.float32


@dataclass(slots=True, frozen=True)
class RotatedRect:
    """A rotated rectangle in pixels (float32 values, like MediaPipe's ``RotatedRect``)."""

    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float


def roi_from_norm_rect(rect: NormalizedRect | None, width: int, height: int) -> RotatedRect:
    """The ROI in pixels: the whole image when ``rect`` is None (``GetRoi``)."""
    if rect is None:
        return RotatedRect(0.5 * width, 0.5 * height, float(width), float(height), 0.0)
    return RotatedRect(
        float(F32(rect.x_center) * F32(width)),
        float(F32(rect.y_center) * F32(height)),
        float(F32(rect.width) * F32(width)),
        float(F32(rect.height) * F32(height)),
        float(F32(rect.rotation)),
    )


def pad_roi(
    roi: RotatedRect, tensor_width: int, tensor_height: int, keep_aspect_ratio: bool
) -> tuple[RotatedRect, tuple[float, float, float, float]]:
    """Grow the ROI to the tensor's aspect ratio; returns it and (left, top, right, bottom)."""
    if not keep_aspect_ratio:
        return roi, (0.0, 0.0, 0.0, 0.0)
    if roi.width <= 0 or roi.height <= 0:
        raise ValueError(f"ROI width and height must be > 0, got {roi.width} x {roi.height}")
    tensor_ar = F32(tensor_height) / F32(tensor_width)
    roi_w, roi_h = F32(roi.width), F32(roi.height)
    roi_ar = roi_h / roi_w
    vertical = horizontal = F32(0.0)
    if tensor_ar > roi_ar:
        new_w, new_h = roi_w, roi_w * tensor_ar
        vertical = (F32(1.0) - roi_ar / tensor_ar) / F32(2.0)
    else:
        new_w, new_h = roi_h / tensor_ar, roi_h
        horizontal = (F32(1.0) - tensor_ar / roi_ar) / F32(2.0)
    padded = RotatedRect(roi.center_x, roi.center_y, float(new_w), float(new_h), roi.rotation)
    h, v = float(horizontal), float(vertical)
    return padded, (h, v, h, v)


def roi_to_image_matrix(roi: RotatedRect, width: int, height: int) -> np.ndarray:
    """Row-major 4x4 float32 map from tensor-normalized to image-normalized coordinates."""
    a, b = F32(roi.width), F32(roi.height)
    c, d = cosf(roi.rotation), sinf(roi.rotation)
    e, f = F32(roi.center_x), F32(roi.center_y)
    g, h = F32(1.0) / F32(width), F32(1.0) / F32(height)
    half = F32(0.5)
    m = np.zeros(16, np.float32)
    m[0], m[1] = a * c * g, -b * d * g
    m[3] = (-half * a * c + half * b * d + e) * g
    m[4], m[5] = a * d * h, b * c * h
    m[7] = (-half * b * c - half * a * d + f) * h
    m[10], m[15] = a * g, 1.0
    return m


def perspective_matrix(roi: RotatedRect, tensor_width: int, tensor_height: int) -> np.ndarray:
    """The 3x3 transform from the ROI's corners (``cv2.boxPoints``) to the tensor's."""
    angle = float(F32(F32(roi.rotation) * F32(180.0)) / math.pi)
    src = cv2.boxPoints(((roi.center_x, roi.center_y), (roi.width, roi.height), angle))
    dst = np.array(
        [[0, tensor_height], [0, 0], [tensor_width, 0], [tensor_width, tensor_height]],
        np.float32,
    )
    return cv2.getPerspectiveTransform(src, dst)  # boxPoints gives float32 already


def crop_to_uint8(
    image: np.ndarray,
    roi: RotatedRect,
    tensor_width: int,
    tensor_height: int,
    zero_border: bool,
    warp: PerspectiveWarp | None = None,
    matrix: np.ndarray | None = None,
) -> np.ndarray:
    """The ROI warped onto a ``tensor_height x tensor_width`` uint8 image (RGBA → RGB);
    ``warp`` keeps the maps of a repeated transform (one per node), ``matrix`` is the
    ROI's ``perspective_matrix`` when already known."""
    if matrix is None:
        matrix = perspective_matrix(roi, tensor_width, tensor_height)
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    crop = (warp or PerspectiveWarp())(image, matrix, (tensor_width, tensor_height), border)
    if crop.ndim == 3 and crop.shape[2] == 4:
        crop = cv2.cvtColor(crop, cv2.COLOR_RGBA2RGB)
    return crop


@dataclass(slots=True, frozen=True)
class CropPlan:
    """What a crop computes from the ROI and the image size alone."""

    size: tuple[int, int]
    """The tensor's width and height."""
    roi: RotatedRect
    """The ROI in pixels, padded to the tensor's aspect ratio when asked."""
    padding: tuple[float, float, float, float]
    matrix: np.ndarray
    """``roi_to_image_matrix`` (read-only: emitted again while the plan repeats)."""
    perspective: np.ndarray
    """``perspective_matrix``: image → tensor."""


class CropPlanner:
    """The plan of a crop into a ``width x height`` tensor (0: the image's own size), kept
    while the ROI and the image size repeat (a whole-image input, a fixed ROI): its float32
    scalar steps cost tens of µs per frame when the caches are cold. One per node."""

    def __init__(self, width: int, height: int, keep_aspect_ratio: bool) -> None:
        self.width, self.height, self.keep_aspect_ratio = width, height, keep_aspect_ratio
        self._key: tuple[bytes | None, int, int] | None = None
        self._plan: CropPlan | None = None

    def __call__(self, rect: NormalizedRect | None, width: int, height: int) -> CropPlan:
        # The plan depends on the rect's float32 values only: their bytes are the key.
        fields = None
        if rect is not None:
            values = (rect.x_center, rect.y_center, rect.width, rect.height, rect.rotation)
            fields = array("f", values).tobytes()
        key = (fields, width, height)
        if key != self._key or self._plan is None:
            self._plan, self._key = self.plan(rect, width, height), key
        return self._plan

    def plan(self, rect: NormalizedRect | None, width: int, height: int) -> CropPlan:
        out_w, out_h = self.width or width, self.height or height
        roi = roi_from_norm_rect(rect, width, height)
        roi, padding = pad_roi(roi, out_w, out_h, self.keep_aspect_ratio)
        matrix = roi_to_image_matrix(roi, width, height)
        matrix.flags.writeable = False
        perspective = perspective_matrix(roi, out_w, out_h)
        return CropPlan((out_w, out_h), roi, padding, matrix, perspective)


def value_lut(range_min: float, range_max: float) -> np.ndarray:
    """float32 [256] table of uint8 → [range_min, range_max], as ``convertTo(scale, offset)``.

    OpenCV fuses the multiply-add (one rounding); in float64 the product of a uint8 and a
    float32 scale plus a float32 offset is exact, so one cast to float32 matches it.
    """
    if not range_min < range_max:
        raise ValueError(f"invalid output range [{range_min}, {range_max}]")
    scale = (F32(range_max) - F32(range_min)) / F32(255.0)
    return (np.arange(256) * np.float64(scale) + np.float64(F32(range_min))).astype(np.float32)


def to_tensor(crop: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """The uint8 crop mapped through ``value_lut`` as a float32 [1, H, W, C] tensor."""
    values = cv2.LUT(crop, lut)
    return values.reshape(1, crop.shape[0], crop.shape[1], -1)
