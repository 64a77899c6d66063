"""Vectorized temporal filters of MediaPipe's smoothing calculators (util/filtering).

Each filter holds one state per value (landmark coordinate) and emulates MediaPipe's
float32/float64 mix: ``LowPassFilter`` stores float32, the one-euro filter computes its
derivative and cutoffs in float64. All values share one timestamp history, as every
coordinate filter is created, applied and reset together. Timestamps are µs.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

F32 = np.float32


class LowPass:
    """Exponential smoothing: the first value passes, then ``alpha v + (1 - alpha) prev``."""

    __slots__ = ("raw", "stored")

    def __init__(self) -> None:
        self.raw: np.ndarray | None = None
        self.stored: np.ndarray | None = None

    def apply(self, value: np.ndarray, alpha: np.ndarray | np.floating | float) -> np.ndarray:
        value = np.asarray(value, F32)
        alpha = np.asarray(alpha, F32)
        if self.stored is None:
            result = value.copy()
        else:  # alpha v (float32) + (1 - alpha) stored (double), as MediaPipe
            mixed = (alpha * value).astype(np.float64)
            mixed += np.multiply(
                np.subtract(1.0, alpha, dtype=np.float64), self.stored, dtype=np.float64
            )
            result = mixed.astype(F32)
        self.raw, self.stored = value, result
        return result


class OneEuro:
    """One-euro filter over an array of values (MediaPipe ``OneEuroFilter``)."""

    def __init__(self, frequency: float, min_cutoff: float, beta: float, derivate_cutoff: float):
        self.frequency = frequency
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.derivate_cutoff = derivate_cutoff
        self.x = LowPass()
        self.dx = LowPass()
        self.last_ns = -1

    def alpha(self, cutoff: np.ndarray) -> np.ndarray:
        tau = 1.0 / (2 * math.pi * cutoff)
        return (1.0 / (1.0 + tau * self.frequency)).astype(F32)

    def scalar_alpha(self, cutoff: float) -> np.float32:
        """``alpha`` of one cutoff, in Python floats (the same double steps)."""
        return F32(1.0 / (1.0 + 1.0 / (2 * math.pi * cutoff) * self.frequency))

    def apply(self, timestamp_us: int, value_scale: float, value: np.ndarray) -> np.ndarray:
        now = timestamp_us * 1000
        if self.last_ns >= now:
            return np.asarray(value, F32)
        if self.last_ns != 0 and now != 0:
            self.frequency = 1.0 / ((now - self.last_ns) * 1e-9)
        self.last_ns = now
        value = np.asarray(value, F32)
        if self.x.raw is None:
            dvalue = np.zeros_like(value, np.float64)
        else:
            diff = np.subtract(value, self.x.raw, dtype=np.float64)
            dvalue = diff * float(F32(value_scale)) * self.frequency
        edvalue = self.dx.apply(dvalue.astype(F32), self.scalar_alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(edvalue, dtype=np.float64)
        return self.x.apply(value, self.alpha(cutoff))


class RelativeVelocity:
    """MediaPipe ``RelativeVelocityFilter`` (legacy transition distance) over an array."""

    ASSUMED_MAX_DURATION = 1_000_000_000 // 30

    def __init__(self, window_size: int, velocity_scale: float):
        self.window_size = window_size
        self.velocity_scale = F32(velocity_scale)
        self.window: deque[tuple[np.ndarray, int]] = deque()
        self.low_pass = LowPass()
        self.last_ns = -1
        self.last_value: np.ndarray | None = None
        self.last_scale = F32(1.0)

    def apply(self, timestamp_us: int, value_scale: float, value: np.ndarray) -> np.ndarray:
        now = timestamp_us * 1000
        value = np.asarray(value, F32)
        if self.last_ns >= now:
            return value
        scale = F32(value_scale)
        alpha = np.ones_like(value)
        if self.last_value is not None:
            distance = value * scale - self.last_value * self.last_scale
            duration = now - self.last_ns
            total, total_duration = distance.copy(), duration
            limit = (1 + len(self.window)) * self.ASSUMED_MAX_DURATION
            for past_distance, past_duration in self.window:
                if total_duration + past_duration > limit:
                    break
                total += past_distance
                total_duration += past_duration
            velocity = (total.astype(np.float64) / (total_duration * 1e-9)).astype(F32)
            alpha = F32(1.0) - F32(1.0) / (F32(1.0) + self.velocity_scale * np.abs(velocity))
            self.window.appendleft((distance, duration))
            if len(self.window) > self.window_size:
                self.window.pop()
        self.last_value, self.last_scale, self.last_ns = value, scale, now
        return self.low_pass.apply(value, alpha)
