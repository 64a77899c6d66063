"""ImagePropertiesCalculator: the (width, height) of an image."""

from __future__ import annotations

import numpy as np

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)


@register_calculator("ImagePropertiesCalculator")
class ImagePropertiesCalculator(Calculator):
    """Emits the image size as a ``(width, height)`` tuple of ints.

    Ports: IMAGE or IMAGE_CPU (exactly one) - numpy HWC (or HW) image; SIZE - (int, int).

    Example::

        node {
          calculator: "ImagePropertiesCalculator"
          input_stream: "IMAGE_CPU:image"
          output_stream: "SIZE:image_size"
        }
    """

    IMAGE = Input[np.ndarray]("IMAGE", optional=True)
    IMAGE_CPU = Input[np.ndarray]("IMAGE_CPU", optional=True)
    SIZE = Output[tuple[int, int]]("SIZE")
    timestamp_offset = 0
    runs_inline = True

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if cc.inputs.count("IMAGE") + cc.inputs.count("IMAGE_CPU") != 1:
            raise cc.fail("needs exactly one of IMAGE and IMAGE_CPU")

    def open(self, cc: CalculatorContext) -> None:
        self.tag = "IMAGE" if cc.inputs.has("IMAGE") else "IMAGE_CPU"

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[self.tag]
        if packet.is_empty:
            return
        height, width = packet.value.shape[:2]
        cc.outputs["SIZE"].add((int(width), int(height)))
