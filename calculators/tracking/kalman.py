"""A constant-velocity Kalman filter over a box's centre and size, in pixels.

Each of ``cx, cy, w, h`` has its own (position, velocity) state: with a constant-velocity
model and diagonal noise the four filters are independent, so the 2x2 covariances are
kept element-wise (no matrix inverse). Process and measurement noise scale with the box
height (at least 1 px), so small and large objects behave alike. One ``predict`` per processed frame:
time is counted in frames, never in timestamp units.
"""

from __future__ import annotations

import numpy as np

_POS_STD = 1.0 / 20.0
_VEL_STD = 1.0 / 160.0


def xywh_to_cxcywh(box: np.ndarray) -> np.ndarray:
    """``[x, y, w, h]`` (top-left corner) to ``[cx, cy, w, h]``."""
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3]], np.float64)


def cxcywh_to_xywh(box: np.ndarray) -> np.ndarray:
    """``[cx, cy, w, h]`` to ``[x, y, w, h]`` (top-left corner)."""
    return np.array([box[0] - box[2] / 2, box[1] - box[3] / 2, box[2], box[3]], np.float64)


class BoxKalmanFilter:
    """One track's motion state; ``predict`` once per frame, ``update`` with a matched box.

    ``pos``/``vel`` are the state per coordinate; ``p_pp``, ``p_pv``, ``p_vv`` the
    entries of each coordinate's 2x2 covariance.
    """

    __slots__ = ("p_pp", "p_pv", "p_vv", "pos", "vel")

    def __init__(self, box_xywh: np.ndarray) -> None:
        self.pos = xywh_to_cxcywh(box_xywh)
        self.vel = np.zeros(4)
        h = max(self.pos[3], 1.0)
        self.p_pp = np.full(4, (2 * _POS_STD * h) ** 2)
        self.p_pv = np.zeros(4)
        self.p_vv = np.full(4, (10 * _VEL_STD * h) ** 2)

    def predict(self) -> None:
        h = max(self.pos[3], 1.0)
        self.pos = self.pos + self.vel
        self.p_pp = self.p_pp + 2 * self.p_pv + self.p_vv + (_POS_STD * h) ** 2
        self.p_pv = self.p_pv + self.p_vv
        self.p_vv = self.p_vv + (_VEL_STD * h) ** 2
        self.pos[2:] = np.maximum(self.pos[2:], 1.0)

    def update(self, box_xywh: np.ndarray) -> None:
        innovation = xywh_to_cxcywh(box_xywh) - self.pos
        s = self.p_pp + (_POS_STD * max(self.pos[3], 1.0)) ** 2
        k_pos = self.p_pp / s
        k_vel = self.p_pv / s
        self.pos = self.pos + k_pos * innovation
        self.vel = self.vel + k_vel * innovation
        self.p_vv = self.p_vv - k_vel * self.p_pv
        self.p_pp = self.p_pp * (1 - k_pos)
        self.p_pv = self.p_pv * (1 - k_pos)

    def hold_size(self) -> None:
        """Stop extrapolating the size (a missed object keeps the size it was last seen at)."""
        self.vel[2:] = 0.0

    def stop(self) -> None:
        """Stop extrapolating (used once a track has been unseen for too long)."""
        self.vel = np.zeros(4)

    @property
    def box(self) -> np.ndarray:
        """The current estimate as ``[x, y, w, h]``."""
        return cxcywh_to_xywh(self.pos)

    def __repr__(self) -> str:
        cx, cy, w, h = self.pos
        return f"BoxKalmanFilter(cx={cx:.1f}, cy={cy:.1f}, w={w:.1f}, h={h:.1f})"
