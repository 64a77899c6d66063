"""DetectionLabelIdToTextCalculator: names each detection's class from a label map.

The label map is one of: ``label_map_path`` (a text file, one label per line, line ``i``
naming class ``i``; absolute, relative to the working directory as in OVMS, or a
``mediapipe/...`` path inside the mediapipe install), ``label`` (class ``i`` is the
``i``-th entry) or ``label_items`` (class id -> item ``name``). Detections whose class
the map does not name pass through unnamed. ``label_id`` is always kept (pipeserve
detections have one class; ``keep_label_id`` is accepted).

Ports:
    (untagged) - list[Detection]
    (untagged output) - list[Detection] with ``label`` set

Example::

    node {
      calculator: "DetectionLabelIdToTextCalculator"
      input_stream: "filtered_detections"
      output_stream: "output_detections"
      options: { [mediapipe.DetectionLabelIdToTextCalculatorOptions.ext] {
        label_map_path: "ssdlite_object_detection_labelmap.txt" } }
    }
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from mediapipe.calculators.util.detection_label_id_to_text_calculator_pb2 import (
    DetectionLabelIdToTextCalculatorOptions as Options,
)

from pipeserve.calculators.formats import Detection
from pipeserve.calculators.openvino.models import resolve_model_path
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator


def read_label_map(path: str) -> dict[int, str]:
    """Line ``i`` of the file names class ``i`` (a final empty line is ignored)."""
    resolved = resolve_model_path(path)
    try:
        text = Path(resolved).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read label map {path!r} ({resolved}): {exc.strerror}") from exc
    lines = text.split("\n")
    if lines and not lines[-1].strip():
        lines.pop()
    return {index: line.strip() for index, line in enumerate(lines)}


def label_map(options: Options) -> Mapping[int, str]:
    """The one label map the options give (they may set only one source)."""
    sources = sum(
        (options.HasField("label_map_path"), bool(options.label), bool(options.label_items))
    )
    if sources > 1:
        raise ValueError("set only one of label_map_path, label and label_items")
    if options.HasField("label_map_path"):
        return read_label_map(options.label_map_path)
    if options.label:
        return dict(enumerate(options.label))
    return {int(key): item.name for key, item in options.label_items.items()}


@register_calculator("DetectionLabelIdToTextCalculator")
class DetectionLabelIdToTextCalculator(Calculator):
    DETECTIONS = Input[list[Detection]]("")
    OUT = Output[list[Detection]]("")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.labels = label_map(cc.options)

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs[0]
        if packet.is_empty:
            return
        named = [
            dataclasses.replace(d, label=self.labels[d.label_id])
            if d.label_id in self.labels
            else d
            for d in packet.value
        ]
        cc.outputs[0].add(named)
