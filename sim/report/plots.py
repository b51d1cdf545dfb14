"""Plots of a run's summary, with matplotlib (no pyplot, no global backend).

Each function takes the scenario (a :class:`~drawdown.scenario.Scenario`, a
:class:`~drawdown.results.ScenarioFacts` or a ``summary.json`` dict) and its
:class:`~drawdown.results.Summary`, and returns a :class:`matplotlib.figure.Figure` with
labelled axes, a legend and a title:

* :func:`drawdown_figure` -- fan chart of troops in country (5–95% and 25–75% bands,
  median) on calendar dates, the deadline, the council's decision window as a strip
  above the chart (5–95% and 25–75% of the decision dates, median) and the retrograde
  completion on a second axis (``drawdown.png``);
* :func:`exit_dates_figure` -- the probability that the whole force is out by each date,
  with its Wilson 95% band and the deadline (``exit-dates.png``);
* :func:`contingents_figure` -- exit windows grouped by nation: contingents of a nation
  whose windows coincide share a row, and so do nations that coincide, so that only
  the nations that differ are named on their own; ordered by median exit
  (``contingents.png``);
* :func:`casualties_figure` -- the distribution of casualties per replication from the
  exact count histogram, with the mean, the median and the 95% quantile marked
  (``casualties.png``);
* :func:`compare_figure` -- the exit-date curves of several scenarios on one chart
  (``compare.png``).

:func:`save_figure` writes a figure as PNG, SVG or PDF (:data:`PLOT_FORMATS`),
atomically, with the same bytes for the same figure (no dates in the file, a fixed
SVG hash salt); :func:`write_plots` writes a run's four plots in one format
(:func:`plot_files`). Figures are built with :class:`matplotlib.figure.Figure`, so
nothing here changes the backend of a notebook.

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
>>> save_figure(fig, tempfile.mkdtemp() + "/exit-dates.svg").read_bytes()[:5]
b'<?xml'
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DrawdownError
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
from ..results.stats import count_histogram_pairs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..results.breakdown import Breakdown
    from ..scenario import Scenario

__all__ = [
    "drawdown_figure",
    "exit_dates_figure",
    "contingents_figure",
    "casualties_figure",
    "compare_figure",
    "nations_figure",
    "check_plot_format",
    "plot_files",
    "compare_plot_file",
    "save_figure",
    "write_plots",
    "PLOT_FORMATS",
    "DEFAULT_PLOT_FORMAT",
    "PLOT_NAMES",
    "PLOT_FILES",
    "COMPARE_PLOT",
    "COMPARE_PLOT_FILES",
]

#: The file formats plots are written in (the file name's extension), the first the default.
PLOT_FORMATS = ("png", "svg", "pdf")
DEFAULT_PLOT_FORMAT = "png"
#: The plots of a run directory, by file name without its extension.
PLOT_NAMES = ("drawdown", "exit-dates", "contingents", "casualties")
#: Every plot file a run directory may hold, in every format (for cleaning up
#: temporaries and recognising a run's files); :func:`plot_files` gives one format's.
PLOT_FILES = tuple(f"{name}.{ext}" for ext in PLOT_FORMATS for name in PLOT_NAMES)
#: The plot of a comparison directory in the default format, and in every format.
COMPARE_PLOT = "compare.png"
COMPARE_PLOT_FILES = tuple(f"compare.{ext}" for ext in PLOT_FORMATS)


def check_plot_format(plot_format: str) -> str:
    """``plot_format`` if it is one of :data:`PLOT_FORMATS`; else a :class:`DrawdownError`.

    Examples
    --------
    >>> from drawdown.report import check_plot_format
    >>> check_plot_format("svg")
    'svg'
    >>> check_plot_format("jpg")
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: plot format 'jpg': expected one of png, svg, pdf
    """
    if plot_format not in PLOT_FORMATS:
        raise DrawdownError(f"plot format {plot_format!r}: expected one of {', '.join(PLOT_FORMATS)}")
    return plot_format


def plot_files(plot_format: str = DEFAULT_PLOT_FORMAT) -> tuple[str, ...]:
    """The file names of a run's plots in ``plot_format``, in the order they are written.

    Examples
    --------
    >>> from drawdown.report import plot_files
    >>> plot_files("pdf")
    ('drawdown.pdf', 'exit-dates.pdf', 'contingents.pdf', 'casualties.pdf')
    """
    ext = check_plot_format(plot_format)
    return tuple(f"{name}.{ext}" for name in PLOT_NAMES)


def compare_plot_file(plot_format: str = DEFAULT_PLOT_FORMAT) -> str:
    """The file name of a comparison's plot in ``plot_format``.

    Examples
    --------
    >>> from drawdown.report import compare_plot_file
    >>> compare_plot_file(), compare_plot_file("svg")
    ('compare.png', 'compare.svg')
    """
    return f"compare.{check_plot_format(plot_format)}"


_DEADLINE = dict(color="#b2182b", linestyle="--", linewidth=1.5)
_BLUE = "#2166ac"
_GREEN = "#1b7837"
_CENSORED = "#b35806"


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


_BAND_OUTER = "#d1e5f0"  # opaque band colours: where bands meet, nothing mixes into mud
_BAND_INNER = "#92c5de"
_ORANGE = "#e08214"
_ORANGE_LIGHT = "#fdd0a2"
DECISION_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _decision_strip(strip, facts: ScenarioFacts, summary: Summary, last_day: int) -> None:
    """The council's decision window on ``strip``, a thin axes above ``ax``: a bar over
    5–95% of the decision dates, a darker one over 25–75% and a tick at the median.
    A quantile that falls among the replications with no order reaches the right edge."""
    d5, d25, d50, d75, d95 = summary.quantiles("decision_day", DECISION_QUANTILES)
    edge = last_day + 1

    def end(day):  # a decision on day t is made during day t: [t, t + 1)
        return _num(facts, edge if day is None else day + 1)

    if d5 is not None:
        label = "decision window 5–95%" if d95 is not None else "decision window 5–95% (95%: no order by the horizon)"
        strip.axvspan(_num(facts, d5), end(d95), ymin=0.3, ymax=0.7, color=_ORANGE_LIGHT, linewidth=0, label=label)
    if d25 is not None:
        strip.axvspan(
            _num(facts, d25), end(d75), ymin=0.15, ymax=0.85, color=_ORANGE, linewidth=0, label="decision window 25–75%"
        )
    if d50 is not None:
        x = _num(facts, d50 + 0.5)
        strip.plot(
            [x, x],
            [0.05, 0.95],
            color="#7f3b08",
            linewidth=2.5,
            label=f"median decision {facts.date_of(d50).isoformat()}",
        )
    if facts.deadline_day is not None:
        strip.axvline(_num(facts, facts.deadline_day + 1), **_DEADLINE)
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.set_ylabel("order", rotation=0, ha="right", va="center", fontsize="small")
    strip.tick_params(axis="x", labelbottom=False, bottom=False)
    strip.grid(True, axis="x", alpha=0.3)


def drawdown_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """Fan chart of troops in country over calendar dates (``drawdown.png``).

    Bands of 5–95% and 25–75% and the median of the troops in country at the end of
    each day (:meth:`Summary.daily_troops_quantiles`), in opaque colours; the deadline
    (dashed); above the chart, a strip with the council's decision window (5–95% and
    25–75% of the decision dates, the median), so nothing is shaded over the bands;
    and, on a second axis, the median share of the liftable equipment out, with its
    5% and 95% curves.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> from drawdown.report import drawdown_figure
    >>> s = drawdown.load("doha-2021-05-01")
    >>> fig = drawdown_figure(s, summarize(s, 200, seed=1))
    >>> fig.axes[0].get_ylabel(), fig.axes[0].child_axes[0].get_ylabel()
    ('troops in country (end of day)', 'order')
    """
    f = facts_of(scenario)
    check_facts(f, summary)
    t0, t1 = _span(f, summary)
    days = np.arange(t0, t1 + 1)
    x = _dates(f, days + 1)  # end of day t
    q = summary.daily_troops_quantiles((0.05, 0.25, 0.5, 0.75, 0.95))[:, t0 : t1 + 1]
    r = summary.daily_retrograde_quantiles((0.05, 0.5, 0.95))[:, t0 : t1 + 1] * 100

    fig = _figure(10, 6)
    ax = fig.add_subplot()
    ax.set_axisbelow(True)
    ax.fill_between(x, q[0], q[4], step="post", color=_BAND_OUTER, linewidth=0, label="troops 5–95%")
    ax.fill_between(x, q[1], q[3], step="post", color=_BAND_INNER, linewidth=0, label="troops 25–75%")
    ax.step(x, q[2], where="post", color=_BLUE, linewidth=2.2, label="troops, median")
    _deadline_line(ax, f)
    ax.set_ylabel("troops in country (end of day)")
    ax.set_ylim(0, max(float(q[4].max()), 1.0) * 1.04)
    ax.grid(True, alpha=0.3)
    _date_axis(ax, f, t0, t1 + 1)

    ax2 = ax.twinx()
    ax2.step(x, r[1], where="post", color=_GREEN, linewidth=1.5, linestyle="-.", label="equipment out, median")
    ax2.step(x, r[0], where="post", color=_GREEN, linewidth=0.8, linestyle=":", label="equipment out, 5% and 95%")
    ax2.step(x, r[2], where="post", color=_GREEN, linewidth=0.8, linestyle=":")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("retrograde complete (% of liftable tonnes)")

    strip = ax.inset_axes((0.0, 1.015, 1.0, 0.075), sharex=ax)
    _decision_strip(strip, f, summary, t1)

    handles, labels = [], []
    for a in (strip, ax, ax2):
        h, lab = a.get_legend_handles_labels()
        handles += h
        labels += lab
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize="small")
    ax.set_title(f"{f.name}: troops in country and equipment out\n{_run_label(summary)}")
    _approximate_note(ax, summary, t0, t1)
    return fig


def _approximate_note(ax: Any, summary: Summary, t0: int, t1: int) -> None:
    """Say so under the chart when some day's band is approximate: a day with more distinct
    values than a summary keeps exactly is binned (:meth:`Summary.daily_bands_exact`)."""
    exact = summary.daily_bands_exact()
    shown = slice(t0, t1 + 1)
    approx = int((~exact["troops"][shown] | ~exact["retrograde"][shown]).sum())
    if approx:
        ax.text(
            0.99, 0.03, f"bands approximate (binned) on {approx} of {t1 - t0 + 1} days", transform=ax.transAxes,
            ha="right", va="bottom", fontsize="small", color="#a33", zorder=5,
            bbox={"facecolor": "white", "edgecolor": "#a33", "alpha": 0.9},
        )  # fmt: skip


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


#: The exit quantiles of a row of the contingents chart: 5–95% line, 25–75% bar, median.
EXIT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Exit windows coincide when, at each of :data:`EXIT_QUANTILES`, their 95% Monte Carlo
#: intervals (:func:`quantile_interval`) come within this share of the chart's span (at
#: least a day) of each other, and their shares not out by the horizon within
#: :data:`COINCIDE_CENSORED`.
COINCIDE_SPAN_SHARE = 0.01
COINCIDE_CENSORED = 0.02
_LEGEND_ORDER = ("median exit", "exit window 25–75%", "exit window 5–95%", "window past the horizon")
_MAX_NAMED = 3  # a row of more nations than this is named in a note below the chart
_Z95 = 1.959963984540054


def quantile_interval(summary: Summary, q: float, *, index: int, z: float = _Z95) -> tuple[int, int]:
    """Distribution-free interval for a contingent's exit-day ``q`` quantile: the
    quantiles at ``q -/+ z * sqrt(q (1 - q) / n)`` (order statistics of the exact
    histogram), with "not out by the horizon" as the horizon day.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> from drawdown.report.plots import quantile_interval
    >>> summary = summarize(drawdown.load("doha-2021-05-01"), 400, seed=1)
    >>> lo, hi = quantile_interval(summary, 0.5, index=0)
    >>> lo <= summary.quantile("exit_day", 0.5, index=0) <= hi
    True
    """
    half = z * float(np.sqrt(q * (1 - q) / summary.n))
    H = summary.horizon_days
    lo = summary.quantile("exit_day", max(0.0, q - half), index=index)
    hi = summary.quantile("exit_day", min(1.0, q + half), index=index)
    return _big(lo, H), _big(hi, H)


@dataclass
class _ExitRow:
    """A row of the contingents chart: contingents (scenario indices) whose exit windows
    coincide; per quantile, the smallest and largest value among them (None: past the
    horizon) and the intersection of their Monte Carlo intervals (``ci_low`` its start,
    ``ci_high`` its end: may cross when the members differ by less than the tolerance)."""

    members: list[int]
    low: list[int | None]
    high: list[int | None]
    medians: list[int | None]
    ci_low: list[int]
    ci_high: list[int]
    censored: float  # the largest share of replications with a member not out by the horizon
    nations: list[str]


def _big(v: int | None, horizon: int) -> int:
    return horizon if v is None else v


def _coincide(a: _ExitRow, b: _ExitRow, tol_days: int) -> bool:
    """Whether ``a`` and ``b`` cannot be told apart: at each quantile the intervals of all
    their members come within ``tol_days``, and their censored shares are close."""
    for lo_a, hi_a, lo_b, hi_b in zip(a.ci_low, a.ci_high, b.ci_low, b.ci_high, strict=True):
        if max(lo_a, lo_b) - min(hi_a, hi_b) > tol_days:
            return False
    return abs(a.censored - b.censored) <= COINCIDE_CENSORED


def _joined(a: _ExitRow, b: _ExitRow) -> _ExitRow:
    def lo(x, y):
        return None if x is None or y is None else min(x, y)

    def hi(x, y):
        return None if x is None or y is None else max(x, y)

    return _ExitRow(
        a.members + b.members,
        [lo(x, y) for x, y in zip(a.low, b.low, strict=True)],
        [hi(x, y) for x, y in zip(a.high, b.high, strict=True)],
        a.medians + b.medians,
        [max(x, y) for x, y in zip(a.ci_low, b.ci_low, strict=True)],
        [min(x, y) for x, y in zip(a.ci_high, b.ci_high, strict=True)],
        max(a.censored, b.censored),
        a.nations + [n for n in b.nations if n not in a.nations],
    )


def _cluster(rows: list[_ExitRow], tol_days: int, horizon: int) -> list[_ExitRow]:
    """Rows sorted by median exit (then 5%, 95%, scenario order), each row joined with
    the following ones that coincide with it (greedily, so the result is deterministic)."""

    def key(r: _ExitRow):
        return (_big(r.low[2], horizon), _big(r.low[0], horizon), _big(r.high[4], horizon), r.members[0])

    out: list[_ExitRow] = []
    for r in sorted(rows, key=key):
        if out and _coincide(out[-1], r, tol_days):
            out[-1] = _joined(out[-1], r)
        else:
            out.append(r)
    return out


def _exit_rows(facts: ScenarioFacts, summary: Summary, tol_days: int) -> list[_ExitRow]:
    """The rows of the contingents chart: first each nation's contingents that coincide
    are joined, then nations (or contingents) that coincide, in order of median exit."""
    qs = summary.contingent_exit_quantiles(EXIT_QUANTILES)
    never = summary.hist["exit_day"][:, -1]
    H = summary.horizon_days
    by_nation: dict[str, list[_ExitRow]] = {}
    for i, (c, q) in enumerate(zip(facts.contingents, qs, strict=True)):
        ci = [quantile_interval(summary, p, index=i) for p in EXIT_QUANTILES]
        row = _ExitRow(
            [i], list(q), list(q), [q[2]], [v[0] for v in ci], [v[1] for v in ci], int(never[i]) / summary.n, [c.nation]
        )
        by_nation.setdefault(c.nation, []).append(row)
    rows = []
    for contingents in by_nation.values():
        rows.extend(_cluster(contingents, tol_days, H))
    return _cluster(rows, tol_days, H)


def _row_label(facts: ScenarioFacts, row: _ExitRow, notes: list[str]) -> str:
    """``UK@Kabul (750)``, ``US, 4 bases (2,500)``, ``Italy, US (3,395)`` or ``28 nations [a] (1,234)``
    with the names in ``notes``."""
    troops = sum(facts.contingents[i].troops for i in row.members)
    if len(row.members) == 1:
        return f"{facts.contingents[row.members[0]].id} ({troops:,})"
    if len(row.nations) == 1:
        return f"{row.nations[0]}, {len(row.members)} bases ({troops:,})"
    if len(row.nations) <= _MAX_NAMED:
        return f"{', '.join(sorted(row.nations))} ({troops:,})"
    mark = f"[{chr(ord('a') + len(notes))}]" if len(notes) < 26 else f"[{len(notes) + 1}]"
    notes.append(f"{mark} {', '.join(sorted(row.nations))}")
    return f"{len(row.nations)} nations {mark} ({troops:,})"


def _draw_exit_row(ax, facts: ScenarioFacts, y: int, row: _ExitRow, edge: int, first: set[str]) -> None:
    """One row: a thin line over 5–95%, a bar over 25–75%, the medians as a dot (a bar
    when they span days); a part past the horizon dotted to the edge with an arrow."""

    def label(name):
        if name in first:
            return None
        first.add(name)
        return name

    def x(day, *, end=False):
        return _num(facts, edge if day is None else day + (1 if end else 0))

    p5, p25 = row.low[0], row.low[1]
    p75, p95 = row.high[3], row.high[4]
    if p5 is not None:
        solid_end = edge if p95 is None else p95 + 1
        ax.plot(
            [x(p5), _num(facts, solid_end)],
            [y, y],
            color=_BLUE,
            linewidth=1.6,
            solid_capstyle="butt",
            label=label("exit window 5–95%"),
        )
    if p25 is not None:
        ax.barh(
            y,
            x(p75, end=True) - x(p25),
            left=x(p25),
            height=0.55,
            color=_BAND_INNER,
            linewidth=0,
            label=label("exit window 25–75%"),
        )
    if p95 is None:
        ax.plot(
            [x(None)],
            [y],
            marker=">",
            color=_CENSORED,
            markersize=7,
            linestyle="",
            label=label("window past the horizon"),
        )
    known = sorted(m for m in row.medians if m is not None)
    if known and len(known) * 2 > len(row.medians):  # the members' median of medians is a day
        ax.plot(
            [_num(facts, known[(len(row.medians) - 1) // 2] + 0.5)],
            [y],
            "o",
            color="#053061",
            markersize=5,
            label=label("median exit"),
        )


def contingents_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """Exit windows grouped by nation (``contingents.png``).

    One row per group of contingents whose exit windows coincide: a nation's
    contingents first, then nations whose rows coincide (each of the 5%, 25%, 50%, 75%
    and 95% exit quantiles within :data:`COINCIDE_SPAN_SHARE` of the chart's span, at
    least 2 days, and the shares not out by the horizon within
    :data:`COINCIDE_CENSORED`). A row shows the 5–95% window as a line, 25–75% as a
    bar and the median as a dot, each over the extremes of its members; rows are
    ordered by median exit. A contingent on its own is named ``NATION@BASE``, a
    nation's contingents together ``NATION, N bases``, a few nations by name, more by a
    count and a note below the chart; a window that reaches past the horizon ends in an
    arrow at the horizon, with the share of replications not out by then.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> from drawdown.report import contingents_figure
    >>> s = drawdown.load("doha-2021-05-01")
    >>> fig = contingents_figure(s, summarize(s, 200, seed=1))
    >>> rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    >>> len(rows) < len(s.contingents), any(r.startswith("Italy, US") for r in rows)
    (True, True)
    """
    f = facts_of(scenario)
    check_facts(f, summary)
    H = summary.horizon_days
    t0, t1 = _span(f, summary)
    qs = summary.contingent_exit_quantiles(EXIT_QUANTILES)
    t_first = min((r[0] for r in qs if r[0] is not None), default=0)
    last = max([t1] + [v + 1 for r in qs for v in r if v is not None])
    t0, edge = max(0, min(t1, t_first) - 7), min(H, last + 3)
    rows = _exit_rows(f, summary, max(2, round(COINCIDE_SPAN_SHARE * (edge - t0))))
    notes: list[str] = []
    labels = [_row_label(f, row, notes) for row in rows]
    fig = _figure(10, 2.2 + 0.36 * len(rows) + 0.2 * len(notes))
    ax = fig.add_subplot()
    first: set[str] = set()
    for y, row in enumerate(rows):
        _draw_exit_row(ax, f, y, row, edge, first)
        if row.censored >= 0.005:
            ax.annotate(
                f"{100 * row.censored:.0f}% not out",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
                color=_CENSORED,
            )
    ax.set_yticks(range(len(rows)), labels, fontsize=9)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_ylabel("contingents (troops), by median exit")
    _deadline_line(ax, f)
    ax.grid(True, axis="x", alpha=0.3)
    _date_axis(ax, f, t0, edge)
    from matplotlib.transforms import offset_copy

    below = offset_copy(ax.transAxes, fig=fig, y=-34, units="points")  # under the date axis
    handles, names = ax.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda k: _LEGEND_ORDER.index(names[k]) if names[k] in _LEGEND_ORDER else 9)
    ax.legend(
        [handles[k] for k in order],
        [names[k] for k in order],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncol=3,
        fontsize="small",
    )
    if notes:
        fig.supxlabel("\n".join(textwrap.fill(n, 150) for n in notes), x=0.01, ha="left", fontsize="small")
    ax.set_title(
        f"{f.name}: exit windows by nation ({len(f.contingents)} contingents in {len(rows)} rows)\n"
        f"{_run_label(summary)}"
    )
    return fig


#: A casualty histogram is drawn on a log axis (with 0 apart) when its 99% quantile is
#: at least this many times its median plus one: a long tail that a linear axis squashes.
LOG_TAIL_RATIO = 10


def _casualty_bins(values: np.ndarray, counts: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges (between integers: bin ``[a - 0.5, b + 0.5)`` holds the counts ``a .. b``)
    and the replications in each bin, for counts >= 1 on a log axis (bins 1, 2–3, 4–7, ...,
    equally wide there) or for every count on a linear one (at most about 80 bins)."""
    top = int(values[-1]) if len(values) else 0
    if log:
        k = max(1, top.bit_length())  # the last bin, 2**(k-1) .. 2**k - 1, holds the largest count
        edges = 2.0 ** np.arange(k + 1) - 0.5
    else:
        width = max(1, int(np.ceil((top + 1) / 80)))
        edges = np.arange(0, top + width + 1, width) - 0.5
    per_bin = np.zeros(len(edges) - 1, dtype=np.int64)
    keep = values >= (1 if log else 0)
    np.add.at(per_bin, np.searchsorted(edges, values[keep], side="right") - 1, counts[keep])
    return edges, per_bin


