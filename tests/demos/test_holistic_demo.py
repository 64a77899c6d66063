"""The holistic demo end to end: OVMS's graph and config served by pipeserve, our client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import mediapipe as mp
import numpy as np
import pytest

from pipeserve.clients.local_server import LocalServer
from pipeserve.clients.stream import GraphStream
from tests.demos.demo_scripts import load_demo_script

DEMO = Path(__file__).parents[2] / "demos" / "holistic_tracking"


@pytest.fixture(scope="module")
def holistic_server(tmp_path_factory) -> Iterator[LocalServer]:
    """OVMS's config_holistic.json and graph, models linked from the wheel, in a temp dir."""
    folder = tmp_path_factory.mktemp("holistic")
    for name in ("config_holistic.json", "holistic_tracking.pbtxt"):
        shutil.copy(DEMO / name, folder / name)
    load_demo_script("holistic_tracking", "setup_models").link_models(
        folder / "config_holistic.json"
    )
    with LocalServer(folder / "config_holistic.json", folder / "log") as server:
        server.wait_ready(120, ["holisticTracking"])
        yield server


def face_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of mp.solutions' face mesh on ``frame`` (the reference)."""
    with mp.solutions.holistic.Holistic(static_image_mode=True) as holistic:
        face = holistic.process(frame).face_landmarks
    assert face is not None
    xy = np.array([(p.x, p.y) for p in face.landmark]) * frame.shape[1::-1]
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    return int(x0), int(y0), int(x1), int(y1)


def test_the_sample_video_comes_back_annotated_around_the_face(holistic_server):
    frames = list(
        load_demo_script("holistic_tracking", "make_sample_video").sample_frames(6, (384, 288))
    )
    with GraphStream(holistic_server.url, "holisticTracking", "first_input_video", ["output"]) as s:
        results = list(s.run(frames))
    assert [r.frame for r in results] == list(range(6))
    x0, y0, x1, y1 = face_box(frames[-1])
    for result, frame in zip(results, frames, strict=True):
        out = result.outputs["output"]
        assert out.shape == frame.shape and out.dtype == np.uint8
        drawn = (out != frame).any(axis=2)  # the frame travels losslessly: only drawings differ
        face_share = drawn[y0:y1, x0:x1].mean()
        assert face_share > 0.05, face_share  # the face mesh dots
        assert drawn[y0:y1, x0:x1].sum() > 0.5 * drawn[: y1 + 1].sum()  # mostly on the face
