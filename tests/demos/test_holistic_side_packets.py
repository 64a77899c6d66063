"""holisticLandmarks side packets: defaults when absent, client-style scalars when given."""

from __future__ import annotations

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.openvino.models import WheelModels
from tests.demos.holistic_runs import moving_sequence, present, run_pipeserve


@pytest.fixture(scope="module")
def frames(astronaut: np.ndarray) -> list[np.ndarray]:
    return moving_sequence(astronaut, 3)


def test_absent_side_packets_mean_mp_solutions_defaults(frames: list[np.ndarray]) -> None:
    defaults = run_pipeserve(frames, WheelModels())
    explicit = run_pipeserve(
        frames,
        WheelModels(),
        {
            "smooth_landmarks": np.array([True]),
            "min_detection_confidence": np.array([0.5], np.float32),
            "min_tracking_confidence": np.array([0.5], np.float32),
        },
    )

    for a, b in zip(defaults.frames, explicit.frames, strict=True):
        assert present(a) == present(b) == ("pose_landmarks", "face_landmarks")
        for part in present(a):
            np.testing.assert_array_equal(a[part], b[part])


def test_smoothing_changes_tracked_frames_but_not_the_first(frames: list[np.ndarray]) -> None:
    smooth = run_pipeserve(frames, WheelModels(), {"smooth_landmarks": True})
    raw = run_pipeserve(frames, WheelModels(), {"smooth_landmarks": False})

    first = [f["pose_landmarks"] for f in (smooth.frames[0], raw.frames[0])]
    np.testing.assert_allclose(first[0], first[1], atol=1e-6)
    later = [f["pose_landmarks"] for f in (smooth.frames[2], raw.frames[2])]
    assert np.abs(later[0] - later[1])[:, :2].max() > 1e-3


def test_tracking_confidence_above_the_pose_flag_drops_the_pose(frames: list[np.ndarray]) -> None:
    # the astronaut's pose flag is about 0.98: tracking is lost on every frame at 0.999
    strict = run_pipeserve(frames, WheelModels(), {"min_tracking_confidence": 0.999})

    assert [present(f) for f in strict.frames] == [()] * len(frames)


def test_detection_confidence_above_the_pose_score_finds_no_pose(
    frames: list[np.ndarray],
) -> None:
    # a detection score can never exceed 1: nothing passes, so no part is ever found
    strict = run_pipeserve(frames, WheelModels(), {"min_detection_confidence": np.array([1.01])})
    lenient = run_pipeserve(frames, WheelModels(), {"min_detection_confidence": 0.1})

    assert [present(f) for f in strict.frames] == [()] * len(frames)
    assert all(present(f) == ("pose_landmarks", "face_landmarks") for f in lenient.frames)
