"""Tokens (--auth_token_path) over TLS, gRPC and REST: probes open, everything else needs one.

The clients are unchanged tritonclient (``ssl=True, root_certificates=..., headers=...``),
grpcio's health stub and httpx, trusting a CA the test makes with ``openssl``; the shared
``secured`` server (``secured.py``) also asks gRPC clients for a certificate.
"""

from __future__ import annotations

import os
from pathlib import Path

import grpc
import httpx
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tritonclient.utils import InferenceServerException

from .conftest import wait_for
from .secured import GOOD, TOKEN, WRONG, SecuredServer
from .streams import Stream, status_of


def test_grpc_calls_need_a_token_but_probes_do_not(secured: SecuredServer) -> None:
    client = grpcclient.InferenceServerClient(secured.grpc_url, **secured.client_tls())
    assert client.is_server_live() and client.is_server_ready()
    for headers in (None, WRONG, {"authorization": TOKEN}):
        with pytest.raises(InferenceServerException) as refused:
            client.get_model_metadata("passthrough", headers=headers)
        assert status_of(refused.value) == "StatusCode.UNAUTHENTICATED"
        assert "Bearer <token>" in refused.value.message()
    assert client.get_model_metadata("passthrough", headers=GOOD).name == "passthrough"
    x = grpcclient.InferInput("x", [1, 3], "FP32")
    x.set_data_from_numpy(np.ones((1, 3), np.float32))
    with pytest.raises(InferenceServerException) as refused:
        client.infer("double", [x])
    assert status_of(refused.value) == "StatusCode.UNAUTHENTICATED"
    assert client.infer("double", [x], headers=GOOD).as_numpy("y").tolist() == [[2, 2, 2]]
    client.close()
    credentials = grpc.ssl_channel_credentials(
        secured.pki.ca.read_bytes(),
        secured.client_key.read_bytes(),
        secured.client_cert.read_bytes(),
    )
    with grpc.secure_channel(secured.grpc_url, credentials) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_grpc_streams_need_a_token(secured: SecuredServer) -> None:
    refused = Stream(secured.grpc_url, headers=WRONG, **secured.client_tls())
    assert status_of(refused.error()) == "StatusCode.UNAUTHENTICATED"
    refused.close()
    with Stream(secured.grpc_url, headers=GOOD, **secured.client_tls()) as stream:
        stream.send("passthrough", {"in": np.array([5], np.int32)})
        assert stream.data("out")[1].tolist() == [5]


def test_rest_needs_a_token_except_for_probes_and_metrics_follows_the_rule(
    secured: SecuredServer,
) -> None:
    assert secured.rest_url.startswith("https://")
    with httpx.Client(base_url=secured.rest_url, timeout=10, verify=secured.rest_verify) as http:
        assert http.get("/v2/health/live").status_code == 200
        assert http.get("/v2/health/ready").status_code == 200
        for path in ("/v2", "/v2/models/passthrough", "/metrics", "/v2/models/double/ready"):
            refused = http.get(path, headers=WRONG)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "Bearer <token>" in refused.json()["error"]
        assert http.get("/metrics").status_code == 401
        assert "pipeserve_" in http.get("/metrics", headers=GOOD).text
        body = {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}
        assert http.post("/v2/models/double/infer", json=body).status_code == 401
        done = http.post("/v2/models/double/infer", json=body, headers=GOOD)
        assert done.status_code == 200 and done.json()["outputs"][0]["data"] == [2, 4, 6]


def test_plaintext_clients_are_refused(secured: SecuredServer) -> None:
    client = grpcclient.InferenceServerClient(secured.grpc_url)
    with pytest.raises(InferenceServerException) as refused:
        client.is_server_live()
    assert status_of(refused.value) == "StatusCode.UNAVAILABLE"
    client.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{secured.rest_port}/v2/health/live", timeout=5)


def test_tokens_never_reach_the_log(secured: SecuredServer) -> None:
    for headers in (GOOD, WRONG):
        httpx.get(f"{secured.rest_url}/v2", headers=headers, timeout=10, verify=secured.rest_verify)
    log = secured.log
    assert "tokens required" in log  # DEBUG logging is on, so the check means something
    assert TOKEN not in log and "not-the-token" not in log


def _replace(path: Path, text: str) -> None:
    """Rotate as secret stores do: write a new file, rename it over the old one."""
    new = path.with_suffix(".new")
    new.write_text(text)
    os.replace(new, path)


def test_a_rotated_token_file_applies_without_a_restart(secured: SecuredServer) -> None:
    rotated = {"authorization": "Bearer rotated-token-7"}
    http = httpx.Client(base_url=secured.rest_url, timeout=10, verify=secured.rest_verify)
    client = grpcclient.InferenceServerClient(secured.grpc_url, **secured.client_tls())

    def grpc_allows(headers: dict[str, str]) -> bool:
        try:
            return client.get_model_metadata("passthrough", headers=headers).name == "passthrough"
        except InferenceServerException as exc:
            assert status_of(exc) == "StatusCode.UNAUTHENTICATED"
            return False

    def allowed(headers: dict[str, str]) -> bool:
        rest = http.get("/v2", headers=headers).status_code
        assert rest in (200, 401)
        return rest == 200 and grpc_allows(headers)

    def refused(headers: dict[str, str]) -> bool:
        return http.get("/v2", headers=headers).status_code == 401 and not grpc_allows(headers)

    original = secured.tokens.read_text()
    try:
        assert refused(rotated)
        _replace(secured.tokens, f"{TOKEN}\nrotated-token-7\n")  # a token added
        assert wait_for(lambda: allowed(rotated), timeout=10)
        assert allowed(GOOD)
        _replace(secured.tokens, "rotated-token-7\n")  # the old one removed
        assert wait_for(lambda: refused(GOOD), timeout=10)
        assert allowed(rotated)
        _replace(secured.tokens, "# emptied by mistake\n")  # not used: the tokens stay
        # the file is looked at as calls come in: call until the server has looked
        assert wait_for(lambda: allowed(rotated) and "changed but not used" in secured.log)
        assert allowed(rotated) and refused(GOOD)
    finally:
        _replace(secured.tokens, original)
        assert wait_for(lambda: allowed(GOOD) and refused(rotated), timeout=10)
        client.close()
        http.close()
    assert "rotated-token-7" not in secured.log
