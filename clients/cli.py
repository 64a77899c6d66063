"""``pipeserve-client``: stream a video, an image folder or a camera through a graph.

    pipeserve-client video --graph holisticTracking --input in.mp4 --output out.mp4
    pipeserve-client video --graph objectTracking --input frames/ --mot results.txt \\
        --input-stream image --output-stream annotated --output tracked.mp4

Frames go over one gRPC stream (one graph instance, so tracking state carries from frame
to frame) with timestamps ``k * 1e6 / fps`` µs. ``--output`` writes the graph's image
output as an mp4; ``--mot`` writes its ``tracked_detections`` as MOTChallenge lines.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .video import FrameSource

from .access import TOKEN_VARIABLE, ServerAccess, read_token

DEFAULT_FPS = 30.0
CLIENT_EXTRA = ("tritonclient.grpc", "tqdm")
"""What ``pip install 'pipeserve[client]'`` adds (the server's own install lacks them)."""
EXIT_MISSING_EXTRA = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeserve-client", description="Stream frames through a pipeserve graph."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    video = commands.add_parser("video", help="stream video frames through a graph")
    video.add_argument("--graph", required=True, help="graph name, e.g. holisticTracking")
    video.add_argument(
        "--input", required=True, help="video file, folder of images, or camera index"
    )
    video.add_argument("--output", help="mp4 file for the graph's image output")
    video.add_argument("--mot", help="MOTChallenge results file for tracked detections")
    video.add_argument("--url", default="127.0.0.1:9000", help="server gRPC address")
    video.add_argument("--input-stream", default="first_input_video", help="graph input name")
    video.add_argument("--output-stream", default="output", help="graph image output name")
    video.add_argument(
        "--mot-stream", default="tracked_detections", help="graph output with [N, 6] tracks"
    )
    video.add_argument(
        "--fps",
        type=float,
        help=f"frame rate for timestamps and the output video "
        f"(default: the input's, else {DEFAULT_FPS:g})",
    )
    video.add_argument("--window", type=int, default=4, help="frames in flight at most")
    video.add_argument("--max-frames", type=int, help="stop after this many frames")
    add_access_arguments(video)
    return parser


def add_access_arguments(parser: argparse.ArgumentParser) -> None:
    """TLS and token options (tritonclient's, as flags)."""
    group = parser.add_argument_group("security")
    group.add_argument("--tls", action="store_true", help="use TLS, trusting the system's CAs")
    group.add_argument("--root-certificates", help="PEM CA file to trust (implies --tls)")
    group.add_argument("--private-key", help="client PEM key, for mutual TLS")
    group.add_argument("--certificate-chain", help="client PEM certificate, for mutual TLS")
    group.add_argument(
        "--token-file", help=f"file holding the bearer token (default: ${TOKEN_VARIABLE})"
    )


def access_from(args: argparse.Namespace) -> ServerAccess:
    """The ``ServerAccess`` the security options describe."""
    return ServerAccess(
        tls=args.tls,
        root_certificates=args.root_certificates,
        private_key=args.private_key,
        certificate_chain=args.certificate_chain,
        token=read_token(args.token_file),
    )


def _frames(
    source: FrameSource, sizes: dict[int, tuple[int, int]], limit: int | None
) -> Iterator[np.ndarray]:
    """The source's frames, recording each one's (width, height) by frame index."""
    for index, frame in enumerate(itertools.islice(source, limit)):
        sizes[index] = (int(frame.shape[1]), int(frame.shape[0]))
        yield frame


def run_video(args: argparse.Namespace) -> int:
    """Stream the input through the graph; write the outputs asked for."""
    from tqdm import tqdm

    from .mot import MotWriter
    from .stream import GraphStream
    from .video import Mp4Writer, open_source

    if not (args.output or args.mot):
        raise SystemExit("pipeserve-client video: give --output and/or --mot")
    expected = [args.output_stream] if args.output else []
    expected += [args.mot_stream] if args.mot else []
    access = access_from(args)
    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.input))
        fps = args.fps or source.fps or DEFAULT_FPS
        video = stack.enter_context(Mp4Writer(args.output, fps)) if args.output else None
        mot = MotWriter(stack.enter_context(open(args.mot, "w"))) if args.mot else None
        total = min(filter(None, (source.frame_count, args.max_frames)), default=None)
        bar = stack.enter_context(tqdm(total=total, unit="frame", dynamic_ncols=True))
        stream = stack.enter_context(
            GraphStream(
                args.url,
                args.graph,
                args.input_stream,
                expected,
                window=args.window,
                fps=fps,
                access=access,
            )
        )
        sizes: dict[int, tuple[int, int]] = {}
        started = time.perf_counter()
        for result in stream.run(_frames(source, sizes, args.max_frames)):
            if result.frame is None:
                continue
            size = sizes.pop(result.frame)
            image = result.outputs.get(args.output_stream)
            if video is not None and image is not None:
                video.write(image)
            tracks = result.outputs.get(args.mot_stream)
            if mot is not None and tracks is not None:
                mot.write(result.frame + 1, tracks, size)
            bar.update(1)
        elapsed = time.perf_counter() - started
    frames = bar.n
    print(
        f"{frames} frames in {elapsed:.1f} s ({frames / max(elapsed, 1e-9):.1f} fps)"
        + (f"; video: {args.output} ({video.frames} frames)" if video else "")
        + (f"; MOT: {args.mot} ({mot.lines} lines)" if mot else ""),
        file=sys.stderr,
    )
    return 0


def missing_extra() -> str | None:
    """The first module of the ``client`` extra that cannot be imported, if any."""
    for module in CLIENT_EXTRA:
        try:
            importlib.import_module(module)
        except ImportError:
            return module
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_extra()
    if missing is not None:
        print(
            f"pipeserve-client: needs the client extra ({missing} is not installed): "
            "pip install 'pipeserve[client]'",
            file=sys.stderr,
        )
        return EXIT_MISSING_EXTRA
    from .stream import StreamError

    try:
        return run_video(args)
    except (StreamError, OSError, ValueError) as exc:
        print(f"pipeserve-client: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
