"""MOTChallenge result lines from the objectTracking graph's ``tracked_detections``.

``tracked_detections`` is FP32 ``[N, 6]``: track id, xmin, ymin, width, height, score, with
the box normalized to the image. A MOTChallenge line is
``frame,id,x,y,w,h,score,-1,-1,-1`` with the box in pixels and frames numbered from 1.
"""

from __future__ import annotations

from typing import TextIO

import numpy as np

TRACK_COLUMNS = 6


def mot_lines(frame: int, tracks: np.ndarray, size: tuple[int, int]) -> list[str]:
    """The lines of 1-based ``frame`` for ``[N, 6]`` tracks on a ``(width, height)`` image."""
    if tracks.size == 0:
        return []
    if tracks.ndim != 2 or tracks.shape[1] != TRACK_COLUMNS:
        raise ValueError(
            f"tracked detections must be [N, {TRACK_COLUMNS}], got {list(tracks.shape)}"
        )
    width, height = size
    scale = np.array([width, height, width, height], np.float64)
    boxes = tracks[:, 1:5].astype(np.float64) * scale
    return [
        f"{frame},{int(track_id)},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{score:.4f},-1,-1,-1"
        for track_id, (x, y, w, h), score in zip(tracks[:, 0], boxes, tracks[:, 5], strict=True)
    ]


class MotWriter:
    """Appends MOTChallenge lines to a text file, one frame at a time."""

    def __init__(self, file: TextIO) -> None:
        self.file = file
        self.lines = 0

    def write(self, frame: int, tracks: np.ndarray, size: tuple[int, int]) -> None:
        for line in mot_lines(frame, tracks, size):
            self.file.write(line + "\n")
            self.lines += 1

    def __repr__(self) -> str:
        return f"MotWriter({getattr(self.file, 'name', '?')!r}, lines={self.lines})"
