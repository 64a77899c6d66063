"""ImageToTensorCalculator: crop/rotate/letterbox an image ROI into a float32 tensor.

Ports:
    IMAGE - np.ndarray (HWC uint8 RGB/RGBA, or HW gray)
    NORM_RECT - NormalizedRect (optional ROI; whole image when absent; a rect with zero
        width and height is a sentinel: nothing is emitted)
    TENSORS - list[np.ndarray] (one float32 [1, H, W, C] tensor) — or TENSOR - np.ndarray
    LETTERBOX_PADDING - tuple[float, float, float, float] (left, top, right, bottom)
    MATRIX - np.ndarray (float32 [16], row-major 4x4 map from tensor-normalized to
        image-normalized coordinates)

Options: ``mediapipe.ImageToTensorCalculatorOptions`` (float range only). The crop is the
bit-exact OpenCV recipe of ``image_crop``.

Example::

    node {
      calculator: "ImageToTensorCalculator"
      input_stream: "IMAGE:image"
      input_stream: "NORM_RECT:roi"
      output_stream: "TENSORS:input_tensors"
      output_stream: "LETTERBOX_PADDING:letterbox_padding"
      output_stream: "MATRIX:transform_matrix"
      options: { [mediapipe.ImageToTensorCalculatorOptions.ext] {
        output_tensor_width: 256 output_tensor_height: 256 keep_aspect_ratio: true
        output_tensor_float_range { min: 0.0 max: 1.0 } border_mode: BORDER_REPLICATE } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.calculators.util.contracts import require_one_of
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .image_crop import CropPlanner, crop_to_uint8, to_tensor, value_lut
from .warp_maps import PerspectiveWarp

Options = image_to_tensor_calculator_pb2.ImageToTensorCalculatorOptions


@register_calculator("ImageToTensorCalculator")
class ImageToTensorCalculator(Calculator):
    IMAGE = Input[np.ndarray]("IMAGE")
    NORM_RECT = Input[NormalizedRect]("NORM_RECT", optional=True)
    TENSORS = Output[list[np.ndarray]]("TENSORS", optional=True)
    TENSOR = Output[np.ndarray]("TENSOR", optional=True)
    LETTERBOX_PADDING = Output[tuple[float, float, float, float]](
        "LETTERBOX_PADDING", optional=True
    )
    MATRIX = Output[np.ndarray]("MATRIX", optional=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, True, "TENSORS", "TENSOR")
        options = cc.options
        if options is not None and not options.HasField("output_tensor_float_range"):
            raise cc.fail("only output_tensor_float_range is supported")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.width = options.output_tensor_width if options.HasField("output_tensor_width") else 0
        self.height = (
            options.output_tensor_height if options.HasField("output_tensor_height") else 0
        )
        self.keep_aspect_ratio = options.keep_aspect_ratio
        float_range = options.output_tensor_float_range
        self.lut = value_lut(float_range.min, float_range.max)
        self.zero_border = options.border_mode == Options.BORDER_ZERO
        self.has_rect = cc.inputs.has("NORM_RECT")
        self.tensor_tag = "TENSORS" if cc.outputs.has("TENSORS") else "TENSOR"
        self.padding_out = cc.outputs.has("LETTERBOX_PADDING")
        self.matrix_out = cc.outputs.has("MATRIX")
        self.warp = PerspectiveWarp()
        self.planner = CropPlanner(self.width, self.height, self.keep_aspect_ratio)

    def process(self, cc: CalculatorContext) -> None:
        image_packet = cc.inputs["IMAGE"]
        if image_packet.is_empty:
            return
        rect: NormalizedRect | None = None
        if self.has_rect:
            rect_packet = cc.inputs["NORM_RECT"]
            if rect_packet.is_empty:
                return
            rect = rect_packet.value
            if rect.width == 0 and rect.height == 0:
                return
        image = image_packet.value
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(f"expected a uint8 HWC or HW image, got {image.dtype} {image.shape}")
        height, width = image.shape[:2]
        plan = self.planner(rect, width, height)
        if self.padding_out:
            cc.outputs["LETTERBOX_PADDING"].add(plan.padding)
        if self.matrix_out:
            cc.outputs["MATRIX"].add(plan.matrix)
        crop = crop_to_uint8(
            image, plan.roi, *plan.size, self.zero_border, self.warp, plan.perspective
        )
        tensor = to_tensor(crop, self.lut)
        cc.outputs[self.tensor_tag].add([tensor] if self.tensor_tag == "TENSORS" else tensor)
