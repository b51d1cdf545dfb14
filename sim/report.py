"""Runs, tables and files for an analyst: what ``drawdown run`` prints and writes.

Everything here works on a :class:`sim.summary.Summary` and the scenario it summarises,
so the command line, the Python API and ``drawdown plot`` share it:

* :func:`iter_outcomes` runs blocks of replications with either engine, chunk by chunk;
  :func:`run_summary` summarises a fixed number of replications and
  :func:`run_to_precision` adds blocks, in block order, until the Monte Carlo standard
  error of the headline probability is small enough (DESIGN §3, §6);
* :func:`summary_table` is the text summary, :func:`run_json` the ``--json`` document;
* :func:`write_contingents_csv`, :func:`write_daily_csv` and :func:`write_run_dir` write
  an output directory (``summary.json``, ``summary.npz``, ``replications.npz``, the CSV
  files and the plots of :mod:`sim.plots`), every file atomically;
* :class:`ScenarioFacts` is what reports need of a scenario (names, dates, contingents),
  built from a :class:`~sim.scenario.Scenario` or from a stored ``summary.json``, so a
  run's files can be redrawn without the scenario file.

Example
-------
>>> import sim
>>> from sim.report import run_summary, summary_table
>>> s = sim.load("announced-2021-09-11")
>>> summary = run_summary(s, 200, seed=1)
>>> print(summary_table(s, summary).splitlines()[0])  # doctest: +ELLIPSIS
scenario      announced-2021-09-11  (hash ...)
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ResultError
from .files import atomic_write

if TYPE_CHECKING:  # numpy and the engines are imported when a function needs them
    from .summary import Summary

__all__ = [
    "DEFAULT_REPS",
    "DEFAULT_MAX_REPS",
    "DEFAULT_SIMPY_REPS",
    "default_reps",
    "QUANTILES",
    "ScenarioFacts",
    "facts_of",
    "iter_outcomes",
    "run_summary",
    "run_to_precision",
    "headline_probability",
    "precision_se",
    "precision_status",
    "summary_table",
    "run_json",
    "contingent_rows",
    "daily_rows",
    "write_contingents_csv",
    "write_daily_csv",
    "write_json",
    "write_run_dir",
    "read_run_dir",
    "atomic_write",
    "SUMMARY_JSON",
    "SUMMARY_NPZ",
    "CONTINGENTS_CSV",
    "DAILY_CSV",
    "CONTINGENT_COLUMNS",
    "DAILY_COLUMNS",
]

#: Replications of ``drawdown run`` without ``--reps``: a stable answer in a few seconds
#: (numpy engine; see :func:`default_reps`).
DEFAULT_REPS = 4000
#: The same for the SimPy engine, one replication at a time (tens of milliseconds each).
DEFAULT_SIMPY_REPS = 200
#: Cap of ``--precision`` runs without ``--max-reps`` (200 blocks of :data:`sim.draws.BLOCK_SIZE`).
DEFAULT_MAX_REPS = 200_000
#: The quantiles reported everywhere.
QUANTILES = (0.05, 0.5, 0.95)
#: What a quantile among replications not out by the horizon reads as in tables.
NOT_OUT = "not out by the horizon"

SUMMARY_JSON = "summary.json"
SUMMARY_NPZ = "summary.npz"
CONTINGENTS_CSV = "contingents.csv"
DAILY_CSV = "daily.csv"
CONTINGENT_COLUMNS = ("contingent", "nation", "base", "troops", "exit_date_p5", "exit_date_p50", "exit_date_p95",
                      "exit_day_p5", "exit_day_p50", "exit_day_p95")
DAILY_COLUMNS = ("date", "day", "troops_p5", "troops_p50", "troops_p95", "troops_mean", "retrograde_p5",
                 "retrograde_p50", "retrograde_p95")

_Z95 = 1.96


def default_reps(engine: str = "numpy") -> int:
    """Replications for a stable answer in a few seconds with ``engine``.

    >>> default_reps("numpy"), default_reps("simpy")
    (4000, 200)
    """
    return DEFAULT_SIMPY_REPS if engine == "simpy" else DEFAULT_REPS


# -- what reports need of a scenario ---------------------------------------------------------
@dataclass(frozen=True)
class ContingentFacts:
    id: str
    nation: str
    base: str
    troops: int


@dataclass(frozen=True)
class ScenarioFacts:
    """The facts of a scenario that reports and plots use.

    Build it with :meth:`from_scenario` or :meth:`from_json` (a ``summary.json``
    document), or let :func:`facts_of` pick.
    """

    name: str
    hash: str
    start: _dt.date
    horizon_days: int
    deadline: _dt.date | None
    deadline_day: int | None
    contingents: tuple

    def date_of(self, day: int) -> _dt.date:
        """Calendar date of day ``day`` (0 is ``start``)."""
        return self.start + _dt.timedelta(days=int(day))

    @classmethod
    def from_scenario(cls, s) -> "ScenarioFacts":
        return cls(name=s.name, hash=s.hash, start=s.start, horizon_days=int(s.horizon_days), deadline=s.deadline,
                   deadline_day=s.deadline_day,
                   contingents=tuple(ContingentFacts(c.id, c.nation, s.bases[c.base].name, int(c.troops))
                                     for c in s.contingents))

    @classmethod
    def from_json(cls, d: dict) -> "ScenarioFacts":
        """From a ``summary.json`` document (:func:`run_json`)."""
        try:
            deadline = d.get("deadline")
            return cls(name=d["scenario"], hash=d["scenario_hash"], start=_dt.date.fromisoformat(d["start"]),
                       horizon_days=int(d["horizon_days"]),
                       deadline=None if deadline is None else _dt.date.fromisoformat(deadline),
                       deadline_day=d.get("deadline_day"),
                       contingents=tuple(ContingentFacts(c["id"], c["nation"], c["base"], int(c["troops"]))
                                         for c in d["contingents"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ResultError(f"not a drawdown summary document ({type(e).__name__}: {e})") from e


def facts_of(scenario) -> ScenarioFacts:
    """:class:`ScenarioFacts` of a Scenario, a ``summary.json`` dict, or facts already."""
    if isinstance(scenario, ScenarioFacts):
        return scenario
    if isinstance(scenario, dict):
        return ScenarioFacts.from_json(scenario)
    return ScenarioFacts.from_scenario(scenario)


def _check(facts: ScenarioFacts, summary: Summary) -> None:
    if facts.hash != summary.scenario_hash:
        raise ResultError(f"summary is of scenario hash {summary.scenario_hash[:12]}, "
                          f"not of {facts.name!r} ({facts.hash[:12]})")


# -- running -------------------------------------------------------------------------------------
def iter_outcomes(scenario, blocks, seed: int, *, engine: str = "numpy", block_size: int | None = None,
                  chunk_blocks: int | None = None, progress=None):
    """Run ``blocks`` with an engine; yield ``(chunk, outcomes)`` in block order.

    ``chunk`` is the list of ``(block, rows)`` pairs the outcomes cover (with per-day
    arrays). The numpy engine runs ``chunk_blocks`` blocks at a time, the SimPy engine
    one block at a time; the outcomes do not depend on either.

    Parameters
    ----------
    scenario : Scenario
    blocks : list of (int, int)
    seed : int
    engine : {"numpy", "simpy"}
    progress : callable, optional
        Called with the number of replications finished since the last call.
    """
    block_size = _block_size(block_size)
    blocks = [(int(b), int(r)) for b, r in blocks]
    if engine == "numpy":
        from .numpy_engine import iter_chunks

        kw = {} if chunk_blocks is None else {"chunk_blocks": int(chunk_blocks)}
        for chunk, out in iter_chunks(scenario, sum(r for _, r in blocks), seed, block_size=block_size,
                                      blocks=blocks, **kw):
            if progress is not None:
                progress(sum(r for _, r in chunk))
            yield list(chunk), out
    elif engine == "simpy":
        from .simpy_engine import run_simpy

        for b, rows in blocks:
            out = run_simpy(scenario, rows, seed, first_block=b, record_daily=True, block_size=block_size,
                            progress=progress)
            yield [(b, rows)], out
    else:
        raise ValueError(f"unknown engine {engine!r}: expected 'numpy' or 'simpy'")


def _block_size(block_size):
    from .draws import BLOCK_SIZE

    return BLOCK_SIZE if block_size is None else int(block_size)


def _rows(outcomes, start: int, stop: int):
    """The replications ``start:stop`` of ``outcomes`` (a new Outcomes)."""
    from dataclasses import fields

    kw = {}
    for f in fields(outcomes):
        v = getattr(outcomes, f.name)
        kw[f.name] = None if v is None else v[start:stop]
    return type(outcomes)(**kw)


def _without_daily(outcomes):
    out = _rows(outcomes, 0, len(outcomes))
    out.troops_in_country = None
    out.retrograde_lifted_t = None
    return out


def run_summary(scenario, reps: int, seed: int, *, engine: str = "numpy", block_size: int | None = None,
                first_block: int = 0, progress=None, on_outcomes=None) -> Summary:
    """Run ``reps`` replications (blocks ``first_block, ...``) and summarise them.

    The same summary as :func:`sim.summary.summarize`; ``on_outcomes(chunk, outcomes)``
    also sees each chunk's per-replication outcomes (without the per-day arrays), in
    block order, for ``replications.npz``.

    Examples
    --------
    >>> import sim
    >>> from sim.summary import summarize
    >>> s = sim.load("doha-2021-05-01")
    >>> run_summary(s, 300, seed=4) == summarize(s, 300, seed=4)
    True
    """
    from .draws import blocks_for
    from .summary import Summary

    block_size = _block_size(block_size)
    blocks = [(first_block + b, r) for b, r in blocks_for(reps, block_size)]
    if not blocks:
        raise ValueError("nothing to run: no replications")
    total = None  # folded chunk by chunk: memory holds one chunk and two summaries
    for chunk, out in iter_outcomes(scenario, blocks, seed, engine=engine, block_size=block_size, progress=progress):
        part = Summary.from_outcomes(scenario, out, blocks=chunk, seed=seed, engine=engine, block_size=block_size)
        total = part if total is None else Summary.merge_all([total, part])
        if on_outcomes is not None:
            on_outcomes(chunk, _without_daily(out))
    return total


def headline_probability(summary: Summary):
    """The probability a run is about: ``("met_deadline", p)`` or, for a scenario
    without a deadline, ``("out_by_horizon", p)`` (DESIGN §3)."""
    if summary.deadline_day is None:
        return "out_by_horizon", summary.probability("out_by_horizon")
    return "met_deadline", summary.probability("met_deadline")


def precision_se(summary: Summary) -> float:
    """The standard error ``--precision`` controls: the half-width of the Wilson 95%
    interval of :func:`headline_probability`, over 1.96.

    Unlike the binomial ``sqrt(p (1 - p) / n)`` it does not vanish when no replication
    (or every one) meets the deadline, so a run cannot stop on a lucky first block of
    a handful of replications; for ``p`` away from 0 and 1 the two agree.

    Examples
    --------
    >>> import sim
    >>> from sim.summary import summarize
    >>> summary = summarize(sim.load("announced-2021-09-11"), 1000, seed=1)
    >>> summary.probability("met_deadline").value, round(precision_se(summary), 5)
    (1.0, 0.00098)
    """
    _, p = headline_probability(summary)
    return (p.high - p.low) / (2 * _Z95)


def run_to_precision(scenario, seed: int, precision: float, *, engine: str = "numpy",
                     max_blocks: int | None = None, max_reps: int | None = None, block_size: int | None = None,
                     progress=None, on_outcomes=None) -> Summary:
    """Add blocks of replications, in block order, until :func:`precision_se` is at
    most ``precision`` or the cap is reached.

    The decision is taken after each block, in block order: the result is the summary
    of blocks ``0 .. k-1`` for the first ``k`` at which the standard error is small
    enough (or of every block of the cap), whatever chunks the engine ran. Blocks run
    in batches sized from the current standard error, so a run that stops early does
    little work it throws away. Whether the target was met: ``precision_se(summary)
    <= precision`` (see :func:`precision_status`).

    Parameters
    ----------
    scenario : Scenario
    seed : int
    precision : float
        Target standard error of the probability of meeting the deadline (of being out
        by the horizon, without a deadline), in (0, 0.5].
    engine : {"numpy", "simpy"}
    max_blocks, max_reps : int, optional
        The cap: ``max_reps`` replications (``blocks_for(max_reps)``; the last block may
        be partial) or ``max_blocks`` whole blocks; by default :data:`DEFAULT_MAX_REPS`.
    progress : callable, optional
        Called with the number of replications finished since the last call.
    on_outcomes : callable, optional
        ``on_outcomes(blocks, outcomes)`` for each block kept (without per-day arrays).

    Returns
    -------
    Summary

    Examples
    --------
    >>> import sim
    >>> s = sim.load("announced-2021-09-11")  # out by its deadline in every replication
    >>> run_to_precision(s, 1, 0.01, block_size=500).n
    500
    """
    from .draws import blocks_for
    from .summary import Summary

    block_size = _block_size(block_size)
    precision = float(precision)
    if not precision > 0:
        raise ValueError(f"precision must be > 0, got {precision}")
    if max_blocks is not None and max_reps is not None:
        raise ValueError("give max_blocks or max_reps, not both")
    if max_blocks is not None:
        plan = [(b, block_size) for b in range(int(max_blocks))]
    else:
        plan = blocks_for(DEFAULT_MAX_REPS if max_reps is None else int(max_reps), block_size)
    if not plan:
        raise ValueError("the cap allows no replications")
    from .numpy_engine import DEFAULT_CHUNK_BLOCKS

    merged = None
    i = 0
    while i < len(plan):
        if merged is None:
            batch = 1
        else:
            se = precision_se(merged)
            wanted = merged.n * (se / precision) ** 2 - merged.n  # replications still needed, roughly
            batch = min(max(1, math.ceil(wanted / block_size)), DEFAULT_CHUNK_BLOCKS)
        todo = plan[i : i + batch]
        # The SimPy engine reports each replication and runs a block only when asked
        # for it; the numpy engine runs a batch at once and is reported block by block.
        inner = progress if engine == "simpy" else None
        for chunk, out in iter_outcomes(scenario, todo, seed, engine=engine, block_size=block_size,
                                        progress=inner):
            row = 0
            for b, rows in chunk:
                part = _rows(out, row, row + rows)
                row += rows
                s_b = Summary.from_outcomes(scenario, part, blocks=[(b, rows)], seed=seed, engine=engine,
                                            block_size=block_size)
                merged = s_b if merged is None else Summary.merge_all([merged, s_b])
                if progress is not None and inner is None:
                    progress(rows)
                if on_outcomes is not None:
                    on_outcomes([(b, rows)], _without_daily(part))
                if precision_se(merged) <= precision:
                    return merged
        i += len(todo)
    return merged


def precision_status(summary: Summary, precision: float, *, cap_reps: int | None = None) -> dict:
    """What a ``--precision`` run achieved, as plain data (the JSON ``precision`` object).

    Keys: ``target``, ``probability`` (``"met_deadline"`` or ``"out_by_horizon"``),
    ``se`` (:func:`precision_se`), ``met`` (bool), ``blocks``, ``replications`` and
    ``cap_replications``.
    """
    name, _ = headline_probability(summary)
    se = precision_se(summary)
    return {"target": float(precision), "probability": name, "se": se, "met": bool(se <= precision),
            "blocks": len(summary.blocks), "replications": summary.n,
            "cap_replications": None if cap_reps is None else int(cap_reps)}


# -- text ---------------------------------------------------------------------------------------
def _date(facts: ScenarioFacts, day, never: str = NOT_OUT) -> str:
    return never if day is None else f"{facts.date_of(day).isoformat()} (day {day})"


def _short_date(facts: ScenarioFacts, day, never: str = NOT_OUT) -> str:
    return never if day is None else facts.date_of(day).isoformat()


def _pm(e, digits: int = 2) -> str:
    se = "n/a" if not math.isfinite(e.se) else f"{e.se:,.{digits}f}"
    return f"{e.mean:,.{digits}f} ± {se} (s.e.)"


def _prob(p) -> str:
    return f"P = {p.value:.3f} ± {p.se:.3f} (s.e.; Wilson 95%: {p.low:.3f}–{p.high:.3f}; {p.k} of {p.n})"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def last_out(facts: ScenarioFacts, summary: Summary, count: int = 5) -> list[tuple]:
    """The ``count`` contingents that leave last: ``(index, [p5, p50, p95])``, latest
    median first (a median not out by the horizon counts as latest)."""
    qs = summary.contingent_exit_quantiles(QUANTILES)
    big = summary.horizon_days + 1

    def key(i):
        return tuple(big if q is None else q for q in (qs[i][1], qs[i][2], qs[i][0])) + (-i,)

    order = sorted(range(len(qs)), key=key, reverse=True)
    return [(i, qs[i]) for i in order[:count]]


def summary_table(scenario, summary: Summary, *, fresh_seed: bool = False, precision: dict | None = None,
                  last: int = 5) -> str:
    """The summary of a run as text (what ``drawdown run`` prints).

    Parameters
    ----------
    scenario : Scenario or ScenarioFacts or dict
        The scenario summarised (its hash must be the summary's).
    summary : Summary
    fresh_seed : bool, optional
        The seed came from the OS: say how to repeat the run.
    precision : dict, optional
        :func:`precision_status` of a ``--precision`` run.
    last : int, optional
        How many of the contingents that leave last to list.
    """
    f = facts_of(scenario)
    _check(f, summary)
    n = summary.n
    lines = [
        f"scenario      {f.name}  (hash {summary.scenario_hash[:12]})",
        f"run           {_plural(n, 'replication')}, engine {summary.engine}, seed {summary.seed}"
        + (f"  (fresh seed: pass --seed {summary.seed} to repeat)" if fresh_seed else ""),
    ]
    if precision is not None:
        what = "P(met deadline)" if precision["probability"] == "met_deadline" else "P(out by horizon)"
        if precision["met"]:
            lines.append(f"precision     s.e. of {what} {precision['se']:.4f} <= {precision['target']:g} after "
                         f"{_plural(precision['blocks'], 'block')}")
        else:
            lines.append(f"precision     target s.e. {precision['target']:g} NOT reached: s.e. of {what} "
                         f"{precision['se']:.4f} at the cap of {precision['replications']} replications "
                         "(raise --max-reps)")
    horizon = f"horizon {f.date_of(f.horizon_days - 1).isoformat()} (day {f.horizon_days - 1})"
    if f.deadline_day is None:
        lines.append(f"deadline      none (conditions-based): P(out by deadline) not applicable; {horizon}")
    else:
        lines.append(f"deadline      {f.deadline.isoformat()} (day {f.deadline_day}); {horizon}")

    d5, d50, d95 = summary.quantiles("decision_day", QUANTILES)
    never = int(summary.hist["decision_day"][-1])
    if d50 is None:
        text = "median: no order within the horizon"
    else:
        text = f"median {_date(f, d50)}"
    text += (f"; 5–95%: {_short_date(f, d5, 'no order')} .. {_short_date(f, d95, 'no order')}")
    if never:
        text += f"; no order in {_plural(never, 'replication')}"
    lines.append(f"decision      {text}")

    final = summary.quantiles("final_exit_day", QUANTILES)
    lines.append("final exit    " + "   ".join(f"{int(q * 100)}%: {_date(f, d)}" for q, d in zip(QUANTILES, final)))
    if f.deadline_day is not None:
        p = summary.probability("met_deadline")
        lines.append(f"out by {f.deadline.isoformat()}  {_prob(p)}")
    p = summary.probability("out_by_horizon")
    lines.append(f"out by horizon  {_prob(p)}")
    if f.deadline_day is not None:
        e = summary.estimate("troops_at_deadline")
        lines.append(f"at deadline   troops in country: mean {_pm(e, 1)}; 95%: {summary.quantile('troops_at_deadline', 0.95):,}")
        e = summary.estimate("troop_days_past_deadline")
        lines.append(f"past deadline troop-days: mean {_pm(e, 0)}")
    e = summary.estimate("casualties")
    a = summary.estimate("attacks")
    lines.append(f"casualties    mean {_pm(e)}; 95%: {summary.quantile('casualties', 0.95):,}; "
                 f"attacks mean {a.mean:,.2f}")
    p = summary.probability("left_before_conditions")
    lines.append(f"left early    before the conditions were met: {_prob(p)}")
    c = summary.censored
    lines.append(f"censored      {c} of {n} ({c / n:.1%}) {NOT_OUT} "
                 f"({f.date_of(f.horizon_days - 1).isoformat()})")
    rows = last_out(f, summary, last)
    if rows:
        lines.append("last out      exit dates 5% / 50% / 95% of the contingents that leave last")
        width = max(len(f.contingents[i].id) for i, _ in rows)
        for i, qs in rows:
            c = f.contingents[i]
            dates = " / ".join(_short_date(f, d) for d in qs)
            lines.append(f"  {c.id:<{width}}  {c.troops:>5,} troops  {dates}")
    return "\n".join(lines)


def run_json(scenario, summary: Summary, *, precision: dict | None = None) -> dict:
    """The ``--json`` document of a run: :meth:`Summary.to_json_dict` (with its
    ``schema_version``), plus ``precision`` (:func:`precision_status`, or None) and
    ``warnings`` (:meth:`Summary.warnings`)."""
    d = summary.to_json_dict(scenario)
    d["precision"] = precision
    d["warnings"] = summary.warnings()
    return d


def dumps(data: dict) -> str:
    """JSON text of a report document: indented, no NaN, UTF-8 characters kept."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


# -- CSV ---------------------------------------------------------------------------------------
def contingent_rows(scenario, summary: Summary) -> list[dict]:
    """One row per contingent, in scenario order (columns :data:`CONTINGENT_COLUMNS`);
    a quantile not out by the horizon is ``None``."""
    f = facts_of(scenario)
    _check(f, summary)
    out = []
    for c, qs in zip(f.contingents, summary.contingent_exit_quantiles(QUANTILES)):
        row = {"contingent": c.id, "nation": c.nation, "base": c.base, "troops": c.troops}
        for k, d in zip(("p5", "p50", "p95"), qs):
            row[f"exit_date_{k}"] = None if d is None else f.date_of(d).isoformat()
        for k, d in zip(("p5", "p50", "p95"), qs):
            row[f"exit_day_{k}"] = d
        out.append(row)
    return out


def daily_rows(scenario, summary: Summary) -> list[dict]:
    """One row per day of the horizon (columns :data:`DAILY_COLUMNS`): troops in country
    (5/50/95% and mean) and the share of the liftable equipment out (5/50/95%)."""
    f = facts_of(scenario)
    _check(f, summary)
    troops = summary.daily_troops_quantiles(QUANTILES)
    mean = summary.daily_troops_mean()
    retro = summary.daily_retrograde_quantiles(QUANTILES)
    out = []
    for t in range(summary.horizon_days):
        out.append({"date": f.date_of(t).isoformat(), "day": t,
                    "troops_p5": troops[0, t], "troops_p50": troops[1, t], "troops_p95": troops[2, t],
                    "troops_mean": round(float(mean[t]), 3),
                    "retrograde_p5": round(float(retro[0, t]), 4), "retrograde_p50": round(float(retro[1, t]), 4),
                    "retrograde_p95": round(float(retro[2, t]), 4)})
    for row in out:
        for k in ("troops_p5", "troops_p50", "troops_p95"):
            v = float(row[k])
            row[k] = int(v) if v == int(v) else v
    return out


def _csv_text(columns, rows) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r[k] is None else r[k] for k in columns})
    return buf.getvalue()


