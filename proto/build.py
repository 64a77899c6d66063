"""Generate Python stubs for every ``.proto`` in this folder (``python -m pipeserve.proto.build``).

Protos are compiled as ``pipeserve/proto/<name>.proto``, so generated modules import
each other as ``pipeserve.proto.<name>_pb2``; a proto importing another of ours writes
``import "pipeserve/proto/<name>.proto";``. The mediapipe wheel ships no ``.proto``
files, so ``import "mediapipe/..."`` lines are resolved from the installed
``mediapipe.*_pb2`` modules: their descriptors are written to a FileDescriptorSet and
passed to protoc with ``--descriptor_set_in``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor

log = logging.getLogger(__name__)

PROTO_DIR = Path(__file__).resolve().parent
PACKAGE_PATH = Path("pipeserve", "proto")
_IMPORT_RE = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.MULTILINE)
_SERVICE_RE = re.compile(r"^\s*service\s+\w+", re.MULTILINE)


def external_imports(protos: Iterable[Path]) -> set[str]:
    """The ``mediapipe/...`` proto paths imported by ``protos``."""
    found: set[str] = set()
    for proto in protos:
        found.update(p for p in _IMPORT_RE.findall(proto.read_text()) if p.startswith("mediapipe/"))
    return found


def installed_descriptor(proto_path: str) -> FileDescriptor:
    """The descriptor of ``mediapipe/x/y.proto`` from the installed ``mediapipe.x.y_pb2``."""
    module_name = proto_path.removesuffix(".proto").replace("/", ".") + "_pb2"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SystemExit(f"cannot resolve import {proto_path!r}: no module {module_name}") from exc
    return module.DESCRIPTOR


def descriptor_set(proto_paths: Iterable[str]) -> descriptor_pb2.FileDescriptorSet:
    """A FileDescriptorSet with ``proto_paths`` and all their dependencies, dependencies first."""
    result = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(fd: FileDescriptor) -> None:
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            add(dep)
        fd.CopyToProto(result.file.add())

    for path in sorted(proto_paths):
        add(installed_descriptor(path))
    return result


def generate(proto_dir: Path = PROTO_DIR, out_dir: Path | None = None) -> list[Path]:
    """Compile every ``.proto`` in ``proto_dir``; returns the generated files."""
    out_dir = out_dir or proto_dir
    protos = sorted(proto_dir.glob("*.proto"))
    if not protos:
        return []
    with tempfile.TemporaryDirectory(prefix="pipeserve-proto-") as tmp:
        root = Path(tmp)
        include = root / "include"
        (include / PACKAGE_PATH).mkdir(parents=True)
        for proto in protos:
            shutil.copy(proto, include / PACKAGE_PATH / proto.name)
        gen = root / "gen"
        gen.mkdir()
        args = ["grpc_tools.protoc", f"-I{include}", f"-I{_well_known_protos()}"]
        externals = external_imports(protos)
        if externals:
            set_file = root / "external.pb"
            set_file.write_bytes(descriptor_set(externals).SerializeToString())
            args.append(f"--descriptor_set_in={set_file}")
        names = [str(PACKAGE_PATH / p.name) for p in protos]
        services = [str(PACKAGE_PATH / p.name) for p in protos if _SERVICE_RE.search(p.read_text())]
        _protoc([*args, f"--python_out={gen}", f"--pyi_out={gen}", *names])
        if services:
            _protoc([*args, f"--grpc_python_out={gen}", *services])
        generated = []
        for src in sorted((gen / PACKAGE_PATH).iterdir()):
            dst = out_dir / src.name
            shutil.copy(src, dst)
            generated.append(dst)
    log.info("generated %d files in %s", len(generated), out_dir)
    return generated


def _well_known_protos() -> Path:
    import grpc_tools

    return Path(grpc_tools.__file__).parent / "_proto"


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc

    rc = protoc.main(args)
    if rc != 0:
        raise SystemExit(f"protoc failed (exit {rc}): {' '.join(args[1:])}")


def main(argv: list[str] | None = None) -> None:
    """Command line: regenerate the stubs in place (or into ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-dir", type=Path, default=PROTO_DIR)
    parser.add_argument("--out", type=Path, default=None)
    ns = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in generate(ns.proto_dir, ns.out):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
