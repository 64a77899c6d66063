"""MOTChallenge-style scoring of tracker output against ground truth, with py-motmetrics.

Protocol: ground-truth boxes with visibility < ``min_visibility`` are ignore regions.
Per frame, tracker boxes are matched (Hungarian, IoU >= 0.5) against all ground truth;
those matched to an ignored box are dropped, then the ignored boxes are dropped. What
remains is scored with CLEAR MOT (MOTA, ID switches) and Identity (IDF1) metrics at
IoU >= 0.5. Rows are MOTChallenge arrays: ``frame, id, x, y, w, h, ...`` (ground truth
column 8 = visibility).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

METRICS = (
    "mota",
    "idf1",
    "num_switches",
    "num_false_positives",
    "num_misses",
    "num_unique_objects",
)
NAMES = {
    "mota": "MOTA",
    "idf1": "IDF1",
    "num_switches": "IDSW",
    "num_false_positives": "FP",
    "num_misses": "FN",
    "num_unique_objects": "GT ids",
}


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between ``x, y, w, h`` boxes ``a`` [N, 4] and ``b`` [M, 4]: [N, M]."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, :2] + a[:, None, 2:4], b[None, :, :2] + b[None, :, 2:4])
    inter = np.prod(np.maximum(hi - lo, 0.0), axis=2)
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-12)


def scored_frames(
    gt: np.ndarray, results: np.ndarray, min_visibility: float = 0.5
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per frame (from 1), the ground truth and results left after the ignore regions."""
    last = int(max(gt[:, 0].max(), results[:, 0].max() if len(results) else 0))
    frames = []
    for frame in range(1, last + 1):
        g = gt[gt[:, 0] == frame]
        r = results[results[:, 0] == frame]
        if len(g) and len(r):
            iou = iou_matrix(g[:, 2:6], r[:, 2:6])
            rows, cols = linear_sum_assignment(-iou)
            ignored = g[:, 8] < min_visibility
            drop = {
                c for row, c in zip(rows, cols, strict=True) if iou[row, c] >= 0.5 and ignored[row]
            }
            r = r[[i for i in range(len(r)) if i not in drop]]
        frames.append((g[g[:, 8] >= min_visibility], r))
    return frames


def oracle(gt: np.ndarray, detections: np.ndarray) -> np.ndarray:
    """An upper bound from the detections alone: each one given its true identity.

    Per frame, ``detections`` (rows ``frame, x, y, w, h, score``) are matched to all
    ground truth (Hungarian, IoU >= 0.5); matched ones are reported with the ground-truth
    ID, unmatched ones dropped. No false positive, no ID switch: what a tracker that
    reports only detected boxes can reach at best (coasting through gaps can add to it).
    """
    rows = []
    for frame in np.unique(detections[:, 0]):
        g = gt[gt[:, 0] == frame]
        d = detections[detections[:, 0] == frame]
        if not len(g):
            continue
        iou = iou_matrix(g[:, 2:6], d[:, 1:5])
        for row, col in zip(*linear_sum_assignment(-iou), strict=True):
            if iou[row, col] >= 0.5:
                rows.append([frame, g[row, 1], *d[col, 1:5]])
    return np.array(rows, np.float64).reshape(-1, 6)


def score(gt: np.ndarray, results: np.ndarray, min_visibility: float = 0.5) -> dict[str, float]:
    """MOTA, IDF1, IDSW, FP, FN (and number of scored GT ids) of ``results`` vs ``gt``."""
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=True)
    for g, r in scored_frames(gt, results, min_visibility):
        distances = mm.distances.iou_matrix(g[:, 2:6], r[:, 2:6], max_iou=0.5)
        acc.update(g[:, 1].astype(int).tolist(), r[:, 1].astype(int).tolist(), distances)
    summary = mm.metrics.create().compute(acc, metrics=list(METRICS), name="run")
    return {NAMES[m]: float(summary[m].iloc[0]) for m in METRICS}


def format_row(name: str, metrics: dict[str, float], extra: str = "") -> str:
    """One markdown table row: name, MOTA, IDF1, IDSW, FP, FN, then ``extra``."""
    return (
        f"| {name} | {metrics['MOTA']:.3f} | {metrics['IDF1']:.3f} | {int(metrics['IDSW'])} | "
        f"{int(metrics['FP'])} | {int(metrics['FN'])} |{extra}"
    )


def main() -> None:
    """``python mot_scoring.py GT RESULTS``: print the metrics of a MOTChallenge results file."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("gt", help="ground truth: frame,id,x,y,w,h,1,1,visibility")
    parser.add_argument("results", help="tracker output: frame,id,x,y,w,h,score,...")
    args = parser.parse_args()
    gt = np.loadtxt(args.gt, delimiter=",", ndmin=2)
    results = np.loadtxt(args.results, delimiter=",", ndmin=2)
    for name, value in score(gt, results).items():
        print(f"{name:7} {value:.3f}" if name in ("MOTA", "IDF1") else f"{name:7} {int(value)}")


if __name__ == "__main__":
    main()
