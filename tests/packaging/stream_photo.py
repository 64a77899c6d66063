"""A user's client: one real photo through a graph with plain ``tritonclient``; prints JSON.

    python -m tests.packaging.stream_photo 127.0.0.1:9000 holisticLandmarks [frames]

Sends the photo as ``frames`` frames of a 30 fps stream (default 1) and prints
``{output name: shape}`` of the last packet of each output (the stream is closed after the
last frame, so the graph finishes and every output it makes arrives).
"""

from __future__ import annotations

import json
import queue
import sys
from typing import Any

import matplotlib.image
import numpy as np
import tritonclient.grpc as grpcclient
from matplotlib import cbook


def grace_hopper() -> np.ndarray:
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.ascontiguousarray(matplotlib.image.imread(f, format="jpg"))


def stream_photo(url: str, graph: str, image: np.ndarray, frames: int) -> dict[str, list[int]]:
    results: queue.Queue[tuple[Any, Any]] = queue.Queue()
    client = grpcclient.InferenceServerClient(url)
    client.start_stream(callback=lambda result, error: results.put((result, error)))
    frame = grpcclient.InferInput("image", list(image.shape), "UINT8")
    frame.set_data_from_numpy(image)
    for index in range(frames):
        timestamp = index * 1_000_000 // 30
        client.async_stream_infer(graph, [frame], parameters={"OVMS_MP_TIMESTAMP": timestamp})
    client.stop_stream()  # closes the request side and waits for the last response
    shapes: dict[str, list[int]] = {}
    while not results.empty():
        result, error = results.get()
        if error is not None:
            raise SystemExit(f"{graph}: {error}")
        for output in result.get_response().outputs:
            shapes[output.name] = list(result.as_numpy(output.name).shape)
    return shapes


if __name__ == "__main__":
    url, graph, *count = sys.argv[1:]
    print(json.dumps(stream_photo(url, graph, grace_hopper(), int(count[0]) if count else 1)))
