"""Make a short sample video for the holistic demo from two bundled photos.

The photos are the astronaut from scikit-image and Grace Hopper from matplotlib's sample
data, so nothing is downloaded. Each shot slowly pans, zooms and tilts a few degrees (the
tracker follows the person from frame to frame), and the cut between the two shots makes
the graph detect a new person.

    python demos/holistic_tracking/make_sample_video.py --output holistic_sample.mp4
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import matplotlib.image
import numpy as np
from matplotlib import cbook
from skimage import data

from pipeserve.clients.video import Mp4Writer


@dataclass(frozen=True)
class Shot:
    """A camera move over one photo: start → end of centre (fraction of the photo),
    zoom (1 = the photo's width fills the frame) and tilt (degrees)."""

    photo: np.ndarray
    center: tuple[tuple[float, float], tuple[float, float]]
    zoom: tuple[float, float]
    tilt: tuple[float, float]


def photos() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut (512 x 512) and Grace Hopper (512 wide, 600 high), RGB uint8."""
    hopper = matplotlib.image.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    return np.ascontiguousarray(data.astronaut()), np.ascontiguousarray(hopper)


def lerp(pair: tuple[float, float], t: float) -> float:
    return pair[0] + (pair[1] - pair[0]) * t


def render_shot(shot: Shot, count: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """``count`` frames of ``size`` (width, height) moving smoothly through ``shot``."""
    width, height = size
    photo_h, photo_w = shot.photo.shape[:2]
    for k in range(count):
        t = 0.5 - 0.5 * math.cos(math.pi * k / max(count - 1, 1))  # ease in and out
        (x0, y0), (x1, y1) = shot.center
        cx, cy = lerp((x0, x1), t) * photo_w, lerp((y0, y1), t) * photo_h
        scale = lerp(shot.zoom, t) * width / photo_w
        rotation = cv2.getRotationMatrix2D((cx, cy), lerp(shot.tilt, t), scale)
        shift = np.array([[0, 0, width / 2 - cx], [0, 0, height / 2 - cy]])  # centre → mid-frame
        matrix = np.asarray(rotation, np.float64) + shift
        yield cv2.warpAffine(
            shot.photo, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT
        )


def shots(astronaut: np.ndarray, hopper: np.ndarray) -> tuple[Shot, Shot]:
    """The camera moves over the two photos, in order."""
    return (
        Shot(astronaut, ((0.45, 0.42), (0.52, 0.38)), (1.0, 1.3), (-4.0, 5.0)),
        Shot(hopper, ((0.5, 0.42), (0.47, 0.48)), (1.05, 1.0), (3.0, -3.0)),
    )


def sample_frames(frames: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """The two shots, half of ``frames`` each."""
    first, second = shots(*photos())
    yield from render_shot(first, frames // 2, size)
    yield from render_shot(second, frames - frames // 2, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="holistic_sample.mp4", help="mp4 file to write")
    parser.add_argument("--frames", type=int, default=80, help="number of frames")
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    with Mp4Writer(args.output, args.fps) as writer:
        for frame in sample_frames(args.frames, (args.width, args.height)):
            writer.write(frame)
    print(f"wrote {writer.frames} frames ({args.width} x {args.height}) to {args.output}")


if __name__ == "__main__":
    main()