def _mark(ax, zero_ax, x: float, text: str, style: dict, height: float) -> None:
    """A vertical line at ``x`` with its label at its top, on the zero panel for a value
    below one half on a split axis."""
    target = zero_ax if zero_ax is not None and x < 0.5 else ax
    target.axvline(x, **style, label=text)
    target.annotate(
        text,
        (x, height),
        xytext=(3, -2),
        textcoords="offset points",
        rotation=90,
        va="top",
        fontsize="small",
        color=style["color"],
    )


def _split_axes(fig, zero_share: float):
    """A narrow panel with the share of replications without casualties (``zero_share``,
    in %) and, right of it and added first, the log axis for one casualty or more."""
    from matplotlib.ticker import FuncFormatter

    grid = fig.add_gridspec(1, 2, width_ratios=(1, 12), wspace=0.02)
    ax = fig.add_subplot(grid[0, 1])
    zero_ax = fig.add_subplot(grid[0, 0], sharey=ax)
    zero_ax.bar([0], [zero_share], width=0.8, color=_BAND_INNER, edgecolor=_BLUE, linewidth=0.8)
    zero_ax.set_xlim(-0.6, 0.6)
    zero_ax.set_xticks([0], ["none"])
    zero_ax.annotate(
        f"{zero_share:.0f}%" if zero_share >= 10 else f"{zero_share:.1f}%",
        (0, zero_share),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        fontsize="small",
    )
    zero_ax.set_ylabel("share of replications (%)")
    ax.tick_params(axis="y", labelleft=False)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("casualties in the replication (log scale; bins 1, 2–3, 4–7, ...)")
    return ax, zero_ax


