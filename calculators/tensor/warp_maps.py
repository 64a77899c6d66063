"""``cv2.warpPerspective`` (INTER_LINEAR) as a ``cv2.remap`` over maps kept for a repeated
transform: the same pixels, without recomputing every pixel's source coordinates.

OpenCV's warpPerspective computes, per block of the output, each pixel's source position
in float64 fixed point (1/32 pixel) and then remaps with those integer maps. ``exact_maps``
repeats that arithmetic (same block starts, same order of operations, same rounding), so
``cv2.remap`` with its maps gives the very bytes warpPerspective gives. A crop whose
transform does not change between frames (a whole-image detector input, a fixed ROI) builds
its maps once; a transform seen once is warped directly. With a zero border, only the part
of the output that reads the image is remapped (a letterbox's padding is zeros).
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


def reading_box(xy: np.ndarray, width: int, height: int) -> tuple[slice, slice]:
    """The output rows and columns whose pixels may read the ``width x height`` image:
    outside them every pixel's 2x2 taps lie outside it, so a zero constant border makes it
    0 (OpenCV's bilinear remap takes the border value whole for such a pixel)."""
    x, y = xy[..., 0], xy[..., 1]
    reads = (x >= -1) & (x < width) & (y >= -1) & (y < height)
    rows, cols = np.flatnonzero(reads.any(axis=1)), np.flatnonzero(reads.any(axis=0))
    if not rows.size:
        return slice(0, 0), slice(0, 0)
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


WarpKey = tuple[bytes, tuple[int, int], tuple[int, ...]]
"""A transform's bytes, the output size and the image's height and width."""


class KeptMaps:
    """The maps of one transform, and the same maps cut to the box that reads the image
    (a letterbox's padding is not remapped: with a zero border it is zeros)."""

    def __init__(self, matrix: np.ndarray, size: tuple[int, int], image_hw: tuple[int, ...]):
        self.xy, self.fraction = exact_maps(matrix, *size)
        self.rows, self.cols = reading_box(self.xy, image_hw[1], image_hw[0])
        self.cut_xy = np.ascontiguousarray(self.xy[self.rows, self.cols])
        self.cut_fraction = np.ascontiguousarray(self.fraction[self.rows, self.cols])
        self.whole = self.cut_fraction.shape == self.fraction.shape
        self._out: tuple[tuple[object, ...], np.ndarray] | None = None

    def remap(self, image: np.ndarray, border: int) -> np.ndarray:
        """The warped image, in a buffer kept for the next call (it overwrites it)."""
        out = self._buffer(image, border)
        if self.whole or border != cv2.BORDER_CONSTANT:
            cv2.remap(image, self.xy, self.fraction, cv2.INTER_LINEAR, out, border)
        elif self.cut_fraction.size:  # only the box of ``out`` that reads the image
            cut = out[self.rows, self.cols]
            cv2.remap(image, self.cut_xy, self.cut_fraction, cv2.INTER_LINEAR, cut, border)
        return out

    def _buffer(self, image: np.ndarray, border: int) -> np.ndarray:
        """The output buffer for these channels, type and border; zeros when made (with a
        zero border, the part outside the box is never written)."""
        key = (image.shape[2:], image.dtype, border)
        if self._out is None or self._out[0] != key:
            self._out = (key, np.zeros(self.fraction.shape + image.shape[2:], image.dtype))
        return self._out[1]


class PerspectiveWarp:
    """warpPerspective (INTER_LINEAR) that keeps the maps of a transform seen twice in a
    row. One per node (not shared between threads); an image it returns from kept maps is
    overwritten by its next call."""

    def __init__(self) -> None:
        self._last: WarpKey | None = None
        self._maps: tuple[WarpKey, KeptMaps] | None = None

    def __call__(
        self, image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], border: int
    ) -> np.ndarray:
        key = (matrix.tobytes(), size, image.shape[:2])
        if self._maps is not None and self._maps[0] == key:
            return self._maps[1].remap(image, border)
        if key == self._last:
            self._maps = (key, KeptMaps(matrix, size, image.shape[:2]))
            return self(image, matrix, size, border)
        self._last = key
        return cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=border)
