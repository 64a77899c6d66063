"""A slow generator for disconnect tests (registered by the test server)."""

from __future__ import annotations

import time

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

TICKS = 40
TICK_SECONDS = 0.05


@register_calculator("TestServerTickerCalculator")
class TickerCalculator(Calculator):
    """Per input packet, emits 40 ints (0..39) at increasing timestamps, 50 ms apart.

    Ports: "" any (a trigger) in; "" int out.
    """

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        for tick in range(TICKS):
            cc.outputs[0].add(tick, cc.input_timestamp * TICKS + tick)
            time.sleep(TICK_SECONDS)
