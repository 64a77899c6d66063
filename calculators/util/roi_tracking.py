"""RoiTrackingCalculator: keep the ROI from the previous landmarks, or take the fresh one.

The previous-landmarks rect is kept when every configured check passes against the
recrop rect (pixel space, rotated by -recrop.rotation): rotation, translation and scale
deltas, all previous landmarks strictly inside the recrop rect grown by (1 + margin), and
IoU (as in MediaPipe, its rects are anchored at their centres and disjoint rects pass).
No RECROP_RECT → nothing; no PREV_LANDMARKS_RECT → RECROP_RECT.

Ports:
    PREV_LANDMARKS - NormalizedLandmarkList
    PREV_LANDMARKS_RECT - NormalizedRect
    RECROP_RECT - NormalizedRect
    IMAGE_SIZE - tuple[int, int] (width, height)
    TRACKING_RECT - NormalizedRect (one of the input packets, re-emitted as is)

Options: ``mediapipe.RoiTrackingCalculatorOptions``.

Example::

    node {
      calculator: "RoiTrackingCalculator"
      input_stream: "PREV_LANDMARKS:prev_hand_landmarks"
      input_stream: "PREV_LANDMARKS_RECT:prev_hand_landmarks_roi"
      input_stream: "RECROP_RECT:hand_roi_from_recrop"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "TRACKING_RECT:hand_tracking_roi"
      options: { [mediapipe.RoiTrackingCalculatorOptions.ext] {
        rect_requirements: { rotation_degrees: 40.0 translation: 0.2 scale: 0.4 }
        landmarks_requirements: { recrop_rect_margin: -0.1 } } }
    }
"""

from __future__ import annotations

from mediapipe.modules.holistic_landmark.calculators import roi_tracking_calculator_pb2

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .roi_checks import iou_ok, landmarks_ok, rect_ok

Options = roi_tracking_calculator_pb2.RoiTrackingCalculatorOptions


@register_calculator("RoiTrackingCalculator")
class RoiTrackingCalculator(Calculator):
    PREV_LANDMARKS = Input[NormalizedLandmarkList]("PREV_LANDMARKS")
    PREV_LANDMARKS_RECT = Input[NormalizedRect]("PREV_LANDMARKS_RECT")
    RECROP_RECT = Input[NormalizedRect]("RECROP_RECT")
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE")
    TRACKING_RECT = Output[NormalizedRect]("TRACKING_RECT")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.min_iou = (
            options.iou_requirements.min_iou if options.HasField("iou_requirements") else None
        )
        self.rect_limits = (
            options.rect_requirements if options.HasField("rect_requirements") else None
        )
        self.margin = (
            options.landmarks_requirements.recrop_rect_margin
            if options.HasField("landmarks_requirements")
            else None
        )

    def process(self, cc: CalculatorContext) -> None:
        recrop_packet = cc.inputs["RECROP_RECT"]
        if recrop_packet.is_empty:
            return
        prev_packet = cc.inputs["PREV_LANDMARKS_RECT"]
        if prev_packet.is_empty:
            cc.outputs["TRACKING_RECT"].add_packet(recrop_packet)
            return
        prev, recrop = prev_packet.value, recrop_packet.value
        size = tuple(cc.inputs["IMAGE_SIZE"].value)
        keep = (
            (self.min_iou is None or iou_ok(prev, recrop, size, self.min_iou))
            and (self.rect_limits is None or rect_ok(prev, recrop, size, self.rect_limits))
            and (
                self.margin is None
                or landmarks_ok(cc.inputs["PREV_LANDMARKS"].value.data, recrop, size, self.margin)
            )
        )
        cc.outputs["TRACKING_RECT"].add_packet(prev_packet if keep else recrop_packet)
