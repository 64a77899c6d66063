"""Mutual TLS on gRPC (--grpc_tls_client_ca_path): only clients with a certificate the CA
signed get in; unchanged tritonclient with ``private_key`` and ``certificate_chain``.

The shared ``secured`` server (``secured.py``) also asks for tokens: a refused handshake is
told apart from a refused token by probing ``is_server_live``, which needs no token.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from pipeserve.clients.local_server import closed_by_server

from .pki import Pki
from .secured import GOOD, HANDSHAKE_SECONDS, SecuredServer
from .streams import Stream, status_of


def test_a_client_with_a_certificate_from_the_ca_streams(secured: SecuredServer) -> None:
    with Stream(secured.grpc_url, headers=GOOD, **secured.client_tls()) as stream:
        stream.send("passthrough", {"in": np.array([3], np.int32)})
        assert stream.data("out")[1].tolist() == [3]
    client = grpcclient.InferenceServerClient(secured.grpc_url, **secured.client_tls())
    assert client.is_server_live()
    client.close()


@pytest.mark.parametrize("who", ["no certificate", "a certificate from another CA"])
def test_other_clients_are_refused(
    secured: SecuredServer, who: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    options: dict[str, Any] = {"ssl": True, "root_certificates": str(secured.pki.ca)}
    if who == "a certificate from another CA":
        stranger = Pki.create(tmp_path_factory.mktemp("stranger"), "stranger_ca")
        cert, key = stranger.client("stranger")
        options.update(private_key=str(key), certificate_chain=str(cert))
    client = grpcclient.InferenceServerClient(secured.grpc_url, **options)
    with pytest.raises(InferenceServerException) as refused:
        client.is_server_live()
    assert status_of(refused.value) == "StatusCode.UNAVAILABLE"
    client.close()


def test_tls_clients_silent_or_stalled_in_the_handshake_are_closed_after_its_timeout(
    secured: SecuredServer,
) -> None:
    """TCP connected, the TLS handshake never started or left half-way (a record header and
    nothing more): closed at --handshake_timeout_seconds (3 s here), not at asyncio's 60 s
    (REST) or gRPC's 120 s."""
    grpc_port = int(secured.grpc_url.rpartition(":")[2])
    ports = [grpc_port] * 10 + [secured.rest_port] * 10
    started = time.monotonic()
    socks = [socket.create_connection(("127.0.0.1", port)) for port in ports]
    for sock in socks[5:10] + socks[15:]:
        sock.sendall(b"\x16\x03\x01\x02\x00")  # a ClientHello record's header, no body
    assert closed_by_server(socks, within=HANDSHAKE_SECONDS + 12) == len(socks)
    assert time.monotonic() - started >= HANDSHAKE_SECONDS - 0.5  # the timer, not a refusal
    with httpx.Client(verify=secured.rest_verify, timeout=10) as http:  # others still served
        assert http.get(f"{secured.rest_url}/v2/health/live").status_code == 200
