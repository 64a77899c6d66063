"""Landmark topologies: which landmark indices are joined by a line when drawn.

Indices follow the BlazePose 33-point body model and the 21-point hand model
(wrist, then four joints per finger from thumb to little finger, base to tip).
"""

from __future__ import annotations

import itertools

import numpy as np


def _chain(*indices: int) -> list[tuple[int, int]]:
    """Consecutive pairs of a polyline through ``indices``."""
    return list(itertools.pairwise(indices))


def _as_array(pairs: list[tuple[int, int]]) -> np.ndarray:
    array = np.array(pairs, dtype=np.int32)
    array.flags.writeable = False
    return array


# Body: 0 nose; 1-3 left eye (inner, centre, outer), 4-6 right eye; 7/8 ears; 9/10 mouth
# corners; 11/12 shoulders, 13/14 elbows, 15/16 wrists, 17/18 little fingers, 19/20 index
# fingers, 21/22 thumbs; 23/24 hips, 25/26 knees, 27/28 ankles, 29/30 heels, 31/32 toes.
# Odd indices from 11 on are the person's left side, even ones the right side.
_POSE_FACE = _chain(0, 1, 2, 3, 7) + _chain(0, 4, 5, 6, 8) + _chain(9, 10)
_POSE_TORSO = _chain(11, 12, 24, 23, 11)
_POSE_SIDES = [
    pair
    for side in (0, 1)
    for pair in (
        _chain(11 + side, 13 + side, 15 + side)  # shoulder - elbow - wrist
        + _chain(15 + side, 17 + side, 19 + side, 15 + side)  # hand triangle
        + _chain(15 + side, 21 + side)  # thumb
        + _chain(23 + side, 25 + side, 27 + side)  # hip - knee - ankle
        + _chain(27 + side, 29 + side, 31 + side, 27 + side)  # foot triangle
    )
]
POSE_CONNECTIONS = _as_array(_POSE_FACE + _POSE_TORSO + _POSE_SIDES)
"""``int32 [35, 2]``: index pairs of the 33-landmark body model."""

# Hand: 0 wrist; fingers f = 0..4 (thumb .. little) use 4f+1 .. 4f+4, base to tip.
_FINGERS = [pair for f in range(5) for pair in _chain(*range(4 * f + 1, 4 * f + 5))]
_PALM = _chain(0, 1) + _chain(0, 5, 9, 13, 17, 0)
HAND_CONNECTIONS = _as_array(_PALM + _FINGERS)
"""``int32 [21, 2]``: index pairs of the 21-landmark hand model."""
