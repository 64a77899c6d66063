"""AssociationNormRectCalculator: merge rect lists, later rects replacing overlapping ones.

Rects of the first non-empty input are taken in order, then every rect of the later inputs:
each new rect removes the kept rects it overlaps by more than ``min_similarity_threshold``
IoU (axis-aligned boxes, rotation ignored, as MediaPipe) and is appended. Absent inputs
are skipped; an empty list is still emitted.

Ports:
    (untagged, 1+) - list[NormalizedRect]
    (untagged output) - list[NormalizedRect]

Example::

    node {
      calculator: "AssociationNormRectCalculator"
      input_stream: "face_rects_from_detections"
      input_stream: "gated_prev_face_rects_from_landmarks"
      output_stream: "face_rects"
      options: { [mediapipe.AssociationCalculatorOptions.ext] { min_similarity_threshold: 0.5 } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.util.association_calculator_pb2 import AssociationCalculatorOptions

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator


def _box(rect: NormalizedRect) -> tuple[np.float32, np.float32, np.float32, np.float32]:
    """xmin, ymin, xmax, ymax in float32 (MediaPipe's Rectangle_f)."""
    f = np.float32
    xmin, ymin = f(rect.x_center - rect.width / 2.0), f(rect.y_center - rect.height / 2.0)
    return xmin, ymin, f(xmin + f(rect.width)), f(ymin + f(rect.height))


def iou(a: NormalizedRect, b: NormalizedRect) -> float:
    ax0, ay0, ax1, ay1 = _box(a)
    bx0, by0, bx1, by1 = _box(b)
    width, height = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return float(inter / union) if union > 0 else 0.0


@register_calculator("AssociationNormRectCalculator")
class AssociationNormRectCalculator(Calculator):
    RECTS = Input[list[NormalizedRect]]("", multiple=True)
    OUT = Output[list[NormalizedRect]]("")
    options_type = AssociationCalculatorOptions
    timestamp_offset = 0
    runs_inline = True

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = cc.options.min_similarity_threshold
        if self.threshold < 0:
            raise ValueError("min_similarity_threshold must be >= 0")
        self.count = cc.inputs.count("")

    def process(self, cc: CalculatorContext) -> None:
        kept: list[NormalizedRect] = []
        first = True
        for index in range(self.count):
            packet = cc.inputs[index]
            if packet.is_empty or (first and not packet.value):
                continue
            rects = list(packet.value)
            if first:
                kept, rects, first = rects[:1], rects[1:], False
            for rect in rects:
                kept = [k for k in kept if iou(rect, k) <= self.threshold]
                kept.append(rect)
        cc.outputs[0].add(kept)
