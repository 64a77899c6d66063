"""AnnotationOverlayCalculator draws on a copy: the input frame never changes."""

from __future__ import annotations

import numpy as np
import pytest

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.calculators.render.render_data import Lines, Points, RenderData
from pipeserve.graphs.testing import CalculatorRunner, run_graph

NODE = """
calculator: "AnnotationOverlayCalculator"
input_stream: "IMAGE:frame"
input_stream: "VECTOR:render_data_vector"
output_stream: "IMAGE:output"
"""
RED = (255, 0, 0)
DOT = RenderData((Points(np.array([[0.5, 0.25]]), RED, radius=4),))
BAR = RenderData((Lines(np.array([[[0.1, 0.75], [0.9, 0.75]]]), (0, 0, 255), thickness=3),))


@pytest.fixture(scope="module")
def runner() -> CalculatorRunner:
    return CalculatorRunner(NODE)


def test_render_data_is_drawn_on_a_copy_and_the_input_frame_is_untouched(runner, astronaut):
    frame = astronaut.copy()
    outputs = runner.run({"frame": [(frame, 0)], "render_data_vector": [([DOT, BAR], 0)]})
    [packet] = outputs["output"]
    out = packet.value
    np.testing.assert_array_equal(frame, astronaut)
    assert out is not frame and out.shape == frame.shape and out.dtype == np.uint8
    assert tuple(out[128, 256]) == RED  # the dot: x 0.5, y 0.25 of 512 x 512
    assert tuple(out[384, 256]) == (0, 0, 255)  # the bar at y 0.75
    changed = np.argwhere((out != astronaut).any(axis=2))
    assert set(np.unique(changed[:, 0])) <= set(range(122, 135)) | set(range(380, 389))


def test_a_frame_without_render_data_comes_out_unchanged(runner, grace_hopper):
    outputs = runner.run(
        {"frame": [(grace_hopper, 3), (grace_hopper, 7)], "render_data_vector": [([DOT], 7)]}
    )
    first, second = outputs["output"]
    assert first.timestamp == 3
    np.testing.assert_array_equal(first.value, grace_hopper)
    assert (second.value != grace_hopper).any()


def test_render_data_without_a_frame_gives_no_output(runner, astronaut):
    outputs = runner.run(
        {"frame": [(astronaut, 2)], "render_data_vector": [([DOT], 1), ([DOT], 2)]}
    )
    assert [p.timestamp for p in outputs["output"]] == [2]


@pytest.mark.parametrize("channels", [1, 4])
def test_grey_and_rgba_frames_come_out_rgb(channels, astronaut):
    grey = astronaut[..., :1].copy()
    frame = (
        grey
        if channels == 1
        else np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    )
    outputs = CalculatorRunner(NODE).run(
        {"frame": [(frame, 0)], "render_data_vector": [([DOT], 0)]}
    )
    out = outputs["output"][0].value
    assert out.shape == (512, 512, 3)
    assert tuple(out[128, 256]) == RED
    expected = np.repeat(grey, 3, axis=2) if channels == 1 else astronaut
    assert tuple(out[10, 10]) == tuple(expected[10, 10])


def test_holistic_render_graph_draws_landmarks_over_the_frame(astronaut):
    graph = """
    input_stream: "IMAGE:frame"
    input_stream: "POSE_LANDMARKS:pose"
    output_stream: "IMAGE:output"
    node {
      calculator: "ImagePropertiesCalculator"
      input_stream: "IMAGE:frame"
      output_stream: "SIZE:image_size"
    }
    node {
      calculator: "HolisticTrackingToRenderData"
      input_stream: "IMAGE_SIZE:image_size"
      input_stream: "POSE_LANDMARKS:pose"
      output_stream: "RENDER_DATA_VECTOR:render_data_vector"
    }
    node {
      calculator: "AnnotationOverlayCalculator"
      input_stream: "IMAGE:frame"
      input_stream: "VECTOR:render_data_vector"
      output_stream: "IMAGE:output"
    }
    """
    pose = np.zeros((33, 5), np.float32)
    pose[:, :2] = np.linspace(0.2, 0.8, 33)[:, None]  # a diagonal skeleton
    pose[:, 3] = 1.0
    outputs = run_graph(
        graph,
        {
            "frame": [(astronaut, 0), (astronaut, 33333)],
            "pose": [(NormalizedLandmarkList(pose), 33333)],
        },
    )
    plain, drawn = (p.value for p in outputs["output"])
    np.testing.assert_array_equal(plain, astronaut)
    x, y = (pose[16, :2] * 512).round().astype(int)
    assert tuple(drawn[y, x]) != tuple(astronaut[y, x])
    assert (drawn[:40] == astronaut[:40]).all()  # nothing above y 0.2 - dot radius
