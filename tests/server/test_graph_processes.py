"""``--graph_processes 2``: each graph instance runs in one of two graph processes.

The ``pid`` graph answers with the pid of the process running its calculator, so a test
can see where a stream's graph ran. The same rules hold as for graphs in the server process
(the whole server suite also passes with ``PIPESERVE_GRAPH_PROCESSES=2``).
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as grpcclient

from .conftest import ServerProcess, spawned_children, wait_for
from .graphs import GRAPHS, write_config
from .streams import Stream, status_of, tensor

FP = np.float32
PID_AS_OUT = """
input_stream: "in"
output_stream: "out"
node { calculator: "TestServerPidCalculator" input_stream: "in" output_stream: "out" }
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    names = ("pid", "passthrough", "fail", "side", "request", "previous")
    graphs = {name: GRAPHS[name] for name in names} | {"swap": GRAPHS["passthrough"]}
    return write_config(tmp_path_factory.mktemp("graph-processes"), graphs, model=False)


@pytest.fixture(scope="module")
def server(config: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        config,
        *("--graph_processes", "2", "--file_system_poll_wait_seconds", "0.1"),
        *("--log_level", "INFO"),
    )
    yield proc
    proc.stop()


def graph_pid(stream: Stream) -> int:
    stream.send("pid", {"in": np.zeros(1, FP)})
    return int(stream.data("pid")[1][0])


def test_streams_go_to_the_least_busy_graph_process_and_stay_there(server: ServerProcess) -> None:
    hosts = spawned_children(server)
    assert len(hosts) == 2 and server.proc.pid not in hosts
    first, second = Stream(server.grpc_url), Stream(server.grpc_url)
    pids = [[graph_pid(s) for _ in range(3)] for s in (first, second)]
    assert {p[0] for p in pids} == hosts  # one stream each: the second went to the idle one
    assert all(len(set(p)) == 1 for p in pids)
    assert first.close() == [] and second.close() == []


