"""A family of synthetic tracking sequences, generated from a seed with exact ground truth.

Each sequence is a ``synthetic_faces.Scene``: real face sprites on a textured background
with its ground-truth face boxes and visibilities. A ``Difficulty`` says how hard it is
(number and size of faces, speed, forced crossings, occluding pillars, partial exits,
camera pan, flicker and noise, look-alike faces); the seed picks everything else
(sprites, paths, timing, depth order), so one (difficulty, seed) pair is one sequence.

``FAMILY`` names the preset difficulties the benchmark scores; each one is run with
tuning seeds and, separately, scoring seeds.

    python tracking_sequences.py --preset crowd --seed 1001 --gt gt.txt --video seq.mp4
    python tracking_sequences.py --objects 6 --speed 5 --pillars 2 --seed 7 --gt gt.txt
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np
import synthetic_faces as sf

SIZE = (640, 480)
TINTS = (sf.NEUTRAL, sf.COOL, sf.WARM, (1.1, 0.9, 1.1), (0.9, 1.1, 0.95))


@dataclass(frozen=True, slots=True)
class Difficulty:
    """What makes a sequence hard; every field is a CLI option of the same name."""

    frames: int = 300
    objects: int = 5
    """Faces in the sequence (not all at once: they enter and leave at random times)."""
    min_face: float = 60.0
    max_face: float = 100.0
    """Face side range in pixels (each face drifts within it over its life)."""
    speed: float = 3.0
    """Mean speed in pixels per frame (each face gets 0.5x-1.5x of it)."""
    crossings: int = 2
    """Pairs of faces forced to meet at one point and time."""
    pillars: int = 1
    """Occluding pillars (60 px wide) in front of everything."""
    exits: float = 0.3
    """Probability per path leg that it ends outside the frame (a partial or full exit)."""
    pan: float = 120.0
    """Background travel in pixels over the sequence (x; y swings by a third of it)."""
    camera: bool = False
    """Faces move with the background (a panning camera) rather than with the frame."""
    flicker: float = 0.08
    noise: float = 4.0
    lookalike: bool = False
    """Every face is the same sprite with the same tint (appearance cannot tell them apart)."""


FAMILY: dict[str, Difficulty] = {
    "sparse": Difficulty(objects=3, speed=2.0, crossings=1),
    "crowd": Difficulty(objects=9, min_face=55, max_face=85, crossings=4),
    "small": Difficulty(objects=6, min_face=36, max_face=56, crossings=3),
    "fast": Difficulty(objects=5, speed=7.0, crossings=3),
    "occluders": Difficulty(objects=5, pillars=3, crossings=2),
    "edges": Difficulty(objects=6, exits=0.7, crossings=2),
    "pan": Difficulty(objects=5, pan=500.0, camera=True, crossings=2),
    "dim-noisy": Difficulty(objects=5, flicker=0.3, noise=12.0, crossings=2),
    "lookalike": Difficulty(objects=6, lookalike=True, crossings=3),
    "mixed": Difficulty(
        objects=7,
        min_face=45,
        max_face=95,
        speed=4.5,
        crossings=3,
        pillars=2,
        exits=0.5,
        pan=300.0,
        camera=True,
        flicker=0.2,
        noise=8.0,
    ),
}
TUNING_SEEDS = (1, 2, 3)
SCORING_SEEDS = (1001,)
ORIGINAL = "faces5"
"""The original benchmark scene (``synthetic_faces.faces5``; the seed changes only its noise)."""


def scene(name: str, seed: int) -> sf.Scene:
    """The sequence of a ``FAMILY`` preset, or of ``ORIGINAL``, with ``seed``."""
    return sf.faces5(seed) if name == ORIGINAL else generate(FAMILY[name], seed)


def generate(difficulty: Difficulty, seed: int) -> sf.Scene:
    """The sequence of ``difficulty`` and ``seed`` (deterministic)."""
    d = difficulty
    rng = np.random.default_rng(seed)
    n = d.frames
    actors = []
    for k in range(d.objects):
        if d.lookalike:
            spr = sf.sprite("grace_hopper")
        else:
            name = ("grace_hopper", "astronaut")[k % 2]
            spr = sf.sprite(name, bool(rng.integers(2)), TINTS[int(rng.integers(len(TINTS)))])
        life = int(rng.integers(n // 2, n + 1))
        first = int(rng.integers(0, n - life + 1))
        path = _path(rng, d, first, first + life - 1)
        sizes = rng.uniform(d.min_face, d.max_face, 2)
        actors.append(sf.Actor(spr, (float(sizes[0]), float(sizes[1])), path, jitter=3.0))
    actors = _force_crossings(rng, d, actors)
    if d.camera:  # waypoints were drawn in frame coordinates: carry them into the world's
        actors = [dataclasses.replace(a, path=_to_world(a.path, d)) for a in actors]
    columns = rng.choice(np.arange(60, SIZE[0] - 120, 70), size=d.pillars, replace=False)
    pillars = tuple((int(c), int(c) + 60) for c in sorted(columns))
    depth = tuple(int(i) + 1 for i in rng.permutation(d.objects))
    return sf.Scene(
        tuple(actors),
        num_frames=n,
        size=SIZE,
        pan=(d.pan, d.pan / 3),
        pillars=pillars,
        camera=d.camera,
        flicker=d.flicker,
        noise=d.noise,
        seed=seed,
        depth=depth,
    )


def _path(
    rng: np.random.Generator, d: Difficulty, first: int, last: int
) -> tuple[tuple[int, float, float], ...]:
    """Waypoints ``(frame, cx, cy)``: legs of 30-90 frames at about ``d.speed`` px/frame."""
    width, height = SIZE
    speed = d.speed * rng.uniform(0.5, 1.5)
    x, y = rng.uniform(0.15, 0.85) * width, rng.uniform(0.2, 0.8) * height
    points = [(first, x, y)]
    t = first
    while t < last:
        leg = min(int(rng.integers(30, 91)), last - t)
        if rng.random() < d.exits:
            tx = -0.1 * width if x < width / 2 else 1.1 * width
            ty = rng.uniform(0.2, 0.8) * height
        else:
            tx, ty = rng.uniform(0.1, 0.9) * width, rng.uniform(0.15, 0.85) * height
        step = np.hypot(tx - x, ty - y)
        reach = min(1.0, speed * leg / max(step, 1e-6))
        x, y = x + (tx - x) * reach, y + (ty - y) * reach
        t += max(leg, 1)
        points.append((t, float(x), float(y)))
    return tuple(points)


def _force_crossings(
    rng: np.random.Generator, d: Difficulty, actors: list[sf.Actor]
) -> list[sf.Actor]:
    """Make ``d.crossings`` pairs of faces pass through one point at one frame."""
    width, height = SIZE
    for _ in range(d.crossings):
        i, j = rng.choice(len(actors), size=2, replace=False)
        a, b = actors[i], actors[j]
        lo, hi = max(a.first, b.first) + 5, min(a.last, b.last) - 5
        if hi <= lo:
            continue
        t = int(rng.integers(lo, hi))
        meet = (t, float(rng.uniform(0.25, 0.75) * width), float(rng.uniform(0.3, 0.7) * height))
        actors[i] = dataclasses.replace(a, path=_through(a.path, meet))
        actors[j] = dataclasses.replace(b, path=_through(b.path, meet))
    return actors


def _to_world(
    path: tuple[tuple[int, float, float], ...], d: Difficulty
) -> tuple[tuple[int, float, float], ...]:
    """Waypoints in frame coordinates moved to where the panning camera sees them there."""
    moved = []
    for t, x, y in path:
        dx, dy = sf.pan_offset((d.pan, d.pan / 3), t, d.frames)
        moved.append((t, x + dx, y + dy))
    return tuple(moved)


def _through(
    path: tuple[tuple[int, float, float], ...], point: tuple[int, float, float]
) -> tuple[tuple[int, float, float], ...]:
    """``path`` with ``point`` as a waypoint (replacing waypoints within 10 frames of it)."""
    kept = [p for p in path if abs(p[0] - point[0]) > 10 or p in (path[0], path[-1])]
    return tuple(sorted([*kept, point]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(FAMILY), help="start from a family preset")
    parser.add_argument("--seed", type=int, default=1001)
    for f in dataclasses.fields(Difficulty):
        kind = {"int": int, "float": float, "bool": bool}[str(f.type)]
        if kind is bool:
            parser.add_argument(f"--{f.name}", action=argparse.BooleanOptionalAction)
        else:
            parser.add_argument(f"--{f.name}", type=kind)
    parser.add_argument("--gt", default="gt.txt", help="ground truth file (MOTChallenge)")
    parser.add_argument("--video", help="also write the frames as an mp4 video")
    args = parser.parse_args()
    base = FAMILY[args.preset] if args.preset else Difficulty()
    changes = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(Difficulty)
        if getattr(args, f.name) is not None
    }
    scene = generate(dataclasses.replace(base, **changes), args.seed)
    writer = None
    if args.video:
        writer = cv2.VideoWriter(args.video, cv2.VideoWriter.fourcc(*"mp4v"), 30.0, scene.size)
    rows = []
    for frame, gt in scene.frames():
        rows.append(gt)
        if writer is not None:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if writer is not None:
        writer.release()
    sf.write_mot(args.gt, np.concatenate(rows))


if __name__ == "__main__":
    main()
