"""SSD anchor generation (MediaPipe's SsdAnchorsCalculator, non-multiscale variant).

Anchors are a float32 ``[N, 4]`` array of (x_center, y_center, width, height), all
normalized to the model input. Layers with equal consecutive strides share one feature
map; within a cell the anchors of all merged layers are consecutive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from mediapipe.calculators.tflite import ssd_anchors_calculator_pb2

SsdAnchorsOptions = ssd_anchors_calculator_pb2.SsdAnchorsCalculatorOptions


def _scale(min_scale: float, max_scale: float, index: int, count: int) -> float:
    if count == 1:
        return (min_scale + max_scale) * 0.5
    return min_scale + (max_scale - min_scale) * index / (count - 1.0)


def _layer_sizes(options: Any, first: int, last: int) -> list[tuple[float, float]]:
    """(width, height) of every anchor of one cell for layers ``first..last-1``."""
    strides = len(options.strides)
    ratios: list[float] = []
    scales: list[float] = []
    for layer in range(first, last):
        scale = _scale(options.min_scale, options.max_scale, layer, strides)
        if layer == 0 and options.reduce_boxes_in_lowest_layer:
            ratios += [1.0, 2.0, 0.5]
            scales += [0.1, scale, scale]
            continue
        ratios += list(options.aspect_ratios)
        scales += [scale] * len(options.aspect_ratios)
        if options.interpolated_scale_aspect_ratio > 0.0:
            following = (
                1.0
                if layer == strides - 1
                else _scale(options.min_scale, options.max_scale, layer + 1, strides)
            )
            scales.append(math.sqrt(scale * following))
            ratios.append(options.interpolated_scale_aspect_ratio)
    return [(s * math.sqrt(r), s / math.sqrt(r)) for s, r in zip(scales, ratios, strict=True)]


def generate_anchors(options: Any) -> np.ndarray:
    """The anchors described by ``options`` (fixed anchors or the SSD grid)."""
    if options.fixed_anchors:
        return np.array(
            [[a.x_center, a.y_center, a.w, a.h] for a in options.fixed_anchors], np.float32
        )
    if options.multiscale_anchor_generation:
        raise ValueError("multiscale_anchor_generation is not supported")
    has_maps = len(options.feature_map_height) > 0
    if not has_maps and not options.strides:
        raise ValueError("SsdAnchorsCalculatorOptions needs strides or feature map sizes")
    layers = options.num_layers
    if len(options.feature_map_height if has_maps else options.strides) != layers:
        raise ValueError(f"num_layers {layers} does not match the strides/feature maps")
    blocks = []
    layer = 0
    while layer < layers:
        last = layer
        while last < len(options.strides) and options.strides[last] == options.strides[layer]:
            last += 1
        last = max(last, layer + 1)
        if has_maps:
            fm_h, fm_w = options.feature_map_height[layer], options.feature_map_width[layer]
        else:
            stride = options.strides[layer]
            fm_h = math.ceil(options.input_size_height / stride)
            fm_w = math.ceil(options.input_size_width / stride)
        sizes = np.array(_layer_sizes(options, layer, last), np.float32)
        if options.fixed_anchor_size:
            sizes[:] = 1.0
        ys, xs = np.meshgrid(np.arange(fm_h), np.arange(fm_w), indexing="ij")
        xc = ((xs + options.anchor_offset_x) / fm_w).astype(np.float32).reshape(-1, 1)
        yc = ((ys + options.anchor_offset_y) / fm_h).astype(np.float32).reshape(-1, 1)
        count = len(sizes)
        block = np.empty((fm_h * fm_w, count, 4), np.float32)
        block[:, :, 0] = xc
        block[:, :, 1] = yc
        block[:, :, 2:] = sizes[None, :, :]
        blocks.append(block.reshape(-1, 4))
        layer = last
    return np.concatenate(blocks) if blocks else np.zeros((0, 4), np.float32)
