#!/usr/bin/env python3
"""Run N pipeserve replicas behind nginx on one machine: the cluster's topology, locally.

    python deploy/nginx/replicas.py --replicas 2 --port 9000 --rest_port 8000 \
        -- --config_path demos/default/config.json

Clients use nginx's ports (``--port`` gRPC, ``--rest_port`` REST) exactly as they would use
one pipeserve. Replica ``i`` listens on 127.0.0.1, gRPC ``--replica_port + 2i`` and REST
``--replica_port + 2i + 1``; its pid is in ``<run_dir>/replica-<i>.pid`` and its log in
``<run_dir>/replica-<i>.log``. A replica that exits is started again (as a Deployment would).
SIGTERM or SIGINT drains every replica (each finishes its open streams), stops nginx
gracefully and exits 0. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
READY_TIMEOUT_S = 120.0


class Replica:
    """One pipeserve process on its own pair of ports."""

    def __init__(self, index: int, command: list[str], grpc_port: int, run_dir: Path) -> None:
        self.index = index
        self.grpc_port = grpc_port
        self.rest_port = grpc_port + 1
        self.command = [
            *command,
            *("--port", str(grpc_port), "--rest_port", str(self.rest_port)),
            *("--grpc_bind_address", "127.0.0.1", "--rest_bind_address", "127.0.0.1"),
        ]
        self.log_path = run_dir / f"replica-{index}.log"
        self.pid_path = run_dir / f"replica-{index}.pid"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        self.pid_path.write_text(f"{self.proc.pid}\n")

    def ready(self) -> bool:
        url = f"http://127.0.0.1:{self.rest_port}/v2/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def __repr__(self) -> str:
        pid = self.proc.pid if self.proc else None
        return f"Replica({self.index}, grpc={self.grpc_port}, rest={self.rest_port}, pid={pid})"


def render_config(args: argparse.Namespace, replicas: list[Replica], run_dir: Path) -> Path:
    """Write ``nginx.conf`` for ``replicas`` into ``run_dir``; returns its path."""
    servers = {
        "grpc_servers": "\n".join(f"        server 127.0.0.1:{r.grpc_port};" for r in replicas),
        "rest_servers": "\n".join(f"        server 127.0.0.1:{r.rest_port};" for r in replicas),
    }
    text = Template((HERE / "pipeserve.conf.template").read_text()).substitute(
        run_dir=run_dir,
        listen_address=args.listen_address,
        port=args.port,
        rest_port=args.rest_port,
        **servers,
    )
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(text)
    return path


def wait_ready(replicas: list[Replica]) -> None:
    """Block until every replica answers ready; raise if one exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    waiting = list(replicas)
    while waiting:
        for replica in list(waiting):
            assert replica.proc is not None
            if replica.proc.poll() is not None:
                raise RuntimeError(f"{replica} exited with {replica.proc.returncode}")
            if replica.ready():
                waiting.remove(replica)
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {READY_TIMEOUT_S:.0f}s: {waiting}")
        time.sleep(0.2)


def supervise(
    replicas: list[Replica], nginx: subprocess.Popen[bytes], stop: threading.Event
) -> int:
    """Restart replicas that exit until ``stop`` is set or nginx exits; returns nginx's code."""
    while not stop.wait(0.2):
        if nginx.poll() is not None:
            print(f"nginx exited with {nginx.returncode}", file=sys.stderr, flush=True)
            return nginx.returncode or 1
        for replica in replicas:
            assert replica.proc is not None
            if replica.proc.poll() is not None and time.monotonic() - replica.started > 1:
                print(
                    f"replica {replica.index} exited with {replica.proc.returncode}; restarting",
                    flush=True,
                )
                replica.start()
    return 0


def shut_down(replicas: list[Replica], nginx: subprocess.Popen[bytes]) -> None:
    """Drain the replicas (SIGTERM) and stop nginx gracefully (SIGQUIT), then wait for all."""
    if nginx.poll() is None:
        nginx.send_signal(signal.SIGQUIT)
    for replica in replicas:
        if replica.proc is not None and replica.proc.poll() is None:
            replica.proc.send_signal(signal.SIGTERM)
    for replica in replicas:
        if replica.proc is not None:
            replica.proc.wait()
    nginx.wait()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="number of pipeserve replicas")
    parser.add_argument("--port", type=int, default=9000, help="gRPC port clients use")
    parser.add_argument("--rest_port", type=int, default=8000, help="REST port clients use")
    parser.add_argument("--listen_address", default="127.0.0.1", help="nginx's bind address")
    parser.add_argument(
        "--replica_port", type=int, default=9100, help="first replica's gRPC port (REST is +1)"
    )
    parser.add_argument("--run_dir", type=Path, help="config, pids and logs (default: temp dir)")
    parser.add_argument(
        "--command",
        default=f"{shlex.quote(sys.executable)} -m pipeserve.cli",
        help="how to start one pipeserve (default: this Python's pipeserve)",
    )
    parser.add_argument("--nginx", default="nginx", help="nginx executable")
    parser.add_argument("pipeserve_flags", nargs="*", help="after --: flags for every replica")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    nginx_bin = shutil.which(args.nginx)
    if nginx_bin is None:
        print(f"{args.nginx} not found (Debian: apt-get install nginx)", file=sys.stderr)
        return 2
    run_dir = (args.run_dir or Path(tempfile.mkdtemp(prefix="pipeserve-nginx-"))).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    command = [*shlex.split(args.command), *args.pipeserve_flags]
    replicas = [
        Replica(i, command, args.replica_port + 2 * i, run_dir) for i in range(args.replicas)
    ]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    for replica in replicas:
        replica.start()
    try:
        wait_ready(replicas)
    except RuntimeError as exc:
        print(f"replicas failed to start: {exc} (logs in {run_dir})", file=sys.stderr)
        for replica in replicas:
            if replica.proc is not None:
                replica.proc.kill()
        return 1
    conf = render_config(args, replicas, run_dir)
    nginx = subprocess.Popen([nginx_bin, "-e", str(run_dir / "nginx-error.log"), "-c", str(conf)])
    print(
        f"serving {len(replicas)} replicas: gRPC {args.listen_address}:{args.port}, "
        f"REST {args.listen_address}:{args.rest_port} (run dir {run_dir})",
        flush=True,
    )
    code = supervise(replicas, nginx, stop)
    shut_down(replicas, nginx)
    return code


if __name__ == "__main__":
    sys.exit(main())
