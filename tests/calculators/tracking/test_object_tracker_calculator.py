"""ObjectTrackerCalculator and TracksOverlayCalculator inside real graphs."""

from __future__ import annotations

import numpy as np
import pytest
from tracking_scenes import Clip

from pipeserve.calculators.formats import Detection
from pipeserve.calculators.tracking.object_tracker import config_from_options
from pipeserve.calculators.tracking.tracker import ObjectTracker, TrackerConfig
from pipeserve.calculators.tracking.tracks_overlay import track_color
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config
from pipeserve.graphs.testing import run_graph
from pipeserve.proto.tracking_calculators_pb2 import ObjectTrackerCalculatorOptions

GRAPH = """
input_stream: "IMAGE:image"
input_stream: "detections"
output_stream: "tracked"
output_stream: "annotated"
node {
  calculator: "ObjectTrackerCalculator"
  input_stream: "IMAGE:image"
  input_stream: "DETECTIONS:detections"
  output_stream: "TRACKED_DETECTIONS:tracked"
  %s
}
node {
  calculator: "TracksOverlayCalculator"
  input_stream: "IMAGE:image"
  input_stream: "TRACKED_DETECTIONS:tracked"
  output_stream: "IMAGE:annotated"
}
"""


def detection_lists(clip: Clip) -> list[list[Detection]]:
    height, width = clip.frames[0].shape[:2]
    result = []
    for t in range(len(clip.frames)):
        boxes, scores = clip.detections(t)
        rel = boxes / np.array([width, height, width, height])
        result.append(
            [Detection(*map(float, b), float(s)) for b, s in zip(rel, scores, strict=True)]
        )
    return result


def feed(clip: Clip, timestamps: list[int]) -> dict[str, list[tuple[object, int]]]:
    """The clip's first ``len(timestamps)`` frames and detection lists at ``timestamps``."""
    dets = detection_lists(clip)
    return {
        "image": list(zip(clip.frames, timestamps, strict=False)),
        "detections": list(zip(dets, timestamps, strict=False)),
    }


def direct(clip: Clip) -> list[np.ndarray]:
    """What the tracker itself reports, as the calculator's relative float32 rows."""
    tracker = ObjectTracker()
    height, width = clip.frames[0].shape[:2]
    scale = np.array([width, height, width, height])
    rows = []
    for t, frame in enumerate(clip.frames):
        objects = tracker.update(frame, *clip.detections(t))
        rows.append(
            np.array(
                [[o.track_id, *(o.box / scale), o.score] for o in objects], np.float32
            ).reshape(-1, 6)
        )
    return rows


def test_graph_output_equals_the_tracker_for_automatic_and_microsecond_timestamps(
    crossing: Clip,
) -> None:
    expected = direct(crossing)
    n = len(crossing.frames)
    for timestamps in (list(range(n)), [k * 33333 for k in range(n)]):
        out = run_graph(GRAPH % "", feed(crossing, timestamps))
        assert [p.timestamp for p in out["tracked"]] == timestamps
        for packet, want in zip(out["tracked"], expected, strict=True):
            assert packet.value.dtype == np.float32 and packet.value.shape[1] == 6
            np.testing.assert_array_equal(packet.value, want)
    assert {int(i) for rows in expected for i in rows[:, 0]} == {1, 2}


def test_options_reach_the_tracker(crossing: Clip) -> None:
    # the oracle's 0.9 confirms a track at once by default (confirm_score 0.75)
    options = "options { [pipeserve.ObjectTrackerCalculatorOptions.ext] { confirm_score: 1.0 } }"
    out = run_graph(GRAPH % options, feed(crossing, [0, 1, 2]))
    assert [len(p.value) for p in out["tracked"]] == [0, 0, 2]
    default = run_graph(GRAPH % "", feed(crossing, [0, 1, 2]))
    assert [len(p.value) for p in default["tracked"]] == [2, 2, 2]


def test_annotated_frame_shows_each_id_in_its_colour(crossing: Clip) -> None:
    out = run_graph(GRAPH % "", feed(crossing, list(range(len(crossing.frames)))))
    t = 10
    annotated, tracked = out["annotated"][t].value, out["tracked"][t].value
    assert annotated.shape == crossing.frames[t].shape
    assert not np.array_equal(annotated, crossing.frames[t])
    height, width = annotated.shape[:2]
    for track_id, x, y, w, _h, _s in tracked:
        top_edge = annotated[round(y * height), round(x * width) : round((x + w) * width)]
        colour = np.array(track_color(int(track_id)))
        assert np.mean(np.all(np.abs(top_edge.astype(int) - colour) <= 40, axis=1)) > 0.5


@pytest.mark.timeout(60)
def test_two_interleaved_graphs_give_each_stream_the_ids_it_gets_alone(
    crossing: Clip, newcomer: Clip
) -> None:
    clips = (crossing, newcomer)
    alone = [run_graph(GRAPH % "", feed(c, list(range(len(c.frames)))))["tracked"] for c in clips]
    graphs, outputs = [], []
    for _ in clips:
        graph = CalculatorGraph(GraphSpec(parse_graph_config(GRAPH % ""), name="tracking"))
        packets: list[Packet] = []
        graph.observe_output_stream("tracked", packets.append)
        graph.start()
        graphs.append(graph)
        outputs.append(packets)
    feeds = [feed(c, list(range(len(c.frames)))) for c in clips]
    for t in range(max(len(c.frames) for c in clips)):
        for graph, items in zip(graphs, feeds, strict=True):
            if t < len(items["image"]):
                for stream in ("image", "detections"):
                    value, ts = items[stream][t]
                    graph.add_packet(stream, Packet(value, ts))
    for graph in graphs:
        graph.close_all_input_streams()
        assert graph.wait_until_done(30)
    for solo, mixed in zip(alone, outputs, strict=True):
        assert len(solo) == len(mixed)
        for a, b in zip(solo, mixed, strict=True):
            np.testing.assert_array_equal(a.value, b.value)


def test_frames_without_a_detections_packet_still_age_the_tracks(crossing: Clip) -> None:
    items = feed(crossing, list(range(len(crossing.frames))))
    gap = range(8, 14)
    items["detections"] = [d for d in items["detections"] if d[1] not in gap]
    out = run_graph(GRAPH % "", items)
    tracked = [p.value for p in out["tracked"]]
    assert len(tracked) == len(crossing.frames)
    coast = TrackerConfig().max_coast_frames
    assert all(len(tracked[t]) == 2 for t in gap[:coast])  # predicted boxes
    assert all(len(tracked[t]) == 0 for t in gap[coast:])
    before, after = set(tracked[7][:, 0]), set(tracked[18][:, 0])
    assert before == after == {1.0, 2.0}


def test_option_defaults_equal_the_tracker_defaults() -> None:
    assert config_from_options(ObjectTrackerCalculatorOptions()) == TrackerConfig()
    changed = config_from_options(ObjectTrackerCalculatorOptions(min_iou=0.3, reid_defer=0))
    assert (changed.min_iou, changed.reid_defer) == (0.3, 0)
