"""Slow generators for disconnect and timeout tests (registered by the test server)."""

from __future__ import annotations

import time

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

TICKS = 40
TICK_SECONDS = 0.05
NAP_SECONDS = 0.1


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


@register_calculator("TestServerPaceCalculator")
class PaceCalculator(Calculator):
    """Per input packet ``[count, seconds]``: emits ints 0..count-1, the first at once, then
    one every ``seconds`` (a stream that stays busy, or goes quiet, for as long as asked).

    Ports: "" float tensor [2] in; "" int out.
    """

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        count, seconds = (float(x) for x in cc.inputs[0].value)
        for tick in range(int(count)):
            if tick:
                time.sleep(seconds)
            cc.outputs[0].add(tick, cc.input_timestamp * int(count) + tick)


@register_calculator("TestServerNapCalculator")
class NapCalculator(Calculator):
    """Passes each packet on after sleeping 0.1 s (many short steps a cancel can stop)."""

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(NAP_SECONDS)
        cc.outputs[0].add(cc.inputs[0].value, cc.input_timestamp)
