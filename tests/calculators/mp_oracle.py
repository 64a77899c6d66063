"""Reference runs of MediaPipe's own registered calculators, and payload conversions.

``run_mediapipe(graph_text, inputs, outputs)`` runs a text graph with the wheel's
CalculatorGraph; inputs are ``{stream: [(packet, ts)]}`` built with the helpers below.
IMAGE_SIZE pairs cannot be created from Python, so graphs derive them from an
``ImageFrame`` through ImagePropertiesCalculator (``image_size_packet``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mediapipe as mp
import numpy as np
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.framework.formats import detection_pb2, landmark_pb2, location_data_pb2, rect_pb2
from mediapipe.python._framework_bindings import resource_util

from pipeserve.calculators.formats import (
    Detection,
    LandmarkList,
    NormalizedLandmarkList,
    NormalizedRect,
)

MpPacket = Any
# Resource paths such as "mediapipe/modules/..." resolve inside the wheel (as mp.solutions).
resource_util.set_resource_dir(str(Path(mp.__file__).resolve().parents[1]))


def run_mediapipe(
    graph_text: str,
    inputs: Mapping[str, Iterable[tuple[MpPacket, int]]],
    outputs: Iterable[str],
    getter: Any = mp.packet_getter.get_proto,
) -> dict[str, list[tuple[Any, int]]]:
    """Run ``graph_text`` and return ``{stream: [(value, timestamp)]}`` per observed stream.

    Input streams named in ``inputs`` are declared as graph inputs when the text lacks them.
    """
    config = text_format.Parse(graph_text, calculator_pb2.CalculatorGraphConfig())
    config.input_stream.extend(name for name in inputs if name not in config.input_stream)
    graph = mp.CalculatorGraph(graph_config=config)
    results: dict[str, list[tuple[Any, int]]] = {}
    for name in outputs:
        results[name] = []
        graph.observe_output_stream(
            name,
            lambda stream, packet, name=name: results[name].append(
                (getter(packet), packet.timestamp.value)
            ),
        )
    graph.start_run()
    pending = sorted(
        ((ts, stream, packet) for stream, items in inputs.items() for packet, ts in items),
        key=lambda item: item[0],
    )
    for ts, stream, packet in pending:
        graph.add_packet_to_input_stream(stream, packet.at(ts))
    graph.close_all_packet_sources()
    graph.wait_until_done()
    return results


def image_size_packet(width: int, height: int) -> MpPacket:
    """An ImageFrame of that size (graphs turn it into IMAGE_SIZE with ImageProperties)."""
    return mp.packet_creator.create_image_frame(
        image_format=mp.ImageFormat.SRGB, data=np.zeros((height, width, 3), np.uint8)
    )


IMAGE_SIZE_NODE = """
node { calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:frame"
       output_stream: "SIZE:image_size" }
"""


def landmarks_to_proto(landmarks: NormalizedLandmarkList | LandmarkList) -> Any:
    world = isinstance(landmarks, LandmarkList)
    proto = landmark_pb2.LandmarkList() if world else landmark_pb2.NormalizedLandmarkList()
    for x, y, z, visibility, presence in landmarks.data.tolist():
        proto.landmark.add(x=x, y=y, z=z, visibility=visibility, presence=presence)
    return proto


def landmarks_from_proto(proto: Any) -> np.ndarray:
    """float32 [N, 5] (unset visibility/presence read as 0)."""
    rows = [(lm.x, lm.y, lm.z, lm.visibility, lm.presence) for lm in proto.landmark]
    return np.array(rows, np.float32).reshape(-1, 5)


def rect_to_proto(rect: NormalizedRect) -> Any:
    return rect_pb2.NormalizedRect(
        x_center=rect.x_center,
        y_center=rect.y_center,
        width=rect.width,
        height=rect.height,
        rotation=rect.rotation,
    )


def rect_from_proto(proto: Any) -> np.ndarray:
    return np.array(
        [proto.x_center, proto.y_center, proto.width, proto.height, proto.rotation], np.float32
    )


def detection_to_proto(detection: Detection) -> Any:
    proto = detection_pb2.Detection(score=[detection.score], label_id=[detection.label_id])
    data = proto.location_data
    data.format = location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX
    box = data.relative_bounding_box
    box.xmin, box.ymin = detection.xmin, detection.ymin
    box.width, box.height = detection.width, detection.height
    for x, y in detection.keypoints.tolist():
        data.relative_keypoints.add(x=x, y=y)
    return proto


def detection_row(proto: Any) -> np.ndarray:
    """A proto detection as formats' row form: box, score, then keypoints."""
    box = proto.location_data.relative_bounding_box
    keypoints = [v for kp in proto.location_data.relative_keypoints for v in (kp.x, kp.y)]
    head = [box.xmin, box.ymin, box.width, box.height, proto.score[0] if proto.score else 0.0]
    return np.array(head + keypoints, np.float32)


def proto(value: Any) -> MpPacket:
    return mp.packet_creator.create_proto(value)


def detection_vector(
    detections: list[Detection], timestamp: int, name: str
) -> tuple[str, dict[str, list[tuple[MpPacket, int]]]]:
    """A node merging single-detection inputs into vector stream ``name``, and its inputs.

    (The wheel cannot create ``std::vector<Detection>`` packets from Python.)
    """
    streams = [f"{name}_{i}" for i in range(len(detections))]
    node = (
        'node { calculator: "MergeDetectionsToVectorCalculator" '
        + " ".join(f'input_stream: "{s}"' for s in streams)
        + f' output_stream: "{name}" }}'
    )
    inputs = {
        s: [(proto(detection_to_proto(d)), timestamp)]
        for s, d in zip(streams, detections, strict=True)
    }
    return node, inputs
