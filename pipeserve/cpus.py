"""How many CPUs this process plans its threads for: all it may use, or its worker's share.

With ``--workers N`` each worker process gets ``available_cpus() // N`` (at least 1), so N
workers' graph thread pools and OpenVINO inference threads do not oversubscribe the cores.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")

_share: int | None = None


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup v2 CPU limit
    (a container's ``limits.cpu``), at least 1."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()
    except (OSError, ValueError):
        return max(1, cpus)
    if quota != "max":
        cpus = min(cpus, math.ceil(int(quota) / int(period)))
    return max(1, cpus)


def set_worker_share(workers: int) -> int:
    """Plan this process's threads for one of ``workers`` processes; returns its CPU share."""
    global _share
    _share = max(1, available_cpus() // workers)
    return _share


def worker_share() -> int | None:
    """This worker's CPU share, or None when the process is the only server."""
    return _share


def cpu_share() -> int:
    """CPUs to size thread pools for: the worker's share, else every available CPU."""
    return _share or available_cpus()
