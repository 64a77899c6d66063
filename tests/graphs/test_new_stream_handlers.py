"""SyncSet, Mux and TimestampAlign input stream handlers.

The mediapipe 0.10.21 wheel registers none of the three (``test_the_wheel_lacks_...``
shows it), so they cannot run in its CalculatorGraph. They are checked two ways instead:
where a handler configuration must behave as a handler the wheel has (SyncSet with one
set of all inputs = DefaultInputStreamHandler; SyncSet with one set per input on a
PassThrough = ImmediateInputStreamHandler), both runtimes run the same steps and must
agree on every packet and on how many packets exist after each step; elsewhere the
input sets each handler forms are pinned, as MediaPipe's handler sources define them.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.python._framework_bindings import calculator_graph

from pipeserve.errors import GraphConfigError
from pipeserve.graphs import (
    ANY_TAG,
    Calculator,
    CalculatorContext,
    GraphSpec,
    Input,
    InputSidePacket,
    parse_graph_config,
    register_calculator,
)
from tests.graphs.parity_harness import Close, Step, run_mediapipe, run_pipeserve

NEW_HANDLERS = [
    "SyncSetInputStreamHandler",
    "MuxInputStreamHandler",
    "TimestampAlignInputStreamHandler",
]


@register_calculator("TestInputSetLogCalculator")
class TestInputSetLogCalculator(Calculator):
    """Appends ``(input timestamp, values or None per input)`` to the LOG side packet."""

    IN = Input(ANY_TAG, optional=True, multiple=True)
    LOG = InputSidePacket("LOG")

    def open(self, cc: CalculatorContext) -> None:
        self.log: list[Any] = cc.input_side_packets["LOG"]

    def process(self, cc: CalculatorContext) -> None:
        values = tuple(None if p.is_empty else p.value for p in cc.inputs.packets)
        self.log.append((cc.input_timestamp, values))


def handler(name: str, options: str = "") -> str:
    opts = f"options {{ {options} }}" if options else ""
    return f'input_stream_handler {{ input_stream_handler: "{name}" {opts} }}'


def sync_sets(*tag_indexes: list[str]) -> str:
    sets = " ".join(
        "sync_set { " + " ".join(f'tag_index: "{t}"' for t in group) + " }" for group in tag_indexes
    )
    options = f"[mediapipe.SyncSetInputStreamHandlerOptions.ext] {{ {sets} }}"
    return handler("SyncSetInputStreamHandler", options)


PASS_THREE = """
input_stream: "a" input_stream: "b" input_stream: "c"
output_stream: "oa" output_stream: "ob" output_stream: "oc"
node {{ calculator: "PassThroughCalculator" input_stream: "A:a" input_stream: "B:b"
       input_stream: "C:c" output_stream: "A:oa" output_stream: "B:ob" output_stream: "C:oc"
       {handler} }}
