"""What a server process costs, read from outside it: CPU from ``/proc``, GIL by ``py-spy``.

- ``cpu_seconds(pid)``: user + system CPU of a process and every process below it;
  ``process_cpu_seconds(pid)``: of that process alone (a benchmark's own client side, not
  the server it started); ``thread_cpu_seconds(pid)``: of its main thread only (a
  server's event loop);
- ``GilSampler(pid)``: while entered, ``py-spy record --gil`` samples the process only
  when one of its threads holds the GIL; ``held_seconds`` afterwards (None without a
  working py-spy, next to this Python or on PATH, or when it may not attach);
- ``load_average()``: the machine's 1, 5 and 15 minute load, to print with figures taken
  on a shared machine; ``machine_ticks()`` and ``machine_shares(...)``: what all CPUs did
  over a span (idle, stolen by the hypervisor, busy in other processes).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class MachineShares:
    """Shares of all CPUs' time over a span: ``idle`` (idle or waiting for I/O), ``steal``
    (taken by the hypervisor) and ``others`` (busy, but not in the processes measured)."""

    idle: float
    steal: float
    others: float


def machine_ticks() -> list[int]:
    """All CPUs' user, nice, system, idle, iowait, irq, softirq and steal ticks so far."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def machine_shares(before: list[int], after: list[int], measured_seconds: float) -> MachineShares:
    """What the CPUs did between two ``machine_ticks()``, ``measured_seconds`` of CPU
    being the measured processes' own."""
    ticks = [b - a for a, b in zip(before, after, strict=True)]
    total = max(sum(ticks), 1)
    idle, steal = ticks[3] + ticks[4], ticks[7]
    others = total - idle - steal - measured_seconds * os.sysconf("SC_CLK_TCK")
    return MachineShares(idle / total, steal / total, max(others, 0) / total)


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
