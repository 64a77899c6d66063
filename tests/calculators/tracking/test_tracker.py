"""ObjectTracker on rendered scenes with real face sprites and oracle detections."""

from __future__ import annotations

import numpy as np
from tracking_scenes import Clip, identities, reported

from pipeserve.calculators.tracking.kalman import BoxKalmanFilter
from pipeserve.calculators.tracking.tracker import ObjectTracker, TrackerConfig


def run(clip: Clip, tracker: ObjectTracker | None = None) -> list[np.ndarray]:
    """Per frame, rows ``track_id, x, y, w, h, score`` (pixels)."""
    tracker = tracker or ObjectTracker()
    outputs = []
    for t, frame in enumerate(clip.frames):
        boxes, scores = clip.detections(t)
        objects = tracker.update(frame, boxes, scores)
        outputs.append(np.array([[o.track_id, *o.box, o.score] for o in objects]).reshape(-1, 6))
    return outputs


def test_ids_start_at_one_and_survive_a_crossing(crossing: Clip) -> None:
    hidden = [t for t, gt in enumerate(crossing.truth) if gt[0, 8] < 0.5]
    assert 3 <= len(hidden) < 20, "Grace Hopper should be hidden while the astronaut passes"
    ids = identities(crossing.truth, run(crossing))
    assert reported(ids[1]) == {1}
    assert reported(ids[2]) == {2}
    for per_frame in ids.values():
        assert list(per_frame.values()).count(0) <= TrackerConfig().min_hits - 1


def test_id_survives_a_short_occlusion_behind_a_pillar(pillar: Clip) -> None:
    hidden = [t for t, gt in enumerate(pillar.truth) if gt[0, 8] < 0.5]
    assert len(hidden) >= 8
    ids = identities(pillar.truth, run(pillar))
    assert reported(ids[1]) == {1}
    assert reported(ids[2]) == {2}


def test_object_leaving_the_frame_and_returning_gets_its_old_id(exit_and_return: Clip) -> None:
    away = [t for t, gt in enumerate(exit_and_return.truth) if gt[0, 8] < 0.5]
    assert max(away) - min(away) > TrackerConfig().max_age
    ids = identities(exit_and_return.truth, run(exit_and_return))
    before = {t: i for t, i in ids[1].items() if t < min(away)}
    after = [i for t, i in sorted(ids[1].items()) if t > max(away)]
    assert reported(before) == {1}
    assert after[-10:] == [1] * 10
    assert reported(ids[2]) == {2}


def test_new_object_gets_a_new_id_not_a_lost_one(newcomer: Clip) -> None:
    ids = identities(newcomer.truth, run(newcomer))
    assert reported(ids[1]) == {1}
    assert reported(ids[2]) == {2}


def test_without_appearance_match_a_returning_object_gets_a_new_id(exit_and_return: Clip) -> None:
    tracker = ObjectTracker(TrackerConfig(reid_similarity=1.01, near_similarity=1.01))
    ids = identities(exit_and_return.truth, run(exit_and_return, tracker))
    assert reported(ids[1]) == {1, 3}


def test_interleaved_trackers_are_independent(crossing: Clip, newcomer: Clip) -> None:
    alone = run(crossing), run(newcomer)
    first, second = ObjectTracker(), ObjectTracker()
    together: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    for t in range(max(len(crossing.frames), len(newcomer.frames))):
        for clip, tracker, out in ((crossing, first, together[0]), (newcomer, second, together[1])):
            if t < len(clip.frames):
                boxes, scores = clip.detections(t)
                objects = tracker.update(clip.frames[t], boxes, scores)
                out.append(
                    np.array([[o.track_id, *o.box, o.score] for o in objects]).reshape(-1, 6)
                )
    for solo, mixed in zip(alone, together, strict=True):
        assert len(solo) == len(mixed)
        for a, b in zip(solo, mixed, strict=True):
            np.testing.assert_array_equal(a, b)


