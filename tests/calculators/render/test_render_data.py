"""Render data primitives draw where their normalized coordinates say, and nowhere else."""

from __future__ import annotations

import math

import mediapipe as mp
import numpy as np
import pytest

from pipeserve.calculators.formats import NormalizedLandmarkList, NormalizedRect
from pipeserve.calculators.render.render_data import (
    Lines,
    Points,
    Rect,
    RenderData,
    landmarks_to_render_data,
)
from pipeserve.calculators.render.topology import HAND_CONNECTIONS, POSE_CONNECTIONS

RED = (255, 0, 0)
GREEN = (0, 255, 0)


def blank(width: int = 200, height: int = 100) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)


def edges(pairs: np.ndarray | frozenset) -> set[frozenset[int]]:
    return {frozenset(map(int, pair)) for pair in pairs}


def test_topologies_match_mediapipe_solutions():
    assert edges(POSE_CONNECTIONS) == edges(mp.solutions.holistic.POSE_CONNECTIONS)
    assert edges(HAND_CONNECTIONS) == edges(mp.solutions.holistic.HAND_CONNECTIONS)
    assert len(POSE_CONNECTIONS) == len(edges(POSE_CONNECTIONS)) == 35
    assert len(HAND_CONNECTIONS) == len(edges(HAND_CONNECTIONS)) == 21


def test_points_are_drawn_at_normalized_positions_scaled_by_width_and_height():
    canvas = blank()
    Points(np.array([[0.25, 0.5], [0.9, 0.1]]), RED, radius=3).draw(canvas)
    assert tuple(canvas[50, 50]) == RED
    assert tuple(canvas[10, 180]) == RED
    assert tuple(canvas[50, 150]) == (0, 0, 0)
    drawn = np.argwhere(canvas.any(axis=2))
    assert drawn[:, 1].min() >= 46 and drawn[:, 1].max() <= 184  # within the two dots


def test_lines_join_their_endpoints():
    canvas = blank()
    Lines(np.array([[[0.1, 0.2], [0.9, 0.2]]]), GREEN, thickness=2).draw(canvas)
    row = canvas[20]
    assert all(tuple(row[x]) == GREEN for x in range(30, 170))
    assert not canvas[40:].any()


def test_empty_primitives_draw_nothing():
    canvas = blank()
    RenderData((Lines(np.zeros((0, 2, 2)), GREEN), Points(np.zeros((0, 2)), RED))).draw(canvas)
    assert not canvas.any()


@pytest.mark.parametrize(
    ("rotation", "on_outline", "off_outline"),
    [
        (0.0, [(25, 100), (50, 40), (75, 100)], [(50, 100), (50, 75)]),  # 120 x 50, wide
        (math.pi / 2, [(50, 75), (50, 125)], [(50, 100), (25, 100), (50, 40)]),  # 50 x 120
    ],
)
def test_rect_outline_follows_the_rotation_in_pixel_space(rotation, on_outline, off_outline):
    canvas = blank()
    rect = NormalizedRect(0.5, 0.5, 0.6, 0.5, rotation)  # 120 x 50 px on a 200 x 100 frame
    Rect(rect, RED, thickness=1).draw(canvas)
    for y, x in on_outline:
        assert canvas[y - 1 : y + 2, x - 1 : x + 2].any(), (y, x)
    for y, x in off_outline:
        assert not canvas[y - 2 : y + 3, x - 2 : x + 3].any(), (y, x)


def landmarks(xy: list[tuple[float, float]], visibility: list[float]) -> NormalizedLandmarkList:
    data = np.zeros((len(xy), 5), np.float32)
    data[:, :2] = xy
    data[:, 3] = visibility
    return NormalizedLandmarkList(data)


def test_landmarks_below_min_visibility_and_their_connections_are_left_out():
    marks = landmarks([(0.1, 0.1), (0.5, 0.5), (0.9, 0.9)], [0.9, 0.2, 0.9])
    pairs = np.array([[0, 1], [1, 2], [0, 2]], np.int32)
    render = landmarks_to_render_data(marks, pairs, RED, GREEN, 2, min_visibility=0.5)
    lines, points = render.annotations
    assert isinstance(lines, Lines) and isinstance(points, Points)
    np.testing.assert_allclose(lines.segments, [[[0.1, 0.1], [0.9, 0.9]]], atol=1e-6)
    np.testing.assert_allclose(points.xy, [[0.1, 0.1], [0.9, 0.9]], atol=1e-6)
    everything = landmarks_to_render_data(marks, pairs, RED, GREEN, 2)
    assert len(everything.annotations[0].segments) == 3
    assert len(everything.annotations[1].xy) == 3


def test_nothing_visible_gives_empty_render_data():
    marks = landmarks([(0.1, 0.1), (0.5, 0.5)], [0.0, 0.0])
    render = landmarks_to_render_data(marks, np.array([[0, 1]]), RED, GREEN, 1, min_visibility=0.5)
    assert len(render) == 0


def test_positive_rotation_turns_the_rect_x_axis_towards_image_down():
    canvas = blank()
    Rect(NormalizedRect(0.5, 0.5, 0.8, 0.02, 0.3), RED, thickness=1).draw(canvas)
    right_end = (round(50 + 80 * math.sin(0.3)), round(100 + 80 * math.cos(0.3)))  # (y, x)
    mirrored = (round(50 - 80 * math.sin(0.3)), right_end[1])
    assert canvas[right_end[0] - 2 : right_end[0] + 3, right_end[1] - 2 : right_end[1] + 3].any()
    assert not canvas[mirrored[0] - 2 : mirrored[0] + 3, mirrored[1] - 2 : mirrored[1] + 3].any()
