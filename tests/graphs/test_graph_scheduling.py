"""Running graphs: input stream handlers, bounds, ordering, errors, back-pressure, cancel."""

import gc
import threading
import time
import weakref

import numpy as np
import pytest

from pipeserve.errors import GraphCancelledError, NodeError, PacketError, QueueFullError
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config
from pipeserve.graphs import timestamp as ts
from pipeserve.graphs.input_queue import InputQueue
from pipeserve.graphs.testing import CalculatorRunner, run_graph
from tests.graphs.fixture_calculators import (
    TestSlowCalculator,
    TestThreadLogCalculator,
    stamps,
    values,
)

JOIN = """
input_stream: "a" input_stream: "b" output_stream: "out"
node {{ calculator: "{calc}" input_stream: "A:a" input_stream: "B:b" output_stream: "OUT:out" }}
"""


def _graph(text: str, side_packets=None) -> CalculatorGraph:
    graph = CalculatorGraph(GraphSpec(parse_graph_config(text), name="g"))
    graph.start(side_packets or {})
    return graph


def test_default_handler_forms_timestamp_synchronized_sets():
    out = run_graph(
        JOIN.format(calc="TestRecordCalculator"),
        {"a": [("a1", 1), ("a2", 2), ("a4", 4)], "b": [("b1", 1), ("b3", 3), ("b4", 4)]},
    )
    assert values(out["out"]) == [
        (1, ("a1", "b1")),
        (2, ("a2", None)),
        (3, (None, "b3")),
        (4, ("a4", "b4")),
    ]


def test_default_handler_waits_until_every_input_is_settled():
    graph = _graph(JOIN.format(calc="TestRecordCalculator"))
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    graph.add_packet("a", Packet("a5", 5))
    graph.wait_until_idle(5)
    assert got == []  # b may still send a packet at 5
    graph.add_packet("b", Packet("b7", 7))  # settles b up to 6
    graph.wait_until_idle(5)
    assert values(got) == [(5, ("a5", None))]
    graph.close_all_input_streams()
    graph.wait_until_done(5)
    assert values(got) == [(5, ("a5", None)), (7, (None, "b7"))]


def test_absent_inputs_carry_the_settled_timestamp():
    got = []

    def record(packet):
        got.append(packet)

    graph = _graph(JOIN.format(calc="TestBoundRecordCalculator"))
    graph.observe_output_stream("out", record)
    graph.add_packet("a", Packet("x", 10))
    graph.add_packet("b", Packet("y", 20))
    graph.close_all_input_streams()
    graph.wait_until_done(5)
    assert [p.value for p in got] == [(10, ("x", None)), (20, (None, "y"))]


def test_empty_packet_of_an_absent_input_is_stamped_at_its_settled_bound():
    queue = InputQueue("s")
    queue.push(Packet("p", 7))
    assert queue.pop_at(3).is_empty and queue.pop_at(3).timestamp == 6  # head at 7 settles 6
    assert queue.pop_at(7).value == "p"
    assert queue.empty_packet().timestamp == 7 and queue.bound == 8


def test_process_timestamp_bounds_invokes_on_bound_only_advances():
    out = run_graph(
        'input_stream: "in" input_stream: "gate" output_stream: "out" '
        'node { calculator: "TestBoundRecordCalculator" input_stream: "A:in" '
        'output_stream: "OUT:out" }',
        {"in": [("p", 3)]},
    )
    assert values(out["out"]) == [(3, ("p",))]


def test_immediate_handler_processes_each_input_as_it_arrives():
    graph = _graph(JOIN.format(calc="TestImmediateRecordCalculator"))
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    graph.add_packet("a", Packet("a5", 5))
    graph.wait_until_idle(5)
    assert values(got) == [(5, ("a5", None))]
    graph.add_packet("b", Packet("b7", 7))
    graph.wait_until_idle(5)
    assert values(got)[1] == (7, (None, "b7"))
    graph.close_all_input_streams()
    graph.wait_until_done(5)


def test_node_config_selects_the_handler():
    text = JOIN.format(calc="TestRecordCalculator").replace(
        'output_stream: "OUT:out" }',
        'output_stream: "OUT:out" '
        'input_stream_handler { input_stream_handler: "ImmediateInputStreamHandler" } }',
    )
    spec = GraphSpec(parse_graph_config(text))
    assert spec.nodes[0].handler.name == "ImmediateInputStreamHandler"


