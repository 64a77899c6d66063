"""The holistic demo's sample video: two smooth shots of the bundled photos, with a cut."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).parents[2] / "demos" / "holistic_tracking" / "make_sample_video.py"


def load_script():
    spec = importlib.util.spec_from_file_location("make_sample_video", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_frames_move_smoothly_within_a_shot_and_jump_at_the_cut():
    frames = list(load_script().sample_frames(12, (96, 72)))
    assert len(frames) == 12
    assert all(f.shape == (72, 96, 3) and f.dtype == np.uint8 for f in frames)
    steps = [np.abs(a.astype(int) - b).mean() for a, b in itertools.pairwise(frames)]
    cut = steps.pop(5)  # frame 5 -> 6: astronaut -> Grace Hopper
    assert 0 < max(steps) < cut / 2
