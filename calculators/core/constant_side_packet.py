"""ConstantSidePacketCalculator: output side packets from constants in the options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from mediapipe.calculators.core.constant_side_packet_calculator_pb2 import (
    ConstantSidePacketCalculatorOptions,
)

from pipeserve.calculators.formats import LandmarkList
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    OutputSidePacket,
    register_calculator,
)


def _landmarks(message: Any) -> LandmarkList:
    rows = [(m.x, m.y, m.z, m.visibility, m.presence) for m in message.landmark]
    return LandmarkList(np.array(rows, np.float32).reshape(-1, 5))


def _matrix(message: Any) -> np.ndarray:
    data = np.array(message.packed_data, np.float32)
    if message.layout == message.ROW_MAJOR:
        return data.reshape(message.rows, message.cols)
    return data.reshape(message.cols, message.rows).T


# Payload conversions by oneof field; scalars, strings and other messages pass as is.
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "string_vector_value": lambda message: list(message.string_value),
    "landmark_list_value": _landmarks,
    "matrix_data_value": _matrix,
}


@register_calculator("ConstantSidePacketCalculator")
class ConstantSidePacketCalculator(Calculator):
    """Sets output side packet PACKET:i to the i-th ``packet`` of the options.

    Scalars become Python values, ``string_vector_value`` a ``list[str]``,
    ``landmark_list_value`` a ``LandmarkList`` (float32 [N,5]), ``matrix_data_value`` a
    float32 [rows, cols] array; other messages are passed as protos.

    Ports: PACKET (side, repeated) - the configured value.

    Example::

        node {
          calculator: "ConstantSidePacketCalculator"
          output_side_packet: "PACKET:0:use_prev_landmarks"
          output_side_packet: "PACKET:1:model_complexity"
          options: {
            [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
              packet { bool_value: true } packet { int_value: 1 }
            }
          }
        }
    """

    PACKET = OutputSidePacket[Any]("PACKET", optional=True, multiple=True)
    options_type = ConstantSidePacketCalculatorOptions

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        packets = cc.options.packet
        if cc.output_side_packets.count("PACKET") != len(packets):
            raise cc.fail("the number of PACKET side packets must match the packets in options")
        for i, packet in enumerate(packets):
            if packet.WhichOneof("value") is None:
                raise cc.fail(f"options packet {i} sets no value")

    def open(self, cc: CalculatorContext) -> None:
        for i, packet in enumerate(cc.options.packet):
            field = packet.WhichOneof("value")
            value = getattr(packet, field)
            convert = _CONVERT.get(field)
            cc.output_side_packets.set(("PACKET", i), value if convert is None else convert(value))
