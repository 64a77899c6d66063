"""The ``pipeserve`` command: version, help, and one clear line for each start-up failure."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pipeserve
from pipeserve.clients.local_server import free_port
from tests.server.conftest import START_TIMEOUT
from tests.server.graphs import GRAPHS, write_config

REPO = Path(__file__).resolve().parents[1]


def pipeserve_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeserve.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )


@pytest.fixture(scope="module")
def words_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("cli"), {"words": GRAPHS["words"]}, model=False)


@pytest.fixture()
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_version_prints_the_package_version() -> None:
    result = pipeserve_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"pipeserve {pipeserve.__version__}\n")


def test_help_lists_the_subcommands_and_the_default_port() -> None:
    out = pipeserve_cli("--help").stdout
    assert "pipeserve graph check GRAPH.pbtxt" in out
    assert "--version" in out and "gRPC port (default 9000)" in out


@pytest.mark.parametrize("protocol", ["gRPC", "REST"])
def test_a_taken_port_is_one_line_and_exit_2(
    words_config: Path, taken_port: int, protocol: str
) -> None:
    ports = (taken_port, free_port()) if protocol == "gRPC" else (free_port(), taken_port)
    result = pipeserve_cli(
        "--config_path", str(words_config), "--port", str(ports[0]), "--rest_port", str(ports[1])
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"pipeserve: cannot listen on 127.0.0.1:{taken_port} for {protocol}: "
        "address already in use\n"
    )


def test_a_config_that_is_not_json_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text("{ nope")
    result = pipeserve_cli("--config_path", str(config), "--port", "0")
    assert result.returncode == 2
    assert result.stderr == (
        f"pipeserve: config {config} is not valid JSON: "
        "Expecting property name enclosed in double quotes: line 1 column 3 (char 2)\n"
    )


def test_an_unreadable_model_path_ends_with_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "m" / "1").mkdir(parents=True)
    (tmp_path / "m" / "1" / "model.xml").write_text("<not a model")
    result = pipeserve_cli("--model_path", str(tmp_path / "m"), "--model_name", "m", "--port", "0")
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith(
        f"pipeserve: cannot serve 'm' from {tmp_path / 'm'}: "
        f"OpenVINO cannot load {tmp_path / 'm' / '1' / 'model.xml'}: "
    )
    assert "Traceback" not in result.stderr


def test_at_debug_a_start_up_failure_also_shows_its_traceback(
    words_config: Path, taken_port: int
) -> None:
    flags = ("--config_path", str(words_config), "--port", str(taken_port), "--log_level", "DEBUG")
    debug = pipeserve_cli(*flags)
    assert debug.returncode == 2 and "Traceback" in debug.stderr
    assert debug.stderr.endswith("for gRPC: address already in use\n")
