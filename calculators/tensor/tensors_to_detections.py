"""TensorsToDetectionsCalculator: decode SSD regressions and scores into detections.

Ports:
    TENSORS - list[np.ndarray] ([boxes [1, N, C], scores [1, N, classes]] or a third
        anchors tensor [N, 4] as y, x, h, w)
    ANCHORS - np.ndarray (input side packet, float32 [N, 4] x, y, w, h; SsdAnchorsCalculator)
    IGNORE_CLASSES - list[int] (optional input side packet)
    MIN_SCORE_THRESH - float or one-element array (optional input side packet; overrides
        ``min_score_thresh``, e.g. a client's ``min_detection_confidence``)
    DETECTIONS - list[Detection] (relative boxes and keypoints, in anchor order)

Options: ``mediapipe.TensorsToDetectionsCalculatorOptions`` (the 4-tensor
post-processed form is not supported).

Example::

    node {
      calculator: "TensorsToDetectionsCalculator"
      input_stream: "TENSORS:detection_tensors"
      input_side_packet: "ANCHORS:anchors"
      output_stream: "DETECTIONS:unfiltered_detections"
      options: { [mediapipe.TensorsToDetectionsCalculatorOptions.ext] {
        num_classes: 1 num_boxes: 896 num_coords: 16 box_coord_offset: 0
        keypoint_coord_offset: 4 num_keypoints: 6 num_values_per_keypoint: 2
        sigmoid_score: true score_clipping_thresh: 100.0 reverse_output_order: true
        x_scale: 128.0 y_scale: 128.0 h_scale: 128.0 w_scale: 128.0
        min_score_thresh: 0.5 } }
    }
"""

from __future__ import annotations

import math

import numpy as np

from pipeserve.calculators.formats import Detection
from pipeserve.calculators.util.geometry import round_f32
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    Input,
    InputSidePacket,
    Output,
    as_scalar,
    register_calculator,
)
from pipeserve.graphs.packet import Scalar

from .detection_decoding import DecodeSpec, Options, decode_boxes, to_detections
from .tensors_to_floats import sigmoid

LOGIT_MARGIN = 1e-3


