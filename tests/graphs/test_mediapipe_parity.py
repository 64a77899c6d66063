"""Cross-check: small graphs of core calculators give the same packets in MediaPipe and here.

Each case runs the same steps through the wheel's C++ CalculatorGraph and through ours
(``parity_harness``), waiting until idle after every step, and expects identical
``{stream: [(timestamp, value)]}``. The MediaPipe result is also pinned, so a case
documents what MediaPipe does. Only streams whose packets do not depend on thread
timing are observed (bound-only timestamps seen by PacketPresence can: see
``flow_limited_tracking``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.python._framework_bindings import calculator_graph

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import NodeError, find_calculator, parse_graph_config, register_subgraph
from tests.graphs.parity_harness import Close, Double, Int64, Step, run_mediapipe, run_pipeserve

PRE, POST = -(2**63) + 2, 2**63 - 3


@dataclass
class Case:
    id: str
    graph: str
    steps: list[Step]
    expected: dict[str, list[tuple[int, Any]]]
    side_packets: dict[str, Any] = field(default_factory=dict)
    ours: str | None = None  # our config when it differs (a subgraph instead of its nodes)


def gate_side(allow: str) -> str:
    return f"""
    input_stream: "in" input_side_packet: "allow"
    output_stream: "out" output_stream: "presence"
    node {{ calculator: "GateCalculator" input_stream: "in" {allow} output_stream: "gated" }}
    node {{ calculator: "PassThroughCalculator" input_stream: "gated" output_stream: "out" }}
    node {{ calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated"
           output_stream: "PRESENCE:presence" }}
    """


GATE_OPTION = "options { [mediapipe.GateCalculatorOptions.ext] { allow: %s } }"
THREE = [("in", 1, 0), ("in", 2, 5), ("in", 3, 7)]
ALL_PRESENT = {"out": [(0, 1), (5, 2), (7, 3)], "presence": [(0, True), (5, True), (7, True)]}

GATE_STREAM = """
input_stream: "in" input_stream: "allow"
output_stream: "out" output_stream: "presence"
node { calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:allow"
       output_stream: "gated" }
node { calculator: "PassThroughCalculator" input_stream: "gated" output_stream: "out" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated"
       output_stream: "PRESENCE:presence" }
"""

GATE_DISALLOW = """
input_stream: "in" input_stream: "disallow"
output_stream: "out" output_stream: "change"
node { calculator: "GateCalculator" input_stream: "in" input_stream: "DISALLOW:disallow"
       output_stream: "out" output_stream: "STATE_CHANGE:change"
       options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } } }
"""

GATE_TWO = """
input_stream: "a" input_stream: "b" input_stream: "allow"
output_stream: "oa" output_stream: "ob"
node { calculator: "GateCalculator" input_stream: "a" input_stream: "b"
       input_stream: "ALLOW:allow" output_stream: "oa" output_stream: "ob" }
"""

PASS_THROUGH = """
input_stream: "a" input_stream: "b" input_stream: "c"
output_stream: "x" output_stream: "y" output_stream: "z"
node { calculator: "PassThroughCalculator" input_stream: "A:a" input_stream: "b"
       input_stream: "c" output_stream: "c_is_z" output_stream: "y" output_stream: "A:x" }
node { calculator: "PassThroughCalculator" input_stream: "c_is_z" output_stream: "z" }
"""

LOOPBACK = """
input_stream: "in" input_stream: "keep"
output_stream: "prev" output_stream: "presence"
node { calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:keep"
       output_stream: "loop" }
node { calculator: "PreviousLoopbackCalculator" input_stream: "MAIN:in" input_stream: "LOOP:loop"
       input_stream_info { tag_index: "LOOP" back_edge: true } output_stream: "PREV_LOOP:prev" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:prev"
       output_stream: "PRESENCE:presence" }
