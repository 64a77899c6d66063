"""Our holistic subgraphs against the wheel's registered ones, on synthetic packets.

Each case runs the same graph text (an ImagePropertiesCalculator for IMAGE_SIZE plus one
subgraph node) in MediaPipe and in pipeserve, and compares every output packet. This
covers the geometry and tracking pieces the photos never reach (hands found, hand and
face ROI tracking keeping or replacing the previous ROI, smoothing on and off).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import mediapipe as mp
import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.calculators.formats import (
    Detection,
    LandmarkList,
    NormalizedLandmarkList,
    NormalizedRect,
)
from pipeserve.graphs.testing import run_graph
from tests.calculators.mp_oracle import (
    IMAGE_SIZE_NODE,
    detection_to_proto,
    detection_vector,
    image_size_packet,
    landmarks_from_proto,
    landmarks_to_proto,
    proto,
    rect_from_proto,
    rect_to_proto,
    run_mediapipe,
)

WIDTH, HEIGHT = 640, 480
FRAME_US = 33333
FRAMES = 8
Payload = Any


@dataclass(frozen=True)
class Case:
    """A subgraph node (streams named after the tag, lower case) and its input frames."""

    node: str
    frames: list[dict[str, Payload]]
    outputs: tuple[str, ...]
    flags: bool = False
    """True when the outputs are bools (else landmark lists or rects)."""

    def text(self, inputs: str) -> str:
        return f'input_stream: "frame"\n{inputs}\n{IMAGE_SIZE_NODE}\n{self.node}'


def _landmarks(
    rng: np.random.Generator,
    count: int,
    centre: tuple[float, float],
    spread: float,
    visibility: float = 0.9,
) -> NormalizedLandmarkList:
    xy = np.asarray(centre) + rng.uniform(-spread, spread, (count, 2))
    data = np.column_stack(
        [xy, rng.uniform(-0.05, 0.05, count), np.full(count, visibility), np.full(count, 0.9)]
    )
    return NormalizedLandmarkList(data.astype(np.float32))


def _walk(
    rng: np.random.Generator,
    count: int,
    spread: float,
    jump_at: int = 5,
    level: tuple[int, int] | None = None,
) -> list:
    """Landmark lists drifting a little each frame, then jumping away at ``jump_at``.

    ``level``: two landmarks put side by side (a face's eye corners), so the ROI is upright.
    """
    base = _landmarks(rng, count, (0.45, 0.5), spread).data
    if level is not None:
        base[list(level), :2] = [(0.45 - spread, 0.5), (0.45 + spread, 0.5)]
    frames = []
    for k in range(FRAMES):
        shift = np.array([0.004 * k + (0.2 if k >= jump_at else 0.0), -0.003 * k], np.float32)
        data = base.copy()
        data[:, :2] += shift + rng.normal(0, 0.001, (count, 2)).astype(np.float32)
        frames.append(NormalizedLandmarkList(data))
    return frames


def _rois(kind: str, landmarks: list[NormalizedLandmarkList]) -> list[NormalizedRect]:
    """Each frame's ROI from its own landmarks (our ``kind`` subgraph), nudged by 1 %."""
    text = (
        f'input_stream: "frame" input_stream: "landmarks" {IMAGE_SIZE_NODE} '
        f'node {{ calculator: "{kind}" input_stream: "LANDMARKS:landmarks" '
        'input_stream: "IMAGE_SIZE:image_size" output_stream: "ROI:roi" }'
    )
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    out = run_graph(
        text,
        {
            "frame": [(frame, k) for k in range(len(landmarks))],
            "landmarks": [(lm, k) for k, lm in enumerate(landmarks)],
        },
        observe=["roi"],
    )
    return [replace(p.value, x_center=p.value.x_center + 0.01) for p in out["roi"]]


def _pose_detection(rng: np.random.Generator) -> Detection:
    keypoints = np.array([[0.5, 0.8], [0.52, 0.3], [0.5, 0.45], [0.51, 0.2]], np.float32)
    keypoints += rng.uniform(-0.02, 0.02, keypoints.shape).astype(np.float32)
    return Detection(0.45, 0.15, 0.1, 0.12, 0.9, keypoints)


def _face_detections(rng: np.random.Generator) -> list[Detection]:
    def face(x: float, score: float) -> Detection:
        keypoints = np.array(
            [
                [x - 0.03, 0.3],
                [x + 0.03, 0.31],
                [x, 0.34],
                [x, 0.37],
                [x - 0.06, 0.32],
                [x + 0.06, 0.33],
            ],
            np.float32,
        )
        keypoints += rng.uniform(-0.005, 0.005, keypoints.shape).astype(np.float32)
        return Detection(x - 0.07, 0.25, 0.14, 0.16, score, keypoints)

    return [face(0.4, 0.95), face(0.7, 0.8)]


def _cases() -> dict[str, Case]:
    rng = np.random.default_rng(7)
    hands = _walk(rng, 21, 0.05)
    faces = _walk(rng, 468, 0.08, level=(33, 263))
    pose = _walk(rng, 33, 0.2)
    wrists = [
        NormalizedLandmarkList(
            np.concatenate(
                [h.data[:3, :3], np.full((3, 1), v, np.float32), np.ones((3, 1), np.float32)],
                axis=1,
            )
        )
        for h, v in zip(hands, np.linspace(0.02, 0.3, FRAMES), strict=True)
    ]
    world = [LandmarkList(p.data * np.float32(0.7)) for p in pose]
    aux = [NormalizedLandmarkList(p.data[:2]) for p in pose]

    def one(node: str, inputs: dict[str, list[Payload]], *outputs: str) -> Case:
        frames = [{name: values[k] for name, values in inputs.items()} for k in range(FRAMES)]
        return Case(node, frames, outputs)

    def tracking(kind: str, part: str, recrop_tag: str, lms: list, to_roi: str) -> Case:
        recrop = _rois(to_roi, lms)
        node = (
            f'node {{ calculator: "{kind}" input_stream: "LANDMARKS:landmarks" '
            f'input_stream: "{recrop_tag}:recrop" input_stream: "IMAGE_SIZE:image_size" '
            f'output_stream: "{part}_TRACKING_ROI:roi" }}'
        )
        return one(node, {"landmarks": lms, "recrop": recrop}, "roi")

    def roi(kind: str, tag: str, values: list) -> Case:
        node = (
            f'node {{ calculator: "{kind}" input_stream: "{tag}:value" '
            'input_stream: "IMAGE_SIZE:image_size" output_stream: "ROI:roi" }'
        )
        return one(node, {"value": values}, "roi")

    filtering = (
        'node { calculator: "ConstantSidePacketCalculator" output_side_packet: "PACKET:enable" '
        "options { [mediapipe.ConstantSidePacketCalculatorOptions.ext] { packet { bool_value: %s } } } }"
        ' node { calculator: "PoseLandmarkFiltering" input_side_packet: "ENABLE:enable" '
        'input_stream: "IMAGE_SIZE:image_size" input_stream: "NORM_LANDMARKS:landmarks" '
        'input_stream: "AUX_NORM_LANDMARKS:aux" input_stream: "WORLD_LANDMARKS:world" '
        'output_stream: "FILTERED_NORM_LANDMARKS:filtered" '
        'output_stream: "FILTERED_AUX_NORM_LANDMARKS:filtered_aux" '
        'output_stream: "FILTERED_WORLD_LANDMARKS:filtered_world" }'
    )
    filter_inputs = {"landmarks": pose, "aux": aux, "world": world}
    return {
        "pose_detection_to_roi": roi(
            "PoseDetectionToRoi", "DETECTION", [_pose_detection(rng) for _ in range(FRAMES)]
        ),
        "pose_landmarks_to_roi": roi("PoseLandmarksToRoi", "LANDMARKS", aux),
        "face_landmarks_from_pose_to_recrop_roi": roi(
            "FaceLandmarksFromPoseToRecropRoi",
            "FACE_LANDMARKS_FROM_POSE",
            [NormalizedLandmarkList(p.data[:11]) for p in pose],
        ),
        "face_detection_front_detections_to_roi": roi(
            "FaceDetectionFrontDetectionsToRoi",
            "DETECTIONS",
            [_face_detections(rng) for _ in range(FRAMES)],
        ),
        "face_landmarks_to_roi": roi("FaceLandmarksToRoi", "LANDMARKS", faces),
        "hand_landmarks_from_pose_to_recrop_roi": roi(
            "HandLandmarksFromPoseToRecropRoi", "HAND_LANDMARKS_FROM_POSE", wrists
        ),
        "hand_landmarks_to_roi": roi("HandLandmarksToRoi", "LANDMARKS", hands),
        "hand_visibility": Case(
            'node { calculator: "HandVisibilityFromHandLandmarksFromPose" '
            'input_stream: "HAND_LANDMARKS_FROM_POSE:value" output_stream: "VISIBILITY:flag" }',
            [{"value": w} for w in wrists],
            ("flag",),
            flags=True,
        ),
        "hand_tracking": tracking(
            "HandTracking", "HAND", "HAND_ROI_FROM_RECROP", hands, "HandLandmarksToRoi"
        ),
        "face_tracking": tracking(
            "FaceTracking", "FACE", "FACE_RECROP_ROI", faces, "FaceLandmarksToRoi"
        ),
        "pose_landmark_filtering_on": one(
            filtering % "true", filter_inputs, "filtered", "filtered_aux", "filtered_world"
        ),
        "pose_landmark_filtering_off": one(
            filtering % "false", filter_inputs, "filtered", "filtered_aux", "filtered_world"
        ),
    }


CASE_NAMES = (
    "face_detection_front_detections_to_roi",
    "face_landmarks_from_pose_to_recrop_roi",
    "face_landmarks_to_roi",
    "face_tracking",
    "hand_landmarks_from_pose_to_recrop_roi",
    "hand_landmarks_to_roi",
    "hand_tracking",
    "hand_visibility",
    "pose_detection_to_roi",
    "pose_landmark_filtering_off",
    "pose_landmark_filtering_on",
    "pose_landmarks_to_roi",
)
_cases = functools.cache(_cases)


def _to_mediapipe(value: Payload) -> Any:
    if isinstance(value, NormalizedRect):
        return proto(rect_to_proto(value))
    if isinstance(value, Detection):
        return proto(detection_to_proto(value))
    return proto(landmarks_to_proto(value))


def _from_ours(value: Payload) -> np.ndarray:
    if isinstance(value, NormalizedRect):
        return value.to_tensor()
    if isinstance(value, bool | np.bool_):
        return np.array([value], np.float32)
    return np.asarray(value.data, np.float32)


def _mediapipe_flag(packet: Any) -> np.ndarray:
    return np.array([mp.packet_getter.get_bool(packet)], np.float32)


def _mediapipe_value(packet: Any) -> np.ndarray:
    """A proto packet (landmarks or rect) as an array."""
    value = mp.packet_getter.get_proto(packet)
    if hasattr(value, "landmark"):
        return landmarks_from_proto(value)
    return rect_from_proto(value)


def _run_mediapipe(case: Case) -> dict[str, list[tuple[np.ndarray, int]]]:
    merge_nodes: set[str] = set()
    inputs: dict[str, list[tuple[Any, int]]] = {"frame": []}
    for k, frame in enumerate(case.frames):
        ts = k * FRAME_US
        inputs["frame"].append((image_size_packet(WIDTH, HEIGHT), ts))
        for name, value in frame.items():
            if isinstance(value, list):  # a detection vector: merged from single packets
                node, parts = detection_vector(value, ts, name)
                merge_nodes.add(node)
                for stream, packets in parts.items():
                    inputs.setdefault(stream, []).extend(packets)
            else:
                inputs.setdefault(name, []).append((_to_mediapipe(value), ts))
    text = case.text("\n".join(merge_nodes))
    getter = _mediapipe_flag if case.flags else _mediapipe_value
    return run_mediapipe(text, inputs, case.outputs, getter=getter)


def _run_ours(case: Case) -> dict[str, list[tuple[np.ndarray, int]]]:
    names = list(case.frames[0])
    declared = "\n".join(f'input_stream: "{n}"' for n in names)
    inputs: dict[str, list[tuple[Any, int]]] = {"frame": [], **{n: [] for n in names}}
    for k, frame in enumerate(case.frames):
        inputs["frame"].append((np.zeros((HEIGHT, WIDTH, 3), np.uint8), k * FRAME_US))
        for name, value in frame.items():
            inputs[name].append((value, k * FRAME_US))
    out = run_graph(case.text(declared), inputs, observe=case.outputs)
    return {n: [(_from_ours(p.value), p.timestamp) for p in out[n]] for n in case.outputs}


def test_case_list_is_complete() -> None:
    assert sorted(_cases()) == list(CASE_NAMES)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_subgraph_outputs_match_mediapipe(name: str) -> None:
    case = _cases()[name]
    theirs, ours = _run_mediapipe(case), _run_ours(case)
    for stream in case.outputs:
        assert [ts for _, ts in ours[stream]] == [ts for _, ts in theirs[stream]], stream
        assert theirs[stream], f"{stream}: the case produced no packets"
        for (a, ts), (b, _) in zip(ours[stream], theirs[stream], strict=True):
            np.testing.assert_allclose(a, b, atol=2e-5, err_msg=f"{stream} at {ts}")


def _tracking_choices(name: str) -> set[bool]:
    """For a tracking case: whether each output ROI was the fresh recrop ROI (True) or not."""
    case = _cases()[name]
    recrops = [f["recrop"].to_tensor() for f in case.frames]
    return {
        bool(np.allclose(a, recrops[ts // FRAME_US], atol=1e-6)) for a, ts in _run_ours(case)["roi"]
    }


@pytest.mark.parametrize("name", ["hand_tracking", "face_tracking"])
def test_tracking_cases_both_keep_and_replace_the_previous_roi(name: str) -> None:
    assert _tracking_choices(name) == {True, False}
