"""Config reload (spec §2.7), SIGTERM drain, and the `pipeserve` command's flags."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from .conftest import REPO, START_TIMEOUT, ServerProcess, wait_for
from .graphs import GRAPHS, PASSTHROUGH, write_config
from .streams import Stream, status_of, timestamp

FP = np.float32


@pytest.fixture()
def reloading(tmp_path: Path) -> Iterator[ServerProcess]:
    graphs = {"passthrough": PASSTHROUGH, "words": GRAPHS["words"], "slow": GRAPHS["slow"]}
    proc = ServerProcess(
        write_config(tmp_path, graphs, model=False), "--file_system_poll_wait_seconds", "0.1"
    )
    yield proc
    proc.stop()


def _known(client: grpcclient.InferenceServerClient, name: str) -> bool:
    try:
        client.is_model_ready(name)
    except InferenceServerException as exc:
        assert exc.message() == f"Servable definition with requested name is retired: {name}"
        return False
    return True


def _rewrite(config: Path, update: dict) -> None:
    data = json.loads(config.read_text())
    data.update(update)
    config.write_text(json.dumps(data))


def test_reload_keeps_open_streams_on_their_graph_and_retires_removed_ones(
    reloading: ServerProcess,
) -> None:
    config = reloading.config_path
    with Stream(reloading.grpc_url) as open_stream:
        open_stream.send("words", {"text": np.array([b"a"], object)})
        assert open_stream.data("word")[1].tolist() == [b"a"]
        _rewrite(
            config, {"mediapipe_config_list": [{"name": "passthrough", "base_path": "passthrough"}]}
        )
        client = grpcclient.InferenceServerClient(reloading.grpc_url)
        assert wait_for(lambda: not _known(client, "words"), timeout=10)
        open_stream.send("words", {"text": np.array([b"b c"], object)})
        assert [open_stream.data("word")[1].tolist() for _ in range(2)] == [[b"b"], [b"c"]]
    retired = Stream(reloading.grpc_url)
    retired.send("words", {"text": np.array([b"x"], object)})
    error = retired.error()
    assert status_of(error) == "StatusCode.NOT_FOUND"
    assert error.message() == "Mediapipe graph definition with requested name is retired: words"
    retired.close()


def test_broken_new_config_keeps_the_old_one_serving(reloading: ServerProcess) -> None:
    reloading.config_path.write_text("{ not json")
    assert wait_for(lambda: "config reload failed" in reloading.log, timeout=10)
    with Stream(reloading.grpc_url) as s:
        s.send("passthrough", {"in": np.array([1], FP)})
        assert s.data("out") == (0, [1])


def test_sigterm_drains_open_streams_then_exits_zero(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"slow": GRAPHS["slow"]}, model=False)
    server = ServerProcess(config, "--log_level", "INFO")  # the drain is logged at INFO
    try:
        s = Stream(server.grpc_url)
        s.send("slow", {"in": np.zeros(4, FP)})
        assert s.data("out")[0] == 0  # the stream is open and served
        for _ in range(3):
            s.send("slow", {"in": np.zeros(4, FP)})  # in flight when SIGTERM lands
        server.proc.send_signal(signal.SIGTERM)
        assert wait_for(lambda: "shutting down: draining 1 open streams" in server.log)
        assert server.proc.poll() is None
        s.send("slow", {"in": np.zeros(4, FP)})  # sent after the drain began: still served
        left = s.close()  # the client half-closes while the server drains
        assert [e for _, e in left if e is not None] == []
        assert [timestamp(r) for r, _ in left] == [1, 2, 3, 4]
        assert server.proc.wait(timeout=30) == 0
    finally:
        server.stop()


def test_serve_one_graph_folder_with_model_path_and_name(tmp_path: Path) -> None:
    write_config(tmp_path, {"passthrough": PASSTHROUGH}, model=False)
    proc = ServerProcess(
        tmp_path / "config.json",
        "--model_path",
        str(tmp_path / "passthrough"),
        "--model_name",
        "echo",
        "--log_level",
        "INFO",
        use_config=False,
    )
    try:
        with Stream(proc.grpc_url) as s:
            s.send("echo", {"in": np.array([3], FP)})
            assert s.data("out") == (0, [3])
        assert proc.terminate() == 0
        assert proc.log.rstrip().endswith("drained")  # the last log line is not lost at exit
    finally:
        proc.stop()


def test_cli_help_lists_the_ovms_flags() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipeserve.cli", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    ).stdout
    for flag in (
        "--config_path",
        "--model_path",
        "--model_name",
        "--port",
        "--rest_port",
        "--grpc_bind_address",
        "--rest_bind_address",
        "--log_level",
        "--file_system_poll_wait_seconds",
        "--max_message_size",
    ):
        assert flag in out, flag


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--model_name", "x"], "pipeserve: --model_name needs --model_path\n"),
        (
            ["--config_path", "/nonexistent/config.json"],
            "cannot read config /nonexistent/config.json",
        ),
        (["--config_path", "c.json", "--port", "99999"], "port\n  Input should be less than"),
        (["--config_path", "c.json", "--log_level", "loud"], "log_level\n  Input should be"),
    ],
)
def test_cli_bad_settings_fail_clearly(flags: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeserve.cli", "--port", "0", *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert result.returncode == 2
    assert expected in result.stderr


def test_graph_check_prints_the_graph_or_its_error(tmp_path: Path) -> None:
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeserve.cli",
            "graph",
            "check",
            "demos/default/words/graph.pbtxt",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert good.returncode == 0 and "WordsCalculator" in good.stdout
    bad_graph = tmp_path / "bad.pbtxt"
    bad_graph.write_text('node { calculator: "Nope" input_stream: "a" output_stream: "b" }')
    bad = subprocess.run(
        [sys.executable, "-m", "pipeserve.cli", "graph", "check", str(bad_graph)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert bad.returncode == 1 and "unknown calculator 'Nope'" in bad.stderr
