"""Fixtures: rendered scenes for the tracker tests (see tracking_scenes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "demos" / "benchmark"))

import synthetic_faces as sf
from tracking_scenes import ASTRONAUT, GRACE, Clip, render


@pytest.fixture(scope="session")
def crossing() -> Clip:
    """Two faces cross head-on; the astronaut passes in front of Grace Hopper."""
    grace = sf.Actor(GRACE, (40, 40), ((0, 40, 110), (59, 280, 118)), jitter=2)
    astro = sf.Actor(ASTRONAUT, (44, 44), ((0, 280, 122), (59, 40, 112)), jitter=2)
    return render(grace, astro, frames=60)


@pytest.fixture(scope="session")
def pillar() -> Clip:
    """Grace Hopper walks behind a pillar (hidden about 10 frames); the astronaut stays put."""
    grace = sf.Actor(GRACE, (40, 40), ((0, 60, 80), (59, 270, 90)), jitter=2)
    astro = sf.Actor(ASTRONAUT, (44, 44), ((0, 80, 180), (59, 100, 175)), jitter=2)
    return render(grace, astro, frames=60, pillar=(150, 180))


@pytest.fixture(scope="session")
def exit_and_return() -> Clip:
    """Grace Hopper leaves on the left for about 50 frames and comes back; the astronaut stays."""
    grace = sf.Actor(
        GRACE, (40, 40), ((0, 90, 90), (25, -40, 90), (75, -40, 100), (99, 100, 110)), jitter=2
    )
    astro = sf.Actor(ASTRONAUT, (44, 44), ((0, 240, 150), (99, 220, 140)), jitter=2)
    return render(grace, astro, frames=100)


@pytest.fixture(scope="session")
def newcomer() -> Clip:
    """Grace Hopper leaves on the left; later the astronaut, never seen before, enters there."""
    grace = sf.Actor(GRACE, (40, 40), ((0, 90, 100), (25, -40, 100)), jitter=2)
    astro = sf.Actor(ASTRONAUT, (44, 44), ((50, -40, 110), (89, 120, 120)), jitter=2)
    return render(grace, astro, frames=90)
