"""MuxCalculator: forwards the input chosen by SELECT."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    InputSidePacket,
    Output,
    as_scalar,
    register_calculator,
)
from pipeserve.graphs.packet import Scalar


@register_calculator("MuxCalculator")
class MuxCalculator(Calculator):
    """Forwards INPUT:k, where k is the SELECT side packet or the SELECT packet now.

    With SELECT as a stream it runs under MuxInputStreamHandler, as in MediaPipe: each
    input set waits only for SELECT and the input it names. A SELECT out of range is an
    error; scalars may be 1-element arrays.

    Ports: SELECT - int (stream or side packet); INPUT (repeated) - any; OUTPUT - any.

    Example::

        node {
          calculator: "MuxCalculator"
          input_side_packet: "SELECT:use_full_model"
          input_stream: "INPUT:0:lite_landmarks"
          input_stream: "INPUT:1:full_landmarks"
          output_stream: "OUTPUT:landmarks"
        }
    """

    SELECT = Input[Scalar]("SELECT", optional=True)
    SELECT_SIDE = InputSidePacket[Scalar]("SELECT", optional=True)
    INPUT = Input[Any]("INPUT", multiple=True)
    OUTPUT = Output[Any]("OUTPUT")
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if ("SELECT" in cc.inputs) == ("SELECT" in cc.input_side_packets):
            raise cc.fail("needs SELECT as a stream or as a side packet (exactly one)")
        cc.require_wired_side_packets()
        if "SELECT" in cc.inputs:
            cc.input_stream_handler = "MuxInputStreamHandler"

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.inputs.count("INPUT")
        self.fixed = None
        if cc.input_side_packets.has("SELECT"):
            self.fixed = self._checked(as_scalar(cc.input_side_packets["SELECT"], int))

    def _checked(self, select: int) -> int:
        if not 0 <= select < self.count:
            raise ValueError(f"SELECT {select} is not in [0, {self.count})")
        return select

    def process(self, cc: CalculatorContext) -> None:
        select = self.fixed
        if select is None:
            packet = cc.inputs["SELECT"]
            if packet.is_empty:
                return
            select = self._checked(as_scalar(packet.value, int))
        chosen = cc.inputs[("INPUT", select)]
        if not chosen.is_empty:
            cc.outputs["OUTPUT"].add_packet(chosen)