"""


def flow_limiter(options: str, aux: bool = True) -> str:
    aux_in = 'input_stream: "aux"' if aux else ""
    aux_out = 'output_stream: "aux_out"' if aux else ""
    return f"""
    input_stream: "in" {aux_in} input_stream: "release"
    output_stream: "throttled" {aux_out} output_stream: "allow"
    node {{ calculator: "FlowLimiterCalculator" input_stream: "in" {aux_in}
           input_stream: "FINISHED:done" input_stream_info {{ tag_index: "FINISHED" back_edge: true }}
           output_stream: "throttled" {aux_out} output_stream: "ALLOW:allow"
           options {{ [mediapipe.FlowLimiterCalculatorOptions.ext] {{ {options} }} }} }}
    node {{ calculator: "GateCalculator" input_stream: "throttled" input_stream: "ALLOW:release"
           output_stream: "done" }}
    """


FLOW_STEPS: list[Step] = [
    ("in", 1, 0), ("aux", 10, 0), ("in", 2, 1), ("aux", 20, 1), ("in", 3, 2), ("aux", 30, 2),
    ("release", True, 0), ("release", True, 1), ("in", 4, 3), ("aux", 40, 3),
    ("release", True, 2), ("in", 5, 4), ("release", True, 3), ("aux", 50, 4),
    ("release", True, 4), ("in", 6, 5), ("release", True, 5),
]  # fmt: skip

MERGE = """
input_stream: "a" input_stream: "b" input_stream: "pick_a"
output_stream: "merged"
node { calculator: "GateCalculator" input_stream: "a" input_stream: "ALLOW:pick_a"
       output_stream: "ga" }
node { calculator: "GateCalculator" input_stream: "b" input_stream: "DISALLOW:pick_a"
       output_stream: "gb" }
node { calculator: "MergeCalculator" input_stream: "ga" input_stream: "gb" output_stream: "merged" }
"""

# A tracking loop shaped like PoseLandmarkCpu (holistic.md §1.1) with ints for rects:
# detection runs only without a previous rect; "found"/"keep" play detector/landmarks.
TRACKING = """
input_stream: "frame" input_stream: "found" input_stream: "keep"
input_side_packet: "use_prev"
output_stream: "rect" output_stream: "presence" output_stream: "det_frame"
node { calculator: "GateCalculator" input_stream: "prev_rect" input_side_packet: "ALLOW:use_prev"
       output_stream: "gated_prev"
       options { [mediapipe.GateCalculatorOptions.ext] { allow: true } } }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated_prev"
       output_stream: "PRESENCE:presence" }
node { calculator: "GateCalculator" input_stream: "frame" input_stream: "DISALLOW:presence"
       output_stream: "det_frame"
       options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } } }
node { calculator: "GateCalculator" input_stream: "det_frame" input_stream: "ALLOW:found"
       output_stream: "rect_from_det" }
node { calculator: "MergeCalculator" input_stream: "rect_from_det" input_stream: "gated_prev"
       output_stream: "merged" }
node { calculator: "GateCalculator" input_stream: "merged" input_stream: "ALLOW:keep"
       output_stream: "rect" }
node { calculator: "PreviousLoopbackCalculator" input_stream: "MAIN:frame"
       input_stream: "LOOP:rect" input_stream_info { tag_index: "LOOP" back_edge: true }
       output_stream: "PREV_LOOP:prev_rect" }
"""


def frames(decisions: list[tuple[bool, bool]]) -> list[Step]:
    steps: list[Step] = []
    for t, (found, keep) in enumerate(decisions):
        steps += [("frame", 100 + t, t * 10), ("found", found, t * 10), ("keep", keep, t * 10)]
    return steps


TRACK_STEPS = frames(
    [(True, True), (False, True), (True, False), (False, True)] + [(True, True)] * 2
)

# The same loop behind a FlowLimiter whose FINISHED is the loop's rect. Presence is not
# observed: its bound-only timestamps (19, 49) depend on thread timing in both runtimes.
FLOW_TRACKING = (
    TRACKING.replace('input_stream: "frame"', 'input_stream: "video"', 1).replace(
        'output_stream: "presence"', 'output_stream: "frame"', 1
    )
    + """
