"""RectTransformationCalculator: shift, square, scale and rotate normalized rects.

Shift moves along the rect's rotated axes in pixel space (rotated further by the
rotation options, which, as in MediaPipe, do not change the output's rotation); square_long/square_short make
the rect square in pixels; then width x scale_x, height x scale_y.

Ports:
    NORM_RECT - NormalizedRect, or NORM_RECTS - list[NormalizedRect] (exactly one)
    IMAGE_SIZE - tuple[int, int] (width, height)
    (untagged output 0) - NormalizedRect or list[NormalizedRect]

Options: ``mediapipe.RectTransformationCalculatorOptions``. Pixel RECT/RECTS inputs are
not supported.

Example::

    node {
      calculator: "RectTransformationCalculator"
      input_stream: "NORM_RECT:raw_roi"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "roi"
      options: { [mediapipe.RectTransformationCalculatorOptions.ext] {
        scale_x: 2.0 scale_y: 2.0 shift_y: -0.1 square_long: true } }
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mediapipe.calculators.util import rect_transformation_calculator_pb2

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_one_of
from .geometry import F32, cosf, degrees_to_radians, normalize_radians, sinf

Options = rect_transformation_calculator_pb2.RectTransformationCalculatorOptions


@dataclass(slots=True, frozen=True)
class RectTransform:
    """Resolved options; ``rotation`` is None when the options leave it unchanged."""

    scale_x: float = 1.0
    scale_y: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    rotation: np.float32 | None = None
    square: str = ""  # "", "long" or "short"

    def apply(self, rect: NormalizedRect, width: int, height: int) -> NormalizedRect:
        """The transformed rect, computed in float32 as MediaPipe."""
        w, h, rotation = F32(rect.width), F32(rect.height), F32(rect.rotation)
        if self.rotation is not None:
            rotation = normalize_radians(rotation + self.rotation)
        cx, cy = F32(rect.x_center), F32(rect.y_center)
        image_w, image_h = F32(width), F32(height)
        shift_x, shift_y = F32(self.shift_x), F32(self.shift_y)
        if rotation == 0:
            cx, cy = cx + w * shift_x, cy + h * shift_y
        else:
            sx, sy = image_w * w * shift_x, image_h * h * shift_y
            cos, sin = cosf(rotation), sinf(rotation)
            cx += (sx * cos - sy * sin) / image_w
            cy += (sx * sin + sy * cos) / image_h
        if self.square:
            pick = max if self.square == "long" else min
            side = pick(w * image_w, h * image_h)
            w, h = side / image_w, side / image_h
        # As MediaPipe: the added rotation steers the shift but is not stored in the rect.
        values = (cx, cy, w * F32(self.scale_x), h * F32(self.scale_y), rect.rotation)
        return NormalizedRect(*(float(v) for v in values))


def resolve(options: Any) -> RectTransform:
    if options.HasField("rotation") and options.HasField("rotation_degrees"):
        raise ValueError("set rotation or rotation_degrees, not both")
    if options.HasField("square_long") and options.HasField("square_short"):
        raise ValueError("set square_long or square_short, not both")
    rotation = None
    if options.HasField("rotation"):
        rotation = F32(options.rotation)
    elif options.HasField("rotation_degrees"):
        rotation = degrees_to_radians(options.rotation_degrees)
    square = "long" if options.square_long else "short" if options.square_short else ""
    return RectTransform(
        options.scale_x, options.scale_y, options.shift_x, options.shift_y, rotation, square
    )


@register_calculator("RectTransformationCalculator")
class RectTransformationCalculator(Calculator):
    NORM_RECT = Input[NormalizedRect]("NORM_RECT", optional=True)
    NORM_RECTS = Input[list[NormalizedRect]]("NORM_RECTS", optional=True)
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE")
    OUT = Output[NormalizedRect | list[NormalizedRect]]("")
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, False, "NORM_RECT", "NORM_RECTS")

    def open(self, cc: CalculatorContext) -> None:
        self.transform = resolve(cc.options)
        self.single = cc.inputs.has("NORM_RECT")

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["NORM_RECT" if self.single else "NORM_RECTS"]
        size = cc.inputs["IMAGE_SIZE"]
        if packet.is_empty or size.is_empty:
            return
        width, height = size.value
        if self.single:
            cc.outputs[0].add(self.transform.apply(packet.value, width, height))
        else:
            cc.outputs[0].add([self.transform.apply(r, width, height) for r in packet.value])
