"""HolisticTrackingToRenderData: holistic landmarks and the pose ROI as render data.

Inputs (each may be empty at a timestamp; what is absent is not drawn):
    IMAGE_SIZE - tuple[int, int] (width, height): scales line widths and dot sizes
    POSE_LANDMARKS - NormalizedLandmarkList (33): body skeleton, landmarks with
        visibility below 0.5 and their connections left out
    POSE_ROI - NormalizedRect: outline of the pose region of interest
    LEFT_HAND_LANDMARKS - NormalizedLandmarkList (21): hand skeleton
    RIGHT_HAND_LANDMARKS - NormalizedLandmarkList (21): hand skeleton
    FACE_LANDMARKS - NormalizedLandmarkList (468): face mesh as dots
Outputs:
    RENDER_DATA_VECTOR - list[RenderData], one entry per part present (possibly empty)

Example::

    node {
      calculator: "HolisticTrackingToRenderData"
      input_stream: "IMAGE_SIZE:image_size"
      input_stream: "POSE_LANDMARKS:pose_landmarks"
      input_stream: "POSE_ROI:pose_roi"
      input_stream: "LEFT_HAND_LANDMARKS:left_hand_landmarks"
      input_stream: "RIGHT_HAND_LANDMARKS:right_hand_landmarks"
      input_stream: "FACE_LANDMARKS:face_landmarks"
      output_stream: "RENDER_DATA_VECTOR:render_data_vector"
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .render_data import Color, Rect, RenderData, landmarks_to_render_data
from .topology import HAND_CONNECTIONS, POSE_CONNECTIONS

_NO_CONNECTIONS = np.zeros((0, 2), np.int32)
_REFERENCE_SIDE = 240
"""Image side (pixels) at which lines are 1 px wide; they grow with the image."""

# Part tag, connections, dot colour, line colour, relative size, visibility threshold.
_PARTS: tuple[tuple[str, np.ndarray, Color, Color, float, float | None], ...] = (
    ("FACE_LANDMARKS", _NO_CONNECTIONS, (224, 224, 224), (224, 224, 224), 0.5, None),
    ("POSE_LANDMARKS", POSE_CONNECTIONS, (255, 64, 64), (255, 255, 255), 1.0, 0.5),
    ("LEFT_HAND_LANDMARKS", HAND_CONNECTIONS, (255, 160, 0), (255, 224, 160), 1.0, None),
    ("RIGHT_HAND_LANDMARKS", HAND_CONNECTIONS, (0, 160, 255), (160, 224, 255), 1.0, None),
)
_ROI_COLOR: Color = (255, 255, 0)


def _scale(image_size: tuple[int, int] | None) -> float:
    """Pixels per unit of drawing size for a frame of ``image_size`` (1 when unknown)."""
    if image_size is None:
        return 1.0
    return max(1.0, min(int(image_size[0]), int(image_size[1])) / _REFERENCE_SIDE)


@register_calculator("HolisticTrackingToRenderData")
class HolisticTrackingToRenderDataCalculator(Calculator):
    """Turns holistic tracking results into a render data vector (see module docstring)."""

    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE")
    POSE_LANDMARKS = Input[NormalizedLandmarkList]("POSE_LANDMARKS", optional=True)
    POSE_ROI = Input[NormalizedRect]("POSE_ROI", optional=True)
    LEFT_HAND_LANDMARKS = Input[NormalizedLandmarkList]("LEFT_HAND_LANDMARKS", optional=True)
    RIGHT_HAND_LANDMARKS = Input[NormalizedLandmarkList]("RIGHT_HAND_LANDMARKS", optional=True)
    FACE_LANDMARKS = Input[NormalizedLandmarkList]("FACE_LANDMARKS", optional=True)
    RENDER_DATA_VECTOR = Output[list[RenderData]]("RENDER_DATA_VECTOR")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        size_packet = cc.inputs["IMAGE_SIZE"]
        scale = _scale(None if size_packet.is_empty else size_packet.value)
        vector: list[RenderData] = []
        roi = cc.inputs.get("POSE_ROI")
        if not roi.is_empty:
            vector.append(RenderData((Rect(roi.value, _ROI_COLOR, round(scale)),)))
        for tag, connections, dot, line, size, min_visibility in _PARTS:
            packet = cc.inputs.get(tag)
            if packet.is_empty:
                continue
            landmarks: NormalizedLandmarkList = packet.value
            pixels = max(1, round(scale * size))
            vector.append(
                landmarks_to_render_data(landmarks, connections, dot, line, pixels, min_visibility)
            )
        cc.outputs["RENDER_DATA_VECTOR"].add(vector)
