"""Multi-object tracking by detection: Kalman motion, Hungarian matching, re-identification.

One ``ObjectTracker`` is one stream's state; ``update`` processes one frame:

1. every track's motion model predicts;
2. confirmed tracks (unseen for at most ``max_age`` frames) are matched to detections
   scoring at least ``high_score`` by IoU with the predicted box plus appearance, those
   seen in the last ``priority_unseen`` frames first (one unseen for over ``verify_unseen``
   frames only to a detection that looks like it); a detection the frame edge cuts keeps
   the track's size beyond the edge; confirmed tracks left over are then matched to the
   weaker candidates by IoU alone (a second stage, as ByteTrack), then tentative tracks;
3. lost confirmed tracks are matched to the remaining strong detections by appearance
   alone (re-identification), then to the remaining weak candidates within reach that look
   like them and unlike every other confirmed track; the strong detections left start
   tentative tracks (weak candidates never do);
4. a tentative track is confirmed after ``min_hits`` consecutive detections and only then
   gets an ID: the ID of a lost track it resembles, else (after ``reid_defer`` more
   detections if some track was lost before it was born) the next ID of this tracker;
   a young confirmed track that turns out to resemble a track lost before it was born
   takes that track's ID (the first frames of a re-entering object are often partial).

Appearance galleries hold embeddings of clean detections (inside the frame, overlapping
no other detection). IDs count from 1 per tracker. Ages count processed frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import appearance
from .kalman import BoxKalmanFilter
from .matching import INFEASIBLE, FrameDetections, assign, edge_box, gated_iou_cost


@dataclass(slots=True)
class TrackerConfig:
    """Tracker parameters (the fields of ``pipeserve.ObjectTrackerCalculatorOptions``)."""

    min_iou: float = 0.2
    """Least IoU between a track's predicted box and a detection to match them by motion."""
    high_score: float = 0.6
    """Detections scoring at least this start tracks; weaker ones only continue them."""
    low_min_iou: float = 0.8
    """Least IoU between a track's predicted box and a weak detection to match them."""
    max_size_ratio: float = 1.5
    """A detection more than this many times taller or shorter than a track's predicted
    box never matches it by IoU (0: no size gate)."""
    appearance_weight: float = 0.2
    """Weight of (1 - appearance similarity) next to (1 - IoU) in the motion matching cost
    (only where a track or a detection has more than one candidate)."""
    min_hits: int = 3
    """Consecutive detections that confirm a new track (it gets its ID then)."""
    confirm_score: float = 0.75
    """A new track whose latest detection scores at least this is confirmed at once."""
    max_age: int = 60
    """Frames an unseen confirmed track is still matched by motion."""
    priority_unseen: int = 1
    """Tracks unseen for at most this many frames are matched by motion before the others, so
    a track lost behind another object cannot take the visible one's detection (0: together)."""
    verify_unseen: int = 5
    """A track unseen for more than this many frames is matched by motion only to a detection
    that looks like it: similarity at least ``verify_similarity``, or within ``verify_margin``
    of its best similarity to any other confirmed track (0: never checked)."""
    verify_similarity: float = 0.3
    verify_margin: float = 0.1
    max_coast_frames: int = 1
    """Frames an unseen confirmed track is still output at its predicted box."""
    max_edge_coast_frames: int = 6
    """Frames an unseen confirmed track is still output while its predicted box crosses the
    frame edge (the detector misses faces cut by the edge; at least ``max_coast_frames``)."""
    edge_grow_below: float = 0.85
    """A matched detection crossing the frame edge at less than this fraction of the track's
    predicted size is grown to that size beyond the edge (the detector shrinks faces the
    edge cuts; 0: never)."""
    max_weak_frames: int = 10
    """Frames in a row a track matched only to weak detections is still output."""
    reid_max_age: int = 900
    """Frames an unseen confirmed track is kept for re-identification."""
    reid_similarity: float = 0.75
    """Least appearance similarity to give a lost track's ID to a detection."""
    weak_reid_similarity: float = 0.9
    """Least appearance similarity for a weak candidate to continue a lost track (an object
    the detector finds again only at low score; 0: weak candidates never re-identify)."""
    weak_reid_reach: float = 1.5
    """A weak candidate continues a lost track only within this many box heights of the
    track's predicted centre (plus ``near_growth`` per unseen frame)."""
    weak_reid_margin: float = 0.1
    """A weak candidate continues a lost track only if it looks like it by at least this much
    more than like any other confirmed track."""
    near_similarity: float = 0.55
    near_growth: float = 0.05
    reid_defer: int = 4
    """Extra detections a new track waits for an ID while a lost track might claim it."""
    defer_similarity: float = 0.6
    """Least similarity to a lost track that makes a new track wait (partial ones always do)."""
    wait_near_similarity: float = 0.2
    """Least similarity to a lost track predicted near a new track's clean detection that
    makes the new track wait for ``reid_defer`` (-1: any lost track near it does)."""
    reid_window: int = 0
    """Frames after its birth during which a track may still take a lost track's ID."""
    gallery_size: int = 8
    """Embeddings kept per track; re-identification uses the best-matching one."""
    gallery_interval: int = 5
    """Least frames between two embeddings added to a track's gallery."""


