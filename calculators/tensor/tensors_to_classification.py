"""TensorsToClassificationCalculator: class scores of the first tensor as a ClassificationList.

Binary classification gives [score, 1 - score] for indices 0, 1; otherwise one entry per
allowed class at or above min_score_threshold. top_k keeps the k best (by score);
sort_by_descending_score sorts all. Labels come from label_items, label_map, or the
label_map_path file (one name per line; relative paths also resolve inside the
mediapipe package, e.g. mediapipe/modules/hand_landmark/handedness.txt).

Ports:
    TENSORS - list[np.ndarray]
    CLASSIFICATIONS - mediapipe ClassificationList proto

Options: ``mediapipe.TensorsToClassificationCalculatorOptions``.

Example::

    node {
      calculator: "TensorsToClassificationCalculator"
      input_stream: "TENSORS:handedness_tensor"
      output_stream: "CLASSIFICATIONS:handedness"
      options: { [mediapipe.TensorsToClassificationCalculatorOptions.ext] {
        top_k: 1 label_map_path: "mediapipe/modules/hand_landmark/handedness.txt"
        binary_classification: true } }
    }
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mediapipe
import numpy as np
from mediapipe.calculators.tensor import tensors_to_classification_calculator_pb2
from mediapipe.framework.formats import classification_pb2

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

Options = tensors_to_classification_calculator_pb2.TensorsToClassificationCalculatorOptions


def load_labels(options: Any) -> dict[int, tuple[str, str]]:
    """Index → (label, display name) from the options, or {} when none are given."""
    if options.HasField("label_map_path"):
        path = Path(options.label_map_path)
        if not path.exists():
            path = Path(mediapipe.__file__).parent.parent / options.label_map_path
        names = path.read_text().splitlines()
        return {i: (name, "") for i, name in enumerate(names)}
    if options.label_items:
        return {i: (item.name, item.display_name) for i, item in options.label_items.items()}
    return {entry.id: (entry.label, "") for entry in options.label_map.entries}


@register_calculator("TensorsToClassificationCalculator")
class TensorsToClassificationCalculator(Calculator):
    TENSORS = Input[list[np.ndarray]]("TENSORS")
    CLASSIFICATIONS = Output[classification_pb2.ClassificationList]("CLASSIFICATIONS")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        self.labels = load_labels(options)
        self.top_k = options.top_k
        self.sort = options.sort_by_descending_score
        self.binary = options.binary_classification
        self.min_score = (
            options.min_score_threshold if options.HasField("min_score_threshold") else None
        )
        self.allow = set(options.allow_classes)
        self.ignore = set(options.ignore_classes)

    def allowed(self, index: int) -> bool:
        return index in self.allow if self.allow else index not in self.ignore

    def process(self, cc: CalculatorContext) -> None:
        scores = np.asarray(cc.inputs["TENSORS"].value[0], np.float32).reshape(-1)
        if self.binary:
            entries = [(0, float(scores[0])), (1, float(1.0 - np.float64(scores[0])))]
        else:
            entries = [
                (i, float(s))
                for i, s in enumerate(scores)
                if self.allowed(i) and (self.min_score is None or s >= self.min_score)
            ]
        if self.top_k > 0 or self.sort:
            entries.sort(key=lambda entry: -entry[1])
            if self.top_k > 0:
                entries = entries[: self.top_k]
        result = classification_pb2.ClassificationList()
        for index, score in entries:
            label, display = self.labels.get(index, ("", ""))
            item = result.classification.add(index=index, score=score)
            if index in self.labels:
                item.label = label
                if display:
                    item.display_name = display
        cc.outputs["CLASSIFICATIONS"].add(result)
