"""The per-nation, per-base, per-phase and per-leg reports (``drawdown run --by``): text and CSV files.

Everything here reads a :class:`~drawdown.results.breakdown.Breakdown` and the scenario
it breaks down; nothing runs an engine. The files (:data:`BREAKDOWN_FILES`) are new
files of a run directory, written only when asked: no file a default run writes changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..results import Probability, atomic_write
from ..results.breakdown import Breakdown, DayQuantiles, NationBreakdown, check_by
from ..scenario import Scenario
from .directory import _csv_text
from .plots import DEFAULT_PLOT_FORMAT, check_plot_format, nations_figure, save_figure

__all__ = [
    "BASE_COLUMNS",
    "BREAKDOWN_FILES",
    "LEG_COLUMNS",
    "NATION_COLUMNS",
    "NATION_DAILY_COLUMNS",
    "NATION_PLOT",
    "PHASE_COLUMNS",
    "base_rows",
    "breakdown_files",
    "breakdown_table",
    "leg_rows",
    "nation_daily_rows",
    "nation_rows",
    "nations_by_median_exit",
    "phase_rows",
    "write_breakdown",
]

NATIONS_CSV = "nations.csv"
NATIONS_DAILY_CSV = "nations_daily.csv"
BASES_CSV = "bases.csv"
PHASES_CSV = "phases.csv"
LEGS_CSV = "legs.csv"
#: The per-nation plot, by name without its extension.
NATION_PLOT = "nations"
#: Every file a breakdown may add to a run directory (its plot in every format).
BREAKDOWN_FILES = (NATIONS_CSV, NATIONS_DAILY_CSV, BASES_CSV, PHASES_CSV, LEGS_CSV) + tuple(
    f"{NATION_PLOT}.{ext}" for ext in ("png", "svg", "pdf")
)

_Q = ("p5", "p50", "p95")


def _day_columns(what: str) -> tuple[str, ...]:
    """Columns of a day outcome: days, their dates, and each quantile's 95% interval (days)."""
    days = tuple(f"{what}_day_{k}" for k in _Q)
    dates = tuple(f"{what}_date_{k}" for k in _Q)
    cis = tuple(f"{what}_day_{k}_ci_{end}" for k in _Q for end in ("low", "high"))
    return days + dates + cis


NATION_COLUMNS = (
    ("nation", "contingents", "troops", "liftable_t")
    + _day_columns("exit")
    + ("p_out_by_deadline", "p_out_by_deadline_se", "p_out_by_horizon", "p_out_by_horizon_se")
    + ("equipment_t",)
    + _day_columns("equipment")
    + ("p_equipment_by_deadline", "p_equipment_by_deadline_se")
)
NATION_DAILY_COLUMNS = (
    "day",
    "date",
    "nation",
    "troops_p5",
    "troops_p50",
    "troops_p95",
    "retrograde_p5",
    "retrograde_p50",
    "retrograde_p95",
    "equipment_p5",
    "equipment_p50",
    "equipment_p95",
)
BASE_COLUMNS = ("base",) + _day_columns("closed") + ("p_closed_by_horizon",)
PHASE_COLUMNS = ("phase",) + _day_columns("complete") + ("p_complete_by_horizon",)
LEG_COLUMNS = ("name", "kind", "mean_troops", "mean_t", "mean_days_at_capacity")


# -- rows ---------------------------------------------------------------------------------------------
def _day_cells(scenario: Scenario, what: str, q: DayQuantiles) -> dict:
    cells: dict = {}
    for k in _Q:
        day = getattr(q, k)
        cells[f"{what}_day_{k}"] = day
        cells[f"{what}_date_{k}"] = None if day is None else scenario.date_of(day).isoformat()
        low, high = getattr(q, f"{k}_ci")
        cells[f"{what}_day_{k}_ci_low"], cells[f"{what}_day_{k}_ci_high"] = low, high
    return cells


def _value(p: Probability | None) -> float | None:
    return None if p is None else p.value