node { calculator: "FlowLimiterCalculator" input_stream: "video" input_stream: "FINISHED:rect"
       input_stream_info { tag_index: "FINISHED" back_edge: true } output_stream: "frame"
       options { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_queue: 1 } } }
"""
)
FLOW_TRACK_STEPS: list[Step] = [
    ("video", 1, 0), ("video", 2, 10), ("video", 3, 20), ("found", True, 0), ("keep", True, 0),
    ("found", True, 10), ("keep", True, 10), ("found", True, 20), ("keep", True, 20),
    ("video", 4, 30), ("found", True, 30), ("keep", False, 30), ("video", 5, 40),
    ("video", 6, 50), ("found", True, 40), ("keep", True, 40), ("found", False, 50),
    ("keep", True, 50),
]  # fmt: skip

SUBGRAPH = """
type: "ParityGatedPresence"
input_stream: "DATA:data" input_stream: "ALLOW:allow"
output_stream: "GATED:gated" output_stream: "PRESENCE:presence"
node { calculator: "GateCalculator" input_stream: "data" input_stream: "ALLOW:allow"
       output_stream: "gated" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated"
       output_stream: "PRESENCE:presence" }
"""
register_subgraph(parse_graph_config(SUBGRAPH))
HEADER = """
input_stream: "in" input_stream: "a" input_stream: "b"
output_stream: "out" output_stream: "p1" output_stream: "p2"
"""
WITH_SUBGRAPHS = (
    HEADER
    + """
node { calculator: "ParityGatedPresence" input_stream: "DATA:in" input_stream: "ALLOW:a"
       output_stream: "GATED:g1" output_stream: "PRESENCE:p1" }
node { calculator: "ParityGatedPresence" input_stream: "DATA:g1" input_stream: "ALLOW:b"
       output_stream: "GATED:out" output_stream: "PRESENCE:p2" }
"""
)
FLATTENED = (
    HEADER
    + """
node { calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:a" output_stream: "g1" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:g1"
       output_stream: "PRESENCE:p1" }
node { calculator: "GateCalculator" input_stream: "g1" input_stream: "ALLOW:b" output_stream: "out" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:out"
       output_stream: "PRESENCE:p2" }
"""
)

THRESHOLDING = """
input_stream: "x" input_stream: "t"
output_stream: "flag" output_stream: "accept" output_stream: "reject"
node { calculator: "ThresholdingCalculator" input_stream: "FLOAT:x" input_stream: "THRESHOLD:t"
       output_stream: "FLAG:flag" output_stream: "ACCEPT:accept" output_stream: "REJECT:reject" }
"""

LOOP = """
input_stream: "v"
output_stream: "out"
node { calculator: "BeginLoopFloatCalculator" input_stream: "ITERABLE:v"
       output_stream: "ITEM:item" output_stream: "BATCH_END:end" }
node { calculator: "PassThroughCalculator" input_stream: "item" output_stream: "item2" }
node { calculator: "EndLoopFloatCalculator" input_stream: "ITEM:item2"
       input_stream: "BATCH_END:end" output_stream: "ITERABLE:out" }
"""

LOOP_WITH_CLONE = """
input_stream: "v" input_stream: "c"
output_stream: "item" output_stream: "clone" output_stream: "out" output_stream: "presence"
node { calculator: "BeginLoopFloatCalculator" input_stream: "ITERABLE:v" input_stream: "CLONE:c"
       output_stream: "ITEM:item" output_stream: "CLONE:clone" output_stream: "BATCH_END:end" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:item"
       output_stream: "PRESENCE:presence" }
node { calculator: "EndLoopFloatCalculator" input_stream: "ITEM:item"
       input_stream: "BATCH_END:end" output_stream: "ITERABLE:out" }
