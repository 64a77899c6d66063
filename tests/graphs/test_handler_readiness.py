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
