"""tensor calculators (MediaPipe's calculators/tensor) for the holistic graphs."""
