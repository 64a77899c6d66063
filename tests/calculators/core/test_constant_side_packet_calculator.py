"""ConstantSidePacketCalculator: option constants as side packets, converted to our types."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node, side_packets_of

from pipeserve.calculators.formats import LandmarkList
from pipeserve.errors import GraphConfigError


def constants(*packets: str) -> str:
    outs = " ".join(f'output_side_packet: "PACKET:{i}:p{i}"' for i in range(len(packets)))
    body = " ".join(f"packet {{ {p} }}" for p in packets)
    return (
        f'calculator: "ConstantSidePacketCalculator" {outs} '
        f"options {{ [mediapipe.ConstantSidePacketCalculatorOptions.ext] {{ {body} }} }}"
    )


def test_scalars_and_strings_become_python_values():
    node = constants("int_value: 3", "float_value: 0.25", "bool_value: true", 'string_value: "s"',
                     "int64_value: 9000000000", "double_value: 0.1")  # fmt: skip
    assert side_packets_of(node, [f"p{i}" for i in range(6)]) == [
        3,
        0.25,
        True,
        "s",
        9000000000,
        0.1,
    ]


def test_string_vector_becomes_a_list():
    node = constants('string_vector_value { string_value: "a" string_value: "b" }')
    assert side_packets_of(node, ["p0"]) == [["a", "b"]]


def test_landmark_list_becomes_float32_rows():
    node = constants(
        "landmark_list_value { landmark { x: 1 y: 2 z: 3 visibility: 0.5 } landmark { x: 4 } }"
    )
    (value,) = side_packets_of(node, ["p0"])
    assert isinstance(value, LandmarkList)
    np.testing.assert_array_equal(value.data, [[1, 2, 3, 0.5, 0], [4, 0, 0, 0, 0]])
    assert value.data.dtype == np.float32


def test_matrix_data_honours_its_layout():
    column_major = "matrix_data_value { rows: 2 cols: 3 packed_data: [1, 2, 3, 4, 5, 6] }"
    row_major = column_major.replace("}", "layout: ROW_MAJOR }")
    np.testing.assert_array_equal(
        side_packets_of(constants(column_major), ["p0"])[0], [[1, 3, 5], [2, 4, 6]]
    )
    np.testing.assert_array_equal(
        side_packets_of(constants(row_major), ["p0"])[0], [[1, 2, 3], [4, 5, 6]]
    )


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (constants("int_value: 1").replace('output_side_packet: "PACKET:0:p0"', ""), "must match"),
        (constants(""), "sets no value"),
    ],
)
def test_bad_configs_are_rejected(node, reason):
    with pytest.raises(GraphConfigError, match=reason):
        run_node(node, {})
