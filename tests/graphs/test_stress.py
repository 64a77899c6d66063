"""Stress: thousands of packets through parallel branches arrive complete, in order, bounded.

Branches: a PassThrough chain, a Gate with PacketPresence on its bounds, and a slow
branch (a 0.1 ms sleep); they join in one synchronizing PassThrough and a Merge. Inputs are pushed as
fast as ``add_packet`` accepts them, so the graph's queue limit is what holds them back.
A second graph runs a FlowLimiter whose FINISHED and a PreviousLoopback's LOOP are back
edges from a slow branch, under the same load.
"""

from __future__ import annotations

from itertools import pairwise

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config

N = 3000
QUEUE = 8
GRAPH = f"""
input_stream: "in" input_stream: "allow" input_side_packet: "delay"
output_stream: "oa" output_stream: "ob" output_stream: "oc" output_stream: "os" output_stream: "m"
max_queue_size: {QUEUE}
node {{ calculator: "PassThroughCalculator" input_stream: "in" output_stream: "a1" }}
node {{ calculator: "PassThroughCalculator" input_stream: "a1" output_stream: "a2" }}
node {{ calculator: "PassThroughCalculator" input_stream: "a2" output_stream: "a3" }}
node {{ calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:allow"
       output_stream: "b1" }}
node {{ calculator: "PassThroughCalculator" input_stream: "b1" output_stream: "b2" }}
node {{ calculator: "PacketPresenceCalculator" input_stream: "PACKET:b1"
       output_stream: "PRESENCE:c1" }}
node {{ calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:s1"
       input_side_packet: "DELAY:delay" }}
node {{ calculator: "PassThroughCalculator" input_stream: "a3" input_stream: "b2"
       input_stream: "c1" input_stream: "s1"
       output_stream: "oa" output_stream: "ob" output_stream: "oc" output_stream: "os" }}
node {{ calculator: "MergeCalculator" input_stream: "b2" input_stream: "a3" output_stream: "m" }}
"""


def observed(config: str) -> tuple[CalculatorGraph, dict[str, list[tuple[int, object]]]]:
    """A graph and the (timestamp, value) lists its output streams will fill."""
    graph = CalculatorGraph(GraphSpec(parse_graph_config(config), name="stress"))
    out: dict[str, list[tuple[int, object]]] = {n: [] for n in graph.spec.output_streams.names()}
    for name, packets in out.items():
        graph.observe_output_stream(
            name, lambda p, into=packets: into.append((p.timestamp, p.value))
        )
    return graph, out


def test_parallel_branches_lose_duplicate_and_reorder_nothing_with_bounded_queues():
    import tests.graphs.fixture_calculators  # noqa: F401  (TestSlowCalculator)

    graph, out = observed(GRAPH)
    graph.start({"delay": 0.0001})
    for i in range(N):
        graph.add_packet("in", Packet(i, i))
        graph.add_packet("allow", Packet(i % 3 != 0, i))
    graph.close_all_input_streams()
    assert graph.wait_until_done(60)

    every = [(i, i) for i in range(N)]
    assert out["oa"] == every
    assert out["os"] == every
    assert out["m"] == every
    assert out["ob"] == [(i, i) for i in range(N) if i % 3]
    # Presence on a bound-only timestamp can be skipped when the next packet arrives first
    # (as in MediaPipe); whatever it reports must be right and in order.
    presence = out["oc"]
    assert [ts for ts, present in presence if present] == [i for i in range(N) if i % 3]
    assert all(ts % 3 == 0 for ts, present in presence if not present)
    assert [ts for ts, _ in presence] == sorted({ts for ts, _ in presence})
    peaks = graph.queue_peaks()
    assert len(peaks) == 14
    # Only graph inputs wait for room, so a join's queue may run a few packets past the
    # limit while upstream nodes finish; it must stay near the limit, not grow with N.
    assert max(peaks.values()) <= 4 * QUEUE, peaks
    assert max(peaks.values()) >= QUEUE  # the limit was reached: the inputs did wait


FLOW = """
input_stream: "in" input_side_packet: "delay"
output_stream: "out" output_stream: "allow" output_stream: "prev"
max_queue_size: 8
node { calculator: "FlowLimiterCalculator" input_stream: "in" input_stream: "FINISHED:out"
       input_stream_info { tag_index: "FINISHED" back_edge: true }
       output_stream: "frame" output_stream: "ALLOW:allow"
       options { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_queue: 1 } } }
node { calculator: "TestSlowCalculator" input_stream: "IN:frame" output_stream: "OUT:f1"
       input_side_packet: "DELAY:delay" }
node { calculator: "PassThroughCalculator" input_stream: "f1" output_stream: "out" }
node { calculator: "PreviousLoopbackCalculator" input_stream: "MAIN:frame"
       input_stream: "LOOP:out" input_stream_info { tag_index: "LOOP" back_edge: true }
       output_stream: "PREV_LOOP:prev" }
"""


def test_flow_limited_loop_decides_every_frame_once_and_loops_back_in_order():
    import tests.graphs.fixture_calculators  # noqa: F401  (TestSlowCalculator)

    graph, out = observed(FLOW)
    graph.start({"delay": 0.0002})
    for i in range(N):
        graph.add_packet("in", Packet(i, i))
    assert graph.wait_until_idle(60)  # the last frame finishes, so nothing waits at the end
    graph.close_all_input_streams()
    assert graph.wait_until_done(60)

    assert [ts for ts, _ in out["allow"]] == list(range(N))
    passed = [ts for ts, allowed in out["allow"] if allowed]
    assert out["out"] == [(ts, ts) for ts in passed]
    assert len(passed) < N  # the slow node made the limiter drop frames
    # Each frame after the first comes with the previous frame's output.
    assert out["prev"] == [(ts, before) for before, ts in pairwise(passed)]
