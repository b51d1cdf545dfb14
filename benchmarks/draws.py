#!/usr/bin/env python3
"""Random numbers drawn and used per replication, by stream, and the time spent drawing.

For every shipped scenario (or ``--scenario NAME``, repeatable) it runs the numpy engine
(``run_blocks``, the engine a scenario runs in) on ``--reps`` replications with one seed,
and reports per replication:

- **drawn**: the random numbers the draw layout generated for the run, counted where
  they are made (every call of every stream's generator, :func:`drawdown.draws.layout.stream`,
  is counted by the size it returns), divided by the replications: a block draws for its
  whole block size, and its per-day slabs for as long as any replication of its chunk runs;
- **used**: the numbers the model reads in each replication (MODEL-V2 §7.13), from its
  outcomes and its state-free inputs:

  ============== ==========================================================================
  stream         read by the model
  ============== ==========================================================================
  council        one uniform a meeting the council holds up to its order (the conditions
                 rule: from the day the conditions are met), the special meeting likewise;
                 none under the fixed rule
  violence       one normal a day ``1 .. L`` where the conditions index is read: ``L`` is
                 the met day (or the order, or the horizon's end) under the conditions rule
                 or for a phase that starts on the conditions, the run's last day with a
                 violence coupling and no deadline; none otherwise
  national_delay one uniform a draw column whose duration is random (min < max), once the
  prep           order is given
  before_order   the attacks' uniform where the first drawn day is after day 0 and the
                 pre-order rate is positive; the casualties' where those attacks are some
  killed         one where casualties are split and there are some
  per-day        every column of every per-day stream on each of the replication's own
                 days: from its first drawn day to its last day (its final exit, its last
                 tonne or disposal, or the horizon's end)
  ============== ==========================================================================

- **draw time**: the calls the run made, replayed on fresh generators and timed (the
  median of ``--repeats`` rounds), per replication: the cost of the numbers alone.

The used counts are model facts, the drawn counts and the time are the layout's
(``LAYOUT_VERSION``): a layout that draws only what it uses has drawn/used near 1.
It prints a table and writes ``benchmarks/results/draws.json`` (``--out``) atomically,
with the machine, the date, the git commit and the command line.

Examples::

    python benchmarks/draws.py                      # every shipped scenario, 20,000 replications
    python benchmarks/draws.py --quick              # a smoke test (seconds)
    python benchmarks/draws.py --scenario doha-2021-05-01 --reps 100000
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
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # measure the checkout, not an installed copy

import drawdown  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from drawdown.draws import BLOCK_SIZE, LAYOUT_VERSION, STREAMS, BlockInputs, blocks_for  # noqa: E402
from drawdown.draws import inputs as inputs_module  # noqa: E402
from drawdown.draws import layout as layout_module  # noqa: E402
from drawdown.engines import Outcomes, run_blocks  # noqa: E402
from drawdown.results import simd_features  # noqa: E402

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "draws.json"
PER_DAY = ("closed", "attacks", "casualties", "hits", "site_closed", "site_attacks", "site_casualties", "site_hits")
#: How the table groups the streams.
GROUPS = ("council", "violence", "durations", "before_order", "killed", "per_day")


def group_of(name: str) -> str:
    if name in ("national_delay", "prep"):
        return "durations"
    if name == "special_meeting":
        return "council"
    return "per_day" if name in PER_DAY or name == "day_tail" else name


# -- drawn: count every number a stream's generator hands out --------------------------------------
class CountingBitGenerator:
    """A generator's bit generator whose ``advance`` (skipping numbers, not drawing them) is recorded."""

    def __init__(self, gen: np.random.Generator, gid: int, calls: list) -> None:
        self._bg, self._gid, self._calls = gen.bit_generator, gid, calls

    def advance(self, delta):
        self._calls.append((self._gid, "advance", int(delta)))
        return self._bg.advance(delta)


