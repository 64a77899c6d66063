"""MergeCalculator: the first non-empty input at each timestamp."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator


@register_calculator("MergeCalculator")
class MergeCalculator(Calculator):
    """Forwards the packet of the first input (in index order) that has one at this timestamp.

    Ports: untagged inputs - any (at least one); untagged output - any.

    Example::

        node {
          calculator: "MergeCalculator"
          input_stream: "rect_from_detection"
          input_stream: "gated_prev_rect"
          output_stream: "rect"
        }
    """

    IN = Input[Any]("", multiple=True)
    OUT = Output[Any]("")
    timestamp_offset = 0
    runs_inline = True

    def process(self, cc: CalculatorContext) -> None:
        for packet in cc.inputs.packets:
            if not packet.is_empty:
                cc.outputs[0].add_packet(packet)
                return
