"""Packet payload types shared by the vision calculators, and their tensor forms.

Images are numpy arrays (HWC, RGB, usually uint8); tensor vectors are ``list[np.ndarray]``;
image sizes are ``(width, height)`` tuples. The types below replace MediaPipe's
``NormalizedLandmarkList``, ``LandmarkList``, ``NormalizedRect`` and ``Detection`` protos
with numpy-backed values; ``to_tensor`` gives the wire form the server sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LANDMARK_FIELDS = ("x", "y", "z", "visibility", "presence")


@dataclass(slots=True, frozen=True)
class _Landmarks:
    """Landmarks as float32 ``[N, 5]`` rows: x, y, z, visibility, presence."""

    data: np.ndarray

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def to_tensor(self) -> np.ndarray:
        return np.ascontiguousarray(self.data, dtype=np.float32)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)})"


@dataclass(slots=True, frozen=True, repr=False)
class NormalizedLandmarkList(_Landmarks):
    """Landmarks normalized to image width/height (MediaPipe's NormalizedLandmarkList)."""


@dataclass(slots=True, frozen=True, repr=False)
class LandmarkList(_Landmarks):
    """World (metric) landmarks (MediaPipe's LandmarkList)."""


@dataclass(slots=True, frozen=True)
class NormalizedRect:
    """A rotated rectangle normalized to image size; rotation in radians."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0

    def to_tensor(self) -> np.ndarray:
        return np.array(
            [self.x_center, self.y_center, self.width, self.height, self.rotation],
            dtype=np.float32,
        )


@dataclass(slots=True, frozen=True)
class Detection:
    """A detection with a relative bounding box, score, ``[K, 2]`` relative keypoints, class
    id and class name (``label``, empty until a label map names it)."""

    xmin: float
    ymin: float
    width: float
    height: float
    score: float
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    label_id: int = 0
    label: str = ""

    def to_row(self) -> np.ndarray:
        head = np.array([self.xmin, self.ymin, self.width, self.height, self.score], np.float32)
        return np.concatenate([head, self.keypoints.astype(np.float32).reshape(-1)])


def detections_to_tensor(detections: list[Detection]) -> np.ndarray:
    """A detection list as float32 ``[N, 5 + 2K]``; ``[0, 5]`` when empty."""
    if not detections:
        return np.zeros((0, 5), np.float32)
    return np.stack([d.to_row() for d in detections])
