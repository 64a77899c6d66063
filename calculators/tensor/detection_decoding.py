"""Vectorized SSD box decoding and scoring for TensorsToDetectionsCalculator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mediapipe.calculators.tensor import tensors_to_detections_calculator_pb2

from pipeserve.calculators.formats import Detection

Options = tensors_to_detections_calculator_pb2.TensorsToDetectionsCalculatorOptions


@dataclass(slots=True, frozen=True)
class DecodeSpec:
    """The options that decoding needs, resolved once."""

    num_boxes: int
    num_coords: int
    box_format: int
    box_offset: int
    keypoint_offset: int
    num_keypoints: int
    scales: np.ndarray  # float32 (x, y, w, h)
    exponential_size: bool
    flip_vertically: bool
    box_indices: tuple[int, int, int, int]  # positions of ymin, xmin, ymax, xmax

    @classmethod
    def from_options(cls, options: Any) -> DecodeSpec:
        if options.num_values_per_keypoint != 2:
            raise ValueError("num_values_per_keypoint must be 2")
        if options.num_keypoints * 2 + 4 != options.num_coords:
            raise ValueError("num_coords must be 4 + 2 * num_keypoints")
        box_format = options.box_format
        if not options.HasField("box_format"):
            box_format = Options.XYWH if options.reverse_output_order else Options.YXHW
        indices = (0, 1, 2, 3)
        if options.HasField("box_boundaries_indices"):
            b = options.box_boundaries_indices
            indices = (b.ymin, b.xmin, b.ymax, b.xmax)
            if sorted(indices) != [0, 1, 2, 3]:
                raise ValueError("box_boundaries_indices must cover 0, 1, 2 and 3")
        return cls(
            num_boxes=options.num_boxes,
            num_coords=options.num_coords,
            box_format=box_format,
            box_offset=options.box_coord_offset,
            keypoint_offset=options.keypoint_coord_offset,
            num_keypoints=options.num_keypoints,
            scales=np.array(
                [options.x_scale, options.y_scale, options.w_scale, options.h_scale], np.float32
            ),
            exponential_size=options.apply_exponential_on_box_size,
            flip_vertically=options.flip_vertically,
            box_indices=indices,
        )


def decode_boxes(raw: np.ndarray, anchors: np.ndarray, spec: DecodeSpec) -> np.ndarray:
    """Raw ``[N, num_coords]`` regressions → ``[N, 4 + 2K]`` (ymin, xmin, ymax, xmax, kp x/y).

    The box center and the keypoints are decoded as one ``[N, 1 + K, 2]`` block of points
    (``p / scale * anchor_size + anchor_center``, the same float32 steps per value)."""
    box = raw[:, spec.box_offset : spec.box_offset + 4]
    if spec.box_format == Options.XYWH:
        center, size = box[:, 0:2], box[:, 2:4]
    elif spec.box_format == Options.XYXY:
        center = (box[:, 2:4] - box[:, 0:2]) / 2
        size = box[:, 2:4] + box[:, 0:2]
    else:
        center, size = box[:, 1::-1], box[:, 3:1:-1]
    count, k = raw.shape[0], spec.num_keypoints
    points = np.empty((count, 1 + k, 2), np.float32)
    points[:, 0] = center
    if k:
        start = spec.keypoint_offset
        kps = raw[:, start : start + 2 * k].reshape(count, k, 2)
        points[:, 1:] = kps if spec.box_format in (Options.XYWH, Options.XYXY) else kps[:, :, ::-1]
    anchor_center, anchor_size = anchors[:, None, 0:2], anchors[:, 2:4]
    points /= spec.scales[0:2]
    points *= anchor_size[:, None]
    points += anchor_center
    size = size / spec.scales[2:4]
    if spec.exponential_size:
        size = np.exp(size)
    half = size * anchor_size / 2
    out = np.empty((count, 4 + 2 * k), np.float32)
    out[:, 1::-1] = points[:, 0] - half
    out[:, 3:1:-1] = points[:, 0] + half
    out[:, 4:] = points[:, 1:].reshape(count, -1)
    return out


def to_detections(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, spec: DecodeSpec
) -> list[Detection]:
    """Detections for the rows of ``boxes`` (already filtered), in row order."""
    iy0, ix0, iy1, ix1 = spec.box_indices
    count = len(boxes)
    head = np.empty((count, 5), np.float32)  # xmin, ymin, width, height, score
    xmin, ymax = boxes[:, ix0], boxes[:, iy1]
    head[:, 0] = xmin
    head[:, 1] = 1.0 - ymax if spec.flip_vertically else boxes[:, iy0]
    head[:, 2] = boxes[:, ix1] - xmin
    head[:, 3] = ymax - boxes[:, iy0]
    head[:, 4] = scores
    keypoints = boxes[:, 4:].reshape(count, spec.num_keypoints, 2).copy()
    if spec.flip_vertically:
        keypoints[:, :, 1] = 1.0 - keypoints[:, :, 1]
    rows = np.flatnonzero((head[:, 2] >= 0) & (head[:, 3] >= 0))
    if len(rows) < count:
        head, classes, keypoints = head[rows], classes[rows], keypoints[rows]
    return [
        Detection(x, y, w, h, score, points, label)
        for (x, y, w, h, score), points, label in zip(
            head.tolist(), keypoints, classes.tolist(), strict=True
        )
    ]
