"""Runs, tables and files for an analyst: what ``drawdown run`` prints and writes.

Everything here works on a :class:`drawdown.results.Summary` and the scenario it summarises,
so the command line, the Python API and ``drawdown plot`` share it:

* :func:`iter_outcomes` runs blocks of replications with either engine, chunk by chunk;
  :func:`run_summary` summarises a fixed number of replications and
  :func:`run_to_precision` adds blocks, in block order, until the Monte Carlo standard
  error of the headline probability is small enough (docs/design.md §3, §6);
* :func:`summary_table` is the text summary, :func:`run_json` the ``--json`` document;
* :func:`write_contingents_csv`, :func:`write_daily_csv` and :func:`write_run_dir` write
  an output directory (``summary.json``, ``summary.npz``, ``replications.npz``, the CSV
  files and the plots of :mod:`drawdown.report.plots`), every file atomically;
* :class:`ScenarioFacts` is what reports need of a scenario (names, dates, contingents),
  built from a :class:`~drawdown.scenario.Scenario` or from a stored ``summary.json``, so a
  run's files can be redrawn without the scenario file.

Example
-------
>>> import drawdown
>>> from drawdown.batch import summarize
>>> from drawdown.report import summary_table
>>> s = drawdown.load("announced-2021-09-11")
>>> summary = summarize(s, 200, seed=1)
>>> print(summary_table(s, summary).splitlines()[0])  # doctest: +ELLIPSIS
scenario      announced-2021-09-11  (hash ...)
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..draws import BLOCK_SIZE, seed_text
from ..results import Estimate, Probability, ScenarioFacts, ScenarioLike, Summary, check_facts, facts_of
from ..results.document import QUANTILE_KEYS
from ..results.document import QUANTILES as _DOCUMENT_QUANTILES
from ..scenario import Scenario

__all__ = [
    "CONTINGENT_COLUMNS",
    "DAILY_COLUMNS",
    "NOT_OUT",
    "QUANTILES",
    "contingent_rows",
    "daily_rows",
    "dumps",
    "last_out",
    "repeat_options",
    "run_json",
    "summary_table",
]

#: The quantiles reported everywhere (those of the JSON document).
QUANTILES = _DOCUMENT_QUANTILES
#: What a quantile among replications not out by the horizon reads as in tables.
NOT_OUT = "not out by the horizon"

CONTINGENT_COLUMNS = (
    "contingent",
    "nation",
    "base",
    "troops",
    "exit_date_p5",
    "exit_date_p50",
    "exit_date_p95",
    "exit_day_p5",
    "exit_day_p50",
    "exit_day_p95",
    # the order-statistic 95% intervals of the quantiles (Summary.quantile_interval)
    *(f"exit_date_{k}_ci_{end}" for k in QUANTILE_KEYS for end in ("low", "high")),
    *(f"exit_day_{k}_ci_{end}" for k in QUANTILE_KEYS for end in ("low", "high")),
)
DAILY_COLUMNS = (
    "date",
    "day",
    "troops_p5",
    "troops_p50",
    "troops_p95",
    "troops_mean",
    "retrograde_p5",
    "retrograde_p50",
    "retrograde_p95",
    # False where a day had more distinct values than a summary keeps exactly: its band
    # is then the centre of a bin (Summary.daily_bands_exact); True in every shipped run
    "troops_exact",
    "retrograde_exact",
)


# -- text ---------------------------------------------------------------------------------------
def _date(facts: ScenarioFacts, day: int | None, never: str = NOT_OUT) -> str:
    return never if day is None else f"{facts.date_of(day).isoformat()} (day {day})"


def _short_date(facts: ScenarioFacts, day: int | None, never: str = NOT_OUT) -> str:
    return never if day is None else facts.date_of(day).isoformat()


def _pm(e: Estimate, digits: int = 2) -> str:
    se = "n/a" if not math.isfinite(e.se) else f"{e.se:,.{digits}f}"
    return f"{e.mean:,.{digits}f} ± {se} (s.e.)"


def _prob(p: Probability | None) -> str:
    if p is None:  # met_deadline without a deadline
        return "not applicable"
    return f"P = {p.value:.3f} ± {p.se:.3f} (s.e.; Wilson 95%: {p.low:.3f}–{p.high:.3f}; {p.k} of {p.n})"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def last_out(facts: ScenarioFacts, summary: Summary, count: int = 5) -> list[tuple[int, list[int | None]]]:
    """The ``count`` contingents that leave last: ``(index, [p5, p50, p95])``, latest
    median first (a median not out by the horizon counts as latest)."""
    qs = summary.contingent_exit_quantiles(QUANTILES)
    big = summary.horizon_days + 1

    def key(i: int) -> tuple[int, ...]:
        return tuple(big if q is None else q for q in (qs[i][1], qs[i][2], qs[i][0])) + (-i,)

    order = sorted(range(len(qs)), key=key, reverse=True)
    return [(i, qs[i]) for i in order[:count]]


def summary_table(
    scenario: ScenarioLike, summary: Summary, *, fresh_seed: bool = False, precision: dict | None = None, last: int = 5
) -> str:
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

    Returns
    -------
    str
        One line per item, no final newline.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> print(summary_table(s, summarize(s, 100, seed=1)).splitlines()[2])
    deadline      2021-05-01 (day 75); horizon 2022-08-08 (day 539)
    """
    f = facts_of(scenario)
    check_facts(f, summary)
    lines = _run_lines(f, summary, fresh_seed, precision)
    if precision is not None:
        lines.append(_precision_line(precision))
    lines.append(_deadline_text(f))
    lines.append(_decision_line(f, summary))
    lines += _outcome_lines(f, summary)

    lines += _last_out_lines(f, summary, last)
    return "\n".join(lines)


