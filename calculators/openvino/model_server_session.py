"""OpenVINOModelServerSessionCalculator: the SESSION side packet for one served model."""

from __future__ import annotations

from pipeserve.graphs.calculator import STOP, Calculator, CalculatorContext, ProcessResult
from pipeserve.graphs.contract import OutputSidePacket
from pipeserve.graphs.registry import register_calculator
from pipeserve.proto.openvino_calculators_pb2 import OpenVINOModelServerSessionCalculatorOptions

from .models import ModelProvider
from .session import InferenceSession

MODELS_SERVICE = "models"


@register_calculator("OpenVINOModelServerSessionCalculator")
class OpenVINOModelServerSessionCalculator(Calculator):
    """Looks up ``servable_name``/``servable_version`` in the model provider (OVMS's name).

    The provider is ``services["models"]`` (the server's model repository, or a
    ``ModelDirectory``/``WheelModels`` in tests); its compiled model is shared by all
    graphs, each inference node makes its own infer request. ``service_url`` and
    ``server_config`` are accepted for OVMS compatibility: models always come from the
    provider. No input or output streams (the node stops as soon as it has opened).

    Ports:
        SESSION (output side packet) - InferenceSession

    Example::

        node {
          calculator: "OpenVINOModelServerSessionCalculator"
          output_side_packet: "SESSION:session"
          node_options: {
            [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions]: {
              servable_name: "pose_detection" servable_version: "1" } }
        }
    """

    SESSION = OutputSidePacket[InferenceSession]("SESSION")
    options_type = OpenVINOModelServerSessionCalculatorOptions

    @classmethod
    def check_models(
        cls, options: OpenVINOModelServerSessionCalculatorOptions, provider: ModelProvider
    ) -> None:
        """Raises ModelLoadError when the provider cannot give the servable."""
        provider.compiled_model(options.servable_name, parse_version(options.servable_version))

    def open(self, cc: CalculatorContext) -> None:
        name = cc.options.servable_name
        if not name:
            raise ValueError("servable_name is required")
        provider = cc.services.get(MODELS_SERVICE)
        if provider is None:
            raise LookupError(
                f"no model provider (service {MODELS_SERVICE!r}) to serve model {name!r}"
            )
        version = parse_version(cc.options.servable_version)
        session = InferenceSession(
            name,
            version,
            provider.compiled_model(name, version),
            variant=lambda outputs: provider.compiled_model(name, version, outputs),
        )
        cc.output_side_packets.set("SESSION", session)

    def process(self, cc: CalculatorContext) -> ProcessResult:
        """A source node with nothing to emit: done at once."""
        return STOP


def parse_version(text: str) -> str:
    """OVMS's rule: a number selects that version; empty or invalid means "0" (the default)."""
    text = text.strip()
    return str(int(text)) if text.isdigit() else "0"
