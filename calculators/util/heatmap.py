"""Landmark refinement from a heatmap (RefineLandmarksFromHeatmapCalculator's math)."""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.tensor.tensors_to_floats import sigmoid


def row_major_sums(windows: np.ndarray) -> np.ndarray:
    """Sum of each [k, k] window of ``windows`` [..., M, k, k] in row-major order,
    accumulated in float32 (the C++ loop): [..., M]."""
    flat = windows.reshape(*windows.shape[:-2], -1)
    return np.cumsum(flat, axis=-1, dtype=np.float32)[..., -1]


def refine_from_heatmap(
    landmarks: np.ndarray,
    heatmap: np.ndarray,
    kernel_size: int,
    min_confidence: float,
    refine_presence: bool,
    refine_visibility: bool,
) -> np.ndarray:
    """Landmarks [N, 5] refined by the sigmoid-weighted centroid of a window of their layer.

    ``heatmap`` is [H, W, N] (or [1, H, W, N]). The window is centred on the cell
    (trunc(x W), trunc(y H)) (C++ integer truncation, no +0.5); landmarks outside the map are
    kept. x, y move to the centroid (cell indices / size) when the window's maximum
    confidence reaches ``min_confidence``.
    """
    if heatmap.ndim == 4:
        if heatmap.shape[0] != 1:
            raise ValueError("expected batch 1 for a BHWC heatmap")
        heatmap = heatmap[0]
    if heatmap.ndim != 3:
        raise ValueError(f"invalid heatmap shape {heatmap.shape}")
    height, width, channels = heatmap.shape
    if channels != len(landmarks):
        raise ValueError(f"heatmap has {channels} layers for {len(landmarks)} landmarks")
    out = np.array(landmarks, np.float32, copy=True)
    cols = (out[:, 0] * np.float32(width)).astype(np.int64)  # truncates, as C++
    rows = (out[:, 1] * np.float32(height)).astype(np.int64)
    inside = np.flatnonzero((cols >= 0) & (cols < width) & (rows >= 0) & (rows < height))
    if not inside.size:
        return out
    offsets = np.arange(kernel_size) - (kernel_size - 1) // 2
    win_rows = rows[inside, None] + offsets  # [M, k]
    win_cols = cols[inside, None] + offsets
    valid = ((win_rows >= 0) & (win_rows < height))[:, :, None] & (
        (win_cols >= 0) & (win_cols < width)
    )[:, None, :]
    raw = heatmap[
        np.minimum(np.maximum(win_rows, 0), height - 1)[:, :, None],
        np.minimum(np.maximum(win_cols, 0), width - 1)[:, None, :],
        inside[:, None, None],
    ]
    # the confidences, and their products with each cell's column and row: summed at once
    windows = np.empty((3, *raw.shape), np.float32)
    confidence = windows[0]
    np.copyto(confidence, sigmoid(raw))
    confidence[~valid] = 0.0
    np.multiply(confidence, win_cols[:, None, :].astype(np.float32), out=windows[1])
    np.multiply(confidence, win_rows[:, :, None].astype(np.float32), out=windows[2])
    total, weighted_col, weighted_row = row_major_sums(windows)
    peak = confidence.max(axis=(1, 2))
    positive = total > 0
    move = (peak >= min_confidence) & positive
    moved, divisor = inside[move], total[move]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[moved, 0] = weighted_col[move] / width / divisor
        out[moved, 1] = weighted_row[move] / height / divisor
    refined, peak = inside[positive], peak[positive]
    for column, enabled in ((4, refine_presence), (3, refine_visibility)):
        if enabled:
            out[refined, column] = np.minimum(out[refined, column], peak)
    return out
