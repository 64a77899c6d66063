"""proto/build.py: stubs for our protos, option protos extending mediapipe.CalculatorOptions."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from google.protobuf import text_format
from mediapipe.framework import calculator_pb2

from pipeserve.proto import build

OPTIONS_PROTO = """
syntax = "proto2";
package pipeserve.buildtest;
import "mediapipe/framework/calculator_options.proto";
import "mediapipe/framework/formats/landmark.proto";
message BuildTestOptions {
  extend mediapipe.CalculatorOptions { optional BuildTestOptions ext = 471100001; }
  optional float threshold = 1 [default = 0.5];
  optional mediapipe.Landmark anchor = 2;
}
"""

USER_PROTO = """
syntax = "proto3";
package pipeserve.buildtest;
import "pipeserve/proto/buildtest_options.proto";
message Holder { BuildTestOptions options = 1; }
service Echo { rpc Call(Holder) returns (Holder) {} }
"""


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_option_proto_extends_mediapipe_calculator_options(tmp_path: Path) -> None:
    (tmp_path / "buildtest_options.proto").write_text(OPTIONS_PROTO)
    (tmp_path / "buildtest_user.proto").write_text(USER_PROTO)
    out = tmp_path / "out"
    out.mkdir()

    generated = {p.name for p in build.generate(tmp_path, out)}

    assert generated == {
        "buildtest_options_pb2.py",
        "buildtest_options_pb2.pyi",
        "buildtest_user_pb2.py",
        "buildtest_user_pb2.pyi",
        "buildtest_user_pb2_grpc.py",
    }
    user_src = (out / "buildtest_user_pb2.py").read_text()
    assert "from pipeserve.proto import buildtest_options_pb2" in user_src
    options = _load(out / "buildtest_options_pb2.py").BuildTestOptions
    assert options.DESCRIPTOR.file.name == "pipeserve/proto/buildtest_options.proto"
    node = text_format.Parse(
        'calculator: "X" options { [pipeserve.buildtest.BuildTestOptions.ext] '
        "{ threshold: 0.25 anchor { x: 1 } } }",
        calculator_pb2.CalculatorGraphConfig.Node(),
    )
    parsed = node.options.Extensions[options.ext]
    assert parsed.threshold == 0.25
    assert parsed.anchor.x == 1


def test_repository_protos_generate_kserve_stubs() -> None:
    # In a subprocess: the suite imports tritonclient, which owns the `inference` symbols.
    check = (
        "from pipeserve.proto import grpc_service_pb2 as pb, grpc_service_pb2_grpc as g\n"
        "s = pb.DESCRIPTOR.services_by_name['GRPCInferenceService']\n"
        "assert 'ModelStreamInfer' in [m.name for m in s.methods]\n"
        "assert pb.DESCRIPTOR.name == 'pipeserve/proto/grpc_service.proto'\n"
        "assert g.GRPCInferenceServiceStub\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True, timeout=60)
