"""ThresholdingCalculator: compares a float with a threshold (strictly greater accepts)."""

from __future__ import annotations

from mediapipe.calculators.util.thresholding_calculator_pb2 import ThresholdingCalculatorOptions

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


@register_calculator("ThresholdingCalculator")
class ThresholdingCalculator(Calculator):
    """Accepts FLOAT when it is strictly greater than the threshold.

    FLAG gets the decision at every FLOAT packet; ACCEPT gets True only when accepted,
    REJECT gets False only when rejected. The threshold is the ``threshold`` option,
    overridden by the THRESHOLD side packet, or by the latest THRESHOLD stream packet
    (MediaPipe rejects an option together with either). Scalars may be 1-element arrays.
    A THRESHOLD packet without a FLOAT only updates the threshold.

    Ports: FLOAT - float; THRESHOLD - float (stream or side packet);
    FLAG - bool; ACCEPT - bool; REJECT - bool.

    Example::

        node {
          calculator: "ThresholdingCalculator"
          input_stream: "FLOAT:pose_presence_score"
          output_stream: "FLAG:pose_presence"
          options: { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: 0.5 } }
        }
    """

    FLOAT = Input[Scalar]("FLOAT")
    THRESHOLD = Input[Scalar]("THRESHOLD", optional=True)
    THRESHOLD_SIDE = InputSidePacket[Scalar]("THRESHOLD", optional=True)
    FLAG = Output[bool]("FLAG", optional=True)
    ACCEPT = Output[bool]("ACCEPT", optional=True)
    REJECT = Output[bool]("REJECT", optional=True)
    options_type = ThresholdingCalculatorOptions
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if "THRESHOLD" in cc.inputs and "THRESHOLD" in cc.input_side_packets:
            raise cc.fail("give THRESHOLD as a stream or as a side packet, not both")

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = float(cc.options.threshold)
        if cc.input_side_packets.has("THRESHOLD"):
            self.threshold = as_scalar(cc.input_side_packets["THRESHOLD"], float)
        self.outputs = [
            (tag, cc.outputs[tag]) for tag in ("FLAG", "ACCEPT", "REJECT") if cc.outputs.has(tag)
        ]

    def process(self, cc: CalculatorContext) -> None:
        threshold = cc.inputs.get("THRESHOLD")
        if not threshold.is_empty:
            self.threshold = as_scalar(threshold.value, float)
        packet = cc.inputs["FLOAT"]
        if packet.is_empty:
            return
        accept = as_scalar(packet.value, float) > self.threshold
        for tag, out in self.outputs:
            if tag == "FLAG" or (tag == "ACCEPT") == accept:
                out.add(accept)
