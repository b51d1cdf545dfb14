#!/usr/bin/env python3
"""Benchmark the path of ``drawdown run`` against the engine and the per-day histograms alone.

Command (from the repository root, with the project installed)::

    python benchmarks/run_path.py                   # full run: 64,000 replications x 5 rounds, memory at 10^6
    python benchmarks/run_path.py --skip-memory     # the timings only (minutes)
    python benchmarks/run_path.py --quick           # smoke test: seconds, figures meaningless

For ``doha-2021-05-01`` (``--scenario``), seed 1 (``--seed``) and ``--reps`` replications
(default 64,000: two chunks of the numpy engine), each round times, one after the other:

- ``engine``: :func:`drawdown.engines.run_numpy` (no per-day arrays), figure (a);
- ``engine_daily`` and ``histograms``: one pass of :func:`drawdown.engines.run_blocks`
  (outcomes with per-day arrays) whose two halves are timed apart: producing each chunk
  (``engine_daily``) and :meth:`drawdown.results.Summary.from_outcomes` of it
  (``histograms``, figure (b));
- the user's path, figure (c), three ways: ``api`` (``drawdown.run(...).summary()``),
  ``cli`` (``drawdown run SCENARIO --reps R --seed S -q --json`` in this process, its
  output captured) and ``batch`` (``RunBatch(...).run(InProcess())``, the executors'
  path, no run directory).

Rounds are interleaved so that other work on a shared machine slows every figure alike.
For each round it computes ``c / (a + b)`` (the target: at most 1) and, for
comparison, ``c / (engine_daily + b)`` (the user's path against its own two parts). It
reports the minimum, median and maximum over rounds, of wall-clock time and of CPU
time of this process (steadier on a machine shared with other work).

Memory: the peak resident set (``VmHWM`` of ``/proc/self/status``, the child's own
peak) of a child process that runs ``--memory-reps`` replications (default 10^6) by
:func:`drawdown.batch.summarize`, by ``drawdown run --reps N --seed S -q --json`` (the
command's ``main`` in the child) and by :class:`drawdown.batch.RunBatch` in memory; the
target is the command within 10% of ``summarize``.

It prints a table and, for a full run, writes ``benchmarks/results/run_path.json``
(``--out FILE`` elsewhere; with ``--quick`` only when ``--out`` is given).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import drawdown
from drawdown.batch import InProcess, RunBatch, summarize
from drawdown.draws import BLOCK_SIZE, blocks_for
from drawdown.engines import run_blocks, run_numpy
from drawdown.results import Summary

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "run_path.json"
FULL = {"reps": 64_000, "rounds": 5, "memory_reps": 1_000_000}
QUICK = {"reps": 2_000, "rounds": 1, "memory_reps": 2_000}
PATHS = ("api", "cli", "batch")

# A child process: run one way, then print its own peak resident set in KiB (VmHWM:
# ru_maxrss of a child started from a large parent can report the parent's peak).
CHILD = r"""
import contextlib, io, json, sys, time

def peak_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r // 1024 if sys.platform == "darwin" else r

how, scenario, reps, seed = {how!r}, {scenario!r}, {reps}, {seed}
import drawdown
from drawdown.batch import InProcess, RunBatch, summarize
from drawdown.cli.main import main
s = drawdown.load(scenario)
before = peak_kib()
t = time.perf_counter()
if how == "summarize":
    n = summarize(s, reps, seed).n
elif how == "batch":
    n = RunBatch(s, seed, reps=reps).run(InProcess()).summary.n
else:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main.main(["run", scenario, "--reps", str(reps), "--seed", str(seed), "-q", "--json"], standalone_mode=False)
    n = json.loads(buf.getvalue())["replications"]
