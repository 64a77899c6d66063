"""ClipVectorSizeCalculator family: keep the first ``max_vec_size`` elements of a list.

The limit is ``max_vec_size`` (default 1) or the untagged input side packet (an int).

Ports:
    (untagged) - list
    (untagged input side packet, optional) - int: the limit
    (untagged output) - list (its first elements)

Example::

    node {
      calculator: "ClipDetectionVectorSizeCalculator"
      input_stream: "all_face_detections"
      output_stream: "face_detections"
      input_side_packet: "num_faces"
    }
"""

from __future__ import annotations

from typing import Any

from mediapipe.calculators.core.clip_vector_size_calculator_pb2 import (
    ClipVectorSizeCalculatorOptions,
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

_NAMES = ("Detection", "NormalizedRect", "Rect")


class ClipVectorSizeCalculator(Calculator):
    IN = Input[list[Any]]("")
    LIMIT = InputSidePacket[int]("", optional=True)
    OUT = Output[list[Any]]("")
    options_type = ClipVectorSizeCalculatorOptions
    timestamp_offset = 0
    runs_inline = True

    def open(self, cc: CalculatorContext) -> None:
        limit = cc.options.max_vec_size
        if cc.input_side_packets.has(0):
            limit = as_scalar(cc.input_side_packets[0], int)
        if limit < 1:
            raise ValueError(f"the size limit must be at least 1, got {limit}")
        self.limit = limit

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[0]
        if not packet.is_empty:
            cc.outputs[0].add(list(packet.value[: self.limit]))


for _name in _NAMES:
    register_calculator(f"Clip{_name}VectorSizeCalculator")(ClipVectorSizeCalculator)
