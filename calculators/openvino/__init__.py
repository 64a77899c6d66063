"""OpenVINO inference: OVMS's session/inference calculators, MediaPipe's InferenceCalculator,
and file-based model providers for graphs run without a server."""

from .models import (
    DEFAULT_COMPILE_CONFIG,
    ModelConsumer,
    ModelDirectory,
    ModelLoadError,
    ModelProvider,
    WheelModels,
    compile_model,
    find_model,
)
from .session import InferenceSession

__all__ = [
    "DEFAULT_COMPILE_CONFIG",
    "InferenceSession",
    "ModelConsumer",
    "ModelDirectory",
    "ModelLoadError",
    "ModelProvider",
    "WheelModels",
    "compile_model",
    "find_model",
]
