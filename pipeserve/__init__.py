"""pipeserve: MediaPipe-style calculator graphs served over KServe v2 (gRPC and REST)."""

__version__ = "0.1.0"
