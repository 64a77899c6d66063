"""``cv2.warpPerspective`` (INTER_LINEAR) as a ``cv2.remap`` over maps kept for a repeated
transform: the same pixels, without recomputing every pixel's source coordinates.

OpenCV's warpPerspective computes, per block of the output, each pixel's source position
in float64 fixed point (1/32 pixel) and then remaps with those integer maps. ``exact_maps``
repeats that arithmetic (same block starts, same order of operations, same rounding), so
``cv2.remap`` with its maps gives the very bytes warpPerspective gives. A crop whose
transform does not change between frames (a whole-image detector input, a fixed ROI) builds
its maps once; a transform seen once is warped directly.
"""

from __future__ import annotations

import cv2
import numpy as np

INTER_BITS = 5
INTER_TAB_SIZE = 1 << INTER_BITS
BLOCK_SIZE = 32  # OpenCV's BLOCK_SZ in imgwarp.cpp


def exact_maps(matrix: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(xy int16 [H, W, 2], fraction uint16 [H, W]) maps of warpPerspective for the forward
    3x3 ``matrix`` (image → output) and an output of ``width x height``."""
    ok, inverse = cv2.invert(np.asarray(matrix, np.float64), flags=cv2.DECOMP_LU)
    m = inverse.reshape(-1) if ok else np.zeros(9)
    block_h = min(BLOCK_SIZE // 2, height)
    block_w = min(BLOCK_SIZE * BLOCK_SIZE // block_h, width)
    columns = np.arange(width)
    start = (columns // block_w * block_w).astype(np.float64)[None, :]  # block's first x
    offset = (columns % block_w).astype(np.float64)[None, :]
    y = np.arange(height, dtype=np.float64)[:, None]
    x0 = m[0] * start + m[1] * y + m[2]
    y0 = m[3] * start + m[4] * y + m[5]
    w0 = m[6] * start + m[7] * y + m[8]
    w = w0 + m[6] * offset
    nonzero = w != 0
    w = np.where(nonzero, INTER_TAB_SIZE / np.where(nonzero, w, 1.0), 0.0)
    limits = (float(np.iinfo(np.int32).min), float(np.iinfo(np.int32).max))
    fx = np.rint(np.clip((x0 + m[0] * offset) * w, *limits)).astype(np.int64)
    fy = np.rint(np.clip((y0 + m[3] * offset) * w, *limits)).astype(np.int64)
    xy = np.stack([fx >> INTER_BITS, fy >> INTER_BITS], axis=-1)
    xy = np.clip(xy, np.iinfo(np.int16).min, np.iinfo(np.int16).max).astype(np.int16)
    fraction = ((fy & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (fx & (INTER_TAB_SIZE - 1))).astype(
        np.uint16
    )
    return xy, fraction


class PerspectiveWarp:
    """warpPerspective (INTER_LINEAR) that keeps the maps of a transform seen twice in a
    row. One per node (not shared between threads)."""

    def __init__(self) -> None:
        self._last: bytes | None = None
        self._maps: tuple[bytes, tuple[np.ndarray, np.ndarray]] | None = None

    def __call__(
        self, image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], border: int
    ) -> np.ndarray:
        key = matrix.tobytes() + np.array(size + image.shape[:2], np.int64).tobytes()
        if self._maps is not None and self._maps[0] == key:
            xy, fraction = self._maps[1]
            return cv2.remap(image, xy, fraction, cv2.INTER_LINEAR, borderMode=border)
        if key == self._last:
            self._maps = (key, exact_maps(matrix, *size))
            return self(image, matrix, size, border)
        self._last = key
        return cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=border)