def casualties_figure(scenario: ScenarioLike, summary: Summary) -> Figure:
    """The distribution of casualties per replication (``casualties.png``).

    Bars of the share of replications in each bin of the exact count histogram, with
    the median, the mean (and its standard error) and the 95% quantile marked and
    labelled. A long tail (99% quantile at least :data:`LOG_TAIL_RATIO` times the median
    plus one) is drawn on a log axis in bins 1, 2–3, 4–7, ... with no casualties on a
    panel of its own to the left; otherwise one linear axis.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> from drawdown.report import casualties_figure
    >>> s = drawdown.load("doha-2021-05-01")
    >>> fig = casualties_figure(s, summarize(s, 500, seed=1))
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
    ('log', 'casualties in the replication (log scale; bins 1, 2–3, 4–7, ...)')
    """
    f = facts_of(scenario)
    check_facts(f, summary)
    values, counts = count_histogram_pairs(summary.hist["casualties"])
    n = summary.n
    median, q95, q99 = summary.quantiles("casualties", (0.5, 0.95, 0.99))
    mean = summary.estimate("casualties")
    log = bool(len(values)) and (q99 or 0) >= LOG_TAIL_RATIO * ((median or 0) + 1)
    edges, per_bin = _casualty_bins(values, counts, log)
    share = 100 * per_bin / n
    fig = _figure(10, 5)
    zero_ax = None
    if log:
        zero = 100 * int(counts[values == 0].sum()) / n
        ax, zero_ax = _split_axes(fig, zero)
        top = max(float(share.max(initial=0)), zero)
    else:
        ax = fig.add_subplot()
        ax.set_ylabel("share of replications (%)")
        ax.set_xlabel("casualties in the replication")
        top = float(share.max(initial=0))
    ax.bar(
        edges[:-1],
        share,
        width=np.diff(edges),
        align="edge",
        color=_BAND_INNER,
        edgecolor=_BLUE,
        linewidth=0.8,
        label="replications",
    )
    ax.set_xlim(edges[0], edges[-1])
    height = top * 1.25 + 1e-9
    ax.set_ylim(0, height)
    ax.grid(True, axis="y", alpha=0.3)
    _mark(ax, zero_ax, float(median or 0), f"median {median:,}", dict(color="#053061", linewidth=2), height)
    _mark(
        ax,
        zero_ax,
        mean.mean,
        f"mean {mean.mean:,.1f} (± {mean.se:,.1f} s.e.)",
        dict(color=_DEADLINE["color"], linewidth=2, linestyle="--"),
        height,
    )
    _mark(ax, zero_ax, float(q95 or 0), f"95%: {q95:,}", dict(color="#4d4d4d", linewidth=1.2, linestyle=":"), height)
    ax.set_title(
        f"{f.name}: casualties per replication (median {median:,}, mean {mean.mean:,.1f})\n{_run_label(summary)}"
    )
    if log:
        _settle_layout(fig)
    return fig


