"""The face detector's work outside inference, timed hot and after an idle gap.

Used by ``tracking_bench.py --pieces``. The detector graph runs once over the frames to
capture each stage's real inputs; then each stage's own function (the crop, the decode,
the weighted NMS, the projection) runs on them on this thread, back to back ("hot") and
after a ``--idle_ms`` sleep before each call ("after idle", as a graph worker that waits
for the next frame). Both are thread CPU time, medians over the frames. Each function must
first give exactly what its node emitted in the graph, frame by frame.
"""

from __future__ import annotations

import pickle
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

STAGES = ("ImageToTensor", "TensorsToDetections", "NonMaxSuppression", "DetectionProjection")
OUTPUTS = ("input_tensors", "unfiltered_detections", "filtered_detections", "detections")
"""What each stage emits in the graph (its function must give the same, frame by frame)."""


def capture(graph_text: str, frames: list[np.ndarray]) -> tuple[Any, dict[str, dict[int, Any]]]:
    """The detector's spec and the packets of its inner streams by name suffix and time."""
    import pipeserve.calculators  # noqa: F401  (registers the calculators and subgraphs)
    from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config

    spec = GraphSpec(parse_graph_config(graph_text), "detector")
    graph = CalculatorGraph(spec)
    streams: dict[str, dict[int, Any]] = {}
    names = {name.rsplit("__", 1)[-1]: name for name in spec.producers}
    for stream in ("input_tensors", "transform_matrix", "detection_tensors", *OUTPUTS[1:]):
        seen = streams.setdefault(stream, {})
        graph.observe_output_stream(
            names[stream], lambda p, seen=seen: seen.__setitem__(p.timestamp, p)
        )
    graph.start()
    for t, frame in enumerate(frames):
        graph.add_packet("image", Packet(frame, t))
        graph.wait_until_idle()
    graph.close_all_input_streams()
    graph.wait_until_done()
    return spec, {k: {t: p.value for t, p in v.items()} for k, v in streams.items()}


def stage_calls(graph_text: str, frames: list[np.ndarray]) -> dict[str, Callable[[int], Any]]:
    """Per stage, ``call(t)``: the stage's function on frame t's captured input."""
    from pipeserve.calculators.tensor.image_crop import (
        CropPlanner,
        crop_to_uint8,
        to_tensor,
        value_lut,
    )
    from pipeserve.calculators.tensor.tensors_to_detections import TensorsToDetectionsCalculator
    from pipeserve.calculators.tensor.warp_maps import PerspectiveWarp
    from pipeserve.calculators.util.box_suppression import weighted_nms
    from pipeserve.calculators.util.detection_projection import project_detections
    from pipeserve.graphs import CalculatorContext
    from pipeserve.graphs.calculator import InputSet, SidePackets
    from pipeserve.graphs.tag_map import TagMap

    spec, seen = capture(graph_text, frames)
    options = {n.contract.calculator: n.contract.options for n in spec.nodes}
    crop_options = options["ImageToTensorCalculator"]
    size = (crop_options.output_tensor_width, crop_options.output_tensor_height)
    warp, lut, planner = PerspectiveWarp(), value_lut(-1.0, 1.0), CropPlanner(*size, True)

    def crop(t: int) -> np.ndarray:
        plan = planner(None, frames[t].shape[1], frames[t].shape[0])
        return to_tensor(
            crop_to_uint8(frames[t], plan.roi, *size, True, warp, plan.perspective), lut
        )

    decoder = TensorsToDetectionsCalculator()
    none = TagMap([])
    context = CalculatorContext("", "", None, InputSet(none), SidePackets(none, []), {})
    decoder.configure(context, options["TensorsToDetectionsCalculator"])
    from pipeserve.calculators.tensor.anchors import generate_anchors

    anchors = generate_anchors(options["SsdAnchorsCalculator"])
    box_spec = decoder.spec

    def decode(t: int) -> list:
        raw, scores = seen["detection_tensors"][t]
        boxes = np.asarray(raw, np.float32).reshape(box_spec.num_boxes, box_spec.num_coords)
        return decoder.decode(
            boxes, np.asarray(scores, np.float32).reshape(len(boxes), -1), anchors
        )

    nms = options["NonMaxSuppressionCalculator"]

    def suppress(t: int) -> list:
        found = seen["unfiltered_detections"][t]
        return weighted_nms(
            found, nms.overlap_type, nms.min_suppression_threshold, nms.min_score_threshold
        )

    def project(t: int) -> list:
        return project_detections(seen["filtered_detections"][t], seen["transform_matrix"][t])

    calls = dict(zip(STAGES, (crop, decode, suppress, project), strict=True))
    for (stage, call), stream in zip(calls.items(), OUTPUTS, strict=True):
        for t in range(len(frames)):
            expected = seen[stream][t][0] if stream == "input_tensors" else seen[stream][t]
            if pickle.dumps(call(t)) != pickle.dumps(expected):
                raise AssertionError(f"{stage} alone differs from the graph at frame {t}")
    return calls


