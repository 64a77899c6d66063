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
    """Raw ``[N, num_coords]`` regressions → ``[N, 4 + 2K]`` (ymin, xmin, ymax, xmax, kp x/y)."""
    box = raw[:, spec.box_offset : spec.box_offset + 4]
    if spec.box_format == Options.XYWH:
        xc, yc, w, h = box[:, 0], box[:, 1], box[:, 2], box[:, 3]
    elif spec.box_format == Options.XYXY:
        xc, yc = (box[:, 2] - box[:, 0]) / 2, (box[:, 3] - box[:, 1]) / 2
        w, h = box[:, 2] + box[:, 0], box[:, 3] + box[:, 1]
    else:
        yc, xc, h, w = box[:, 0], box[:, 1], box[:, 2], box[:, 3]
    ax, ay, aw, ah = anchors[:, 0], anchors[:, 1], anchors[:, 2], anchors[:, 3]
    sx, sy, sw, sh = spec.scales
    xc = xc / sx * aw + ax
    yc = yc / sy * ah + ay
    if spec.exponential_size:
        h, w = np.exp(h / sh) * ah, np.exp(w / sw) * aw
    else:
        h, w = h / sh * ah, w / sw * aw
    out = np.empty((raw.shape[0], 4 + 2 * spec.num_keypoints), np.float32)
    out[:, 0], out[:, 1] = yc - h / 2, xc - w / 2
    out[:, 2], out[:, 3] = yc + h / 2, xc + w / 2
    if spec.num_keypoints:
        start = spec.keypoint_offset
        kps = raw[:, start : start + 2 * spec.num_keypoints].reshape(-1, spec.num_keypoints, 2)
        if spec.box_format not in (Options.XYWH, Options.XYXY):
            kps = kps[:, :, ::-1]
        out[:, 4::2] = kps[:, :, 0] / sx * aw[:, None] + ax[:, None]
        out[:, 5::2] = kps[:, :, 1] / sy * ah[:, None] + ay[:, None]
    return out


def to_detections(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, spec: DecodeSpec
) -> list[Detection]:
    """Detections for the rows of ``boxes`` (already filtered), in row order."""
    iy0, ix0, iy1, ix1 = spec.box_indices
    xmin, xmax = boxes[:, ix0], boxes[:, ix1]
    ymin, ymax = boxes[:, iy0], boxes[:, iy1]
    if spec.flip_vertically:
        ymin = 1.0 - ymax
    width, height = xmax - xmin, ymax - boxes[:, iy0]
    keep = (width >= 0) & (height >= 0)
    keypoints = boxes[:, 4:].reshape(len(boxes), spec.num_keypoints, 2).copy()
    if spec.flip_vertically:
        keypoints[:, :, 1] = 1.0 - keypoints[:, :, 1]
    rows = np.flatnonzero(keep)
    columns = (xmin[rows], ymin[rows], width[rows], height[rows], scores[rows], classes[rows])
    return [
        Detection(x, y, w, h, score, keypoints[i], label)
        for i, x, y, w, h, score, label in zip(
            rows.tolist(), *(c.tolist() for c in columns), strict=True
        )
    ]
