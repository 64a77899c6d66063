"""WorldLandmarkProjectionCalculator: rotate world landmarks by the ROI's rotation.

(x, y) turn about the origin by the rect's rotation; z, visibility, presence unchanged.
Without NORM_RECT the landmarks pass through.

Ports:
    LANDMARKS - LandmarkList
    NORM_RECT - NormalizedRect (optional)
    LANDMARKS (output) - LandmarkList

Example::

    node {
      calculator: "WorldLandmarkProjectionCalculator"
      input_stream: "LANDMARKS:world_landmarks"
      input_stream: "NORM_RECT:roi"
      output_stream: "LANDMARKS:projected_world_landmarks"
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.formats import LandmarkList, NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .geometry import cosf, sinf


@register_calculator("WorldLandmarkProjectionCalculator")
class WorldLandmarkProjectionCalculator(Calculator):
    LANDMARKS = Input[LandmarkList]("LANDMARKS")
    NORM_RECT = Input[NormalizedRect]("NORM_RECT", optional=True)
    OUT = Output[LandmarkList]("LANDMARKS")
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.has_rect = cc.inputs.has("NORM_RECT")

    def process(self, cc: CalculatorContext) -> None:
        landmarks = cc.inputs["LANDMARKS"]
        rect = cc.inputs.get("NORM_RECT")
        if landmarks.is_empty or (self.has_rect and rect.is_empty):
            return
        if not self.has_rect:
            cc.outputs["LANDMARKS"].add_packet(landmarks)
            return
        angle = rect.value.rotation
        cos, sin = cosf(angle), sinf(angle)
        data = np.array(landmarks.value.data, np.float32, copy=True)
        x, y = data[:, 0].copy(), data[:, 1]
        data[:, 0] = cos * x - sin * y
        data[:, 1] = sin * x + cos * y
        cc.outputs["LANDMARKS"].add(LandmarkList(data))
