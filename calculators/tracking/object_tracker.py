"""ObjectTrackerCalculator: keeps object IDs across a stream's frames.

Each graph instance (one per client stream) owns one ``ObjectTracker``: IDs start at 1
and are never shared with other streams. Every frame with an image advances the tracker
by one step (ages are frame counts, so automatic and microsecond timestamps behave the
same); a frame without detections still ages the tracks. See ``tracker.py`` for the
algorithm and ``proto/tracking_calculators.proto`` for the options.

Inputs:
    IMAGE - np.ndarray HWC uint8 RGB: the frame (appearance for re-identification)
    DETECTIONS - list[Detection]: relative boxes of this frame (absent = none)
Outputs:
    TRACKED_DETECTIONS - np.ndarray float32 [N, 6]: track_id, xmin, ymin, width, height,
        score (relative box), one row per confirmed track seen in this frame, by ID

Example::

    node {
      calculator: "ObjectTrackerCalculator"
      input_stream: "IMAGE:image"
      input_stream: "DETECTIONS:detections"
      output_stream: "TRACKED_DETECTIONS:tracked_detections"
      options { [pipeserve.ObjectTrackerCalculatorOptions.ext] { reid_similarity: 0.8 } }
    }
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator
from pipeserve.proto.tracking_calculators_pb2 import ObjectTrackerCalculatorOptions

from .tracker import ObjectTracker, TrackedObject, TrackerConfig


def config_from_options(options: ObjectTrackerCalculatorOptions) -> TrackerConfig:
    """The tracker configuration of a node's options (proto defaults = dataclass defaults)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(TrackerConfig):
        value = getattr(options, f.name)
        values[f.name] = round(value, 6) if isinstance(value, float) else value
    return TrackerConfig(**values)


def tracked_to_tensor(objects: list[TrackedObject], width: int, height: int) -> np.ndarray:
    """Tracked objects (pixel boxes) as float32 ``[N, 6]`` rows with relative boxes."""
    result = np.zeros((len(objects), 6), np.float32)
    scale = np.array([width, height, width, height], np.float64)
    for row, obj in zip(result, objects, strict=True):
        row[0] = obj.track_id
        row[1:5] = obj.box / scale
        row[5] = obj.score
    return result


@register_calculator("ObjectTrackerCalculator")
class ObjectTrackerCalculator(Calculator):
    """Tracks detections across frames (see module docstring)."""

    IMAGE = Input[np.ndarray]("IMAGE")
    DETECTIONS = Input[list[Detection]]("DETECTIONS", optional=True)
    TRACKED = Output[np.ndarray]("TRACKED_DETECTIONS")
    options_type = ObjectTrackerCalculatorOptions
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.tracker = ObjectTracker(config_from_options(cc.options))

    def process(self, cc: CalculatorContext) -> None:
        image = cc.inputs["IMAGE"]
        if image.is_empty:
            return
        height, width = image.value.shape[:2]
        packet = cc.inputs.get("DETECTIONS")
        detections: list[Detection] = [] if packet.is_empty else packet.value
        boxes = np.array([[d.xmin, d.ymin, d.width, d.height] for d in detections], np.float64)
        boxes = boxes.reshape(-1, 4) * np.array([width, height, width, height])
        scores = np.array([d.score for d in detections], np.float64)
        objects = self.tracker.update(image.value, boxes, scores)
        cc.outputs["TRACKED_DETECTIONS"].add(tracked_to_tensor(objects, width, height))
