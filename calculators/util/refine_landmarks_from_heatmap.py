"""RefineLandmarksFromHeatmapCalculator: move landmarks to their heatmap centroid.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList
    TENSORS - list[np.ndarray] (first tensor: heatmap [1, H, W, N]; if absent the
        landmarks pass through unchanged)
    NORM_LANDMARKS (output) - NormalizedLandmarkList

Options: ``mediapipe.RefineLandmarksFromHeatmapCalculatorOptions`` (kernel_size,
min_confidence_to_refine, refine_presence, refine_visibility).

Example::

    node {
      calculator: "RefineLandmarksFromHeatmapCalculator"
      input_stream: "NORM_LANDMARKS:all_landmarks"
      input_stream: "TENSORS:heatmap_tensor"
      output_stream: "NORM_LANDMARKS:refined_landmarks"
      options: { [mediapipe.RefineLandmarksFromHeatmapCalculatorOptions.ext] {
        kernel_size: 7 } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util import refine_landmarks_from_heatmap_calculator_pb2

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .heatmap import refine_from_heatmap

Options = refine_landmarks_from_heatmap_calculator_pb2.RefineLandmarksFromHeatmapCalculatorOptions


@register_calculator("RefineLandmarksFromHeatmapCalculator")
class RefineLandmarksFromHeatmapCalculator(Calculator):
    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS")
    TENSORS = Input[list[np.ndarray]]("TENSORS")
    OUT = Output[NormalizedLandmarkList]("NORM_LANDMARKS")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.settings = (
            options.kernel_size,
            options.min_confidence_to_refine,
            options.refine_presence,
            options.refine_visibility,
        )

    def process(self, cc: CalculatorContext) -> None:
        landmarks = cc.inputs["NORM_LANDMARKS"]
        if landmarks.is_empty:
            return
        tensors = cc.inputs["TENSORS"]
        if tensors.is_empty:
            cc.outputs["NORM_LANDMARKS"].add_packet(landmarks)
            return
        if not len(tensors.value):
            raise ValueError("TENSORS is empty: the first element must be the heatmap")
        heatmap = np.asarray(tensors.value[0], np.float32)
        refined = refine_from_heatmap(landmarks.value.data, heatmap, *self.settings)
        cc.outputs["NORM_LANDMARKS"].add(NormalizedLandmarkList(refined))
