"""Render data: drawing primitives in normalized image coordinates, and how to draw them.

A ``RenderData`` is a tuple of annotations (``Points``, ``Lines``, ``Rect``, ``Text``); a render data
vector is a ``list[RenderData]``. Coordinates are fractions of the image width/height, so
one render data fits any frame size; colours are RGB, sizes are pixels. Each primitive
draws itself onto an RGB ``uint8`` canvas with OpenCV (anti-aliased, sub-pixel precise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect

Color = tuple[int, int, int]
"""RGB, 0-255."""

_SHIFT = 4
"""Fractional bits of the fixed-point pixel coordinates handed to OpenCV."""
_ONE = 1 << _SHIFT
_LIMIT = 8.0
"""Normalized coordinates are clipped to [-8, 8] so fixed-point pixels cannot overflow."""


def _to_fixed(xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Normalized ``[..., 2]`` coordinates → int32 fixed-point pixel coordinates."""
    scaled = np.clip(xy, -_LIMIT, _LIMIT) * np.array(size, np.float64) * _ONE
    return np.rint(scaled).astype(np.int32)


def _canvas_size(canvas: np.ndarray) -> tuple[int, int]:
    return int(canvas.shape[1]), int(canvas.shape[0])


@dataclass(slots=True, frozen=True)
class Points:
    """Filled dots at normalized positions ``xy`` (float ``[N, 2]``)."""

    xy: np.ndarray
    color: Color
    radius: int = 2

    def draw(self, canvas: np.ndarray) -> None:
        radius = self.radius * _ONE
        for x, y in _to_fixed(self.xy, _canvas_size(canvas)).tolist():
            cv2.circle(canvas, (x, y), radius, self.color, -1, cv2.LINE_AA, _SHIFT)

    def __repr__(self) -> str:
        return f"Points({len(self.xy)}, color={self.color}, radius={self.radius})"


@dataclass(slots=True, frozen=True)
class Lines:
    """Line segments between normalized points: ``segments`` is float ``[N, 2, 2]``."""

    segments: np.ndarray
    color: Color
    thickness: int = 1

    def draw(self, canvas: np.ndarray) -> None:
        if len(self.segments):
            polylines = list(_to_fixed(self.segments, _canvas_size(canvas)))
            cv2.polylines(canvas, polylines, False, self.color, self.thickness, cv2.LINE_AA, _SHIFT)

    def __repr__(self) -> str:
        return f"Lines({len(self.segments)}, color={self.color}, thickness={self.thickness})"


@dataclass(slots=True, frozen=True)
class Rect:
    """The outline of a rotated rectangle (rotation in radians, applied in pixel space)."""

    rect: NormalizedRect
    color: Color
    thickness: int = 1

    def draw(self, canvas: np.ndarray) -> None:
        width, height = _canvas_size(canvas)
        r = self.rect
        box = (
            (r.x_center * width, r.y_center * height),
            (r.width * width, r.height * height),
            math.degrees(r.rotation),
        )
        corners = cv2.boxPoints(box) / np.array([width, height], np.float32)
        outline = [_to_fixed(corners, (width, height))]
        cv2.polylines(canvas, outline, True, self.color, self.thickness, cv2.LINE_AA, _SHIFT)

    def __repr__(self) -> str:
        return f"Rect({self.rect}, color={self.color}, thickness={self.thickness})"


@dataclass(slots=True, frozen=True)
class Text:
    """``text`` with its baseline starting at normalized (``left``, ``baseline``);
    ``height`` is the font height as a fraction of the image height."""

    text: str
    left: float
    baseline: float
    height: float
    color: Color
    thickness: int = 1

    def draw(self, canvas: np.ndarray) -> None:
        width, height = _canvas_size(canvas)
        pixels = max(round(self.height * height), 1)
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_PLAIN, pixels, self.thickness)
        origin = (round(self.left * width), round(self.baseline * height))
        font = cv2.FONT_HERSHEY_PLAIN
        cv2.putText(canvas, self.text, origin, font, scale, self.color, self.thickness, cv2.LINE_AA)


Annotation = Points | Lines | Rect | Text


@dataclass(slots=True, frozen=True)
class RenderData:
    """What to draw on one frame for one source: a tuple of annotations, drawn in order."""

    annotations: tuple[Annotation, ...] = ()

    def draw(self, canvas: np.ndarray) -> None:
        for annotation in self.annotations:
            annotation.draw(canvas)

    def __len__(self) -> int:
        return len(self.annotations)

    def __repr__(self) -> str:
        return f"RenderData({', '.join(map(repr, self.annotations))})"


def landmarks_to_render_data(
    landmarks: NormalizedLandmarkList,
    connections: np.ndarray,
    point_color: Color,
    line_color: Color,
    size: int,
    min_visibility: float | None = None,
) -> RenderData:
    """Dots for the landmarks and lines for ``connections`` (``int [K, 2]`` index pairs).

    With ``min_visibility`` set, landmarks whose visibility is lower are left out, and so
    are the connections that touch them. Lines are drawn first, dots on top.
    """
    xy = landmarks.data[:, :2]
    shown = np.ones(len(xy), bool)
    if min_visibility is not None:
        shown = landmarks.data[:, 3] >= min_visibility
    annotations: list[Annotation] = []
    if len(connections):
        pairs = connections[shown[connections].all(axis=1)]
        if len(pairs):
            annotations.append(Lines(xy[pairs], line_color, size))
    if shown.any():
        annotations.append(Points(xy[shown], point_color, size))
    return RenderData(tuple(annotations))
