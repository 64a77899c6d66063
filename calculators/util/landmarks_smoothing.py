"""LandmarksSmoothingCalculator (stateful): temporal smoothing of landmark coordinates.

Normalized landmarks are filtered in pixels (x W, y H, z W) and mapped back. The value
scale is 1 / object scale, from OBJECT_SCALE_ROI ((w W + h H) / 2) or the landmarks'
bounding box. Filters use packet timestamps in µs and are reset whenever the node runs
without a landmark packet (e.g. IMAGE_SIZE present, landmarks absent: tracking lost).

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList, or LANDMARKS - LandmarkList (exactly one)
    IMAGE_SIZE - tuple[int, int] (width, height; required with NORM_LANDMARKS)
    OBJECT_SCALE_ROI - NormalizedRect (optional, normalized input only)
    NORM_FILTERED_LANDMARKS - NormalizedLandmarkList / FILTERED_LANDMARKS - LandmarkList

Options: ``mediapipe.LandmarksSmoothingCalculatorOptions`` (no_filter, velocity_filter,
one_euro_filter).

Example::

    node {
      calculator: "LandmarksSmoothingCalculator"
      input_stream: "NORM_LANDMARKS:landmarks"
      input_stream: "IMAGE_SIZE:image_size"
      input_stream: "OBJECT_SCALE_ROI:roi"
      output_stream: "NORM_FILTERED_LANDMARKS:filtered_landmarks"
      options: { [mediapipe.LandmarksSmoothingCalculatorOptions.ext] {
        one_euro_filter { min_cutoff: 0.05 beta: 80.0 derivate_cutoff: 1.0 } } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util import landmarks_smoothing_calculator_pb2

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs import CalculatorContext, CalculatorContract, Input, register_calculator

from .landmark_filters import make_filter
from .smoothing_ports import LandmarkFilterCalculator

Options = landmarks_smoothing_calculator_pb2.LandmarksSmoothingCalculatorOptions


@register_calculator("LandmarksSmoothingCalculator")
class LandmarksSmoothingCalculator(LandmarkFilterCalculator):
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE", optional=True)
    OBJECT_SCALE_ROI = Input[NormalizedRect]("OBJECT_SCALE_ROI", optional=True)
    options_type = Options

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        super().update_contract(cc)
        normalized = cc.inputs.count("NORM_LANDMARKS") > 0
        if normalized and not cc.inputs.count("IMAGE_SIZE"):
            raise cc.fail("NORM_LANDMARKS needs IMAGE_SIZE")
        if not normalized and cc.inputs.count("OBJECT_SCALE_ROI"):
            raise cc.fail("OBJECT_SCALE_ROI with LANDMARKS (a pixel Rect) is not supported")

    def open(self, cc: CalculatorContext) -> None:
        self.filter = make_filter(cc.options)
        self.normalized = cc.inputs.has("NORM_LANDMARKS")

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[self.port_tags(self.normalized)[0]]
        if packet.is_empty:
            self.filter.reset()
            return
        data = packet.value.data
        ts = cc.input_timestamp
        if not self.normalized:
            out = data.copy()
            out[:, :3] = self.filter.apply(data[:, :3], ts, None)
            cc.outputs["FILTERED_LANDMARKS"].add(LandmarkList(out))
            return
        width, height = cc.inputs["IMAGE_SIZE"].value
        roi = cc.inputs.get("OBJECT_SCALE_ROI")
        scale = None
        if not roi.is_empty:
            w = np.float32(roi.value.width) * np.float32(width)
            h = np.float32(roi.value.height) * np.float32(height)
            scale = float((w + h) / np.float32(2.0))
        size = np.array([width, height, width], np.float32)
        filtered = self.filter.apply(data[:, :3] * size, ts, scale)
        out = data.copy()
        out[:, :3] = filtered / size
        cc.outputs["NORM_FILTERED_LANDMARKS"].add(NormalizedLandmarkList(out))
