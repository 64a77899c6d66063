"""Runs one graph through MediaPipe's own CalculatorGraph and through ours, step by step.

A run is a list of steps: ``(stream, value, timestamp)`` adds a packet, ``Close(stream)``
closes one input stream. After each step both runtimes are waited on until idle, so
timing-dependent calculators (FlowLimiter) see the same order of events. Results are
``{output stream: [(timestamp, value), ...]}`` with plain Python values.

Payloads map to C++ types as: bool, int (C++ int), ``Int64``, float (C++ float),
``Double``, lists of float or int (``std::vector``), and our (Normalized)LandmarkList
(the landmark protos). Landmark results compare as rows ``[x, y, z, visibility, presence]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import mediapipe as mp
import numpy as np
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.framework.formats import landmark_pb2
from mediapipe.python._framework_bindings import calculator_graph

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config

Outputs = dict[str, list[tuple[int, Any]]]
TIMEOUT = 5.0


class Double(float):
    """A float sent to MediaPipe as a C++ double (plain floats are C++ floats)."""


class Int64(int):
    """An int sent to MediaPipe as a C++ int64 (plain ints are C++ ints)."""


@dataclass(frozen=True)
class Close:
    """Step: close one graph input stream."""

    stream: str


Step = tuple[str, Any, int] | Close


_LANDMARK_PROTOS = {
    NormalizedLandmarkList: landmark_pb2.NormalizedLandmarkList,
    LandmarkList: landmark_pb2.LandmarkList,
}
_FIELDS = ("x", "y", "z", "visibility", "presence")


def _landmark_proto(value: NormalizedLandmarkList | LandmarkList) -> Any:
    message = _LANDMARK_PROTOS[type(value)]()
    for row in value.data.tolist():
        message.landmark.add(**dict(zip(_FIELDS, row, strict=True)))
    return message


def _row(landmark: Any) -> list[float]:
    return [getattr(landmark, name) for name in _FIELDS]


def _creator(value: Any) -> Callable[[Any], Any]:
    pc = mp.packet_creator
    if type(value) in _LANDMARK_PROTOS:
        return lambda v: pc.create_proto(_landmark_proto(v))
    if isinstance(value, bool):
        return pc.create_bool
    if isinstance(value, Int64):
        return pc.create_int64
    if isinstance(value, int):
        return pc.create_int
    if isinstance(value, Double):
        return pc.create_double
    if isinstance(value, float):
        return pc.create_float
    if isinstance(value, list) and all(isinstance(v, float) for v in value):
        return pc.create_float_vector
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return pc.create_int_vector
    raise TypeError(f"no MediaPipe packet type for {value!r}")


def to_mediapipe_packet(value: Any) -> Any:
    return _creator(value)(value)


_GETTERS: dict[str, Callable[[Any], Any]] = {
    "bool": mp.packet_getter.get_bool,
    "int": mp.packet_getter.get_int,
    "long": mp.packet_getter.get_int,
    "float": mp.packet_getter.get_float,
    "double": mp.packet_getter.get_float,
    "::std::vector<float>": mp.packet_getter.get_float_list,
    "::std::vector<int>": mp.packet_getter.get_int_list,
    "::mediapipe::NormalizedLandmarkList": lambda p: [
        _row(m) for m in mp.packet_getter.get_proto(p).landmark
    ],
    "::mediapipe::NormalizedLandmark": lambda p: _row(mp.packet_getter.get_proto(p)),
}
_GETTERS["::mediapipe::LandmarkList"] = _GETTERS["::mediapipe::NormalizedLandmarkList"]
_GETTERS["::mediapipe::Landmark"] = _GETTERS["::mediapipe::NormalizedLandmark"]


def from_mediapipe_packet(packet: Any) -> Any:
    """The payload of a MediaPipe packet as a Python value, by its C++ type name."""
    type_name = str(packet).rsplit("C++ type: ", 1)[-1].removesuffix(">")
    getter = _GETTERS.get(type_name)
    if getter is None:
        raise TypeError(f"cannot read a MediaPipe packet of C++ type {type_name!r}")
    return getter(packet)


def plain(value: Any) -> Any:
    """Our payloads in the same plain form (numpy scalars and arrays to Python)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if type(value) in _LANDMARK_PROTOS:
        return value.data.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _output_names(config_text: str) -> list[str]:
    config = text_format.Parse(config_text, calculator_pb2.CalculatorGraphConfig())
    return [spec.rsplit(":", 1)[-1] for spec in config.output_stream]


Progress = list[dict[str, int]]
"""Per step: how many packets each output stream had once the graph was idle."""


def run_mediapipe(
    config_text: str,
    steps: Iterable[Step],
    side_packets: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Outputs:
    """Run the steps through the wheel's CalculatorGraph (C++ MediaPipe 0.10.21)."""
    config = text_format.Parse(config_text, calculator_pb2.CalculatorGraphConfig())
    graph = calculator_graph.CalculatorGraph(graph_config=config)
    results: Outputs = {}
    for name in _output_names(config_text):
        results[name] = []
        graph.observe_output_stream(
            name,
            lambda _, packet, out=results[name]: out.append(
                (packet.timestamp.value, from_mediapipe_packet(packet))
            ),
        )
    graph.start_run({k: to_mediapipe_packet(v) for k, v in (side_packets or {}).items()})
    for step in steps:
        if isinstance(step, Close):
            graph.close_input_stream(step.stream)
        else:
            stream, value, ts = step
            graph.add_packet_to_input_stream(stream, to_mediapipe_packet(value).at(ts))
        graph.wait_until_idle()
        _note_progress(progress, results)
    graph.close_all_packet_sources()
    graph.wait_until_done()
    return results


def run_pipeserve(
    config_text: str,
    steps: Iterable[Step],
    side_packets: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Outputs:
    """Run the same steps through pipeserve's CalculatorGraph."""
    graph = CalculatorGraph(GraphSpec(parse_graph_config(config_text), name="parity"))
    results: Outputs = {}
    for name in _output_names(config_text):
        results[name] = []
        graph.observe_output_stream(
            name, lambda packet, out=results[name]: out.append((packet.timestamp, packet.value))
        )
    graph.start(side_packets)
    for step in steps:
        if isinstance(step, Close):
            graph.close_input_stream(step.stream)
        else:
            stream, value, ts = step
            graph.add_packet(stream, Packet(value, ts))
        if not graph.wait_until_idle(TIMEOUT):
            graph.cancel()
            raise TimeoutError(f"not idle after step {step}")
        _note_progress(progress, results)
    graph.close_all_input_streams()
    if not graph.wait_until_done(TIMEOUT):
        graph.cancel()
        raise TimeoutError("graph did not finish")
    return {name: [(ts, plain(v)) for ts, v in packets] for name, packets in results.items()}


def _note_progress(progress: Progress | None, results: Outputs) -> None:
    if progress is not None:
        progress.append({name: len(packets) for name, packets in results.items()})
