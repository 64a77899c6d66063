"""Object tracking: a per-stream multi-object tracker and its calculators."""
