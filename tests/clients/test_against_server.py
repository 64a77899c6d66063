"""The client against a real pipeserve server process running a passthrough graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeserve.clients.cli import main
from pipeserve.clients.local_server import LocalServer, write_config
from pipeserve.clients.stream import GraphStream, StreamError
from pipeserve.clients.video import Mp4Writer, open_source

PASSTHROUGH_GRAPH = """
input_stream: "in"
output_stream: "out"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
"""


OBJECT_TRACKING_GRAPH = Path(__file__).parents[2] / "demos" / "object_tracking" / "graph.pbtxt"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    folder = tmp_path_factory.mktemp("server")
    graphs = {"pass": PASSTHROUGH_GRAPH, "objectTracking": OBJECT_TRACKING_GRAPH.read_text()}
    with LocalServer(write_config(folder, graphs), folder / "log") as server:
        yield server


@pytest.fixture(scope="module")
def video_frames(astronaut) -> list[np.ndarray]:
    """12 frames of 128 x 96 panning over the astronaut."""
    return [cv2.resize(astronaut[10 * k : 10 * k + 384, 8 * k :], (128, 96)) for k in range(12)]


def test_frames_come_back_from_a_passthrough_graph_in_order_with_their_timestamps(
    server, video_frames
):
    assert server.rss_bytes() > 10 * 2**20  # a live server process (the benchmark reads this)
    with GraphStream(server.url, "pass", "in", ["out"], window=3) as stream:
        results = list(stream.run(video_frames))
    assert [r.timestamp for r in results] == [k * 33333 for k in range(12)]
    assert [r.frame for r in results] == list(range(12))
    for result, frame in zip(results, video_frames, strict=True):
        np.testing.assert_array_equal(result.outputs["out"], frame)


def test_an_unknown_graph_fails_with_the_servers_not_found_message(server, video_frames):
    with (
        pytest.raises(StreamError, match="requested name is not found: nope"),
        GraphStream(server.url, "nope", "in", ["out"], timeout=10) as stream,
    ):
        list(stream.run(video_frames[:2]))


def test_cli_streams_a_video_file_into_an_mp4(server, video_frames, tmp_path, capsys):
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    with Mp4Writer(source, fps=25) as writer:
        for frame in video_frames:
            writer.write(frame)
    argv = ["video", "--graph", "pass", "--url", server.url, "--input", str(source)]
    argv += ["--output", str(target), "--input-stream", "in", "--output-stream", "out"]
    assert main(argv) == 0
    assert "12 frames in" in capsys.readouterr().err
    with open_source(str(source)) as sent, open_source(str(target)) as got:
        assert (got.fps, got.frame_count) == (25, 12)
        for a, b in zip(sent, got, strict=True):
            assert np.abs(a.astype(int) - b).mean() < 4  # one more lossy encode


def test_cli_reports_an_unknown_graph_and_fails(server, video_frames, tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), video_frames[0])
    argv = ["video", "--graph", "nope", "--url", server.url, "--input", str(folder)]
    assert main([*argv, "--output", str(tmp_path / "out.mp4")]) == 1
    assert "requested name is not found: nope" in capsys.readouterr().err


def test_cli_writes_mot_lines_and_a_video_from_the_object_tracking_graph(
    server, astronaut, tmp_path
):
    frames = tmp_path / "frames"
    frames.mkdir()
    # Every crop 512 px wide (black margin on the left: the photo is only 512 wide), so the
    # scale stays 1/2 and the astronaut's face drifts right by exactly 4 px per frame.
    padded = np.pad(astronaut[:384], ((0, 0), (64, 0), (0, 0)))
    for k in range(8):
        crop = cv2.resize(padded[:, 64 - 8 * k : 576 - 8 * k], (256, 192))
        cv2.imwrite(str(frames / f"{k:02d}.png"), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    mot, video = tmp_path / "results.txt", tmp_path / "tracked.mp4"
    argv = ["video", "--graph", "objectTracking", "--url", server.url, "--input", str(frames)]
    argv += ["--input-stream", "image", "--output-stream", "annotated", "--output", str(video)]
    assert main([*argv, "--mot", str(mot)]) == 0
    rows = [line.split(",") for line in mot.read_text().splitlines()]
    numbers = [int(r[0]) for r in rows]  # a track may need a few frames to be confirmed
    assert 1 <= numbers[0] <= 4 and numbers == list(range(numbers[0], 9))  # 1-based, one face
    assert {r[1] for r in rows} == {"1"}  # one track all along
    assert all(r[7:] == ["-1", "-1", "-1"] for r in rows)
    boxes = np.array([[float(v) for v in r[2:6]] for r in rows])  # x, y, w, h in pixels
    centres = boxes[:, 0] + boxes[:, 2] / 2
    assert (boxes[:, 2] > 35).all() and (boxes[:, 2] < 80).all()  # a ~55 px face, in pixels
    shift = 4 * (len(rows) - 1)  # the picture moves 4 px per frame
    assert shift - 8 < centres[-1] - centres[0] < shift + 8
    with open_source(str(video)) as annotated:
        assert annotated.frame_count == 8
