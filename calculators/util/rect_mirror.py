"""NormalizedRectMirrorCalculator: a rect mirrored left-right when its flag says so.

The mirror of a rect in a horizontally flipped image: ``x_center`` becomes
``1 - x_center`` and the rotation changes sign. With the image flipped too, a crop of
the mirrored rect is the mirror image of the crop of the original (how IrisLandmarkCpu
feeds the model a right eye as if it were a left one).

Ports:
    NORM_RECT - NormalizedRect
    FLIP_HORIZONTALLY - bool (at the same timestamp; absent or false: passed unchanged)
    NORM_RECT (output) - NormalizedRect

Example::

    node {
      calculator: "NormalizedRectMirrorCalculator"
      input_stream: "NORM_RECT:roi"
      input_stream: "FLIP_HORIZONTALLY:is_right_eye"
      output_stream: "NORM_RECT:model_roi"
    }
"""

from __future__ import annotations

import dataclasses

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator
from pipeserve.graphs.packet import Scalar


@register_calculator("NormalizedRectMirrorCalculator")
class NormalizedRectMirrorCalculator(Calculator):
    NORM_RECT = Input[NormalizedRect]("NORM_RECT")
    FLIP = Input[Scalar]("FLIP_HORIZONTALLY")
    OUT = Output[NormalizedRect]("NORM_RECT")
    timestamp_offset = 0
    runs_inline = True

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_RECT"]
        if packet.is_empty:
            return
        flip = cc.inputs["FLIP_HORIZONTALLY"]
        rect = packet.value
        if not flip.is_empty and bool(flip.value):
            rect = dataclasses.replace(rect, x_center=1.0 - rect.x_center, rotation=-rect.rotation)
        cc.outputs["NORM_RECT"].add(rect)
