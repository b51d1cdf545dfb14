#!/usr/bin/env python3
"""Benchmark the vectorised network engine (model v2) against the v1 numpy engine.

Measures, in ``--repeats`` interleaved rounds (network, v1, network, v1, ...: other
work on a shared machine slows both alike):

- the time of ``--reps`` (default 4,000) replications of a 100,000-troop ground
  withdrawal (``scenarios/ground-withdrawal.toml`` when it exists, else the one this
  script writes: a dozen garrisons driving to two hubs, two border crossings, two
  stages with a pause between them), target under 5 s on a 2-core machine (issue 15);
- the SimPy reference engine (``--reps-simpy``, default 40) on the same scenario and
  seed: the numpy engine's speed-up over it (replications a second), with a check that
  both give identical outcomes on those replications;
- the numpy engine's time against the time to draw its random inputs alone (every
  stream of each block, :class:`drawdown.draws.BlockDraws`, and as many per-day slabs
  as the engine draws, the crossings' and legs' included), with the count of random
  numbers drawn and of those used (MODEL-V2 §7.13: the slabs of the days each
  replication is stepped, in their own columns; a block is drawn while any of its
  replications runs);
- the cost per replication-day-place of each engine: time / (reps * simulated days *
  places), simulated days = the mean over replications of (last day with a state
  change) - first drawn day + 1, places = bases + crossings + legs; the v1 engine on
  ``scenarios/base-force-2021-02.toml`` under its ``doha-2021-05-01`` deadline (the
  base force alone has no order). Target: the network engine's cost within 2x the v1's.

Prints min / median / max of each time and of each ratio (each round gives its own
ratios; the median is the figure to quote); no per-day arrays are kept. Writes the
rounds, the machine, the date, the commit and the command line to
``benchmarks/results/network.json`` (``--out``), atomically.

Examples::

    python benchmarks/network.py                 # the full run (about a minute)
    python benchmarks/network.py --quick         # a smoke test (seconds)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import drawdown  # noqa: E402
import numpy as np  # noqa: E402
from drawdown.draws import BLOCK_SIZE, BlockDraws, blocks_for, closure_span  # noqa: E402
from drawdown.engines import numpy_engine, run_simpy  # noqa: E402
from drawdown.engines.network_numpy import run_network_numpy  # noqa: E402

#: Garrisons (name, troops, hub) of the generated ground withdrawal: 100,000 troops.
GARRISONS = [
    (f"G{k:02d}", 100_000 // 12 + (100_000 % 12 if k == 0 else 0), "North" if k < 6 else "South") for k in range(12)
]


def ground_withdrawal_text() -> str:
    """A 100,000-troop ground withdrawal: 12 garrisons, 2 hubs, 2 crossings, 2 stages with a pause."""
    lines = [
        'description = "Benchmark: 100,000 troops withdraw by road through two crossings, in two stages"',
        "start = 2021-05-01",
        "horizon_days = 365",
        "enablers_last = true",
        "[decision]",
        'rule = "fixed"',
        "date = 2021-05-03",
        "[threat]",
        "attack_rate_before = 2.0",
        "casualties_per_attack = 0.5",
        "[enablers]",
        'scope = "base"',
        "[bases.North]",
        "airfield = false",
        "[bases.South]",
        "airfield = false",
    ]
    for name, _, _ in GARRISONS:
        lines += [f"[bases.{name}]", "airfield = false", "attack_multiplier = 1.5"]
    for crossing in ("Torkham", "Chaman"):
        lines += [
            f"[crossings.{crossing}]",
            "troops_per_day = 3000",
            "cargo_t_per_day = 2000",
            "p_closed_day = 0.05",
            "attack_multiplier = 1.2",
            "p_hit = 0.05",
            "closure_days = 2",
        ]
    for hub, crossing in (("North", "Torkham"), ("South", "Chaman")):
        lines += _leg(hub, crossing, 3, 2500, 1800)
    for name, _, hub in GARRISONS:
        lines += _leg(name, hub, 2, 1500, 900)
    for name, troops, hub in GARRISONS:
        crossing = "Torkham" if hub == "North" else "Chaman"
        lines += [
            f'[contingents."US@{name}"]',
            f"troops = {troops}",
            f"equipment_t = {troops}",
            f'route = ["{name}-{hub}", "{hub}-{crossing}"]',
            "prep_days = { min = 2, mode = 5, max = 12 }",
        ]
    first = ", ".join(f'"{name}"' for name, _, _ in GARRISONS[:6])
    second = ", ".join(f'"{name}"' for name, _, _ in GARRISONS[6:])
    lines += [
        "[phases.one]",
        f"members = [{first}]",
        "[phases.two]",
        f"members = [{second}]",
        'start = "one"',
        "days_after = 14",
    ]
    return "\n".join(lines) + "\n"


def _leg(origin: str, destination: str, days: int, troops: int, cargo: int) -> list[str]:
    return [
        f"[legs.{origin}-{destination}]",
        f'from = "{origin}"',
        f'to = "{destination}"',
        'mode = "road"',
        f"transit_days = {days}",
        f"troops_per_day = {troops}",
        f"cargo_t_per_day = {cargo}",
        "attack_multiplier = 1.0",
        "p_hit = 0.02",
        "closure_days = 1",
    ]


def ground_withdrawal():
    shipped = ROOT / "scenarios" / "ground-withdrawal.toml"
    if shipped.exists():
        return drawdown.load(str(shipped))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ground-withdrawal.toml"
        path.write_text(ground_withdrawal_text())
        return drawdown.load(str(path))


def places(s) -> int:
    net = s.network
    return len(s.bases) + (0 if net is None else len(net.crossings) + len(net.legs))


def stepped_days(s, out) -> np.ndarray:
    """Days each replication is stepped: from its first drawn day to its last exit (or
    the horizon's end); 0 without an order."""
    d = out.decision_day.astype(np.int64)
    first = (d - (closure_span(s) - 1)).clip(min=0)
    last = out.final_exit_day.astype(np.int64)
    last[last < 0] = s.horizon_days - 1
    return np.where(d >= 0, last - first + 1, 0)


def simulated_days(s, out) -> float:
    """Mean days a replication is stepped (:func:`stepped_days`)."""
    return float(stepped_days(s, out).sum() / max(len(out.decision_day), 1))


def slab_widths(s) -> tuple[int, ...]:
    """Columns of each per-day stream: airfields, bases, bases, airfields, then the sites four times."""
    n_air = sum(1 for base in s.bases if base.airfield)
    sites = 0 if s.network is None else s.network.sites
    return (n_air, len(s.bases), len(s.bases), n_air) + ((sites,) * 4 if sites else ())


def time_draws(s, seed: int, out) -> tuple[float, int, int]:
    """Time to draw the engine's random inputs, and the counts of per-day numbers drawn
    and used: each block draws its head slabs while any of its replications runs and a
    row's tail while it runs; each replication uses its own row of the slabs of the days
    it is stepped."""
    widths = slab_widths(s)
    per_day = sum(widths)
    days = stepped_days(s, out)
    drawn = used = 0
    t = time.perf_counter()
    start = 0
    for b, rows in blocks_for(len(days), BLOCK_SIZE):
        draws = BlockDraws(s, seed, b, rows=rows)
        buffers = tuple(np.empty((rows, w)) for w in widths)
        drawn += draws.day_stream(out=buffers).draw_steps(
            days[start : start + rows]
        )  # a partial block draws its whole head
        used += int(days[start : start + rows].sum()) * per_day
        start += rows
    return time.perf_counter() - t, drawn, used


def same_outcomes(a, b, n: int) -> bool:
    """Whether the first ``n`` replications of two runs have identical outcome arrays."""
    return all(np.array_equal(v[:n], getattr(b, k)[:n]) for k, v in a.arrays().items())


def timed(run, s, reps, seed):
    t = time.perf_counter()
    out = run(s, reps, seed)
    return time.perf_counter() - t, out


def spread(values) -> str:
    return f"min {min(values):.3f}  median {statistics.median(values):.3f}  max {max(values):.3f}"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=4000)
    ap.add_argument("--reps-v1", type=int, default=20000)
    ap.add_argument("--reps-simpy", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="few replications, one round")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "network.json")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.reps_v1, args.reps_simpy, args.repeats = 200, 1000, 5, 1
    net = ground_withdrawal()
    v1 = drawdown.load("base-force-2021-02").replace(
        {"deadline": "2021-05-01", "decision.rule": "fixed", "decision.date": "2021-04-14"}
    )
    rounds = [one_round(net, v1, args) for _ in range(args.repeats)]
    col = {k: [r[k] for r in rounds] for k in rounds[0]}
    counts = rounds[-1]
    print(f"ground withdrawal: {len(net.contingents)} contingents, {places(net)} places, {args.reps} replications")
    print(f"  network engine, s:        {spread(col['network_s'])}   (target < 5 s for 4,000)")
    print(f"  v1 engine ({args.reps_v1} reps), s: {spread(col['v1_s'])}")
    target = "not comparable with --quick: start-up dominates" if args.quick else "target <= 2"
    print(f"  cost ratio per replication-day-place (network / v1): {spread(col['ratio'])}   ({target})")
    print(f"  SimPy reference ({args.reps_simpy} reps), s: {spread(col['simpy_s'])}")
    print(f"  numpy over SimPy, replications a second: {spread(col['speedup'])}")
    print(f"  identical outcomes on the SimPy replications: {all(col['same'])}")
    print(f"  drawing the inputs alone, s: {spread(col['draws_s'])}")
    print(f"  engine over its draws: {spread(col['engine_over_draws'])}")
    print(
        f"  per-day random numbers: {counts['drawn']:,} drawn, {counts['used']:,} used "
        f"({counts['used'] / max(counts['drawn'], 1):.1%}); the used ones alone would take about "
        f"{statistics.median(col['draws_s']) * counts['used'] / max(counts['drawn'], 1):.3f} s"
    )
    write_results(args.out, net, col, counts)
    return col


