"""The client library and ``pipeserve-client`` over mutual TLS with a bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeserve.clients.access import ServerAccess
from pipeserve.clients.cli import main
from pipeserve.clients.local_server import LocalServer, write_config
from pipeserve.clients.stream import GraphStream, StreamError
from tests.server.pki import Pki

from .test_against_server import PASSTHROUGH_GRAPH

TOKEN = "client-token-7Hq"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, Pki]]:
    """A server asking for a client certificate from the test CA and a token."""
    folder = tmp_path_factory.mktemp("secured")
    pki = Pki.create(folder / "pki")
    cert, key = pki.server()
    tokens = folder / "tokens"
    tokens.write_text(TOKEN + "\n")
    flags = ["--grpc_tls_cert_path", str(cert), "--grpc_tls_key_path", str(key)]
    flags += ["--grpc_tls_client_ca_path", str(pki.ca), "--auth_token_path", str(tokens)]
    access = full_access(pki, TOKEN)
    config = write_config(folder, {"pass": PASSTHROUGH_GRAPH})
    with LocalServer(config, folder / "log", flags=flags, access=access) as server:
        yield server, pki


def full_access(pki: Pki, token: str | None) -> ServerAccess:
    cert, key = pki.client()
    return ServerAccess(
        root_certificates=str(pki.ca),
        private_key=str(key),
        certificate_chain=str(cert),
        token=token,
    )


def test_a_graph_stream_with_certificate_and_token_gets_its_frames_back(
    secured: tuple[LocalServer, Pki], astronaut: np.ndarray
) -> None:
    server, pki = secured
    frames = [astronaut[: 32 + k, :48] for k in range(3)]
    access = full_access(pki, TOKEN)
    assert TOKEN not in repr(access)
    with GraphStream(server.url, "pass", "in", ["out"], access=access) as stream:
        results = list(stream.run(frames))
    for result, frame in zip(results, frames, strict=True):
        np.testing.assert_array_equal(result.outputs["out"], frame)
    with (
        pytest.raises(StreamError, match="Bearer <token>"),
        GraphStream(server.url, "pass", "in", ["out"], access=full_access(pki, "wrong")) as bad,
    ):
        list(bad.run(frames))


def test_pipeserve_client_takes_tls_files_and_a_token_file(
    secured: tuple[LocalServer, Pki], astronaut: np.ndarray, tmp_path: Path
) -> None:
    server, pki = secured
    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(3):
        cv2.imwrite(str(folder / f"{k}.png"), astronaut[:64, :64])
    token = tmp_path / "token"
    token.write_text(f"\n{TOKEN}\n")
    cert, key = pki.client()
    argv = ["video", "--graph", "pass", "--url", server.url, "--input", str(folder)]
    argv += ["--input-stream", "in", "--output-stream", "out"]
    argv += ["--root-certificates", str(pki.ca), "--private-key", str(key)]
    argv += ["--certificate-chain", str(cert), "--token-file", str(token)]
    assert main([*argv, "--output", str(tmp_path / "out.mp4")]) == 0
    assert (tmp_path / "out.mp4").stat().st_size > 0