def test_unconfirmed_detections_are_not_reported() -> None:
    config = TrackerConfig(min_hits=3, max_coast_frames=0)
    tracker = ObjectTracker(config)
    frame = np.zeros((100, 100, 3), np.uint8)
    box = np.array([[10.0, 10.0, 20.0, 20.0]])
    score = np.array([0.7])  # strong, not sure enough to confirm at once
    assert config.high_score <= score[0] < config.confirm_score
    counts = [len(tracker.update(frame, box, score)) for _ in range(4)]
    assert counts == [0, 0, 1, 1]
    assert tracker.update(frame, np.zeros((0, 4)), np.zeros(0)) == []


def test_a_new_face_detected_at_075_is_reported_at_once() -> None:
    """A detection scoring 0.75-0.8 is sure enough to confirm a new track in its first frame."""
    frame = np.zeros((100, 100, 3), np.uint8)
    box = np.array([[10.0, 10.0, 20.0, 20.0]])
    counts = {}
    for sure in (0.8, TrackerConfig().confirm_score):
        tracker = ObjectTracker(TrackerConfig(confirm_score=sure))
        counts[sure] = [len(tracker.update(frame, box, np.array([0.77]))) for _ in range(3)]
    assert counts == {0.8: [0, 0, 1], 0.75: [1, 1, 1]}


def test_coasting_reports_the_predicted_box_for_a_few_frames() -> None:
    tracker = ObjectTracker(TrackerConfig(min_hits=1, max_coast_frames=2))
    frame = np.zeros((100, 100, 3), np.uint8)
    for x in (10.0, 12.0, 14.0):
        tracker.update(frame, np.array([[x, 10.0, 20.0, 20.0]]), np.array([0.9]))
    coasted = [tracker.update(frame, np.zeros((0, 4)), np.zeros(0)) for _ in range(3)]
    assert [len(c) for c in coasted] == [1, 1, 0]
    assert coasted[0][0].track_id == 1
    assert 14.5 < coasted[0][0].box[0] < coasted[1][0].box[0]  # keeps moving right


def test_degenerate_boxes_keep_the_motion_state_finite() -> None:
    kalman = BoxKalmanFilter(np.array([10.0, 10.0, 0.0, 0.0]))
    kalman.update(np.array([11.0, 10.0, 0.0, 0.0]))
    kalman.predict()
    assert np.isfinite(kalman.pos).all() and np.isfinite(kalman.p_pp).all()
    assert 10.0 < kalman.pos[0] <= 11.0


def moving_box(t: int) -> np.ndarray:
    return np.array([[10.0 + 2 * t, 30.0, 24.0, 24.0]])


def test_object_seen_only_at_low_score_for_a_few_frames_keeps_its_id_and_is_reported() -> None:
    config = TrackerConfig()
    tracker = ObjectTracker(config)
    frame = np.zeros((120, 160, 3), np.uint8)
    weak = range(10, 16)
    reported = []
    for t in range(25):
        score = 0.4 if t in weak else 0.9
        assert (score < config.high_score) == (t in weak)
        objects = tracker.update(frame, moving_box(t), np.array([score]))
        reported.append([(o.track_id, o.score) for o in objects])
        if t in weak:  # reported where the weak detection is (smoothed by the motion model)
            np.testing.assert_allclose(objects[0].box, moving_box(t)[0], atol=1.0)
    assert all(r == [(1, 0.4)] for r in reported[10:16])
    assert {ids for r in reported for ids, _ in r} == {1}
    assert all(len(r) == 1 for r in reported[config.min_hits :])


def test_a_low_score_false_positive_never_starts_a_reported_track() -> None:
    tracker = ObjectTracker(TrackerConfig(min_hits=1))
    frame = np.zeros((120, 160, 3), np.uint8)
    ghost = np.array([[100.0, 60.0, 20.0, 20.0]])
    for t in range(40):
        boxes = np.concatenate([moving_box(t), ghost])
        objects = tracker.update(frame, boxes, np.array([0.9, 0.55]))
        assert [o.track_id for o in objects] == [1]