def _se(p: Probability | None) -> float | None:
    """A standard error to 6 decimals (a CSV cell an analyst reads, not a number to merge)."""
    return None if p is None else round(p.se, 6)


def nation_rows(scenario: Scenario, breakdown: Breakdown) -> list[dict]:
    """``nations.csv``: one row a nation, ``Scenario.nations`` order; empty cells for "not out"."""
    rows = []
    for r in breakdown.nations(scenario):
        rows.append(
            {
                "nation": r.nation,
                "contingents": r.contingents,
                "troops": r.troops,
                "liftable_t": r.liftable_t,
                **_day_cells(scenario, "exit", r.exit_day),
                "p_out_by_deadline": _value(r.p_out_by_deadline),
                "p_out_by_deadline_se": _se(r.p_out_by_deadline),
                "p_out_by_horizon": r.p_out_by_horizon.value,
                "p_out_by_horizon_se": _se(r.p_out_by_horizon),
                "equipment_t": r.equipment_t,
                **_equipment_cells(scenario, r),
            }
        )
    return rows


def _equipment_cells(scenario: Scenario, r: NationBreakdown) -> dict:
    """The equipment columns of a nation: empty for a v1 scenario (its engines do not record them)."""
    names = _day_columns("equipment") + ("p_equipment_by_deadline", "p_equipment_by_deadline_se")
    if r.equipment_day is None:
        return dict.fromkeys(names)
    return {
        **_day_cells(scenario, "equipment", r.equipment_day),
        "p_equipment_by_deadline": _value(r.p_equipment_by_deadline),
        "p_equipment_by_deadline_se": _se(r.p_equipment_by_deadline),
    }


def nation_daily_rows(scenario: Scenario, breakdown: Breakdown) -> list[dict]:
    """``nations_daily.csv``: one row a day and nation (day-major): the 5/50/95% bands of
    its troops in country (soldiers), of its retrograde completion (share of its liftable
    tonnes out) and, from the network engines, of its equipment complete (share of its
    ``equipment_t`` gone: handed over, disposed of in place or out; empty cells
    otherwise), exact quantiles of the replications."""
    qs = (0.05, 0.5, 0.95)
    kit = breakdown.has_equipment_daily
    bands = [
        (
            breakdown.nation_daily_troops(k, qs),
            breakdown.nation_daily_retrograde(scenario, k, qs),
            breakdown.nation_daily_equipment(scenario, k, qs) if kit else None,
        )
        for k in range(len(scenario.nations))
    ]
    rows = []
    for day in range(scenario.horizon_days):
        date = scenario.date_of(day).isoformat()
        for nation, (troops, retro, gone) in zip(scenario.nations, bands, strict=True):
            row = {"day": day, "date": date, "nation": nation}
            for i, k in enumerate(_Q):
                row[f"troops_{k}"] = int(troops[i, day]) if troops[i, day].is_integer() else float(troops[i, day])
                row[f"retrograde_{k}"] = round(float(retro[i, day]), 6)
                row[f"equipment_{k}"] = None if gone is None else round(float(gone[i, day]), 6)
            rows.append(row)
    return rows


def base_rows(scenario: Scenario, breakdown: Breakdown) -> list[dict]:
    """``bases.csv``: one row a base, file order."""
    return [
        {
            "base": r.base,
            **_day_cells(scenario, "closed", r.closed_day),
            "p_closed_by_horizon": r.p_closed_by_horizon.value,
        }
        for r in breakdown.bases(scenario)
    ]


def phase_rows(scenario: Scenario, breakdown: Breakdown) -> list[dict]:
    """``phases.csv``: one row a phase, file order (network scenarios)."""
    return [
        {
            "phase": r.phase,
            **_day_cells(scenario, "complete", r.complete_day),
            "p_complete_by_horizon": r.p_complete_by_horizon.value,
        }
        for r in breakdown.phases(scenario)
    ]


