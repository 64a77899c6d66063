"""Non-maximum suppression over detections (MediaPipe's default and weighted algorithms)."""

from __future__ import annotations

import dataclasses
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


def _area(box: np.ndarray) -> np.ndarray:
    return (box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1])


def overlap(overlap_type: int) -> Similarity:
    """``similarity(rect1 [N,4] or [4], rect2 [4] or [N,4]) -> [N]`` for the option value."""

    def similarity(rect1: np.ndarray, rect2: np.ndarray) -> np.ndarray:
        r1, r2 = np.broadcast_arrays(rect1, rect2)
        empty = (r1[..., 0] > r1[..., 2]) | (r1[..., 1] > r1[..., 3])
        empty |= (r2[..., 0] > r2[..., 2]) | (r2[..., 1] > r2[..., 3])
        apart = (r2[..., 2] < r1[..., 0]) | (r1[..., 2] < r2[..., 0])
        apart |= (r2[..., 3] < r1[..., 1]) | (r1[..., 3] < r2[..., 1])
        lo, hi = np.maximum(r1[..., :2], r2[..., :2]), np.minimum(r1[..., 2:], r2[..., 2:])
        inter = (hi[..., 0] - lo[..., 0]) * (hi[..., 1] - lo[..., 1])
        if overlap_type == Options.MODIFIED_JACCARD:
            norm = _area(r2)
        elif overlap_type == Options.INTERSECTION_OVER_UNION:
            norm = _area(r1) + _area(r2) - inter
        else:
            lo, hi = np.minimum(r1[..., :2], r2[..., :2]), np.maximum(r1[..., 2:], r2[..., 2:])
            norm = (hi[..., 0] - lo[..., 0]) * (hi[..., 1] - lo[..., 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(norm > 0, inter / norm, 0.0)
        return np.where(empty | apart, 0.0, value).astype(np.float32)

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


def default_nms(
    detections: list[Detection],
    similarity: Similarity,
    threshold: float,
    max_count: int,
    min_score: float,
) -> list[Detection]:
    """Greedy NMS: keep a detection unless it overlaps a kept one by more than ``threshold``."""
    boxes = corners(detections)
    kept: list[int] = []
    for index in score_order(detections):
        if min_score > 0 and detections[index].score < min_score:
            break
        if not kept or not np.any(similarity(boxes[kept], boxes[index]) > threshold):
            kept.append(int(index))
        if len(kept) >= max_count:
            break
    return [detections[i] for i in kept]


def weighted_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum_i values[i] * weights[i]`` accumulated in order in float32, as MediaPipe."""
    products = values * weights.reshape((-1,) + (1,) * (values.ndim - 1))
    return np.cumsum(products, axis=0, dtype=np.float32)[-1]


def weighted_nms(
    detections: list[Detection], similarity: Similarity, threshold: float, min_score: float
) -> list[Detection]:
    """Weighted NMS: each cluster around the best remaining detection is score-averaged."""
    boxes = corners(detections)
    scores = np.array([d.score for d in detections], np.float32)
    remaining = score_order(detections)
    out: list[Detection] = []
    while remaining.size:
        top = detections[remaining[0]]
        if min_score > 0 and top.score < min_score:
            break
        close = similarity(boxes[remaining], boxes[remaining[0]]) > threshold
        cluster = remaining[close]
        if cluster.size:
            weights = scores[cluster]
            kps = np.stack([detections[i].keypoints for i in cluster]).astype(np.float32)
            total = np.cumsum(weights, dtype=np.float32)[-1]
            box = weighted_sum(boxes[cluster], weights) / total
            keypoints = weighted_sum(kps, weights) / total
            top = dataclasses.replace(
                top,
                xmin=float(box[0]),
                ymin=float(box[1]),
                width=float(box[2] - box[0]),
                height=float(box[3] - box[1]),
                keypoints=keypoints,
            )
        out.append(top)
        if not cluster.size:
            break
        remaining = remaining[~close]
    return out
