"""pipeserve-client video: MOT output and argument checks (against a real server)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeserve.clients.cli import main
from tests.server.conftest import ServerProcess
from tests.server.graphs import write_config

BOXES_GRAPH = """
input_stream: "input_video"
output_stream: "tracked_detections"
node { calculator: "TestServerBrightBoxCalculator" input_stream: "input_video"
       output_stream: "tracked_detections" }
"""
"""Track 1 boxes each frame's non-black pixels; a black frame has no ``tracked_detections``."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    config = write_config(tmp_path_factory.mktemp("cli"), {"boxes": BOXES_GRAPH}, model=False)
    proc = ServerProcess(config)
    yield proc
    proc.stop()


def write_frame(path: Path, size: tuple[int, int], box: tuple[int, int, int, int] | None) -> None:
    """A black ``(width, height)`` image with a white ``(x, y, w, h)`` box."""
    image = np.zeros((size[1], size[0], 3), np.uint8)
    if box is not None:
        x, y, w, h = box
        image[y : y + h, x : x + w] = 255
    cv2.imwrite(str(path), image)


def test_mot_results_are_written_in_pixels_with_frames_from_one(
    server: ServerProcess, tmp_path: Path
) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    write_frame(frames / "0.png", (200, 100), (20, 20, 100, 25))
    write_frame(frames / "1.png", (200, 100), None)  # nothing tracked on the second frame
    write_frame(frames / "2.png", (100, 50), (10, 5, 20, 10))
    mot = tmp_path / "results.txt"
    argv = ["video", "--graph", "boxes", "--url", server.grpc_url, "--input", str(frames)]
    assert main([*argv, "--mot", str(mot), "--input-stream", "input_video"]) == 0
    assert mot.read_text().splitlines() == [
        "1,1,20.00,20.00,100.00,25.00,1.0000,-1,-1,-1",
        "3,1,10.00,5.00,20.00,10.00,1.0000,-1,-1,-1",
    ]


def test_max_frames_limits_what_is_sent(
    server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for k in range(5):
        write_frame(frames / f"{k}.png", (8, 8), (k, 0, 1, 1))
    mot = tmp_path / "m.txt"
    argv = ["video", "--graph", "boxes", "--url", server.grpc_url, "--input", str(frames)]
    argv += ["--input-stream", "input_video", "--fps", "10", "--max-frames", "2"]
    assert main([*argv, "--mot", str(mot)]) == 0
    assert "2 frames in" in capsys.readouterr().err
    assert [line.split(",")[:3] for line in mot.read_text().splitlines()] == [
        ["1", "1", "0.00"],
        ["2", "1", "1.00"],
    ]


def test_an_output_is_required(tmp_path):
    with pytest.raises(SystemExit, match="give --output and/or --mot"):
        main(["video", "--graph", "g", "--input", str(tmp_path)])


def test_without_the_client_extra_it_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if `pipeserve[client]` were not installed
    code = main(["video", "--graph", "g", "--input", str(tmp_path), "--mot", "m.txt"])
    assert code == 2
    assert capsys.readouterr().err == (
        "pipeserve-client: needs the client extra (tqdm is not installed): "
        "pip install 'pipeserve[client]'\n"
    )
