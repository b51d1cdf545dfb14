#!/usr/bin/env python3
"""Benchmark the vectorised network engine (model v2) against the v1 numpy engine.

Measures, in ``--repeats`` interleaved rounds (network, v1, network, v1, ...: other
work on a shared machine slows both alike):

- the time of ``--reps`` (default 4,000) replications of a 100,000-troop ground
  withdrawal (``scenarios/ground-withdrawal.toml`` when it exists, else the one this
  script writes: a dozen garrisons driving to two hubs, two border crossings, two
  stages with a pause between them), target under 5 s on a 2-core machine (issue 15);
- the cost per replication-day-place of each engine: time / (reps * simulated days *
  places), simulated days = the mean over replications of (last day with a state
  change) - first drawn day + 1, places = bases + crossings + legs; the v1 engine on
  ``scenarios/base-force-2021-02.toml`` under its ``doha-2021-05-01`` deadline (the
  base force alone has no order). Target: the network engine's cost within 2x the v1's.

Prints min / median / max of each time and of the ratio; no per-day arrays are kept.

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
from drawdown.engines import numpy_engine  # noqa: E402
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


def simulated_days(s, out) -> float:
    """Mean days a replication is stepped: from its first drawn day to its last exit (or the horizon)."""
    from drawdown.draws import closure_span

    d = out.decision_day.astype(float)
    first = (d - (closure_span(s) - 1)).clip(min=0)
    last = out.final_exit_day.astype(float)
    last[last < 0] = s.horizon_days - 1
    ordered = d >= 0
    return float(((last - first + 1) * ordered).sum() / max(len(d), 1))


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
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="few replications, one round")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.reps_v1, args.repeats = 200, 1000, 1
    net = ground_withdrawal()
    v1 = drawdown.load("base-force-2021-02").replace(
        {"deadline": "2021-05-01", "decision.rule": "fixed", "decision.date": "2021-04-14"}
    )
    net_times, v1_times, ratios = [], [], []
    for _ in range(args.repeats):
        t_net, out_net = timed(run_network_numpy, net, args.reps, args.seed)
        t_v1, out_v1 = timed(numpy_engine.run_numpy, v1, args.reps_v1, args.seed)
        c_net = t_net / (args.reps * simulated_days(net, out_net) * places(net))
        c_v1 = t_v1 / (args.reps_v1 * simulated_days(v1, out_v1) * places(v1))
        net_times.append(t_net)
        v1_times.append(t_v1)
        ratios.append(c_net / c_v1)
    print(f"ground withdrawal: {len(net.contingents)} contingents, {places(net)} places, {args.reps} replications")
    print(f"  network engine, s:        {spread(net_times)}   (target < 5 s for 4,000)")
    print(f"  v1 engine ({args.reps_v1} reps), s: {spread(v1_times)}")
    print(f"  cost ratio per replication-day-place (network / v1): {spread(ratios)}   (target <= 2)")
    return {"network_s": net_times, "v1_s": v1_times, "ratio": ratios}


if __name__ == "__main__":
    main()
