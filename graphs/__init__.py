"""The graph runtime: MediaPipe CalculatorGraphConfig graphs run by Python calculators."""

from pipeserve.errors import GraphConfigError, NodeError, PacketError, PipeserveError

from .calculator import STOP, Calculator, CalculatorContext, OutputStream, ProcessResult
from .config import load_graph_config, parse_binary_graph_config, parse_graph_config
from .contract import (
    ANY_TAG,
    CalculatorContract,
    Input,
    InputSidePacket,
    Output,
    OutputSidePacket,
)
from .graph import CalculatorGraph
from .packet import EMPTY, Packet, Scalar, as_scalar
from .profiler import GraphProfile, NodeProfile, ProfilerOptions
from .registry import (
    find_calculator,
    register_calculator,
    register_subgraph,
    register_subgraph_file,
    registered_calculators,
)
from .spec import GraphSpec
from .stream_handlers.base import InputStreamHandler, register_input_stream_handler

__all__ = [
    "ANY_TAG",
    "EMPTY",
    "STOP",
    "Calculator",
    "CalculatorContext",
    "CalculatorContract",
    "CalculatorGraph",
    "GraphConfigError",
    "GraphProfile",
    "GraphSpec",
    "Input",
    "InputSidePacket",
    "InputStreamHandler",
    "NodeError",
    "NodeProfile",
    "Output",
    "OutputSidePacket",
    "OutputStream",
    "Packet",
    "PacketError",
    "PipeserveError",
    "ProcessResult",
    "ProfilerOptions",
    "Scalar",
    "as_scalar",
    "find_calculator",
    "load_graph_config",
    "parse_binary_graph_config",
    "parse_graph_config",
    "register_calculator",
    "register_input_stream_handler",
    "register_subgraph",
    "register_subgraph_file",
    "registered_calculators",
]