def write_results(path: Path, net, col: dict, counts: dict) -> None:
    """The rounds and the medians, with the machine, the date, the commit and the command line."""
    import datetime as dt
    import shlex

    from engines import git_commit, machine, write_json_atomic

    medians = {k: statistics.median(v) for k, v in col.items() if k not in ("same", "drawn", "used")}
    data = {
        "scenario": net.name,
        "scenario_hash": net.hash,
        "medians": medians,
        "rounds": col,
        "drawn": counts["drawn"],
        "used": counts["used"],
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git_commit(),
        "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }
    write_json_atomic(path, data)
    print(f"wrote {path}")


def one_round(net, v1, args) -> dict:
    """One interleaved round: network numpy, v1 numpy, network SimPy, the draws alone."""
    t_net, out_net = timed(run_network_numpy, net, args.reps, args.seed)
    t_v1, out_v1 = timed(numpy_engine.run_numpy, v1, args.reps_v1, args.seed)
    t_simpy, out_simpy = timed(run_simpy, net, args.reps_simpy, args.seed)
    t_draws, drawn, used = time_draws(net, args.seed, out_net)
    c_net = t_net / (args.reps * simulated_days(net, out_net) * places(net))
    c_v1 = t_v1 / (args.reps_v1 * simulated_days(v1, out_v1) * places(v1))
    return {
        "network_s": t_net,
        "v1_s": t_v1,
        "ratio": c_net / c_v1,
        "simpy_s": t_simpy,
        "speedup": (args.reps / t_net) / (args.reps_simpy / t_simpy),
        "same": same_outcomes(out_simpy, out_net, args.reps_simpy),
        "draws_s": t_draws,
        "engine_over_draws": t_net / t_draws,
        "drawn": drawn,
        "used": used,
    }


if __name__ == "__main__":
    main()
