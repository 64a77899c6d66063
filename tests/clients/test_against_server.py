"""The client against a real pipeserve server process running a passthrough graph."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    folder = tmp_path_factory.mktemp("server")
    with LocalServer(write_config(folder, {"pass": PASSTHROUGH_GRAPH}), folder / "log") as server:
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