def repeat_options(summary: Summary, precision: dict | None = None) -> str:
    """The ``drawdown run`` options that repeat a run to the bit: ``--seed S --reps N``,
    or for a ``--precision`` run ``--seed S --precision P --max-reps M`` (the same
    stopping rule, hence the same blocks), with ``--engine`` and ``--block-size`` where
    they are not the defaults.

    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> repeat_options(summarize(drawdown.load("doha-2021-05-01"), 20, seed=2**128 - 1))
    '--seed 340282366920938463463374607431768211455 --reps 20'
    """
    words = [f"--seed {seed_text(summary.seed)}"]
    if precision is None:
        words.append(f"--reps {summary.n}")
    else:
        words.append(f"--precision {precision['target']:g}")
        if precision.get("cap_replications") is not None:
            words.append(f"--max-reps {precision['cap_replications']}")
    if summary.engine != "numpy":
        words.append(f"--engine {summary.engine}")
    if summary.block_size != BLOCK_SIZE:
        words.append(f"--block-size {summary.block_size}")
    return " ".join(words)


def _run_lines(f: ScenarioFacts, summary: Summary, fresh_seed: bool, precision: dict | None) -> list[str]:
    """The scenario and the run, with how to repeat it."""
    fresh = "fresh seed; " if fresh_seed else ""
    return [
        f"scenario      {f.name}  (hash {summary.scenario_hash[:12]})",
        f"run           {_plural(summary.n, 'replication')}, engine {summary.engine}, seed {seed_text(summary.seed)}"
        f"  ({fresh}repeat with {repeat_options(summary, precision)})",
    ]


def _precision_line(precision: dict) -> str:
    """What a ``--precision`` run achieved."""
    what = "P(met deadline)" if precision["probability"] == "met_deadline" else "P(out by horizon)"
    if precision["met"]:
        return (
            f"precision     s.e. of {what} {precision['se']:.4f} <= {precision['target']:g} after "
            f"{_plural(precision['blocks'], 'block')}"
        )
    return (
        f"precision     target s.e. {precision['target']:g} NOT reached: s.e. of {what} "
        f"{precision['se']:.4f} at the cap of {precision['replications']} replications "
        "(raise --max-reps)"
    )


def _deadline_text(f: ScenarioFacts) -> str:
    """The deadline (or its absence) and the horizon."""
    horizon = f"horizon {f.date_of(f.horizon_days - 1).isoformat()} (day {f.horizon_days - 1})"
    if f.deadline_day is None or f.deadline is None:
        return f"deadline      none (conditions-based): P(out by deadline) not applicable; {horizon}"
    return f"deadline      {f.deadline.isoformat()} (day {f.deadline_day}); {horizon}"


def _interval(f: ScenarioFacts, interval: tuple[int | None, int | None], never: str = "not out") -> str:
    """An interval of days as dates: ``95% c.i. LOW .. HIGH``."""
    low, high = interval
    return f"95% c.i. {_short_date(f, low, never)} .. {_short_date(f, high, never)}"


def _modes_note(summary: Summary, name: str) -> str:
    """``; median between two modes`` where :meth:`Summary.median_between_modes` says so."""
    return "; two modes: the median may jump (see the warning)" if summary.median_between_modes(name) else ""


