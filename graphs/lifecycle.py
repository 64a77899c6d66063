"""A graph run's lifecycle: one state, and the transitions allowed between states.

    NEW ──start──> RUNNING ──every node closed──> DONE
     │               │ └──a node failed──> FAILING ──error reported──> FAILED
     └──cancel──> CANCELLED <──cancel──┘

A transition not in ``TRANSITIONS`` is a broken runtime invariant: ``enter`` raises
GraphStateError. Callers that may race with the end of a run (``cancel`` after the graph
finished, a second failure) ask ``can_enter`` first and do nothing when it says no.
"""

from __future__ import annotations

from enum import Enum

from pipeserve.errors import Code, PipeserveError


class GraphState(Enum):
    """Where one graph run is."""

    NEW = "new"
    """Built, not started: no packet is accepted yet."""
    RUNNING = "running"
    """Started: accepts packets, nodes run."""
    FAILING = "failing"
    """A node failed: nothing runs any more; the error is being reported."""
    FAILED = "failed"
    """The error is reported; waiters wake and see it."""
    CANCELLED = "cancelled"
    """Stopped on request; waiters wake with GraphCancelledError."""
    DONE = "done"
    """Every node closed normally."""


TRANSITIONS: dict[GraphState, frozenset[GraphState]] = {
    GraphState.NEW: frozenset({GraphState.RUNNING, GraphState.CANCELLED}),
    GraphState.RUNNING: frozenset({GraphState.FAILING, GraphState.CANCELLED, GraphState.DONE}),
    GraphState.FAILING: frozenset({GraphState.FAILED}),
    GraphState.FAILED: frozenset(),
    GraphState.CANCELLED: frozenset(),
    GraphState.DONE: frozenset(),
}
HALTED = frozenset({GraphState.FAILING, GraphState.FAILED, GraphState.CANCELLED})
"""States in which no node runs and no packet is accepted."""
FINISHED = frozenset({GraphState.FAILED, GraphState.CANCELLED, GraphState.DONE})
"""States a run never leaves."""


class GraphStateError(PipeserveError):
    """A lifecycle transition that the runtime must never make (an internal error)."""

    code = Code.INTERNAL

    def __init__(self, graph: str, current: GraphState, wanted: GraphState) -> None:
        super().__init__(
            f"graph {graph!r} cannot go from {current.value} to {wanted.value} "
            f"(allowed: {', '.join(sorted(s.value for s in TRANSITIONS[current])) or 'none'})"
        )


class Lifecycle:
    """The state of one graph run; read and changed under the graph lock."""

    __slots__ = ("graph", "halted", "state")

    def __init__(self, graph: str) -> None:
        self.graph = graph
        self.state = GraphState.NEW
        self.halted = False
        """``state in HALTED``, kept as a field because the per-packet path reads it."""

    @property
    def finished(self) -> bool:
        """True in a state the run never leaves (done, failed or cancelled)."""
        return self.state in FINISHED

    def can_enter(self, state: GraphState) -> bool:
        return state in TRANSITIONS[self.state]

    def enter(self, state: GraphState) -> None:
        """Move to ``state``; raise GraphStateError when the transition is not allowed."""
        if state not in TRANSITIONS[self.state]:
            raise GraphStateError(self.graph, self.state, state)
        self.state = state
        self.halted = state in HALTED

    def __repr__(self) -> str:
        return f"Lifecycle({self.graph!r}, {self.state.value})"