@register_calculator("TensorsToDetectionsCalculator")
class TensorsToDetectionsCalculator(Calculator):
    TENSORS = Input[list[np.ndarray]]("TENSORS")
    ANCHORS = InputSidePacket[np.ndarray]("ANCHORS", optional=True)
    IGNORE_CLASSES = InputSidePacket[list[int]]("IGNORE_CLASSES", optional=True)
    MIN_SCORE_THRESH = InputSidePacket[Scalar]("MIN_SCORE_THRESH", optional=True)
    DETECTIONS = Output[list[Detection]]("DETECTIONS")
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        self.configure(cc, cc.options)

    def configure(self, cc: CalculatorContext, options: Options) -> None:
        """Resolve ``options`` (MediaPipe's message) and the side packets."""
        if not options.HasField("num_classes") or not options.HasField("num_coords"):
            raise ValueError("num_classes and num_coords are required")
        if options.max_results == 0:
            raise ValueError("max_results must be non-zero")
        self.spec = DecodeSpec.from_options(options)
        self.max_results = options.max_results
        self.sigmoid = options.sigmoid_score
        self.clip = (
            options.score_clipping_thresh if options.HasField("score_clipping_thresh") else None
        )
        self.min_score = options.min_score_thresh if options.HasField("min_score_thresh") else None
        if cc.input_side_packets.has("MIN_SCORE_THRESH"):
            self.min_score = as_scalar(cc.input_side_packets["MIN_SCORE_THRESH"], float)
        # the float32 values ``one_class_scores`` compares with, rounded once
        self.clip_f32 = None if self.clip is None else round_f32([self.clip])[0]
        self.min_score_f32 = None if self.min_score is None else round_f32([self.min_score])[0]
        allowed = np.ones(options.num_classes, bool)
        if cc.input_side_packets.has("IGNORE_CLASSES"):
            allowed[list(cc.input_side_packets["IGNORE_CLASSES"])] = False
        elif options.allow_classes:
            allowed[:] = False
            allowed[list(options.allow_classes)] = True
        else:
            allowed[list(options.ignore_classes)] = False
        self.allowed = allowed
        # As Python bools: a numpy reduction per frame costs tens of µs with cold caches.
        self.all_allowed, self.any_allowed = bool(allowed.all()), bool(allowed.any())
        self.first_allowed = bool(allowed[0])
        self.anchors: np.ndarray | None = cc.input_side_packets.get("ANCHORS")
        if options.HasField("tensor_mapping"):
            mapping = options.tensor_mapping
            self.box_index, self.score_index = (
                mapping.detections_tensor_index,
                mapping.scores_tensor_index,
            )
            self.anchor_index = mapping.anchors_tensor_index
        else:
            self.box_index, self.score_index, self.anchor_index = 0, 1, 2

    def process(self, cc: CalculatorContext) -> None:
        tensors = cc.inputs["TENSORS"].value
        if len(tensors) not in (2, 3):
            raise ValueError(f"expected 2 or 3 tensors, got {len(tensors)}")
        spec = self.spec
        raw = np.asarray(tensors[self.box_index], np.float32).reshape(
            spec.num_boxes, spec.num_coords
        )
        scores = np.asarray(tensors[self.score_index], np.float32).reshape(spec.num_boxes, -1)
        if self.anchors is None:
            if len(tensors) != 3:
                raise ValueError("no anchors: need the ANCHORS side packet or an anchors tensor")
            yxhw = np.asarray(tensors[self.anchor_index], np.float32).reshape(-1, 4)
            self.anchors = yxhw[:, [1, 0, 3, 2]]
        cc.outputs["DETECTIONS"].add(self.decode(raw, scores, self.anchors))

    def decode(self, raw: np.ndarray, scores: np.ndarray, anchors: np.ndarray) -> list:
        rows = self.candidates(scores)
        if not rows.size:
            return []
        if self.sigmoid and scores.shape[1] == 1 and self.first_allowed:
            rows, best = self.one_class_scores(rows, scores[rows, 0].tolist())
            if not rows.size:
                return []
            classes = np.zeros(len(rows), np.intp)
        else:
            rows, classes, best = self.class_scores(rows, scores[rows])
            if not rows.size:
                return []
        boxes = decode_boxes(raw[rows], anchors[rows], self.spec)
        detections = to_detections(boxes, best, classes, self.spec)
        return detections if self.max_results < 0 else detections[: self.max_results]

    def one_class_scores(self, rows: np.ndarray, raw: list[float]) -> tuple[np.ndarray, np.ndarray]:
        """Rows kept and their float32 scores for one class with a sigmoid, in Python floats
        (a handful of candidates: cheaper than numpy calls when the caches are cold).

        The float32 steps of ``sigmoid``: ``expf`` as the double ``exp`` rounded to float32,
        then ``1 + e`` and ``1 / (1 + e)`` rounded to float32."""
        clip, cut = self.clip_f32, self.min_score_f32
        if clip is not None:
            raw = [min(max(v, -clip), clip) for v in raw]
        exps = round_f32([math.exp(-v) if v > -700.0 else math.inf for v in raw])
        scores = round_f32([1.0 / v for v in round_f32([1.0 + e for e in exps])])
        if cut is not None:
            keep = [i for i, v in enumerate(scores) if v >= cut]
            if len(keep) < len(scores):
                rows, scores = rows[keep], [scores[i] for i in keep]
        return rows, np.array(scores, np.float32)

    def class_scores(
        self, rows: np.ndarray, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows kept, their best allowed class and its score (numpy, any number of classes)."""
        if self.sigmoid:
            if self.clip is not None:
                scores = np.clip(scores, -self.clip, self.clip)
            scores = sigmoid(scores)
        if scores.shape[1] == 1 and self.first_allowed:
            classes, best = np.zeros(len(rows), np.intp), scores[:, 0]
        else:
            scores = np.where(self.allowed[None, :], scores, -np.finfo(np.float32).max)
            classes = np.argmax(scores, axis=1)
            best = scores[np.arange(len(scores)), classes]
        if self.min_score is not None:
            keep = best >= self.min_score
            if not keep.all():
                rows, classes, best = rows[keep], classes[keep], best[keep]
        return rows, classes, best

    def candidates(self, scores: np.ndarray) -> np.ndarray:
        """Rows that may reach ``min_score``: a cheap superset found on the raw scores, so
        that the exact scoring only runs on them (a few of thousands of anchors)."""
        if self.min_score is None or not self.any_allowed:
            return np.arange(len(scores))
        if self.all_allowed:
            best = scores[:, 0] if scores.shape[1] == 1 else scores.max(axis=1)
        else:
            best = scores[:, self.allowed].max(axis=1)
        if not self.sigmoid:
            return (best >= self.min_score).nonzero()[0]
        if not 0.0 < self.min_score < 0.999:
            return np.arange(len(scores))
        # sigmoid is monotonic; the margin covers float32 rounding of the exact score.
        cut = math.log(self.min_score / (1.0 - self.min_score)) - LOGIT_MARGIN
        if self.clip is not None and not -self.clip < cut < self.clip:
            best = np.clip(best, -self.clip, self.clip)  # else clipping keeps every answer
        return (best >= cut).nonzero()[0]
