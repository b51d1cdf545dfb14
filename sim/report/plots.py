"""Plots of a run's summary, with matplotlib (no pyplot, no global backend).

Each function takes the scenario (a :class:`~drawdown.scenario.Scenario`, a
:class:`~drawdown.results.ScenarioFacts` or a ``summary.json`` dict) and its
:class:`~drawdown.results.Summary`, and returns a :class:`matplotlib.figure.Figure` with
calendar dates on the x axis, labelled axes, a legend and a title:

* :func:`drawdown_figure` -- fan chart of troops in country (5–95% and 25–75% bands,
  median), the deadline, the decision window (decision date 5–95%) and the retrograde
  completion on a second axis (``drawdown.png``);
* :func:`exit_dates_figure` -- the probability that the whole force is out by each date,
  with its Wilson 95% band and the deadline (``exit-dates.png``);
* :func:`contingents_figure` -- each contingent's exit window (5–95%, median), ordered
  by median exit (``contingents.png``);
* :func:`compare_figure` -- the exit-date curves of several scenarios on one chart
  (``compare.png``).

:func:`save_figure` writes a figure as PNG (atomically) with the Agg renderer, and
:func:`write_plots` writes a run's three plots. Figures are built with
:class:`matplotlib.figure.Figure`, so nothing here changes the backend of a notebook.

Example
-------
>>> import drawdown, tempfile
>>> from drawdown.batch import summarize
>>> from drawdown.report import exit_dates_figure, save_figure
>>> s = drawdown.load("announced-2021-09-11")
>>> fig = exit_dates_figure(s, summarize(s, 100, seed=1))
>>> fig.axes[0].get_ylabel()
'P(all troops out by date)'
>>> save_figure(fig, tempfile.mkdtemp() + "/exit-dates.png").stat().st_size > 10000
True
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..results import (
    Probability,
    ScenarioFacts,
    ScenarioLike,
    Summary,
    atomic_write,
    check_facts,
    facts_of,
    headline_probability,
    wilson,
)
from .text import QUANTILES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "drawdown_figure",
    "exit_dates_figure",
    "contingents_figure",
    "compare_figure",
    "save_figure",
    "write_plots",
    "PLOT_FILES",
    "COMPARE_PLOT",
]

#: The plots of a run directory, by file name.
PLOT_FILES = ("drawdown.png", "exit-dates.png", "contingents.png")
COMPARE_PLOT = "compare.png"

_DEADLINE = dict(color="#b2182b", linestyle="--", linewidth=1.5)
_BLUE = "#2166ac"
_GREEN = "#1b7837"


@functools.cache
def _figure_class():
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        """A Figure that a Jupyter cell shows as a PNG even when pyplot (and with it the
        notebook's inline backend) was never imported."""

        def _repr_png_(self):

            buf = io.BytesIO()
            self.savefig(buf, format="png", dpi=90)
            return buf.getvalue()

    NotebookFigure.__module__ = __name__
    return NotebookFigure


def _figure(width=10.0, height=5.5):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    NotebookFigure = _figure_class()
    fig = NotebookFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _date_axis(ax, facts, first_day: int, last_day: int) -> None:
    import matplotlib.dates as mdates

    ax.set_xlim(_num(facts, first_day), _num(facts, last_day))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def _num(facts, day) -> float:
    """Matplotlib's date number of (fractional) day ``day`` of the scenario."""
    import matplotlib.dates as mdates

    return mdates.date2num(_dt.datetime.combine(facts.start, _dt.time())) + float(day)


def _dates(facts, days) -> np.ndarray:
    return _num(facts, 0) + np.asarray(days, dtype=np.float64)


def _span(facts, summary, *, pad: int = 14) -> tuple[int, int]:
    """Days to show: from the start to a little after the 95% final exit (the horizon
    when it is not out by then)."""
    H = summary.horizon_days
    p95 = summary.quantile("final_exit_day", 0.95)
    last = H - 1 if p95 is None else min(H - 1, p95 + pad)
    if facts.deadline_day is not None:
        last = max(last, min(H - 1, facts.deadline_day + pad))
    return 0, max(last, 1)


def _run_label(summary) -> str:
    return f"{summary.n:,} replications, seed {summary.seed}, {summary.engine} engine"


def _deadline_probability(facts: ScenarioFacts, summary: Summary) -> tuple[_dt.date, Probability] | None:
    """The deadline and the probability of meeting it; None without a deadline."""
    if facts.deadline_day is None or facts.deadline is None:
        return None
    met = summary.probability("met_deadline")
    return None if met is None else (facts.deadline, met)


def _deadline_line(ax, facts, label=None):
    if facts.deadline_day is not None:
        # the deadline is met when out by the end of the deadline day
        ax.axvline(
            _num(facts, facts.deadline_day + 1), label=label or f"deadline {facts.deadline.isoformat()}", **_DEADLINE
        )


def drawdown_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """Fan chart of troops in country over calendar dates (``drawdown.png``).

    Bands of 5–95% and 25–75% and the median of the troops in country at the end of
    each day; the deadline (dashed); the decision window, 5–95% of the decision dates,
    shaded, with the median decision; and, on a second axis, the median share of the
    liftable equipment out, with its 5–95% band.
    """
    f = facts_of(scenario)
    check_facts(f, summary)
    t0, t1 = _span(f, summary)
    days = np.arange(t0, t1 + 1)
    x = _dates(f, days + 1)  # end of day t
    q = summary.daily_troops_quantiles((0.05, 0.25, 0.5, 0.75, 0.95))[:, t0 : t1 + 1]
    r = summary.daily_retrograde_quantiles((0.05, 0.5, 0.95))[:, t0 : t1 + 1] * 100

    fig = _figure()
    ax = fig.add_subplot()
    d5, d50, d95 = summary.quantiles("decision_day", QUANTILES)
    if d5 is not None:
        hi = t1 + 1 if d95 is None else d95 + 1
        ax.axvspan(_num(f, d5), _num(f, hi), color="#fdb863", alpha=0.12, linewidth=0, zorder=0)
        ax.axvspan(
            _num(f, d5),
            _num(f, hi),
            ymin=0.97,
            ymax=1.0,
            color="#e08214",
            alpha=0.7,
            linewidth=0,
            label="decision window (5–95%)" if d95 is not None else "decision window (5% – no order)",
        )
    if d50 is not None:
        ax.axvline(
            _num(f, d50),
            color="#e08214",
            linewidth=1.2,
            linestyle=":",
            label=f"median decision {f.date_of(d50).isoformat()}",
        )
    ax.fill_between(x, q[0], q[4], step="post", color=_BLUE, alpha=0.18, linewidth=0, label="troops 5–95%")
    ax.fill_between(x, q[1], q[3], step="post", color=_BLUE, alpha=0.35, linewidth=0, label="troops 25–75%")
    ax.step(x, q[2], where="post", color=_BLUE, linewidth=2, label="troops, median")
    _deadline_line(ax, f)
    ax.set_ylabel("troops in country (end of day)")
    ax.set_ylim(0, max(float(q[4].max()), 1.0) * 1.05)
    ax.grid(True, alpha=0.3)
    _date_axis(ax, f, t0, t1 + 1)

    ax2 = ax.twinx()
    ax2.step(x, r[1], where="post", color=_GREEN, linewidth=1.5, linestyle="-.", label="equipment out, median")
    ax2.step(x, r[0], where="post", color=_GREEN, linewidth=0.8, linestyle=":", label="equipment out, 5% and 95%")
    ax2.step(x, r[2], where="post", color=_GREEN, linewidth=0.8, linestyle=":")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("retrograde complete (% of liftable tonnes)")

    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize="small")
    ax.set_title(f"{f.name}: troops in country and equipment out\n{_run_label(summary)}")
    return fig


