"""The objectTracking graph of the default config over gRPC (server in a subprocess)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tracking_scenes import Clip, identities, reported

import pipeserve.calculators  # noqa: F401  (registers the calculators and subgraphs)
from pipeserve.clients.cli import main
from pipeserve.clients.local_server import LocalServer
from pipeserve.clients.stream import GraphStream, StreamResult
from pipeserve.clients.video import Mp4Writer, open_source
from pipeserve.graphs.testing import run_graph

ROOT = Path(__file__).resolve().parents[3]
GRAPH = "objectTracking"
OUTPUTS = ["tracked_detections", "annotated"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    log = tmp_path_factory.mktemp("tracking") / "server.log"
    with LocalServer(ROOT / "demos" / "default" / "config.json", log) as running:
        running.wait_ready(60, [GRAPH])
        yield running


def in_process(clip: Clip) -> list[np.ndarray]:
    graph = (ROOT / "demos" / "object_tracking" / "graph.pbtxt").read_text()
    out = run_graph(graph, {"image": [(f, t) for t, f in enumerate(clip.frames)]})
    return [p.value for p in out["tracked_detections"]]


def by_timestamp(results: list[StreamResult], count: int) -> list[np.ndarray]:
    """``tracked_detections`` per frame, merging outputs that came back in separate results.

    Each output stream arrives in timestamp order, but two output streams may interleave
    (``annotated`` of frame k after ``tracked_detections`` of frame k+1).
    """
    merged: dict[int, dict[str, np.ndarray]] = {}
    for result in results:
        merged.setdefault(result.timestamp, {}).update(result.outputs)
    assert len(merged) == count
    assert all(set(outputs) == set(OUTPUTS) for outputs in merged.values())
    return [merged[ts]["tracked_detections"] for ts in sorted(merged)]


def streamed(server: LocalServer, clip: Clip) -> list[np.ndarray]:
    with GraphStream(server.url, GRAPH, "image", OUTPUTS, window=4) as stream:
        return by_timestamp(list(stream.run(clip.frames)), len(clip.frames))


def assert_same_tracks(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float32 and g.shape[1:] == (6,)
        np.testing.assert_array_equal(g[:, 0], w[:, 0])
        np.testing.assert_allclose(g, w, atol=1e-5)


def test_tracking_state_persists_across_a_streams_requests(server, crossing: Clip) -> None:
    got = streamed(server, crossing)
    assert_same_tracks(got, in_process(crossing))
    # each request carries one frame: a tracker made anew per request would report the
    # raw detections, the stream's tracker reports boxes smoothed by its motion state
    height, width = crossing.frames[0].shape[:2]
    scale = np.array([1, width, height, width, height, 1])
    ids = identities(crossing.truth, [rows * scale for rows in got])
    assert reported(ids[1]) == {1} and reported(ids[2]) == {2}
    assert sum(len(rows) for rows in got) >= 100


def test_state_is_gone_when_the_stream_ends(server, crossing: Clip) -> None:
    first = streamed(server, crossing)
    second = streamed(server, crossing)
    assert_same_tracks(second, first)


def test_interleaved_streams_get_the_ids_they_get_alone(
    server, crossing: Clip, newcomer: Clip
) -> None:
    clips = (crossing, newcomer)
    alone = [in_process(clip) for clip in clips]
    # send() waits for room in the window without collecting results itself: a window
    # larger than the clip lets one thread alternate between the two streams
    window = max(len(c.frames) for c in clips) + 1
    streams = [GraphStream(server.url, GRAPH, "image", OUTPUTS, window=window) for _ in clips]
    results: list[list[StreamResult]] = [[], []]
    for stream in streams:
        stream.open()
    for t in range(max(len(c.frames) for c in clips)):
        for stream, clip, out in zip(streams, clips, results, strict=True):
            if t < len(clip.frames):
                stream.send(clip.frames[t])
                out.extend(stream.results())
    for stream, clip, out, want in zip(streams, clips, results, alone, strict=True):
        stream.close()
        out.extend(stream.results())
        assert_same_tracks(by_timestamp(out, len(clip.frames)), want)


def test_client_cli_writes_the_annotated_video_and_mot_results(
    server, crossing: Clip, tmp_path
) -> None:
    source, video, mot = tmp_path / "in.mp4", tmp_path / "out.mp4", tmp_path / "results.txt"
    with Mp4Writer(source, fps=30) as writer:
        for frame in crossing.frames:
            writer.write(frame)
    argv = ["video", "--graph", GRAPH, "--url", server.url, "--input", str(source)]
    argv += ["--input-stream", "image", "--output-stream", "annotated"]
    assert main([*argv, "--output", str(video), "--mot", str(mot)]) == 0
    rows = np.loadtxt(mot, delimiter=",", ndmin=2)
    assert rows.shape[1] == 10 and set(rows[:, 1].astype(int)) == {1, 2}
    assert rows[:, 0].min() >= 1 and rows[:, 0].max() <= len(crossing.frames)
    height, width = crossing.frames[0].shape[:2]
    assert (rows[:, 2] + rows[:, 4] <= width + 1).all() and (
        rows[:, 3] + rows[:, 5] <= height + 1
    ).all()
    with open_source(str(video)) as written:
        assert written.frame_count == len(crossing.frames)