def test_fixed_size_handler_drops_oldest_packets():
    text = (
        'input_stream: "in" output_stream: "out" '
        'node { calculator: "TestRecordCalculator" input_stream: "in" output_stream: "OUT:out" '
        'input_stream_handler { input_stream_handler: "FixedSizeInputStreamHandler" '
        "options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] "
        "{ trigger_queue_size: 3 target_queue_size: 1 } } } }"
    )
    graph = CalculatorGraph(GraphSpec(parse_graph_config(text)))
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    graph.start()
    with graph._run.cond:  # hold the lock so the node cannot run while packets queue up
        for t in range(5):
            graph._run.deliver(graph._inputs["in"], Packet(t, t))
            graph._last_ts["in"] = t
    graph.close_all_input_streams()
    graph.wait_until_done(5)
    assert [v[0] for v in values(got)] == [4]


def test_timestamp_offset_propagates_bounds_downstream():
    # The gate drops "in" at 1, but the offset tells the join that 1 is settled.
    text = (
        'input_stream: "in" input_stream: "other" input_side_packet: "fail_at" output_stream: "out" '
        'node { calculator: "TestFailCalculator" input_stream: "IN:in" output_stream: "OUT:mid" '
        'input_side_packet: "FAIL_AT:fail_at" } '
        'node { calculator: "TestRecordCalculator" input_stream: "A:mid" input_stream: "B:other" '
        'output_stream: "OUT:out" }'
    )
    graph = _graph(text, {"fail_at": -1})
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    graph.add_packet("in", Packet("x", 1))
    graph.add_packet("other", Packet("o", 1))
    graph.wait_until_idle(5)
    assert values(got) == [(1, ("x", "o"))]
    graph.close_all_input_streams()
    graph.wait_until_done(5)


def test_non_increasing_timestamp_is_rejected_naming_stream_and_both_timestamps():
    graph = _graph(JOIN.format(calc="TestRecordCalculator"))
    graph.add_packet("a", Packet(1, 5))
    with pytest.raises(
        PacketError,
        match=r"timestamp 5 is not greater than the previous "
        r"timestamp 5 on input stream 'a'",
    ):
        graph.add_packet("a", Packet(2, 5))
    with pytest.raises(PacketError, match=r"timestamp 4 .* previous timestamp 5"):
        graph.add_packet("a", Packet(2, 4))
    graph.add_packet("b", Packet(3, 5))  # equal timestamps on different inputs are fine
    assert graph.last_timestamp("a") == 5 and graph.last_timestamp("b") == 5
    graph.cancel()


@pytest.mark.parametrize("bad", [ts.UNSET, ts.UNSTARTED, ts.ONE_OVER_POSTSTREAM, ts.DONE])
def test_special_timestamps_are_rejected(bad):
    graph = _graph(JOIN.format(calc="TestRecordCalculator"))
    with pytest.raises(PacketError, match="invalid timestamp Timestamp::"):
        graph.add_packet("a", Packet(1, bad))
    graph.cancel()


def test_min_and_max_timestamps_are_accepted():
    out = run_graph(
        JOIN.format(calc="TestRecordCalculator"), {"a": [("lo", ts.MIN), ("hi", ts.MAX)], "b": []}
    )
    assert stamps(out["out"]) == [ts.MIN, ts.MAX]


def test_unknown_and_closed_input_streams_are_errors():
    graph = _graph(JOIN.format(calc="TestRecordCalculator"))
    with pytest.raises(PacketError, match="has no input stream 'zzz'"):
        graph.add_packet("zzz", Packet(1, 1))
    graph.close_input_stream("a")
    with pytest.raises(PacketError, match="input stream 'a' of graph 'g' is closed"):
        graph.add_packet("a", Packet(1, 1))
    graph.cancel()


def test_calculator_exception_stops_the_graph_and_is_reported_once():
    text = (
        'input_stream: "in" input_side_packet: "f" output_stream: "out" '
        'node { name: "failer" calculator: "TestFailCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:out" input_side_packet: "FAIL_AT:f" }'
    )
    graph = _graph(text, {"f": 2})
    errors = []
    graph.on_error(errors.append)
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    graph.add_packet("in", Packet("x", 1))
    graph.add_packet("in", Packet("y", 2))
    with pytest.raises(NodeError) as info:
        graph.wait_until_done(5)
    err = info.value
    assert (err.graph, err.node, err.calculator, err.timestamp) == (
        "g",
        "failer",
        "TestFailCalculator",
        2,
    )
    assert str(err) == (
        "graph 'g': node 'failer' (TestFailCalculator) failed at timestamp 2: ValueError: boom"
    )
    assert errors == [err] and graph.error is err
    assert values(got) == ["x"]
    with pytest.raises(NodeError):
        graph.add_packet("in", Packet("z", 3))


