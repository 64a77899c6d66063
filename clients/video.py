"""Frame sources (a video file, a folder of images, a camera) and an mp4 writer.

Frames are RGB ``uint8`` HWC arrays everywhere; OpenCV's BGR stays inside this module.

Example::

    with open_source("in.mp4") as frames, Mp4Writer("out.mp4", fps=30) as writer:
        for frame in frames:
            writer.write(frame)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})


class FrameSource:
    """An iterable of RGB frames with what is known of its rate and length (None: unknown)."""

    source: str | int
    fps: float | None = None
    frame_count: int | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the source."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r}, fps={self.fps}, frames={self.frame_count})"


class VideoSource(FrameSource):
    """Frames of a video file or a camera (OpenCV ``VideoCapture``)."""

    def __init__(self, source: str | int) -> None:
        self.source = source
        self._capture = cv2.VideoCapture(source)
        if not self._capture.isOpened():
            raise OSError(f"cannot open video source {source!r}")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.fps = fps if fps > 0 else None
        self.frame_count = count if count > 0 else None

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            ok, frame = self._capture.read()
            if not ok:
                return
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource(FrameSource):
    """The images of a folder in file-name order, as RGB arrays (no frame rate)."""

    def __init__(self, folder: str | Path) -> None:
        self.source = str(folder)
        self.paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise OSError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
        self.frame_count = len(self.paths)

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.paths:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                raise OSError(f"cannot read image {path}")
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def open_source(spec: str) -> FrameSource:
    """A camera for a number (``"0"``), the images of a folder, or a video file."""
    if spec.isdigit():
        return VideoSource(int(spec))
    if Path(spec).is_dir():
        return ImageFolderSource(spec)
    if not Path(spec).is_file():
        raise FileNotFoundError(f"no such video file or folder: {spec}")
    return VideoSource(spec)


class Mp4Writer:
    """Writes RGB frames to an mp4 file (``mp4v``); the first frame fixes the size."""

    def __init__(self, path: str | Path, fps: float) -> None:
        self.path = Path(path)
        self.fps = fps
        self.size: tuple[int, int] | None = None
        self.frames = 0
        self._writer: cv2.VideoWriter | None = None

    def write(self, frame: np.ndarray) -> None:
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame, got {frame.dtype} {frame.shape}")
        size = (int(frame.shape[1]), int(frame.shape[0]))
        if self._writer is None:
            fourcc = cv2.VideoWriter.fourcc(*"mp4v")
            self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, size)
            if not self._writer.isOpened():
                raise OSError(f"cannot write video {self.path}")
            self.size = size
        elif size != self.size:
            raise ValueError(f"frame size {size} differs from the video's {self.size}")
        self._writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Mp4Writer({str(self.path)!r}, fps={self.fps}, frames={self.frames})"
