"""ConcatenateNormalizedLandmarkListCalculator (and the world-landmark twin): inputs joined
in order into one landmark list.

Absent inputs are skipped, or nothing is emitted when ``only_emit_if_all_present``.

Ports:
    (untagged, 1+) - NormalizedLandmarkList (or LandmarkList)
    (untagged output) - the same type, all landmarks in input order

Example::

    node {
      calculator: "ConcatenateNormalizedLandmarkListCalculator"
      input_stream: "left_eye_contour_landmarks"
      input_stream: "right_eye_contour_landmarks"
      output_stream: "refined_eye_landmarks"
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.core.concatenate_vector_calculator_pb2 import (
    ConcatenateVectorCalculatorOptions,
)

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

Landmarks = NormalizedLandmarkList | LandmarkList


class ConcatenateLandmarkListCalculator(Calculator):
    LISTS = Input[Landmarks]("", multiple=True)
    OUT = Output[Landmarks]("")
    options_type = ConcatenateVectorCalculatorOptions
    timestamp_offset = 0
    runs_inline = True

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.inputs.count("")
        self.all_needed = cc.options.only_emit_if_all_present

    def process(self, cc: CalculatorContext) -> None:
        packets = [cc.inputs[i] for i in range(self.count)]
        present = [p.value for p in packets if not p.is_empty]
        if not present or (self.all_needed and len(present) < self.count):
            return
        data = np.concatenate([lists.data for lists in present])
        cc.outputs[0].add(type(present[0])(data))


for _name in ("ConcatenateNormalizedLandmarkListCalculator", "ConcatenateLandmarkListCalculator"):
    register_calculator(_name)(ConcatenateLandmarkListCalculator)