def write_contingents_csv(path, scenario, summary: Summary) -> Path:
    """Write ``contingents.csv``: :func:`contingent_rows`, empty cells for "not out by
    the horizon"."""
    return atomic_write(path, _csv_text(CONTINGENT_COLUMNS, contingent_rows(scenario, summary)))


def write_daily_csv(path, scenario, summary: Summary) -> Path:
    """Write ``daily.csv``: :func:`daily_rows`."""
    return atomic_write(path, _csv_text(DAILY_COLUMNS, daily_rows(scenario, summary)))


def write_json(path, data: dict) -> Path:
    return atomic_write(path, dumps(data) + "\n")


def write_run_dir(out_dir, scenario, summary: Summary, *, outcomes=None, precision: dict | None = None,
                  plots: bool = True) -> list[Path]:
    """Write a run's files to ``out_dir`` (created if needed) and return their paths.

    ``summary.json`` (:func:`run_json`), ``summary.npz`` (:meth:`Summary.to_npz`, for
    ``drawdown plot``), ``replications.npz`` (when ``outcomes`` are given),
    ``contingents.csv``, ``daily.csv`` and, with ``plots``, ``drawdown.png``,
    ``exit-dates.png`` and ``contingents.png`` (:func:`sim.plots.write_plots`).
    """
    from .files import REPLICATIONS_FILE, write_replications

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [write_json(out_dir / SUMMARY_JSON, run_json(scenario, summary, precision=precision)),
             summary.to_npz(out_dir / SUMMARY_NPZ)]
    if outcomes is not None:
        b = summary.book
        paths.append(write_replications(out_dir / REPLICATIONS_FILE, outcomes, meta={
            "scenario": summary.scenario_name, "scenario_hash": summary.scenario_hash, "seed": summary.seed,
            "engine": summary.engine, "version": b.version, "reps": summary.n, "block_size": b.block_size,
            "layout_version": b.layout_version, "numpy_version": b.numpy_version, "scipy_version": b.scipy_version,
        }))
    paths.append(write_contingents_csv(out_dir / CONTINGENTS_CSV, scenario, summary))
    paths.append(write_daily_csv(out_dir / DAILY_CSV, scenario, summary))
    if plots:
        from .plots import write_plots

        paths.extend(write_plots(out_dir, scenario, summary))
    return paths


def read_run_dir(directory) -> tuple[ScenarioFacts, Summary, dict]:
    """Read a run directory written by :func:`write_run_dir`: ``(facts, summary, json)``.

    Raises
    ------
    ResultError
        When ``summary.json`` or ``summary.npz`` is missing or damaged, or they are not
        of the same run.
    """
    directory = Path(directory)
    jpath, npath = directory / SUMMARY_JSON, directory / SUMMARY_NPZ
    for p in (jpath, npath):
        if not p.is_file():
            raise ResultError(f"{p}: no such file (is {directory} a directory written by `drawdown run --out`?)")
    try:
        doc = json.loads(jpath.read_text())
    except (OSError, ValueError) as e:
        raise ResultError(f"{jpath}: cannot read it as JSON ({e})") from e
    try:
        facts = ScenarioFacts.from_json(doc)
    except ResultError as e:
        raise ResultError(f"{jpath}: {e}") from e
    from .summary import Summary

    summary = Summary.from_npz(npath)
    if summary.scenario_hash != facts.hash or summary.seed != doc.get("seed") or summary.n != doc.get("replications"):
        raise ResultError(f"{jpath} and {npath} are not of the same run")
    return facts, summary, doc
