"""Binding the server's ports, and the error for a server that cannot start."""

from __future__ import annotations

import socket

from pipeserve.errors import Code, PipeserveError


class StartupError(PipeserveError):
    """The server cannot start; the message is the one line the command prints."""

    code = Code.FAILED_PRECONDITION


def listen_socket(host: str, port: int, protocol: str, reuse_port: bool = False) -> socket.socket:
    """A socket bound to ``host:port``; StartupError naming the protocol when it is taken.

    ``reuse_port`` shares the port with other ``SO_REUSEPORT`` sockets of this user: only the
    worker processes of one server ask for it (``supervisor``).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise StartupError(f"cannot listen on {host}:{port} for {protocol}: {reason}") from exc
    return sock