class CountingGenerator:
    """A stream's generator that adds what it hands out to ``book`` and records each call."""

    def __init__(self, gen: np.random.Generator, name: str, gid: int, book: dict, calls: list) -> None:
        self._gen, self._name, self._gid, self._book, self._calls = gen, name, gid, book, calls
        self.bit_generator = CountingBitGenerator(gen, gid, calls)

    def _note(self, method: str, size, out) -> None:
        shape = tuple(np.shape(out)) if out is not None else tuple(np.atleast_1d(size)) if size is not None else ()
        self._book[self._name] += int(np.prod(shape)) if shape else 1
        self._calls.append((self._gid, method, shape))

    def random(self, size=None, dtype=np.float64, out=None):
        self._note("random", size, out)
        return self._gen.random(size, dtype=dtype, out=out)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        self._note("standard_normal", size, out)
        return self._gen.standard_normal(size, dtype=dtype, out=out)


#: The layout's generator makers: (module attribute, stream name of what it makes).
MAKERS = (("stream", None), ("meeting_stream", "council"), ("tail_stream", "day_tail"))


@contextmanager
def counting(book: dict, calls: list):
    """Count the draws of every generator the layout makes while inside (streams, meetings, row tails)."""
    real = {attr: getattr(layout_module, attr) for attr, _ in MAKERS}

    def maker(attr, fixed_name):
        def make(seed, block, key):
            gid = len(calls)
            name = key if fixed_name is None else fixed_name
            calls.append(("new", gid, (attr, int(block), key)))
            return CountingGenerator(real[attr](seed, block, key), name, gid, book, calls)

        return make

    for attr, fixed_name in MAKERS:
        setattr(layout_module, attr, maker(attr, fixed_name))
    inputs_module.stream = layout_module.stream
    try:
        yield
    finally:
        for attr, _ in MAKERS:
            setattr(layout_module, attr, real[attr])
        inputs_module.stream = real["stream"]


def replay(calls: list, seed: int) -> float:
    """Seconds to make the same calls on fresh generators (the numbers alone, skips included)."""
    makers = {attr: getattr(layout_module, attr) for attr, _ in MAKERS}
    t = time.perf_counter()
    gens: dict = {}
    for first, second, third in calls:
        if first == "new":
            attr, block, key = third
            gens[second] = makers[attr](seed, block, key)
        elif second == "advance":
            gens[first].bit_generator.advance(third)
        else:
            getattr(gens[first], second)(third or None)
    return time.perf_counter() - t


# -- layout 2, for comparison: its calls for the same run ------------------------------------------
def layout2_calls(s, blocks: list[tuple[int, int]], block_size: int, slabs: list[int]) -> list:
    """The generator calls draw layout 2 makes for the run: per block, the council's
    uniforms and the violence normals of every day (H, B), the durations and the draws
    before the order (as layout 3), and full-block per-day slabs for as many days as the
    block's longest replication needs (``slabs``: a lower bound on what its engines drew)."""
    H, B = s.horizon_days, block_size
    n_air = sum(1 for b in s.bases if b.airfield)
    widths = {"closed": n_air, "attacks": len(s.bases), "casualties": len(s.bases), "hits": n_air}
    sites = 0 if s.network is None else s.network.sites
    if sites:
        widths.update({k: sites for k in PER_DAY[4:]})
    columns = len(_draw_column_dists(s)) // 2
    calls: list = []

    def make(block, name, *shapes):
        gid = len(calls)
        calls.append(("new", gid, ("stream", block, name)))
        calls.extend((gid, "standard_normal" if name == "violence" else "random", shape) for shape in shapes)

    for (block, _), k in zip(blocks, slabs, strict=True):
        make(block, "council", (H, B))
        make(block, "violence", (H, B))
        make(block, "national_delay", (B, columns))
        make(block, "prep", (B, columns))
        make(block, "before_order", (B, 2))
        if s.threat.splits_casualties:
            make(block, "killed", (B,))
        for name, w in widths.items():
            make(block, name, *[(B, w)] * k)
    return calls


# -- used: what the model reads, from the outcomes --------------------------------------------------
def last_days(s, out: Outcomes) -> np.ndarray:
    """Each replication's last day: its final exit, its last tonne or disposal, or the horizon's end."""
    H = s.horizon_days
    last = np.where(out.censored, H - 1, out.final_exit_day).astype(np.int64)
    kit = out.equipment_complete_day
    if kit is not None and kit.size:
        last = np.where((kit < 0).any(axis=1), H - 1, np.maximum(last, kit.max(axis=1)))
    return last


