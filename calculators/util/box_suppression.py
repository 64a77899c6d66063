"""Non-maximum suppression algorithms over detection boxes (MediaPipe's default and weighted)."""

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


def overlap(overlap_type: int) -> Similarity:
    """``similarity(rect1 [..., 4], rect2 [..., 4])`` for the option value: the overlap of
    boxes (xmin, ymin, xmax, ymax) in float32, over the broadcast of their shapes."""

    def similarity(rect1: np.ndarray, rect2: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = rect1[..., 0], rect1[..., 1], rect1[..., 2], rect1[..., 3]
        u0, v0, u1, v1 = rect2[..., 0], rect2[..., 1], rect2[..., 2], rect2[..., 3]
        void = (x0 > x1) | (y0 > y1) | (u0 > u1) | (v0 > v1)
        void |= (u1 < x0) | (x1 < u0) | (v1 < y0) | (y1 < v0)  # empty, or apart
        inter = (np.minimum(x1, u1) - np.maximum(x0, u0)) * (
            np.minimum(y1, v1) - np.maximum(y0, v0)
        )
        if overlap_type == Options.MODIFIED_JACCARD:
            norm = (u1 - u0) * (v1 - v0)
        elif overlap_type == Options.INTERSECTION_OVER_UNION:
            norm = (x1 - x0) * (y1 - y0) + (u1 - u0) * (v1 - v0) - inter
        else:
            norm = (np.maximum(x1, u1) - np.minimum(x0, u0)) * (
                np.maximum(y1, v1) - np.minimum(y0, v0)
            )
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


def weighted_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum_i values[i] * weights[i]`` accumulated in order in float32, as MediaPipe."""
    products = values * weights.reshape((-1,) + (1,) * (values.ndim - 1))
    return np.cumsum(products, axis=0, dtype=np.float32)[-1]


def weighted_nms(
    detections: list[Detection], similarity: Similarity, threshold: float, min_score: float
) -> list[Detection]:
    """Weighted NMS: each cluster around the best remaining detection is score-averaged."""
    boxes = corners(detections)
    overlaps = pairwise(boxes, similarity)
    scores = np.array([d.score for d in detections], np.float32)
    # Per detection: box corners then keypoints (x, y), the values a cluster averages.
    values = np.concatenate(
        [
            boxes,
            np.stack([d.keypoints for d in detections]).reshape(len(detections), -1),
        ],
        axis=1,
        dtype=np.float32,
    )
    remaining = score_order(detections)
    out: list[Detection] = []
    while remaining.size:
        top_index = remaining[0]
        top = detections[top_index]
        if min_score > 0 and top.score < min_score:
            break
        close = overlaps[remaining, top_index] > threshold
        cluster = remaining[close]
        if cluster.size:
            weights = scores[cluster]
            total = np.cumsum(weights, dtype=np.float32)[-1]
            merged = weighted_sum(values[cluster], weights) / total
            top = dataclasses.replace(
                top,
                xmin=float(merged[0]),
                ymin=float(merged[1]),
                width=float(merged[2] - merged[0]),
                height=float(merged[3] - merged[1]),
                keypoints=merged[4:].reshape(-1, 2),
            )
        out.append(top)
        if not cluster.size:
            break
        remaining = remaining[~close]
    return out