def _exit_curve(summary: Summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(out by the end of day t) for t = 0 .. H-1, with Wilson 95% bounds."""

    n = summary.n
    counts = np.cumsum(summary.hist["final_exit_day"][:-1])
    p = counts / n  # Summary.p_out_by(), without its check for replications
    bounds = np.array([wilson(int(k), n) for k in counts]) if len(counts) else np.zeros((0, 2))
    return p, bounds[:, 0], bounds[:, 1]


def exit_dates_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """Cumulative probability that the whole force is out by each date
    (``exit-dates.png``), with a pointwise Wilson 95% band and the deadline marked."""
    f = facts_of(scenario)
    check_facts(f, summary)
    t0, t1 = _span(f, summary)
    p, lo, hi = _exit_curve(summary)
    days = np.arange(t0, t1 + 1)
    x = _dates(f, days + 1)
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    ax.fill_between(
        x, lo[days], hi[days], step="post", color=_BLUE, alpha=0.2, linewidth=0, label="Wilson 95% interval"
    )
    ax.step(x, p[days], where="post", color=_BLUE, linewidth=2, label="P(all out by date)")
    met = _deadline_probability(f, summary)
    if met is not None:
        deadline, p_met = met
        _deadline_line(ax, f, label=f"deadline {deadline.isoformat()}: P = {p_met.value:.3f} ± {p_met.se:.3f}")
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("P(all troops out by date)")
    ax.grid(True, alpha=0.3)
    _date_axis(ax, f, t0, t1 + 1)
    ax.legend(loc="lower right", fontsize="small")
    cens = summary.censored
    extra = f"; {cens:,} not out by the horizon" if cens else ""
    ax.set_title(f"{f.name}: when is the whole force out?\n{_run_label(summary)}{extra}")
    return fig


def contingents_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """Each contingent's exit window: a bar from its 5% to its 95% exit date and a dot at
    the median, ordered by median exit (``contingents.png``). A window that reaches
    past the horizon is drawn to the horizon, hatched."""
    f = facts_of(scenario)
    check_facts(f, summary)
    qs = summary.contingent_exit_quantiles(QUANTILES)
    H = summary.horizon_days
    big = H + 1
    order = sorted(
        range(len(qs)), key=lambda i: tuple(big if v is None else v for v in (qs[i][1], qs[i][0], qs[i][2])) + (i,)
    )
    C = len(order)
    fig = _figure(10, max(4.0, 1.6 + 0.23 * C))
    ax = fig.add_subplot()
    t0, t1 = _span(f, summary)
    lows = [qs[i][0] for i in order]
    t_first = min((v for v in lows if v is not None), default=0)
    t0 = max(0, min(t1, t_first) - 7)
    first_censored = True
    first_window = True
    for y, i in enumerate(order):
        p5, p50, p95 = qs[i]
        start = H if p5 is None else p5
        end = H if p95 is None else p95 + 1
        label = None
        if p95 is None:
            label = "window past the horizon" if first_censored else None
            first_censored = False
            ax.barh(
                y,
                _num(f, end) - _num(f, start),
                left=_num(f, start),
                height=0.6,
                color="#d6604d",
                alpha=0.5,
                hatch="//",
                label=label,
            )
        else:
            ax.barh(
                y,
                _num(f, end) - _num(f, start),
                left=_num(f, start),
                height=0.6,
                color=_BLUE,
                alpha=0.45,
                label="exit window 5–95%" if first_window else None,
            )
            first_window = False
        if p50 is not None:
            ax.plot(
                [_num(f, p50 + 0.5)], [y], "o", color="#053061", markersize=4, label="median exit" if y == 0 else None
            )
    ax.set_yticks(range(C))
    ax.set_yticklabels([f"{f.contingents[i].id} ({f.contingents[i].troops:,})" for i in order], fontsize=7)
    ax.invert_yaxis()
    ax.set_ylabel("contingent (troops), by median exit")
    _deadline_line(ax, f)
    ax.grid(True, axis="x", alpha=0.3)
    last = max([t1] + [v + 1 for r in qs for v in r if v is not None])
    _date_axis(ax, f, t0, min(H, last + 3))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=4, fontsize="small")
    ax.set_title(f"{f.name}: exit window of each contingent\n{_run_label(summary)}")
    return fig


def compare_figure(items: Sequence[tuple[ScenarioLike, Summary]], *, title: str | None = None) -> Figure:
    """Exit-date curves of several scenarios on one chart (``compare.png``).

    Parameters
    ----------
    items : list of (scenario, Summary)
        The scenarios, the first being the baseline; each curve is the probability
        that the whole force is out by each date, with the scenario's deadline as a
        dashed line of the same colour.
    """
    facts = [(facts_of(s), summary) for s, summary in items]
    if not facts:
        raise ValueError("nothing to compare")
    for f, summary in facts:
        check_facts(f, summary)
    colours = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d"]
    styles = ["-", "-", "--", "-.", ":"]
    fig = _figure(10, 6)
    ax = fig.add_subplot()
    spans = [_span(f, summary) for f, summary in facts]
    lo_num = min(_num(f, t0) for (f, _), (t0, _) in zip(facts, spans, strict=True))
    hi_num = max(_num(f, t1 + 1) for (f, _), (_, t1) in zip(facts, spans, strict=True))
    deadlines: dict[_dt.date, tuple[str, list[str]]] = {}
    for k, (f, summary) in enumerate(facts):
        c = colours[k % len(colours)]
        H = summary.horizon_days
        t_last = int(min(H - 1, max(0, round(hi_num - _num(f, 0)) - 1)))
        p, _, _ = _exit_curve(summary)
        days = np.arange(0, t_last + 1)
        label = f.name
        met = _deadline_probability(f, summary)
        if met is not None:
            deadline, p_met = met
            label += f": P(out by {deadline.isoformat()}) = {p_met.value:.3f}"
            deadlines.setdefault(deadline, (c, []))[1].append(f.name)
        else:
            _, out = headline_probability(summary)
            label += f": no deadline; P(out by the horizon) = {out.value:.3f}"
        ax.step(
            _dates(f, days + 1),
            p[days],
            where="post",
            color=c,
            linewidth=3.0 if k == 0 else 2.0,
            linestyle=styles[(k // len(colours)) % len(styles)] if k else "-",
            label=label,
        )
    for date, (c, names) in deadlines.items():
        x = _num(facts[0][0], 0) + (date - facts[0][0].start).days + 1
        ax.axvline(x, color=c, linestyle="--", linewidth=1.2, label=f"deadline {date.isoformat()} ({', '.join(names)})")
    import matplotlib.dates as mdates

    ax.set_xlim(lo_num, hi_num)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")
    ax.set_ylabel("P(all troops out by date)")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, fontsize="small")
    first = facts[0][1]
    ax.set_title(title or f"Exit dates compared (common random numbers)\n{_run_label(first)} each")
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` as PNG, atomically, and return the path."""
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi))


def write_plots(out_dir: str | os.PathLike[str], scenario: ScenarioLike, summary: Summary) -> list[Path]:
    """Write ``drawdown.png``, ``exit-dates.png`` and ``contingents.png`` to ``out_dir``."""
    out_dir = Path(out_dir)
    out = []
    for name, make in zip(PLOT_FILES, (drawdown_figure, exit_dates_figure, contingents_figure), strict=True):
        out.append(save_figure(make(scenario, summary), out_dir / name))
    return out