def _settle_layout(fig) -> None:
    """Lay ``fig`` out once and keep that layout.

    Constrained layout on two panels of a gridspec with a shared axis does not settle
    in one pass: each draw moves the panels by a few millionths, so saving the same
    figure twice would give two different files. One pass at build time, then no
    layout engine, makes every save of the figure the same bytes.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")


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


#: What :func:`save_figure` passes to ``savefig`` per format so that the same figure
#: gives the same bytes: no creation date in SVG or PDF (PNG records none).
_SAVE_OPTIONS: dict[str, dict] = {
    "png": {},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None, "ModDate": None}},
}


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 110, plot_format: str | None = None) -> Path:
    """Write ``fig`` to ``path``, atomically, and return the path.

    Parameters
    ----------
    fig : Figure
    path : str or Path
        The file (its directory must exist).
    dpi : int, optional
        Pixels per inch of a PNG (and of the images inside an SVG or PDF).
    plot_format : {"png", "svg", "pdf"}, optional
        The file format; by default the extension of ``path``.

    Raises
    ------
    DrawdownError
        For a format not in :data:`PLOT_FORMATS`.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> from drawdown.report import save_figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> save_figure(fig, tempfile.mkdtemp() + "/line.pdf").read_bytes()[:5]
    b'%PDF-'
    """
    path = Path(path)
    fmt = check_plot_format(path.suffix[1:].lower() if plot_format is None else plot_format)
    import matplotlib

    # a fixed salt makes the ids in an SVG the same for the same figure
    with matplotlib.rc_context({"svg.hashsalt": "drawdown"}):
        return atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi, **_SAVE_OPTIONS[fmt]))


def _nation_order(scenario: Scenario, breakdown: Breakdown) -> list[tuple[int, list[int | None]]]:
    """Each nation's index and :data:`EXIT_QUANTILES` exit days, by median exit (then 95%
    exit; not out by the horizon last)."""
    far = 1 << 40
    rows = [(k, breakdown.quantile_days("nation_exit_day", k, EXIT_QUANTILES)) for k in range(len(scenario.nations))]
    return sorted(rows, key=lambda r: (far if r[1][2] is None else r[1][2], far if r[1][4] is None else r[1][4]))


def _nation_probabilities(scenario: Scenario, breakdown: Breakdown) -> tuple[str, list[Probability]]:
    """What the right panel shows: P(out by the deadline) per nation, or by the horizon without one."""
    rows = breakdown.nations(scenario)
    if scenario.deadline is not None:
        return f"P(out by {scenario.deadline.isoformat()})", [r.p_out_by_deadline for r in rows]  # type: ignore[misc]
    return "P(out by the horizon)", [r.p_out_by_horizon for r in rows]


def nations_figure(scenario: Scenario, breakdown: Breakdown) -> Figure:
    """Each nation's exit window and its probability of being out by the deadline (``nations.png``).

    Left: one row a nation (the latest exit of its contingents), ordered by median
    exit: the 5–95% window as a line, 25–75% as a bar, the median as a dot; a window
    past the horizon ends in an arrow. Right: the probability of being out by the
    deadline (by the horizon without one) with its 95% Wilson interval.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_blocks
    >>> from drawdown.results.breakdown import Breakdown
    >>> s = drawdown.load("doha-2021-05-01")
    >>> [(chunk, out)] = run_blocks(s, [(0, 200)], seed=1, block_size=200)
    >>> fig = nations_figure(s, Breakdown.from_outcomes(s, out, blocks=chunk))
    >>> len(fig.axes[0].get_yticklabels()) == len(s.nations)
    True
    """
    f = facts_of(scenario)
    H = breakdown.horizon_days
    order = _nation_order(scenario, breakdown)
    known = [d for _, qs in order for d in qs if d is not None]
    t0 = max(0, min(known, default=0) - 7)
    edge = min(H, max(known + [f.deadline_day or 0], default=H - 1) + 3)
    fig = _figure(11, 1.8 + 0.3 * len(order))
    ax, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (3, 1)})
    first: set[str] = set()
    troops = {n: sum(c.troops for c in scenario.contingents if c.nation == n) for n in scenario.nations}
    labels = []
    for y, (k, qs) in enumerate(order):
        row = _ExitRow(members=[], low=qs, high=qs, medians=[qs[2]], ci_low=[], ci_high=[], censored=0.0, nations=[])
        _draw_exit_row(ax, f, y, row, edge, first)
        labels.append(f"{scenario.nations[k]} ({troops[scenario.nations[k]]:,})")
    ax.set_yticks(range(len(order)), labels, fontsize=8)
    ax.set_ylim(len(order) - 0.4, -0.6)
    ax.set_ylabel("nations (troops), by median exit")
    _deadline_line(ax, f)
    ax.grid(True, axis="x", alpha=0.3)
    _date_axis(ax, f, t0, edge)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize="small")
    what, probabilities = _nation_probabilities(scenario, breakdown)
    for y, (k, _) in enumerate(order):
        p = probabilities[k]
        right.barh(y, p.value, height=0.6, color=_GREEN, alpha=0.7)
        right.plot([p.low, p.high], [y, y], color="black", linewidth=1)
    right.set_xlim(0, 1)
    right.set_xlabel(what)
    right.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"{f.name}: exit window by nation (its last contingent out)\n{breakdown.n:,} replications")
    return fig


#: The figures of a run's plots, in the order of :data:`PLOT_NAMES`.
_RUN_FIGURES = (drawdown_figure, exit_dates_figure, contingents_figure, casualties_figure)


def write_plots(
    out_dir: str | os.PathLike[str],
    scenario: ScenarioLike,
    summary: Summary,
    *,
    plot_format: str = DEFAULT_PLOT_FORMAT,
) -> list[Path]:
    """Write a run's plots to ``out_dir``: :func:`plot_files` of ``plot_format``
    (``drawdown``, ``exit-dates``, ``contingents`` and ``casualties``).

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import summarize
    >>> from drawdown.report import write_plots
    >>> s = drawdown.load("doha-2021-05-01")
    >>> [p.name for p in write_plots(tempfile.mkdtemp(), s, summarize(s, 100, seed=1), plot_format="svg")]
    ['drawdown.svg', 'exit-dates.svg', 'contingents.svg', 'casualties.svg']
    """
    out_dir = Path(out_dir)
    names = plot_files(plot_format)
    return [
        save_figure(make(scenario, summary), out_dir / name, plot_format=plot_format)
        for name, make in zip(names, _RUN_FIGURES, strict=True)
    ]
