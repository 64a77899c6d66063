"""OVMS's Python nodes: PythonExecutorCalculator, its per-definition models, converters."""
