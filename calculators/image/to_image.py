"""ToImageCalculator: pass a numpy image through unchanged (MediaPipe's Image wrapper).

In pipeserve every image is already a numpy array, so IMAGE / IMAGE_CPU packets are
re-emitted as they are (payload shared, not copied).

Ports:
    IMAGE - np.ndarray, or IMAGE_CPU - np.ndarray (exactly one; IMAGE_GPU unsupported)
    IMAGE (output) - np.ndarray

Example::

    node {
      calculator: "ToImageCalculator"
      input_stream: "IMAGE_CPU:image"
      output_stream: "IMAGE:image_wrapped"
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.util.contracts import require_one_of
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)


@register_calculator("ToImageCalculator")
class ToImageCalculator(Calculator):
    IMAGE = Input[np.ndarray]("IMAGE", optional=True)
    IMAGE_CPU = Input[np.ndarray]("IMAGE_CPU", optional=True)
    OUT = Output[np.ndarray]("IMAGE")
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, False, "IMAGE", "IMAGE_CPU")

    def open(self, cc: CalculatorContext) -> None:
        self.tag = "IMAGE" if cc.inputs.has("IMAGE") else "IMAGE_CPU"

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[self.tag]
        if not packet.is_empty:
            cc.outputs["IMAGE"].add_packet(packet)
