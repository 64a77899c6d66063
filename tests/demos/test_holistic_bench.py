"""The holistic benchmark's plumbing, run on the passthrough graph (fast, no models)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.server.conftest import START_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r" *\d+\.\d"


def test_the_benchmark_reports_rates_cpu_open_time_and_memory_per_stream():
    command = [sys.executable, str(ROOT / "demos" / "benchmark" / "holistic_bench.py")]
    command += ["--config", str(ROOT / "demos" / "default" / "config.json")]
    command += ["--graph", "passthrough", "--input-stream", "in", "--output-stream", "out"]
    command += ["--frames", "6", "--width", "64", "--height", "48", "--rounds", "1"]
    command += ["--streams", "3", "--skip-mediapipe"]
    guard = 3 * START_TIMEOUT  # three servers start side by side on the same cores
    done = subprocess.run(command, capture_output=True, text=True, timeout=guard, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "6 frames of 64 x 48; graph 'passthrough'"
    assert re.fullmatch(r"load average before: [\d.]+ [\d.]+ [\d.]+", lines[1])
    assert lines[2] == "median of 1 paired rounds; window 4 per stream"
    cpu = rf"server CPU {NUMBER} ms/frame \(event loop {NUMBER}"
    one = rf"pipeserve  1 stream: {NUMBER} fps   {cpu}\)   GIL held (.+)"
    match = re.fullmatch(one + " ms/frame", lines[3])
    assert match and re.fullmatch(rf"{NUMBER}|  n/a \(pip install py-spy.*\)", match[1])
    two = rf"pipeserve  2 streams: {NUMBER} fps   {cpu}; aggregate\)"
    assert re.fullmatch(two, lines[4])
    client = rf"client \(this process\) CPU: 1 stream {NUMBER} ms/frame, 2 streams {NUMBER}"
    total = rf"server \+ client {NUMBER} / {NUMBER} ms/frame; 1\.0 responses/frame"
    assert re.fullmatch(rf"{client}; {total}", lines[5])
    share = r"\d+\.\d / \d+\.\d %"
    machine = rf"machine CPUs in those windows, 1 / 2 streams: idle {share}; others {share}"
    assert re.fullmatch(rf"{machine}; steal {share}", lines[6])
    two_streams = [float(v) for v in re.findall(r"/ (\d+\.\d) %", lines[6])]
    assert len(two_streams) == 3 and sum(two_streams) <= 100.5  # shares of the same time
    apart = rf"pipeserve  2 streams on 2 server processes \(one each, no GIL shared\): {NUMBER}"
    apart += rf" fps   server \+ client {NUMBER} ms/frame; machine idle \d+\.\d %"
    assert re.fullmatch(apart, lines[7])
    hosted = rf"pipeserve  2 streams on one server with --graph_processes 2: {NUMBER}"
    hosted += rf" fps   server \+ client {NUMBER} ms/frame; machine idle \d+\.\d %"
    assert re.fullmatch(hosted, lines[8])
    assert re.fullmatch(r"stream open \+ first result: median \d+ ms .*; 5 streams\)", lines[9])
    rss = [int(mib) for _, mib in re.findall(r"(\d+) open (\d+) MiB", lines[10])]
    assert len(rss) == 4 and all(v > 50 for v in rss)  # 0..3 streams open, a real process
    assert re.search(r"per extra stream -?\d+\.\d MiB$", lines[10])
    assert re.fullmatch(r"load average after: [\d.]+ [\d.]+ [\d.]+", lines[11])


def test_a_window_too_small_for_optional_outputs_is_refused_before_anything_runs():
    command = [sys.executable, str(ROOT / "demos" / "benchmark" / "holistic_bench.py")]
    command += ["--window", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT)
    assert done.returncode == 2
    assert "--window must be at least 2: with no expected output" in done.stderr
