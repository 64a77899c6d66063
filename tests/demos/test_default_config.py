"""The README's `make run` config: every bundled graph loads and answers, with no download."""

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
    server = ServerProcess(CONFIG)
    yield server
    server.stop()


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
