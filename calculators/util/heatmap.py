"""Landmark refinement from a heatmap (RefineLandmarksFromHeatmapCalculator's math)."""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.tensor.tensors_to_floats import sigmoid


def row_major_sum(windows: np.ndarray) -> np.ndarray:
    """Sum of each [k, k] window in row-major order, accumulated in float32 (C++ loop)."""
    flat = windows.reshape(len(windows), -1)
    return np.cumsum(flat, axis=1, dtype=np.float32)[:, -1]


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
    cols = np.trunc(out[:, 0] * np.float32(width)).astype(np.int64)
    rows = np.trunc(out[:, 1] * np.float32(height)).astype(np.int64)
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
        np.clip(win_rows, 0, height - 1)[:, :, None],
        np.clip(win_cols, 0, width - 1)[:, None, :],
        inside[:, None, None],
    ]
    confidence = np.where(valid, sigmoid(raw), np.float32(0.0))
    peak = confidence.max(axis=(1, 2))
    total = row_major_sum(confidence)
    weighted_col = row_major_sum(confidence * win_cols[:, None, :].astype(np.float32))
    weighted_row = row_major_sum(confidence * win_rows[:, :, None].astype(np.float32))
    move = (peak >= min_confidence) & (total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[inside[move], 0] = weighted_col[move] / width / total[move]
        out[inside[move], 1] = weighted_row[move] / height / total[move]
    positive = inside[total > 0]
    for column, enabled in ((4, refine_presence), (3, refine_visibility)):
        if enabled:
            out[positive, column] = np.minimum(out[positive, column], peak[total > 0])
    return out
