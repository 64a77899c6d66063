"""Stream a video (or a folder of images, or a camera) to holisticLandmarks; print landmarks.

One line of JSON per frame: the frame index, its timestamp (µs) and, for each part found,
its landmarks ([x, y, z, visibility, presence] rows, x/y normalized to the frame) and the
pose ROI for the next frame.

    python demos/holistic_landmarks/client.py --input holistic_sample.mp4 > landmarks.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from pipeserve.clients.stream import GraphStream
from pipeserve.clients.video import open_source

OUTPUTS = (
    "pose_landmarks",
    "face_landmarks",
    "left_hand_landmarks",
    "right_hand_landmarks",
    "pose_roi",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="video file, image folder or camera index")
    parser.add_argument("--url", default="127.0.0.1:9000", help="server gRPC address")
    parser.add_argument(
        "--fps", type=float, help="frame rate for timestamps (default: the input's)"
    )
    parser.add_argument("--no-smoothing", action="store_true", help="smooth_landmarks = false")
    args = parser.parse_args()
    with open_source(args.input) as frames:
        stream = GraphStream(
            args.url,
            "holisticLandmarks",
            "image",
            optional_outputs=OUTPUTS,
            fps=args.fps or frames.fps or 30.0,
            parameters={"smooth_landmarks": not args.no_smoothing},
        )
        with stream:
            for result in stream.run(frames):
                parts = {
                    name: value.astype(float).round(5).tolist()
                    for name, value in result.outputs.items()
                }
                line = {"frame": result.frame, "timestamp": result.timestamp, **parts}
                sys.stdout.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
