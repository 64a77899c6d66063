"""Test-only calculators for runtime tests (registered when this module is imported)."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from pipeserve.graphs import (
    ANY_TAG,
    Calculator,
    CalculatorContext,
    Input,
    InputSidePacket,
    Output,
    as_scalar,
    register_calculator,
)


@register_calculator("TestRecordCalculator")
class TestRecordCalculator(Calculator):
    """Emits, for each input set, a tuple of (input timestamp, values or None per input)."""

    IN = Input(ANY_TAG, optional=True, multiple=True)
    OUT = Output("OUT")

    def process(self, cc: CalculatorContext) -> None:
        values = tuple(None if p.is_empty else p.value for p in cc.inputs.packets)
        cc.outputs["OUT"].add((cc.input_timestamp, values))


@register_calculator("TestBoundRecordCalculator")
class TestBoundRecordCalculator(TestRecordCalculator):
    """Like TestRecordCalculator, but also invoked on timestamp-bound advances."""

    process_timestamp_bounds = True


@register_calculator("TestImmediateRecordCalculator")
class TestImmediateRecordCalculator(TestRecordCalculator):
    """TestRecordCalculator with the ImmediateInputStreamHandler as its preference."""

    input_stream_handler = "ImmediateInputStreamHandler"


@register_calculator("TestFailCalculator")
class TestFailCalculator(Calculator):
    """Forwards IN to OUT; raises ValueError at the timestamp given by the FAIL_AT side packet."""

    IN = Input("IN")
    OUT = Output("OUT", optional=True)
    FAIL_AT = InputSidePacket("FAIL_AT")
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.fail_at = int(cc.input_side_packets["FAIL_AT"])

    def process(self, cc: CalculatorContext) -> None:
        if cc.input_timestamp == self.fail_at:
            raise ValueError("boom")
        if cc.outputs.has("OUT"):
            cc.outputs["OUT"].add_packet(cc.inputs["IN"])


@register_calculator("TestSlowCalculator")
class TestSlowCalculator(Calculator):
    """Forwards IN to OUT after waiting on the DELAY side packet (seconds); records overlap."""

    IN = Input("IN")
    OUT = Output("OUT")
    DELAY = InputSidePacket("DELAY", optional=True)
    BARRIER = InputSidePacket("BARRIER", optional=True)
    timestamp_offset = 0
    active: dict[str, int] = {}
    overlaps: list[str] = []

    def open(self, cc: CalculatorContext) -> None:
        self.delay = float(cc.input_side_packets.get("DELAY", 0.0))
        self.barrier: threading.Barrier | None = cc.input_side_packets.get("BARRIER")
        self.busy = threading.Lock()

    def process(self, cc: CalculatorContext) -> None:
        if not self.busy.acquire(blocking=False):
            type(self).overlaps.append(cc.node_name)
            self.busy.acquire()
        try:
            if self.barrier is not None:
                self.barrier.wait(timeout=10)
            time.sleep(self.delay)
            cc.outputs["OUT"].add_packet(cc.inputs["IN"])
        finally:
            self.busy.release()


@register_calculator("TestScalarAddCalculator")
class TestScalarAddCalculator(Calculator):
    """Adds the float A and int B inputs (Python scalars or one-element arrays)."""

    A = Input("A")
    B = Input("B")
    SUM = Output("SUM")

    def process(self, cc: CalculatorContext) -> None:
        total = as_scalar(cc.inputs["A"].value, float) + as_scalar(cc.inputs["B"].value, int)
        cc.outputs["SUM"].add(total)


@register_calculator("TestBadTimestampCalculator")
class TestBadTimestampCalculator(Calculator):
    """Emits at a fixed timestamp 5 every time: the second emission must be rejected."""

    IN = Input("IN")
    OUT = Output("OUT")

    def process(self, cc: CalculatorContext) -> None:
        cc.outputs["OUT"].add("x", 5)


def values(packets: list[Any]) -> list[Any]:
    """The payloads of a packet list."""
    return [p.value for p in packets]


def stamps(packets: list[Any]) -> list[int]:
    """The timestamps of a packet list."""
    return [p.timestamp for p in packets]


@register_calculator("TestBoundThenPacketCalculator")
class TestBoundThenPacketCalculator(Calculator):
    """Sets OUT's bound past the input timestamp, then emits at the input timestamp."""

    IN = Input("IN")
    OUT = Output("OUT")

    def process(self, cc: CalculatorContext) -> None:
        cc.outputs["OUT"].set_next_timestamp_bound(cc.input_timestamp + 10)
        cc.outputs["OUT"].add(cc.inputs["IN"].value)


@register_calculator("TestThreadNameCalculator")
class TestThreadNameCalculator(Calculator):
    """Emits the name of the thread its process() runs on (declared inline)."""

    IN = Input("IN")
    OUT = Output("OUT")
    runs_inline = True

    def process(self, cc: CalculatorContext) -> None:
        cc.outputs["OUT"].add(threading.current_thread().name)


@register_calculator("TestMakeArrayCalculator")
class TestMakeArrayCalculator(Calculator):
    """Emits a new writable array per input (kept in ``made``) with ``add``."""

    IN = Input("IN")
    OUT = Output("OUT")
    made: list[Any] = []

    def process(self, cc: CalculatorContext) -> None:
        array = np.full(3, cc.input_timestamp)
        type(self).made.append(array)
        cc.outputs["OUT"].add(array)


@register_calculator("TestThreadLogCalculator")
class TestThreadLogCalculator(Calculator):
    """Forwards IN to OUT, then waits ``linger`` seconds; logs (node, timestamp, thread
    name) of each call in ``calls``. Not inline: runs on the graph's workers."""

    IN = Input("IN")
    OUT = Output("OUT")
    timestamp_offset = 0
    calls: list[tuple[str, int, str]] = []
    linger = 0.0

    def process(self, cc: CalculatorContext) -> None:
        type(self).calls.append((cc.node_name, cc.input_timestamp, threading.current_thread().name))
        cc.outputs["OUT"].add_packet(cc.inputs["IN"])
        time.sleep(self.linger)