"""
STEPS: list[Step] = [
    ("a", 1, 0), ("a", 2, 1), ("b", 10, 2), ("c", 20, 2), ("a", 3, 3), ("b", 11, 4),
    ("c", 21, 5), ("b", 12, 5), Close("a"), ("c", 22, 6), ("b", 13, 7),
]  # fmt: skip
ONE_PER_TIMESTAMP: list[Step] = [
    ("a", 1, 0), ("a", 2, 1), ("b", 10, 2), ("c", 20, 3), ("a", 3, 4), ("b", 11, 5),
    ("c", 21, 6), Close("a"), ("b", 12, 7), ("c", 22, 8),
]  # fmt: skip
EQUIVALENT = [
    ("one_set_is_default", handler("DefaultInputStreamHandler"), sync_sets(["A", "B", "C"]),
     STEPS),
    ("no_options_is_default", handler("DefaultInputStreamHandler"), sync_sets(), STEPS),
    ("a_set_per_input_is_immediate", handler("ImmediateInputStreamHandler"),
     sync_sets(["A"], ["B"], ["C"]), ONE_PER_TIMESTAMP),
]  # fmt: skip


@pytest.mark.parametrize(
    ("theirs", "ours", "steps"), [c[1:] for c in EQUIVALENT], ids=[c[0] for c in EQUIVALENT]
)
def test_sync_set_matches_the_wheels_equivalent_handler(
    theirs: str, ours: str, steps: list[Step]
) -> None:
    their_progress: list[dict[str, int]] = []
    our_progress: list[dict[str, int]] = []
    reference = run_mediapipe(PASS_THREE.format(handler=theirs), steps, progress=their_progress)
    assert run_pipeserve(PASS_THREE.format(handler=ours), steps, progress=our_progress) == reference
    assert our_progress == their_progress


def log_graph(inputs: str, handler_text: str) -> str:
    streams = " ".join(f'input_stream: "{spec.rsplit(":", 1)[-1]}"' for spec in inputs.split())
    node_inputs = " ".join(f'input_stream: "{spec}"' for spec in inputs.split())
    return f"""
    {streams} input_side_packet: "log"
    node {{ calculator: "TestInputSetLogCalculator" {node_inputs} input_side_packet: "LOG:log"
           {handler_text} }}
    """


def input_sets(graph: str, steps: list[Step]) -> list[tuple[int, tuple[Any, ...]]]:
    log: list[tuple[int, tuple[Any, ...]]] = []
    run_pipeserve(graph, steps, {"log": log})
    return log


def test_sync_set_lets_a_loopback_run_while_the_inputs_wait() -> None:
    graph = log_graph("IN:0:in LOOPBACK:0:loop IN:1:x", sync_sets(["LOOPBACK:0"]))
    steps: list[Step] = [
        ("in", 1, 0), ("loop", True, 1), ("x", 5, 0), ("loop", True, 2), ("in", 2, 3),
        ("x", 6, 3), ("loop", True, 4), Close("in"), Close("x"), ("loop", True, 5),
    ]  # fmt: skip
    assert input_sets(graph, steps) == [
        (1, (None, True, None)),  # the loop runs although {in, x} at 0 is incomplete
        (0, (1, None, 5)),
        (2, (None, True, None)),
        (3, (2, None, 6)),
        (4, (None, True, None)),
        (5, (None, True, None)),
    ]


def test_mux_waits_only_for_the_selected_input() -> None:
    graph = log_graph("INPUT:0:a INPUT:1:b SELECT:s", handler("MuxInputStreamHandler"))
    steps: list[Step] = [
        ("s", 0, 0), ("a", 1, 0), ("s", 1, 1), ("a", 2, 1), ("b", 20, 1), ("s", 0, 2),
        ("b", 21, 2), ("a", 3, 3), ("s", 0, 3), ("s", 1, 4), Close("b"), ("s", 0, 5),
        ("a", 5, 5), ("a", 6, 6), ("s", 2, 6),
    ]  # fmt: skip
    assert input_sets(graph, steps) == [
        (0, (1, None, 0)),  # b never had a packet or bound at 0: not needed
        (1, (None, 20, 1)),  # a's packet at 1 is dropped
        (2, (None, None, 0)),  # a moved past 2 without a packet
        (3, (3, None, 0)),
        (4, (None, None, 1)),  # b is done
        (5, (5, None, 0)),
        (6, (None, None, 2)),  # a bad SELECT reaches the calculator alone
    ]


def test_mux_calculator_forwards_the_selected_input_without_waiting_for_the_others() -> None:
    graph = """
    input_stream: "a" input_stream: "b" input_stream: "s" output_stream: "out"
    node { calculator: "MuxCalculator" input_stream: "INPUT:0:a" input_stream: "INPUT:1:b"
           input_stream: "SELECT:s" output_stream: "OUTPUT:out" }
    """
    progress: list[dict[str, int]] = []
    steps: list[Step] = [("s", 0, 0), ("a", 1, 0), ("s", 1, 1), ("b", 20, 1), ("a", 2, 1)]
    assert run_pipeserve(graph, steps, progress=progress) == {"out": [(0, 1), (1, 20)]}
    assert [p["out"] for p in progress] == [0, 1, 1, 2, 2]  # b is never waited for at 0


TIMESTAMP_ALIGN = handler(
    "TimestampAlignInputStreamHandler",
    "[mediapipe.TimestampAlignInputStreamHandlerOptions.ext] "
    '{ timestamp_base_tag_index: "VIDEO:0" }',
)


def test_timestamp_align_shifts_other_inputs_onto_the_base_clock() -> None:
    graph = log_graph("VIDEO:video AUDIO:audio", TIMESTAMP_ALIGN)
    steps: list[Step] = [
        ("video", 1, 0), ("audio", 100, 1005), ("video", 2, 10), ("audio", 101, 1010),
        ("video", 3, 15), ("video", 4, 20), ("audio", 102, 1015),
    ]  # fmt: skip
    assert input_sets(graph, steps) == [
        (0, (1, None)),  # offsets unknown: the base alone
        (10, (2, None)),  # audio waits at 1005: its offset is 10 - 1005
        (10, (None, 100)),  # MediaPipe's handler revisits that timestamp for audio
        (15, (3, 101)),
        (20, (4, 102)),
    ]


@pytest.mark.parametrize(
    ("inputs", "handler_text", "message"),
    [
        ("A:a B:b", sync_sets(["C"]), "sync_set names unknown input 'C'"),
        ("A:a B:b", sync_sets(["A"], ["A"]), "'A' is in more than one sync set"),
        ("SELECT:s", handler("MuxInputStreamHandler"), "needs data inputs and a control input"),
        ("A:a", TIMESTAMP_ALIGN, "timestamp_base_tag_index 'VIDEO:0' is not an input"),
    ],
)
def test_bad_handler_options_fail_the_build(inputs: str, handler_text: str, message: str) -> None:
    with pytest.raises(GraphConfigError, match=message):
        GraphSpec(parse_graph_config(log_graph(inputs, handler_text)))


@pytest.mark.parametrize("name", NEW_HANDLERS)
def test_the_wheel_lacks_the_handler_so_its_semantics_are_pinned_here(name: str) -> None:
    node = (
        'input_stream: "a" node { calculator: "PassThroughCalculator" input_stream: "a" '
        f'output_stream: "b" {handler(name)} }}'
    )
    config = text_format.Parse(node, calculator_pb2.CalculatorGraphConfig())
    with pytest.raises(RuntimeError, match="not a registered input stream handler"):
        calculator_graph.CalculatorGraph(graph_config=config)
