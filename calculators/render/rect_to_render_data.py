"""RectToRenderDataCalculator: the outline of a normalized rect (or of each in a list).

Options (MediaPipe's): ``color`` and ``thickness`` (pixels); ``filled`` and ``oval`` are
not drawn (outlines only).

Ports:
    NORM_RECT - NormalizedRect (optional)
    NORM_RECTS - list[NormalizedRect] (optional; one of the two)
    RENDER_DATA (output) - RenderData

Example::

    node {
      calculator: "RectToRenderDataCalculator"
      input_stream: "NORM_RECT:face_rect"
      output_stream: "RENDER_DATA:rect_render_data"
      options: { [mediapipe.RectToRenderDataCalculatorOptions.ext] {
        color { r: 255 g: 0 b: 0 } thickness: 4.0 } }
    }
"""

from __future__ import annotations

from mediapipe.calculators.util.rect_to_render_data_calculator_pb2 import (
    RectToRenderDataCalculatorOptions as Options,
)

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

from .landmarks_to_render_data import rgb
from .render_data import Rect, RenderData


@register_calculator("RectToRenderDataCalculator")
class RectToRenderDataCalculator(Calculator):
    NORM_RECT = Input[NormalizedRect]("NORM_RECT", optional=True)
    NORM_RECTS = Input[list[NormalizedRect]]("NORM_RECTS", optional=True)
    RENDER_DATA = Output[RenderData]("RENDER_DATA")
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, False, "NORM_RECT", "NORM_RECTS")

    def open(self, cc: CalculatorContext) -> None:
        self.tag = "NORM_RECT" if cc.inputs.has("NORM_RECT") else "NORM_RECTS"
        self.color = rgb(cc.options.color)
        self.thickness = max(round(cc.options.thickness), 1)

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[self.tag]
        if packet.is_empty:
            return
        rects = [packet.value] if self.tag == "NORM_RECT" else packet.value
        outlines = tuple(Rect(r, self.color, self.thickness) for r in rects)
        cc.outputs["RENDER_DATA"].add(RenderData(outlines))