def leg_rows(scenario: Scenario, breakdown: Breakdown) -> list[dict]:
    """``legs.csv``: one row a leg (file order), then one an exit (network scenarios)."""
    return [
        {
            "name": r.name,
            "kind": r.kind,
            "mean_troops": round(r.mean_troops, 3),
            "mean_t": round(r.mean_t, 3),
            "mean_days_at_capacity": round(r.mean_days_at_capacity, 3),
        }
        for r in breakdown.legs(scenario)
    ]


# -- text -----------------------------------------------------------------------------------------------
def nations_by_median_exit(rows: Iterable[NationBreakdown]) -> list[NationBreakdown]:
    """Nations by median exit day, then by 95% exit day; not out by the horizon last (stable)."""
    far = 1 << 40

    def key(r: NationBreakdown) -> tuple[int, int]:
        q = r.exit_day
        return (far if q.p50 is None else q.p50, far if q.p95 is None else q.p95)

    return sorted(rows, key=key)


def _date(scenario: Scenario, day: int | None) -> str:
    return "not out" if day is None else scenario.date_of(day).isoformat()


def _p_text(p: Probability | None) -> str:
    return "-" if p is None else f"{p.value:.3f} ± {p.se:.3f}"


def _window(scenario: Scenario, q: DayQuantiles) -> str:
    return f"{_date(scenario, q.p5)} .. {_date(scenario, q.p95)}"


def _nation_table(scenario: Scenario, breakdown: Breakdown) -> list[str]:
    rows = nations_by_median_exit(breakdown.nations(scenario))
    width = max([len("nation")] + [len(r.nation) for r in rows])
    deadline = "P(out by deadline)" if scenario.deadline is None else f"P(out by {scenario.deadline.isoformat()})"
    if scenario.deadline is None:
        deadline = "P(out by horizon)"
    kit = any(r.equipment_day is not None for r in rows)
    lines = [
        f"nations ({len(rows)}), by median exit:",
        (
            f"  {'nation':<{width}}  {'troops':>7}  {'median exit':<11}  {'90% (5–95%)':<24}  {deadline:<18}"
            + ("  equipment gone (median)" if kit else "")
        ).rstrip(),
    ]
    for r in rows:
        p = r.p_out_by_deadline if scenario.deadline is not None else r.p_out_by_horizon
        kit_text = f"  {_date(scenario, r.equipment_day.p50)}" if r.equipment_day is not None else ""
        lines.append(
            f"  {r.nation:<{width}}  {r.troops:>7,}  {_date(scenario, r.exit_day.p50):<11}  "
            f"{_window(scenario, r.exit_day):<24}  {_p_text(p):<18}{kit_text}".rstrip()
        )
    return lines


def _base_table(scenario: Scenario, breakdown: Breakdown) -> list[str]:
    rows = breakdown.bases(scenario)
    width = max([len("base")] + [len(r.base) for r in rows])
    lines = [f"bases ({len(rows)}), day closed:", f"  {'base':<{width}}  {'median':<11}  90% (5–95%)"]
    for r in rows:
        q = r.closed_day
        lines.append(f"  {r.base:<{width}}  {_date(scenario, q.p50):<11}  {_window(scenario, q)}")
    return lines


def _phase_table(scenario: Scenario, breakdown: Breakdown) -> list[str]:
    rows = breakdown.phases(scenario)
    if not rows:
        return ["phases: none (the plan has no phases: every contingent starts with the order)"]
    width = max([len("phase")] + [len(r.phase) for r in rows])
    lines = [
        f"phases ({len(rows)}), day complete:",
        f"  {'phase':<{width}}  {'median':<11}  {'90% (5–95%)':<24}  P(complete by horizon)",
    ]
    for r in rows:
        q = r.complete_day
        lines.append(
            f"  {r.phase:<{width}}  {_date(scenario, q.p50):<11}  {_window(scenario, q):<24}  "
            f"{_p_text(r.p_complete_by_horizon)}"
        )
    return lines


