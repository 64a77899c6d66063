"""The graph lifecycle: every allowed transition happens as documented, every other is refused."""

from itertools import product

import pytest

from pipeserve.errors import GraphCancelledError, NodeError, PacketError
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config
from pipeserve.graphs.lifecycle import TRANSITIONS, GraphState, GraphStateError, Lifecycle

ALLOWED = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
FORBIDDEN = sorted(
    (pair for pair in product(GraphState, repeat=2) if pair not in ALLOWED),
    key=lambda p: (p[0].value, p[1].value),
)
FAILING_GRAPH = (
    'input_stream: "in" input_side_packet: "fail_at" output_stream: "out" '
    'node { name: "fail" calculator: "TestFailCalculator" input_stream: "IN:in" '
    'output_stream: "OUT:out" input_side_packet: "FAIL_AT:fail_at" }'
)


def _reach(state: GraphState) -> Lifecycle:
    """A lifecycle brought to ``state`` through allowed transitions only."""
    paths = {GraphState.NEW: [GraphState.NEW]}
    frontier = [GraphState.NEW]
    while frontier:
        here = frontier.pop(0)
        for nxt in TRANSITIONS[here]:
            if nxt not in paths:
                paths[nxt] = [*paths[here], nxt]
                frontier.append(nxt)
    life = Lifecycle("g")
    for step in paths[state][1:]:
        life.enter(step)
    return life


def _graph() -> CalculatorGraph:
    return CalculatorGraph(GraphSpec(parse_graph_config(FAILING_GRAPH), name="g"))


def test_every_state_is_reachable_and_the_table_covers_it():
    assert set(TRANSITIONS) == set(GraphState)
    for state in GraphState:
        assert _reach(state).state is state


@pytest.mark.parametrize(("current", "wanted"), sorted(ALLOWED, key=str), ids=str)
def test_allowed_transition_is_made(current, wanted):
    life = _reach(current)
    assert life.can_enter(wanted)
    life.enter(wanted)
    assert life.state is wanted
    assert life.halted == (wanted in {GraphState.FAILING, GraphState.FAILED, GraphState.CANCELLED})


@pytest.mark.parametrize(("current", "wanted"), FORBIDDEN, ids=str)
def test_forbidden_transition_raises_and_keeps_the_state(current, wanted):
    life = _reach(current)
    assert not life.can_enter(wanted)
    with pytest.raises(
        GraphStateError, match=f"graph 'g' cannot go from {current.value} to {wanted.value}"
    ):
        life.enter(wanted)
    assert life.state is current


def test_graph_runs_new_running_done():
    graph = _graph()
    assert graph.state is GraphState.NEW
    with pytest.raises(PacketError, match="graph 'g' is not started"):
        graph.add_packet("in", Packet(1, 1))
    graph.start({"fail_at": -1})
    assert graph.state is GraphState.RUNNING
    graph.add_packet("in", Packet(1, 1))
    graph.close_all_input_streams()
    assert graph.wait_until_done(5)
    assert (graph.state, graph.error, graph.done) == (GraphState.DONE, None, True)


def test_node_error_goes_running_failing_failed():
    graph = _graph()
    seen: list[GraphState] = []
    graph.on_error(lambda error: seen.append(graph.state))
    graph.start({"fail_at": 2})
    graph.add_packet("in", Packet(1, 1))
    graph.add_packet("in", Packet(2, 2))
    with pytest.raises(NodeError, match=r"node 'fail'.*boom"):
        graph.wait_until_done(5)
    assert seen == [GraphState.FAILING]  # callbacks run before waiters wake
    assert graph.state is GraphState.FAILED
    with pytest.raises(NodeError):
        graph.add_packet("in", Packet(3, 3))


def test_cancel_while_running_and_before_start():
    running = _graph()
    running.start({"fail_at": -1})
    running.cancel()
    assert running.state is GraphState.CANCELLED
    with pytest.raises(GraphCancelledError):
        running.wait_until_done(5)
    unstarted = _graph()
    unstarted.cancel()
    assert unstarted.state is GraphState.CANCELLED
    with pytest.raises(PacketError, match="cannot start: it is cancelled"):
        unstarted.start({"fail_at": -1})
    with pytest.raises(GraphCancelledError):
        unstarted.add_packet("in", Packet(1, 1))


def test_refused_graph_transitions_leave_the_run_as_it_was():
    graph = _graph()
    graph.start({"fail_at": -1})
    with pytest.raises(PacketError, match="cannot start: it is running"):
        graph.start({"fail_at": -1})
    graph.close_all_input_streams()
    assert graph.wait_until_done(5)
    graph.cancel()  # done -> cancelled is not a transition: nothing happens
    assert (graph.state, graph.error) == (GraphState.DONE, None)
    with pytest.raises(PacketError, match="is closed"):
        graph.add_packet("in", Packet(1, 1))

    failed = _graph()
    failed.start({"fail_at": 1})
    failed.add_packet("in", Packet(1, 1))
    with pytest.raises(NodeError):
        failed.wait_until_done(5)
    failed.cancel()  # failed -> cancelled is not a transition: the node error stays
    assert failed.state is GraphState.FAILED
    assert isinstance(failed.error, NodeError)
