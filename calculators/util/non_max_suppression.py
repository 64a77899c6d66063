"""NonMaxSuppressionCalculator: suppress overlapping detections (default or weighted).

Ports:
    (untagged, one per num_detection_streams) - list[Detection]
    IMAGE - np.ndarray (optional; accepted for compatibility, boxes are relative anyway)
    (untagged output 0) - list[Detection] (by decreasing score)

Options: ``mediapipe.NonMaxSuppressionCalculatorOptions``. Empty input emits nothing
unless ``return_empty_detections``. Weighted NMS ignores ``max_num_detections``, as in
MediaPipe.

Example::

    node {
      calculator: "NonMaxSuppressionCalculator"
      input_stream: "unfiltered_detections"
      output_stream: "filtered_detections"
      options: { [mediapipe.NonMaxSuppressionCalculatorOptions.ext] {
        min_suppression_threshold: 0.3 overlap_type: INTERSECTION_OVER_UNION
        algorithm: WEIGHTED } }
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .box_suppression import Options, default_nms, overlap, score_order, weighted_nms


@register_calculator("NonMaxSuppressionCalculator")
class NonMaxSuppressionCalculator(Calculator):
    DETECTIONS = Input[list[Detection]]("", multiple=True)
    IMAGE = Input[np.ndarray]("IMAGE", optional=True)
    OUTPUT = Output[list[Detection]]("")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        if options.num_detection_streams <= 0 or options.max_num_detections == 0:
            raise ValueError("num_detection_streams must be > 0 and max_num_detections != 0")
        self.streams = options.num_detection_streams
        self.overlap_type = options.overlap_type
        self.similarity = overlap(options.overlap_type)
        self.threshold = options.min_suppression_threshold
        self.max_count = options.max_num_detections
        self.min_score = options.min_score_threshold
        self.weighted = options.algorithm == Options.WEIGHTED
        self.multiclass = options.multiclass_nms
        self.return_empty = options.return_empty_detections

    def process(self, cc: CalculatorContext) -> None:
        detections: list[Detection] = []
        for index in range(self.streams):
            packet = cc.inputs[index]
            if not packet.is_empty:
                detections.extend(packet.value)
        if not detections:
            if self.return_empty:
                cc.outputs[0].add([])
            return
        if not self.multiclass:
            cc.outputs[0].add(self.suppress(detections))
            return
        merged: list[Detection] = []
        for label in dict.fromkeys(d.label_id for d in detections):
            merged.extend(self.suppress([d for d in detections if d.label_id == label]))
        order = score_order(merged)
        if self.max_count > -1:
            order = order[: self.max_count]
        cc.outputs[0].add([merged[i] for i in order])

    def suppress(self, detections: list[Detection]) -> list[Detection]:
        if self.weighted:
            return weighted_nms(detections, self.overlap_type, self.threshold, self.min_score)
        max_count = self.max_count if self.max_count > -1 else len(detections)
        return default_nms(detections, self.similarity, self.threshold, max_count, self.min_score)
