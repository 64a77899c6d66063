"""DetectionsToRenderDataCalculator: a box and a "label,score," caption per detection.

As MediaPipe's: each detection becomes its relative box (clipped to the image) and one
caption line at the box's top-left corner, whose height is a tenth of the box (at most
``1 / (labels + 1)`` of it); the caption is the label (or class id), the score rounded to
two decimals, each followed by ``text_delimiter``. Boxes entirely outside the image are
not drawn. Without detections, an empty RenderData is still emitted unless
``produce_empty_packet`` is false.

Ports:
    DETECTIONS - list[Detection] (optional)
    DETECTION - Detection (optional; one of the two at least)
    RENDER_DATA (output) - RenderData

Example::

    node {
      calculator: "DetectionsToRenderDataCalculator"
      input_stream: "DETECTIONS:output_detections"
      output_stream: "RENDER_DATA:render_data"
      options: { [mediapipe.DetectionsToRenderDataCalculatorOptions.ext] {
        thickness: 4.0 color { r: 255 g: 0 b: 0 } } }
    }
"""

from __future__ import annotations

from mediapipe.calculators.util.detections_to_render_data_calculator_pb2 import (
    DetectionsToRenderDataCalculatorOptions as Options,
)

from pipeserve.calculators.formats import Detection, NormalizedRect
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

from .render_data import Annotation, Color, Rect, RenderData, Text

LABEL_TO_BOX_RATIO = 0.1


@register_calculator("DetectionsToRenderDataCalculator")
class DetectionsToRenderDataCalculator(Calculator):
    DETECTIONS = Input[list[Detection]]("DETECTIONS", optional=True)
    DETECTION = Input[Detection]("DETECTION", optional=True)
    RENDER_DATA = Output[RenderData]("RENDER_DATA")
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if not cc.inputs.count("DETECTIONS") and not cc.inputs.count("DETECTION"):
            raise cc.fail("needs a DETECTIONS or a DETECTION input")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.color: Color = (options.color.r, options.color.g, options.color.b)
        self.thickness = max(round(options.thickness), 1)
        self.delimiter = options.text_delimiter
        self.produce_empty = options.produce_empty_packet

    def process(self, cc: CalculatorContext) -> None:
        detections: list[Detection] = []
        vector, single = cc.inputs.get("DETECTIONS"), cc.inputs.get("DETECTION")
        if not vector.is_empty:
            detections.extend(vector.value)
        if not single.is_empty:
            detections.append(single.value)
        if not detections and not self.produce_empty:
            return
        annotations = [a for d in detections for a in self.annotations(d)]
        cc.outputs["RENDER_DATA"].add(RenderData(tuple(annotations)))

    def annotations(self, detection: Detection) -> list[Annotation]:
        """The caption line, then the box (as MediaPipe orders them)."""
        line = detection.height * min(LABEL_TO_BOX_RATIO, 0.5)
        name = detection.label or str(detection.label_id)
        score = round(detection.score * 100) / 100
        caption = f"{name}{self.delimiter}{score:g}{self.delimiter}"
        left, baseline = max(detection.xmin, 0.0), min(detection.ymin + line, 1.0)
        out: list[Annotation] = [
            Text(caption, left, baseline, 0.9 * line, self.color, self.thickness)
        ]
        box = self.clipped_box(detection)
        if box is not None:
            out.append(Rect(box, self.color, self.thickness))
        return out

    @staticmethod
    def clipped_box(d: Detection) -> NormalizedRect | None:
        if d.xmin + d.width < 0 or d.ymin + d.height < 0 or d.xmin > 1 or d.ymin > 1:
            return None
        left, top = max(d.xmin, 0.0), max(d.ymin, 0.0)
        right, bottom = min(d.xmin + d.width, 1.0), min(d.ymin + d.height, 1.0)
        return NormalizedRect(
            (left + right) / 2, (top + bottom) / 2, right - left, bottom - top, 0.0
        )
