"""DefaultSidePacketCalculator: the optional side packet when given, else the default."""

from __future__ import annotations

from core_helpers import side_packets_of

NODE = (
    'calculator: "DefaultSidePacketCalculator" input_side_packet: "OPTIONAL_VALUE:user" '
    'input_side_packet: "DEFAULT_VALUE:fallback" output_side_packet: "VALUE:value"'
)


def test_optional_value_wins_when_the_graph_gets_it():
    assert side_packets_of(NODE, ["value"], {"user": 0.7, "fallback": 0.5}) == [0.7]


def test_default_is_used_when_the_optional_value_is_absent():
    assert side_packets_of(NODE, ["value"], {"fallback": 0.5}) == [0.5]
