"""DefaultSidePacketCalculator: an optional side packet, or a default when it is absent."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs import (
    EMPTY,
    Calculator,
    CalculatorContext,
    InputSidePacket,
    OutputSidePacket,
    register_calculator,
)


@register_calculator("DefaultSidePacketCalculator")
class DefaultSidePacketCalculator(Calculator):
    """Sets VALUE to OPTIONAL_VALUE when the graph provides it, else to DEFAULT_VALUE.

    Ports: OPTIONAL_VALUE - any (side, optional); DEFAULT_VALUE - any (side);
    VALUE - same (side).

    Example::

        node {
          calculator: "DefaultSidePacketCalculator"
          input_side_packet: "OPTIONAL_VALUE:user_threshold"
          input_side_packet: "DEFAULT_VALUE:default_threshold"
          output_side_packet: "VALUE:threshold"
        }
    """

    OPTIONAL_VALUE = InputSidePacket[Any]("OPTIONAL_VALUE", optional=True)
    DEFAULT_VALUE = InputSidePacket[Any]("DEFAULT_VALUE")
    VALUE = OutputSidePacket[Any]("VALUE")

    def open(self, cc: CalculatorContext) -> None:
        value = cc.input_side_packets.get("OPTIONAL_VALUE", EMPTY)
        if value is EMPTY:  # not wired, or the graph was started without it
            value = cc.input_side_packets["DEFAULT_VALUE"]
        cc.output_side_packets.set("VALUE", value)
