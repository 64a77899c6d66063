"""The bundled default config (`pipeserve` with no config, `make run`): every graph loads and
answers, with the models read from the mediapipe wheel (no download, no set-up step)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import ServerProcess

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "demos" / "default" / "config.json"


@pytest.fixture(scope="module")
def default_server() -> Iterator[ServerProcess]:
    """``pipeserve`` without --config_path or --model_path."""
    server = ServerProcess(CONFIG, "--log_level", "INFO", use_config=False)
    yield server
    server.stop()


def test_without_a_config_the_bundled_default_is_served_and_logged(
    default_server: ServerProcess,
) -> None:
    assert f"serving the bundled default config {CONFIG}" in default_server.log


def test_every_bundled_graph_and_model_is_ready(default_server: ServerProcess) -> None:
    config = json.loads(CONFIG.read_text())
    names = [g["name"] for g in config["mediapipe_config_list"]]
    names += [m["config"]["name"] for m in config["model_config_list"]]
    assert {"holisticTracking", "holisticLandmarks", "objectTracking", "words"} <= set(names)
    for name in names:
        reply = httpx.get(f"{default_server.rest_url}/v2/models/{name}/ready", timeout=10)
        assert reply.status_code == 200, (name, reply.text)


def test_words_graph_streams_one_event_per_word(default_server: ServerProcess) -> None:
    body = {
        "inputs": [
            {
                "name": "text",
                "datatype": "BYTES",
                "shape": [1],
                "parameters": {"content_type": "str"},
                "data": ["to be or not"],
            }
        ]
    }
    with httpx.stream(
        "POST", f"{default_server.rest_url}/v2/models/words/infer_stream", json=body, timeout=30
    ) as reply:
        events = [line for line in reply.iter_lines() if line.startswith("data:")]
    assert reply.status_code == 200 and len(events) == 4
