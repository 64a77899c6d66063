"""Stream sentences to the `words` graph with tritonclient and print one line per word.

pipeserve --config_path demos/default/config.json --port 9000 &
python demos/default/words_client.py --url 127.0.0.1:9000 "hello streaming world"
"""

from __future__ import annotations

import argparse
import queue

import numpy as np
import tritonclient.grpc as grpcclient

TIMESTAMP = "OVMS_MP_TIMESTAMP"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sentences", nargs="+")
    parser.add_argument("--url", default="127.0.0.1:9000")
    parser.add_argument("--timestamp", type=int, default=None, help="first request's timestamp")
    args = parser.parse_args(argv)

    client = grpcclient.InferenceServerClient(args.url)
    results: queue.Queue = queue.Queue()
    client.start_stream(callback=lambda result, error: results.put((result, error)))
    for i, sentence in enumerate(args.sentences):
        text = grpcclient.InferInput("text", [1], "BYTES")
        text.set_data_from_numpy(np.array([sentence.encode()], dtype=object))
        params = {TIMESTAMP: args.timestamp} if i == 0 and args.timestamp is not None else None
        client.async_stream_infer("words", [text], parameters=params)
    client.stop_stream()  # half-close: the server sends every remaining word, then ends
    while not results.empty():
        result, error = results.get()
        if error is not None:
            print("error:", error)
            continue
        ts = result.get_response().parameters[TIMESTAMP].int64_param
        print(ts, result.as_numpy("word")[0].decode())


if __name__ == "__main__":
    main()
