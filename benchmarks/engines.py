#!/usr/bin/env python3
"""Benchmark the two engines on one scenario and seed, in one process and one run.

Measures, for the base force under ``doha-2021-05-01`` (by default) with one seed:

- the SimPy reference engine's replications per second (``--reps-simpy``, default
  200), and those of the v1 SimPy engine it replaced (``benchmarks/legacy_simpy.py``,
  kept only for this) on the same replications: the lean engine's speed-up over the
  legacy one, with a check that both give identical outcomes;
- the numpy engine's replications per second (``--reps-numpy``, default 20,000), and
  its ratio to the (lean) SimPy reference;
- the numpy engine's time against the time to draw its random inputs alone: every
  stream of each block (:class:`drawdown.draws.BlockDraws`: the council's and the violence
  index's daily draws, the durations by inverse CDF, the draws before the order) plus
  the per-day slabs of the block, as many as the engine draws (a block is drawn while
  any of its replications runs, from its first drawn day to its final exit day or the
  horizon's end). What is computed from the draws without any state of the force (the
  conditions index, the decision day, the attacks before the order) counts as the
  engine's work, not as drawing;
- for comparison, the engine's time against the draws plus what it computes from them
  without any state of the force (``engine_over_inputs``);
- the peak resident memory of numpy runs of 10^5 and 10^6 replications, each in a child
  process running :func:`drawdown.batch.summarize` (``--memory-reps`` to change the sizes,
  ``--skip-memory`` to skip them). The peak is the child's own (``VmHWM`` on Linux, not
  ``ru_maxrss``, which there inherits the parent's peak: see ``CHILD``).

The timings run in ``--repeats`` interleaved rounds (legacy SimPy, SimPy, numpy, draws,
then again), so that other work on a shared machine slows them alike. Each round gives
its own ratios (SimPy over legacy SimPy, numpy over SimPy, engine over draws); the
ratios quoted are the medians of the rounds, with their minimum and maximum beside
them, and the rates the best of the rounds. The engines produce the outcomes without
per-day arrays here (``record_daily`` false).

It prints a table and writes ``benchmarks/results/engines.json`` (``--out``) atomically,
with the machine (CPU count, numpy and scipy versions and SIMD features), the date, the
git commit and the command line.

Examples::

    python benchmarks/engines.py                       # the full run (minutes)
    python benchmarks/engines.py --quick --skip-memory # a smoke test (seconds)
    python benchmarks/engines.py --skip-memory --profile 25
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
from drawdown.draws import (  # noqa: E402
    BLOCK_SIZE,
    BlockDraws,
    StateFree,  # noqa: E402
    blocks_for,
    first_drawn_days,
)
from drawdown.engines.numpy_engine import STATE_FREE_BLOCKS, run_numpy  # noqa: E402
from drawdown.engines.simpy_engine import run_simpy  # noqa: E402
from drawdown.results import simd_features  # noqa: E402

# The v1 SimPy engine, beside this script (its directory is on the path when it runs).
from legacy_simpy import run_simpy as run_legacy_simpy  # noqa: E402

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "engines.json"
FULL = {"reps_simpy": 200, "reps_numpy": 20_000, "memory_reps": [100_000, 1_000_000]}
QUICK = {"reps_simpy": 5, "reps_numpy": 500, "memory_reps": [1_000]}

# Run in a child process: summarise `reps` replications with the numpy engine, then
# report the peak resident set size, in KiB. On Linux, ru_maxrss is not the child's
# own peak: exec keeps the high-water mark of the process it replaced, and Python starts
# children with vfork, whose memory is the parent's, so a child of a large parent
# reports the parent's peak. /proc/self/status VmHWM is the peak of the child's own
# memory; ru_maxrss (KiB on Linux, bytes on macOS) is the fallback where there is none.
CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})

def peak_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]), "VmHWM"
    except OSError:
        pass
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (r // 1024 if sys.platform == "darwin" else r), "ru_maxrss"

import drawdown
from drawdown.batch import summarize
s = drawdown.load({scenario!r})
base, _ = peak_kib()
t = time.perf_counter()
summary = summarize(s, {reps}, {seed}, block_size={block_size})
seconds = time.perf_counter() - t
peak, source = peak_kib()
print(json.dumps({{"peak_kib": peak, "peak_kib_before_run": base, "source": source,
                  "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "n": summary.n,
                  "seconds": seconds}}))
"""


def time_simpy(s, reps: int, seed: int, run=run_simpy) -> tuple[float, object]:
    t = time.perf_counter()
    out = run(s, reps, seed)
    return time.perf_counter() - t, out


def same_outcomes(a, b, n: int) -> bool:
    """Whether the first ``n`` replications of two runs have identical outcome arrays."""
    return all(
        v.dtype == getattr(b, k).dtype and np.array_equal(v[:n], getattr(b, k)[:n]) for k, v in a.arrays().items()
    )


