"""Fairness: a stream flooding passthrough (another process) does not starve a light stream.

The ratio is the median of up to 5 paired rounds (alone, then beside the flood), so that load
from outside the test on a shared machine does not decide it: the test stops once 3 rounds
agree. A round's p99 rests on its 2-3 slowest samples; under CPU load one round in about
twelve came near 10x (4.3 ms alone, 41 ms beside the flood) where the median stayed at 1-5x.
Without the 1 ms switch interval the flooded p99 was ~3x higher (15.3 vs 4.6 ms).
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from .conftest import REPO, ServerProcess
from .streams import Stream

SAMPLES = 200
FLOOD_BYTES = 64 << 10
ROUNDS = 5
LIMIT = 10.0


def p99_round_trip(url: str) -> float:
    """The 99th percentile round trip of one small request at a time, in seconds."""
    times = []
    with Stream(url) as stream:
        for i in range(SAMPLES + 10):  # the first 10 warm up
            start = time.perf_counter()
            stream.send("passthrough", {"in": np.array([i], np.int32)})
            stream.data("out")
            times.append(time.perf_counter() - start)
    return float(np.percentile(times[10:], 99))


def flooded_p99_round_trip(url: str) -> float:
    """``p99_round_trip`` while another process floods a stream of its own."""
    flood = subprocess.Popen(
        [sys.executable, "-m", "tests.server.flood", url, str(FLOOD_BYTES)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert flood.stdin is not None and flood.stdout is not None
    try:
        assert flood.stdout.readline().strip() == "flooding"
        flooded = p99_round_trip(url)
    finally:
        flood.stdin.close()
        sent = int(flood.stdout.readline() or 0)
        flood.wait(30)
    assert sent > 2 * SAMPLES  # the flood did run alongside
    return flooded


def test_a_flooding_stream_keeps_another_streams_p99_within_10x(server: ServerProcess) -> None:
    majority = ROUNDS // 2 + 1
    within: list[bool] = []
    ratios = []
    while within.count(True) < majority and within.count(False) < majority:
        alone = p99_round_trip(server.grpc_url)
        flooded = flooded_p99_round_trip(server.grpc_url)
        ratios.append(flooded / alone)
        within.append(flooded / alone < LIMIT)
        print(f"p99 alone {alone * 1e3:.2f} ms, beside a flood {flooded * 1e3:.2f} ms")
    assert within.count(True) >= majority, ratios  # the median of ROUNDS rounds is within
