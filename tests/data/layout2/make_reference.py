#!/usr/bin/env python3
"""Write ``reference.json``: outcome counts of the v1 scenarios under draw layout 2.

The scenario files here are the shipped v1 scenarios as they were before issue 16
(copied from ``scenarios/`` at commit 3f3b177). This script runs each through the numpy
engine at ``REPS`` replications with ``SEED`` and records, per outcome, how many
replications took each value. tests/test_layout_change.py compares layout 3's outcomes
against these counts (binned chi-square tests).

It reproduces ``reference.json`` only where ``drawdown.draws.LAYOUT_VERSION`` is 2 (it
refuses otherwise): the file was made at commit 3f3b177 with::

    python tests/data/layout2/make_reference.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import drawdown
import numpy as np
from drawdown.draws import LAYOUT_VERSION, blocks_for
from drawdown.engines import Outcomes, run_blocks

HERE = Path(__file__).resolve().parent
SCENARIOS = (
    "doha-2021-05-01",
    "announced-2021-09-11",
    "base-force-2021-02",
    "conditions-based",
    "enablers-leave-first",
    "escalation",
    "no-consensus",
    "study-group-delay",
)
OUTCOMES = ("final_exit_day", "decision_day", "attacks", "troops_at_deadline")
REPS = 100_000
SEED = 20210215


def counts(values: np.ndarray) -> list[list[int]]:
    """``[[value, replications], ...]`` in value order."""
    v, n = np.unique(values, return_counts=True)
    return [[int(a), int(b)] for a, b in zip(v, n)]


def main() -> int:
    if LAYOUT_VERSION != 2:
        print(f"error: this reference is of layout 2; this checkout has layout {LAYOUT_VERSION}", file=sys.stderr)
        return 1
    doc = {"layout_version": 2, "replications": REPS, "seed": str(SEED), "commit": "3f3b177", "scenarios": {}}
    for name in SCENARIOS:
        s = drawdown.load(HERE / f"{name}.toml")
        out = Outcomes.concatenate([o for _, o in run_blocks(s, blocks_for(REPS), SEED)])
        doc["scenarios"][name] = {k: counts(getattr(out, k)) for k in OUTCOMES}
        print(name, file=sys.stderr)
    (HERE / "reference.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