def test_output_timestamps_must_increase():
    text = (
        'input_stream: "in" output_stream: "out" '
        'node { name: "bad" calculator: "TestBadTimestampCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:out" }'
    )
    with pytest.raises(NodeError, match=r"node 'bad'.*at 5 to stream 'out', below its bound 6"):
        run_graph(text, {"in": [(1, 1), (2, 2)]})


def test_scalar_inputs_accept_tensors_and_python_values():
    runner = CalculatorRunner(
        'calculator: "TestScalarAddCalculator" '
        'input_stream: "A:a" input_stream: "B:b" output_stream: "SUM:s"'
    )
    out = runner.run(
        {
            "a": [(np.array([1.5], np.float32), 0), (2.0, 1)],
            "b": [(np.array([[2]], np.int64), 0), (3, 1)],
        }
    )
    assert values(out["s"]) == [3.5, 5.0]


def test_independent_nodes_run_in_parallel_and_each_node_in_order():
    barrier = threading.Barrier(2)
    text = (
        'input_stream: "in" output_stream: "x" output_stream: "y" num_threads: 4 '
        'input_side_packet: "barrier" '
        'node { name: "left" calculator: "TestSlowCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:x" input_side_packet: "BARRIER:barrier" } '
        'node { name: "right" calculator: "TestSlowCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:y" input_side_packet: "BARRIER:barrier" }'
    )
    TestSlowCalculator.overlaps.clear()
    out = run_graph(text, {"in": [(i, i) for i in range(20)]}, {"barrier": barrier}, timeout=30)
    assert values(out["x"]) == list(range(20)) and values(out["y"]) == list(range(20))
    assert TestSlowCalculator.overlaps == []  # never two process() calls at once on one node


def test_full_queues_block_or_fail_fast_and_memory_stays_bounded():
    # Each call waits at the barrier until the test lets it go, so the queue is surely full
    # when the test pushes without waiting (a timed delay left room whenever the pushing
    # thread was descheduled longer than one call).
    barrier = threading.Barrier(2)
    text = (
        'input_stream: "in" output_stream: "out" max_queue_size: 3 input_side_packet: "b" '
        'node { calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:out" '
        'input_side_packet: "BARRIER:b" }'
    )
    graph = _graph(text, {"b": barrier})
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    for t in range(4):
        graph.add_packet("in", Packet(t, t))  # 0 held in the node's call, 1..3 queued
    with pytest.raises(QueueFullError, match="input queues are full"):
        graph.add_packet("in", Packet(99, 99), timeout=0)
    calls = threading.Thread(target=lambda: [barrier.wait(timeout=10) for _ in range(14)])
    calls.start()
    for t in range(100, 110):
        graph.add_packet("in", Packet(t, t))  # waits for room
    graph.close_all_input_streams()
    graph.wait_until_done(10)
    calls.join()
    assert stamps(got) == [0, 1, 2, 3, *range(100, 110)]
    assert max(graph.queue_peaks().values()) <= 3


def test_cancel_stops_processing_and_frees_threads():
    baseline = threading.active_count()
    text = (
        'input_stream: "in" output_stream: "out" input_side_packet: "d" '
        'node { calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:out" '
        'input_side_packet: "DELAY:d" }'
    )
    graph = _graph(text, {"d": 0.02})
    for t in range(5):
        graph.add_packet("in", Packet(t, t))
    graph.cancel()
    with pytest.raises(GraphCancelledError):
        graph.wait_until_done(5)
    deadline = time.monotonic() + 5
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= baseline


@pytest.mark.parametrize("cancel", [False, True])
def test_a_finished_run_frees_its_calculators_and_packets_without_the_cycle_collector(cancel):
    """What calculators and packets hold (infer requests, frames) is freed as soon as nothing
    needs it: a processed set after its call, queued packets and calculators as the run
    ends, not when Python's cycle collector gets to the runtime's objects (which refer to
    each other). A failed run's error keeps its traceback, and through it the failed call's
    calculator."""
    graph = _graph(JOIN.format(calc="TestRecordCalculator"))
    calculator = weakref.ref(graph._run.nodes[0].calculator)
    gc.disable()
    try:
        frames = [np.zeros(4) for _ in range(3)]
        processed, queued = [weakref.ref(f) for f in frames[:2]], weakref.ref(frames[2])
        graph.add_packet("a", Packet(frames[0], 1))
        graph.add_packet("b", Packet(frames[1], 1))
        graph.add_packet("a", Packet(frames[2], 2))  # waits for b's bound
        graph.wait_until_idle()
        del frames
        assert all(p() is None for p in processed)  # not kept by the node's context
        assert calculator() is not None and queued() is not None
        if cancel:
            graph.cancel()
        else:
            graph.close_all_input_streams()
            graph.wait_until_done(5)
        assert calculator() is None and queued() is None
    finally:
        gc.enable()


