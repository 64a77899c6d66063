"""Type names shared across the runtime (mediapipe's protos ship without type stubs)."""

from __future__ import annotations

from typing import Any, TypeAlias

GraphConfig: TypeAlias = Any
"""A ``mediapipe.framework.calculator_pb2.CalculatorGraphConfig``."""
NodeConfig: TypeAlias = Any
"""A ``CalculatorGraphConfig.Node``."""
