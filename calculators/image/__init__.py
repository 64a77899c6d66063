"""image calculators (MediaPipe's calculators/image) for the holistic graphs."""
