"""Smoke test of ``benchmarks/engines.py``: it runs at tiny sizes and writes its JSON.

The benchmark itself is not a CI test (its figures depend on the machine); this only
checks that the script works end to end, the child-process memory measure included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "engines.py"

KEYS = {
    "simpy_reps_per_s",
    "numpy_reps_per_s",
    "numpy_over_simpy",
    "engine_over_draws",
    "peak_rss_mb_1e5",
    "peak_rss_mb_1e6",
    "machine",
    "date",
    "command",
    "memory_runs",
    "engines_agree_on_first_reps",
    "simpy_legacy_reps_per_s",
    "simpy_over_legacy",
    "simpy_over_legacy_rounds",
    "simpy_agrees_with_legacy",
    "numpy_over_simpy_rounds",
    "engine_over_draws_rounds",
    "rounds",
}


@pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not part of an installed copy")
def test_engines_benchmark_runs_quickly_and_writes_its_json(tmp_path):
    out = tmp_path / "engines.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--reps-numpy",
            "300",
            "--repeats",
            "1",
            "--memory-reps",
            "200",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert KEYS <= set(data), KEYS - set(data)
    assert data["quick"] is True and data["numpy_reps"] == 300
    for key in (
        "simpy_reps_per_s",
        "simpy_legacy_reps_per_s",
        "simpy_over_legacy",
        "numpy_reps_per_s",
        "numpy_over_simpy",
        "engine_over_draws",
    ):
        assert isinstance(data[key], float) and data[key] > 0, key
    # Ratios are the medians of the per-round ratios, with their spread (one round here).
    for key in ("simpy_over_legacy", "numpy_over_simpy", "engine_over_draws"):
        spread = data[f"{key}_rounds"]
        assert spread["min"] <= spread["median"] == data[key] <= spread["max"], key
        assert [r[key] for r in data["rounds"]] == [data[key]], key
    # The lean SimPy engine gives the legacy one's outcomes on every replication both ran.
    assert data["simpy_agrees_with_legacy"] == 5
    # The quick run measures memory at 200 replications only: the 1e5 and 1e6 figures
    # are absent (null), never made up.
    assert data["peak_rss_mb_1e5"] is None and data["peak_rss_mb_1e6"] is None
    [run] = data["memory_runs"]
    assert run["reps"] == 200 and 10 < run["peak_rss_mb"] < 2048
    assert data["engines_agree_on_first_reps"] == 5
    assert data["machine"]["cpu_count"] >= 1 and data["machine"]["numpy_version"]
    assert "--quick" in data["command"]
    assert "numpy engine" in proc.stdout and "engine / draws" in proc.stdout and "SimPy / legacy" in proc.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["engines.json"]  # written atomically, no temporary left


MEMORY = ROOT / "benchmarks" / "memory.py"


@pytest.mark.skipif(not MEMORY.exists(), reason="benchmarks/ is not part of an installed copy")
def test_memory_benchmark_runs_quickly_and_writes_its_json(tmp_path):
    out = tmp_path / "memory.json"
    proc = subprocess.run(
        [sys.executable, str(MEMORY), "--quick", "--cases", "default_4000", "attack_cap", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True and set(data["cases"]) == {"default_4000", "attack_cap"}
    cap = data["cases"]["attack_cap"]
    assert cap["reps"] == 2 and 10 < cap["peak_mib"] < 2048
    assert cap["attacks_hist_shape"] == [2, 2]  # sparse: two replications, two distinct counts
    assert "peak MiB" in proc.stdout


NETWORK = ROOT / "benchmarks" / "network.py"


@pytest.mark.skipif(not NETWORK.exists(), reason="benchmarks/ is not part of an installed copy")
def test_network_benchmark_runs_quickly_and_its_engines_agree(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, str(NETWORK), "--quick", "--out", str(tmp_path / "network.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert "identical outcomes on the SimPy replications: True" in out
    for figure in (
        "network engine, s:",
        "cost ratio per replication-day-place",
        "numpy over SimPy",
        "engine over its draws",
    ):
        assert figure in out, out


DRAWS = ROOT / "benchmarks" / "draws.py"


@pytest.mark.skipif(not DRAWS.exists(), reason="benchmarks/ is not part of an installed copy")
def test_draws_benchmark_counts_what_the_layout_draws_and_the_model_reads(tmp_path):
    # Layout 3 draws the council's uniforms on its meeting days only (none under the
    # announced date's fixed rule), the violence normals only where the index is read
    # (not with a deadline and no conditions rule) and a column a contingent of each
    # duration; every per-day number a replication reads is one the layout drew. The
    # replayed layout 2 drew both streams for every day of the horizon.
    import importlib.util

    import drawdown

    spec = importlib.util.spec_from_file_location("draws_benchmark", DRAWS)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    s = drawdown.load("announced-2021-09-11")
    row = bench.measure("announced-2021-09-11", 200, 1, 100, 1)
    per = row["by_stream"]
    assert per["council"] == {"drawn": 0.0, "used": 0.0}
    assert per["violence"] == {"drawn": 0.0, "used": 0.0}
    assert row["layout2_drawn_per_rep"] >= row["drawn_per_rep"] + 2 * s.horizon_days
    assert per["durations"]["drawn"] == 2 * len(s.contingents)
    assert 0 < per["per_day"]["used"] <= per["per_day"]["drawn"]
    assert row["used_per_rep"] <= row["drawn_per_rep"] and row["draw_us_per_rep"]["median"] > 0
    assert bench.main(["--quick", "--scenario", "doha-2021-05-01", "--out", str(tmp_path / "d.json")]) == 0
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["layout_version"] == 3 and doc["scenarios"][0]["scenario"] == "doha-2021-05-01"
    assert doc["scenarios"][0]["draw_time_over_layout2"]["median"] > 0


ANALYSIS = ROOT / "benchmarks" / "analysis.py"


@pytest.mark.skipif(not ANALYSIS.exists(), reason="benchmarks/ is not part of an installed copy")
def test_analysis_benchmark_runs_quickly_and_writes_its_json(tmp_path):
    out = tmp_path / "analysis.json"
    proc = subprocess.run(
        [sys.executable, str(ANALYSIS), "--points", "8", "--factors", "3", "--repeats", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["points"] == 8 * (3 + 2) and data["outcomes"] == 6 and len(data["rounds"]) == 1
    assert "analyze: 40 points, 3 factors, 6 outcomes: median" in proc.stdout
