"""PacketPresenceCalculator: tells, at every timestamp, whether a packet arrived."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator


@register_calculator("PacketPresenceCalculator")
class PacketPresenceCalculator(Calculator):
    """Emits True when PACKET has a packet at the input timestamp, False on a bound only.

    Runs on timestamp bounds, so an absent packet (e.g. a closed gate upstream with
    offset 0) still yields False at that timestamp.

    Ports: PACKET - any; PRESENCE - bool.

    Example::

        node {
          calculator: "PacketPresenceCalculator"
          input_stream: "PACKET:gated_prev_rect"
          output_stream: "PRESENCE:prev_rect_present"
        }
    """

    PACKET = Input[Any]("PACKET")
    PRESENCE = Output[bool]("PRESENCE")
    timestamp_offset = 0
    runs_inline = True
    process_timestamp_bounds = True

    def process(self, cc: CalculatorContext) -> None:
        cc.outputs["PRESENCE"].add(not cc.inputs["PACKET"].is_empty)
