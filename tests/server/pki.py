"""Test certificates made with the ``openssl`` command: a CA, a server and client certificates."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


@dataclass(frozen=True)
class Pki:
    """A self-signed CA in ``folder`` that signs leaf certificates on demand."""

    folder: Path
    name: str = "ca"

    @classmethod
    def create(cls, folder: Path, name: str = "ca") -> Pki:
        folder.mkdir(parents=True, exist_ok=True)
        subj = f"/CN=pipeserve test {name}"
        _openssl(folder, "req", "-x509", *KEY, "-keyout", f"{name}.key", "-out", f"{name}.pem",
                 "-days", "2", "-subj", subj)  # fmt: skip
        return cls(folder, name)

    @property
    def ca(self) -> Path:
        return self.folder / f"{self.name}.pem"

    def issue(self, leaf: str, extension: str) -> tuple[Path, Path]:
        """A certificate for ``leaf`` with one v3 ``extension`` line; returns (cert, key)."""
        ext = self.folder / f"{leaf}.ext"
        ext.write_text(extension + "\n")
        subj = f"/CN={leaf}"
        _openssl(self.folder, "req", *KEY, "-keyout", f"{leaf}.key", "-out", f"{leaf}.csr",
                 "-subj", subj)  # fmt: skip
        _openssl(self.folder, "x509", "-req", "-in", f"{leaf}.csr", "-CA", self.ca.name,
                 "-CAkey", f"{self.name}.key", "-CAcreateserial", "-days", "2",
                 "-extfile", ext.name, "-out", f"{leaf}.pem")  # fmt: skip
        return self.folder / f"{leaf}.pem", self.folder / f"{leaf}.key"

    def server(self) -> tuple[Path, Path]:
        """A server certificate for 127.0.0.1 and localhost."""
        return self.issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost")

    def client(self, name: str = "client") -> tuple[Path, Path]:
        """A client certificate (for mutual TLS)."""
        return self.issue(name, "extendedKeyUsage=clientAuth")