print(json.dumps({{"peak_kib": peak_kib(), "before_kib": before, "n": n, "seconds": time.perf_counter() - t}}))
"""


class Clock:
    """Wall-clock and CPU seconds of a block of code, added to ``totals[name]``."""

    def __init__(self, totals: dict, name: str):
        self.totals, self.name = totals, name

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        wall, cpu = self.totals.setdefault(self.name, [0.0, 0.0])
        self.totals[self.name] = [wall + time.perf_counter() - self.wall, cpu + time.process_time() - self.cpu]


def engine_daily_and_histograms(s, reps: int, seed: int, totals: dict) -> Summary:
    """One pass of ``run_blocks`` with per-day arrays, its engine and histogram halves timed apart."""
    chunks = iter(run_blocks(s, blocks_for(reps, BLOCK_SIZE), seed))
    total = None
    while True:
        with Clock(totals, "engine_daily"):
            item = next(chunks, None)
        if item is None:
            return total
        chunk, out = item
        with Clock(totals, "histograms"):
            part = Summary.from_outcomes(s, out, blocks=chunk, seed=seed, engine="numpy")
        del item, out
        total = part if total is None else Summary.merge_all([total, part])


def cli_run(scenario: str, reps: int, seed: int) -> dict:
    """``drawdown run SCENARIO --reps R --seed S -q --json`` in this process; its document."""
    from drawdown.cli.main import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main.main(["run", scenario, "--reps", str(reps), "--seed", str(seed), "-q", "--json"], standalone_mode=False)
    return json.loads(buf.getvalue())


def one_round(s, reps: int, seed: int) -> tuple[dict, dict]:
    """Every figure once; ``(seconds, documents)``: ``{name: [wall, cpu]}`` and the results to check."""
    totals: dict = {}
    with Clock(totals, "engine"):
        run_numpy(s, reps, seed)
    reference = engine_daily_and_histograms(s, reps, seed, totals)
    with Clock(totals, "api"):
        api = drawdown.run(s, reps=reps, seed=seed)
        doc = api.summary()
    with Clock(totals, "cli"):
        cli = cli_run(s.name, reps, seed)
    with Clock(totals, "batch"):
        batch = RunBatch(s, seed, reps=reps).run(InProcess()).summary
    if not (api.stats == batch == reference) or cli != doc:
        raise RuntimeError("the paths do not give the same results")
    return totals, {"n": reference.n}


def spread(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def ratios(rounds: list[dict]) -> dict:
    """Per round: each path over (a) + (b) and over its own parts, wall and CPU; min/median/max."""
    out: dict = {}
    for k, clock in enumerate(("wall", "cpu")):
        for path in PATHS:
            over_ab = [r[path][k] / (r["engine"][k] + r["histograms"][k]) for r in rounds]
            over_parts = [r[path][k] / (r["engine_daily"][k] + r["histograms"][k]) for r in rounds]
            out[f"{path}_over_engine_plus_histograms_{clock}"] = spread(over_ab)
            out[f"{path}_over_engine_daily_plus_histograms_{clock}"] = spread(over_parts)
    return out


def peak_memory(how: str, scenario: str, reps: int, seed: int, timeout: float | None) -> dict:
    code = CHILD.format(how=how, scenario=scenario, reps=reps, seed=seed)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"memory run {how!r} of {reps} replications failed:\n{proc.stderr[-4000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if r["n"] != reps:
        raise RuntimeError(f"memory run {how!r} ran {r['n']} replications, expected {reps}")
    return {"peak_mib": r["peak_kib"] / 1024, "before_run_mib": r["before_kib"] / 1024, "seconds": r["seconds"]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default="doha-2021-05-01")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reps", type=int, default=None, help=f"replications a round (default {FULL['reps']})")
    p.add_argument("--rounds", type=int, default=None, help=f"interleaved rounds (default {FULL['rounds']})")
    p.add_argument("--memory-reps", type=int, default=None, help=f"default {FULL['memory_reps']}")
    p.add_argument("--memory-timeout", type=float, default=None, help="seconds allowed to each memory run")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--out", type=Path, default=None, help=f"JSON file (default for a full run: {DEFAULT_OUT})")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.reps = args.reps or sizes["reps"]
    args.rounds = args.rounds or sizes["rounds"]
    args.memory_reps = args.memory_reps or sizes["memory_reps"]
    if args.out is None and not args.quick and not args.skip_memory:
        args.out = DEFAULT_OUT
    return args


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def report(rounds: list[dict], figures: dict, memory: dict, reps: int) -> None:
    names = ("engine", "engine_daily", "histograms", *PATHS)
    print(f"\n{'figure':<14}{'median wall s':>15}{'median cpu s':>14}{'cpu us/rep':>12}")
    for name in names:
        wall = statistics.median(r[name][0] for r in rounds)
        cpu = statistics.median(r[name][1] for r in rounds)
        print(f"{name:<14}{wall:>15.3f}{cpu:>14.3f}{cpu / reps * 1e6:>12.1f}")
    print(f"\n{'ratio (min / median / max over rounds)':<62}{'wall':>22}{'cpu':>22}")
    for path in PATHS:
        for over, label in (
            ("engine_plus_histograms", "(a) + (b)"),
            ("engine_daily_plus_histograms", "engine_daily + (b)"),
        ):
            cells = []
            for clock in ("wall", "cpu"):
                f = figures[f"{path}_over_{over}_{clock}"]
                cells.append(f"{f['min']:.3f} / {f['median']:.3f} / {f['max']:.3f}")
            print(f"{path + ' over ' + label:<62}{cells[0]:>22}{cells[1]:>22}")
    if memory:
        base = memory["summarize"]["peak_mib"]
        print(f"\n{'peak memory':<14}{'MiB':>10}{'over summarize':>16}")
        for how, m in memory.items():
            print(f"{how:<14}{m['peak_mib']:>10.1f}{m['peak_mib'] / base:>16.3f}")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    s = drawdown.load(args.scenario)
    print(
        f"run path: {s.name}, seed {args.seed}, {args.reps} replications x {args.rounds} rounds, {os.cpu_count()} CPUs",
        flush=True,
    )
    summarize(s, 2 * BLOCK_SIZE, args.seed + 1)  # imports and caches outside the clock
    cli_run(s.name, 10, args.seed + 1)
    rounds = []
    for k in range(args.rounds):
        totals, _ = one_round(s, args.reps, args.seed)
        rounds.append(totals)
        print(f"round {k + 1}: " + ", ".join(f"{n} {w:.2f}s/{c:.2f}s" for n, (w, c) in totals.items()), flush=True)
    figures = ratios(rounds)
    memory = {}
    if not args.skip_memory:
        for how in ("summarize", "cli", "batch"):
            memory[how] = peak_memory(how, s.name, args.memory_reps, args.seed, args.memory_timeout)
            print(f"memory {how}: {memory[how]['peak_mib']:.1f} MiB", flush=True)
        for how in ("cli", "batch"):
            figures[f"peak_{how}_over_summarize"] = memory[how]["peak_mib"] / memory["summarize"]["peak_mib"]
    report(rounds, figures, memory, args.reps)
    doc = {
        "scenario": s.name,
        "seed": args.seed,
        "reps": args.reps,
        "quick": args.quick,
        "rounds": [{k: {"wall": w, "cpu": c} for k, (w, c) in r.items()} for r in rounds],
        **figures,
        "memory_reps": None if args.skip_memory else args.memory_reps,
        "memory": memory,
        "cpu_count": os.cpu_count(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["run_path.py", *(sys.argv[1:] if argv is None else argv)]),
    }
    if args.out is not None:
        write_json(args.out, doc)
        print(f"wrote {args.out}")
    return doc


if __name__ == "__main__":
    main()
