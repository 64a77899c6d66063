"""Peer trackers and metrics in their own environment (numpy >= 2): run by tracking_family.py.

Roboflow's ``trackers`` (SORT, ByteTrack, OC-SORT, BoT-SORT) need numpy >= 2, which
mediapipe 0.10.21 cannot share a process with, so ``tracking_family.py`` creates a
virtual environment for them and runs this script there on files:

    python peer_trackers.py JOB.npz OUT.json
    python peer_trackers.py --timing      # ms per frame: ours vs ByteTrack and SORT

``JOB.npz`` holds ``gt`` (MOTChallenge rows with visibility), ``detections`` (rows
``frame, x, y, w, h, score``: every candidate, low scores included), ``frames_path`` (a
``.npy`` of the RGB frames, for BoT-SORT's camera-motion compensation) and
``result:<name>`` arrays of trackers run elsewhere. Every peer runs at its documented
defaults and on the shared grid ``GRID`` (once per sequence: their scores are kept in
``OUT.peers.json`` and reused); every result (theirs and the ones given) is scored with ``trackers.eval`` (MOTA, IDF1, HOTA, ID switches) after the ignore-region
step of ``mot_scoring.scored_frames``. ``OUT.json`` maps each name to its metrics.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mot_scoring

PEERS = ("SORTTracker", "ByteTrackTracker", "OCSORTTracker", "BoTSORTTracker")
GRID = {"lost_track_buffer": (30, 90), "minimum_consecutive_frames": (1,)}
"""The shared grid: memory of a lost track (frames) x detections needed to confirm one."""
REQUIREMENTS = ("trackers==2.6.1",)


def peer_configs() -> list[tuple[str, str, dict[str, Any]]]:
    """``(name, class, kwargs)``: each peer at its defaults, then on every grid point."""
    configs = []
    for cls in PEERS:
        short = cls.removesuffix("Tracker")
        configs.append((f"{short} defaults", cls, {}))
        for values in itertools.product(*GRID.values()):
            kwargs = dict(zip(GRID, values, strict=True))
            label = ", ".join(f"{k.split('_')[0]} {v}" for k, v in kwargs.items())
            configs.append((f"{short} {label}", cls, kwargs))
    return configs


def run_peer(tracker: Any, detections: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, float]:
    """MOTChallenge rows of one tracker over the sequence and its mean ms per update."""
    import supervision as sv

    rows, spent = [], 0.0
    cmc = bool(getattr(tracker, "enable_cmc", False))  # BoT-SORT: camera motion from frames
    for t in range(len(frames)):
        d = detections[detections[:, 0] == t + 1]
        xyxy = np.column_stack([d[:, 1:3], d[:, 1:3] + d[:, 3:5]]).reshape(-1, 4)
        dets = sv.Detections(xyxy=xyxy, confidence=d[:, 5], class_id=np.zeros(len(d), int))
        start = time.perf_counter()
        out = tracker.update(dets, frame=frames[t]) if cmc else tracker.update(dets)
        spent += time.perf_counter() - start
        keep = out.tracker_id >= 0
        box = out.xyxy[keep]
        rows.append(
            np.column_stack(
                [
                    np.full(len(box), t + 1),
                    out.tracker_id[keep],
                    box[:, :2],
                    box[:, 2:] - box[:, :2],
                ]
            )
        )
    return np.concatenate(rows).reshape(-1, 6), 1000 * spent / len(frames)


def evaluate(gt: np.ndarray, results: np.ndarray) -> dict[str, float]:
    """MOTA, IDF1, HOTA, IDSW, FP, FN of ``results`` (``frame, id, x, y, w, h``) vs ``gt``."""
    from trackers.eval import (
        compute_clear_metrics,
        compute_hota_metrics,
        compute_identity_metrics,
    )

    gt_ids, tr_ids, sims = [], [], []
    for g, r in mot_scoring.scored_frames(gt, results):
        gt_ids.append(g[:, 1].astype(int))
        tr_ids.append(r[:, 1].astype(int))
        sims.append(mot_scoring.iou_matrix(g[:, 2:6], r[:, 2:6]))
    clear = compute_clear_metrics(gt_ids, tr_ids, sims)
    ident = compute_identity_metrics(gt_ids, tr_ids, sims)
    hota = compute_hota_metrics(gt_ids, tr_ids, sims)
    return {
        "MOTA": float(clear["MOTA"]),
        "IDF1": float(ident["IDF1"]),
        "HOTA": float(np.mean(hota["HOTA"])),
        "IDSW": int(clear["IDSW"]),
        "FP": int(clear["CLR_FP"]),
        "FN": int(clear["CLR_FN"]),
        "ids": len(set(results[:, 1].astype(int).tolist())),
    }


def timing(rounds: int = 5, frames: int = 200) -> None:
    """Ours vs ByteTrack and SORT per frame on the same moving boxes, rounds interleaved.

    Our tracker is imported from the source tree (its modules need only numpy, scipy and
    OpenCV), so all three are timed in one process at the same moments: the ratios hold
    on a loaded machine where wall-clock milliseconds do not. Each update is also timed
    in this thread's CPU time, which waiting for a core does not inflate.
    """
    import supervision as sv
    import trackers

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calculators"))
    from tracking.tracker import ObjectTracker

    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (720, 1280, 3), np.uint8)
    print(
        "| objects | ours CPU ms | ByteTrack CPU ms | SORT CPU ms | ours / ByteTrack"
        " | ours / SORT | ours wall ms | ByteTrack wall ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for count in (5, 20, 50):
        start = rng.uniform([0, 0], [1200, 640], (count, 2))
        velocity = rng.uniform(-2, 2, (count, 2))
        boxes = [
            np.column_stack([np.clip(start + velocity * t, 0, 1200), np.full((count, 2), 48.0)])
            for t in range(frames)
        ]
        scores = [rng.uniform(0.3, 1.0, count) for _ in range(frames)]
        names = ("ours", "ByteTrack", "SORT")
        cpu: dict[str, list[float]] = {name: [] for name in names}
        wall: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(rounds):
            for name in names:
                tracker = (
                    ObjectTracker() if name == "ours" else getattr(trackers, f"{name}Tracker")()
                )
                cpu_total = wall_total = 0.0
                for b, s in zip(boxes, scores, strict=True):
                    dets = sv.Detections(
                        xyxy=np.column_stack([b[:, :2], b[:, :2] + b[:, 2:]]), confidence=s
                    )
                    begin, begin_cpu = time.perf_counter(), time.thread_time()
                    tracker.update(image, b, s) if name == "ours" else tracker.update(dets)
                    cpu_total += time.thread_time() - begin_cpu
                    wall_total += time.perf_counter() - begin
                cpu[name].append(1000 * cpu_total / frames)
                wall[name].append(1000 * wall_total / frames)
        ours, byte, sort = (float(np.median(cpu[name])) for name in names)
        print(
            f"| {count} | {ours:.3f} | {byte:.3f} | {sort:.3f} | {ours / byte:.2f} |"
            f" {ours / sort:.2f} | {np.median(wall['ours']):.3f} |"
            f" {np.median(wall['ByteTrack']):.3f} |"
        )


def main() -> None:
    import trackers

    if sys.argv[1] == "--timing":
        timing()
        return
    job_path, out_path = sys.argv[1:3]
    job = np.load(job_path)
    gt, detections = job["gt"], job["detections"]
    frames = np.load(str(job["frames_path"]), mmap_mode="r")
    # the peers' scores depend only on the sequence: kept beside the report for reruns
    peers_path = Path(out_path).with_suffix(".peers.json")
    if peers_path.exists():
        report: dict[str, dict[str, float]] = json.loads(peers_path.read_text())
    else:
        report = {}
        for name, cls, kwargs in peer_configs():
            rows, ms = run_peer(getattr(trackers, cls)(**kwargs), detections, frames)
            report[name] = {**evaluate(gt, rows), "tracker_ms": ms, "peer": 1}
        peers_path.write_text(json.dumps(report, indent=1))
    for key in job.files:
        if key.startswith("result:"):
            report[key.removeprefix("result:")] = {**evaluate(gt, job[key]), "peer": 0}
    Path(out_path).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