def _decision_line(f: ScenarioFacts, summary: Summary) -> str:
    """When the order comes: median with its interval, 5–95%, and how often never."""
    d5, d50, d95 = summary.quantiles("decision_day", QUANTILES)
    never = int(summary.hist["decision_day"][-1])
    if d50 is None:
        text = "median: no order within the horizon"
    else:
        ci = _interval(f, summary.quantile_interval("decision_day", 0.5), "no order")
        text = f"median {_date(f, d50)}, {ci}"
    text += f"; 5–95%: {_short_date(f, d5, 'no order')} .. {_short_date(f, d95, 'no order')}"
    if never:
        text += f"; no order in {_plural(never, 'replication')}"
    return f"decision      {text}{_modes_note(summary, 'decision_day')}"


def _outcome_lines(f: ScenarioFacts, summary: Summary) -> list[str]:
    """Final exit, the probabilities, the deadline's counts, casualties, censoring."""
    final = summary.quantiles("final_exit_day", QUANTILES)
    intervals = summary.quantile_intervals("final_exit_day", QUANTILES)
    lines = [
        "final exit    "
        + "   ".join(f"{int(q * 100)}%: {_date(f, d)}" for q, d in zip(QUANTILES, final, strict=True))
        + _modes_note(summary, "final_exit_day"),
        "  (95% c.i.)  "
        + "   ".join(
            f"{int(q * 100)}%: {_short_date(f, lo, 'not out')} .. {_short_date(f, hi, 'not out')}"
            for q, (lo, hi) in zip(QUANTILES, intervals, strict=True)
        ),
    ]
    if f.deadline_day is not None and f.deadline is not None:
        lines.append(f"out by {f.deadline.isoformat()}  {_prob(summary.probability('met_deadline'))}")
    lines.append(f"out by horizon  {_prob(summary.probability('out_by_horizon'))}")
    if f.deadline_day is not None:
        e = summary.estimate("troops_at_deadline")
        lines.append(
            f"at deadline   troops in country: mean {_pm(e, 1)}; 95%: {summary.quantile('troops_at_deadline', 0.95):,}"
        )
        e = summary.estimate("troop_days_past_deadline")
        lines.append(f"past deadline troop-days: mean {_pm(e, 0)}")
    e = summary.estimate("casualties")
    a = summary.estimate("attacks")
    (m_low, m_high), (t_low, t_high) = summary.quantile_intervals("casualties", (0.5, 0.95))
    lines.append(
        f"casualties    mean {_pm(e)}; median {summary.quantile('casualties', 0.5):,} (95% c.i. {m_low:,}–{m_high:,}); "
        f"95%: {summary.quantile('casualties', 0.95):,} (c.i. {t_low:,}–{t_high:,}); attacks mean {a.mean:,.2f}"
    )
    lines += _split_lines(summary)
    lines += _equipment_lines(f, summary)
    early = summary.probability("left_before_conditions")
    if early is None:
        lines.append("left early    not modelled: no rule of this scenario reads the conditions index")
    else:
        lines.append(f"left early    before the conditions were met: {_prob(early)}")
    lines.append(
        f"censored      {summary.censored} of {summary.n} ({summary.censored_fraction:.1%}) {NOT_OUT} "
        f"({f.date_of(f.horizon_days - 1).isoformat()})"
    )
    return lines


def _equipment_lines(f: ScenarioFacts, summary: Summary) -> list[str]:
    """When all the equipment is gone (handed over, disposed of, out): network scenarios only."""
    if not summary.has_equipment_day:
        return []
    days = summary.quantiles("equipment_complete_day", QUANTILES)
    text = "   ".join(f"{int(q * 100)}%: {_short_date(f, d, 'not gone')}" for q, d in zip(QUANTILES, days, strict=True))
    if f.deadline_day is not None and f.deadline is not None:
        text += f"; by {f.deadline.isoformat()}: {_prob(summary.p_equipment_by(f.deadline_day))}"
    return [f"equipment     all gone  {text}"]


def _split_lines(summary: Summary) -> list[str]:
    """Killed and wounded, where the scenario splits casualties; otherwise what casualties count."""
    if not summary.splits_casualties:
        meaning = "the coalition's killed and wounded together, in attacks; they do not reduce troops"
        return [f"{'':14}(casualties = {meaning})"]
    parts = []
    for name in ("killed", "wounded"):
        e = summary.estimate(name)
        q95, q999 = summary.quantiles(name, (0.95, 0.999))
        parts.append(f"{name} mean {_pm(e)}; 95%: {q95:,}; 99.9%: {q999:,}")
    return [
        "  of which    " + "   ".join(parts),
        "              (casualties = killed + wounded of the coalition in attacks; they do not reduce troops)",
    ]