def test_a_stream_keeps_its_graph_state_and_timestamps(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as stream:
        for ts, value in ((10, 1.0), (20, 2.0), (35, 3.0)):
            stream.send("previous", {"in": np.array([value], FP)}, ts=ts)
        got = [stream.data("prev") for _ in range(2)]
    # PreviousLoopback: nothing for the first frame, then the previous frame's value
    assert [(ts, float(v[0])) for ts, v in got] == [(20, 1.0), (35, 2.0)]


def test_a_graph_error_ends_its_stream_with_the_node_and_timestamp(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as failing, Stream(server.grpc_url) as healthy:
        failing.send("fail", {"in": np.array([3], np.int32)}, ts=6)
        assert failing.data("out")[0] == 6
        failing.send("fail", {"in": np.array([-1], np.int32)}, ts=7)
        healthy.send("passthrough", {"in": np.array([5.0], FP)}, ts=1)
        message = failing.error().message()
        assert "TestServerFailOnValueCalculator" in message
        assert "at timestamp 7" in message and "refusing value -1" in message
        healthy.send("passthrough", {"in": np.array([6.0], FP)}, ts=2)
        got = [healthy.data("out") for _ in range(2)]
        assert [(ts, float(v[0])) for ts, v in got] == [(1, 5.0), (2, 6.0)]


def test_side_packets_and_whole_responses_reach_the_graph_process(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as stream:
        for _ in range(2):
            stream.send("side", {"in": np.array([1.0], FP)}, label="cam", count=3)
        got = [stream.data("out")[1].tolist() for _ in range(2)]
    assert got == [[b"cam:4"], [b"cam:5"]]
    client = grpcclient.InferenceServerClient(server.grpc_url)
    response = client.infer("request", [tensor("a", np.zeros(2, FP)), tensor("b", np.ones(1, FP))])
    assert response.as_numpy("names").tolist() == [b"a", b"b"]
    pid = client.infer("pid", [tensor("in", np.zeros(1, FP))]).as_numpy("pid")
    assert int(pid[0]) in spawned_children(server)  # unary calls run there too
    client.close()


def test_a_killed_graph_process_ends_its_streams_only_and_is_replaced(
    server: ServerProcess,
) -> None:
    victim, bystander = Stream(server.grpc_url), Stream(server.grpc_url)
    killed = graph_pid(victim)
    other = graph_pid(bystander)
    assert killed != other
    os.kill(killed, signal.SIGKILL)
    assert f"(pid {killed}) exited with -9" in victim.error().message()  # in-stream
    assert status_of(victim.error()) == "StatusCode.INTERNAL"  # then the RPC ends
    victim.close()
    assert graph_pid(bystander) == other  # the other process's stream goes on
    # replaced at once, before any new stream asks for it
    assert wait_for(lambda: len(spawned_children(server) - {killed, other}) == 1, 60)
    (replacement,) = spawned_children(server) - {killed, other}

    def new_stream_runs_there() -> bool:  # once it has loaded the config (until then: other)
        with Stream(server.grpc_url) as fresh:
            return graph_pid(fresh) == replacement

    assert wait_for(new_stream_runs_there, 60)
    assert bystander.close() == []


def test_a_graph_process_dead_before_loading_is_restarted_by_the_next_graph_not_at_once(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as bystander:
        other = graph_pid(bystander)
        victim = Stream(server.grpc_url)
        killed = graph_pid(victim)
        os.kill(killed, signal.SIGKILL)
        index = re.search(rf"graph process (\d) \(pid {killed}\) exited", victim.error().message())
        assert index is not None
        victim.close()
        assert wait_for(lambda: len(spawned_children(server) - {killed, other}) == 1, 60)
        (starting,) = spawned_children(server) - {killed, other}
        os.kill(starting, signal.SIGKILL)  # long before it has imported and loaded anything
        before_loading = f"graph process {index[1]} exited before it loaded"
        assert wait_for(lambda: before_loading in server.log, 60)  # and nothing started
        assert spawned_children(server) == {other}
        with Stream(server.grpc_url) as fresh:  # restarts it, but runs where the config is
            assert graph_pid(fresh) == other
        assert wait_for(lambda: len(spawned_children(server) - {other}) == 1, 60)
        assert graph_pid(bystander) == other


def test_after_a_reload_new_streams_run_the_new_graph_and_open_ones_keep_theirs(
    server: ServerProcess, config: Path
) -> None:
    old = Stream(server.grpc_url)
    old.send("swap", {"in": np.array([2.5], FP)}, ts=1)
    assert old.data("out")[1].tolist() == [2.5]
    (config.parent / "swap" / "graph.pbtxt").write_text(PID_AS_OUT)
    data = json.loads(config.read_text())
    config.write_text(json.dumps(data))  # touch: the poller sees a new mtime
    hosts = spawned_children(server)

    def new_graph_answers() -> bool:
        with Stream(server.grpc_url) as probe:
            probe.send("swap", {"in": np.array([2.5], FP)}, ts=1)
            return int(probe.data("out")[1][0]) in hosts

    assert wait_for(new_graph_answers, timeout=30)
    old.send("swap", {"in": np.array([4.5], FP)}, ts=2)
    assert old.data("out")[1].tolist() == [4.5]  # started before the reload: passthrough
    assert old.close() == []


def test_sigterm_drains_the_streams_then_the_graph_processes_exit(config: Path) -> None:
    proc = ServerProcess(config, "--graph_processes", "2", "--file_system_poll_wait_seconds", "0")
    try:
        hosts = spawned_children(proc)
        stream = Stream(proc.grpc_url)
        stream.send("passthrough", {"in": np.array([1.0], FP)}, ts=3)
        assert stream.data("out")[0] == 3
        proc.proc.send_signal(signal.SIGTERM)  # the open stream may finish: half-close it
        assert stream.close() == []
        assert proc.proc.wait(timeout=60) == 0
        assert not [pid for pid in hosts if Path(f"/proc/{pid}").exists()]
    finally:
        proc.stop()


def test_graph_processes_do_not_outlive_a_killed_server(config: Path) -> None:
    proc = ServerProcess(config, "--graph_processes", "2", "--file_system_poll_wait_seconds", "0")
    try:
        hosts = spawned_children(proc)
        assert len(hosts) == 2
        proc.proc.kill()
        proc.proc.wait(timeout=30)
        assert wait_for(lambda: not [p for p in hosts if Path(f"/proc/{p}").exists()], 30)
    finally:
        proc.stop()
