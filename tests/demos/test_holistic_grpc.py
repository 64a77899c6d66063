"""holisticLandmarks and holisticTracking over gRPC (server in a subprocess, OVMS config).

One stream is one graph instance: a stream's results must equal the in-process run of the
same frames (same code, same f32 models), whose parity with mp.solutions
``test_holistic_parity`` checks. (Comparing the tracked stream with mp.solutions directly
is not stable: see that module's docstring.)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.openvino.models import WheelModels
from pipeserve.clients.local_server import LocalServer
from pipeserve.clients.stream import GraphStream
from tests.demos.holistic_runs import PARTS, moving_sequence, present, run_pipeserve
from tests.demos.test_holistic_tracking_demo import DEMO, _setup_models

LANDMARKS = DEMO.parent / "holistic_landmarks"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """OVMS's demo folder (config, graph, linked models) plus the holisticLandmarks graph."""
    folder = tmp_path_factory.mktemp("holistic")
    for name in ("config_holistic.json", "holistic_tracking.pbtxt"):
        shutil.copy(DEMO / name, folder / name)
    config = folder / "config_holistic.json"
    _setup_models().link_models(config)
    data = json.loads(config.read_text())
    data["mediapipe_config_list"].append({"name": "holisticLandmarks", "base_path": str(LANDMARKS)})
    config.write_text(json.dumps(data))
    with LocalServer(config, folder / "server.log") as running:
        running.wait_ready(60, ["holisticTracking", "holisticLandmarks"])
        yield running


def _stream(server: LocalServer, frames: list[np.ndarray], **parameters: bool) -> list[dict]:
    optional = [*PARTS, "pose_roi"]  # every part may be missing on a frame
    with GraphStream(
        server.url, "holisticLandmarks", "image", optional_outputs=optional, parameters=parameters
    ) as stream:
        results = list(stream.run(frames))
    assert [r.frame for r in results] == list(range(len(frames)))
    return [r.outputs for r in results]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("smooth", [True, False])
def test_stream_equals_the_in_process_graph_with_its_side_packets(
    server: LocalServer, astronaut: np.ndarray, smooth: bool
) -> None:
    frames = moving_sequence(astronaut, 6)

    got = _stream(server, frames, smooth_landmarks=smooth)
    want = run_pipeserve(frames, WheelModels(), {"smooth_landmarks": smooth})

    for k, (outputs, ours) in enumerate(zip(got, want.frames, strict=True)):
        assert tuple(p for p in PARTS if p in outputs) == present(ours)
        assert outputs["pose_roi"].shape == (5,)
        for part, landmarks in ours.items():
            if landmarks is not None:
                assert outputs[part].dtype == np.float32
                np.testing.assert_allclose(
                    outputs[part][:, :4], landmarks, atol=1e-6, err_msg=f"frame {k} {part}"
                )


@pytest.mark.timeout(120)
def test_ovms_holistic_tracking_graph_streams_annotated_frames(
    server: LocalServer, grace_hopper: np.ndarray
) -> None:
    frames = moving_sequence(grace_hopper, 3)
    with GraphStream(server.url, "holisticTracking", "first_input_video", ["output"]) as stream:
        results = list(stream.run(frames))

    assert len(results) == 3
    for result, frame in zip(results, frames, strict=True):
        image = result.outputs["output"]
        assert image.shape == frame.shape and image.dtype == np.uint8
        assert 0.001 < np.any(image != frame, axis=-1).mean() < 0.5


@pytest.mark.timeout(240)
def test_interleaved_streams_each_get_what_they_get_alone(
    server: LocalServer, astronaut: np.ndarray, grace_hopper: np.ndarray
) -> None:
    clips = [moving_sequence(astronaut, 5), moving_sequence(grace_hopper, 5)]
    alone = [_stream(server, clip) for clip in clips]
    optional = [*PARTS, "pose_roi"]
    streams = [
        GraphStream(server.url, "holisticLandmarks", "image", optional_outputs=optional, window=8)
        for _ in clips
    ]
    got: list[list] = [[] for _ in clips]
    for stream in streams:
        stream.open()
    for k in range(5):  # frame k of one stream, then frame k of the other
        for stream, clip, out in zip(streams, clips, got, strict=True):
            stream.send(clip[k])
            out.extend(stream.results())
    for stream, out in zip(streams, got, strict=True):
        stream.close()
        out.extend(stream.results())

    for mine, solo in zip(got, alone, strict=True):
        assert [r.frame for r in mine] == list(range(5))
        for k, (result, reference) in enumerate(zip(mine, solo, strict=True)):
            assert sorted(result.outputs) == sorted(reference), f"frame {k}"
            for name, value in reference.items():
                np.testing.assert_allclose(result.outputs[name], value, atol=1e-6)
