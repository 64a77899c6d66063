"""Matching helpers of the tracker: IoU, minimum-cost assignment, one frame's detections."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import appearance

INFEASIBLE = 1e6
"""The cost of a pair that must never be matched."""


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between boxes ``a`` [N, 4] and ``b`` [M, 4], both ``[x, y, w, h]``: [N, M]."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, :2] + a[:, None, 2:], b[None, :, :2] + b[None, :, 2:])
    overlap = np.maximum(hi - lo, 0.0)
    inter = overlap[..., 0] * overlap[..., 1]  # np.prod's one product, without its wrapper
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-12)


def assign(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one matching; pairs at ``INFEASIBLE`` cost are never returned."""
    if cost.size == 0:
        return []
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if cost[r, c] < INFEASIBLE]


def gated_iou_cost(
    predicted: np.ndarray, boxes: np.ndarray, least: float, max_ratio: float
) -> np.ndarray:
    """1 - IoU of each predicted box with each box; infeasible below ``least`` IoU or when
    the heights differ by more than ``max_ratio`` times (0: no size gate)."""
    iou = iou_matrix(predicted, boxes)
    feasible = iou >= least
    if max_ratio > 0:
        ratio = boxes[None, :, 3] / np.maximum(predicted[:, None, 3], 1e-9)
        feasible &= (ratio <= max_ratio) & (ratio * max_ratio >= 1.0)
    return np.where(feasible, 1.0 - iou, INFEASIBLE)


def edge_box(
    box: np.ndarray, predicted: tuple[float, float], width: int, height: int, below: float
) -> np.ndarray:
    """``box`` grown to the ``predicted`` size (width, height) beyond the frame edge it
    crosses when it is smaller than ``below`` times that size; the side inside the frame
    stays in place."""
    x, y, w, h = box
    pw, ph = predicted
    if h >= below * ph or w >= below * pw:
        return box
    left, top = x < 0, y < 0
    right, bottom = x + w > width, y + h > height
    if not (left or top or right or bottom):
        return box
    nx = x + w - pw if left and not right else (x if right and not left else x + (w - pw) / 2)
    ny = y + h - ph if top and not bottom else (y if bottom and not top else y + (h - ph) / 2)
    return np.array([nx, ny, pw, ph])


class FrameDetections:
    """One frame's detections with lazily computed embeddings and a "clean" flag each."""

    __slots__ = ("_clean", "_embeddings", "boxes", "image", "scores")

    def __init__(self, image: np.ndarray, boxes: np.ndarray, scores: np.ndarray) -> None:
        self.image = image
        self.boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        self.scores = np.asarray(scores, np.float64).reshape(-1)
        self._embeddings: dict[int, np.ndarray] = {}
        self._clean: np.ndarray | None = None

    @property
    def clean(self) -> np.ndarray:
        """Per detection: inside the frame and overlapping no other detection (computed once)."""
        if self._clean is None:
            height, width = self.image.shape[:2]
            b = self.boxes
            inside = (b[:, 0] >= 0) & (b[:, 1] >= 0) & (b[:, 0] + b[:, 2] <= width)
            inside &= b[:, 1] + b[:, 3] <= height
            if len(b) > 1:
                overlap = iou_matrix(b, b)
                np.fill_diagonal(overlap, 0.0)
                inside &= overlap.max(axis=1) <= 0.0
            self._clean = inside
        return self._clean

    def __len__(self) -> int:
        return len(self.boxes)

    def embedding(self, index: int) -> np.ndarray:
        found = self._embeddings.get(index)
        if found is None:
            found = self._embeddings[index] = appearance.embed(self.image, self.boxes[index])
        return found

    def embeddings(self, indices: list[int]) -> np.ndarray:
        return np.stack([self.embedding(i) for i in indices])
