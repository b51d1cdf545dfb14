#!/usr/bin/env python3
"""Peak memory of runs at the bounds of a valid scenario, against a run of the default scenario.

Command (from the repository root, with the project installed)::

    python benchmarks/memory.py                 # full run: a few minutes
    python benchmarks/memory.py --quick         # smoke test: seconds, figures meaningless
    python benchmarks/memory.py --pythonpath DIR   # the same runs on another copy of drawdown
                                                   # (DIR holds its package as drawdown/)

Each case runs in a child process of its own, :func:`drawdown.batch.summarize` of its
replications followed by the report's quantiles, and reports the child's peak resident
set (``VmHWM`` of ``/proc/self/status``), its wall-clock time and the size of the
summary's histograms of attacks:

- ``default``: ``doha-2021-05-01``, 64,000 replications: two full chunks of the numpy
  engine over the default horizon, the memory that bounds a run of the default scenario
  of any size (the README's 10^6 replications stay there);
- ``default_4000``: the same with ``drawdown run``'s default 4,000 replications;
- ``longest_horizon``: ``doha-2021-05-01`` over the longest valid horizon (20,000
  days), 8,000 replications;
- ``attack_cap``: a daily attack mean of 990,000 (the cap is 10^6) at the one base for
  the 500 days the force takes to leave, 20 replications.

It prints a table (each peak also over the ``default`` one) and, for a full run, writes
``benchmarks/results/memory.json`` (``--out FILE`` elsewhere).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "memory.json"

LONGEST = """
extends = "doha-2021-05-01"
horizon_days = 20000
"""

ATTACK_CAP = """
description = "A daily attack mean of 990,000 at the one base while the force is there"
start = 2021-01-01
horizon_days = 540

[decision]
rule = "fixed"
date = 2021-01-02

[threat]
attack_rate_before = 990000
casualties_per_attack = 0.99

[enablers]
exposure_without_enablers = 1.0

[bases.A]
seats_per_day = 20
cargo_t_per_day = 10

[contingents."X@A"]
troops = 10000
"""

#: case: (scenario, or TOML text, replications of a full run, of a quick one)
CASES = {
    "default": ("doha-2021-05-01", 64_000, 2_000),
    "default_4000": ("doha-2021-05-01", 4_000, 1_000),
    "longest_horizon": (LONGEST, 8_000, 1_000),
    "attack_cap": (ATTACK_CAP, 20, 2),
}

CHILD = r"""
import json, sys, time
import drawdown
from drawdown.batch import summarize

def peak_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

scenario, reps = sys.argv[1], int(sys.argv[2])
s = drawdown.load(scenario)
t = time.perf_counter()
summary = summarize(s, reps, 1)
quantiles = [summary.quantile(k, q) for k in ("attacks", "casualties") for q in (0.05, 0.5, 0.95)]
seconds = time.perf_counter() - t
print(json.dumps({"peak_kib": peak_kib(), "seconds": seconds, "n": summary.n,
                  "attacks_hist_shape": list(summary.hist["attacks"].shape),
                  "attacks_hist_bytes": int(summary.hist["attacks"].nbytes),
                  "horizon_days": s.horizon_days, "drawdown": drawdown.__file__}))
"""


def run_case(name: str, scenario: str, reps: int, pythonpath: str | None, timeout: float | None, tmp: Path) -> dict:
    """One case in a child process: its peak memory, time and histogram size."""
    if "\n" in scenario:  # a scenario's text
        path = tmp / f"{name}.toml"
        path.write_text(scenario)
        scenario = str(path)
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(reps)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tmp,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"case {name!r} failed:\n{proc.stderr[-4000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if r["n"] != reps:
        raise RuntimeError(f"case {name!r} ran {r['n']} replications, expected {reps}")
    return {"reps": reps, "peak_mib": r["peak_kib"] / 1024, **{k: v for k, v in r.items() if k != "peak_kib"}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    p.add_argument("--pythonpath", default=None, help="run the children on the drawdown found here")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed to each case")
    p.add_argument("--out", type=Path, default=None, help=f"JSON file (default for a full run: {DEFAULT_OUT})")
    args = p.parse_args(argv)
    if args.out is None and not args.quick and args.pythonpath is None:
        args.out = DEFAULT_OUT
    return args


def report(cases: dict) -> None:
    base = cases.get("default", {}).get("peak_mib")
    head = f"{'case':<18}{'reps':>8}{'days':>8}{'peak MiB':>11}{'over default':>14}{'seconds':>10}{'attacks hist':>16}"
    print("\n" + head)
    for name, c in cases.items():
        over = f"{c['peak_mib'] / base:.2f}" if base else "-"
        hist = f"{c['attacks_hist_bytes']:,} B"
        print(
            f"{name:<18}{c['reps']:>8}{c['horizon_days']:>8}{c['peak_mib']:>11.1f}{over:>14}"
            f"{c['seconds']:>10.1f}{hist:>16}"
        )


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            scenario, full, quick = CASES[name]
            reps = quick if args.quick else full
            cases[name] = run_case(name, scenario, reps, args.pythonpath, args.timeout, Path(tmp))
            print(f"{name}: {cases[name]['peak_mib']:.1f} MiB, {cases[name]['seconds']:.1f} s", flush=True)
    report(cases)
    doc = {
        "quick": args.quick,
        "cases": cases,
        "longest_over_default": (
            cases["longest_horizon"]["peak_mib"] / cases["default"]["peak_mib"]
            if {"longest_horizon", "default"} <= set(cases)
            else None
        ),
        "cpu_count": os.cpu_count(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["memory.py", *(sys.argv[1:] if argv is None else argv)]),
    }
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
        tmp_out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        os.replace(tmp_out, args.out)
        print(f"wrote {args.out}")
    return doc


if __name__ == "__main__":
    main()
