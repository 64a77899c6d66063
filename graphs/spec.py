"""GraphSpec: a graph config expanded, checked and resolved once, ready to instantiate cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeserve.cpus import cpu_share
from pipeserve.errors import GraphConfigError

from .calculator import Calculator
from .config import check_option_types, extension_options, node_options
from .contract import CalculatorContract, check_ports
from .profiler import ProfilerOptions, ProfileTotals
from .registry import find_calculator
from .stream_handlers import (  # noqa: F401  (registration)
    default,
    fixed_size,
    immediate,
    mux,
    sync_set,
    timestamp_align,
)
from .stream_handlers.base import InputStreamHandler, find_input_stream_handler
from .subgraph import expand_subgraphs
from .tag_map import TagMap, parse_stream_spec
from .types import GraphConfig, NodeConfig
from .wiring import check_edge_types

DEFAULT_HANDLER = "DefaultInputStreamHandler"
DEFAULT_MAX_QUEUE_SIZE = 100


@dataclass(slots=True)
class NodeSpec:
    """One resolved node: calculator class, contract, handler, back-edge inputs."""

    index: int
    name: str
    calculator: type[Calculator]
    contract: CalculatorContract
    handler: type[InputStreamHandler]
    handler_options: Any
    back_edges: frozenset[int]

    def __repr__(self) -> str:
        return f"NodeSpec({self.name!r}, {self.contract.calculator})"


class GraphSpec:
    """Expanded and validated graph; build once, then create a ``CalculatorGraph`` per run."""

    def __init__(
        self, config: GraphConfig, name: str = "graph", profiler: ProfilerOptions | None = None
    ) -> None:
        self.name = name
        self.config = expand_subgraphs(config)
        self.profiler = profiler or ProfilerOptions.from_config(self.config.profiler_config)
        """Per-node profiling of each run: from ``profiler_config`` unless given here."""
        self.profile_totals = ProfileTotals(name)
        """Per-node profiles summed over the finished runs (when profiling is on)."""
        self.input_streams = TagMap.parse(self.config.input_stream, "graph input")
        self.output_streams = TagMap.parse(self.config.output_stream, "graph output")
        self.num_threads = self.config.num_threads or max(2, cpu_share())
        size = self.config.max_queue_size
        self.max_queue_size = DEFAULT_MAX_QUEUE_SIZE if size == 0 else size
        self.nodes = [self._resolve_node(i, n) for i, n in enumerate(self.config.node)]
        self._check_unique_node_names()
        self.producers = self._check_streams()
        check_edge_types(self.nodes)
        self.input_side_packets, self.side_producers = self._check_side_packets()
        self.open_order = self._open_order()
        self._check_acyclic()

    def node_by_name(self, name: str) -> NodeSpec:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"GraphSpec({self.name!r}, {len(self.nodes)} nodes)"

    def _resolve_node(self, index: int, node: NodeConfig) -> NodeSpec:
        name = node.name or node.calculator or f"node{index}"
        cls = find_calculator(node.calculator)
        if cls is None:
            raise GraphConfigError(f"unknown calculator {node.calculator!r}", node=name)
        check_option_types(node, cls.options_type, name)
        contract = CalculatorContract(
            node=name,
            calculator=node.calculator,
            inputs=TagMap.parse(node.input_stream, name),
            outputs=TagMap.parse(node.output_stream, name),
            input_side_packets=TagMap.parse(node.input_side_packet, name),
            output_side_packets=TagMap.parse(node.output_side_packet, name),
            options=node_options(node, cls.options_type, name),
            timestamp_offset=cls.timestamp_offset,
            process_timestamp_bounds=cls.process_timestamp_bounds,
            input_stream_handler=cls.input_stream_handler,
        )
        check_ports(contract, cls.ports)
        cls.update_contract(contract)
        handler_name = (
            _configured_handler(node)
            or contract.input_stream_handler
            or _configured_handler(self.config)
            or DEFAULT_HANDLER
        )
        handler = find_input_stream_handler(handler_name)
        if handler is None:
            raise GraphConfigError(f"unknown input stream handler {handler_name!r}", node=name)
        return NodeSpec(
            index=index,
            name=name,
            calculator=cls,
            contract=contract,
            handler=handler,
            handler_options=handler.resolve_options(
                _handler_options(node, handler), contract.inputs, name
            ),
            back_edges=_back_edges(node, contract.inputs, name),
        )

    def _check_unique_node_names(self) -> None:
        seen: dict[str, int] = {}
        for node in self.nodes:
            count = seen.get(node.name, 0)
            seen[node.name] = count + 1
            if count:
                node.name = f"{node.name}_{count + 1}"
                node.contract.node = node.name

    def _check_streams(self) -> dict[str, int]:
        """Map each stream to its producer (-1 = graph input); reject 0 or 2 producers."""
        producers: dict[str, int] = {}
        for spec in self.input_streams:
            if spec.name in producers:
                raise GraphConfigError("graph input stream declared twice", stream=spec.name)
            producers[spec.name] = -1
        for node in self.nodes:
            for spec in node.contract.outputs:
                if spec.name in producers:
                    other = producers[spec.name]
                    who = "a graph input" if other < 0 else f"node {self.nodes[other].name!r}"
                    raise GraphConfigError(
                        f"stream {spec.name!r} has two producers (also {who})",
                        node=node.name,
                        stream=spec.name,
                    )
                producers[spec.name] = node.index
        for node in self.nodes:
            for spec in node.contract.inputs:
                if spec.name not in producers:
                    raise GraphConfigError(
                        f"input stream {spec.name!r} has no producer",
                        node=node.name,
                        stream=spec.name,
                    )
        for spec in self.output_streams:
            if spec.name not in producers:
                raise GraphConfigError("graph output stream has no producer", stream=spec.name)
        return producers

    def _check_side_packets(self) -> tuple[TagMap, dict[str, int]]:
        producers: dict[str, int] = {}
        for node in self.nodes:
            for spec in node.contract.output_side_packets:
                if spec.name in producers:
                    raise GraphConfigError(
                        f"side packet {spec.name!r} has two producers",
                        node=node.name,
                        stream=spec.name,
                    )
                producers[spec.name] = node.index
        declared = TagMap.parse(self.config.input_side_packet, "graph input side packet")
        needed = declared.names()
        for node in self.nodes:
            for spec in node.contract.input_side_packets:
                if spec.name not in producers and spec.name not in needed:
                    needed.append(spec.name)
        return TagMap.parse(needed), producers

    def _open_order(self) -> list[NodeSpec]:
        """Nodes ordered so that side-packet producers open before their consumers."""
        order: list[NodeSpec] = []
        state: dict[int, int] = {}

        def visit(node: NodeSpec, path: list[str]) -> None:
            mark = state.get(node.index)
            if mark == 2:
                return
            if mark == 1:
                raise GraphConfigError(
                    f"side packet cycle through {' -> '.join(path)}", node=node.name
                )
            state[node.index] = 1
            for spec in node.contract.input_side_packets:
                producer = self.side_producers.get(spec.name)
                if producer is not None:
                    visit(self.nodes[producer], [*path, spec.name])
            state[node.index] = 2
            order.append(node)

        for node in self.nodes:
            visit(node, [node.name])
        return order

    def _check_acyclic(self) -> None:
        """Reject stream cycles that are not broken by a declared back edge."""
        state: dict[int, int] = {}

        def visit(node: NodeSpec) -> None:
            state[node.index] = 1
            for pos, spec in enumerate(node.contract.inputs):
                if pos in node.back_edges:
                    continue
                producer = self.producers[spec.name]
                if producer < 0:
                    continue
                mark = state.get(producer)
                if mark == 1:
                    raise GraphConfigError(
                        "cycle without a back edge (mark it with input_stream_info "
                        "{ tag_index: ... back_edge: true })",
                        node=node.name,
                        stream=spec.name,
                    )
                if mark is None:
                    visit(self.nodes[producer])
            state[node.index] = 2

        for node in self.nodes:
            if node.index not in state:
                visit(node)


def _configured_handler(config: Any) -> str:
    """The handler a node or graph config names explicitly ("" when it names none)."""
    if config.HasField("input_stream_handler"):
        return str(config.input_stream_handler.input_stream_handler)
    return ""


def _back_edges(node: NodeConfig, inputs: TagMap, name: str) -> frozenset[int]:
    edges = set()
    for info in node.input_stream_info:
        if not info.back_edge:
            continue
        tag, index, _ = parse_stream_spec(f"{info.tag_index}:x" if info.tag_index else "x", name)
        pos = inputs.id_of((tag, index or 0))
        if pos is None:
            raise GraphConfigError(f"back edge names unknown input {info.tag_index!r}", node=name)
        edges.add(pos)
    return frozenset(edges)


def _handler_options(node: NodeConfig, handler: type[InputStreamHandler]) -> Any:
    if handler.options_type is None:
        return None
    return extension_options(node.input_stream_handler, handler.options_type)
