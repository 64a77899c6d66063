"""The model repository: compiled once, shared, reused on reload; the `models` service API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeserve.errors import Code, PipeserveError
from pipeserve.server.config import ModelEntry
from pipeserve.server.models import ModelRepository

from .graphs import MODEL_NAME, write_double_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models") / MODEL_NAME
    write_double_model(folder)
    return folder


def test_compiled_model_is_shared_and_runs_in_f32(model_dir: Path) -> None:
    repo = ModelRepository.load((ModelEntry(MODEL_NAME, model_dir),))
    compiled = repo.compiled_model(MODEL_NAME, None)
    assert repo.compiled_model(MODEL_NAME, "1") is compiled
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")
    assert compiled.get_property("ENABLE_CPU_PINNING") is False
    out = repo.infer(MODEL_NAME, None, {"x": np.array([[1, 2, 3]], np.float32)})
    assert out["y"].tolist() == [[2, 4, 6]]


def test_plugin_config_overrides_the_defaults(model_dir: Path) -> None:
    entry = ModelEntry(MODEL_NAME, model_dir, plugin_config={"ENABLE_CPU_PINNING": True})
    compiled = ModelRepository.load((entry,)).compiled_model(MODEL_NAME)
    assert compiled.get_property("ENABLE_CPU_PINNING") is True
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")


def test_unknown_model_or_version_is_not_found_naming_it(model_dir: Path) -> None:
    repo = ModelRepository.load((ModelEntry(MODEL_NAME, model_dir),))
    for name, version in (("nope", None), (MODEL_NAME, "3")):
        with pytest.raises(PipeserveError) as info:
            repo.compiled_model(name, version)
        assert info.value.code == Code.NOT_FOUND and name in info.value.message


def test_model_without_version_folder_is_unavailable(tmp_path: Path) -> None:
    repo = ModelRepository.load((ModelEntry("empty", tmp_path),))
    assert not repo.ready("empty")
    with pytest.raises(PipeserveError) as info:
        repo.compiled_model("empty")
    assert info.value.code == Code.UNAVAILABLE
    assert "no numeric version folder" in info.value.message


def test_reload_reuses_unchanged_models(model_dir: Path) -> None:
    entry = ModelEntry(MODEL_NAME, model_dir)
    first = ModelRepository.load((entry,))
    again = ModelRepository.load((entry,), previous=first)
    changed = ModelRepository.load(
        (ModelEntry(MODEL_NAME, model_dir, plugin_config={"NUM_STREAMS": 1}),), previous=first
    )
    assert again.compiled_model(MODEL_NAME) is first.compiled_model(MODEL_NAME)
    assert changed.compiled_model(MODEL_NAME) is not first.compiled_model(MODEL_NAME)
