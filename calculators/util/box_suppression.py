"""Non-maximum suppression algorithms over detection boxes (MediaPipe's default and weighted)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mediapipe.calculators.util import non_max_suppression_calculator_pb2

from pipeserve.calculators.formats import Detection

Options = non_max_suppression_calculator_pb2.NonMaxSuppressionCalculatorOptions
Similarity = Callable[[np.ndarray, np.ndarray], np.ndarray]


def corners(detections: list[Detection]) -> np.ndarray:
    """float32 ``[N, 4]`` (xmin, ymin, xmax, ymax) of the relative boxes."""
    box = np.array([(d.xmin, d.ymin, d.width, d.height) for d in detections], np.float32)
    box = box.reshape(-1, 4)
    box[:, 2:] += box[:, :2]
    return box


def overlap(overlap_type: int) -> Similarity:
    """``similarity(rect1 [..., 4], rect2 [..., 4])`` for the option value: the overlap of
    boxes (xmin, ymin, xmax, ymax) in float32, over the broadcast of their shapes."""

    def similarity(rect1: np.ndarray, rect2: np.ndarray) -> np.ndarray:
        lo1, hi1, lo2, hi2 = rect1[..., :2], rect1[..., 2:], rect2[..., :2], rect2[..., 2:]
        side = np.minimum(hi1, hi2) - np.maximum(lo1, lo2)  # intersection (width, height)
        void = (lo1 > hi1).any(-1) | (lo2 > hi2).any(-1) | (side < 0).any(-1)
        inter = side[..., 0] * side[..., 1]
        size2 = hi2 - lo2
        if overlap_type == Options.MODIFIED_JACCARD:
            norm = size2[..., 0] * size2[..., 1]
        elif overlap_type == Options.INTERSECTION_OVER_UNION:
            size1 = hi1 - lo1
            norm = size1[..., 0] * size1[..., 1] + size2[..., 0] * size2[..., 1] - inter
        else:
            span = np.maximum(hi1, hi2) - np.minimum(lo1, lo2)
            norm = span[..., 0] * span[..., 1]
        value = np.zeros(np.broadcast_shapes(inter.shape, norm.shape), np.float32)
        np.divide(inter, norm, out=value, where=(norm > 0) & ~void)
        return value

    if overlap_type not in (
        Options.JACCARD,
        Options.MODIFIED_JACCARD,
        Options.INTERSECTION_OVER_UNION,
    ):
        raise ValueError(f"unsupported overlap_type {overlap_type}")
    return similarity


def score_order(detections: list[Detection]) -> np.ndarray:
    """Indices by decreasing score (ties keep input order)."""
    scores = np.array([d.score for d in detections], np.float32)
    return np.argsort(-scores, kind="stable")


def pairwise(boxes: np.ndarray, similarity: Similarity) -> np.ndarray:
    """``[N, N]`` matrix of ``corners`` boxes: entry (i, j) is ``similarity(box_i, box_j)``."""
    return similarity(boxes[:, None, :], boxes[None, :, :])


def default_nms(
    detections: list[Detection],
    similarity: Similarity,
    threshold: float,
    max_count: int,
    min_score: float,
) -> list[Detection]:
    """Greedy NMS: keep a detection unless it overlaps a kept one by more than ``threshold``."""
    overlaps = pairwise(corners(detections), similarity)
    kept: list[int] = []
    for index in score_order(detections):
        if min_score > 0 and detections[index].score < min_score:
            break
        if not kept or not np.any(overlaps[kept, index] > threshold):
            kept.append(int(index))
        if len(kept) >= max_count:
            break
    return [detections[i] for i in kept]


def weighted_nms(
    detections: list[Detection], similarity: Similarity, threshold: float, min_score: float
) -> list[Detection]:
    """Weighted NMS: each cluster around the best remaining detection is score-averaged."""
    boxes = corners(detections)
    overlaps = pairwise(boxes, similarity)
    scores = np.array([d.score for d in detections], np.float32)
    # Per detection: box corners, keypoints (x, y), then 1 (its product is the weight), the
    # values a cluster sums in order in float32, as MediaPipe.
    count = len(detections)
    values = np.concatenate(
        [
            boxes,
            np.stack([d.keypoints for d in detections]).reshape(count, -1),
            np.ones((count, 1)),
        ],
        axis=1,
        dtype=np.float32,
    )
    weighted = values * scores[:, None]  # every product once (a cluster sums some of them)
    remaining = np.argsort(-scores, kind="stable")
    out: list[Detection] = []
    while remaining.size:
        top_index = remaining[0]
        top = detections[top_index]
        if min_score > 0 and top.score < min_score:
            break
        close = overlaps[remaining, top_index] > threshold
        cluster = remaining[close]
        if not cluster.size:
            out.append(top)
            break
        sums = np.cumsum(weighted[cluster], axis=0, dtype=np.float32)[-1]
        merged = sums[:-1] / sums[-1]
        merged[2:4] -= merged[:2]  # (xmax, ymax) -> (width, height)
        xmin, ymin, width, height = merged[:4].tolist()
        keypoints = merged[4:].reshape(-1, 2)
        out.append(
            Detection(xmin, ymin, width, height, top.score, keypoints, top.label_id, top.label)
        )
        remaining = remaining[~close]
    return out