def spread(values) -> dict:
    """Minimum, median and maximum of per-round figures."""
    return {"min": float(np.min(values)), "median": float(np.median(values)), "max": float(np.max(values))}


def time_numpy(s, reps: int, seed: int) -> tuple[float, object]:
    t = time.perf_counter()
    out = run_numpy(s, reps, seed)
    return time.perf_counter() - t, out


def profile_numpy(s, reps: int, seed: int, top: int) -> str:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    run_numpy(s, reps, seed)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def drawn_days(s, out, blocks) -> list[np.ndarray]:
    """For each block, the per-day slabs each replication steps through: from its first
    drawn day (shortly before the order) to its final exit day, or to the horizon's end
    when it is censored. A block draws its head slabs while any of them runs, and each
    row's tail while it runs (:class:`drawdown.draws.DayStream`)."""
    H = s.horizon_days
    first = first_drawn_days(out.decision_day, s.threat.closure_days, H).astype(np.int64)
    last = np.where(out.censored, H - 1, out.final_exit_day).astype(np.int64)
    used = np.where(first < H, last - first + 1, 0)
    days, start = [], 0
    for _, rows in blocks:
        days.append(used[start : start + rows])
        start += rows
    return days


def time_draws(s, seed: int, blocks, days: list[np.ndarray], *, state_free: bool = False) -> float:
    """Time to draw each block's random inputs: its streams (:class:`drawdown.draws.BlockDraws`,
    with the durations' inverse CDF) and its per-day slabs, as many as the engine draws.

    With ``state_free``, also what the engine computes from them without any state of
    the force (:class:`drawdown.draws.StateFree`, as many blocks at a time as the engine).
    """
    n_air = sum(1 for base in s.bases if base.airfield)
    t = time.perf_counter()
    group = []
    for (b, rows), n_days in zip(blocks, days):
        draws = BlockDraws(s, seed, b, rows=rows)
        group.append(draws)
        if state_free and len(group) == STATE_FREE_BLOCKS:
            StateFree(s, group)
            group = []
        # Into buffers, as the numpy engine draws them.
        out = [np.empty((rows, w)) for w in (n_air, len(s.bases), len(s.bases), n_air)]
        draws.day_stream(out=out).draw_steps(n_days)
    if state_free and group:
        StateFree(s, group)
    return time.perf_counter() - t


def peak_memory(scenario: str, reps: int, seed: int, block_size: int, timeout: float | None) -> dict:
    code = CHILD.format(root=str(ROOT), scenario=scenario, reps=reps, seed=seed, block_size=block_size)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"memory run of {reps} replications failed:\n{proc.stderr[-4000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if r["n"] != reps:
        raise RuntimeError(f"memory run summarised {r['n']} replications, expected {reps}")
    return {
        "reps": reps,
        "peak_rss_mb": r["peak_kib"] / 1024,
        "rss_mb_before_run": r["peak_kib_before_run"] / 1024,
        "measured_by": r["source"],
        "ru_maxrss_raw": r["ru_maxrss"],
        "run_seconds": r["seconds"],
        "reps_per_s": reps / r["seconds"],
        "wall_seconds": wall,
    }


def git_commit() -> dict:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    import hashlib

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "sim")
    digest = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    # With uncommitted changes to sim/, the commit alone does not say what was measured.
    return {"commit": commit or None, "sim_modified": bool(dirty), "sim_sources_sha256": digest.hexdigest()}


def machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "simd": simd_features(),
        "drawdown_version": drawdown.__version__,
    }


