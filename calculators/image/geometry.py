"""Image geometry shared by the image calculators, computed as MediaPipe does."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

Padding = tuple[float, float, float, float]
"""Normalized (left, top, right, bottom) letterbox padding."""
NO_PADDING: Padding = (0.0, 0.0, 0.0, 0.0)
_ROTATE = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def right_angle(value: Any) -> int:
    """``value`` degrees as 0, 90, 180 or 270; other angles are refused."""
    degrees = int(value) % 360
    if degrees % 90:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {value}")
    return degrees


def letterbox_padding(source: tuple[int, int], target: tuple[int, int], turned: bool) -> Padding:
    """The bars of fitting a ``source`` (width, height) into ``target`` keeping its aspect
    ratio (``turned``: the source is rotated a quarter turn first), in float32."""
    in_w, in_h = source[::-1] if turned else source
    have = np.float32(in_w) / np.float32(in_h)
    want = np.float32(target[0]) / np.float32(target[1])
    if have < want:
        side = float((np.float32(1) - have / want) / np.float32(2))
        return (side, 0.0, side, 0.0)
    if want < have:
        side = float((np.float32(1) - want / have) / np.float32(2))
        return (0.0, side, 0.0, side)
    return NO_PADDING


def rotate(image: np.ndarray, degrees: int, size: tuple[int, int]) -> np.ndarray:
    """``image`` turned counter-clockwise; an image already of the output ``size`` is turned
    about its centre in place (MediaPipe's warpAffine), any other by exact quarter turns."""
    if not degrees:
        return image
    height, width = image.shape[:2]
    if (width, height) == size:
        matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), degrees, 1.0)
        return cv2.warpAffine(image, matrix, size)
    return cv2.rotate(image, _ROTATE[degrees])
