"""The graph profiler: per-node calls, self wall and CPU times, totals files, Chrome trace."""

import json
import time

import numpy as np

from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, parse_graph_config

FRAMES = 8
GRAPH = """
input_stream: "image"
num_threads: 1
{profiler}
node {{ name: "size" calculator: "ImagePropertiesCalculator"
        input_stream: "IMAGE:image" output_stream: "SIZE:size" }}
node {{ name: "resize" calculator: "ImageTransformationCalculator"
        input_stream: "IMAGE:image" output_stream: "IMAGE:small"
        options {{ [mediapipe.ImageTransformationCalculatorOptions.ext] {{
          output_width: 256 output_height: 256 }} }} }}
node {{ name: "flip" calculator: "ImageTransformationCalculator"
        input_stream: "IMAGE:small" output_stream: "IMAGE:flipped"
        options {{ [mediapipe.ImageTransformationCalculatorOptions.ext] {{
          flip_horizontally: true }} }} }}
node {{ name: "pass" calculator: "PassThroughCalculator"
        input_stream: "flipped" output_stream: "out" }}
"""
PROFILED = "profiler_config { enable_profiler: true trace_enabled: true }"


def _run(spec: GraphSpec, photo: np.ndarray) -> tuple[CalculatorGraph, float, float]:
    """One run over FRAMES frames, one at a time; returns the graph, elapsed wall and process
    CPU seconds."""
    graph = CalculatorGraph(spec)
    graph.start()
    graph.wait_until_idle()  # the first scheduling pass is over: inline nodes run inline
    wall, cpu = time.perf_counter(), time.process_time()
    for k in range(FRAMES):
        graph.add_packet("image", Packet(photo, k))
        graph.wait_until_idle()
    graph.close_all_input_streams()
    graph.wait_until_done()
    return graph, time.perf_counter() - wall, time.process_time() - cpu


def test_profile_counts_every_process_call_and_times_add_up(grace_hopper):
    spec = GraphSpec(parse_graph_config(GRAPH.format(profiler=PROFILED)), name="g")
    graph, wall, cpu = _run(spec, grace_hopper)
    profile = graph.profile()
    assert profile is not None
    nodes = {n.node: n for n in profile.nodes}
    assert {name: n.process_count for name, n in nodes.items()} == dict.fromkeys(
        ["size", "resize", "flip", "pass"], FRAMES
    )
    assert all(n.process_wall_ns > 0 and n.process_cpu_ns > 0 for n in profile.nodes)
    assert all(n.open_wall_ns > 0 and n.close_wall_ns > 0 for n in profile.nodes)
    # Self times: no call is counted twice, so the nodes' CPU fits in the process's CPU,
    # and the nodes on the one worker thread (resize, flip, pass inline in flip) in the run.
    assert sum(n.process_cpu_ns for n in profile.nodes) <= cpu * 1e9
    assert sum(nodes[name].process_wall_ns for name in ("resize", "flip", "pass")) <= wall * 1e9
    assert nodes["resize"].process_cpu_ns > nodes["size"].process_cpu_ns  # a resize works
    by_type = {row.calculator: row for row in profile.by_calculator()}
    assert by_type["ImageTransformationCalculator"].process_count == 2 * FRAMES
    assert by_type["ImageTransformationCalculator"].node == "2 nodes"


def test_inline_node_time_is_taken_out_of_the_node_it_ran_inside(grace_hopper):
    spec = GraphSpec(parse_graph_config(GRAPH.format(profiler=PROFILED)), name="g")
    graph, _, _ = _run(spec, grace_hopper)
    trace, profile = graph.chrome_trace(), graph.profile()
    assert trace is not None and profile is not None
    events = {
        name: [e for e in trace["traceEvents"] if e["name"] == name] for name in ("flip", "pass")
    }
    assert len(events["flip"]) == len(events["pass"]) == FRAMES
    for outer, inner in zip(events["flip"], events["pass"], strict=True):
        assert outer["tid"] == inner["tid"]  # pass runs inline, on flip's thread
        assert (
            outer["ts"] <= inner["ts"] and inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"]
        )
        assert outer["args"]["timestamp"] == inner["args"]["timestamp"]
    flip = next(n for n in profile.nodes if n.node == "flip")
    nested_us = sum(e["dur"] for e in events["flip"]) - sum(e["dur"] for e in events["pass"])
    assert abs(flip.process_wall_ns / 1e3 - nested_us) < FRAMES  # µs rounding only


def test_profiler_is_off_unless_configured_and_then_calls_the_calculator_directly(grace_hopper):
    spec = GraphSpec(parse_graph_config(GRAPH.format(profiler="")), name="g")
    running = CalculatorGraph(spec)
    running.start()
    for node in running._run.nodes:  # no wrapper in the per-packet path
        assert node.process == node.calculator.process
    running.cancel()
    graph, _, _ = _run(spec, grace_hopper)
    assert graph.profile() is None and graph.chrome_trace() is None
    assert spec.profile_totals.snapshot().runs == 0


def test_trace_log_path_gets_totals_over_runs_and_the_last_runs_chrome_trace(
    grace_hopper, tmp_path
):
    prefix = f"{tmp_path}/profiles/"
    config = PROFILED.replace("}", f'trace_log_path: "{prefix}" }}')
    spec = GraphSpec(parse_graph_config(GRAPH.format(profiler=config)), name="g")
    for _ in range(2):
        _run(spec, grace_hopper)
    totals = json.loads((tmp_path / "profiles" / "g.profile.json").read_text())
    assert totals["graph"] == "g" and totals["runs"] == 2
    assert {n["node"]: n["process_count"] for n in totals["nodes"]} == dict.fromkeys(
        ["size", "resize", "flip", "pass"], 2 * FRAMES
    )
    assert spec.profile_totals.snapshot().to_dict() == totals
    trace = json.loads((tmp_path / "profiles" / "g.trace.json").read_text())
    events = trace["traceEvents"]
    assert len(events) == 4 * FRAMES
    assert {e["ph"] for e in events} == {"X"}
    assert {e["cat"] for e in events if e["name"] == "resize"} == {"ImageTransformationCalculator"}
    assert sorted(int(e["args"]["timestamp"]) for e in events if e["name"] == "size") == list(
        range(FRAMES)
    )


def test_trace_keeps_only_the_last_calls_up_to_its_capacity(grace_hopper):
    config = "profiler_config { trace_enabled: true trace_log_capacity: 5 }"
    spec = GraphSpec(parse_graph_config(GRAPH.format(profiler=config)), name="g")
    graph, _, _ = _run(spec, grace_hopper)
    trace, profile = graph.chrome_trace(), graph.profile()
    assert trace is not None and profile is not None
    assert len(trace["traceEvents"]) == 5
    assert sum(n.process_count for n in profile.nodes) == 4 * FRAMES  # totals keep counting
