"""A constant-velocity Kalman filter over a box's centre and size, in pixels.

Each of ``cx, cy, w, h`` has its own (position, velocity) state: with a constant-velocity
model and diagonal noise the four filters are independent, so the 2x2 covariances are
kept element-wise (no matrix inverse), as plain floats: for four numbers per vector Python
arithmetic is cheaper than numpy calls and rounds the same way. Process and measurement
noise scale with the box height (at least 1 px), so small and large objects behave alike.
One ``predict`` per processed frame: time is counted in frames, never in timestamp units.
"""

from __future__ import annotations

import numpy as np

_POS_STD = 1.0 / 20.0
_VEL_STD = 1.0 / 160.0


class BoxKalmanFilter:
    """One track's motion state; ``predict`` once per frame, ``update`` with a matched box.

    Per coordinate ``cx, cy, w, h``: position and velocity, and the entries ``p_pp``,
    ``p_pv``, ``p_vv`` of its 2x2 covariance (read as arrays through the properties).
    """

    __slots__ = ("_pos", "_pp", "_pv", "_vel", "_vv")

    def __init__(self, box_xywh: np.ndarray) -> None:
        x, y, w, h = np.asarray(box_xywh, np.float64).tolist()
        self._pos = [x + w / 2, y + h / 2, w, h]
        self._vel = [0.0] * 4
        height = max(h, 1.0)
        self._pp = [(2 * _POS_STD * height) ** 2] * 4
        self._pv = [0.0] * 4
        self._vv = [(10 * _VEL_STD * height) ** 2] * 4

    def predict(self) -> None:
        h = max(self._pos[3], 1.0)
        q_pos, q_vel = (_POS_STD * h) ** 2, (_VEL_STD * h) ** 2
        pos, vel, pp, pv, vv = self._pos, self._vel, self._pp, self._pv, self._vv
        self._pos = [pos[0] + vel[0], pos[1] + vel[1], pos[2] + vel[2], pos[3] + vel[3]]
        self._pp = [pp[i] + 2 * pv[i] + vv[i] + q_pos for i in range(4)]
        self._pv = [pv[i] + vv[i] for i in range(4)]
        self._vv = [v + q_vel for v in vv]
        self._pos[2] = max(self._pos[2], 1.0)
        self._pos[3] = max(self._pos[3], 1.0)

    def update(self, box_xywh: np.ndarray) -> None:
        x, y, w, h = np.asarray(box_xywh, np.float64).tolist()
        pos, vel, pp, pv, vv = self._pos, self._vel, self._pp, self._pv, self._vv
        innovation = (x + w / 2 - pos[0], y + h / 2 - pos[1], w - pos[2], h - pos[3])
        r = (_POS_STD * max(pos[3], 1.0)) ** 2
        k_pos = [pp[i] / (pp[i] + r) for i in range(4)]
        k_vel = [pv[i] / (pp[i] + r) for i in range(4)]
        self._pos = [pos[i] + k_pos[i] * innovation[i] for i in range(4)]
        self._vel = [vel[i] + k_vel[i] * innovation[i] for i in range(4)]
        self._vv = [vv[i] - k_vel[i] * pv[i] for i in range(4)]
        self._pp = [pp[i] * (1 - k_pos[i]) for i in range(4)]
        self._pv = [pv[i] * (1 - k_pos[i]) for i in range(4)]

    def hold_size(self) -> None:
        """Stop extrapolating the size (a missed object keeps the size it was last seen at)."""
        self._vel[2] = self._vel[3] = 0.0

    def stop(self) -> None:
        """Stop extrapolating (used once a track has been unseen for too long)."""
        self._vel = [0.0] * 4

    @property
    def pos(self) -> np.ndarray:
        """The estimate as ``[cx, cy, w, h]``."""
        return np.array(self._pos)

    @property
    def p_pp(self) -> np.ndarray:
        """Each coordinate's position variance."""
        return np.array(self._pp)

    @property
    def box(self) -> np.ndarray:
        """The current estimate as ``[x, y, w, h]``."""
        return np.array(self.box_values)

    @property
    def box_values(self) -> list[float]:
        """``box`` as Python floats (many boxes make one array at once)."""
        cx, cy, w, h = self._pos
        return [cx - w / 2, cy - h / 2, w, h]

    @property
    def size(self) -> tuple[float, float]:
        """The estimated width and height."""
        return self._pos[2], self._pos[3]

    def __repr__(self) -> str:
        cx, cy, w, h = self._pos
        return f"BoxKalmanFilter(cx={cx:.1f}, cy={cy:.1f}, w={w:.1f}, h={h:.1f})"
