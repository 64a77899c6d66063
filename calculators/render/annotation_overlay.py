"""AnnotationOverlayCalculator: draws render data on a copy of each frame.

The input frame is never modified: the annotations go onto a new RGB ``uint8`` image
(grey and RGBA frames are converted to RGB first). Render data arriving without a frame
at the same timestamp is ignored; a frame without render data comes out unannotated.

Inputs:
    IMAGE - np.ndarray HWC uint8 (1, 3 or 4 channels): the frame
    VECTOR (repeatable) - list[RenderData]: drawn in order
    untagged (repeatable, optional) - RenderData: drawn after the vectors
Outputs:
    IMAGE - np.ndarray HWC uint8 RGB: the annotated frame

Example::

    node {
      calculator: "AnnotationOverlayCalculator"
      input_stream: "IMAGE:first_input_video"
      input_stream: "VECTOR:render_data_vector"
      output_stream: "IMAGE:output"
    }
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .render_data import RenderData

_TO_RGB = {1: cv2.COLOR_GRAY2RGB, 4: cv2.COLOR_RGBA2RGB}


def rgb_copy(image: np.ndarray) -> np.ndarray:
    """A new contiguous RGB ``uint8`` image with the content of ``image`` (HW or HWC)."""
    if image.dtype != np.uint8:
        raise TypeError(f"AnnotationOverlayCalculator draws on uint8 images, got {image.dtype}")
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels == 3:
        return np.array(image, order="C", copy=True)
    if channels not in _TO_RGB:
        raise ValueError(f"cannot draw on an image with {channels} channels")
    return cv2.cvtColor(np.ascontiguousarray(image), _TO_RGB[channels])


@register_calculator("AnnotationOverlayCalculator")
class AnnotationOverlayCalculator(Calculator):
    """Draws render data onto a copy of the frame (see module docstring)."""

    IMAGE_IN = Input[np.ndarray]("IMAGE")
    VECTOR = Input[list[RenderData]]("VECTOR", optional=True, multiple=True)
    RENDER_DATA = Input[RenderData]("", optional=True, multiple=True)
    IMAGE_OUT = Output[np.ndarray]("IMAGE")
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.vectors = [("VECTOR", i) for i in range(cc.inputs.count("VECTOR"))]
        self.singles = list(range(cc.inputs.count("")))

    def _render_data(self, cc: CalculatorContext) -> Iterator[RenderData]:
        for key in self.vectors:
            packet = cc.inputs[key]
            if not packet.is_empty:
                yield from packet.value
        for index in self.singles:
            packet = cc.inputs[index]
            if not packet.is_empty:
                yield packet.value

    def process(self, cc: CalculatorContext) -> None:
        frame = cc.inputs["IMAGE"]
        if frame.is_empty:
            return
        canvas = rgb_copy(frame.value)
        for render_data in self._render_data(cc):
            render_data.draw(canvas)
        cc.outputs["IMAGE"].add(canvas)
