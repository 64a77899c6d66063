"""BeginLoopCalculator: one ITEM packet per element of an ITERABLE, at loop timestamps."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

# MediaPipe registers one C++ instantiation per element type; here one class serves all.
_NAMES = (
    "NormalizedLandmarkListVector", "Int", "NormalizedRect", "Detection", "Matrix",
    "MatrixVector", "Uint64t", "Tensor", "ImageFrame", "Image", "Float", "String",
)  # fmt: skip


class BeginLoopCalculator(Calculator):
    """Emits each element of ITERABLE (a list) as ITEM at consecutive loop timestamps.

    Loop timestamps are the node's own counter (0, 1, 2, ... across all inputs), not
    the input timestamp. After each input set BATCH_END carries the input timestamp,
    stamped with the last loop timestamp used, for the matching EndLoopCalculator. An
    empty list (or only a bound) uses one loop timestamp as a bound. CLONE:i inputs are
    re-sent on CLONE:i outputs at every loop timestamp. Runs on timestamp bounds.

    Registered as BeginLoop{NormalizedRect,Detection,NormalizedLandmarkListVector,Int,
    Float,Tensor,Image,...}Calculator.

    Ports: ITERABLE - list; CLONE (repeated) - any; TICK - any (deprecated, ignored);
    ITEM - element; BATCH_END - int (input timestamp); CLONE outputs - same as inputs.

    Example::

        node {
          calculator: "BeginLoopNormalizedRectCalculator"
          input_stream: "ITERABLE:hand_rects"
          input_stream: "CLONE:image"
          output_stream: "ITEM:hand_rect"
          output_stream: "CLONE:image_for_hand"
          output_stream: "BATCH_END:hand_rects_timestamp"
        }
    """

    ITERABLE = Input[Any]("ITERABLE")
    CLONE = Input[Any]("CLONE", optional=True, multiple=True)
    TICK = Input[Any]("TICK", optional=True)
    ITEM = Output[Any]("ITEM")
    BATCH_END = Output[Any]("BATCH_END")
    CLONE_OUT = Output[Any]("CLONE", optional=True, multiple=True)
    process_timestamp_bounds = True

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if cc.inputs.count("CLONE") != cc.outputs.count("CLONE"):
            raise cc.fail("needs as many CLONE outputs as CLONE inputs")

    def open(self, cc: CalculatorContext) -> None:
        self.loop_ts = 0
        clones = range(cc.inputs.count("CLONE"))
        self.clones = [(("CLONE", i), cc.outputs[("CLONE", i)]) for i in clones]
        # BATCH_END gets a packet at every input set; the others only bounds when idle.
        batch_end = cc.outputs.tag_map.id_of("BATCH_END")
        self.idle_outputs = [s for i, s in enumerate(cc.outputs.streams) if i != batch_end]

    def process(self, cc: CalculatorContext) -> None:
        first = self.loop_ts
        iterable = cc.inputs["ITERABLE"]
        if not iterable.is_empty:
            item_out = cc.outputs["ITEM"]
            for item in iterable.value:
                item_out.add(item, self.loop_ts)
                for key, out in self.clones:
                    clone = cc.inputs[key]
                    if not clone.is_empty:
                        out.add(clone.value, self.loop_ts)
                self.loop_ts += 1
        if self.loop_ts == first:  # nothing emitted: spend one loop timestamp as a bound
            self.loop_ts += 1
            for out in self.idle_outputs:
                out.set_next_timestamp_bound(self.loop_ts)
        cc.outputs["BATCH_END"].add(cc.input_timestamp, self.loop_ts - 1)


for _name in _NAMES:
    register_calculator(f"BeginLoop{_name}Calculator")(BeginLoopCalculator)