def test_coasting_ends_after_its_limit() -> None:
    config = TrackerConfig()
    tracker = ObjectTracker(config)
    frame = np.zeros((120, 160, 3), np.uint8)
    for t in range(10):
        tracker.update(frame, moving_box(t), np.array([0.9]))
    counts = [len(tracker.update(frame, np.zeros((0, 4)), np.zeros(0))) for _ in range(40)]
    assert counts == [1] * config.max_coast_frames + [0] * (40 - config.max_coast_frames)


def test_a_missed_object_keeps_the_size_it_was_last_seen_at() -> None:
    """Partial views (an object sliding behind an occluder) must not shrink it away."""
    tracker = ObjectTracker(TrackerConfig(max_coast_frames=20))
    frame = np.zeros((200, 240, 3), np.uint8)
    for t in range(12):
        side = 40.0 - 4.0 * max(t - 5, 0)  # 40 px, then shrinking 4 px a frame to 16
        tracker.update(frame, np.array([[40.0 + 2 * t, 60.0, side, side]]), np.array([0.9]))
    coasted = [tracker.update(frame, np.zeros((0, 4)), np.zeros(0)) for _ in range(15)]
    widths = [objects[0].box[2] for objects in coasted]
    assert widths[1:] == [widths[1]] * 14, "the size is extrapolated one frame at most"
    assert widths[-1] >= 12.0


def test_a_candidate_of_a_very_different_size_does_not_continue_a_track() -> None:
    frame = np.zeros((120, 160, 3), np.uint8)
    bigger = np.array([[30.0, 30.0, 64.0, 64.0]])  # 1.6 times as tall, IoU 0.39
    reported = {}
    for max_ratio in (0.0, 1.5):
        tracker = ObjectTracker(TrackerConfig(low_min_iou=0.3, max_size_ratio=max_ratio))
        for _ in range(5):
            tracker.update(frame, np.array([[40.0, 40.0, 40.0, 40.0]]), np.array([0.9]))
        (seen,) = tracker.update(frame, bigger, np.array([0.4]))
        reported[max_ratio] = (seen.track_id, seen.score)
    assert reported == {0.0: (1, 0.4), 1.5: (1, 0.9)}  # matched without the gate, coasting with it


def test_an_object_cut_by_the_frame_edge_is_reported_a_few_frames_longer() -> None:
    """The detector misses faces the edge cuts: their tracks coast longer than inside."""
    frame = np.zeros((120, 160, 3), np.uint8)
    counts = {}
    for edge_frames in (0, 6):
        tracker = ObjectTracker(
            TrackerConfig(max_coast_frames=1, max_edge_coast_frames=edge_frames)
        )
        for t in range(10):  # 1 px a frame to the right, last seen touching the right edge
            box = np.array([[127.0 + t, 40.0, 24.0, 24.0]])
            tracker.update(frame, box, np.array([0.9]))
        counts[edge_frames] = [
            len(tracker.update(frame, np.zeros((0, 4)), np.zeros(0))) for _ in range(12)
        ]
    assert counts == {0: [1] + [0] * 11, 6: [1] * 6 + [0] * 6}


def test_a_track_seen_in_the_last_frame_is_matched_before_a_long_lost_one() -> None:
    """A face hidden behind another one must not take the visible face's detection."""
    frame = np.zeros((200, 300, 3), np.uint8)
    still = np.array([[150.0, 60.0, 40.0, 40.0]])

    def hidden(t: int) -> np.ndarray:  # moves right 4 px a frame, unseen from frame 8
        return np.array([[40.0 + 4 * t, 60.0, 40.0, 40.0]])

    probe = ObjectTracker(TrackerConfig(max_coast_frames=60))
    predicted = {}
    for t in range(40):
        objects = probe.update(frame, hidden(t) if t < 8 else np.zeros((0, 4)), np.ones(1))
        predicted[t] = objects[0].box
    jump = next(t for t in range(8, 40) if predicted[t][0] >= still[0, 0] - 12)
    ids = {}
    for priority in (0, 1):
        tracker = ObjectTracker(TrackerConfig(priority_unseen=priority))
        seen = []
        for t in range(jump + 6):
            box = still if t < jump else predicted[jump][None]  # the visible face steps left
            boxes = np.concatenate([box, hidden(t)]) if t < 8 else box
            objects = tracker.update(frame, boxes, np.full(len(boxes), 0.9))
            seen.append([o.track_id for o in objects if abs(o.box[0] - box[0, 0]) < 6])
        assert seen[jump - 1] == [1]
        ids[priority] = seen[jump:]
    assert ids == {0: [[2]] * 6, 1: [[1]] * 6}