"""

GATED_THRESHOLD = """
input_stream: "x" input_stream: "allow"
output_stream: "flag" output_stream: "present"
node { calculator: "GateCalculator" input_stream: "x" input_stream: "ALLOW:allow"
       output_stream: "gx" }
node { calculator: "ThresholdingCalculator" input_stream: "FLOAT:gx" output_stream: "FLAG:flag"
       options { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: 0.5 } } }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:flag"
       output_stream: "PRESENCE:present" }
"""

SPLIT_OPTIONS = "options { [mediapipe.SplitVectorCalculatorOptions.ext] { %s } }"
SPLIT = f"""
input_stream: "v"
output_stream: "a" output_stream: "b" output_stream: "e" output_stream: "c"
node {{ calculator: "SplitFloatVectorCalculator" input_stream: "v"
       output_stream: "a" output_stream: "b"
       {SPLIT_OPTIONS % "ranges { begin: 0 end: 2 } ranges { begin: 1 end: 4 }"} }}
node {{ calculator: "SplitFloatVectorCalculator" input_stream: "v" output_stream: "e"
       {SPLIT_OPTIONS % "ranges { begin: 3 end: 4 } element_only: true"} }}
node {{ calculator: "SplitFloatVectorCalculator" input_stream: "v" output_stream: "c"
       {SPLIT_OPTIONS % "ranges { begin: 3 end: 4 } ranges { begin: 0 end: 1 } combine_outputs: true"} }}
"""

SPLIT_LANDMARKS = f"""
input_stream: "lm" input_stream: "world"
output_stream: "face" output_stream: "hands" output_stream: "wrist" output_stream: "both"
output_stream: "w"
node {{ calculator: "SplitNormalizedLandmarkListCalculator" input_stream: "lm"
       output_stream: "face" output_stream: "hands"
       {SPLIT_OPTIONS % "ranges { begin: 0 end: 2 } ranges { begin: 3 end: 6 }"} }}
node {{ calculator: "SplitNormalizedLandmarkListCalculator" input_stream: "lm"
       output_stream: "wrist" {SPLIT_OPTIONS % "ranges { begin: 4 end: 5 } element_only: true"} }}
node {{ calculator: "SplitNormalizedLandmarkListCalculator" input_stream: "lm"
       output_stream: "both"
       {SPLIT_OPTIONS % "ranges { begin: 5 end: 6 } ranges { begin: 0 end: 1 } combine_outputs: true"} }}
node {{ calculator: "SplitLandmarkListCalculator" input_stream: "world" output_stream: "w"
       {SPLIT_OPTIONS % "ranges { begin: 1 end: 3 }"} }}
"""
POSE = np.arange(30, dtype=np.float32).reshape(6, 5) / 8  # exact in float32
WORLD = (np.arange(15, dtype=np.float32).reshape(3, 5) - 4) / 4
P, W = POSE.tolist(), WORLD.tolist()

SIDE_TO_STREAM = """
input_stream: "tick" input_side_packet: "x" input_side_packet: "y" input_side_packet: "ts"
output_stream: "at_tick" output_stream: "first" output_stream: "pre" output_stream: "post"
output_stream: "zero" output_stream: "at_ts"
node { calculator: "SidePacketToStreamCalculator" input_stream: "TICK:tick"
       input_side_packet: "x" output_stream: "AT_TICK:at_tick" }
node { calculator: "SidePacketToStreamCalculator" input_stream: "TICK:tick"
       input_side_packet: "y" output_stream: "AT_FIRST_TICK:first" }
node { calculator: "SidePacketToStreamCalculator" input_side_packet: "x"
       output_stream: "AT_PRESTREAM:pre" }
node { calculator: "SidePacketToStreamCalculator" input_side_packet: "x"
       output_stream: "AT_POSTSTREAM:post" }
node { calculator: "SidePacketToStreamCalculator" input_side_packet: "y"
       output_stream: "AT_ZERO:zero" }
