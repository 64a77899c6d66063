"""Mutual TLS on gRPC (--grpc_tls_client_ca_path): only clients with a certificate the CA
signed get in; unchanged tritonclient with ``private_key`` and ``certificate_chain``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from .conftest import ServerProcess
from .graphs import GRAPHS, write_config
from .pki import Pki
from .streams import Stream, status_of


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def mutual(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[ServerProcess]:
    config = write_config(
        tmp_path_factory.mktemp("mtls"), {"passthrough": GRAPHS["passthrough"]}, model=False
    )
    cert, key = pki.server()
    flags = ("--grpc_tls_cert_path", str(cert), "--grpc_tls_key_path", str(key))
    proc = ServerProcess(config, *flags, "--grpc_tls_client_ca_path", str(pki.ca))
    yield proc
    proc.stop()


def client_tls(pki: Pki, cert: Any = None, key: Any = None) -> dict[str, Any]:
    mine = {"private_key": str(key), "certificate_chain": str(cert)} if cert else {}
    return {"ssl": True, "root_certificates": str(pki.ca), **mine}


def test_a_client_with_a_certificate_from_the_ca_streams(mutual: ServerProcess, pki: Pki) -> None:
    cert, key = pki.client()
    with Stream(mutual.grpc_url, **client_tls(pki, cert, key)) as stream:
        stream.send("passthrough", {"in": np.array([3], np.int32)})
        assert stream.data("out")[1].tolist() == [3]


@pytest.mark.parametrize("who", ["no certificate", "a certificate from another CA"])
def test_other_clients_are_refused(
    mutual: ServerProcess, pki: Pki, who: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if who == "no certificate":
        options = client_tls(pki)
    else:
        stranger = Pki.create(tmp_path_factory.mktemp("stranger"), "stranger_ca")
        options = client_tls(pki, *stranger.client("stranger"))
    client = grpcclient.InferenceServerClient(mutual.grpc_url, **options)
    with pytest.raises(InferenceServerException) as refused:
        client.is_server_live()
    assert status_of(refused.value) == "StatusCode.UNAVAILABLE"
    client.close()
