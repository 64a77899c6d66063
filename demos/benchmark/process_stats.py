"""What a server process costs, read from outside it: CPU from ``/proc``, GIL by ``py-spy``.

- ``cpu_seconds(pid)``: user + system CPU of a process and every process below it;
  ``process_cpu_seconds(pid)``: of that process alone (a benchmark's own client side, not
  the server it started); ``thread_cpu_seconds(pid)``: of its main thread only (a
  server's event loop);
- ``GilSampler(pid)``: while entered, ``py-spy record --gil`` samples the process only
  when one of its threads holds the GIL; ``held_seconds`` afterwards (None without a
  working py-spy, next to this Python or on PATH, or when it may not attach);
- ``load_average()``: the machine's 1, 5 and 15 minute load, to print with figures taken
  on a shared machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += descendants(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` (all its threads) and its descendants, from ``/proc``."""
    return sum(process_cpu_seconds(p) for p in descendants(pid))


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` (all its threads), without its child processes."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User + system CPU of one thread of ``pid`` (default: its main thread)."""
    return _stat_cpu(Path(f"/proc/{pid}/task/{tid or pid}/stat"))


def _stat_cpu(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """``"1m 5m 15m"`` load averages of this machine."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def find_py_spy() -> str | None:
    """The ``py-spy`` next to this Python (a venv's), else the one on PATH, else None."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class GilSampler:
    """``py-spy record --gil`` on process ``pid`` while entered (it samples only while a
    thread holds the GIL): ``held_seconds`` afterwards, or None without a working py-spy
    (``spy``, default ``find_py_spy()``: none found, or not allowed to attach)."""

    RATE = 250  # samples per second

    def __init__(self, pid: int, spy: str | None = None) -> None:
        self.pid = pid
        self.spy = spy or find_py_spy()
        self.held_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        handle, name = tempfile.mkstemp(prefix="gil-", suffix=".txt")
        os.close(handle)
        self._out = Path(name)

    def __enter__(self) -> GilSampler:
        if self.spy is None:
            return self
        command = [self.spy, "record", "--pid", str(self.pid), "--gil", "--nonblocking"]
        command += ["--rate", str(self.RATE), "--format", "raw", "-o", str(self._out)]
        try:
            self._process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
        except OSError:  # not an executable
            return self
        assert self._process.stdout is not None
        if b"Sampling process" not in self._process.stdout.readline():  # attached, or failed
            self._process.wait()
            self._process = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            self._out.unlink()
            return
        self._process.send_signal(signal.SIGINT)
        self._process.communicate(timeout=60)
        lines = self._out.read_text().splitlines()
        self._out.unlink()
        samples = sum(int(line.rsplit(" ", 1)[1]) for line in lines if line.strip())
        self.held_seconds = samples / self.RATE