def median_us(call: Callable[[int], Any], count: int, idle_s: float, passes: int = 3) -> float:
    """Median thread CPU (µs) of ``call(t)`` over the frames, after ``idle_s`` each time."""
    times = []
    for _ in range(passes):
        for t in range(count):
            if idle_s:
                time.sleep(idle_s)
            start = time.thread_time_ns()
            call(t)
            times.append(time.thread_time_ns() - start)
    return statistics.median(times) / 1e3


def crop_floor(frames: list[np.ndarray], crop: Callable[[int], Any]) -> Callable[[int], Any]:
    """``call(t)``: only the crop's two OpenCV calls (the remap over kept maps into a kept
    buffer, then the float LUT), the least a byte-identical crop can cost; it must give the
    crop stage's tensor, frame by frame."""
    import cv2

    from pipeserve.calculators.tensor.image_crop import CropPlanner, value_lut
    from pipeserve.calculators.tensor.warp_maps import KeptMaps

    _, height, width, channels = crop(0).shape
    plan = CropPlanner(width, height, True)(None, frames[0].shape[1], frames[0].shape[0])
    kept = KeptMaps(plan.perspective, (width, height), frames[0].shape[:2])
    buffer = np.zeros((height, width, channels), np.uint8)
    cut, lut = buffer[kept.rows, kept.cols], value_lut(-1.0, 1.0)

    def call(t: int) -> np.ndarray:
        cv2.remap(frames[t], kept.cut_xy, kept.cut_fraction, cv2.INTER_LINEAR, cut, 0)
        return cv2.LUT(buffer, lut)

    for t in range(len(frames)):
        if not np.array_equal(call(t), crop(t)[0]):
            raise AssertionError(f"the crop's OpenCV calls alone differ at frame {t}")
    return call


def report(graph_text: str, frames: list[np.ndarray], idle_ms: float) -> str:
    """A table: each stage's median CPU hot and after ``idle_ms`` of sleep, their sum, the
    four in a row after one idle gap (as a graph worker runs them: one wake-up per frame),
    and the crop's floor (``crop_floor``)."""
    calls = stage_calls(graph_text, frames)
    lines = [f"{'stage':<30}{'hot us':>9}{f'after {idle_ms:g} ms idle':>22}"]

    def row(name: str, call: Callable[[int], Any]) -> tuple[float, float]:
        hot, idle = median_us(call, len(frames), 0.0), median_us(call, len(frames), idle_ms / 1e3)
        lines.append(f"{name:<30}{hot:>9.1f}{idle:>22.1f}")
        return hot, idle

    sums = [row(name, call) for name, call in calls.items()]
    lines.append(f"{'all four':<30}{sum(h for h, _ in sums):>9.1f}{sum(i for _, i in sums):>22.1f}")
    row("all four in a row", lambda t: [call(t) for call in calls.values()])
    row("crop floor (remap + LUT)", crop_floor(frames, calls["ImageToTensor"]))
    return "\n".join(lines)
