"""A client that floods one ``passthrough`` stream (run as its own process by the fairness test).

    python -m tests.server.flood URL BYTES

Sends BYTES-sized tensors as fast as it can with up to ``WINDOW`` requests in flight, prints
"flooding" once responses flow, and stops when its standard input closes; prints the count.
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import tritonclient.grpc as grpcclient

from .streams import tensor

WINDOW = 256


def main(url: str, size: int) -> None:
    answered = threading.Semaphore(0)
    client = grpcclient.InferenceServerClient(url)
    client.start_stream(lambda result, error: answered.release())
    inputs = [tensor("in", np.zeros(size, np.uint8))]
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    sent = 0
    for _ in range(WINDOW):
        client.async_stream_infer("passthrough", inputs)
        sent += 1
    answered.acquire()
    print("flooding", flush=True)
    while not stop.is_set():
        answered.acquire()
        client.async_stream_infer("passthrough", inputs)
        sent += 1
    client.stop_stream(cancel_requests=True)
    client.close()
    print(sent, flush=True)
    # no interpreter teardown: once, tritonclient's stream finalizer waited there forever for
    # a lock of gRPC's response thread, which teardown had stopped while it held the lock
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
