"""LandmarkProjectionCalculator: map landmarks from ROI/tensor space to the image.

NORM_RECT alone uses MediaPipe's square-ROI formula (rotate about the ROI centre in
normalized units; z x roi.width); NORM_RECT + IMAGE_DIMENSIONS or PROJECTION_MATRIX use a
4x4 matrix (z scaled by the projected length of the unit x vector).

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList (repeatable; output i follows input i)
    NORM_RECT - NormalizedRect, or PROJECTION_MATRIX - np.ndarray (float32 [16]); one of
    IMAGE_DIMENSIONS - tuple[int, int] (optional with NORM_RECT; width, height)
    NORM_LANDMARKS (output) - NormalizedLandmarkList

Options: ``mediapipe.LandmarkProjectionCalculatorOptions`` (ignore_rotation).

Example::

    node {
      calculator: "LandmarkProjectionCalculator"
      input_stream: "NORM_LANDMARKS:landmarks"
      input_stream: "NORM_RECT:roi"
      output_stream: "NORM_LANDMARKS:projected_landmarks"
    }
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from mediapipe.calculators.util import landmark_projection_calculator_pb2

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.calculators.tensor.image_crop import roi_from_norm_rect, roi_to_image_matrix
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .contracts import require_one_of, require_same_count
from .geometry import cosf, project_points, sinf

Options = landmark_projection_calculator_pb2.LandmarkProjectionCalculatorOptions
Projector = Callable[[np.ndarray], np.ndarray]


def project_with_rect(data: np.ndarray, rect: NormalizedRect, angle: float) -> np.ndarray:
    out = np.array(data, np.float32, copy=True)
    x, y = data[:, 0] - np.float32(0.5), data[:, 1] - np.float32(0.5)
    cos, sin = cosf(angle), sinf(angle)
    out[:, 0] = (cos * x - sin * y) * np.float32(rect.width) + np.float32(rect.x_center)
    out[:, 1] = (sin * x + cos * y) * np.float32(rect.height) + np.float32(rect.y_center)
    out[:, 2] = data[:, 2] * np.float32(rect.width)
    return out


def project_with_matrix(data: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    out = np.array(data, np.float32, copy=True)
    out[:, :2] = project_points(data[:, :3], matrix)
    m = np.asarray(matrix, np.float32)
    a0, a1 = m[3], m[7]  # the projected origin, then the projected unit x vector
    b0, b1 = m[0] + m[3], m[4] + m[7]
    z_scale = math.sqrt(float(b0 - a0) ** 2 + float(b1 - a1) ** 2)  # std::pow: double
    out[:, 2] = data[:, 2] * np.float32(z_scale)
    return out


@register_calculator("LandmarkProjectionCalculator")
class LandmarkProjectionCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS", multiple=True)
    NORM_RECT = Input[NormalizedRect]("NORM_RECT", optional=True)
    PROJECTION_MATRIX = Input[np.ndarray]("PROJECTION_MATRIX", optional=True)
    IMAGE_DIMENSIONS = Input[tuple[int, int]]("IMAGE_DIMENSIONS", optional=True)
    OUT = Output[NormalizedLandmarkList]("NORM_LANDMARKS", multiple=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_same_count(cc, "NORM_LANDMARKS")
        source = require_one_of(cc, False, "NORM_RECT", "PROJECTION_MATRIX")
        if cc.inputs.count("IMAGE_DIMENSIONS") and source != "NORM_RECT":
            raise cc.fail("IMAGE_DIMENSIONS can only be given with NORM_RECT")

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.inputs.count("NORM_LANDMARKS")
        self.ignore_rotation = cc.options.ignore_rotation
        self.mode = (
            "matrix"
            if cc.inputs.has("PROJECTION_MATRIX")
            else "dims"
            if cc.inputs.has("IMAGE_DIMENSIONS")
            else "rect"
        )

    def projector(self, cc: CalculatorContext) -> Projector | None:
        """A function data [N, 5] → projected data, or None when an input is missing."""
        if self.mode == "matrix":
            given = cc.inputs["PROJECTION_MATRIX"]
            return None if given.is_empty else lambda d: project_with_matrix(d, given.value)
        rect_packet = cc.inputs["NORM_RECT"]
        if rect_packet.is_empty:
            return None
        rect = rect_packet.value
        angle = 0.0 if self.ignore_rotation else rect.rotation
        if self.mode == "rect":
            return lambda d: project_with_rect(d, rect, angle)
        dims = cc.inputs["IMAGE_DIMENSIONS"]
        if dims.is_empty:
            return None
        width, height = dims.value
        roi = roi_from_norm_rect(
            NormalizedRect(rect.x_center, rect.y_center, rect.width, rect.height, angle),
            width,
            height,
        )
        matrix = roi_to_image_matrix(roi, width, height)
        return lambda d: project_with_matrix(d, matrix)

    def process(self, cc: CalculatorContext) -> None:
        project = self.projector(cc)
        if project is None:
            return
        for index in range(self.count):
            packet = cc.inputs[("NORM_LANDMARKS", index)]
            if not packet.is_empty:
                data = project(packet.value.data)
                cc.outputs[("NORM_LANDMARKS", index)].add(NormalizedLandmarkList(data))
