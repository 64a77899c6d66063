"""deploy/kubernetes: the manifests validate offline, agree with each other, and the commands
they run serve and answer their own probes here."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import jsonschema
import kubernetes_validate
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pipeserve.clients.local_server import free_ports
from tests.deploy.kserve_schema import validate_kserve
from tests.server.conftest import REPO, START_TIMEOUT, wait_for
from tests.server.graphs import PASSTHROUGH, write_config

KUBE = REPO / "deploy" / "kubernetes"
K8S_VERSIONS = ("1.27", "1.37")
"""The oldest Kubernetes the manifests need (gRPC probes are GA in 1.27) and the newest."""
BUILTIN_FILES = ("pipeserve.yaml", "hpa-cpu.yaml", "hpa-streams.yaml")
KSERVE_FILES = ("kserve/servingruntime.yaml", "kserve/inferenceservice.yaml")
EXIT_MARGIN_S = 10
"""Seconds left, after preStop and the drain, for the process to exit."""


def _load(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((KUBE / name).read_text()) if d]


def _one(name: str, kind: str) -> dict[str, Any]:
    (found,) = [d for d in _load(name) if d["kind"] == kind]
    return found


def _flag(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def test_every_manifest_file_is_checked() -> None:
    files = {str(p.relative_to(KUBE)) for p in KUBE.rglob("*.yaml")}
    assert files == {*BUILTIN_FILES, *KSERVE_FILES}


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("name", BUILTIN_FILES)
def test_builtin_kinds_validate_strictly(name: str, version: str) -> None:
    for resource in _load(name):
        kubernetes_validate.validate(resource, version, strict=True)


@pytest.mark.parametrize("name", KSERVE_FILES)
def test_kserve_kinds_validate_strictly(name: str) -> None:
    for resource in _load(name):
        validate_kserve(resource)


def test_kserve_check_rejects_a_misspelt_field() -> None:
    isvc = _one("kserve/inferenceservice.yaml", "InferenceService")
    isvc["spec"]["predictor"]["model"]["storageURI"] = isvc["spec"]["predictor"]["model"].pop(
        "storageUri"
    )
    with pytest.raises(jsonschema.ValidationError, match="storageURI"):
        validate_kserve(isvc)


def test_inference_service_names_the_runtime_and_a_format_it_serves() -> None:
    runtime = _one("kserve/servingruntime.yaml", "ServingRuntime")
    model = _one("kserve/inferenceservice.yaml", "InferenceService")["spec"]["predictor"]["model"]
    assert model["runtime"] == runtime["metadata"]["name"]
    formats = {f["name"] for f in runtime["spec"]["supportedModelFormats"]}
    assert model["modelFormat"]["name"] in formats
    assert {"v2", "grpc-v2"} <= set(runtime["spec"]["protocolVersions"])


def _grace_covers_drain(pod_grace: int, container: dict[str, Any]) -> None:
    prestop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert prestop[0] == "sleep"
    drain = float(_flag(container["args"], "shutdown_timeout_seconds"))
    assert pod_grace >= int(prestop[1]) + drain + EXIT_MARGIN_S


def test_termination_grace_lets_open_streams_drain() -> None:
    pod = _one("pipeserve.yaml", "Deployment")["spec"]["template"]["spec"]
    _grace_covers_drain(pod["terminationGracePeriodSeconds"], pod["containers"][0])
    predictor = _one("kserve/inferenceservice.yaml", "InferenceService")["spec"]["predictor"]
    runtime = _one("kserve/servingruntime.yaml", "ServingRuntime")["spec"]
    _grace_covers_drain(predictor["terminationGracePeriodSeconds"], runtime["containers"][0])


def test_probes_services_and_autoscalers_point_at_what_the_pods_serve() -> None:
    deployment = _one("pipeserve.yaml", "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {
        "grpc": int(_flag(container["args"], "port")),
        "http": int(_flag(container["args"], "rest_port")),
    }
    assert container["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": "http"}
    assert container["livenessProbe"]["grpc"]["port"] == ports["grpc"]
    for service in (d for d in _load("pipeserve.yaml") if d["kind"] == "Service"):
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= set(ports)
    for name in ("hpa-cpu.yaml", "hpa-streams.yaml"):
        target = _one(name, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    stream_metric = _one("hpa-streams.yaml", "HorizontalPodAutoscaler")["spec"]["metrics"][0]
    assert stream_metric["pods"]["metric"]["name"] == "pipeserve_streams_open"


class ManifestContainer:
    """A manifest's container command run here: its model folder and ports swapped for ours."""

    def __init__(self, container: dict[str, Any], mount: str, models: Path) -> None:
        self.ports = dict(zip(("port", "rest_port"), free_ports(2), strict=True))
        args = [self._localize(a, mount, models) for a in container["args"]]
        self.readiness = container["readinessProbe"]
        (command,) = container["command"]
        executable = Path(sys.executable).with_name(command)
        self.log = models / f"{command}-{self.ports['port']}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(executable), *args], stdout=log, stderr=subprocess.STDOUT
            )

    def _localize(self, arg: str, mount: str, models: Path) -> str:
        port = re.match(r"^--(port|rest_port)=\d+$", arg)
        if port:
            return f"--{port[1]}={self.ports[port[1]]}"
        return arg.replace(mount, str(models))

    def probe_ready(self) -> bool:
        """The manifest's readiness probe, as the kubelet would run it."""
        if "httpGet" in self.readiness:
            url = f"http://127.0.0.1:{self.ports['rest_port']}{self.readiness['httpGet']['path']}"
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        return self.grpc_health() == health_pb2.HealthCheckResponse.SERVING

    def grpc_health(self) -> int:
        with grpc.insecure_channel(f"127.0.0.1:{self.ports['port']}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                return stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status
            except grpc.RpcError:
                return health_pb2.HealthCheckResponse.UNKNOWN

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


@pytest.fixture()
def containers(tmp_path: Path) -> Iterator[list[ManifestContainer]]:
    write_config(tmp_path, {"passthrough": PASSTHROUGH}, model=False)
    deployment = _one("pipeserve.yaml", "Deployment")["spec"]["template"]["spec"]
    runtime = _one("kserve/servingruntime.yaml", "ServingRuntime")["spec"]
    running = [
        ManifestContainer(deployment["containers"][0], "/models", tmp_path),
        ManifestContainer(runtime["containers"][0], "/mnt/models", tmp_path),
    ]
    yield running
    for container in running:
        container.stop()


def test_manifest_commands_serve_pass_their_probes_and_exit_zero_on_sigterm(
    containers: list[ManifestContainer],
) -> None:
    for container in containers:
        assert wait_for(container.probe_ready, timeout=START_TIMEOUT, interval=0.2), (
            container.log.read_text()
        )
        assert container.grpc_health() == health_pb2.HealthCheckResponse.SERVING
    assert [container.stop() for container in containers] == [0, 0]
