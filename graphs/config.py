"""Reading graph configs (text or binary) and node options with MediaPipe's own protos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.protobuf import any_pb2, message, text_format
from mediapipe.framework import calculator_pb2

from pipeserve.errors import GraphConfigError

from .types import GraphConfig, NodeConfig


def parse_graph_config(text: str, source: str = "<text>") -> GraphConfig:
    """Parse a ``CalculatorGraphConfig`` from pbtxt text.

    Option extensions and ``node_options`` Any payloads resolve against messages
    already imported, so import the calculators before parsing.
    """
    config = calculator_pb2.CalculatorGraphConfig()
    try:
        text_format.Parse(text, config, allow_unknown_extension=False)
    except text_format.ParseError as exc:
        raise GraphConfigError(f"cannot parse graph config {source}: {exc}") from exc
    return config


def parse_binary_graph_config(data: bytes, source: str = "<bytes>") -> GraphConfig:
    """Parse a serialized (``.binarypb``) ``CalculatorGraphConfig``."""
    config = calculator_pb2.CalculatorGraphConfig()
    try:
        config.ParseFromString(data)
    except message.DecodeError as exc:
        raise GraphConfigError(f"cannot decode binary graph config {source}: {exc}") from exc
    return config


def load_graph_config(path: str | Path) -> GraphConfig:
    """Load a graph config file: ``.binarypb`` as binary, anything else as text."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GraphConfigError(f"cannot read graph config {path}: {exc.strerror}") from exc
    if path.suffix == ".binarypb":
        return parse_binary_graph_config(data, str(path))
    return parse_graph_config(data.decode("utf-8"), str(path))


def node_options(node: NodeConfig, options_type: Any, node_name: str) -> Any:
    """The node's options as ``options_type`` (a message class), merged from both forms.

    Reads ``options { [X.ext] {...} }`` and ``node_options { [type.googleapis.com/X] {...} }``.
    Returns a default instance when the node sets none, or None without an options type.
    """
    if options_type is None:
        return None
    result = extension_options(node, options_type)
    full_name = options_type.DESCRIPTOR.full_name
    for packed in node.node_options:
        if _any_type_name(packed) == full_name and not packed.Unpack(result):
            raise GraphConfigError(f"cannot unpack node_options as {full_name}", node=node_name)
    return result


def extension_options(holder: Any, options_type: Any) -> Any:
    """A default ``options_type`` merged with its extension in ``holder.options``, if set
    (``holder``: a node, or a node's ``input_stream_handler``)."""
    result = options_type()
    ext = getattr(options_type, "ext", None)
    if ext is not None and holder.HasField("options") and holder.options.HasExtension(ext):
        result.MergeFrom(holder.options.Extensions[ext])
    return result


def check_option_types(node: NodeConfig, options_type: Any, node_name: str) -> None:
    """Reject options of another message type than the calculator's (or any, if it has none).

    Names the node, the calculator's options type and the type the node sets.
    """
    expected = options_type.DESCRIPTOR.full_name if options_type is not None else None
    given = [_any_type_name(a) for a in node.node_options]
    if node.HasField("options"):
        given += [
            fd.message_type.full_name for fd, _ in node.options.ListFields() if fd.is_extension
        ]
    for name in given:
        if name != expected:
            raise GraphConfigError(
                f"{node.calculator} takes {expected or 'no options'}, but the node sets "
                f"options of type {name}",
                node=node_name,
            )


def _any_type_name(packed: any_pb2.Any) -> str:
    return packed.type_url.rsplit("/", 1)[-1]
