"""Results are released in timestamp order once complete, however the outputs arrive."""

from __future__ import annotations

import numpy as np

from pipeserve.clients.stream import ResultCollector

A = np.zeros(1)


def timestamps(collector: ResultCollector) -> list[int]:
    return [r.timestamp for r in collector.pop_complete()]


def test_a_result_is_complete_when_every_expected_output_arrived():
    collector = ResultCollector(["image", "boxes"])
    collector.sent(0, 0)
    collector.received(0, "image", A)
    assert timestamps(collector) == []
    collector.received(0, "boxes", A)
    [result] = collector.pop_complete()
    assert (result.timestamp, result.frame, sorted(result.outputs)) == (0, 0, ["boxes", "image"])
    assert collector.in_flight == 0


def test_a_later_timestamp_completes_a_frame_whose_outputs_were_skipped():
    collector = ResultCollector(["image", "boxes"])
    for frame, ts in enumerate((0, 10, 20)):
        collector.sent(ts, frame)
    collector.received(0, "image", A)  # "boxes" skipped at 0
    collector.received(10, "image", A)
    assert timestamps(collector) == []  # boxes may still come for 0 and 10
    collector.received(20, "boxes", A)  # boxes moved past 0 and 10: both are done
    zero, ten = collector.pop_complete()
    assert (zero.timestamp, list(zero.outputs)) == (0, ["image"])
    assert (ten.timestamp, list(ten.outputs)) == (10, ["image"])
    assert collector.in_flight == 1


def test_one_output_running_ahead_does_not_release_a_frame_missing_another():
    collector = ResultCollector(["tracks", "image"])
    collector.sent(0, 0)
    collector.sent(1, 1)
    collector.received(0, "tracks", A)
    collector.received(1, "tracks", A)  # tracks of frame 1 overtake the image of frame 0
    assert timestamps(collector) == []
    collector.received(0, "image", A)
    [zero] = collector.pop_complete()
    assert sorted(zero.outputs) == ["image", "tracks"]


def test_results_come_out_in_timestamp_order_even_if_a_later_one_completes_first():
    collector = ResultCollector(["out"])
    collector.sent(0, 0)
    collector.sent(5, 1)
    collector.received(5, "out", A)  # 5 is complete, and 0 is then implicitly done
    assert timestamps(collector) == [0, 5]


def test_without_expected_outputs_only_a_later_timestamp_or_the_end_completes():
    collector = ResultCollector()
    collector.sent(0, 0)
    collector.sent(1, 1)
    collector.received(0, "out", A)
    assert timestamps(collector) == []
    collector.received(1, "out", A)
    assert timestamps(collector) == [0]
    collector.finish()
    assert timestamps(collector) == [1]


def test_outputs_at_timestamps_never_sent_are_results_of_their_own():
    collector = ResultCollector(["out"])
    collector.sent(10, 0)
    collector.received(3, "out", A)
    collector.received(10, "out", A)
    first, second = collector.pop_complete()
    assert (first.timestamp, first.frame) == (3, None)
    assert (second.timestamp, second.frame) == (10, 0)


def test_frames_with_no_output_at_all_are_released_empty_at_the_end():
    collector = ResultCollector(["out"])
    collector.sent(0, 0)
    collector.finish()
    [result] = collector.pop_complete()
    assert result.outputs == {}


def test_an_optional_output_that_stays_silent_is_given_up_after_two_answered_frames():
    collector = ResultCollector(["pose"], ["hand"])  # the hand is never found
    for frame in range(3):
        collector.sent(frame, frame)
        collector.received(frame, "pose", A)
    [zero] = collector.pop_complete()
    assert (zero.timestamp, sorted(zero.outputs)) == (0, ["pose"])
    assert collector.in_flight == 2


def test_an_expected_output_is_waited_for_however_far_behind_it_runs():
    collector = ResultCollector(["fast", "slow"])
    for frame in range(4):
        collector.sent(frame, frame)
        collector.received(frame, "fast", A)
    assert timestamps(collector) == []
    collector.received(0, "slow", A)
    [zero] = collector.pop_complete()
    assert sorted(zero.outputs) == ["fast", "slow"]


def test_an_optional_output_slower_than_the_settle_lag_comes_late_with_its_frame():
    """Seen in holistic_bench over 2 streams: a frame's face landmarks came after the pose
    of two later frames, so the frame was released without them; the face then arrived as
    a result 'at a timestamp never sent' (frame None). The graph had emitted nothing at an
    unsent timestamp: the late output belongs to the frame released before."""
    collector = ResultCollector(optional_outputs=["pose", "face"])
    for frame in range(4):
        collector.sent(frame * 10, frame)
    for ts in (0, 10, 20):
        collector.received(ts, "pose", A)
    first, *_ = collector.pop_complete()  # released: two later frames were answered
    assert (first.frame, sorted(first.outputs), first.late) == (0, ["pose"], False)
    collector.received(0, "face", A)  # the face of frame 0, after all
    [late] = collector.pop_complete()
    assert (late.timestamp, late.frame, sorted(late.outputs), late.late) == (0, 0, ["face"], True)
    collector.received(5, "face", A)  # a timestamp never sent stays frame None
    [own] = collector.pop_complete()
    assert (own.frame, own.late) == (None, False)


def test_a_frame_is_awaited_until_the_server_answers_it_not_until_its_result_completes():
    collector = ResultCollector(["image"], ["hand"])
    for frame in range(3):
        collector.sent(frame * 10, frame)
    assert collector.awaiting == 3
    collector.received(0, "image", A)  # answered; its result waits for "hand"
    assert (collector.awaiting, collector.in_flight) == (2, 3)
    optional_only = ResultCollector(optional_outputs=["pose", "hand"])
    for frame in range(3):
        optional_only.sent(frame * 10, frame)
    optional_only.received(10, "pose", A)  # frame 1 answered, and "pose" moved past frame 0
    assert (optional_only.awaiting, optional_only.in_flight) == (1, 3)
    optional_only.finish()
    assert optional_only.awaiting == 0
