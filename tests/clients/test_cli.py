"""pipeserve-client video: MOT output and argument checks (scripted server)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pipeserve.clients.cli import main

from tests.clients.scripted_server import data, request_timestamp


def test_mot_results_are_written_in_pixels_with_frames_from_one(scripted_server, tmp_path):
    url, server = scripted_server

    def tracker(index, request):
        if index == 1:
            return []  # nothing tracked on the second frame
        tracks = np.array([[4, 0.1, 0.2, 0.5, 0.25, 0.75], [9, 0.5, 0.5, 0.1, 0.1, 0.5]])
        return [
            data(
                "tracked_detections",
                tracks[: index + 1].astype(np.float32),
                request_timestamp(request),
            )
        ]

    server.script = tracker
    frames = tmp_path / "frames"
    frames.mkdir()
    for k in range(3):
        cv2.imwrite(str(frames / f"{k:03d}.png"), np.full((100, 200, 3), 40 * k, np.uint8))
    mot = tmp_path / "results.txt"
    argv = ["video", "--graph", "objectTracking", "--url", url, "--input", str(frames)]
    assert main([*argv, "--mot", str(mot), "--input-stream", "input_video"]) == 0
    assert mot.read_text().splitlines() == [
        "1,4,20.00,20.00,100.00,25.00,0.7500,-1,-1,-1",
        "3,4,20.00,20.00,100.00,25.00,0.7500,-1,-1,-1",
        "3,9,100.00,50.00,20.00,10.00,0.5000,-1,-1,-1",
    ]
    assert [r.inputs[0].name for r in server.requests] == ["input_video"] * 3
    assert [r.model_name for r in server.requests] == ["objectTracking"] * 3


def test_max_frames_limits_what_is_sent(scripted_server, tmp_path):
    url, server = scripted_server
    server.script = lambda index, request: [
        data("tracked_detections", np.zeros((0, 6), np.float32), request_timestamp(request))
    ]
    frames = tmp_path / "frames"
    frames.mkdir()
    for k in range(5):
        cv2.imwrite(str(frames / f"{k}.png"), np.zeros((8, 8, 3), np.uint8))
    argv = ["video", "--graph", "g", "--url", url, "--input", str(frames), "--fps", "10"]
    assert main([*argv, "--mot", str(tmp_path / "m.txt"), "--max-frames", "2"]) == 0
    assert [request_timestamp(r) for r in server.requests] == [0, 100000]


def test_an_output_is_required(tmp_path):
    with pytest.raises(SystemExit, match="give --output and/or --mot"):
        main(["video", "--graph", "g", "--input", str(tmp_path)])
