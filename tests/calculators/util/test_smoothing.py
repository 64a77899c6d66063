"""LandmarksSmoothing and VisibilitySmoothing: frame sequences against MediaPipe's own."""

from __future__ import annotations

import numpy as np
import pytest
from mp_oracle import (
    IMAGE_SIZE_NODE,
    image_size_packet,
    landmarks_from_proto,
    landmarks_to_proto,
    proto,
    rect_to_proto,
    run_mediapipe,
)

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs.testing import run_graph

WIDTH, HEIGHT = 512, 600
FRAMES = 24
MISSING = {9, 10, 17}  # no landmarks: the smoother resets (tracking lost)


def moving_landmarks(ts_index: int, count: int = 33) -> np.ndarray:
    """A cloud drifting and jumping (frame 6) with per-landmark noise."""
    rng = np.random.default_rng(ts_index)
    base = np.random.default_rng(99).uniform(0.3, 0.7, (count, 5)).astype(np.float32)
    shift = 0.004 * ts_index + (0.05 if ts_index >= 6 else 0.0)
    data = base.copy()
    data[:, :3] += shift + rng.normal(0, 0.002, (count, 3)).astype(np.float32)
    data[:, 3] = rng.uniform(0, 1, count)
    return data


def run_both(node: str, world: bool, step_us: int, with_roi: bool) -> tuple[list, list]:
    kind = LandmarkList if world else NormalizedLandmarkList
    ours_in: dict = {"image_size": [], "lms": [], "roi": []}
    mp_in: dict = {"frame": [], "lms": [], "roi": []}
    for index in range(FRAMES):
        ts = index * step_us
        ours_in["image_size"].append(((WIDTH, HEIGHT), ts))
        mp_in["frame"].append((image_size_packet(WIDTH, HEIGHT), ts))
        if index in MISSING:
            continue
        lms = kind(moving_landmarks(index))
        ours_in["lms"].append((lms, ts))
        mp_in["lms"].append((proto(landmarks_to_proto(lms)), ts))
        roi = NormalizedRect(0.5, 0.5, 0.4 + 0.01 * index, 0.3, 0.1)
        ours_in["roi"].append((roi, ts))
        mp_in["roi"].append((proto(rect_to_proto(roi)), ts))
    if not with_roi:
        del ours_in["roi"], mp_in["roi"]
    if world:
        del ours_in["image_size"], mp_in["frame"]
    expected = run_mediapipe(("" if world else IMAGE_SIZE_NODE) + node, mp_in, ["out"])["out"]
    declared = "".join(f'input_stream: "{name}" ' for name in ours_in)
    ours = run_graph(declared + 'output_stream: "out"' + node, ours_in)["out"]
    return ours, expected


def smoothing_node(filter_options: str, world: bool, with_roi: bool) -> str:
    inputs = (
        'input_stream: "LANDMARKS:lms"'
        if world
        else 'input_stream: "NORM_LANDMARKS:lms" input_stream: "IMAGE_SIZE:image_size"'
    )
    if with_roi:
        inputs += ' input_stream: "OBJECT_SCALE_ROI:roi"'
    out = "FILTERED_LANDMARKS" if world else "NORM_FILTERED_LANDMARKS"
    return f"""node {{ calculator: "LandmarksSmoothingCalculator" {inputs}
      output_stream: "{out}:out" options {{ [mediapipe.LandmarksSmoothingCalculatorOptions.ext]
      {{ {filter_options} }} }} }}"""


POSE = "one_euro_filter { min_cutoff: 0.05 beta: 80.0 derivate_cutoff: 1.0 }"
AUX = "one_euro_filter { min_cutoff: 0.01 beta: 10.0 derivate_cutoff: 1.0 }"
WORLD = "one_euro_filter { min_cutoff: 0.1 beta: 40.0 derivate_cutoff: 1.0 disable_value_scaling: true }"
VELOCITY = "velocity_filter { window_size: 5 velocity_scale: 10.0 }"


@pytest.mark.parametrize(
    "filter_options, world, with_roi, step_us",
    [
        (POSE, False, True, 33333),
        (AUX, False, True, 33333),
        (POSE, False, False, 1),  # OVMS-style 1 µs steps: the filter nearly freezes
        (WORLD, True, False, 33333),
        (VELOCITY, False, False, 33333),
        ("no_filter {}", False, False, 33333),
    ],
    ids=["pose", "auxiliary", "one_us_steps", "world", "velocity", "no_filter"],
)
def test_landmark_smoothing_sequence_matches_mediapipe(filter_options, world, with_roi, step_us):
    node = smoothing_node(filter_options, world, with_roi)
    ours, expected = run_both(node, world, step_us, with_roi)
    assert [p.timestamp for p in ours] == [ts for _, ts in expected]
    assert len(ours) == FRAMES - len(MISSING)
    for packet, (value, ts) in zip(ours, expected, strict=True):
        want = landmarks_from_proto(value)
        np.testing.assert_array_equal(packet.value.data, want, err_msg=f"ts {ts}")
    raw = moving_landmarks(FRAMES - 1)[:, :2]
    if "no_filter" not in filter_options:
        assert not np.allclose(ours[-1].value.data[:, :2], raw, atol=1e-4), "filter had no effect"


def test_first_frame_after_reset_is_unfiltered():
    node = smoothing_node(POSE, False, True)
    ours, _ = run_both(node, False, 33333, True)
    by_ts = {p.timestamp: p.value.data for p in ours}
    after_gap = 11 * 33333  # frames 9 and 10 were missing
    np.testing.assert_allclose(by_ts[after_gap][:, :3], moving_landmarks(11)[:, :3], atol=1e-6)


@pytest.mark.parametrize("world", [False, True])
def test_visibility_smoothing_matches_mediapipe(world):
    tag, out = (
        ("LANDMARKS", "FILTERED_LANDMARKS")
        if world
        else ("NORM_LANDMARKS", "NORM_FILTERED_LANDMARKS")
    )
    node = f"""node {{ calculator: "VisibilitySmoothingCalculator" input_stream: "{tag}:lms"
      output_stream: "{out}:out" options {{
      [mediapipe.VisibilitySmoothingCalculatorOptions.ext] {{ low_pass_filter {{ alpha: 0.1 }} }} }} }}"""
    kind = LandmarkList if world else NormalizedLandmarkList
    frames = [kind(moving_landmarks(i)) for i in range(10)]
    expected = run_mediapipe(
        node,
        {"lms": [(proto(landmarks_to_proto(f)), i * 33333) for i, f in enumerate(frames)]},
        ["out"],
    )["out"]
    ours = run_graph(
        'input_stream: "lms" output_stream: "out"' + node,
        {"lms": [(f, i * 33333) for i, f in enumerate(frames)]},
    )["out"]
    assert len(ours) == len(expected) == 10
    for packet, (value, _) in zip(ours, expected, strict=True):
        assert isinstance(packet.value, kind)
        np.testing.assert_array_equal(packet.value.data, landmarks_from_proto(value))
    assert abs(ours[-1].value.data[0, 3] - frames[-1].data[0, 3]) > 1e-3
