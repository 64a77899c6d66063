"""Non-maximum suppression algorithms over detection boxes (MediaPipe's default and weighted)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mediapipe.calculators.util import non_max_suppression_calculator_pb2

from pipeserve.calculators.formats import Detection

from .geometry import round_f32

Options = non_max_suppression_calculator_pb2.NonMaxSuppressionCalculatorOptions
Similarity = Callable[[np.ndarray, np.ndarray], np.ndarray]


def corners(detections: list[Detection]) -> np.ndarray:
    """float32 ``[N, 4]`` (xmin, ymin, xmax, ymax) of the relative boxes."""
    box = np.array([(d.xmin, d.ymin, d.width, d.height) for d in detections], np.float32)
    box = box.reshape(-1, 4)
    box[:, 2:] += box[:, :2]
    return box


def check_overlap_type(overlap_type: int) -> None:
    """Raise unless ``overlap_type`` is one this module computes."""
    if overlap_type not in (
        Options.JACCARD,
        Options.MODIFIED_JACCARD,
        Options.INTERSECTION_OVER_UNION,
    ):
        raise ValueError(f"unsupported overlap_type {overlap_type}")


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

    check_overlap_type(overlap_type)
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


def _overlap_f32(overlap_type: int, rect1: list[float], rect2: list[float]) -> float:
    """``similarity(rect1, rect2)`` of ``overlap`` for two boxes, in Python floats that take
    the same float32 steps (for the few boxes of weighted NMS, without numpy's per-call cost)."""
    x0, y0, x1, y1 = rect1
    u0, v0, u1, v1 = rect2
    side_x, side_y, w1, h1, w2, h2 = round_f32(
        [min(x1, u1) - max(x0, u0), min(y1, v1) - max(y0, v0), x1 - x0, y1 - y0, u1 - u0, v1 - v0]
    )
    if w1 < 0 or h1 < 0 or w2 < 0 or h2 < 0 or side_x < 0 or side_y < 0:
        return 0.0
    inter, area1, area2 = round_f32([side_x * side_y, w1 * h1, w2 * h2])
    if overlap_type == Options.MODIFIED_JACCARD:
        norm = area2
    elif overlap_type == Options.INTERSECTION_OVER_UNION:
        norm = round_f32([round_f32([area1 + area2])[0] - inter])[0]
    else:
        span_x, span_y = round_f32([max(x1, u1) - min(x0, u0), max(y1, v1) - min(y0, v0)])
        norm = round_f32([span_x * span_y])[0]
    return round_f32([inter / norm])[0] if norm > 0 else 0.0


def weighted_nms(
    detections: list[Detection], overlap_type: int, threshold: float, min_score: float
) -> list[Detection]:
    """Weighted NMS: each cluster around the best remaining detection is score-averaged.

    Plain Python floats rounded to float32 at every step (``round_f32``), as MediaPipe's
    float math: a frame has a handful of detections, and each numpy call on them costs more
    than the arithmetic (several µs when the caches are cold, as on every frame in a graph)."""
    check_overlap_type(overlap_type)
    (threshold,) = round_f32([threshold])
    # Per detection: box corners, keypoints (x, y), then 1 (its product is the weight), the
    # values a cluster sums in order in float32, as MediaPipe.
    values, scores = [], []
    for d in detections:
        xmin, ymin, width, height, score, *points = round_f32(
            [d.xmin, d.ymin, d.width, d.height, d.score, *d.keypoints.ravel().tolist()]
        )
        xmax, ymax = round_f32([xmin + width, ymin + height])
        values.append([xmin, ymin, xmax, ymax, *points, 1.0])
        scores.append(score)
    remaining = sorted(range(len(detections)), key=lambda i: -scores[i])
    out: list[Detection] = []
    while remaining:
        top_index = remaining[0]
        top = detections[top_index]
        if min_score > 0 and top.score < min_score:
            break
        top_box = values[top_index][:4]
        cluster: list[int] = []
        rest: list[int] = []
        for i in remaining:
            near = _overlap_f32(overlap_type, values[i][:4], top_box) > threshold
            (cluster if near else rest).append(i)
        if not cluster:
            out.append(top)
            break
        sums = [0.0] * len(values[top_index])
        for i in cluster:
            score = scores[i]
            products = round_f32([v * score for v in values[i]])
            sums = round_f32([a + b for a, b in zip(sums, products, strict=True)])
        total = sums.pop()
        merged = round_f32([a / total for a in sums])
        width, height = round_f32([merged[2] - merged[0], merged[3] - merged[1]])
        keypoints = np.array(merged[4:], np.float32).reshape(-1, 2)
        out.append(
            Detection(
                merged[0], merged[1], width, height, top.score, keypoints, top.label_id, top.label
            )
        )
        remaining = rest
    return out
