"""Landmark smoothing strategies of LandmarksSmoothingCalculator (no filter, velocity, one-euro).

Points are float32 [N, 3] (x, y, z) in the units filtered (pixels for normalized input).
Filters are created on first use for the landmark count and dropped by ``reset``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .filters import OneEuro, RelativeVelocity


def object_scale_of(points: np.ndarray) -> float:
    """(bbox width + bbox height) / 2 of the points."""
    extent = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
    return float((np.float32(extent[0]) + np.float32(extent[1])) / np.float32(2.0))


class LandmarksFilter:
    """Base: returns its input unchanged (MediaPipe ``no_filter``)."""

    def apply(
        self, points: np.ndarray, timestamp_us: int, object_scale: float | None
    ) -> np.ndarray:
        return points

    def reset(self) -> None:
        """Forget all filter state."""


class ScaledFilter(LandmarksFilter):
    """A per-coordinate filter with value scale 1 / object scale (unless disabled)."""

    def __init__(self, settings: Any, make: Any, init_first: bool) -> None:
        self.min_scale = settings.min_allowed_object_scale
        self.scaled = not settings.disable_value_scaling
        self.make = make
        self.init_first = init_first  # one-euro creates filters before the scale check
        self.filters: Any = None
        self.count = 0

    def reset(self) -> None:
        self.filters = None

    def apply(
        self, points: np.ndarray, timestamp_us: int, object_scale: float | None
    ) -> np.ndarray:
        if self.init_first:
            self.ensure(len(points))
        value_scale = 1.0
        if self.scaled:
            scale = object_scale if object_scale is not None else object_scale_of(points)
            if scale < self.min_scale:
                return points
            value_scale = float(np.float32(1.0) / np.float32(scale))
        self.ensure(len(points))
        flat = self.filters.apply(timestamp_us, value_scale, points[:, :3].reshape(-1))
        return flat.reshape(-1, 3)

    def ensure(self, count: int) -> None:
        if self.filters is None:
            self.filters, self.count = self.make(), count
        elif self.count != count:
            raise ValueError(f"landmark count changed from {self.count} to {count}")


def make_filter(options: Any) -> LandmarksFilter:
    """The filter selected by ``LandmarksSmoothingCalculatorOptions``."""
    kind = options.WhichOneof("filter_options")
    if kind == "no_filter":
        return LandmarksFilter()
    if kind == "velocity_filter":
        v = options.velocity_filter
        return ScaledFilter(v, lambda: RelativeVelocity(v.window_size, v.velocity_scale), False)
    if kind == "one_euro_filter":
        e = options.one_euro_filter
        return ScaledFilter(
            e, lambda: OneEuro(e.frequency, e.min_cutoff, e.beta, e.derivate_cutoff), True
        )
    raise ValueError("landmarks filter is either not specified or not supported")
