"""The holistic demo's sample video: two smooth shots of the bundled photos, with a cut."""

from __future__ import annotations

import itertools

import numpy as np

from tests.demos.demo_scripts import load_demo_script


def test_frames_move_smoothly_within_a_shot_and_jump_at_the_cut():
    frames = list(
        load_demo_script("holistic_tracking", "make_sample_video").sample_frames(12, (96, 72))
    )
    assert len(frames) == 12
    assert all(f.shape == (72, 96, 3) and f.dtype == np.uint8 for f in frames)
    steps = [np.abs(a.astype(int) - b).mean() for a, b in itertools.pairwise(frames)]
    cut = steps.pop(5)  # frame 5 -> 6: astronaut -> Grace Hopper
    assert 0 < max(steps) < cut / 2