def test_a_box_the_frame_edge_cuts_keeps_the_track_size() -> None:
    """The detector shrinks faces the edge cuts: the track keeps its size beyond the edge."""
    frame = np.zeros((120, 160, 3), np.uint8)
    sizes = {}
    for below in (0.0, 0.85):
        tracker = ObjectTracker(TrackerConfig(edge_grow_below=below))
        for t in range(18):  # a 40 px face moving right 2 px a frame
            tracker.update(frame, np.array([[90.0 + 2 * t, 40.0, 40.0, 40.0]]), np.ones(1))
        for t in range(18, 24):  # crossing the right edge, seen 28 px wide
            box = np.array([[98.0 + 2 * t, 46.0, 28.0, 28.0]])
            (seen,) = tracker.update(frame, box, np.ones(1))
        sizes[below] = seen.box[2]
        if below:  # the side inside the frame stays where the detector put it
            assert abs(seen.box[0] - (98.0 + 2 * 23)) < 3.0
    assert sizes[0.0] < 32.0 and sizes[0.85] > 38.0


def test_a_candidate_that_looks_like_the_track_wins_over_a_slightly_closer_one() -> None:
    red, blue = (220, 20, 20), (20, 20, 220)
    frame = np.zeros((120, 160, 3), np.uint8)
    frame[40:70, 40:70] = red
    tracked = np.array([[40.0, 40.0, 30.0, 30.0]])
    moved = np.zeros_like(frame)
    moved[40:70, 45:75] = blue  # IoU 0.71 with the track, unlike it
    moved[40:70, 34:64] = red  # IoU 0.67, like it
    boxes = np.array([[34.0, 40.0, 30.0, 30.0], [45.0, 40.0, 30.0, 30.0]])
    followed = {}
    for weight in (0.0, 0.2):
        tracker = ObjectTracker(TrackerConfig(appearance_weight=weight))
        for _ in range(3):
            tracker.update(frame, tracked, np.ones(1))
        (seen,) = [o for o in tracker.update(moved, boxes, np.ones(2)) if o.track_id == 1]
        followed[weight] = seen.box[0] < 40.0
    assert followed == {0.0: False, 0.2: True}


RED, BLUE = (220, 20, 20), (20, 20, 220)


def square_frame(*squares: tuple[np.ndarray, tuple[int, int, int]]) -> np.ndarray:
    frame = np.zeros((120, 200, 3), np.uint8)
    for box, colour in squares:
        x, y, w, h = np.round(box).astype(int)
        frame[y : y + h, x : x + w] = colour
    return frame


def test_a_long_lost_track_does_not_continue_on_a_face_that_looks_like_another_track() -> None:
    """After a long gap, a detection at the lost track's prediction that looks unlike it and
    like another track is a different face: it gets a new ID, not the lost one."""
    other = np.array([150.0, 70.0, 24.0, 24.0])  # a blue face, always visible

    def red(t: int) -> np.ndarray:  # moves right 2 px a frame, unseen in frames 10-17
        return np.array([10.0 + 2 * t, 20.0, 24.0, 24.0])

    ids = {}
    for unseen in (0, 5):
        tracker = ObjectTracker(TrackerConfig(verify_unseen=unseen))
        for t in range(10):
            boxes = np.stack([red(t), other])
            tracker.update(square_frame((red(t), RED), (other, BLUE)), boxes, np.ones(2))
        for _ in range(10, 18):
            tracker.update(square_frame((other, BLUE)), other[None], np.ones(1))
        newcomer = red(18)  # a blue face where the red one is predicted
        objects = tracker.update(
            square_frame((newcomer, BLUE), (other, BLUE)), np.stack([newcomer, other]), np.ones(2)
        )
        ids[unseen] = [o.track_id for o in objects if abs(o.box[0] - newcomer[0]) < 4]
    assert ids == {0: [1], 5: [3]}


