"""``pipeserve``: the server (OVMS's flags) and ``pipeserve graph check <graph.pbtxt>``.

A start-up failure prints one line, ``pipeserve: <reason>``, and exits with 2 (bad
settings, config or model, a port taken); anything else unexpected exits with 1. Tracebacks
are printed only with ``--log_level DEBUG``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import pipeserve
from pipeserve.errors import PipeserveError

EXIT_STARTUP = 2
EXIT_INTERNAL = 1
COMMANDS = """commands:
  pipeserve [flags]                    serve (no --config_path or --model_path: the
                                       bundled default config)
  pipeserve graph check GRAPH.pbtxt    print a graph's nodes and streams, or its error"""

SERVER_FLAGS: tuple[tuple[str, type, str], ...] = (
    ("config_path", str, "OVMS config.json (default: the bundled default config)"),
    ("model_path", str, "serve one graph folder (graph.pbtxt) or one model without a config"),
    ("model_name", str, "name of the servable given by --model_path"),
    ("target_device", str, "OpenVINO device for --model_path models (default CPU)"),
    ("port", int, "gRPC port (default 9000)"),
    ("rest_port", int, "REST port; 0 disables REST (default)"),
    ("grpc_bind_address", str, "gRPC bind address (default 127.0.0.1)"),
    ("rest_bind_address", str, "REST bind address (default 127.0.0.1)"),
    ("log_level", str, "DEBUG, INFO, WARNING or ERROR (default INFO)"),
    ("file_system_poll_wait_seconds", float, "config reload check interval; 0 disables"),
    ("max_message_size", int, "largest gRPC message in bytes (default fits a 4K RGB frame)"),
    ("shutdown_timeout_seconds", float, "on SIGTERM, how long open streams may drain"),
    ("workers", str, "server processes sharing the ports; auto = one per CPU (default 1)"),
    ("graph_processes", str, "processes running the graphs; auto = one per CPU (default 0)"),
    ("max_streams", int, "open streams server-wide (default 256)"),
    ("max_stream_buffer_mb", int, "outputs one stream holds for a slow client, MiB (64)"),
    ("stream_idle_timeout_seconds", float, "end a stream idle this long; 0 off (default)"),
    ("stream_max_lifetime_seconds", float, "end a stream open this long; 0 off (default)"),
    ("rest_max_body_mb", float, "largest REST request body in MiB (default 64)"),
    ("rest_header_timeout_seconds", float, "REST request headers deadline (default 10)"),
    ("rest_body_timeout_seconds", float, "longest REST body stall between chunks (default 30)"),
    (
        "handshake_timeout_seconds",
        float,
        "gRPC TLS/HTTP2 and REST TLS handshake deadline (default 10)",
    ),
    ("grpc_keepalive_time_seconds", float, "gRPC keepalive ping interval (default 60)"),
    ("grpc_keepalive_timeout_seconds", float, "gRPC keepalive ping deadline (default 20)"),
    ("grpc_max_connection_idle_seconds", float, "close gRPC connections idle this long (300)"),
    ("switch_interval_ms", float, "Python thread switch interval in ms (default 1; fairness)"),
    ("grpc_channel_arguments", str, "extra gRPC server arguments: name=value,name=value"),
    ("grpc_tls_cert_path", str, "PEM certificate for gRPC over TLS"),
    ("grpc_tls_key_path", str, "PEM private key for --grpc_tls_cert_path"),
    ("grpc_tls_client_ca_path", str, "PEM CA: gRPC clients need a certificate it signed"),
    ("rest_tls_cert_path", str, "PEM certificate for REST over HTTPS"),
    ("rest_tls_key_path", str, "PEM private key for --rest_tls_cert_path"),
    ("auth_token_path", str, "file of accepted bearer tokens, one per line"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeserve",
        description="Serve MediaPipe-style graphs and OpenVINO models "
        "over KServe v2 gRPC and REST. Flags also read PIPESERVE_<FLAG> variables.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pipeserve {pipeserve.__version__}")
    for name, kind, help_text in SERVER_FLAGS:
        parser.add_argument(f"--{name}", type=kind, help=help_text)
    parser.add_argument(
        "--profile_graphs",
        action="store_true",
        default=None,
        help="profile every graph per node; read GET /v1/profile/<graph>",
    )
    ovms = "accepted from OVMS command lines; /metrics always serves every metric"
    parser.add_argument("--metrics_enable", action="store_true", help=ovms)
    parser.add_argument("--metrics_list", help=ovms)
    return parser


OVMS_METRICS = ("metrics_enable", "metrics_list")
"""OVMS's metric switches: accepted, nothing to switch (metrics are always exposed)."""


def graph_check(argv: list[str]) -> int:
    """``pipeserve graph check path``: print the graph's nodes, streams and errors."""
    parser = argparse.ArgumentParser(prog="pipeserve graph check")
    parser.add_argument("path", help="graph .pbtxt file")
    ns = parser.parse_args(argv)
    import pipeserve.calculators  # noqa: F401  (registers every calculator)
    from pipeserve.graphs.describe import describe_graph

    try:
        print(describe_graph(ns.path))
    except PipeserveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["graph", "check"]:
        return graph_check(argv[2:])
    ns = _parser().parse_args(argv)
    from pydantic import ValidationError

    from pipeserve.server.settings import Settings

    try:
        values = {k: v for k, v in vars(ns).items() if v is not None and k not in OVMS_METRICS}
        settings = Settings(**values)
    except ValidationError as exc:
        print(f"pipeserve: invalid settings: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    debug = settings.log_level == "DEBUG"
    try:
        if settings.workers > 1:  # the supervisor imports no graph or model code
            from pipeserve.server.supervisor import Supervisor

            code = Supervisor(settings).run()
        else:
            from pipeserve.server.runner import serve

            asyncio.run(serve(settings))
            code = 0
    except PipeserveError as exc:
        return _fail(str(exc), EXIT_STARTUP, debug)
    except Exception as exc:  # a bug: one line, the traceback only when debugging
        return _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL, debug)
    from pipeserve.server.exiting import exit_at_once

    exit_at_once(code)  # served and drained: skip the interpreter's teardown


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        logging.getLogger("pipeserve").exception("start-up failed")
    print(f"pipeserve: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
