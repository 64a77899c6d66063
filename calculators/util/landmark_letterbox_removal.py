"""LandmarkLetterboxRemovalCalculator: map landmarks from a letterboxed tensor to the ROI.

x' = (x - left) / (1 - left - right), y' = (y - top) / (1 - top - bottom),
z' = z / (1 - left - right).

Ports:
    LANDMARKS - NormalizedLandmarkList (repeatable; output i follows input i)
    LETTERBOX_PADDING - tuple[float, float, float, float] (left, top, right, bottom)
    LANDMARKS (output) - NormalizedLandmarkList

Example::

    node {
      calculator: "LandmarkLetterboxRemovalCalculator"
      input_stream: "LANDMARKS:0:raw_landmarks"
      input_stream: "LANDMARKS:1:raw_auxiliary_landmarks"
      input_stream: "LETTERBOX_PADDING:letterbox_padding"
      output_stream: "LANDMARKS:0:adjusted_landmarks"
      output_stream: "LANDMARKS:1:adjusted_auxiliary_landmarks"
    }
"""

from __future__ import annotations

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_same_count
from .geometry import letterbox_scale, remove_letterbox


@register_calculator("LandmarkLetterboxRemovalCalculator")
class LandmarkLetterboxRemovalCalculator(Calculator):
    LANDMARKS = Input[NormalizedLandmarkList]("LANDMARKS", multiple=True)
    LETTERBOX_PADDING = Input[tuple[float, float, float, float]]("LETTERBOX_PADDING")
    OUT = Output[NormalizedLandmarkList]("LANDMARKS", multiple=True)
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_same_count(cc, "LANDMARKS")

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.inputs.count("LANDMARKS")

    def process(self, cc: CalculatorContext) -> None:
        padding_packet = cc.inputs["LETTERBOX_PADDING"]
        if padding_packet.is_empty:
            return
        padding = padding_packet.value
        z_scale = letterbox_scale(padding)[0]
        for index in range(self.count):
            packet = cc.inputs[("LANDMARKS", index)]
            if packet.is_empty:
                continue
            data = remove_letterbox(packet.value.data, padding)
            data[:, 2] /= z_scale
            cc.outputs[("LANDMARKS", index)].add(NormalizedLandmarkList(data))
