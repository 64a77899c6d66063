"""CollectionHasMinSizeCalculator family: whether a list has at least ``min_size`` items.

The minimum is ``min_size`` or the untagged input side packet (an int).

Ports:
    ITERABLE - list
    (untagged input side packet, optional) - int: the minimum
    (untagged output) - bool

Example::

    node {
      calculator: "NormalizedRectVectorHasMinSizeCalculator"
      input_stream: "ITERABLE:gated_prev_face_rects_from_landmarks"
      input_side_packet: "num_faces"
      output_stream: "prev_has_enough_faces"
    }
"""

from __future__ import annotations

from typing import Any

from mediapipe.calculators.util.collection_has_min_size_calculator_pb2 import (
    CollectionHasMinSizeCalculatorOptions,
)

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    Input,
    InputSidePacket,
    Output,
    as_scalar,
    register_calculator,
)

_NAMES = ("NormalizedRectVector", "ClassificationListVector", "DetectionVector", "IntVector")


class CollectionHasMinSizeCalculator(Calculator):
    ITERABLE = Input[list[Any]]("ITERABLE")
    MIN_SIZE = InputSidePacket[int]("", optional=True)
    OUT = Output[bool]("")
    options_type = CollectionHasMinSizeCalculatorOptions
    timestamp_offset = 0
    runs_inline = True

    def open(self, cc: CalculatorContext) -> None:
        self.min_size = cc.options.min_size
        if cc.input_side_packets.has(0):
            self.min_size = as_scalar(cc.input_side_packets[0], int)
        if self.min_size < 0:
            raise ValueError(f"min_size must be >= 0, got {self.min_size}")

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["ITERABLE"]
        if not packet.is_empty:
            cc.outputs[0].add(len(packet.value) >= self.min_size)


for _name in _NAMES:
    register_calculator(f"{_name}HasMinSizeCalculator")(CollectionHasMinSizeCalculator)
