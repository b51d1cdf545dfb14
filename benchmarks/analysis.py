"""How long ``drawdown analyze`` takes on a large Saltelli sweep (issue 17).

The analysis reads ``results.csv`` and computes, for each of its six outcomes, the
Sobol' indices, their BCa bootstrap intervals (999 resamples) and their spread under
replication noise (200 redraws). Its time depends on the number of points and factors,
not on the replications per point (they only set the standard errors it reads). This
script builds a finished saltelli sweep directory of ``--points`` base samples and
``--factors`` factors whose outcomes are a known function plus noise of the size 1,000
replications give, then times :func:`drawdown.analysis.analyze_sweep` on it in
``--repeats`` rounds (min / median / max).

    python benchmarks/analysis.py                 # 2,048 points (512 x (2 + 2)), 5 rounds
    python benchmarks/analysis.py --points 256 --factors 6    # 2,048 points, 6 factors
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from drawdown.analysis import OUTCOMES, analyze_sweep
from drawdown.batch import MANIFEST, RESULT_COLUMNS, design_points, parse_spec, write_record

KEYS = [
    "decision.p_no_consensus",
    "threat.attack_rate_after",
    "threat.escalation_per_week",
    "contingent_defaults.prep_days.mode",
    "contingent_defaults.national_delay_days.mode",
    "conditions.volatility",
]


def spec_text(points: int, factors: int) -> str:
    head = f'base = "doha-2021-05-01"\nseed = 1\nreplications = 1000\ndesign = "saltelli"\npoints = {points}\n'
    return head + "".join(f"[factors.'{k}']\nlow = 0.1\nhigh = 0.9\n" for k in KEYS[:factors])


def build(directory: Path, points: int, factors: int) -> int:
    """A finished sweep directory: manifest and results.csv (the columns analyze reads)."""
    spec = parse_spec(spec_text(points, factors), file=str(directory / "spec.toml"))
    rows, _ = design_points(spec)
    x = np.array([[r[k] for k in KEYS[:factors]] for r in rows])
    rng = np.random.default_rng(0)
    weights = np.arange(factors, 0, -1, dtype=float)
    signal = x @ weights + x[:, 0] * x[:, -1]
    se = 0.016  # a probability near 0.5 from 1,000 replications
    columns = ["point", *KEYS[:factors], *RESULT_COLUMNS]
    with open(directory / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for i, value in enumerate(signal):
            row = {"point": i, **dict(zip(KEYS[:factors], x[i], strict=True))}
            for outcome, error in OUTCOMES.items():
                row[outcome] = repr(float(value + se * rng.standard_normal()))
                if error is not None:
                    row[error] = repr(se)
            w.writerow(row)
    write_record(directory / MANIFEST, {"spec": spec.to_json(), "complete": True})
    return len(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=512, help="base samples (a power of 2)")
    p.add_argument("--factors", type=int, default=2, choices=range(1, len(KEYS) + 1))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "analysis.json")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        n_points = build(directory, a.points, a.factors)
        times = []
        for _ in range(a.repeats):
            t = time.perf_counter()
            analyze_sweep(directory)
            times.append(time.perf_counter() - t)
    doc = {
        "points": n_points,
        "base_samples": a.points,
        "factors": a.factors,
        "outcomes": len(OUTCOMES),
        "seconds_min": min(times),
        "seconds_median": statistics.median(times),
        "seconds_max": max(times),
        "rounds": times,
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    print(
        f"analyze: {n_points} points, {a.factors} factors, {len(OUTCOMES)} outcomes: "
        f"median {doc['seconds_median']:.2f} s (min {min(times):.2f}, max {max(times):.2f}, {a.repeats} rounds)"
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
