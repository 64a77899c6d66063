"""VisibilitySmoothingCalculator (stateful): low-pass filter on landmark visibility.

Per landmark: the first visibility passes, then ``alpha v + (1 - alpha) prev``
(no time dependence). Reset when the node runs without a landmark packet.

Ports:
    NORM_LANDMARKS - NormalizedLandmarkList, or LANDMARKS - LandmarkList (exactly one)
    NORM_FILTERED_LANDMARKS / FILTERED_LANDMARKS - same type as the input

Options: ``mediapipe.VisibilitySmoothingCalculatorOptions`` (no_filter, low_pass_filter).

Example::

    node {
      calculator: "VisibilitySmoothingCalculator"
      input_stream: "NORM_LANDMARKS:landmarks"
      output_stream: "NORM_FILTERED_LANDMARKS:landmarks_visibility_filtered"
      options: { [mediapipe.VisibilitySmoothingCalculatorOptions.ext] {
        low_pass_filter { alpha: 0.1 } } }
    }
"""

from __future__ import annotations

from mediapipe.calculators.util import visibility_smoothing_calculator_pb2

from pipeserve.graphs import CalculatorContext, register_calculator

from .filters import LowPass
from .smoothing_ports import LandmarkFilterCalculator

Options = visibility_smoothing_calculator_pb2.VisibilitySmoothingCalculatorOptions


@register_calculator("VisibilitySmoothingCalculator")
class VisibilitySmoothingCalculator(LandmarkFilterCalculator):
    options_type = Options

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        kind = options.WhichOneof("filter_options")
        if kind not in ("no_filter", "low_pass_filter"):
            raise ValueError("visibility filter is either not specified or not supported")
        self.alpha = options.low_pass_filter.alpha if kind == "low_pass_filter" else None
        self.low_pass = LowPass()
        self.tags = self.port_tags(cc.inputs.has("NORM_LANDMARKS"))

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[self.tags[0]]
        if packet.is_empty:
            self.low_pass = LowPass()
            return
        if self.alpha is None:
            cc.outputs[self.tags[1]].add_packet(packet)
            return
        data = packet.value.data.copy()
        data[:, 3] = self.low_pass.apply(data[:, 3], self.alpha)
        cc.outputs[self.tags[1]].add(type(packet.value)(data))