def _leg_table(scenario: Scenario, breakdown: Breakdown) -> list[str]:
    rows = breakdown.legs(scenario)
    width = max([len("leg / exit")] + [len(r.name) for r in rows])
    lines = [
        f"legs and exits ({len(rows)}), means per replication:",
        f"  {'leg / exit':<{width}}  {'kind':<11}  {'troops':>9}  {'tonnes':>9}  days at capacity",
    ]
    for r in rows:
        lines.append(
            f"  {r.name:<{width}}  {r.kind:<11}  {r.mean_troops:>9,.0f}  {r.mean_t:>9,.0f}  "
            f"{r.mean_days_at_capacity:.1f}"
        )
    return lines


_TABLES = {"nation": _nation_table, "base": _base_table, "phase": _phase_table, "leg": _leg_table}


def breakdown_table(scenario: Scenario, breakdown: Breakdown, by: Iterable[str]) -> str:
    """The breakdowns ``by`` asks for as text, one table each (what ``drawdown run --by`` prints).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_blocks
    >>> s = drawdown.load("doha-2021-05-01")
    >>> [(chunk, out)] = run_blocks(s, [(0, 200)], seed=1, block_size=200)
    >>> text = breakdown_table(s, Breakdown.from_outcomes(s, out, blocks=chunk), ["nation"])
    >>> text.splitlines()[0]
    'nations (36), by median exit:'
    """
    parts = ["\n".join(_TABLES[what](scenario, breakdown)) for what in check_by(scenario, by)]
    return "\n\n".join(parts)


# -- files -------------------------------------------------------------------------------------------------
def breakdown_files(
    scenario: Scenario, by: Iterable[str], *, plots: bool = True, plot_format: str = "png"
) -> list[str]:
    """The files :func:`write_breakdown` writes for ``by``, in order."""
    names: list[str] = []
    for what in check_by(scenario, by):
        names.extend(
            {
                "nation": [NATIONS_CSV, NATIONS_DAILY_CSV] + ([f"{NATION_PLOT}.{plot_format}"] if plots else []),
                "base": [BASES_CSV],
                "phase": [PHASES_CSV],
                "leg": [LEGS_CSV],
            }[what]
        )
    return names


def write_breakdown(
    out_dir: str | os.PathLike[str],
    scenario: Scenario,
    breakdown: Breakdown,
    by: Iterable[str],
    *,
    plots: bool = True,
    plot_format: str = DEFAULT_PLOT_FORMAT,
) -> list[Path]:
    """Write the files of the breakdowns ``by`` asks for into ``out_dir``, each atomically.

    ``nation``: ``nations.csv`` (:func:`nation_rows`), ``nations_daily.csv``
    (:func:`nation_daily_rows`, when the breakdown has the per-nation days) and the plot
    ``nations.PLOT_FORMAT``; ``base``: ``bases.csv``; ``phase``: ``phases.csv``;
    ``leg``: ``legs.csv``. Returns the paths written.
    """
    check_plot_format(plot_format)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for what in check_by(scenario, by):
        if what == "nation":
            written.append(
                atomic_write(out_dir / NATIONS_CSV, _csv_text(NATION_COLUMNS, nation_rows(scenario, breakdown)))
            )
            if breakdown.has_daily:
                text = _csv_text(NATION_DAILY_COLUMNS, nation_daily_rows(scenario, breakdown))
                written.append(atomic_write(out_dir / NATIONS_DAILY_CSV, text))
            if plots:
                fig = nations_figure(scenario, breakdown)
                written.append(save_figure(fig, out_dir / f"{NATION_PLOT}.{plot_format}", plot_format=plot_format))
        else:
            name, columns, rows = {
                "base": (BASES_CSV, BASE_COLUMNS, base_rows),
                "phase": (PHASES_CSV, PHASE_COLUMNS, phase_rows),
                "leg": (LEGS_CSV, LEG_COLUMNS, leg_rows),
            }[what]
            written.append(atomic_write(out_dir / name, _csv_text(columns, rows(scenario, breakdown))))
    return written
