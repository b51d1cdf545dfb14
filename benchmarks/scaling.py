#!/usr/bin/env python3
"""Scaling benchmark: replications per second against workers and against replications.

In one run, for one scenario (``doha-2021-05-01`` by default) and seed, with the numpy
engine and the standard block size:

- **workers**: ``--workers-reps`` replications (default 100,000) on a local process pool
  of 1 worker and of 2 workers (``--workers 1 2``; :class:`drawdown.batch.ProcessPool`),
  and with ``--dask`` on a local Dask cluster of as many workers
  (:class:`drawdown.batch.DaskExecutor`). Each pool is started and warmed up (every
  worker imports drawdown and runs a block) before the clock starts; the time is that
  of :meth:`drawdown.batch.RunBatch.run`, units sized as ``drawdown run --workers N`` sizes
  them. It prints the speed-up over 1 worker and the efficiency (speed-up / workers).
- **replications**: ``--reps`` replications (default 10^4, 10^5, 10^6) in-process, the
  rate of each and its ratio to the rate of the smallest: a flat ratio is linear
  scaling (memory and time per replication do not grow with the run).

Every result is checked against the in-process summary of the same replications (the
same bits whatever the executor), so a fast wrong result cannot pass unnoticed.

It prints a table and writes ``benchmarks/results/scaling.json`` (``--out``) atomically,
with the machine (CPU count, numpy and scipy versions, SIMD features), the date, the git
commit and the command line. Ratios are only meaningful within one run on one machine;
on a machine with 2 cores, 2 workers can at best double the rate.

Examples::

    python benchmarks/scaling.py                 # the full run: 10^6 replications, many minutes
    python benchmarks/scaling.py --quick         # a smoke test: seconds, figures meaningless
    python benchmarks/scaling.py --reps 10000 100000 --workers-reps 50000 --dask
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # measure the checkout, not an installed copy

import drawdown  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from drawdown.batch import (  # noqa: E402
    DaskExecutor,
    InProcess,
    ProcessPool,
    RunBatch,  # noqa: E402
    Unit,
)
from drawdown.draws import BLOCK_SIZE  # noqa: E402
from drawdown.results import (
    atomic_write,  # noqa: E402
    simd_features,  # noqa: E402
)

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "scaling.json"
FULL = {"reps": [10_000, 100_000, 1_000_000], "workers_reps": 100_000}
QUICK = {"reps": [1_000, 4_000], "workers_reps": 4_000}


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "simd": simd_features(),
        "drawdown": drawdown.__version__,
    }


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def timed_run(scenario, reps: int, seed: int, executor, block_size: int):
    """Seconds to run ``reps`` replications on ``executor`` (no files), and the summary."""
    batch = RunBatch(scenario, seed, reps=reps, block_size=block_size, parallelism=executor.parallelism)
    t = time.perf_counter()
    summary = batch.run(executor).summary
    return time.perf_counter() - t, summary, len(batch.units)


def warm_up(executor, scenario, seed: int, block_size: int) -> None:
    """Have every worker import drawdown and run a small block before timing."""
    units = [Unit(scenario, seed, ((10**6 + i, 50),), block_size=block_size) for i in range(2 * executor.parallelism)]
    for _ in executor.run(units):
        pass


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--scenario", default="doha-2021-05-01")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reps", type=int, nargs="+", default=None, help="replications for the replications sweep")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    p.add_argument("--workers-reps", type=int, default=None, help="replications for the workers sweep")
    p.add_argument("--dask", action="store_true", help="also a local Dask cluster of each worker count")
    p.add_argument("--block-size", type=int, default=BLOCK_SIZE)
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, figures meaningless")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    reps_list = sorted(args.reps or sizes["reps"])
    wreps = args.workers_reps or sizes["workers_reps"]
    s = drawdown.load(args.scenario)
    bs = args.block_size

    print(f"drawdown scaling benchmark: {s.name}, seed {args.seed}, block size {bs}, {os.cpu_count()} CPUs", flush=True)
    # -- in-process reference for the workers sweep (also the check of every executor) --
    with InProcess() as ex:
        warm_up(ex, s, args.seed, bs)
        base_t, reference, _ = timed_run(s, wreps, args.seed, ex, bs)
    workers = []
    rows = [("in-process", 1, wreps, base_t)]
    kinds = [("process pool", ProcessPool)] + (
        [("dask local", lambda n: DaskExecutor(local_workers=n))] if args.dask else []
    )
    for kind, make in kinds:
        for n in args.workers:
            with make(n) as ex:
                warm_up(ex, s, args.seed, bs)
                t, summary, units = timed_run(s, wreps, args.seed, ex, bs)
            if summary != reference:
                raise SystemExit(f"{kind} of {n} workers gave another result than the in-process run")
            workers.append(
                {"executor": kind, "workers": n, "reps": wreps, "units": units, "seconds": t, "reps_per_s": wreps / t}
            )
            rows.append((kind, n, wreps, t))
    for kind, _ in kinds:
        ones = [w for w in workers if w["executor"] == kind and w["workers"] == min(args.workers)]
        for w in workers:
            if w["executor"] == kind and ones:
                w["speedup"] = w["reps_per_s"] / ones[0]["reps_per_s"] * min(args.workers)
                w["efficiency"] = w["speedup"] / w["workers"]

    # -- replications sweep, in-process --
    replications = []
    with InProcess() as ex:
        for reps in reps_list:
            t, summary, units = timed_run(s, reps, args.seed, ex, bs)
            replications.append({"reps": reps, "units": units, "seconds": t, "reps_per_s": reps / t})
            print(f"  {reps:>9} replications in-process: {t:8.2f} s, {reps / t:9.0f} reps/s", flush=True)
    for r in replications:
        r["rate_ratio_to_smallest"] = r["reps_per_s"] / replications[0]["reps_per_s"]

    print()
    print(f"{'executor':<14} {'workers':>7} {'reps':>9} {'seconds':>9} {'reps/s':>9} {'speed-up':>9} {'eff.':>6}")
    print(f"{'in-process':<14} {1:>7} {wreps:>9} {base_t:>9.2f} {wreps / base_t:>9.0f}")
    for w in workers:
        print(
            f"{w['executor']:<14} {w['workers']:>7} {w['reps']:>9} {w['seconds']:>9.2f} {w['reps_per_s']:>9.0f} "
            f"{w.get('speedup', float('nan')):>9.2f} {w.get('efficiency', float('nan')):>6.2f}"
        )
    print()
    print(f"{'replications':>12} {'seconds':>9} {'reps/s':>9} {'ratio':>7}")
    for r in replications:
        print(f"{r['reps']:>12} {r['seconds']:>9.2f} {r['reps_per_s']:>9.0f} {r['rate_ratio_to_smallest']:>7.2f}")

    doc = {
        "benchmark": "scaling",
        "scenario": s.name,
        "seed": args.seed,
        "block_size": bs,
        "engine": "numpy",
        "quick": args.quick,
        "in_process": {"reps": wreps, "seconds": base_t, "reps_per_s": wreps / base_t},
        "workers": workers,
        "replications": replications,
        "identical_results": True,
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(doc, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
