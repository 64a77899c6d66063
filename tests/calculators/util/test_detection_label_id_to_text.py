"""DetectionLabelIdToTextCalculator: against the wheel's own, and from label map files."""

from __future__ import annotations

from pathlib import Path

import mediapipe as mp
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import Detection
from pipeserve.errors import PipeserveError
from pipeserve.graphs.testing import run_graph
from tests.calculators.mp_oracle import detection_vector, run_mediapipe

DETECTIONS = [Detection(0.1, 0.2, 0.3, 0.4, 0.9, label_id=i) for i in (2, 0, 7)]


def _graph(options: str) -> str:
    return f"""
    output_stream: "named"
    node {{ calculator: "DetectionLabelIdToTextCalculator" input_stream: "detections"
      output_stream: "named"
      options {{ [mediapipe.DetectionLabelIdToTextCalculatorOptions.ext] {{ {options} }} }} }}
    """


def _ours(options: str) -> list[str]:
    text = 'input_stream: "detections"' + _graph(options)
    out = run_graph(text, {"detections": [(DETECTIONS, 0)]})["named"]
    return [d.label for d in out[0].value]


@pytest.mark.parametrize(
    "options",
    [
        'label: "background" label: "cat" label: "dog"',
        'label_items { key: 7 value { name: "seven" } } label_items { key: 0 value { name: "zero" } }',
    ],
)
def test_labels_equal_mediapipes_calculator(options: str) -> None:
    node, inputs = detection_vector(DETECTIONS, 0, "detections")
    getter = mp.packet_getter.get_proto_list
    out = run_mediapipe(node + _graph(options), inputs, ["named"], getter)
    theirs = [d.label[0] if d.label else "" for d in out["named"][0][0]]
    assert _ours(options) == theirs


def test_label_map_file_names_class_i_by_line_i(tmp_path: Path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("???\nperson\nbicycle\n\n\n\n\nboat\n")
    assert _ours(f'label_map_path: "{labels}"') == ["bicycle", "???", "boat"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('label_map_path: "/no/such/labels.txt"', "cannot read label map"),
        ('label_map_path: "x.txt" label: "a"', "set only one of"),
    ],
)
def test_bad_label_maps_are_refused_at_open(options: str, message: str) -> None:
    with pytest.raises(PipeserveError, match=message):
        _ours(options)
