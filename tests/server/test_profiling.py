"""--profile_graphs: every served graph profiled per node, totals at GET /v1/profile/<graph>
behind the token rule; without the flag (or the graph's own profiler_config) a clear 400."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np

from .conftest import ServerProcess, wait_for
from .graphs import PASSTHROUGH, write_config
from .secured import GOOD, TOKEN, WRONG
from .streams import Stream


def test_profile_graphs_serves_per_node_totals_of_finished_streams(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"passthrough": PASSTHROUGH}, model=False)
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n")
    server = ServerProcess(
        config,
        "--profile_graphs",
        "--auth_token_path",
        str(tokens),
        "--file_system_poll_wait_seconds",
        "0",
    )
    try:
        with httpx.Client(base_url=server.rest_url, timeout=10) as http:
            assert http.get("/v1/profile/passthrough").status_code == 401
            assert http.get("/v1/profile/passthrough", headers=WRONG).status_code == 401

            def profile() -> dict:
                answer = http.get("/v1/profile/passthrough", headers=GOOD)
                assert answer.status_code == 200, answer.text
                return answer.json()

            before = profile()
            assert before["graph"] == "passthrough"
            with Stream(server.grpc_url, headers=GOOD) as stream:
                for value in (1, 2, 3):
                    stream.send("passthrough", {"in": np.array([value], np.int32)})
                    assert stream.data("out")[1].tolist() == [value]
            assert wait_for(lambda: profile()["runs"] == before["runs"] + 1)
            (node,) = profile()["nodes"]
            old = {n["node"]: n for n in before["nodes"]}.get(node["node"], {})
            assert node["calculator"] == "PassThroughCalculator"
            assert node["process_count"] - old.get("process_count", 0) == 3
            assert node["process_cpu_ns"] > old.get("process_cpu_ns", 0)
            assert node["process_wall_ns"] >= node["process_cpu_ns"] * 0.5
            missing = http.get("/v1/profile/nope", headers=GOOD)
            assert missing.status_code == 404 and "nope" in missing.json()["error"]
    finally:
        server.stop()


def test_a_graph_without_profiling_answers_400_naming_the_flag(server: ServerProcess) -> None:
    answer = httpx.get(f"{server.rest_url}/v1/profile/passthrough", timeout=10)
    assert answer.status_code == 400
    assert "--profile_graphs" in answer.json()["error"]
