"""Installed the way users install it: a wheel built from a clean copy of the repository,
installed (not editable, with constraints.txt) into a fresh virtual environment, serving the
bundled default config from an empty folder to plain ``tritonclient``.

The Dockerfile's install steps are these same steps. Cost: one isolated wheel build and one
venv install (the pip cache makes both quick after the first run); marked ``slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import pipeserve
from pipeserve.clients.local_server import free_ports

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 300.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_copy(target: Path) -> Path:
    """``git archive HEAD``: what a clone has, nothing generated or ignored."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: no clean copy to build from")
    archive = target / "src.tar"
    run("git", "-C", REPO, "archive", "--format=tar", "-o", archive, "HEAD")
    source = target / "src"
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    return source


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh venv's ``bin`` folder, with the wheel installed."""
    root = tmp_path_factory.mktemp("install")
    source = clean_copy(root)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", root / "dist", source)
    (wheel,) = (root / "dist").glob("pipeserve-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    run(bin_dir / "pip", "install", "-c", source / "constraints.txt", wheel)
    return bin_dir


@pytest.fixture(scope="module")
def server(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``pipeserve`` with no flags but ports, started in an empty folder; its gRPC address."""
    empty = tmp_path_factory.mktemp("empty")
    grpc_port, rest_port = free_ports(2)
    log = empty.parent / "pipeserve-installed.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [installed / "pipeserve", "--port", str(grpc_port), "--rest_port", str(rest_port)],
            cwd=empty,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        ready = f"http://127.0.0.1:{rest_port}/v2/health/ready"
        while not _answers_200(ready):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() - started < READY_TIMEOUT, log.read_text()
            time.sleep(0.2)
        print(f"installed pipeserve ready in {time.monotonic() - started:.1f} s")
        assert "serving the bundled default config" in log.read_text()
        assert list(empty.iterdir()) == []
        yield f"127.0.0.1:{grpc_port}"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _answers_200(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stream_photo(url: str, graph: str, frames: int = 1) -> dict[str, list[int]]:
    """The photo streamed by this suite's Python (it has tritonclient; the venv does not)."""
    command = (sys.executable, "-m", "tests.packaging.stream_photo", url, graph, str(frames))
    return json.loads(run(*command, cwd=REPO))


def test_the_wheel_holds_the_stubs_and_the_default_config(installed: Path) -> None:
    site = next((installed.parent / "lib").glob("python3.*/site-packages/pipeserve"))
    for name in ("grpc_service_pb2.py", "grpc_service_pb2_grpc.py", "openvino_calculators_pb2.py"):
        assert (site / "proto" / name).is_file(), name
    assert (site / "demos" / "default" / "config.json").is_file()
    assert not list((site / "demos").rglob("*.png"))
    version = run(installed / "pipeserve", "--version")
    assert version == f"pipeserve {pipeserve.__version__}\n"


def test_the_client_command_names_its_missing_extra(installed: Path) -> None:
    result = subprocess.run(
        [installed / "pipeserve-client", "video", "--graph", "g", "--input", "x", "--mot", "m"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "pip install 'pipeserve[client]'" in result.stderr


def test_a_photo_streams_through_holistic_landmarks(server: str) -> None:
    shapes = stream_photo(server, "holisticLandmarks")
    assert shapes["pose_landmarks"] == [33, 5]
    assert shapes["face_landmarks"] == [468, 5]


def test_a_photo_streams_through_object_tracking(server: str) -> None:
    shapes = stream_photo(server, "objectTracking", frames=3)  # a track is confirmed on its 3rd
    assert shapes["annotated"] == [600, 512, 3]
    assert shapes["tracked_detections"] == [1, 6]
