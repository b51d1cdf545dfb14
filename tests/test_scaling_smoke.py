"""Smoke test of ``benchmarks/scaling.py`` (issue 6): it runs at tiny sizes and writes its JSON.

The figures mean nothing at these sizes; this only checks the script end to end
(process pools of 1 and 2 workers, the replications sweep, the check that every
executor gives the in-process result, the JSON file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "scaling.py"


@pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not part of an installed copy")
def test_scaling_benchmark_runs_and_writes_its_json(tmp_path):
    out = tmp_path / "scaling.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--reps",
            "100",
            "300",
            "--workers-reps",
            "400",
            "--block-size",
            "100",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True and data["identical_results"] is True
    assert [(w["executor"], w["workers"]) for w in data["workers"]] == [("process pool", 1), ("process pool", 2)]
    assert data["workers"][0]["speedup"] == 1.0 and data["workers"][1]["speedup"] > 0
    assert [r["reps"] for r in data["replications"]] == [100, 300]
    assert data["replications"][0]["rate_ratio_to_smallest"] == 1.0
    assert data["machine"]["cpu_count"] >= 1 and "speed-up" in proc.stdout
