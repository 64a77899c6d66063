"""OpenVINOConverterCalculator: an image frame to a one-element tensor list (OVMS's node).

Without ``enable_normalization`` the tensor keeps the image's values and element type
(uint8, uint16 or float32), shaped ``[1, H, W, C]``, without a copy. With it, values become float32:
0..255 maps to -1..1 (``zero_center``, the default), to 0..1 (``zero_center: false``),
to ``output_tensor_float_range``, or to ``value / custom_div - custom_sub``; at most
``max_num_channels`` channels are kept, and ``flip_vertically`` puts the bottom row first.

Ports:
    IMAGE - np.ndarray HW or HWC (uint8 or float32 when normalizing)
    TENSORS (output) - list[np.ndarray]: one [1, H, W, C] tensor

Example::

    node {
      calculator: "OpenVINOConverterCalculator"
      input_stream: "IMAGE:transformed_input"
      output_stream: "TENSORS:image_tensor"
      node_options: { [type.googleapis.com/mediapipe.OpenVINOConverterCalculatorOptions] {
        enable_normalization: true zero_center: true } }
    }
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator
from pipeserve.proto.openvino_vision_calculators_pb2 import OpenVINOConverterCalculatorOptions

_RAW_TYPES = (np.uint8, np.uint16, np.float32)


@dataclass(frozen=True, slots=True)
class Normalization:
    """``value * scale + bias`` over the first ``channels`` channels, rows maybe flipped."""

    scale: np.float32
    bias: np.float32
    channels: int
    flip_vertically: bool

    @classmethod
    def from_range(cls, low: float, high: float, channels: int, flip: bool) -> Normalization:
        if not high > low:
            raise ValueError(f"output range max {high} must exceed min {low}")
        scale = (np.float32(high) - np.float32(low)) / np.float32(255.0)
        return cls(np.float32(scale), np.float32(low), channels, flip)

    def apply(self, image: np.ndarray) -> np.ndarray:
        pixels = image[..., None] if image.ndim == 2 else image[..., : self.channels]
        if self.flip_vertically:
            pixels = pixels[::-1]
        tensor = np.empty((1, *pixels.shape), np.float32)
        np.multiply(pixels, self.scale, out=tensor[0], dtype=np.float32)
        tensor[0] += self.bias
        return tensor


def normalization(options: OpenVINOConverterCalculatorOptions) -> Normalization | None:
    """What the options ask for (``None``: pass values through), checked once."""
    channels = options.max_num_channels
    if channels not in (1, 3, 4):
        raise ValueError(f"max_num_channels must be 1, 3 or 4, got {channels}")
    if not options.enable_normalization:
        return None
    low, high = (-1.0, 1.0) if options.zero_center else (0.0, 1.0)
    if options.HasField("output_tensor_float_range"):
        low, high = options.output_tensor_float_range.min, options.output_tensor_float_range.max
    if options.use_custom_normalization:
        if options.custom_div <= 0 or options.custom_sub < 0:
            raise ValueError("custom_div must be > 0 and custom_sub >= 0")
        low, high = -options.custom_sub, -options.custom_sub + 255.0 / options.custom_div
    return Normalization.from_range(low, high, channels, options.flip_vertically)


@register_calculator("OpenVINOConverterCalculator")
class OpenVINOConverterCalculator(Calculator):
    IMAGE = Input[np.ndarray]("IMAGE")
    TENSORS = Output[list[np.ndarray]]("TENSORS")
    options_type = OpenVINOConverterCalculatorOptions
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.normalization = normalization(cc.options)

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["IMAGE"]
        if packet.is_empty:
            return
        image = packet.value
        if self.normalization is not None:
            if image.dtype not in (np.uint8, np.float32):
                raise ValueError(f"normalization takes uint8 or float32 images, got {image.dtype}")
            cc.outputs["TENSORS"].add([self.normalization.apply(image)])
            return
        if image.dtype not in _RAW_TYPES:
            raise ValueError(f"unsupported image element type {image.dtype}")
        pixels = image[..., None] if image.ndim == 2 else image
        cc.outputs["TENSORS"].add([np.ascontiguousarray(pixels)[None]])