def write_json_atomic(path: Path, data: dict) -> None:
    from drawdown.results import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=2) + "\n")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--scenario", default="doha-2021-05-01", help="scenario name or path (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="seed (default: %(default)s)")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"tiny sizes for a smoke test: {QUICK['reps_simpy']} SimPy and {QUICK['reps_numpy']} numpy "
        f"replications, memory at {QUICK['memory_reps'][0]} (the figures mean little)",
    )
    p.add_argument("--reps-simpy", type=int, default=None, help=f"SimPy replications (default {FULL['reps_simpy']})")
    p.add_argument("--reps-numpy", type=int, default=None, help=f"numpy replications (default {FULL['reps_numpy']})")
    p.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="interleaved rounds of the SimPy, numpy and draw timings; ratios are their medians (default 5)",
    )
    p.add_argument("--skip-memory", action="store_true", help="skip the child-process memory runs")
    p.add_argument(
        "--memory-reps",
        type=lambda x: [int(float(v)) for v in x.split(",")],
        default=None,
        help="comma-separated replication counts of the memory runs (default 1e5,1e6)",
    )
    p.add_argument("--memory-timeout", type=float, default=None, help="seconds allowed to each memory run")
    p.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile one numpy run with cProfile and print its N top functions",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default: %(default)s)")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.reps_simpy = args.reps_simpy or sizes["reps_simpy"]
    args.reps_numpy = args.reps_numpy or sizes["reps_numpy"]
    args.memory_reps = args.memory_reps or sizes["memory_reps"]
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    command = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None else shlex.join(["engines.py", *argv])
    s = drawdown.load(args.scenario)
    started = dt.datetime.now(dt.UTC)
    print(
        f"benchmark: {s.name} (hash {s.hash[:12]}), seed {args.seed}, block size {BLOCK_SIZE}, "
        f"{os.cpu_count()} CPUs, numpy {np.__version__}, scipy {scipy.__version__}",
        flush=True,
    )

    # Warm up imports and caches once (scipy.special, the scenario plan) outside the timings.
    run_numpy(s, 10, args.seed + 1)
    run_simpy(s, 2, args.seed + 1)
    run_legacy_simpy(s, 2, args.seed + 1)

    # The timings are interleaved, round by round, so that a machine shared with other
    # work slows them alike; each round gives its own ratios, quoted by their median.
    blocks = blocks_for(args.reps_numpy)
    legacy_t, simpy_t, numpy_t, draws_t, inputs_t = [], [], [], [], []
    agree, legacy_agree, n_check, days = None, True, min(args.reps_simpy, args.reps_numpy), None
    for r in range(args.repeats):
        print(
            f"  round {r + 1} of {args.repeats}: legacy SimPy and SimPy {args.reps_simpy} replications, "
            f"numpy {args.reps_numpy}, their draws ...",
            flush=True,
        )
        seconds, legacy_out = time_simpy(s, args.reps_simpy, args.seed, run_legacy_simpy)
        legacy_t.append(seconds)
        seconds, simpy_out = time_simpy(s, args.reps_simpy, args.seed)
        simpy_t.append(seconds)
        legacy_agree &= same_outcomes(legacy_out, simpy_out, args.reps_simpy)
        seconds, numpy_out = time_numpy(s, args.reps_numpy, args.seed)
        numpy_t.append(seconds)
        if days is None:
            agree = same_outcomes(simpy_out, numpy_out, n_check)
            days = drawn_days(s, numpy_out, blocks)
        del legacy_out, simpy_out, numpy_out
        draws_t.append(time_draws(s, args.seed, blocks, days))
        inputs_t.append(time_draws(s, args.seed, blocks, days, state_free=True))
    legacy = {"reps": args.reps_simpy, "seconds": min(legacy_t), "reps_per_s": args.reps_simpy / min(legacy_t)}
    simpy = {"reps": args.reps_simpy, "seconds": min(simpy_t), "reps_per_s": args.reps_simpy / min(simpy_t)}
    numpy_ = {"reps": args.reps_numpy, "seconds": min(numpy_t), "reps_per_s": args.reps_numpy / min(numpy_t)}
    draws = {
        "seconds": min(draws_t),
        "blocks": len(blocks),
        "block_days": int(sum(int(d.max(initial=0)) for d in days)),
        "mean_days_per_block": float(np.mean([d.max(initial=0) for d in days])),
    }
    per_round = [
        {
            "simpy_over_legacy": q / p,
            "numpy_over_simpy": (args.reps_numpy / n) / (args.reps_simpy / p),
            "engine_over_draws": n / d,
            "engine_over_inputs": n / i,
        }
        for q, p, n, d, i in zip(legacy_t, simpy_t, numpy_t, draws_t, inputs_t, strict=True)
    ]
    ratios = {k: spread([r[k] for r in per_round]) for k in per_round[0]}
    if args.profile:
        numpy_["profile"] = profile_numpy(s, args.reps_numpy, args.seed, args.profile)

    memory = []
    if not args.skip_memory:
        for reps in args.memory_reps:
            print(f"  memory: summarize {reps} replications in a child process ...", flush=True)
            memory.append(peak_memory(args.scenario, reps, args.seed, BLOCK_SIZE, args.memory_timeout))
    by_reps = {m["reps"]: m for m in memory}

    result = {
        "benchmark": "engines",
        "scenario": s.name,
        "scenario_hash": s.hash,
        "seed": args.seed,
        "block_size": BLOCK_SIZE,
        "quick": args.quick,
        "repeats": args.repeats,
        "simpy_reps": simpy["reps"],
        "simpy_seconds": simpy["seconds"],
        "simpy_all_seconds": simpy_t,
        "simpy_reps_per_s": simpy["reps_per_s"],
        "simpy_legacy_seconds": legacy["seconds"],
        "simpy_legacy_all_seconds": legacy_t,
        "simpy_legacy_reps_per_s": legacy["reps_per_s"],
        "simpy_over_legacy": ratios["simpy_over_legacy"]["median"],
        "simpy_over_legacy_rounds": ratios["simpy_over_legacy"],
        "simpy_agrees_with_legacy": args.reps_simpy if legacy_agree else False,
        "numpy_reps": numpy_["reps"],
        "numpy_seconds": numpy_["seconds"],
        "numpy_all_seconds": numpy_t,
        "numpy_reps_per_s": numpy_["reps_per_s"],
        "numpy_over_simpy": ratios["numpy_over_simpy"]["median"],
        "numpy_over_simpy_rounds": ratios["numpy_over_simpy"],
        "engines_agree_on_first_reps": n_check if agree else False,
        "draws_seconds": draws["seconds"],
        "draws_all_seconds": draws_t,
        "draws_block_days": draws["block_days"],
        "draws_mean_days_per_block": draws["mean_days_per_block"],
        "engine_over_draws": ratios["engine_over_draws"]["median"],
        "engine_over_draws_rounds": ratios["engine_over_draws"],
        "inputs_seconds": min(inputs_t),
        "inputs_all_seconds": inputs_t,
        "engine_over_inputs": ratios["engine_over_inputs"]["median"],
        "engine_over_inputs_rounds": ratios["engine_over_inputs"],
        "rounds": per_round,
        "peak_rss_mb_1e5": by_reps[100_000]["peak_rss_mb"] if 100_000 in by_reps else None,
        "peak_rss_mb_1e6": by_reps[1_000_000]["peak_rss_mb"] if 1_000_000 in by_reps else None,
        "memory_runs": memory,
        "machine": machine(),
        "git": git_commit(),
        "date": started.isoformat(timespec="seconds"),
        "command": command,
        "wall_seconds": (dt.datetime.now(dt.UTC) - started).total_seconds(),
    }
    write_json_atomic(args.out, result)

    def rounds_of(key, fmt):
        r = ratios[key]
        return f"median of {args.repeats} rounds; min {fmt.format(r['min'])}, max {fmt.format(r['max'])}"

    best = f"(best of {args.repeats} interleaved rounds)"
    rows = [
        (
            "SimPy engine",
            f"{simpy['reps_per_s']:,.1f} reps/s",
            f"{simpy['reps']} reps in {simpy['seconds']:.2f} s {best}",
        ),
        (
            "legacy SimPy (v1)",
            f"{legacy['reps_per_s']:,.1f} reps/s",
            f"{legacy['reps']} reps in {legacy['seconds']:.2f} s {best}",
        ),
        (
            "SimPy / legacy",
            f"{result['simpy_over_legacy']:.2f}x",
            f"target >= 2.5x; {rounds_of('simpy_over_legacy', '{:.2f}x')}",
        ),
        ("same as legacy", "yes" if legacy_agree else "NO", f"all {args.reps_simpy} replications, every outcome array"),
        (
            "numpy engine",
            f"{numpy_['reps_per_s']:,.0f} reps/s",
            f"{numpy_['reps']} reps in {numpy_['seconds']:.2f} s {best}",
        ),
        (
            "numpy / SimPy",
            f"{result['numpy_over_simpy']:,.0f}x",
            f"against the lean SimPy engine; {rounds_of('numpy_over_simpy', '{:.0f}x')}",
        ),
        ("agreement", "yes" if agree else "NO", f"first {n_check} replications, every outcome array"),
        (
            "draws alone",
            f"{draws['seconds']:.2f} s",
            f"{draws['blocks']} blocks, {draws['mean_days_per_block']:.0f} days drawn per block on average {best}",
        ),
        (
            "engine / draws",
            f"{result['engine_over_draws']:.2f}x",
            f"target <= 3x; {rounds_of('engine_over_draws', '{:.2f}x')}",
        ),
        (
            "draws + state-free",
            f"{result['inputs_seconds']:.2f} s",
            f"engine / that {result['engine_over_inputs']:.2f}x (the conditions index, decision day and "
            "attacks before the order counted with the draws)",
        ),
    ]
    for m in memory:
        rows.append(
            (
                f"peak RSS {m['reps']:,}",
                f"{m['peak_rss_mb']:,.0f} MiB",
                f"{m['rss_mb_before_run']:,.0f} MiB before the run; {m['reps_per_s']:,.0f} reps/s, "
                f"{m['run_seconds']:.0f} s" + ("  (target < 1 GiB)" if m["reps"] >= 1_000_000 else ""),
            )
        )
    if args.skip_memory:
        rows.append(("peak RSS", "skipped", "--skip-memory"))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{vwidth}}  {note}")
    print(f"\nwrote {args.out}")
    if args.profile:
        print("\n" + numpy_["profile"])
    return result


if __name__ == "__main__":
    main()
