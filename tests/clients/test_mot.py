"""MOTChallenge lines: pixels, 1-based frames, ``-1`` for the unused 3D fields."""

from __future__ import annotations

import io

import numpy as np
import pytest

from pipeserve.clients.mot import MotWriter, mot_lines


def test_normalized_boxes_become_pixel_boxes():
    tracks = np.array([[7, 0.25, 0.5, 0.1, 0.2, 0.875], [12, 0, 0, 1, 1, 0.5]], np.float32)
    assert mot_lines(3, tracks, (640, 480)) == [
        "3,7,160.00,240.00,64.00,96.00,0.8750,-1,-1,-1",
        "3,12,0.00,0.00,640.00,480.00,0.5000,-1,-1,-1",
    ]


def test_no_tracks_give_no_lines():
    assert mot_lines(1, np.zeros((0, 6), np.float32), (640, 480)) == []


def test_a_wrong_width_is_rejected_with_the_shape():
    with pytest.raises(ValueError, match=r"\[N, 6\], got \[2, 5\]"):
        mot_lines(1, np.zeros((2, 5), np.float32), (640, 480))


def test_writer_writes_one_line_per_track():
    out = io.StringIO()
    writer = MotWriter(out)
    writer.write(1, np.array([[1, 0.5, 0.5, 0.25, 0.25, 1.0]], np.float32), (100, 100))
    writer.write(2, np.zeros((0, 6), np.float32), (100, 100))
    assert out.getvalue() == "1,1,50.00,50.00,25.00,25.00,1.0000,-1,-1,-1\n"
    assert writer.lines == 1