node { calculator: "SidePacketToStreamCalculator" input_side_packet: "y"
       input_side_packet: "TIMESTAMP:ts" output_stream: "AT_TIMESTAMP:at_ts" }
"""

CONSTANT = """
input_stream: "tick"
output_stream: "a" output_stream: "b"
node { calculator: "ConstantSidePacketCalculator"
       output_side_packet: "PACKET:0:i" output_side_packet: "PACKET:1:f"
       options { [mediapipe.ConstantSidePacketCalculatorOptions.ext] {
         packet { int_value: 3 } packet { float_value: 0.25 } } } }
node { calculator: "SidePacketToStreamCalculator" input_stream: "TICK:tick"
       input_side_packet: "i" input_side_packet: "f"
       output_stream: "AT_TICK:0:a" output_stream: "AT_TICK:1:b" }
"""

FINISHED_INPUT = """
input_stream: "in" input_stream: "finished"
output_stream: "out" output_stream: "allow"
node { calculator: "FlowLimiterCalculator" input_stream: "in" input_stream: "FINISHED:finished"
       output_stream: "out" output_stream: "ALLOW:allow"
       options { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_queue: 1 } } }
"""

PRESTREAM_BESIDE_PACKETS = """
input_stream: "b" input_side_packet: "v"
output_stream: "x" output_stream: "y"
node { calculator: "SidePacketToStreamCalculator" input_side_packet: "v"
       output_stream: "AT_PRESTREAM:pre" }
node { calculator: "PassThroughCalculator" input_stream: "pre" input_stream: "b"
       output_stream: "x" output_stream: "y" }
