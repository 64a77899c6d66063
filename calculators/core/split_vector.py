"""SplitVectorCalculator family: ranges of a list (or landmark list) to separate outputs."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
from mediapipe.calculators.core.split_vector_calculator_pb2 import SplitVectorCalculatorOptions

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

_LANDMARKS = (NormalizedLandmarkList, LandmarkList)
# Every MediaPipe instantiation shares this one implementation (element type is free).
_NAMES = (
    "SplitNormalizedLandmarkListCalculator", "SplitLandmarkListCalculator",
    "SplitTensorVectorCalculator", "SplitDetectionVectorCalculator",
    "SplitNormalizedRectVectorCalculator", "SplitLandmarkVectorCalculator",
    "SplitNormalizedLandmarkListVectorCalculator", "SplitClassificationListVectorCalculator",
    "SplitFloatVectorCalculator", "SplitUint64tVectorCalculator", "SplitImageVectorCalculator",
    "SplitMatrixVectorCalculator", "SplitAffineMatrixVectorCalculator",
)  # fmt: skip


def _overlap(ranges: list[tuple[int, int]]) -> bool:
    ordered = sorted(ranges)
    return any(a_end > b_begin for (_, a_end), (b_begin, _) in pairwise(ordered))


def _take(values: Any, begin: int, end: int) -> Any:
    """``values[begin:end]`` as the input's own type (a list, or a landmark list)."""
    if isinstance(values, _LANDMARKS):
        return type(values)(values.data[begin:end])
    return list(values[begin:end])


def _item(values: Any, index: int) -> Any:
    """One element: a list item, or one landmark as a float32 [5] row."""
    return values.data[index] if isinstance(values, _LANDMARKS) else values[index]


def _concat(values: Any, ranges: list[tuple[int, int]]) -> Any:
    if isinstance(values, _LANDMARKS):
        return type(values)(np.concatenate([values.data[b:e] for b, e in ranges]))
    return [v for b, e in ranges for v in values[b:e]]


class SplitVectorCalculator(Calculator):
    """Splits the input into ranges [begin, end), one output per range.

    Input is a list (tensors, detections, rects, ...) or a NormalizedLandmarkList /
    LandmarkList (float32 [N,5]). Each output is a list (or landmark list) of its
    range; with ``element_only`` every range has one element and the output is that
    element (a landmark is a float32 [5] row); with ``combine_outputs`` the
    non-overlapping ranges are concatenated into the single output. An input shorter
    than the largest range end is an error.

    Ports: untagged input - list or landmark list; untagged outputs - same, or element.

    Example::

        node {
          calculator: "SplitNormalizedLandmarkListCalculator"
          input_stream: "pose_landmarks"
          output_stream: "face_landmarks_from_pose"
          options: {
            [mediapipe.SplitVectorCalculatorOptions.ext] { ranges: { begin: 0 end: 11 } }
          }
        }
    """

    IN = Input[Any]("")
    OUT = Output[Any]("", multiple=True)
    options_type = SplitVectorCalculatorOptions
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        options = cc.options
        ranges = [(r.begin, r.end) for r in options.ranges]
        if options.combine_outputs:
            if len(cc.outputs) != 1:
                raise cc.fail("combine_outputs needs exactly one output stream")
            if _overlap(ranges):
                raise cc.fail("ranges must not overlap when using combine_outputs")
            return
        if len(cc.outputs) != len(ranges):
            raise cc.fail(f"{len(cc.outputs)} output streams for {len(ranges)} ranges")
        for begin, end in ranges:
            if begin < 0 or end < 0 or begin >= end:
                raise cc.fail(f"bad range [{begin}, {end}): needs 0 <= begin < end")
            if options.element_only and end - begin != 1:
                raise cc.fail(f"element_only needs ranges of size 1, got [{begin}, {end})")

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.ranges = [(r.begin, r.end) for r in options.ranges]
        self.max_end = max((end for _, end in self.ranges), default=0)
        self.element_only = options.element_only
        self.combine = options.combine_outputs

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[0]
        if packet.is_empty:
            return
        values = packet.value
        if len(values) < self.max_end:
            raise ValueError(f"input has {len(values)} elements, ranges need {self.max_end}")
        if self.combine:
            cc.outputs[0].add(_concat(values, self.ranges))
            return
        for i, (begin, end) in enumerate(self.ranges):
            value = _item(values, begin) if self.element_only else _take(values, begin, end)
            cc.outputs[i].add(value)


for _name in _NAMES:
    register_calculator(_name)(SplitVectorCalculator)
