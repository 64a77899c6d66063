"""TracksOverlayCalculator: draws tracked boxes and their IDs on a copy of each frame.

Each ID gets its own colour (hues spaced by the golden angle), so an object keeps its
colour for as long as it keeps its ID. The input frame is never modified.

Inputs:
    IMAGE - np.ndarray HWC uint8 (1, 3 or 4 channels): the frame
    TRACKED_DETECTIONS - np.ndarray float32 [N, 6]: track_id, xmin, ymin, width, height,
        score (relative box); absent = nothing to draw
Outputs:
    IMAGE - np.ndarray HWC uint8 RGB: the annotated frame

Example::

    node {
      calculator: "TracksOverlayCalculator"
      input_stream: "IMAGE:image"
      input_stream: "TRACKED_DETECTIONS:tracked_detections"
      output_stream: "IMAGE:annotated"
    }
"""

from __future__ import annotations

import colorsys

import cv2
import numpy as np

from pipeserve.calculators.render.annotation_overlay import rgb_copy
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

_GOLDEN = 0.618033988749895
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def track_color(track_id: int) -> tuple[int, int, int]:
    """A saturated RGB colour for ``track_id``; neighbouring IDs differ clearly."""
    r, g, b = colorsys.hsv_to_rgb((track_id * _GOLDEN) % 1.0, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def draw_tracks(canvas: np.ndarray, tracked: np.ndarray) -> None:
    """Draw each row's box and ``#id`` label onto ``canvas`` (RGB uint8) in place."""
    height, width = canvas.shape[:2]
    thickness = max(1, round(min(width, height) / 240))
    scale = max(0.4, min(width, height) / 800)
    for track_id, x, y, w, h, _score in np.asarray(tracked, np.float64).reshape(-1, 6):
        color = track_color(int(track_id))
        x0, y0 = round(x * width), round(y * height)
        x1, y1 = round((x + w) * width), round((y + h) * height)
        cv2.rectangle(canvas, (x0, y0), (x1, y1), color, thickness, cv2.LINE_AA)
        label = f"#{int(track_id)}"
        (tw, th), base = cv2.getTextSize(label, _FONT, scale, thickness)
        ty = y0 - base if y0 - th - base >= 0 else y1 + th + base
        cv2.rectangle(canvas, (x0, ty - th - base), (x0 + tw, ty + base), color, -1)
        cv2.putText(canvas, label, (x0, ty), _FONT, scale, (0, 0, 0), thickness, cv2.LINE_AA)


@register_calculator("TracksOverlayCalculator")
class TracksOverlayCalculator(Calculator):
    """Draws tracked boxes and IDs (see module docstring)."""

    IMAGE_IN = Input[np.ndarray]("IMAGE")
    TRACKED = Input[np.ndarray]("TRACKED_DETECTIONS", optional=True)
    IMAGE_OUT = Output[np.ndarray]("IMAGE")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        frame = cc.inputs["IMAGE"]
        if frame.is_empty:
            return
        canvas = rgb_copy(frame.value)
        tracked = cc.inputs.get("TRACKED_DETECTIONS")
        if not tracked.is_empty:
            draw_tracks(canvas, tracked.value)
        cc.outputs["IMAGE"].add(canvas)
