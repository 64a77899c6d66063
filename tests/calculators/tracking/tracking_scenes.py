"""Small synthetic scenes with exact ground truth, and an oracle detector for tracker tests.

Scenes come from ``demos/benchmark/synthetic_faces.py`` (real face sprites from the
bundled photos over a real background, with noise): 320x240, a few dozen frames, so a
scene renders in about a second. The oracle detector reports each face whose visibility
is at least 0.5, at its ground-truth box moved by up to 1 px (deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import synthetic_faces as sf

GRACE = sf.sprite("grace_hopper")
ASTRONAUT = sf.sprite("astronaut")
SIZE = (320, 240)


@dataclass(frozen=True)
class Clip:
    """Rendered frames, ground truth rows per frame and oracle detections (pixels)."""

    frames: list[np.ndarray]
    truth: list[np.ndarray]

    def detections(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Oracle boxes ``[N, 4]`` and scores ``[N]`` of frame ``t``."""
        rows = self.truth[t]
        rows = rows[rows[:, 8] >= 0.5]
        wobble = np.random.default_rng(t).uniform(-1.0, 1.0, (len(rows), 4))
        return rows[:, 2:6] + wobble, np.full(len(rows), 0.9)


def render(*actors: sf.Actor, frames: int, pillar: tuple[int, int] | None = None) -> Clip:
    pillars = () if pillar is None else (pillar,)
    scene = sf.Scene(actors, num_frames=frames, size=SIZE, pan=(40.0, 15.0), pillars=pillars)
    rendered = [scene.render(t) for t in range(frames)]
    return Clip([f for f, _ in rendered], [gt for _, gt in rendered])


def identities(truth: list[np.ndarray], outputs: list[np.ndarray]) -> dict[int, dict[int, int]]:
    """Per ground-truth object and frame where it is visible, the track ID reported on it.

    A track is on an object when their boxes overlap with IoU >= 0.5; 0 = no track.
    """
    seen: dict[int, dict[int, int]] = {}
    for t, (gt, out) in enumerate(zip(truth, outputs, strict=True)):
        for row in gt[gt[:, 8] >= 0.5]:
            best = (0.0, 0)
            for track_id, *box in out:
                best = max(best, (_iou(row[2:6], np.asarray(box[:4])), int(track_id)))
            seen.setdefault(int(row[1]), {})[t] = best[1] if best[0] >= 0.5 else 0
    return seen


def reported(per_frame: dict[int, int]) -> set[int]:
    """The track IDs reported on an object (0 = frames without a track left out)."""
    return set(per_frame.values()) - {0}


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = w * h
    return float(inter / (a[2] * a[3] + b[2] * b[3] - inter))