def test_a_new_face_unlike_the_lost_track_near_it_is_reported_without_waiting() -> None:
    """A lost track only makes a new face near its prediction wait if they look alike."""
    lost = np.array([40.0, 40.0, 24.0, 24.0])
    newcomer = np.array([60.0, 40.0, 24.0, 24.0])  # IoU 0.09: within reach, not a motion match
    unreported = {}
    for least in (-1.0, 0.2):
        tracker = ObjectTracker(TrackerConfig(wait_near_similarity=least))
        for _ in range(5):
            tracker.update(square_frame((lost, RED)), lost[None], np.ones(1))
        tracker.update(square_frame(), np.zeros((0, 4)), np.zeros(0))
        seen = [
            tracker.update(square_frame((newcomer, BLUE)), newcomer[None], np.ones(1))
            for _ in range(10)
        ]
        unreported[least] = sum(not objects for objects in seen)
        assert {o.track_id for objects in seen for o in objects} == {2}
    config = TrackerConfig()
    assert unreported == {-1.0: config.min_hits + config.reid_defer - 1, 0.2: 0}


def two_tone_frame(*squares: tuple[np.ndarray, tuple[int, int, int]]) -> np.ndarray:
    """``square_frame`` with each square's right half at half brightness (a structure that
    looks the same wherever the square is)."""
    frame = square_frame(*squares)
    for box, _ in squares:
        x, y, w, h = np.round(box).astype(int)
        frame[y : y + h, x + w // 2 : x + w] //= 2
    return frame


def weak_return(
    place: np.ndarray, other_colour: tuple[int, int, int], **options: float
) -> list[int]:
    """IDs reported besides the visible face's (2) when a red face (1) lost for 8 frames
    comes back at ``place`` only as a weak candidate (score 0.4), while a face of
    ``other_colour`` stays visible."""
    red = np.array([40.0, 40.0, 24.0, 24.0])
    other = np.array([150.0, 70.0, 24.0, 24.0])
    tracker = ObjectTracker(TrackerConfig(**options))
    for _ in range(6):
        boxes = np.stack([red, other])
        tracker.update(two_tone_frame((red, RED), (other, other_colour)), boxes, np.ones(2))
    for _ in range(8):
        tracker.update(two_tone_frame((other, other_colour)), other[None], np.ones(1))
    ids = []
    for _ in range(3):
        frame = two_tone_frame((place, RED), (other, other_colour))
        objects = tracker.update(frame, np.stack([place, other]), np.array([0.4, 0.9]))
        ids += [o.track_id for o in objects if o.track_id != 2]  # 2: the visible face
    return ids


def test_a_lost_face_found_again_only_at_low_score_near_its_prediction_keeps_its_id() -> None:
    """A weak candidate that looks like a lost track, within reach of its prediction (here
    12 px off, IoU 0.33: no motion match), continues it and is reported."""
    near = np.array([52.0, 40.0, 24.0, 24.0])
    assert weak_return(near, BLUE) == [1, 1, 1]
    assert weak_return(near, BLUE, weak_reid_similarity=0.0) == []


def test_a_weak_candidate_out_of_reach_or_like_another_track_does_not_take_a_lost_id() -> None:
    far = np.array([90.0, 90.0, 24.0, 24.0])  # 71 px off: 2.9 box heights
    assert weak_return(far, BLUE) == []
    assert weak_return(far, BLUE, weak_reid_reach=3.5) == [1, 1, 1]
    near = np.array([52.0, 40.0, 24.0, 24.0])
    assert weak_return(near, RED) == []  # the visible face looks the same: which one is it?
    assert weak_return(near, RED, weak_reid_margin=-1.0) == [1, 1, 1]
