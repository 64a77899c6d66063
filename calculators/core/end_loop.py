"""EndLoopCalculator: collects ITEM packets into a list, emitted at BATCH_END's timestamp."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

# MediaPipe registers one C++ instantiation per element type; here one class serves all.
_NAMES = (
    "NormalizedRect", "LandmarkListVector", "NormalizedLandmarkListVector", "Boolean",
    "Float", "RenderData", "ClassificationList", "TfLiteTensor", "Detection", "Matrix",
    "Tensor", "ImageFrame", "Image", "AffineMatrix", "ImageSize",
)  # fmt: skip


class EndLoopCalculator(Calculator):
    """Appends each ITEM to a list; at a BATCH_END packet emits the list as ITERABLE.

    BATCH_END's value (from BeginLoopCalculator) is the timestamp of the loop's input,
    so ITERABLE comes out at the original timestamp. A batch with no items emits only a
    timestamp bound there.

    Registered as EndLoop{NormalizedRect,Detection,NormalizedLandmarkListVector,
    LandmarkListVector,Float,Boolean,Tensor,Image,ImageSize,...}Calculator.

    Ports: ITEM - element; BATCH_END - int (timestamp); ITERABLE - list.

    Example::

        node {
          calculator: "EndLoopNormalizedLandmarkListVectorCalculator"
          input_stream: "ITEM:hand_landmarks"
          input_stream: "BATCH_END:hand_rects_timestamp"
          output_stream: "ITERABLE:multi_hand_landmarks"
        }
    """

    ITEM = Input[Any]("ITEM")
    BATCH_END = Input[Any]("BATCH_END")
    ITERABLE = Output[Any]("ITERABLE")

    def open(self, cc: CalculatorContext) -> None:
        self.items: list[Any] | None = None

    def process(self, cc: CalculatorContext) -> None:
        item = cc.inputs["ITEM"]
        if not item.is_empty:
            if self.items is None:
                self.items = []
            self.items.append(item.value)
        batch_end = cc.inputs["BATCH_END"]
        if batch_end.is_empty:
            return
        if self.items is None:
            cc.outputs["ITERABLE"].set_next_timestamp_bound(batch_end.value + 1)
        else:
            cc.outputs["ITERABLE"].add(self.items, batch_end.value)
            self.items = None


for _name in _NAMES:
    register_calculator(f"EndLoop{_name}Calculator")(EndLoopCalculator)
