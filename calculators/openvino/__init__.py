"""OpenVINO inference: OVMS's session/inference calculators, MediaPipe's InferenceCalculator,
and file-based model providers for graphs run without a server."""

from .models import (
    DEFAULT_COMPILE_CONFIG,
    ModelDirectory,
    ModelProvider,
    WheelModels,
    compile_model,
)
from .session import InferenceSession

__all__ = [
    "DEFAULT_COMPILE_CONFIG",
    "InferenceSession",
    "ModelDirectory",
    "ModelProvider",
    "WheelModels",
    "compile_model",
]
