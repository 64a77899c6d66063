"""OpenVINOTensorsToDetectionsCalculator: OVMS's SSD decoder, on the shared decoding.

Decodes ``[boxes [1, N, num_coords], scores [1, N, num_classes]]`` (or a third anchors
tensor) into detections exactly as TensorsToDetectionsCalculator, whose option fields
OVMS's ``OpenVINOTensorsToDetectionsCalculatorOptions`` carries under the same names.
Without ``sigmoid_score`` the raw scores are compared and reported, as in OVMS.

Ports:
    TENSORS - list[np.ndarray] (boxes, scores[, anchors])
    ANCHORS - np.ndarray (input side packet, float32 [N, 4] x, y, w, h)
    DETECTIONS (output) - list[Detection] (relative boxes, in anchor order)

Example::

    node {
      calculator: "OpenVINOTensorsToDetectionsCalculator"
      input_stream: "TENSORS:detection_tensors"
      input_side_packet: "ANCHORS:anchors"
      output_stream: "DETECTIONS:detections"
      node_options: {
        [type.googleapis.com/mediapipe.OpenVINOTensorsToDetectionsCalculatorOptions] {
          num_classes: 91 num_boxes: 2034 num_coords: 4 ignore_classes: 0
          apply_exponential_on_box_size: true x_scale: 10.0 y_scale: 10.0
          h_scale: 5.0 w_scale: 5.0 } }
    }
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor

from pipeserve.calculators.tensor.detection_decoding import Options
from pipeserve.calculators.tensor.tensors_to_detections import TensorsToDetectionsCalculator
from pipeserve.graphs import CalculatorContext, register_calculator
from pipeserve.proto.openvino_vision_calculators_pb2 import (
    OpenVINOTensorsToDetectionsCalculatorOptions,
)


def as_mediapipe_options(options: OpenVINOTensorsToDetectionsCalculatorOptions) -> Options:
    """The same settings in MediaPipe's TensorsToDetectionsCalculatorOptions."""
    result = Options()
    for field, value in options.ListFields():
        if field.label == FieldDescriptor.LABEL_REPEATED:  # type: ignore[attr-defined]
            getattr(result, field.name).extend(value)
        else:
            setattr(result, field.name, value)
    return result


@register_calculator("OpenVINOTensorsToDetectionsCalculator")
class OpenVINOTensorsToDetectionsCalculator(TensorsToDetectionsCalculator):
    options_type = OpenVINOTensorsToDetectionsCalculatorOptions

    def open(self, cc: CalculatorContext) -> None:
        self.configure(cc, as_mediapipe_options(cc.options))
