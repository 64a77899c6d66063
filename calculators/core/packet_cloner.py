"""PacketClonerCalculator: re-sends the latest packet of each input at every TICK."""

from __future__ import annotations

from typing import Any

from mediapipe.calculators.core.packet_cloner_calculator_pb2 import PacketClonerCalculatorOptions

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    Packet,
    register_calculator,
)
from pipeserve.graphs.timestamp import next_allowed_in_stream


@register_calculator("PacketClonerCalculator")
class PacketClonerCalculator(Calculator):
    """At each TICK packet, emits the latest packet seen on each untagged input, re-stamped.

    The tick is the TICK input, or else the last untagged input. Options:
    ``output_only_when_all_inputs_received`` drops ticks until every input has had a
    packet; ``output_packets_only_when_all_inputs_received`` does the same but still
    moves the output bounds. Runs on timestamp bounds.

    Ports: untagged inputs - any; TICK - any; untagged outputs - same as inputs.

    Example::

        node {
          calculator: "PacketClonerCalculator"
          input_stream: "rect"
          input_stream: "TICK:image"
          output_stream: "rect_at_image"
        }
    """

    IN = Input[Any]("", multiple=True)
    TICK = Input[Any]("TICK", optional=True)
    OUT = Output[Any]("", optional=True, multiple=True)
    options_type = PacketClonerCalculatorOptions
    process_timestamp_bounds = True

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        cloned = cc.inputs.count("") - (0 if "TICK" in cc.inputs else 1)
        if cc.outputs.count("") != cloned:
            raise cc.fail(f"needs {cloned} untagged output streams, one per cloned input")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.only_when_all = (
            options.output_only_when_all_inputs_received
            or options.output_packets_only_when_all_inputs_received
        )
        self.bounds_before_all = options.output_packets_only_when_all_inputs_received
        count = cc.outputs.count("")
        self.tick_key = "TICK" if cc.inputs.has("TICK") else ("", count)
        self.routes = [(("", i), cc.outputs[("", i)]) for i in range(count)]
        self.current: list[Packet | None] = [None] * count

    def process(self, cc: CalculatorContext) -> None:
        for i, (key, _) in enumerate(self.routes):
            packet = cc.inputs[key]
            if not packet.is_empty:
                self.current[i] = packet
        has_all = all(p is not None for p in self.current)
        tick = cc.inputs[self.tick_key]
        if not tick.is_empty and (has_all or not self.only_when_all):
            for latest, (_, output) in zip(self.current, self.routes, strict=True):
                if latest is not None:
                    output.add(latest.value, tick.timestamp)
        producing = has_all or self.bounds_before_all or not self.only_when_all
        if tick.timestamp == cc.input_timestamp and producing:
            bound = next_allowed_in_stream(cc.input_timestamp)
            for _, output in self.routes:
                output.set_next_timestamp_bound(bound)
