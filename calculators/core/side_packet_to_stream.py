"""SidePacketToStreamCalculator: side packets as stream packets at a chosen timestamp."""

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
    ProcessResult,
    as_scalar,
    register_calculator,
)
from pipeserve.graphs.packet import Scalar
from pipeserve.graphs.timestamp import POSTSTREAM, PRESTREAM

_FIXED = {"AT_PRESTREAM": PRESTREAM, "AT_POSTSTREAM": POSTSTREAM, "AT_ZERO": 0}
_TICKED = ("AT_TICK", "AT_FIRST_TICK")
_OUTPUT_TAGS = (*_FIXED, *_TICKED, "AT_TIMESTAMP")


@register_calculator("SidePacketToStreamCalculator")
class SidePacketToStreamCalculator(Calculator):
    """Emits untagged side packet i on output i of the one output tag.

    AT_PRESTREAM / AT_POSTSTREAM / AT_ZERO: once, when the graph closes the node, at that
    timestamp. AT_TIMESTAMP: once, at the TIMESTAMP side packet (int). AT_TICK: at every
    TICK packet's timestamp; AT_FIRST_TICK: at the first TICK only, then closes.

    Ports: untagged side packets - any; TIMESTAMP - int side packet; TICK - any;
    one of AT_PRESTREAM, AT_POSTSTREAM, AT_ZERO, AT_TICK, AT_FIRST_TICK, AT_TIMESTAMP -
    same as the side packets (one stream per side packet).

    Example::

        node {
          calculator: "SidePacketToStreamCalculator"
          input_side_packet: "model_complexity"
          input_stream: "TICK:image"
          output_stream: "AT_TICK:model_complexity_stream"
        }
    """

    TICK = Input[Any]("TICK", optional=True)
    VALUES = InputSidePacket[Any]("", multiple=True)
    TIMESTAMP = InputSidePacket[Scalar]("TIMESTAMP", optional=True)
    OUT = Output[Any](ANY_TAG, optional=True, multiple=True)

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        tags = cc.outputs.tags()
        if len(tags) != 1 or tags[0] not in _OUTPUT_TAGS:
            raise cc.fail(f"needs output streams under exactly one of {', '.join(_OUTPUT_TAGS)}")
        if (tags[0] in _TICKED) != ("TICK" in cc.inputs):
            raise cc.fail("use both a TICK input and an AT_TICK/AT_FIRST_TICK output, or neither")
        if (tags[0] == "AT_TIMESTAMP") != ("TIMESTAMP" in cc.input_side_packets):
            raise cc.fail("use both a TIMESTAMP side packet and AT_TIMESTAMP, or neither")
        if cc.input_side_packets.count("") != len(cc.outputs):
            raise cc.fail("needs one untagged input side packet per output stream")
        if "TICK" in cc.inputs:
            cc.timestamp_offset = 0
        cc.require_wired_side_packets()  # TIMESTAMP too, when wired (as in MediaPipe)

    def open(self, cc: CalculatorContext) -> None:
        self.tag = cc.outputs.tag_map.tags()[0]
        self.count = len(cc.outputs)
        self.closed = False

    def _emit(self, cc: CalculatorContext, timestamp: int) -> None:
        for i in range(self.count):
            cc.outputs[(self.tag, i)].add(cc.input_side_packets[("", i)], timestamp)

    def process(self, cc: CalculatorContext) -> ProcessResult | None:
        if self.tag not in _TICKED:
            return STOP
        if not self.closed:
            self._emit(cc, cc.inputs["TICK"].timestamp)
            if self.tag == "AT_FIRST_TICK":
                for i in range(self.count):
                    cc.outputs[(self.tag, i)].close()
                self.closed = True
        return None

    def close(self, cc: CalculatorContext) -> None:
        if self.tag in _FIXED:
            self._emit(cc, _FIXED[self.tag])
        elif self.tag == "AT_TIMESTAMP":
            self._emit(cc, as_scalar(cc.input_side_packets["TIMESTAMP"], int))
