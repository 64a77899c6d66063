"""LandmarksToRenderDataCalculator: dots for landmarks, lines for their connections.

Options (MediaPipe's): ``landmark_connections`` as flat index pairs, ``landmark_color``,
``connection_color``, ``thickness`` (dot radius and line width, pixels),
``render_landmarks``, and ``utilize_visibility``/``visibility_threshold`` (landmarks
below it, and their connections, are left out). Depth colouring is not drawn.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList
    RENDER_DATA (output) - RenderData

Example::

    node {
      calculator: "LandmarksToRenderDataCalculator"
      input_stream: "NORM_LANDMARKS:left_eye_contour_landmarks"
      output_stream: "RENDER_DATA:left_eye_render_data"
      options: { [mediapipe.LandmarksToRenderDataCalculatorOptions.ext] {
        landmark_connections: [0, 1, 1, 2] landmark_color { r: 255 } thickness: 1.0 } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util.landmarks_to_render_data_calculator_pb2 import (
    LandmarksToRenderDataCalculatorOptions as Options,
)

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .render_data import Color, RenderData, landmarks_to_render_data


def rgb(color: object) -> Color:
    """A MediaPipe ``Color`` message as an RGB tuple."""
    return (int(color.r), int(color.g), int(color.b))  # type: ignore[attr-defined]


@register_calculator("LandmarksToRenderDataCalculator")
class LandmarksToRenderDataCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS")
    RENDER_DATA = Output[RenderData]("RENDER_DATA")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        pairs = list(options.landmark_connections)
        if len(pairs) % 2:
            raise ValueError("landmark_connections must hold index pairs")
        self.connections = np.array(pairs, np.int64).reshape(-1, 2)
        self.points = rgb(options.landmark_color)
        self.lines = rgb(options.connection_color)
        self.size = max(round(options.thickness), 1)
        self.show_points = options.render_landmarks
        self.min_visibility = options.visibility_threshold if options.utilize_visibility else None

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_LANDMARKS"]
        if packet.is_empty:
            return
        landmarks = packet.value
        if len(self.connections) and self.connections.max() >= len(landmarks):
            raise ValueError(
                f"a connection names landmark {self.connections.max()} of {len(landmarks)}"
            )
        drawn = landmarks_to_render_data(
            landmarks, self.connections, self.points, self.lines, self.size, self.min_visibility
        )
        if not self.show_points:
            drawn = RenderData(drawn.annotations[:1] if len(self.connections) else ())
        cc.outputs["RENDER_DATA"].add(drawn)
