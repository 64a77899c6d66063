"""``ready()`` is the scheduler's cheap question: it must say False only when the handler's
``next_invocation()`` would return None (else a node would wait for ever)."""

import random

import pytest

from pipeserve.graphs import timestamp as ts
from pipeserve.graphs.input_queue import InputQueue
from pipeserve.graphs.packet import Packet
from pipeserve.graphs.stream_handlers.default import DefaultInputStreamHandler


@pytest.mark.parametrize("process_bounds", [False, True])
@pytest.mark.parametrize("seed", range(20))
def test_default_handler_is_ready_exactly_when_it_has_an_invocation(process_bounds, seed):
    rng = random.Random(seed)
    queues = [InputQueue(f"in{i}") for i in range(rng.randint(2, 3))]
    handler = DefaultInputStreamHandler(queues, process_bounds, None)
    next_ts = [0] * len(queues)
    answers = set()
    for _ in range(200):
        i = rng.randrange(len(queues))
        action = rng.random() if next_ts[i] != ts.DONE else 1.0  # a closed input stays so
        if action < 0.5:
            next_ts[i] += rng.randint(1, 3)
            queues[i].push(Packet(next_ts[i], next_ts[i]))
        elif action < 0.8:
            next_ts[i] += rng.randint(1, 3)
            queues[i].raise_bound(next_ts[i])
        elif action < 0.85:
            queues[i].raise_bound(ts.DONE)
            next_ts[i] = ts.DONE
        while True:  # drain as a running node would, checking before every decision
            ready = handler.ready()
            invocation = handler.next_invocation()
            assert ready == (invocation is not None)
            answers.add(ready)
            if invocation is None or invocation.kind.value == "close":
                break
        if all(q.bound == ts.DONE and not q.packets for q in queues):
            break
    assert answers == {True, False}


@pytest.mark.parametrize("seed", range(10))
def test_one_input_shortcut_decides_as_the_general_rule(seed):
    """A one-input node takes a shortcut; over random histories it must decide exactly what
    the scan over inputs decides."""
    rng = random.Random(seed)
    fast, general = InputQueue("fast"), InputQueue("general")
    shortcut = DefaultInputStreamHandler([fast], False, None)
    scan = DefaultInputStreamHandler([general], False, None)
    scan._only = None  # the general rule
    assert shortcut._only is fast
    next_ts, kinds = 0, set()
    for step in range(300):
        action = rng.random()
        if action < 0.5:
            next_ts += rng.randint(1, 3)
            for queue in (fast, general):
                queue.push(Packet(next_ts, next_ts))
        elif action < 0.95 or step < 100:
            next_ts += rng.randint(1, 3)
            for queue in (fast, general):
                queue.raise_bound(next_ts)
        else:
            for queue in (fast, general):
                queue.raise_bound(ts.DONE)
        while True:
            got, want = shortcut.next_invocation(), scan.next_invocation()
            assert got == want
            assert (shortcut.last_ts, shortcut.last_bound) == (scan.last_ts, scan.last_bound)
            if want is None or want.kind.value == "close":
                break
            kinds.add(want.kind.value)
        if fast.bound == ts.DONE:
            break
    assert kinds == {"process", "bound"}
