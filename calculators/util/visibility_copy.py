"""VisibilityCopyCalculator: copy visibility/presence from one landmark list to another.

The output has the FROM list's length and the TO list's type and coordinates.

Ports:
    LANDMARKS_FROM - LandmarkList, or NORM_LANDMARKS_FROM - NormalizedLandmarkList
    LANDMARKS_TO - LandmarkList, or NORM_LANDMARKS_TO - NormalizedLandmarkList
    (output with the TO tag) - same type as the TO input

Options: ``mediapipe.VisibilityCopyCalculatorOptions`` (copy_visibility, copy_presence).

Example::

    node {
      calculator: "VisibilityCopyCalculator"
      input_stream: "NORM_LANDMARKS_FROM:landmarks"
      input_stream: "LANDMARKS_TO:world_landmarks"
      output_stream: "LANDMARKS_TO:world_landmarks_with_visibility"
      options: { [mediapipe.VisibilityCopyCalculatorOptions.ext] {
        copy_visibility: true copy_presence: true } }
    }
"""

from __future__ import annotations

from mediapipe.calculators.util import visibility_copy_calculator_pb2

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_one_of

Options = visibility_copy_calculator_pb2.VisibilityCopyCalculatorOptions


@register_calculator("VisibilityCopyCalculator")
class VisibilityCopyCalculator(Calculator):
    LANDMARKS_FROM = Input[LandmarkList]("LANDMARKS_FROM", optional=True)
    NORM_LANDMARKS_FROM = Input[NormalizedLandmarkList]("NORM_LANDMARKS_FROM", optional=True)
    LANDMARKS_TO = Input[LandmarkList]("LANDMARKS_TO", optional=True)
    NORM_LANDMARKS_TO = Input[NormalizedLandmarkList]("NORM_LANDMARKS_TO", optional=True)
    OUT = Output[LandmarkList]("LANDMARKS_TO", optional=True)
    NORM_OUT = Output[NormalizedLandmarkList]("NORM_LANDMARKS_TO", optional=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, False, "LANDMARKS_FROM", "NORM_LANDMARKS_FROM")
        to_tag = require_one_of(cc, False, "LANDMARKS_TO", "NORM_LANDMARKS_TO")
        if cc.outputs.count(to_tag) != 1 or len(cc.outputs) != 1:
            raise cc.fail(f"the output must be {to_tag}, the type of the copied-to input")

    def open(self, cc: CalculatorContext) -> None:
        self.from_tag = (
            "LANDMARKS_FROM" if cc.inputs.has("LANDMARKS_FROM") else "NORM_LANDMARKS_FROM"
        )
        self.to_tag = "LANDMARKS_TO" if cc.inputs.has("LANDMARKS_TO") else "NORM_LANDMARKS_TO"
        options = cc.options
        self.columns = [
            c for c, on in ((3, options.copy_visibility), (4, options.copy_presence)) if on
        ]

    def process(self, cc: CalculatorContext) -> None:
        source, target = cc.inputs[self.from_tag], cc.inputs[self.to_tag]
        if source.is_empty or target.is_empty:
            return
        count = len(source.value)
        if len(target.value) < count:
            raise ValueError(f"{self.to_tag} has fewer landmarks than {self.from_tag}")
        data = target.value.data[:count].copy()
        data[:, self.columns] = source.value.data[:, self.columns]
        cc.outputs[self.to_tag].add(type(target.value)(data))
