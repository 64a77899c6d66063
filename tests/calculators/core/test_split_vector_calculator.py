"""SplitVectorCalculator family: ranges, element_only and combine_outputs on lists and landmarks."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.calculators.formats import Detection, NormalizedLandmarkList
from pipeserve.errors import GraphConfigError, NodeError

LANDMARKS = NormalizedLandmarkList(np.arange(35, dtype=np.float32).reshape(7, 5))


def split(name: str, outputs: int, options: str) -> str:
    outs = " ".join(f'output_stream: "o{i}"' for i in range(outputs))
    return (
        f'calculator: "{name}" input_stream: "in" {outs} '
        f"options {{ [mediapipe.SplitVectorCalculatorOptions.ext] {{ {options} }} }}"
    )


def test_landmark_lists_split_into_landmark_lists():
    node = split(
        "SplitNormalizedLandmarkListCalculator",
        2,
        "ranges { begin: 0 end: 2 } ranges { begin: 5 end: 7 }",
    )
    out = run_node(node, {"in": [(LANDMARKS, 3)]})
    (ts, first), (_, second) = out["o0"][0], out["o1"][0]
    assert ts == 3 and isinstance(first, NormalizedLandmarkList)
    np.testing.assert_array_equal(first.data, LANDMARKS.data[0:2])
    np.testing.assert_array_equal(second.data, LANDMARKS.data[5:7])


def test_element_only_gives_one_landmark_row():
    node = split("SplitLandmarkListCalculator", 1, "ranges { begin: 4 end: 5 } element_only: true")
    (_, row) = run_node(node, {"in": [(LANDMARKS, 0)]})["o0"][0]
    np.testing.assert_array_equal(row, LANDMARKS.data[4])


def test_combine_outputs_concatenates_ranges_in_order():
    node = split("SplitNormalizedLandmarkListCalculator", 1,
                 "ranges { begin: 5 end: 6 } ranges { begin: 0 end: 2 } combine_outputs: true")  # fmt: skip
    (_, combined) = run_node(node, {"in": [(LANDMARKS, 0)]})["o0"][0]
    np.testing.assert_array_equal(combined.data, LANDMARKS.data[[5, 0, 1]])


def test_tensor_and_detection_vectors_split_as_lists():
    tensors = [np.zeros((1, 195)), np.ones((1, 1)), np.full((1, 4), 2.0)]
    node = split(
        "SplitTensorVectorCalculator", 2, "ranges { begin: 0 end: 1 } ranges { begin: 1 end: 3 }"
    )
    out = run_node(node, {"in": [(tensors, 0)]})
    assert out["o0"][0][1] == tensors[:1] and out["o1"][0][1] == tensors[1:]
    detections = [Detection(0, 0, 1, 1, 0.9), Detection(0, 0, 1, 1, 0.8)]
    first = split(
        "SplitDetectionVectorCalculator", 1, "ranges { begin: 0 end: 1 } element_only: true"
    )
    assert run_node(first, {"in": [(detections, 0)]})["o0"] == [(0, detections[0])]


def test_input_shorter_than_the_ranges_is_a_node_error():
    node = split("SplitTensorVectorCalculator", 1, "ranges { begin: 0 end: 3 }")
    with pytest.raises(NodeError, match="2 elements, ranges need 3"):
        run_node(node, {"in": [([np.zeros(1), np.zeros(1)], 0)]})


@pytest.mark.parametrize(
    ("outputs", "options", "reason"),
    [
        (2, "ranges { begin: 0 end: 1 }", "1 ranges"),
        (1, "ranges { begin: 2 end: 2 }", "bad range"),
        (1, "ranges { begin: 0 end: 2 } element_only: true", "size 1"),
        (2, "ranges { begin: 0 end: 1 } combine_outputs: true", "exactly one output"),
        (
            1,
            "ranges { begin: 0 end: 3 } ranges { begin: 2 end: 4 } combine_outputs: true",
            "overlap",
        ),
    ],
)
def test_bad_configs_are_rejected(outputs, options, reason):
    with pytest.raises(GraphConfigError, match=reason):
        run_node(split("SplitTensorVectorCalculator", outputs, options), {})
