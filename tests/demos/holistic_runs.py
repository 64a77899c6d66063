"""Holistic runs to compare: our ``holisticLandmarks`` graph and ``mp.solutions.holistic``.

Both get the same frames at the same timestamps (k * 33333 µs, mp.solutions' own clock)
and return, per frame, each part's landmarks as float32 ``[N, 4]`` (x, y, z, visibility)
or None when the part was not found, plus the mean wall time per frame.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import mediapipe as mp
import numpy as np

from pipeserve.calculators.openvino.models import ModelProvider
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, load_graph_config

GRAPH = Path(__file__).resolve().parents[2] / "demos" / "holistic_landmarks" / "graph.pbtxt"
PARTS = ("pose_landmarks", "face_landmarks", "left_hand_landmarks", "right_hand_landmarks")
FRAME_US = 33333
Frame = dict[str, np.ndarray | None]


@dataclass(frozen=True)
class Run:
    """Per-frame landmarks by part, and the mean milliseconds per frame."""

    frames: list[Frame]
    ms_per_frame: float


def moving_sequence(photo: np.ndarray, count: int) -> list[np.ndarray]:
    """``count`` frames of a slow camera move over ``photo``: pan, zoom in, tilt."""
    height, width = photo.shape[:2]
    frames = []
    for k in range(count):
        centre = (width / 2 + 2.0 * k, height / 2 + 1.5 * k)
        rotation = cv2.getRotationMatrix2D(centre, 0.8 * k, 1.0 + 0.012 * k)
        matrix = rotation - np.array([[0.0, 0.0, 3.0 * k], [0.0, 0.0, 1.0 * k]])
        frames.append(cv2.warpAffine(photo, matrix, (width, height), borderMode=cv2.BORDER_REFLECT))
    return frames


def run_mp_solutions(frames: Sequence[np.ndarray], **options: Any) -> Run:
    """``mp.solutions.holistic`` in video mode (model_complexity 1) on ``frames``."""
    results: list[Frame] = []
    with mp.solutions.holistic.Holistic(model_complexity=1, **options) as holistic:
        start = time.perf_counter()
        for frame in frames:
            found = holistic.process(frame)
            results.append({part: _proto_landmarks(getattr(found, part)) for part in PARTS})
        elapsed = time.perf_counter() - start
    return Run(results, 1000.0 * elapsed / len(frames))


def run_pipeserve(
    frames: Sequence[np.ndarray],
    models: ModelProvider,
    side_packets: Mapping[str, Any] | None = None,
    static: bool = False,
) -> Run:
    """Our graph in-process, one frame at a time (each waits for the graph to go idle).

    ``static`` detects the pose on every frame (mp.solutions' static_image_mode): the
    graph's HolisticLandmarkCpu node also gets USE_PREV_LANDMARKS false.
    """
    config = load_graph_config(GRAPH)
    if static:
        config.node[0].input_side_packet.append("USE_PREV_LANDMARKS:use_prev_landmarks")
        side_packets = {**(side_packets or {}), "use_prev_landmarks": False}
    graph = CalculatorGraph(GraphSpec(config), services={"models": models})
    packets: dict[str, dict[int, np.ndarray]] = {part: {} for part in PARTS}
    for part in PARTS:
        graph.observe_output_stream(
            part, lambda p, part=part: packets[part].__setitem__(p.timestamp, p.value.data)
        )
    graph.start(dict(side_packets or {}))
    start = time.perf_counter()
    for k, frame in enumerate(frames):
        graph.add_packet("image", Packet(frame, k * FRAME_US))
        graph.wait_until_idle()
    elapsed = time.perf_counter() - start
    graph.close_all_input_streams()
    graph.wait_until_done()
    results = [
        {part: _landmarks(packets[part].get(k * FRAME_US)) for part in PARTS}
        for k in range(len(frames))
    ]
    return Run(results, 1000.0 * elapsed / len(frames))


def _landmarks(data: np.ndarray | None) -> np.ndarray | None:
    return None if data is None else np.asarray(data[:, :4], np.float32)


def _proto_landmarks(landmarks: Any) -> np.ndarray | None:
    if landmarks is None:
        return None
    return np.array([[p.x, p.y, p.z, p.visibility] for p in landmarks.landmark], np.float32)


def present(frame: Frame) -> tuple[str, ...]:
    """The parts found in a frame."""
    return tuple(part for part in PARTS if frame[part] is not None)
