"""SsdAnchorsCalculator: SSD anchors as an output side packet, computed once in open().

Ports:
    (output side packet, untagged) - np.ndarray float32 [N, 4] (x_center, y_center, w, h)

Options: ``mediapipe.SsdAnchorsCalculatorOptions``.

Example::

    node {
      calculator: "SsdAnchorsCalculator"
      output_side_packet: "anchors"
      options: { [mediapipe.SsdAnchorsCalculatorOptions.ext] {
        num_layers: 4 min_scale: 0.1484375 max_scale: 0.75
        input_size_height: 128 input_size_width: 128
        anchor_offset_x: 0.5 anchor_offset_y: 0.5
        strides: 8 strides: 16 strides: 16 strides: 16
        aspect_ratios: 1.0 fixed_anchor_size: true } }
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.graphs import (
    STOP,
    Calculator,
    CalculatorContext,
    OutputSidePacket,
    ProcessResult,
    register_calculator,
)

from .anchors import SsdAnchorsOptions, generate_anchors


@register_calculator("SsdAnchorsCalculator")
class SsdAnchorsCalculator(Calculator):
    ANCHORS = OutputSidePacket[np.ndarray]("")
    options_type = SsdAnchorsOptions
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        cc.output_side_packets.set(0, generate_anchors(cc.options))

    def process(self, cc: CalculatorContext) -> ProcessResult:
        return STOP
