"""util calculators (MediaPipe's calculators/util) for the holistic graphs."""
