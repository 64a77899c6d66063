"""OVMS's lifecycle of Python nodes: one OvmsPythonModel per graph definition, initialized
when the definition loads, shared by all its streams, finalized when it is unloaded or
replaced by a reload (after the streams still using it end)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from tests.server.conftest import ServerProcess, wait_for
from tests.server.streams import Stream

from .graphs import single, write_graphs

LIFE = single("life", "lifecycle.py")
INIT = "initialize ('life', ['in'], ['out'])"


def events(folder: Path) -> list[str]:
    log = folder / "events.log"
    return log.read_text().splitlines() if log.exists() else []


def serve(config: Path, names: list[str]) -> None:
    config.write_text(
        json.dumps({"mediapipe_config_list": [{"name": n, "base_path": n} for n in names]})
    )


def ready(client: grpcclient.InferenceServerClient, name: str) -> bool:
    """Readiness; a retired name answers NOT_FOUND (False here)."""
    try:
        return bool(client.is_model_ready(name))
    except InferenceServerException:
        return False


def count(stream: Stream) -> int:
    stream.send("life", {"in": np.array([1], np.int64)})
    return int(stream.data("out")[1][0])


def test_models_live_as_long_as_their_definition(tmp_path: Path) -> None:
    graphs = {"life": LIFE, "extra": LIFE, "finalize_raises": single("n", "finalize_raises.py")}
    config = write_graphs(tmp_path, graphs)
    life = tmp_path / "life"
    proc = ServerProcess(config, "--file_system_poll_wait_seconds", "0.1")
    try:
        client = grpcclient.InferenceServerClient(proc.grpc_url)
        assert events(life) == [f"1 {INIT}"]
        first, second = Stream(proc.grpc_url), Stream(proc.grpc_url)
        assert [count(first), count(second), count(first)] == [1, 2, 3]  # one shared object

        serve(config, ["life", "finalize_raises"])  # a reload that leaves `life` unchanged
        assert wait_for(lambda: not ready(client, "extra"))
        assert events(life) == [f"1 {INIT}"]

        (life / "graph.pbtxt").write_text(LIFE + "\n# edited\n")
        serve(config, ["life", "extra", "finalize_raises"])  # `life` changed: a new model
        assert wait_for(lambda: ready(client, "extra"))
        assert events(life) == [f"1 {INIT}", f"2 {INIT}"]
        third = Stream(proc.grpc_url)
        assert count(third) == 1
        assert count(first) == 4  # open streams keep the definition they started with
        second.close()
        assert events(life) == [f"1 {INIT}", f"2 {INIT}"]
        first.close()  # the old definition's last stream: now it is finalized
        assert wait_for(lambda: len(events(life)) == 3)
        assert events(life)[2] == "1 finalize"

        serve(config, ["extra"])  # unload; `third` still uses the new model
        assert wait_for(lambda: not ready(client, "life"))
        assert len(events(life)) == 3
        third.close()
        assert wait_for(lambda: len(events(life)) == 4)
        assert events(life)[3] == "2 finalize"
        assert wait_for(lambda: "finalize went wrong" in proc.log)  # logged, unload goes on
        assert not ready(client, "finalize_raises") and ready(client, "extra")
        assert proc.terminate() == 0
        assert events(tmp_path / "extra")[-1] == "2 finalize"  # finalized at shutdown too
    finally:
        proc.stop()
