"""LandmarkVisibilityCalculator: the visibility of a one-landmark list, as a float.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList (exactly one landmark)
    VISIBILITY - float

Example::

    node {
      calculator: "LandmarkVisibilityCalculator"
      input_stream: "NORM_LANDMARKS:hand_wrist_landmark_from_pose"
      output_stream: "VISIBILITY:wrist_visibility"
    }
"""

from __future__ import annotations

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator


@register_calculator("LandmarkVisibilityCalculator")
class LandmarkVisibilityCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS")
    VISIBILITY = Output[float]("VISIBILITY")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_LANDMARKS"]
        if packet.is_empty:
            return
        if len(packet.value) != 1:
            raise ValueError(f"expected exactly 1 landmark, got {len(packet.value)}")
        cc.outputs["VISIBILITY"].add(float(packet.value.data[0, 3]))