def _last_out_lines(f: ScenarioFacts, summary: Summary, last: int) -> list[str]:
    """The contingents that leave last, with their exit dates 5% / 50% / 95%."""
    rows = last_out(f, summary, last)
    if not rows:
        return []
    lines = ["last out      exit dates 5% / 50% / 95% of the contingents that leave last (median's 95% c.i.)"]
    width = max(len(f.contingents[i].id) for i, _ in rows)
    for i, qs in rows:
        c = f.contingents[i]
        dates = " / ".join(_short_date(f, d) for d in qs)
        low, high = summary.quantile_interval("exit_day", 0.5, index=i)
        ci = f"{_short_date(f, low, 'not out')} .. {_short_date(f, high, 'not out')}"
        lines.append(f"  {c.id:<{width}}  {c.troops:>5,} troops  {dates}  ({ci})")
    return lines


def run_json(scenario: Scenario, summary: Summary, *, precision: dict | None = None) -> dict:
    """The ``--json`` document of a run: :meth:`Summary.to_json_dict` (with its
    ``schema_version``; the seed a decimal string), plus ``precision``
    (:func:`precision_status`, or None), ``warnings`` (:meth:`Summary.warnings`) and
    ``repeat``, the ``drawdown run`` options that repeat it (:func:`repeat_options`).

    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = run_json(s, summarize(s, 50, seed=7))
    >>> d["seed"], d["repeat"]
    ('7', '--seed 7 --reps 50')
    """
    d = summary.to_json_dict(scenario)
    d["precision"] = precision
    d["warnings"] = summary.warnings()
    d["repeat"] = repeat_options(summary, precision)
    return d


def dumps(data: dict) -> str:
    """JSON text of a report document: indented, no NaN, UTF-8 characters kept."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


# -- CSV ---------------------------------------------------------------------------------------
def contingent_rows(scenario: ScenarioLike, summary: Summary) -> list[dict]:
    """One row per contingent, in scenario order (columns :data:`CONTINGENT_COLUMNS`):
    exit dates and days of the quantiles, then each quantile's 95% interval
    (:meth:`Summary.quantile_interval`, ``_ci_low`` / ``_ci_high``); a quantile or an end
    not out by the horizon is ``None``."""
    f = facts_of(scenario)
    check_facts(f, summary)
    out = []
    for i, (c, qs) in enumerate(zip(f.contingents, summary.contingent_exit_quantiles(QUANTILES), strict=False)):
        row: dict[str, Any] = {"contingent": c.id, "nation": c.nation, "base": c.base, "troops": c.troops}
        for k, d in zip(QUANTILE_KEYS, qs, strict=True):
            row[f"exit_date_{k}"] = None if d is None else f.date_of(d).isoformat()
        for k, d in zip(QUANTILE_KEYS, qs, strict=True):
            row[f"exit_day_{k}"] = d
        for k, interval in zip(QUANTILE_KEYS, summary.quantile_intervals("exit_day", QUANTILES, index=i), strict=True):
            for end, d in zip(("low", "high"), interval, strict=True):
                row[f"exit_date_{k}_ci_{end}"] = None if d is None else f.date_of(d).isoformat()
                row[f"exit_day_{k}_ci_{end}"] = d
        out.append(row)
    return out


def daily_rows(scenario: ScenarioLike, summary: Summary) -> list[dict]:
    """One row per day of the horizon (columns :data:`DAILY_COLUMNS`): troops in country
    (5/50/95%, each a simulated whole number of soldiers, and the mean), the share of the
    liftable equipment out (5/50/95%, each an exact simulated tonnage over the liftable
    tonnes, unrounded) and whether the day's bands are exact (:meth:`Summary.daily_bands_exact`;
    a band that is not is the centre of a bin, and not a whole number)."""
    f = facts_of(scenario)
    check_facts(f, summary)
    troops = summary.daily_troops_quantiles(QUANTILES)
    mean = summary.daily_troops_mean()
    retro = summary.daily_retrograde_quantiles(QUANTILES)
    exact = summary.daily_bands_exact()
    out: list[dict[str, Any]] = []
    for t in range(summary.horizon_days):
        row: dict[str, Any] = {"date": f.date_of(t).isoformat(), "day": t}
        for i, k in enumerate(QUANTILE_KEYS):
            v = float(troops[i, t])
            row[f"troops_{k}"] = int(v) if v == int(v) else v
        row["troops_mean"] = round(float(mean[t]), 3)
        for i, k in enumerate(QUANTILE_KEYS):
            row[f"retrograde_{k}"] = float(retro[i, t])
        row["troops_exact"] = bool(exact["troops"][t])
        row["retrograde_exact"] = bool(exact["retrograde"][t])
        out.append(row)
    return out
