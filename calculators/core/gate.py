"""GateCalculator: lets data packets through or not, by an ALLOW/DISALLOW signal."""

from __future__ import annotations

from typing import Any

from mediapipe.calculators.core.gate_calculator_pb2 import GateCalculatorOptions

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

_UNINITIALIZED = GateCalculatorOptions.GATE_UNINITIALIZED


@register_calculator("GateCalculator")
class GateCalculator(Calculator):
    """Forwards the untagged data streams while allowed; otherwise emits only bounds.

    The decision comes from exactly one of: an ALLOW or DISALLOW stream (bool, per
    timestamp; an empty packet counts as disallow unless ``empty_packets_as_allow``),
    an ALLOW or DISALLOW side packet (fixed; a closed gate closes its outputs), or the
    ``allow`` option when neither is given. STATE_CHANGE emits the new decision at each
    change after the first input set. Scalars may be 1-element arrays.

    Ports: untagged inputs - any; ALLOW / DISALLOW - bool (stream or side packet);
    untagged outputs - same as inputs; STATE_CHANGE - bool.

    Example::

        node {
          calculator: "GateCalculator"
          input_stream: "image"
          input_stream: "DISALLOW:prev_rect_present"
          output_stream: "image_for_detection"
          options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } }
        }
    """

    DATA = Input[Any]("", optional=True, multiple=True)
    ALLOW = Input[Scalar]("ALLOW", optional=True)
    DISALLOW = Input[Scalar]("DISALLOW", optional=True)
    ALLOW_SIDE = InputSidePacket[Scalar]("ALLOW", optional=True)
    DISALLOW_SIDE = InputSidePacket[Scalar]("DISALLOW", optional=True)
    OUT = Output[Any]("", optional=True, multiple=True)
    STATE_CHANGE = Output[bool]("STATE_CHANGE", optional=True)
    options_type = GateCalculatorOptions
    timestamp_offset = 0
    runs_inline = True

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        streams = cc.inputs.count("ALLOW") + cc.inputs.count("DISALLOW")
        sides = cc.input_side_packets.count("ALLOW") + cc.input_side_packets.count("DISALLOW")
        if streams + sides > 1:
            raise cc.fail("give only one of ALLOW or DISALLOW, as a stream or a side packet")
        if cc.inputs.count("") != cc.outputs.count(""):
            raise cc.fail("the number of data output streams must match the data input streams")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.empty_allows = options.empty_packets_as_allow
        self.last_state = options.initial_gate_state
        self.fixed: bool | None = None
        self.stream_tag, self.stream_allows = "", True
        sides = cc.input_side_packets
        if sides.has("ALLOW"):
            self.fixed = as_scalar(sides["ALLOW"], bool)
        elif sides.has("DISALLOW"):
            self.fixed = not as_scalar(sides["DISALLOW"], bool)
        elif cc.inputs.has("ALLOW"):
            self.stream_tag = "ALLOW"
        elif cc.inputs.has("DISALLOW"):
            self.stream_tag, self.stream_allows = "DISALLOW", False
        else:
            self.fixed = options.allow
        # A side packet closes the gate for good: close the outputs (option: bounds only).
        self.close_outputs = self.fixed is False and (sides.has("ALLOW") or sides.has("DISALLOW"))
        self.data = [
            (pos, cc.outputs[("", spec.index)])
            for pos, spec in enumerate(cc.inputs.tag_map)
            if spec.tag == ""
        ]

    def _allow(self, cc: CalculatorContext) -> bool:
        if self.fixed is not None:
            return self.fixed
        packet = cc.inputs[self.stream_tag]
        if packet.is_empty:
            return bool(self.empty_allows)
        return as_scalar(packet.value, bool) == self.stream_allows

    def process(self, cc: CalculatorContext) -> None:
        allow = self._allow(cc)
        state = GateCalculatorOptions.GATE_ALLOW if allow else GateCalculatorOptions.GATE_DISALLOW
        if cc.outputs.has("STATE_CHANGE") and self.last_state not in (_UNINITIALIZED, state):
            cc.outputs["STATE_CHANGE"].add(allow)
        self.last_state = state
        packets = cc.inputs.packets
        if allow:
            for pos, output in self.data:
                if not packets[pos].is_empty:
                    output.add_packet(packets[pos])
        elif self.close_outputs:
            for _, output in self.data:
                output.close()
            self.close_outputs = False