"""

CASES = [
    Case("pass_through_by_tag_and_index", PASS_THROUGH,
         [("a", 1, 0), ("b", 2, 0), ("c", 3, 1), ("a", 4, 2), ("c", 5, 2), ("b", 6, 3)],
         {"x": [(0, 1), (2, 4)], "y": [(1, 3), (2, 5)], "z": [(0, 2), (3, 6)]}),
    Case("gate_allow_stream_and_presence_on_bounds", GATE_STREAM,
         [("in", 10, 0), ("allow", True, 0), ("in", 11, 1), ("allow", False, 1), ("in", 12, 2),
          ("allow", True, 3), ("in", 13, 3), ("in", 14, 4), ("allow", True, 4)],
         {"out": [(0, 10), (3, 13), (4, 14)],
          "presence": [(0, True), (1, False), (2, False), (3, True), (4, True)]}),
    Case("gate_allow_side_packet_true", gate_side('input_side_packet: "ALLOW:allow"'), THREE,
         ALL_PRESENT, {"allow": True}),
    Case("gate_allow_side_packet_false_closes_outputs",
         gate_side('input_side_packet: "ALLOW:allow"'), THREE,
         {"out": [], "presence": []}, {"allow": False}),
    Case("gate_allow_option_false_sends_bounds", gate_side(GATE_OPTION % "false"), THREE,
         {"out": [], "presence": [(0, False), (5, False), (7, False)]}),
    Case("gate_allow_option_true", gate_side(GATE_OPTION % "true"), THREE, ALL_PRESENT),
    Case("gate_disallow_empty_packets_as_allow_state_change", GATE_DISALLOW,
         [("in", 1, 0), ("disallow", True, 0), ("in", 2, 1), ("disallow", False, 2),
          ("in", 3, 2), ("in", 4, 3), ("disallow", True, 3), ("disallow", True, 4),
          ("in", 5, 5), ("disallow", False, 6)],
         {"out": [(1, 2), (2, 3), (5, 5)], "change": [(1, True), (3, False), (5, True)]}),
    Case("gate_two_data_streams", GATE_TWO,
         [("a", 1, 0), ("allow", True, 0), ("b", 2, 0), ("b", 3, 1), ("allow", True, 1),
          ("a", 4, 2), ("allow", False, 2), ("b", 5, 3), ("a", 6, 3), ("allow", True, 3)],
         {"oa": [(0, 1), (3, 6)], "ob": [(0, 2), (1, 3), (3, 5)]}),
    Case("previous_loopback_back_edge", LOOPBACK,
         [("in", 1, 10), ("keep", True, 10), ("in", 2, 20), ("keep", False, 20),
          ("in", 3, 30), ("keep", True, 30), ("in", 4, 40), ("keep", True, 40),
          ("in", 5, 50), ("keep", True, 50)],
         {"prev": [(20, 1), (40, 3), (50, 4)],
          "presence": [(10, False), (20, True), (30, False), (40, True), (50, True)]}),
    Case("previous_loopback_loop_ahead_then_closed", LOOPBACK,
         [("keep", True, 10), ("in", 1, 10), ("keep", True, 20), ("keep", False, 30),
          ("in", 2, 20), ("in", 3, 30), ("in", 4, 40), Close("keep")],
         {"prev": [(20, 1), (30, 2)],
          "presence": [(10, False), (20, True), (30, True), (40, False)]}),
    Case("previous_loopback_main_closes", LOOPBACK,
         [("in", 1, 10), ("keep", True, 10), ("in", 2, 20), Close("in"), ("keep", True, 20),
          ("keep", True, 30)],
         {"prev": [(20, 1)], "presence": [(10, False), (20, True)]}),
    Case("previous_loopback_loop_closes_early", LOOPBACK,
         [("in", 1, 10), ("keep", True, 10), Close("keep"), ("in", 2, 20), ("in", 3, 30)],
         {"prev": [(20, 1)], "presence": [(10, False), (20, True), (30, False)]}),
    Case("flow_limiter_drops_while_in_flight", flow_limiter(""), FLOW_STEPS,
         {"throttled": [(0, 1), (3, 4), (5, 6)], "aux_out": [(0, 10), (3, 40)],
          "allow": [(0, True), (1, False), (2, False), (3, True), (4, False), (5, True)]}),
    Case("flow_limiter_queues_one", flow_limiter("max_in_queue: 1"), FLOW_STEPS,
         {"throttled": [(0, 1), (2, 3), (3, 4), (4, 5), (5, 6)],
          "aux_out": [(0, 10), (2, 30), (3, 40), (4, 50)],
          "allow": [(0, True), (1, False), (2, True), (3, True), (4, True), (5, True)]}),
    Case("flow_limiter_two_in_flight", flow_limiter("max_in_flight: 2"), FLOW_STEPS,
         {"throttled": [(0, 1), (1, 2), (3, 4), (4, 5), (5, 6)],
          "aux_out": [(0, 10), (1, 20), (3, 40), (4, 50)],
          "allow": [(0, True), (1, True), (2, False), (3, True), (4, True), (5, True)]}),
    Case("flow_limiter_input_closes_with_queued_frame",
         flow_limiter("max_in_queue: 1", aux=False),
         [("in", 1, 0), ("in", 2, 1), ("in", 3, 2), Close("in"), ("release", True, 0),
          ("release", True, 1), ("release", True, 2)],
         {"throttled": [(0, 1), (2, 3)], "allow": [(0, True), (1, False), (2, True)]}),
    Case("flow_limiter_in_flight_timeout", flow_limiter("in_flight_timeout: 15", aux=False),
         [("in", 1, 0), ("in", 2, 10), ("in", 3, 20), ("in", 4, 30), ("in", 5, 40),
          ("release", True, 0), ("in", 6, 45)],
         {"throttled": [(0, 1), (20, 3), (40, 5)],
          "allow": [(0, True), (10, False), (20, True), (30, False), (40, True), (45, False)]}),
    Case("merge_first_non_empty", MERGE,
         [("a", 1, 0), ("b", 100, 0), ("pick_a", True, 0), ("a", 2, 1), ("b", 200, 1),
          ("pick_a", False, 1), ("b", 300, 2), ("pick_a", True, 2), ("a", 4, 3),
          ("pick_a", False, 3), ("a", 5, 4), ("b", 500, 4), ("pick_a", True, 4)],
         {"merged": [(0, 1), (1, 200), (4, 5)]}),
    Case("tracking_loop", TRACKING, TRACK_STEPS,
         {"rect": [(0, 100), (10, 100), (40, 104), (50, 104)],
          "presence": [(0, False), (10, True), (20, True), (30, False), (40, False), (50, True)],
          "det_frame": [(0, 100), (30, 103), (40, 104)]},
         {"use_prev": True}),
    Case("tracking_loop_without_previous", TRACKING, TRACK_STEPS,
         {"rect": [(0, 100), (40, 104), (50, 105)], "presence": [(0, False)],
          "det_frame": [(0, 100), (10, 101), (20, 102), (30, 103), (40, 104), (50, 105)]},
         {"use_prev": False}),
    Case("flow_limited_tracking", FLOW_TRACKING, FLOW_TRACK_STEPS,
         {"rect": [(0, 1), (20, 1), (40, 5), (50, 5)], "det_frame": [(0, 1), (40, 5)],
          "frame": [(0, 1), (20, 3), (30, 4), (40, 5), (50, 6)]},
         {"use_prev": True}),
    Case("subgraph_nodes_behave_as_inlined", FLATTENED,
         [("in", 1, 0), ("a", True, 0), ("b", True, 0), ("in", 2, 1), ("a", True, 1),
          ("b", False, 1), ("in", 3, 2), ("a", False, 2), ("b", True, 2), ("in", 4, 3),
          ("b", True, 3), ("a", True, 3)],
         {"out": [(0, 1), (3, 4)], "p1": [(0, True), (1, True), (2, False), (3, True)],
          "p2": [(0, True), (1, False), (2, False), (3, True)]},
         ours=WITH_SUBGRAPHS),
    Case("thresholding_strict_with_threshold_stream", THRESHOLDING,
         [("t", Double(0.5), 0), ("x", 0.5, 0), ("x", 0.75, 1), ("t", Double(0.75), 2),
          ("x", 0.75, 2), ("x", 1.0, 3)],
         {"flag": [(0, False), (1, True), (2, False), (3, True)],
          "accept": [(1, True), (3, True)], "reject": [(0, False), (2, False)]}),
    Case("begin_end_loop_restores_timestamps", LOOP,
         [("v", [1.0, 2.0], 0), ("v", [], 5), ("v", [3.0], 6), ("v", [4.0, 5.0, 6.0], 9)],
         {"out": [(0, [1.0, 2.0]), (6, [3.0]), (9, [4.0, 5.0, 6.0])]}),
    Case("begin_loop_clones_and_spends_a_timestamp_on_empty_lists", LOOP_WITH_CLONE,
         [("v", [1.0, 2.0], 0), ("c", 5, 0), ("v", [], 3), ("c", 6, 3), ("c", 7, 4),
          ("v", [3.0], 4), ("v", [0.5], 8)],
         {"item": [(0, 1.0), (1, 2.0), (3, 3.0), (4, 0.5)], "clone": [(0, 5), (1, 5), (3, 7)],
          "out": [(0, [1.0, 2.0]), (4, [3.0]), (8, [0.5])],
          "presence": [(0, True), (1, True), (2, False), (3, True), (4, True)]}),
    Case("thresholding_passes_bounds_on", GATED_THRESHOLD,
         [("x", 0.75, 0), ("allow", True, 0), ("x", 0.25, 1), ("allow", False, 1),
          ("x", 0.25, 2), ("allow", True, 2)],
         {"flag": [(0, True), (2, False)], "present": [(0, True), (1, False), (2, True)]}),
    Case("split_ranges_element_only_combine", SPLIT,
         [("v", [1.0, 2.0, 3.0, 4.0], 0), ("v", [5.0, 6.0, 7.0, 8.0, 9.0], 3)],
         {"a": [(0, [1.0, 2.0]), (3, [5.0, 6.0])], "b": [(0, [2.0, 3.0, 4.0]), (3, [6.0, 7.0, 8.0])],
          "e": [(0, 4.0), (3, 8.0)], "c": [(0, [4.0, 1.0]), (3, [8.0, 5.0])]}),
    Case("split_landmark_lists", SPLIT_LANDMARKS,
         [("lm", NormalizedLandmarkList(POSE), 0), ("world", LandmarkList(WORLD), 0),
          ("lm", NormalizedLandmarkList(POSE), 7), ("world", LandmarkList(WORLD), 7)],
         {"face": [(0, P[0:2]), (7, P[0:2])], "hands": [(0, P[3:6]), (7, P[3:6])],
          "wrist": [(0, P[4]), (7, P[4])], "both": [(0, [P[5], P[0]]), (7, [P[5], P[0]])],
          "w": [(0, W[1:3]), (7, W[1:3])]}),
    Case("side_packet_to_stream_every_tag", SIDE_TO_STREAM, [("tick", True, 3), ("tick", False, 8)],
         {"at_tick": [(3, 7), (8, 7)], "first": [(3, 2.5)], "pre": [(PRE, 7)],
          "post": [(POST, 7)], "zero": [(0, 2.5)], "at_ts": [(42, 2.5)]},
         {"x": 7, "y": 2.5, "ts": Int64(42)}),
    Case("constant_side_packets", CONSTANT, [("tick", 1, 0), ("tick", 1, 4)],
         {"a": [(0, 3), (4, 3)], "b": [(0, 0.25), (4, 0.25)]}),
    Case("flow_limiter_releases_queued_frame_when_finished_closes", FINISHED_INPUT,
         [("in", 1, 0), ("in", 2, 1), Close("finished"), ("in", 3, 2)],
         {"out": [(0, 1), (1, 2), (2, 3)], "allow": [(0, True), (1, True), (2, True)]}),
    Case("flow_limiter_flushes_its_queue_at_the_end", FINISHED_INPUT,
         [("in", 1, 0), ("in", 2, 1), ("finished", 0, 5), ("in", 3, 7)],
         {"out": [(0, 1), (1, 2), (7, 3)], "allow": [(0, True), (1, True), (7, True)]}),
    Case("prestream_packet_beside_later_packets", PRESTREAM_BESIDE_PACKETS,
         [("b", 1, 0), ("b", 2, 5)], {"x": [(PRE, 7)], "y": [(0, 1), (5, 2)]}, {"v": 7}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_graph_gives_the_same_packets_as_mediapipe(case: Case) -> None:
    reference = run_mediapipe(case.graph, case.steps, case.side_packets)
    assert reference == case.expected
    assert run_pipeserve(case.ours or case.graph, case.steps, case.side_packets) == reference


def _calculator_names() -> list[str]:
    names: set[str] = set()
    for case in CASES:
        names.update(re.findall(r'calculator: "(\w+Calculator)"', case.graph))
    return sorted(names)


@pytest.mark.parametrize("name", _calculator_names())
def test_compared_calculator_is_registered_in_both_runtimes(name: str) -> None:
    node = f'node {{ calculator: "{name}" }}'
    config = text_format.Parse(node, calculator_pb2.CalculatorGraphConfig())
    try:  # a bare node may fail its contract, but must not fail the lookup
        calculator_graph.CalculatorGraph(graph_config=config)
    except Exception as failure:
        assert "No registered object" not in str(failure)
    assert find_calculator(name) is not None


def test_input_shorter_than_the_split_ranges_fails_in_both_runtimes():
    steps: list[Step] = [
        ("lm", NormalizedLandmarkList(POSE[:5]), 0),
        ("world", LandmarkList(WORLD), 0),
    ]
    with pytest.raises(RuntimeError, match="exceeds list size 5"):
        run_mediapipe(SPLIT_LANDMARKS, steps)
    with pytest.raises(NodeError, match="5 elements, ranges need 6"):
        run_pipeserve(SPLIT_LANDMARKS, steps)
