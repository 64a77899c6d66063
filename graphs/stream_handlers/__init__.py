"""Input stream handlers, registered under MediaPipe's names."""
