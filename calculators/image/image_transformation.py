"""ImageTransformationCalculator: scale, rotate and flip a CPU image (MediaPipe's options).

Scale modes (``output_width``/``output_height`` > 0): STRETCH (default) resizes to the
output size; FIT keeps the aspect ratio and pads (``padding_color``, or edge pixels with
``constant_padding: false``); FILL_AND_CROP keeps the aspect ratio and shrinks the output
to the scaled size. Linear interpolation uses INTER_AREA when shrinking, as MediaPipe;
NEAREST uses INTER_NEAREST. Rotation (counter-clockwise) and flips follow the scaling.
Flip/rotation/size inputs and side packets override the options from their timestamp on.

Ports:
    IMAGE - np.ndarray HWC (any dtype)
    FLIP_HORIZONTALLY, FLIP_VERTICALLY - bool (optional input streams or side packets)
    ROTATION_DEGREES - int, multiple of 90 (optional input stream or side packet)
    OUTPUT_DIMENSIONS - (width, height) (optional input stream or side packet)
    IMAGE (output) - np.ndarray HWC
    LETTERBOX_PADDING (output, optional) - tuple (left, top, right, bottom), normalized

Example::

    node {
      calculator: "ImageTransformationCalculator"
      input_stream: "IMAGE:input"
      output_stream: "IMAGE:transformed_input"
      options: { [mediapipe.ImageTransformationCalculatorOptions.ext] {
        output_width: 320 output_height: 320 } }
    }
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from mediapipe.calculators.image.image_transformation_calculator_pb2 import (
    ImageTransformationCalculatorOptions as Options,
)
from mediapipe.gpu.scale_mode_pb2 import ScaleMode

from pipeserve.calculators.image.geometry import (
    NO_PADDING,
    Padding,
    letterbox_padding,
    right_angle,
    rotate,
)
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    InputSidePacket,
    Output,
    register_calculator,
)

_OVERRIDES = ("FLIP_HORIZONTALLY", "FLIP_VERTICALLY", "ROTATION_DEGREES", "OUTPUT_DIMENSIONS")


@register_calculator("ImageTransformationCalculator")
class ImageTransformationCalculator(Calculator):
    IMAGE = Input[np.ndarray]("IMAGE")
    FLIP_H = Input[bool]("FLIP_HORIZONTALLY", optional=True)
    FLIP_V = Input[bool]("FLIP_VERTICALLY", optional=True)
    ROTATION = Input[int]("ROTATION_DEGREES", optional=True)
    DIMENSIONS = Input[tuple[int, int]]("OUTPUT_DIMENSIONS", optional=True)
    FLIP_H_SIDE = InputSidePacket[bool]("FLIP_HORIZONTALLY", optional=True)
    FLIP_V_SIDE = InputSidePacket[bool]("FLIP_VERTICALLY", optional=True)
    ROTATION_SIDE = InputSidePacket[int]("ROTATION_DEGREES", optional=True)
    DIMENSIONS_SIDE = InputSidePacket[tuple[int, int]]("OUTPUT_DIMENSIONS", optional=True)
    OUT = Output[np.ndarray]("IMAGE")
    PADDING = Output[Padding]("LETTERBOX_PADDING", optional=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        cc.require_wired_side_packets()  # a wired side packet replaces its option: required

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.state: dict[str, Any] = {
            "FLIP_HORIZONTALLY": options.flip_horizontally,
            "FLIP_VERTICALLY": options.flip_vertically,
            "ROTATION_DEGREES": 90 * max(options.rotation_mode - 1, 0),
            "OUTPUT_DIMENSIONS": (options.output_width, options.output_height),
        }
        for tag in _OVERRIDES:
            if cc.input_side_packets.has(tag):
                self.state[tag] = cc.input_side_packets[tag]
        self.state["ROTATION_DEGREES"] = right_angle(self.state["ROTATION_DEGREES"])
        mode = options.scale_mode
        self.scale_mode = ScaleMode.STRETCH if mode == ScaleMode.DEFAULT else mode
        self.nearest = options.interpolation_mode == Options.NEAREST
        self.border = cv2.BORDER_CONSTANT if options.constant_padding else cv2.BORDER_REPLICATE
        color = options.padding_color
        self.padding_color = (color.red, color.green, color.blue, 0)
        self.overrides = [tag for tag in _OVERRIDES if cc.inputs.has(tag)]

    def process(self, cc: CalculatorContext) -> None:
        for tag in self.overrides:
            packet = cc.inputs[tag]
            if not packet.is_empty:
                value = packet.value
                self.state[tag] = right_angle(value) if tag == "ROTATION_DEGREES" else value
        if "OUTPUT_DIMENSIONS" in self.overrides and cc.inputs["OUTPUT_DIMENSIONS"].is_empty:
            return
        frame = cc.inputs["IMAGE"]
        if frame.is_empty:
            return
        image, padding, size = self.scale(frame.value)
        image = rotate(image, self.state["ROTATION_DEGREES"], size)
        flip_h, flip_v = self.state["FLIP_HORIZONTALLY"], self.state["FLIP_VERTICALLY"]
        if flip_h or flip_v:
            image = cv2.flip(image, -1 if flip_h and flip_v else int(bool(flip_h)))
        if cc.outputs.has("LETTERBOX_PADDING"):
            cc.outputs["LETTERBOX_PADDING"].add(padding)
        cc.outputs["IMAGE"].add(image)

    def interpolation(self, shrinking: bool) -> int:
        if self.nearest:
            return cv2.INTER_NEAREST
        return cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR

    def scale(self, image: np.ndarray) -> tuple[np.ndarray, Padding, tuple[int, int]]:
        """The scaled image, its letterbox padding and the output (width, height)."""
        width, height = (int(v) for v in self.state["OUTPUT_DIMENSIONS"])
        in_h, in_w = image.shape[:2]
        if width <= 0 or height <= 0:
            turned = self.state["ROTATION_DEGREES"] in (90, 270)
            return image, NO_PADDING, (in_h, in_w) if turned else (in_w, in_h)
        if self.scale_mode == ScaleMode.STRETCH:
            mode = self.interpolation(in_w > width and in_h > height)
            resized = cv2.resize(image, (width, height), interpolation=mode)
            return resized, NO_PADDING, (width, height)
        scale = min(np.float32(width) / np.float32(in_w), np.float32(height) / np.float32(in_h))
        target = (round(in_w * float(scale)), round(in_h * float(scale)))
        scaled = cv2.resize(image, target, interpolation=self.interpolation(bool(scale < 1.0)))
        if self.scale_mode != ScaleMode.FIT:
            return scaled, NO_PADDING, target
        top, left = (height - target[1]) // 2, (width - target[0]) // 2
        bottom, right = height - target[1] - top, width - target[0] - left
        padded = cv2.copyMakeBorder(
            scaled, top, bottom, left, right, self.border, value=self.padding_color
        )
        turned = self.state["ROTATION_DEGREES"] in (90, 270)
        return padded, letterbox_padding((in_w, in_h), (width, height), turned), (width, height)
