"""The per-model benchmark's plumbing: a short run records the graph's inferences and
replays them in every setting, for the default config and a compared one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.server.conftest import START_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
MS = r" +\d+\.\d{3}"
RATIO = r" +\d+\.\d\d"


def test_every_model_of_the_graph_is_replayed_in_every_setting_and_compared():
    config = {"ENABLE_CPU_PINNING": "YES"}
    command = [sys.executable, str(ROOT / "demos" / "benchmark" / "holistic_models.py")]
    command += ["--frames", "4", "--rounds", "1", "--loops", "1"]
    command += ["--compare", json.dumps(config)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=START_TIMEOUT, check=True
    )
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"load average before: [\d.]+ [\d.]+ [\d.]+", lines[0])
    assert lines[1].startswith("holistic inferences, 1 x 4 frames")
    assert lines[2].split()[:7] == [
        "model", "calls/fr", "in", "graph", "tight", "paused", "interleaved"
    ]  # fmt: skip
    rows = {line.split()[0]: line for line in lines[4:-3]}
    # the first frames run pose detection, then pose and face landmarks on its ROI
    assert {"pose_detection", "pose_landmark_full", "face_detection", "face_landmark"} <= set(rows)
    for row in rows.values():
        assert re.fullmatch(rf"\w+ +\d\.\d\d(?:{MS}){{5}}(?:{RATIO}){{4}}", row)
    assert re.fullmatch(r"ms per frame +(?:\d+\.\d\d +){5}(?:\d+\.\d\d +){3}\d+\.\d\d", lines[-3])
    compared = rf"{re.escape(json.dumps(config))}: ms per frame" + (
        r"(?: +\w+ \d+\.\d\d \(\d+\.\d{3}x\)){4}"
    )
    assert re.fullmatch(compared, lines[-2])
    assert re.fullmatch(r"load average after: [\d.]+ [\d.]+ [\d.]+", lines[-1])