def test_finished_graph_leaves_no_threads():
    baseline = threading.active_count()
    run_graph(JOIN.format(calc="TestRecordCalculator"), {"a": [(1, 1)], "b": [(2, 2)]})
    deadline = time.monotonic() + 5
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= baseline


def test_bounds_set_during_process_apply_when_it_returns():
    # MediaPipe checks a packet against the bound from before the call, as BeginLoop relies on.
    out = run_graph(
        'input_stream: "in" output_stream: "out" '
        'node { calculator: "TestBoundThenPacketCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:out" }',
        {"in": [("a", 1), ("b", 20)]},
    )
    assert stamps(out["out"]) == [1, 20]
    with pytest.raises(NodeError, match="at 2 to stream 'out', below its bound 11"):
        run_graph(
            'input_stream: "in" output_stream: "out" '
            'node { calculator: "TestBoundThenPacketCalculator" input_stream: "IN:in" '
            'output_stream: "OUT:out" }',
            {"in": [("a", 1), ("b", 2)]},
        )


def test_inline_calculators_run_on_the_delivering_thread():
    graph = _graph(
        'input_stream: "in" output_stream: "out" '
        'node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "a" } '
        'node { calculator: "TestThreadNameCalculator" input_stream: "IN:a" output_stream: "OUT:out" }'
    )
    got: list[Packet] = []
    graph.observe_output_stream("out", got.append)
    for t in range(3):
        graph.wait_until_idle(5)
        graph.add_packet("in", Packet(t, t))
    graph.close_all_input_streams()
    graph.wait_until_done(5)
    assert values(got) == [threading.current_thread().name] * 3


def test_a_worker_runs_the_node_it_makes_ready_itself_without_a_hand_off(monkeypatch):
    TestThreadLogCalculator.calls.clear()
    monkeypatch.setattr(TestThreadLogCalculator, "linger", 0.005)  # idle workers could take it
    chain = " ".join(
        f'node {{ name: "n{i}" calculator: "TestThreadLogCalculator" input_stream: "IN:s{i}" '
        f'output_stream: "OUT:s{i + 1}" }}'
        for i in range(3)
    )
    graph = _graph(f'input_stream: "s0" output_stream: "s3" num_threads: 4 {chain}')
    for t in range(5):
        graph.wait_until_idle(5)
        graph.add_packet("s0", Packet(t, t))
    graph.close_all_input_streams()
    graph.wait_until_done(5)
    by_ts: dict[int, set[str]] = {}
    for _, t, thread in TestThreadLogCalculator.calls:
        by_ts.setdefault(t, set()).add(thread)
    assert sorted(by_ts) == list(range(5)) and len(TestThreadLogCalculator.calls) == 15
    assert all(len(threads) == 1 for threads in by_ts.values())  # n0, n1, n2 on one thread
    assert threading.current_thread().name not in set().union(*by_ts.values())


def test_a_worker_hands_the_second_ready_node_to_another_worker():
    barrier = threading.Barrier(2)  # left and right must run at the same time to pass
    text = (
        'input_stream: "in" output_stream: "x" output_stream: "y" num_threads: 4 '
        'input_side_packet: "barrier" '
        'node { name: "first" calculator: "TestThreadLogCalculator" input_stream: "IN:in" '
        'output_stream: "OUT:mid" } '
        'node { name: "left" calculator: "TestSlowCalculator" input_stream: "IN:mid" '
        'output_stream: "OUT:x" input_side_packet: "BARRIER:barrier" } '
        'node { name: "right" calculator: "TestSlowCalculator" input_stream: "IN:mid" '
        'output_stream: "OUT:y" input_side_packet: "BARRIER:barrier" }'
    )
    out = run_graph(text, {"in": [(i, i) for i in range(5)]}, {"barrier": barrier}, timeout=30)
    assert values(out["x"]) == list(range(5)) and values(out["y"]) == list(range(5))
