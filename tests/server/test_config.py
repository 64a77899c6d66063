"""OVMS config.json loading: paths, graphs in either list, subconfigs, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeserve.server.config import ConfigError, load_config, single_servable_config
from tests.demos.ovms_files import ovms_demo_folder


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "g").mkdir()
    config = load_config(
        _write(
            tmp_path / "config.json",
            {
                "model_config_list": [
                    {
                        "config": {
                            "name": "m",
                            "base_path": "models/m",
                            "plugin_config": {"NUM_STREAMS": 1},
                        }
                    }
                ],
                "mediapipe_config_list": [{"name": "g", "base_path": "g", "graph_path": "x.pbtxt"}],
            },
        )
    )
    assert config.models[0].base_path == tmp_path / "models" / "m"
    assert config.models[0].plugin_config == {"NUM_STREAMS": 1}
    assert config.graphs[0].graph_path == tmp_path / "g" / "x.pbtxt"


def test_graph_defaults_to_folder_named_after_it_with_graph_pbtxt(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path / "c.json", {"mediapipe_config_list": [{"name": "g"}]}))
    assert config.graphs[0].graph_path == tmp_path / "g" / "graph.pbtxt"


def test_graph_folder_in_model_config_list_is_a_graph(tmp_path: Path) -> None:
    _write(tmp_path / "g" / "graph.pbtxt", "")
    config = load_config(
        _write(
            tmp_path / "c.json",
            {"model_config_list": [{"config": {"name": "g", "base_path": "g"}}]},
        )
    )
    assert config.models == () and config.graphs[0].name == "g"


def test_subconfig_models_resolve_against_the_graph_folder(tmp_path: Path) -> None:
    _write(
        tmp_path / "g" / "subconfig.json",
        {"model_config_list": [{"config": {"name": "inner", "base_path": "inner"}}]},
    )
    config = load_config(_write(tmp_path / "c.json", {"mediapipe_config_list": [{"name": "g"}]}))
    assert [m.base_path for m in config.all_models] == [tmp_path / "g" / "inner"]


def test_ovms_holistic_demo_config_loads_unchanged(tmp_path: Path) -> None:
    shutil.copy(
        ovms_demo_folder("ovms_holistic_demo") / "config_holistic.json", tmp_path / "config.json"
    )
    config = load_config(tmp_path / "config.json")
    assert {m.name for m in config.models} >= {"face_detection", "pose_landmark_full"}
    face = next(m for m in config.models if m.name == "face_detection")
    assert face.base_path == tmp_path / "face_detection_short_range"
    assert config.graphs[0].graph_path == tmp_path / "holistic_tracking.pbtxt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{ nope", "is not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"model_config_list": {}}', "model_config_list must be a list"),
        ('{"model_config_list": [{"config": {"name": "m"}}]}', "needs a string 'base_path'"),
        ('{"mediapipe_config_list": [{"name": "a"}, {"name": "a"}]}', "declared twice"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_model_path_serves_a_graph_folder_or_a_model(tmp_path: Path) -> None:
    _write(tmp_path / "g" / "graph.pbtxt", "")
    assert single_servable_config(tmp_path / "g", "x", "CPU").graphs[0].name == "x"
    assert single_servable_config(tmp_path / "m", "y", "CPU").models[0].name == "y"
