"""Synthetic face-tracking sequences with exact ground truth (the "faces5" recipe).

Head-and-shoulder sprites cut from two real photos (matplotlib's ``grace_hopper.jpg``,
scikit-image's ``astronaut``) move along piecewise-linear paths over a panning
background, behind an optional occluding pillar, with flicker and noise. The ground
truth of an object in a frame is its face box mapped exactly through the sprite's scale
and position, and its visibility is the fraction of that box (in or out of the frame)
where the sprite is the top layer.

``faces5()`` is the benchmark scene: 300 frames, 640x480, five faces with crossings,
pillar occlusions, one face that leaves the frame and comes back, one that enters late
and leaves early. Tests build smaller scenes with ``Scene``/``Actor``.

    python synthetic_faces.py --gt gt.txt --video faces5.mp4
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

# Face boxes (x0, y0, side) that MediaPipe's full-range face detector returns on the
# clean source photos; the sprites are cut around them.
GRACE_FACE = (165.9, 128.4, 200.4)
ASTRONAUT_FACE = (173.7, 67.8, 103.9)
SPRITE_FACTOR = 2.2
COOL = (0.85, 0.95, 1.15)
WARM = (1.15, 1.0, 0.8)
NEUTRAL = (1.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class Sprite:
    """An RGB crop with a feathered elliptical alpha and its face box in crop pixels."""

    rgb: np.ndarray
    alpha: np.ndarray
    face: tuple[float, float, float]


@cache
def _photo(name: str) -> np.ndarray:
    if name == "grace_hopper":
        import matplotlib.cbook

        path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    import skimage.data

    return np.ascontiguousarray(skimage.data.astronaut())


@cache
def sprite(name: str, mirrored: bool = False, tint: tuple[float, float, float] = NEUTRAL) -> Sprite:
    """The head-and-shoulder sprite of ``name`` ("grace_hopper" or "astronaut")."""
    photo = _photo(name)
    fx, fy, fs = GRACE_FACE if name == "grace_hopper" else ASTRONAUT_FACE
    side = round(fs * SPRITE_FACTOR)
    ox = round(fx + fs / 2 - side / 2)
    oy = round(fy + fs / 2 - side / 2)
    padded = cv2.copyMakeBorder(photo, side, side, side, side, cv2.BORDER_REPLICATE)
    rgb = padded[oy + side : oy + 2 * side, ox + side : ox + 2 * side].astype(np.float32)
    face_x = fx - ox
    if mirrored:
        rgb = rgb[:, ::-1]
        face_x = side - (face_x + fs)
    rgb = np.clip(rgb * np.asarray(tint, np.float32), 0, 255)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) + 0.5
    ellipse = ((xx - side / 2) / (0.46 * side)) ** 2 + ((yy - side / 2) / (0.5 * side)) ** 2
    alpha = cv2.GaussianBlur((ellipse <= 1.0).astype(np.float32), (0, 0), side * 0.03)
    return Sprite(np.ascontiguousarray(rgb), alpha, (face_x, fy - oy, fs))


@dataclass(frozen=True, slots=True)
class Actor:
    """One object: a sprite, face size in pixels (start, end), a path of (frame, cx, cy)."""

    sprite: Sprite
    face_px: tuple[float, float]
    path: tuple[tuple[int, float, float], ...]
    jitter: float = 6.0

    @property
    def first(self) -> int:
        return self.path[0][0]

    @property
    def last(self) -> int:
        return self.path[-1][0]

    def face_box(self, t: int, seed: int) -> tuple[float, float, float]:
        """The face centre and side (cx, cy, side) in frame ``t``; sprite paste is exact."""
        frames = [p[0] for p in self.path]
        cx = float(np.interp(t, frames, [p[1] for p in self.path]))
        cy = float(np.interp(t, frames, [p[2] for p in self.path]))
        span = max(self.last - self.first, 1)
        side = self.face_px[0] + (self.face_px[1] - self.face_px[0]) * (t - self.first) / span
        phase = (seed * 7.31 + self.face_px[0]) % (2 * np.pi)
        cx += self.jitter * np.sin(t / 9.0 + phase)
        cy += self.jitter * np.sin(t / 13.0 + 2 * phase)
        return cx, cy, side


@dataclass(frozen=True, slots=True)
class Scene:
    """A sequence: actors listed back to front, background, pillar, flicker and noise."""

    actors: tuple[Actor, ...]
    num_frames: int = 300
    size: tuple[int, int] = (640, 480)
    pan: tuple[float, float] = (120.0, 40.0)
    """Background travel: ``pan[0]`` px left to right over the sequence, ``pan[1]`` px up-down."""
    pillars: tuple[tuple[int, int], ...] = ((300, 360),)
    """Occluders in front of everything: column ranges ``(x0, x1)`` in frame pixels."""
    camera: bool = False
    """Objects move with the background (a panning camera) instead of with the frame."""
    flicker: float = 0.08
    noise: float = 4.0
    seed: int = 0
    depth: tuple[int, ...] = field(default=())
    """Object ids back to front (default: the order of ``actors``, ids from 1)."""

    def ids(self) -> tuple[int, ...]:
        return self.depth or tuple(range(1, len(self.actors) + 1))

    def render(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``t`` (RGB uint8 HWC) and its ground truth rows (see ``ground_truth``)."""
        width, height = self.size
        frame = _background(self.size, self.pan, t, self.num_frames)
        shift = pan_offset(self.pan, t, self.num_frames) if self.camera else (0.0, 0.0)
        top = np.zeros((height, width), np.int32)
        boxes = {}
        for obj_id in self.ids():
            actor = self.actors[obj_id - 1]
            if not actor.first <= t <= actor.last:
                continue
            box = _paste(frame, top, obj_id, actor, t, self.seed, shift)
            if box is not None:
                boxes[obj_id] = box
        for x0, x1 in self.pillars:
            frame[:, x0:x1] = _pillar_texture(height, x1 - x0)
            top[:, x0:x1] = -1
        gain = 1.0 + self.flicker * np.sin(2 * np.pi * t / 90.0)
        rng = np.random.default_rng(self.seed * 100003 + t)
        noisy = frame * gain + rng.normal(0.0, self.noise, frame.shape).astype(np.float32)
        rows = [
            (t + 1, obj_id, *box, 1, 1, _visibility(top, obj_id, box))
            for obj_id, box in boxes.items()
        ]
        gt = np.asarray(rows, np.float64).reshape(-1, 9)
        return np.clip(noisy + 0.5, 0, 255).astype(np.uint8), gt[np.argsort(gt[:, 1])]

    def frames(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every frame with its ground truth rows, in order."""
        for t in range(self.num_frames):
            yield self.render(t)

    def ground_truth(self) -> np.ndarray:
        """MOTChallenge rows ``frame(1-based), id, x, y, w, h, 1, 1, visibility``."""
        return np.concatenate([gt for _, gt in self.frames()])


def _margins(pan: tuple[float, float]) -> tuple[int, int]:
    """Extra background width and height beyond the frame that ``pan`` needs."""
    return max(120, int(np.ceil(pan[0]))), max(90, 2 * int(np.ceil(pan[1])) + 10)


def pan_offset(pan: tuple[float, float], t: int, n: int) -> tuple[float, float]:
    """The background's offset in frame ``t`` (pixels it moved left and up)."""
    return pan[0] * t / max(n - 1, 1), pan[1] * np.sin(2 * np.pi * t / 150.0)


@cache
def _backdrop(width: int, height: int) -> np.ndarray:
    import skimage.data

    return cv2.resize(skimage.data.rocket(), (width, height), interpolation=cv2.INTER_AREA)


def _background(size: tuple[int, int], pan: tuple[float, float], t: int, n: int) -> np.ndarray:
    width, height = size
    extra_x, extra_y = _margins(pan)
    big = _backdrop(width + extra_x, height + extra_y)
    dx, dy = pan_offset(pan, t, n)
    ox, oy = round(dx), round(extra_y // 2 + dy)
    return big[oy : oy + height, ox : ox + width].astype(np.float32)


@cache
def _pillar_texture(height: int, width: int) -> np.ndarray:
    import skimage.data

    brick = skimage.data.brick().astype(np.float32)
    tiled = np.tile(brick, (height // brick.shape[0] + 1, 1))[:height, :width]
    return np.stack([tiled * 0.9 + 30, tiled * 0.6 + 20, tiled * 0.45 + 10], axis=-1)


def _paste(
    frame: np.ndarray,
    top: np.ndarray,
    obj_id: int,
    actor: Actor,
    t: int,
    seed: int,
    shift: tuple[float, float],
) -> tuple[float, float, float, float] | None:
    """Blend the actor (moved by ``-shift``) into ``frame``; returns its face box ``(x, y, w, h)``."""
    spr = actor.sprite
    cx, cy, side = actor.face_box(t, seed)
    cx, cy = cx - shift[0], cy - shift[1]
    scale_side = round(spr.rgb.shape[0] * side / spr.face[2])
    if scale_side < 4:
        return None
    k = scale_side / spr.rgb.shape[0]
    face_cx = (spr.face[0] + spr.face[2] / 2) * k
    face_cy = (spr.face[1] + spr.face[2] / 2) * k
    px, py = round(cx - face_cx), round(cy - face_cy)
    box = (px + spr.face[0] * k, py + spr.face[1] * k, spr.face[2] * k, spr.face[2] * k)
    height, width = top.shape
    x0, y0 = max(px, 0), max(py, 0)
    x1, y1 = min(px + scale_side, width), min(py + scale_side, height)
    if x0 >= x1 or y0 >= y1:
        return box
    rgb = cv2.resize(spr.rgb, (scale_side, scale_side), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(spr.alpha, (scale_side, scale_side), interpolation=cv2.INTER_AREA)
    rgb = rgb[y0 - py : y1 - py, x0 - px : x1 - px]
    alpha = alpha[y0 - py : y1 - py, x0 - px : x1 - px]
    region = frame[y0:y1, x0:x1]
    region[:] = region * (1 - alpha[..., None]) + rgb * alpha[..., None]
    top[y0:y1, x0:x1][alpha > 0.5] = obj_id
    return box


def _visibility(top: np.ndarray, obj_id: int, box: tuple[float, float, float, float]) -> float:
    x, y, w, h = box
    height, width = top.shape
    x0, y0 = int(max(round(x), 0)), int(max(round(y), 0))
    x1, y1 = int(min(round(x + w), width)), int(min(round(y + h), height))
    if x0 >= x1 or y0 >= y1 or w <= 0 or h <= 0:
        return 0.0
    return float(np.count_nonzero(top[y0:y1, x0:x1] == obj_id)) / (w * h)


def faces5(seed: int = 0) -> Scene:
    """The benchmark scene (ids 1-5; listed back to front: 5, 3, 1, 2, 4)."""
    grace, astro = "grace_hopper", "astronaut"
    actors = (
        Actor(
            sprite(grace),
            (84, 84),
            ((0, 110, 210), (100, 470, 220), (200, 200, 340), (299, 720, 300)),
        ),
        Actor(
            sprite(astro),
            (92, 92),
            ((0, 520, 330), (120, 150, 250), (220, 500, 120), (299, 430, 330)),
        ),
        Actor(sprite(grace, True, COOL), (72, 72), ((0, 560, 80), (150, 90, 90), (299, 560, 420))),
        Actor(
            sprite(astro, True),
            (64, 120),
            (
                (0, -60, 260),
                (55, 200, 270),
                (95, -130, 220),
                (150, -130, 330),
                (190, 120, 360),
                (299, 230, 130),
            ),
        ),
        Actor(sprite(grace, False, WARM), (70, 70), ((40, 460, -60), (160, 390, 540))),
    )
    return Scene(actors, seed=seed, depth=(5, 3, 1, 2, 4))


def write_mot(path: str, rows: np.ndarray) -> None:
    """Write MOTChallenge rows (9 or 10 columns) as CSV."""
    np.savetxt(path, rows, fmt="%d,%d,%.3f,%.3f,%.3f,%.3f,%g,%g,%.4f", delimiter=",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gt", default="gt.txt", help="ground truth file (MOTChallenge)")
    parser.add_argument("--video", help="also write the frames as an mp4 video")
    args = parser.parse_args()
    scene = faces5()
    writer = None
    if args.video:
        fourcc = cv2.VideoWriter.fourcc(*"mp4v")
        writer = cv2.VideoWriter(args.video, fourcc, 30.0, scene.size)
    rows = []
    for frame, gt in scene.frames():
        rows.append(gt)
        if writer is not None:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if writer is not None:
        writer.release()
    write_mot(args.gt, np.concatenate(rows))


if __name__ == "__main__":
    main()
