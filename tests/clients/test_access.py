"""The client library and ``pipeserve-client`` over mutual TLS with a bearer token.

The server is the shared ``secured`` one (``tests/server/secured.py``), which the client
library's ``LocalServer`` started and waited for with a ``ServerAccess``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeserve.clients.cli import main
from pipeserve.clients.stream import GraphStream, StreamError
from tests.server.secured import TOKEN, SecuredServer


def test_a_graph_stream_with_certificate_and_token_gets_its_frames_back(
    secured: SecuredServer, astronaut: np.ndarray
) -> None:
    frames = [astronaut[: 32 + k, :48] for k in range(3)]
    access = secured.access()
    assert TOKEN not in repr(access)
    with GraphStream(secured.grpc_url, "passthrough", "in", ["out"], access=access) as stream:
        results = list(stream.run(frames))
    for result, frame in zip(results, frames, strict=True):
        np.testing.assert_array_equal(result.outputs["out"], frame)
    wrong = secured.access("wrong")
    with (
        pytest.raises(StreamError, match="Bearer <token>"),
        GraphStream(secured.grpc_url, "passthrough", "in", ["out"], access=wrong) as bad,
    ):
        list(bad.run(frames))


def test_pipeserve_client_takes_tls_files_and_a_token_file(
    secured: SecuredServer, astronaut: np.ndarray, tmp_path: Path
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(3):
        cv2.imwrite(str(folder / f"{k}.png"), astronaut[:64, :64])
    token = tmp_path / "token"
    token.write_text(f"\n{TOKEN}\n")
    argv = ["video", "--graph", "passthrough", "--url", secured.grpc_url, "--input", str(folder)]
    argv += ["--input-stream", "in", "--output-stream", "out"]
    argv += ["--root-certificates", str(secured.pki.ca), "--private-key", str(secured.client_key)]
    argv += ["--certificate-chain", str(secured.client_cert), "--token-file", str(token)]
    assert main([*argv, "--output", str(tmp_path / "out.mp4")]) == 0
    assert (tmp_path / "out.mp4").stat().st_size > 0
