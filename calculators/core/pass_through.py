"""PassThroughCalculator: forwards every input stream and side packet unchanged."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import (
    ANY_TAG,
    STOP,
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    InputSidePacket,
    Output,
    OutputSidePacket,
    ProcessResult,
    register_calculator,
)
from pipeserve.graphs.tag_map import TagMap


def _same_layout(a: TagMap, b: TagMap) -> bool:
    return sorted((s.tag, s.index) for s in a) == sorted((s.tag, s.index) for s in b)


@register_calculator("PassThroughCalculator")
class PassThroughCalculator(Calculator):
    """Forwards each input packet to the output with the same tag and index.

    Ports: any input streams, the same output streams (matching tags and indexes);
    any input side packets, optionally the same output side packets (forwarded in open).
    With no input streams it is a source node that stops at once.
    Timestamp offset 0, so bounds propagate.

    Example::

        node {
          calculator: "PassThroughCalculator"
          input_stream: "IMAGE:image" input_stream: "rect"
          output_stream: "IMAGE:image_out" output_stream: "rect_out"
        }
    """

    IN = Input[Any](ANY_TAG, optional=True, multiple=True)
    OUT = Output[Any](ANY_TAG, optional=True, multiple=True)
    SIDE_IN = InputSidePacket[Any](ANY_TAG, optional=True, multiple=True)
    SIDE_OUT = OutputSidePacket[Any](ANY_TAG, optional=True, multiple=True)
    timestamp_offset = 0
    runs_inline = True

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if not _same_layout(cc.inputs, cc.outputs):
            raise cc.fail("input and output streams must use matching tags and indexes")
        cc.require_wired_side_packets()
        if len(cc.output_side_packets) and not _same_layout(
            cc.input_side_packets, cc.output_side_packets
        ):
            raise cc.fail("input and output side packets must use matching tags and indexes")

    def open(self, cc: CalculatorContext) -> None:
        self.routes = [
            (pos, cc.outputs[(s.tag, s.index)]) for pos, s in enumerate(cc.inputs.tag_map)
        ]
        if len(cc.output_side_packets.tag_map):
            for spec in cc.input_side_packets.tag_map:
                key = (spec.tag, spec.index)
                cc.output_side_packets.set(key, cc.input_side_packets[key])

    def process(self, cc: CalculatorContext) -> ProcessResult | None:
        if not self.routes:
            return STOP
        packets = cc.inputs.packets
        for pos, output in self.routes:
            if not packets[pos].is_empty:
                output.add_packet(packets[pos])
        return None