def council_used(s, inputs: BlockInputs) -> np.ndarray:
    dec = s.decision
    n = inputs.decision_day.size
    if dec.rule == "fixed":
        return np.zeros(n, dtype=np.int64)
    H = s.horizon_days
    d = np.where(inputs.decision_day >= 0, inputs.decision_day, H - 1).astype(np.int64)
    met = inputs.met_day.astype(np.int64)
    used = np.zeros(n, dtype=np.int64)
    for m in dec.meeting_days:
        held = m <= d
        if dec.rule == "conditions":
            held &= (met >= 0) & (m >= met)
        used += held
    if dec.rule == "conditions" and dec.allow_special_meetings:
        special = met + dec.special_meeting_delay_days
        used += (met >= 0) & (special <= d) & ~np.isin(special, dec.meeting_days)
    return used


def violence_used(s, inputs: BlockInputs, last: np.ndarray) -> np.ndarray:
    H = s.horizon_days
    met = inputs.met_day.astype(np.int64)
    d = inputs.decision_day.astype(np.int64)
    L = np.zeros(met.size, dtype=np.int64)
    to_met = np.where(met >= 0, met, H - 1)
    if s.decision.rule == "conditions":
        L = np.maximum(L, np.minimum(to_met, np.where(d >= 0, d, H - 1)))
    if s.plan is not None and any(p.start == "conditions" for p in s.plan.phases):
        L = np.maximum(L, to_met)
    if s.deadline_day is None and s.threat.violence_coupling > 0:
        L = np.maximum(L, last)
    return L


def durations_used(s, inputs: BlockInputs) -> np.ndarray:
    parents = _draw_column_dists(s)
    random = sum(1 for d in parents if not d.is_fixed)
    return np.where(inputs.decision_day >= 0, random, 0).astype(np.int64)


def _draw_column_dists(s) -> list:
    """The durations of every draw column of national_delay and prep (both streams)."""
    if s.plan is None:
        cols = list(s.contingents)
    else:
        first: dict[int, object] = {}
        for c, p in zip(s.contingents, s.plan.parent, strict=True):
            first.setdefault(p, c)
        cols = [first[k] for k in sorted(first)]
    return [c.national_delay for c in cols] + [c.prep for c in cols]


def used_counts(s, inputs: BlockInputs, out: Outcomes) -> dict[str, np.ndarray]:
    """Per group of streams, the numbers each replication's model reads."""
    last = last_days(s, out)
    first = inputs.first_drawn_day.astype(np.int64)
    H = s.horizon_days
    n_air = sum(1 for b in s.bases if b.airfield)
    width = 2 * n_air + 2 * len(s.bases) + 4 * (s.network.sites if s.network is not None else 0)
    days = np.where(first < H, last - first + 1, 0)
    before = (first > 0) & (s.threat.attack_rate_before > 0)
    cas = (inputs.attacks_before > 0) & (s.threat.casualties_per_attack > 0)
    killed = (out.casualties > 0) if s.threat.splits_casualties else np.zeros(len(out), dtype=bool)
    return {
        "council": council_used(s, inputs),
        "violence": violence_used(s, inputs, last),
        "durations": durations_used(s, inputs),
        "before_order": before.astype(np.int64) + cas.astype(np.int64),
        "killed": killed.astype(np.int64),
        "per_day": days * width,
    }


