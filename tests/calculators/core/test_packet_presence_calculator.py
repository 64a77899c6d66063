"""PacketPresenceCalculator: a bool at every settled timestamp, packets or bounds."""

from __future__ import annotations

from core_helpers import run_steps

GRAPH = (
    'input_stream: "in" input_stream: "allow" output_stream: "presence" '
    'node { calculator: "GateCalculator" input_stream: "in" input_stream: "ALLOW:allow" '
    'output_stream: "gated" } '
    'node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated" '
    'output_stream: "PRESENCE:presence" }'
)


def test_presence_is_true_for_packets_and_false_for_bound_only_timestamps():
    steps = [("in", 7, 0), ("allow", True, 0), ("in", 8, 1), ("allow", False, 1), ("in", 9, 2)]
    out = run_steps(GRAPH, [*steps, ("allow", True, 2)])
    assert out["presence"] == [(0, True), (1, False), (2, True)]
