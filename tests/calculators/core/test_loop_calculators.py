"""BeginLoop/EndLoop calculators: iterate a list at loop timestamps, collect at the original one."""

from __future__ import annotations

import pytest
from core_helpers import run_node

from pipeserve.calculators.formats import NormalizedRect
from pipeserve.graphs import find_calculator
from pipeserve.graphs.testing import run_graph

RECTS = [NormalizedRect(0.5, 0.5, 0.1, 0.1), NormalizedRect(0.2, 0.3, 0.4, 0.4)]

LOOP = (
    'input_stream: "rects" input_stream: "image" output_stream: "out" output_stream: "images" '
    'node { calculator: "BeginLoopNormalizedRectCalculator" input_stream: "ITERABLE:rects" '
    'input_stream: "CLONE:image" output_stream: "ITEM:rect" output_stream: "CLONE:image_i" '
    'output_stream: "BATCH_END:end" } '
    'node { calculator: "PassThroughCalculator" input_stream: "image_i" output_stream: "images" } '
    'node { calculator: "EndLoopNormalizedRectCalculator" input_stream: "ITEM:rect" '
    'input_stream: "BATCH_END:end" output_stream: "ITERABLE:out" }'
)


def test_items_use_loop_timestamps_and_batch_end_carries_the_input_timestamp():
    node = (
        'calculator: "BeginLoopNormalizedRectCalculator" input_stream: "ITERABLE:rects" '
        'output_stream: "ITEM:item" output_stream: "BATCH_END:end"'
    )
    out = run_node(node, {"rects": [(RECTS, 100), ([], 200), (RECTS[:1], 300)]})
    assert out["item"] == [(0, RECTS[0]), (1, RECTS[1]), (3, RECTS[0])]
    assert out["end"] == [(1, 100), (2, 200), (3, 300)]


def test_end_loop_collects_items_at_the_original_timestamp_and_skips_empty_batches():
    out = run_graph(
        LOOP,
        {
            "rects": [(RECTS, 100), ([], 200), (RECTS[:1], 300)],
            "image": [("img", 100), ("img3", 300)],
        },
    )
    assert [(p.timestamp, p.value) for p in out["out"]] == [(100, RECTS), (300, RECTS[:1])]


def test_clone_inputs_are_repeated_at_every_loop_timestamp():
    out = run_graph(LOOP, {"rects": [(RECTS, 100)], "image": [("img", 100)]})
    assert [(p.timestamp, p.value) for p in out["images"]] == [(0, "img"), (1, "img")]


@pytest.mark.parametrize(
    "name",
    [
        "BeginLoopNormalizedRectCalculator", "BeginLoopDetectionCalculator",
        "BeginLoopNormalizedLandmarkListVectorCalculator", "BeginLoopTensorCalculator",
        "EndLoopNormalizedLandmarkListVectorCalculator", "EndLoopNormalizedRectCalculator",
        "EndLoopDetectionCalculator", "EndLoopLandmarkListVectorCalculator",
        "EndLoopTensorCalculator", "EndLoopImageSizeCalculator",
    ],
)  # fmt: skip
def test_registered_under_mediapipe_names(name):
    assert find_calculator(name) is not None