@dataclass(slots=True)
class Track:
    """One object: motion state, appearance gallery, bookkeeping (ID 0 while tentative)."""

    kalman: BoxKalmanFilter
    box: np.ndarray
    score: float
    born: int
    gallery: np.ndarray
    track_id: int = 0
    hits: int = 1
    unseen: int = 0
    weak_run: int = 0
    """Consecutive frames matched only to weak detections."""
    snapshot: int = 0
    detection: int = -1
    """Index of the detection matched in the current frame (-1 if none)."""

    @property
    def confirmed(self) -> bool:
        return self.track_id > 0

    def __repr__(self) -> str:
        return f"Track(id={self.track_id}, hits={self.hits}, unseen={self.unseen})"


@dataclass(slots=True)
class TrackedObject:
    """One output row: the track's ID, box ``[x, y, w, h]`` and score."""

    track_id: int
    box: np.ndarray
    score: float


def _predicted(tracks: list[Track]) -> np.ndarray:
    return np.array([t.kalman.box_values for t in tracks])


def _gallery_similarity(tracks: list[Track], queries: np.ndarray) -> np.ndarray:
    """Best similarity of each track's gallery to each query embedding: [tracks, queries]."""
    return appearance.best_similarity([t.gallery for t in tracks], queries)


CostFn = Callable[[list[Track], FrameDetections, list[int]], np.ndarray]