# -- one scenario -----------------------------------------------------------------------------------
def measure(name: str, reps: int, seed: int, block_size: int, repeats: int) -> dict:
    s = drawdown.load(name)
    blocks = blocks_for(reps, block_size)
    book: dict = defaultdict(int)
    calls: list = []
    with counting(book, calls):
        parts = [out for _, out in run_blocks(s, blocks, seed, block_size=block_size)]
    out = Outcomes.concatenate(parts)
    drawn = {g: 0 for g in GROUPS}
    for stream_name, count in book.items():
        drawn[group_of(stream_name)] += count
    used = {g: 0 for g in GROUPS}
    slabs = []  # per block, the days its longest replication needs
    for block, rows in blocks:
        inputs = BlockInputs(s, seed, block, rows=rows, block_size=block_size)
        lo = block * block_size - blocks[0][0] * block_size
        for g, v in used_counts(s, inputs, out.rows(lo, lo + rows)).items():
            used[g] += int(v.sum())
        width = used_counts(s, inputs, out.rows(lo, lo + rows))["per_day"]
        slabs.append(int(width.max()) // max(1, _per_day_width(s)))
    old = layout2_calls(s, blocks, block_size, slabs)
    times, old_times = [], []
    for _ in range(repeats):  # interleaved: layout 3's calls, then layout 2's
        times.append(replay(calls, seed))
        old_times.append(replay(old, seed))
    ratios = sorted(a / b for a, b in zip(times, old_times))
    per = {g: {"drawn": drawn[g] / reps, "used": used[g] / reps} for g in GROUPS}
    total_drawn, total_used = sum(drawn.values()) / reps, sum(used.values()) / reps
    return {
        "scenario": name,
        "network": s.network is not None,
        "replications": reps,
        "drawn_per_rep": total_drawn,
        "used_per_rep": total_used,
        "drawn_over_used": total_drawn / total_used if total_used else None,
        "by_stream": per,
        "draw_us_per_rep": {
            "min": 1e6 * min(times) / reps,
            "median": 1e6 * float(np.median(times)) / reps,
            "max": 1e6 * max(times) / reps,
        },
        "layout2_drawn_per_rep": sum(int(np.prod(c[2])) for c in old if c[0] != "new") / reps,
        "layout2_draw_us_per_rep": {
            "min": 1e6 * min(old_times) / reps,
            "median": 1e6 * float(np.median(old_times)) / reps,
            "max": 1e6 * max(old_times) / reps,
        },
        "draw_time_over_layout2": {"min": ratios[0], "median": float(np.median(ratios)), "max": ratios[-1]},
    }


def _per_day_width(s) -> int:
    """Numbers a replication's day takes of the per-day streams."""
    n_air = sum(1 for b in s.bases if b.airfield)
    return 2 * n_air + 2 * len(s.bases) + 4 * (s.network.sites if s.network is not None else 0)


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_atomically(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def table(rows: list[dict]) -> str:
    width = max(len("scenario"), *(len(r["scenario"]) for r in rows))
    left = (
        f"{'scenario':<{width}}  {'drawn':>7}  {'used':>7}  {'drawn/used':>10}  {'draw µs/rep (median)':>20}  "
        f"{'layout 2 µs/rep':>15}  {'time ratio (min/median/max)':>27}  "
    )
    blank = " " * len(left)
    lines = [left + "  ".join(f"{g:>17}" for g in GROUPS), blank + "  ".join(f"{'drawn / used':>17}" for _ in GROUPS)]
    for r in rows:
        ratio = "n/a" if r["drawn_over_used"] is None else f"{r['drawn_over_used']:.2f}"
        cells = "  ".join(f"{r['by_stream'][g]['drawn']:>8.1f} /{r['by_stream'][g]['used']:>7.1f}" for g in GROUPS)
        lines.append(
            f"{r['scenario']:<{width}}  {r['drawn_per_rep']:>7.0f}  {r['used_per_rep']:>7.0f}  {ratio:>10}  "
            f"{r['draw_us_per_rep']['median']:>20.2f}  {r['layout2_draw_us_per_rep']['median']:>15.2f}  "
            f"{_ratios(r['draw_time_over_layout2']):>27}  {cells}"
        )
    return "\n".join(lines)


def _ratios(r: dict) -> str:
    return f"{r['min']:.2f} / {r['median']:.2f} / {r['max']:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", help="a scenario (repeatable); default: every shipped one")
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--block-size", type=int, default=BLOCK_SIZE)
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the timed replay (median quoted)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 200 replications, 1 round")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.repeats, args.block_size = 200, 1, 100
    names = args.scenario or drawdown.list_scenarios()
    rows = [measure(n, args.reps, args.seed, args.block_size, args.repeats) for n in names]
    print(f"draw layout {LAYOUT_VERSION}: random numbers per replication ({args.reps} replications, seed {args.seed})")
    print(table(rows))
    doc = {
        "benchmark": "draws",
        "layout_version": LAYOUT_VERSION,
        "streams": dict(STREAMS),
        "replications": args.reps,
        "seed": args.seed,
        "block_size": args.block_size,
        "repeats": args.repeats,
        "scenarios": rows,
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "simd": simd_features(),
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "command": shlex.join([sys.executable, *sys.argv]),
    }
    write_atomically(args.out, doc)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
