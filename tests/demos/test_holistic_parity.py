"""holisticLandmarks (OpenVINO, in-process) against mp.solutions.holistic 0.10.21.

Same frames, same timestamps (k * 33333 µs). Tolerances are in normalized image units.
Pose landmarks are checked tightly where the model sees them (reference visibility > 0.5);
the others (legs below the image, hidden arms) move by up to ~1e-3 when the ROI moves by
one float32 ulp, in MediaPipe itself, so they get a looser bound.

Tracking (the pose ROI from the previous frame) is a feedback loop that is chaotic on
these photos (hips outside the image): MediaPipe against itself, with one bit flipped in
a 20x20 block of frame 0, drifts by 0.15 within 5 frames. So the long sequence runs
with detection on every frame (static_image_mode), the tracking run is compared while the
reference is stable (first 4 frames; face landmarks on every frame), and on 60 tracked
frames ours must follow MediaPipe at least as long as MediaPipe follows itself when one
LSB of frame 0 changes.
"""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.openvino.models import WheelModels, compile_model
from tests.demos.holistic_runs import (
    Frame,
    Run,
    moving_sequence,
    present,
    run_mp_solutions,
    run_pipeserve,
)

VISIBLE = 0.5


def _pose_errors(ours: Frame, theirs: Frame) -> tuple[float, float, float]:
    """Max |Δx|,|Δy| over visible landmarks, over all landmarks, and max |Δvisibility|."""
    a, b = ours["pose_landmarks"], theirs["pose_landmarks"]
    assert a is not None and b is not None
    diff = np.abs(a - b)
    visible = b[:, 3] > VISIBLE
    return float(diff[visible, :2].max()), float(diff[:, :2].max()), float(diff[:, 3].max())


def _face_error(ours: Frame, theirs: Frame) -> float:
    a, b = ours["face_landmarks"], theirs["face_landmarks"]
    return 0.0 if a is None or b is None else float(np.abs(a - b)[:, :2].max())


def _assert_same_parts(ours: Run, theirs: Run) -> None:
    flips = [
        (k, present(a), present(b))
        for k, (a, b) in enumerate(zip(ours.frames, theirs.frames, strict=True))
        if present(a) != present(b)
    ]
    assert not flips, f"parts differ (frame, ours, mp.solutions): {flips}"


@pytest.fixture(scope="module")
def wheel() -> WheelModels:
    return WheelModels()


@pytest.mark.parametrize("photo", ["astronaut", "grace_hopper"])
def test_first_frame_of_a_fresh_graph_matches(
    photo: str, request: pytest.FixtureRequest, wheel: WheelModels
) -> None:
    image = request.getfixturevalue(photo)
    ours, theirs = run_pipeserve([image], wheel), run_mp_solutions([image])

    _assert_same_parts(ours, theirs)
    assert present(theirs.frames[0]) == ("pose_landmarks", "face_landmarks")
    visible_xy, all_xy, visibility = _pose_errors(ours.frames[0], theirs.frames[0])
    assert visible_xy <= 1e-4
    assert all_xy <= 1e-3
    assert visibility <= 1e-3
    assert _face_error(ours.frames[0], theirs.frames[0]) <= 5e-4


def test_detection_on_every_frame_matches_on_a_moving_sequence_with_a_cut(
    astronaut: np.ndarray, grace_hopper: np.ndarray, wheel: WheelModels
) -> None:
    frames = moving_sequence(astronaut, 14) + moving_sequence(grace_hopper, 6)
    ours = run_pipeserve(frames, wheel, {"smooth_landmarks": False}, static=True)
    theirs = run_mp_solutions(frames, static_image_mode=True)

    _assert_same_parts(ours, theirs)
    for k, (a, b) in enumerate(zip(ours.frames, theirs.frames, strict=True)):
        visible_xy, all_xy, visibility = _pose_errors(a, b)
        assert (visible_xy, visibility) <= (2e-3, 1e-2), f"frame {k}"
        assert all_xy <= 1e-2, f"frame {k}"
        assert _face_error(a, b) <= 2e-3, f"frame {k}"


def test_tracking_with_smoothing_matches_while_the_reference_is_stable(
    astronaut: np.ndarray, wheel: WheelModels
) -> None:
    frames = moving_sequence(astronaut, 8)
    ours, theirs = run_pipeserve(frames, wheel), run_mp_solutions(frames)

    _assert_same_parts(ours, theirs)
    for k, (a, b) in enumerate(zip(ours.frames, theirs.frames, strict=True)):
        assert _face_error(a, b) <= 5e-4, f"frame {k}"
        if k < 4:
            visible_xy, _, visibility = _pose_errors(a, b)
            assert (visible_xy, visibility) <= (2e-3, 1e-2), f"frame {k}"


def _first_divergence(ours: Run, theirs: Run) -> int:
    """The first frame outside the issue's tracked-sequence tolerance (parts differ, visible
    pose x, y beyond 2e-3 or visibility beyond 1e-2); the frame count if none is."""
    for k, (a, b) in enumerate(zip(ours.frames, theirs.frames, strict=True)):
        if present(a) != present(b):
            return k
        if a["pose_landmarks"] is not None:
            visible_xy, _, visibility = _pose_errors(a, b)
            if visible_xy > 2e-3 or visibility > 1e-2:
                return k
    return len(ours.frames)


@pytest.mark.parametrize("photo", ["astronaut", "grace_hopper"])
def test_tracked_sequence_follows_mediapipe_longer_than_mediapipe_follows_itself(
    photo: str, request: pytest.FixtureRequest, wheel: WheelModels
) -> None:
    """60 tracked frames: one LSB changed in 400 pixels of frame 0 moves MediaPipe's own
    landmarks beyond the tracked-sequence tolerance, so no implementation can hold it over
    the whole sequence; ours must stay within it at least as long as MediaPipe does."""
    frames = moving_sequence(request.getfixturevalue(photo), 60)
    nudged = [frame.copy() for frame in frames]
    nudged[0][100:120, 100:120] ^= 1
    reference = run_mp_solutions(frames)

    mediapipe_itself = _first_divergence(run_mp_solutions(nudged), reference)
    ours = _first_divergence(run_pipeserve(frames, wheel), reference)
    assert mediapipe_itself < len(frames)
    assert ours >= mediapipe_itself, (ours, mediapipe_itself)


def test_bf16_inference_fails_the_first_frame_tolerance(astronaut: np.ndarray) -> None:
    bf16 = {"INFERENCE_PRECISION_HINT": "bf16"}
    probe = compile_model(WheelModels().model_file("hand_recrop"), bf16)
    if probe.get_property("INFERENCE_PRECISION_HINT") != ov.Type.bf16:
        pytest.skip("this CPU has no bf16 inference")
    ours = run_pipeserve([astronaut], WheelModels(bf16))
    theirs = run_mp_solutions([astronaut])

    visible_xy, _, _ = _pose_errors(ours.frames[0], theirs.frames[0])
    assert visible_xy > 1e-3