@dataclass(slots=True)
class ObjectTracker:
    """The tracking state of one stream. ``update`` once per frame."""

    config: TrackerConfig = field(default_factory=TrackerConfig)
    tracks: list[Track] = field(default_factory=list)
    next_id: int = 1
    frame: int = 0

    def update(
        self, image: np.ndarray, boxes: np.ndarray, scores: np.ndarray
    ) -> list[TrackedObject]:
        """Track one frame: ``boxes`` [N, 4] ``[x, y, w, h]`` in pixels of ``image`` (RGB).

        Returns the confirmed tracks seen in this frame (and coasting ones), by ID.
        """
        cfg = self.config
        self.frame += 1
        for track in self.tracks:
            if track.unseen == 1:
                track.kalman.hold_size()  # partial views before a miss must not shrink it away
            track.kalman.predict()
            track.unseen += 1
            track.detection = -1
            if track.unseen == cfg.max_age + 1:
                track.kalman.stop()
        dets = FrameDetections(image, boxes, scores)
        strong = dets.scores >= cfg.high_score
        free = [d for d in range(len(dets)) if strong[d]]
        weak = [d for d in range(len(dets)) if not strong[d]]
        active = [t for t in self.tracks if t.confirmed and t.unseen <= cfg.max_age]
        if cfg.priority_unseen > 0:  # recently seen tracks first (a matching cascade)
            first = [t for t in active if t.unseen <= cfg.priority_unseen]
            free = self._match(first, dets, free, self._motion_cost)
            later = [t for t in active if t.unseen > cfg.priority_unseen]
            free = self._match(later, dets, free, self._motion_cost)
        else:
            free = self._match(active, dets, free, self._motion_cost)
        recent = [t for t in active if t.unseen > 0]
        free = self._match(recent, dets, free, self._near_cost)
        weak = self._match([t for t in active if t.unseen > 0], dets, weak, self._weak_cost)
        tentative = [t for t in self.tracks if not t.confirmed]
        free = self._match(tentative, dets, free, self._iou_cost)
        weak = self._match([t for t in tentative if t.unseen > 0], dets, weak, self._weak_cost)
        lost = [t for t in self.tracks if t.confirmed and t.unseen > 0]
        free = self._match(lost, dets, free, self._reid_cost)
        if cfg.weak_reid_similarity > 0:
            self._match([t for t in lost if t.unseen > 0], dets, weak, self._weak_reid_cost)
        for d in free:
            gallery = dets.embeddings([d])
            track = Track(
                BoxKalmanFilter(dets.boxes[d]),
                dets.boxes[d],
                float(dets.scores[d]),
                self.frame,
                gallery,
                snapshot=self.frame,
                detection=d,
            )
            self.tracks.append(track)
        self._confirm_and_reidentify(dets)
        return self._output(image.shape[1], image.shape[0])

    def _iou_cost(self, tracks: list[Track], dets: FrameDetections, free: list[int]) -> np.ndarray:
        cfg = self.config
        return gated_iou_cost(_predicted(tracks), dets.boxes[free], cfg.min_iou, cfg.max_size_ratio)

    def _weak_cost(self, tracks: list[Track], dets: FrameDetections, free: list[int]) -> np.ndarray:
        cfg = self.config
        return gated_iou_cost(
            _predicted(tracks), dets.boxes[free], cfg.low_min_iou, cfg.max_size_ratio
        )

    def _motion_cost(
        self, tracks: list[Track], dets: FrameDetections, free: list[int]
    ) -> np.ndarray:
        cost = self._iou_cost(tracks, dets, free)
        if self.config.appearance_weight > 0:
            # only where a track or a detection has a choice: a pair alone in its row and
            # column is matched whatever its cost, so it needs no embedding
            feasible = cost < INFEASIBLE
            alone = (feasible.sum(axis=1, keepdims=True) == 1) & (feasible.sum(axis=0) == 1)
            contested = feasible & ~alone
            rows = np.flatnonzero(contested.any(axis=1))
            cols = np.flatnonzero(contested.any(axis=0))
            if len(rows):
                queries = dets.embeddings([free[c] for c in cols])
                sim = _gallery_similarity([tracks[r] for r in rows], queries)
                block = np.ix_(rows, cols)
                cost[block] += self.config.appearance_weight * (1.0 - sim)
        return self._verified(tracks, dets, free, cost)

    def _verified(
        self, tracks: list[Track], dets: FrameDetections, free: list[int], cost: np.ndarray
    ) -> np.ndarray:
        """``cost`` with the pairs of long-unseen tracks that do not look alike made infeasible."""
        cfg = self.config
        rows = [r for r, t in enumerate(tracks) if t.unseen > cfg.verify_unseen > 0]
        if not rows or cost[rows].min() >= INFEASIBLE:
            return cost
        cols = np.flatnonzero((cost[rows] < INFEASIBLE).any(axis=0))
        own, rival = self._own_and_rival([tracks[r] for r in rows], dets, [free[c] for c in cols])
        unlike = (own < cfg.verify_similarity) & (own < rival - cfg.verify_margin)
        block = np.ix_(np.asarray(rows), cols)
        cost[block] = np.where(unlike, INFEASIBLE, cost[block])
        return cost

    def _own_and_rival(
        self, tracks: list[Track], dets: FrameDetections, detections: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each detection's best similarity to each of ``tracks`` (confirmed ones) and to any
        other confirmed track: two [tracks, detections] arrays."""
        confirmed = [t for t in self.tracks if t.confirmed]
        index = [next(i for i, c in enumerate(confirmed) if c is t) for t in tracks]
        queries = dets.embeddings(detections)
        return appearance.own_and_rival([t.gallery for t in confirmed], index, queries)

    def _within_reach(self, tracks: list[Track], boxes: np.ndarray, heights: float) -> np.ndarray:
        """Whether each box's centre lies within ``heights`` predicted box heights (plus
        ``near_growth`` per unseen frame) of each track's predicted centre: [tracks, boxes]."""
        predicted = np.stack([t.kalman.pos for t in tracks])
        growth = self.config.near_growth * np.array([[t.unseen] for t in tracks])
        reach = predicted[:, 3:4] * (heights + growth)
        centres = boxes[:, :2] + boxes[:, 2:] / 2
        return np.linalg.norm(predicted[:, None, :2] - centres[None], axis=2) <= reach

    def _near_cost(self, tracks: list[Track], dets: FrameDetections, free: list[int]) -> np.ndarray:
        """Recently lost tracks: detections near the predicted box that look alike."""
        size = np.array([[t.kalman.pos[3]] for t in tracks])
        ratio = dets.boxes[free, 3][None] / size
        sim = _gallery_similarity(tracks, dets.embeddings(free))
        gate = (
            self._within_reach(tracks, dets.boxes[free], 1.0)
            & (ratio > 0.5)
            & (ratio < 2.0)
            & (sim >= self.config.near_similarity)
        )
        return np.where(gate, 1.0 - sim, INFEASIBLE)

    def _reid_cost(self, tracks: list[Track], dets: FrameDetections, free: list[int]) -> np.ndarray:
        return self._resemblance_cost(tracks, dets, free, self.config.reid_similarity)

    def _resemblance_cost(
        self, tracks: list[Track], dets: FrameDetections, free: list[int], least: float
    ) -> np.ndarray:
        """1 - similarity of each track to each clean detection, infeasible below ``least``."""
        clean = [d for d in free if dets.clean[d]]
        cost = np.full((len(tracks), len(free)), INFEASIBLE)
        if clean:
            sim = _gallery_similarity(tracks, dets.embeddings(clean))
            cols = [free.index(d) for d in clean]
            cost[:, cols] = np.where(sim >= least, 1.0 - sim, INFEASIBLE)
        return cost

    def _weak_reid_cost(
        self, tracks: list[Track], dets: FrameDetections, free: list[int]
    ) -> np.ndarray:
        """Lost tracks and weak candidates: ``_resemblance_cost`` within reach of the
        prediction, for candidates that look unlike every other confirmed track."""
        cfg = self.config
        cost = self._resemblance_cost(tracks, dets, free, cfg.weak_reid_similarity)
        cols = np.flatnonzero((cost < INFEASIBLE).any(axis=0))
        if len(cols):
            candidates = [free[c] for c in cols]
            own, rival = self._own_and_rival(tracks, dets, candidates)
            near = self._within_reach(tracks, dets.boxes[candidates], cfg.weak_reid_reach)
            block = np.ix_(np.arange(len(tracks)), cols)
            cost[block] = np.where(
                near & (own >= rival + cfg.weak_reid_margin), cost[block], INFEASIBLE
            )
        return cost

    def _match(
        self, tracks: list[Track], dets: FrameDetections, free: list[int], cost_fn: CostFn
    ) -> list[int]:
        """Match ``tracks`` to the ``free`` detections; returns the detections still free."""
        if not tracks or not free:
            return free
        taken = set()
        for row, col in assign(cost_fn(tracks, dets, free)):
            self._apply(tracks[row], dets, free[col])
            taken.add(free[col])
        return [d for d in free if d not in taken]

    def _apply(self, track: Track, dets: FrameDetections, d: int) -> None:
        box = dets.boxes[d]
        if self.config.edge_grow_below > 0 and track.unseen <= self.config.max_age:
            height, width = dets.image.shape[:2]
            box = edge_box(box, track.kalman.size, width, height, self.config.edge_grow_below)
        if track.unseen > self.config.max_age:
            track.kalman = BoxKalmanFilter(box)
        else:
            track.kalman.update(box)
        track.hits = track.hits + 1 if track.unseen <= 1 else 1
        track.unseen = 0
        track.score = float(dets.scores[d])
        track.weak_run = track.weak_run + 1 if track.score < self.config.high_score else 0
        track.box = box
        track.detection = d
        if (
            dets.scores[d] >= self.config.high_score
            and self.frame - track.snapshot >= self.config.gallery_interval
            and dets.clean[d]
        ):
            embedding = dets.embedding(d)[None]
            track.gallery = np.concatenate([track.gallery, embedding])[-self.config.gallery_size :]
            track.snapshot = self.frame

    def _confirm_and_reidentify(self, dets: FrameDetections) -> None:
        cfg = self.config
        self.tracks = [
            t
            for t in self.tracks
            if (t.confirmed and t.unseen <= cfg.reid_max_age) or (not t.confirmed and t.unseen == 0)
        ]
        for track in [t for t in self.tracks if t.unseen == 0]:
            if track.confirmed:
                if self.frame - track.born <= cfg.reid_window:
                    self._reidentify(track, dets)
                continue
            if track.score < cfg.high_score or (
                track.hits < cfg.min_hits and track.score < cfg.confirm_score
            ):
                continue  # confirmed on a strong detection only: after min_hits, or a sure one
            resemblance = self._reidentify(track, dets)
            waiting = track.hits < cfg.min_hits + cfg.reid_defer and (
                resemblance >= cfg.defer_similarity or self._near_lost(track, dets)
            )
            if not track.confirmed and not waiting:
                track.track_id = self.next_id
                self.next_id += 1

    def _lost_before(self, track: Track) -> list[Track]:
        """Confirmed tracks unseen since before ``track`` was born (candidates for its ID)."""
        return [t for t in self.tracks if t.confirmed and t.unseen > self.frame - track.born]

    def _near_lost(self, track: Track, dets: FrameDetections) -> bool:
        """Whether a track lost before ``track`` was born is predicted within its reach (and,
        for a clean detection, resembles it at least ``wait_near_similarity``)."""
        lost = [t for t in self._lost_before(track) if t.unseen <= self.config.max_age]
        near = []
        if lost:
            within = self._within_reach(lost, track.box[None], 1.0)[:, 0]
            near = [t for t, ok in zip(lost, within, strict=True) if ok]
        if not near or self.config.wait_near_similarity <= -1.0 or not dets.clean[track.detection]:
            return bool(near)
        sims = _gallery_similarity(near, dets.embeddings([track.detection]))
        return bool((sims >= self.config.wait_near_similarity).any())

    def _reidentify(self, track: Track, dets: FrameDetections) -> float:
        """Give ``track`` the ID of a resembling track lost before it was born, if any.

        Returns the best similarity to such a lost track: -1 if there is none, 1 if the
        detection is not clean (partial or overlapped: it might be any of them).
        """
        lost = self._lost_before(track)
        if not lost:
            return -1.0
        if track.detection < 0 or not dets.clean[track.detection]:
            return 1.0
        sims = _gallery_similarity(lost, dets.embeddings([track.detection]))[:, 0]
        best = int(np.argmax(sims))
        if sims[best] >= self.config.reid_similarity:
            old = lost[best]
            track.track_id = old.track_id
            track.born = old.born
            track.gallery = np.concatenate([old.gallery, track.gallery])[
                -self.config.gallery_size :
            ]
            self.tracks.remove(old)
        return float(sims[best])

    def _output(self, width: int, height: int) -> list[TrackedObject]:
        """Confirmed tracks seen now, and coasting ones whose predicted centre is in the frame
        (for ``max_coast_frames``, or ``max_edge_coast_frames`` while the box crosses an edge)."""
        cfg = self.config
        result = []
        for t in sorted((t for t in self.tracks if t.confirmed), key=lambda t: t.track_id):
            if t.unseen == 0 and t.weak_run <= cfg.max_weak_frames:
                result.append(TrackedObject(t.track_id, t.kalman.box, t.score))
            elif 0 < t.unseen <= max(cfg.max_coast_frames, cfg.max_edge_coast_frames):
                cx, cy, w, h = t.kalman.pos
                if not (0 <= cx < width and 0 <= cy < height):
                    continue
                crossing = min(cx - w / 2, cy - h / 2, width - cx - w / 2, height - cy - h / 2) < 0
                if t.unseen <= cfg.max_coast_frames or crossing:
                    result.append(TrackedObject(t.track_id, t.kalman.box, t.score))
        return result
