"""Frame sources and the mp4 writer on generated files (RGB in, RGB out)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from pipeserve.clients.video import ImageFolderSource, Mp4Writer, VideoSource, open_source

SIZE = (96, 64)  # width, height (multiples of 16 keep mp4v exact in size)


def frames(count: int) -> list[np.ndarray]:
    """The astronaut photo panned one step per frame: distinct, natural frames."""
    photo = data.astronaut()
    return [
        np.ascontiguousarray(cv2.resize(photo[40 + 8 * k :, 100 + 8 * k :], SIZE))
        for k in range(count)
    ]


def test_a_written_video_reads_back_with_its_rate_length_and_colours(tmp_path):
    path = tmp_path / "clip.mp4"
    sent = frames(12)
    with Mp4Writer(path, fps=25) as writer:
        for frame in sent:
            writer.write(frame)
    assert writer.frames == 12 and writer.size == SIZE
    with open_source(str(path)) as source:
        assert isinstance(source, VideoSource)
        assert (source.fps, source.frame_count) == (25, 12)
        received = list(source)
    assert len(received) == 12
    for got, want in zip(received, sent, strict=True):
        assert got.shape == want.shape and got.dtype == np.uint8
        assert np.abs(got.astype(int) - want).mean() < 6  # lossy, but the same picture
    # Channel order survives the BGR round trip: the frame is not red/blue swapped.
    swapped = np.abs(received[0].astype(int) - sent[0][..., ::-1]).mean()
    assert swapped > 3 * np.abs(received[0].astype(int) - sent[0]).mean()


def test_an_image_folder_yields_its_images_in_name_order(tmp_path):
    sent = frames(3)
    for name, frame in zip(("b.png", "a.png", "c.jpg"), (sent[1], sent[0], sent[2]), strict=True):
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    (tmp_path / "notes.txt").write_text("not an image")
    source = open_source(str(tmp_path))
    assert isinstance(source, ImageFolderSource)
    assert (source.fps, source.frame_count) == (None, 3)
    received = list(source)
    np.testing.assert_array_equal(received[0], sent[0])  # png: lossless
    np.testing.assert_array_equal(received[1], sent[1])
    assert np.abs(received[2].astype(int) - sent[2]).mean() < 6


def test_missing_inputs_are_reported_by_name(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.mp4"):
        open_source(str(tmp_path / "nothing.mp4"))
    with pytest.raises(OSError, match="no images"):
        open_source(str(tmp_path))


def test_the_writer_refuses_a_frame_of_another_size(tmp_path):
    with Mp4Writer(tmp_path / "x.mp4", fps=30) as writer:
        writer.write(np.zeros((64, 96, 3), np.uint8))
        with pytest.raises(ValueError, match=r"\(48, 64\) differs from the video's \(96, 64\)"):
            writer.write(np.zeros((64, 48, 3), np.uint8))
        with pytest.raises(ValueError, match="RGB uint8"):
            writer.write(np.zeros((64, 96), np.uint8))
