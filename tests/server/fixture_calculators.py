"""Test-only calculators for the server tests; registered when the test server imports this.

The `sum` graph reuses ``TestScalarAddCalculator`` from ``tests/graphs/fixture_calculators``.
"""

from __future__ import annotations

import os
import time

import numpy as np

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    Input,
    InputSidePacket,
    Output,
    register_calculator,
)
from pipeserve.server.types import InferRequest, InferResponse, OutputTensor

FAIL_VALUE = -1


@register_calculator("TestServerFailOnValueCalculator")
class FailOnValueCalculator(Calculator):
    """Passes an INT tensor through; raises when its first element is -1. Ports: "" in/out."""

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        value = cc.inputs[0].value
        if int(np.asarray(value).reshape(-1)[0]) == FAIL_VALUE:
            raise ValueError(f"refusing value {FAIL_VALUE}")
        cc.outputs[0].add(value)


@register_calculator("TestServerDelayUntilNextCalculator")
class DelayUntilNextCalculator(Calculator):
    """Emits each packet only when the next one arrives (the last one on close)."""

    IN = Input("")
    OUT = Output("")

    def open(self, cc: CalculatorContext) -> None:
        self.held: tuple[object, int] | None = None

    def process(self, cc: CalculatorContext) -> None:
        if self.held is not None:
            cc.outputs[0].add(*self.held)
        self.held = (cc.inputs[0].value, cc.input_timestamp)

    def close(self, cc: CalculatorContext) -> None:
        if self.held is not None:
            cc.outputs[0].add(*self.held)


@register_calculator("TestServerSideLabelCalculator")
class SideLabelCalculator(Calculator):
    """Emits "<LABEL>:<COUNT>:<n-th packet>" per input; COUNT must be an int side packet."""

    IN = Input("")
    OUT = Output("")
    LABEL = InputSidePacket("LABEL")
    COUNT = InputSidePacket("COUNT", optional=True)

    def open(self, cc: CalculatorContext) -> None:
        self.label = cc.input_side_packets["LABEL"]
        count = cc.input_side_packets.get("COUNT", 0)
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"COUNT must be an int, got {count!r}")
        self.count = count

    def process(self, cc: CalculatorContext) -> None:
        self.count += 1
        cc.outputs[0].add(f"{self.label}:{self.count}")


@register_calculator("TestServerSlowCalculator")
class SlowCalculator(Calculator):
    """Passes packets through after sleeping 50 ms each (a graph that falls behind)."""

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(0.05)
        cc.outputs[0].add(np.asarray(cc.inputs[0].value.shape, np.int64))


@register_calculator("TestServerBurstCalculator")
class BurstCalculator(Calculator):
    """One [count, size] INT tensor in, ``count`` BYTES packets of ``size`` bytes out (at
    successive timestamps), each starting with its index as 8 digits."""

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        count, size = (int(v) for v in np.asarray(cc.inputs[0].value).reshape(-1)[:2])
        for i in range(count):
            packet = np.empty(1, dtype=object)
            packet[0] = f"{i:08d}".encode().ljust(size, b".")
            cc.outputs[0].add(packet, cc.input_timestamp + i)


@register_calculator("TestServerPidCalculator")
class PidCalculator(Calculator):
    """Answers every packet with the serving process's pid (which worker ran the stream)."""

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        cc.outputs[0].add(np.array([os.getpid()], np.int64))


@register_calculator("TestServerRequestEchoCalculator")
class RequestEchoCalculator(Calculator):
    """REQUEST -> RESPONSE: answers with the request's input names as a BYTES tensor."""

    REQUEST = Input("REQUEST")
    RESPONSE = Output("RESPONSE")

    def process(self, cc: CalculatorContext) -> None:
        request: InferRequest = cc.inputs["REQUEST"].value
        names = np.array([i.name.encode() for i in request.inputs], dtype=object)
        response = InferResponse(request.model_name, "1", [OutputTensor("names", "BYTES", names)])
        cc.outputs["RESPONSE"].add(response)


@register_calculator("TestServerRequestParametersCalculator")
class RequestParametersCalculator(Calculator):
    """REQUEST -> RESPONSE: answers with the request's parameters as "name=value" BYTES."""

    REQUEST = Input("REQUEST")
    RESPONSE = Output("RESPONSE")

    def process(self, cc: CalculatorContext) -> None:
        request: InferRequest = cc.inputs["REQUEST"].value
        pairs = sorted(f"{k}={v}".encode() for k, v in request.parameters.items())
        response = InferResponse(
            request.model_name, "1", [OutputTensor("parameters", "BYTES", np.array(pairs, object))]
        )
        cc.outputs["RESPONSE"].add(response)


@register_calculator("TestServerBrightBoxCalculator")
class BrightBoxCalculator(Calculator):
    """Tracks the non-black part of an HWC image as ``[[1, x, y, w, h, 1]]`` (FP32, normalized).

    An all-black image gets no packet (no track). Ports: "" image in, "" tracks out.
    """

    IN = Input("")
    OUT = Output("")

    def process(self, cc: CalculatorContext) -> None:
        image = np.asarray(cc.inputs[0].value)
        rows, cols = np.nonzero(image.reshape(*image.shape[:2], -1).any(axis=2))
        if rows.size == 0:
            return
        height, width = image.shape[:2]
        x, y = cols.min(), rows.min()
        w, h = cols.max() + 1 - x, rows.max() + 1 - y
        cc.outputs[0].add(
            np.array([[1, x / width, y / height, w / width, h / height, 1]], np.float32)
        )
