"""tracking_bench --pieces: the stages timed alone are the detector graph's own work."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "demos" / "benchmark"
sys.path.insert(0, str(BENCH))

import detector_pieces  # noqa: E402
import synthetic_faces  # noqa: E402
import tracking_bench  # noqa: E402


@pytest.fixture(scope="module")
def frames():
    scene = synthetic_faces.faces5()
    return [scene.render(t)[0] for t in range(0, 40, 10)]


def test_each_stage_alone_gives_what_its_node_emitted_and_is_timed(frames):
    calls = detector_pieces.stage_calls(tracking_bench.DETECTOR_GRAPH, frames)
    assert list(calls) == list(detector_pieces.STAGES)
    assert sum(len(calls["NonMaxSuppression"](t)) for t in range(len(frames))) > 0
    table = detector_pieces.report(tracking_bench.DETECTOR_GRAPH, frames, idle_ms=1.0)
    rows = table.splitlines()
    assert [r.split()[0] for r in rows[1:5]] == list(detector_pieces.STAGES)
    assert [r[:30].strip() for r in rows[5:]] == [
        "all four",
        "all four in a row",
        "crop floor (remap + LUT)",  # checked against the crop stage, frame by frame
    ]
    assert all(float(r.split()[-1]) > 0 for r in rows[1:])


def test_a_stage_that_differs_from_the_graph_is_refused(frames, monkeypatch):
    import pipeserve.calculators.util.box_suppression as suppression

    real = suppression.weighted_nms
    monkeypatch.setattr(suppression, "weighted_nms", lambda *a: real(*a)[:-1])
    with pytest.raises(AssertionError, match="NonMaxSuppression alone differs"):
        detector_pieces.stage_calls(tracking_bench.DETECTOR_GRAPH, frames)
