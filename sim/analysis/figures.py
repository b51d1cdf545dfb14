"""Figures of a finished sweep (``drawdown plot SWEEP_DIR``): its outcomes against each
factor, its sensitivity, and a PRIM peeling trajectory.

* ``sweep-outcomes``: a panel per outcome and factor, each point of the sweep at its
  factor value with its Monte Carlo error bar (1.96 standard errors, from ``results.csv``;
  the median exit day has none);
* ``sensitivity`` (saltelli and morris designs): per outcome, each factor's first-order
  and total Sobol' index, or its Morris ``mu*``, with its bootstrap interval;
* ``prim`` (with a condition): the peeling trajectory, coverage against density, each box
  coloured by the number of factors it restricts, the chosen box marked and its limits
  written beside it.

Files are written atomically into the sweep directory (or another), under its lock, by
:func:`drawdown.report.save_figure`: the same sweep gives the same bytes.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..batch import SweepSpec, read_results
from ..report import check_plot_format, save_figure
from ..results import claim_directory, remove_temporaries
from .morris import MorrisEffects
from .prim import PrimResult, limits_text
from .sobol import OUTCOMES
from .sweeps import ANALYSED_DESIGNS, analyze_sweep, discover_sweep, factor_value, finished_spec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SWEEP_PLOTS", "outcomes_figure", "prim_figure", "redraw_sweep_plots", "sensitivity_figure"]

#: The plots of a sweep, by file stem.
SWEEP_PLOTS = ("sweep-outcomes", "sensitivity", "prim")
#: The outcomes drawn against each factor, and their labels.
_DRAWN = {
    "p_met_deadline": "P(out by the deadline)",
    "final_exit_day_p50": "median final exit (day)",
    "casualties_mean": "mean casualties",
}
_BLUE, _RED = "#2166ac", "#b2182b"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _num(text: str) -> float:
    return float(text) if text != "" else math.nan


def outcomes_figure(spec: SweepSpec, rows: list[dict[str, str]]) -> Figure:
    """Each drawn outcome (rows) against each factor (columns), with 95% Monte Carlo error bars."""
    k = len(spec.factors)
    fig = _figure(2.6 * k + 1.0, 2.3 * len(_DRAWN) + 0.8)
    axes = fig.subplots(len(_DRAWN), k, squeeze=False, sharey="row")
    for j, f in enumerate(spec.factors):
        x = [factor_value(f.kind, r[f.key]) for r in rows]
        categorical = f.kind not in ("int", "number", "date")
        if categorical:
            names = sorted(set(x), key=str)
            x = [names.index(v) for v in x]
        for i, (outcome, label) in enumerate(_DRAWN.items()):
            ax = axes[i, j]
            y = np.array([_num(r[outcome]) for r in rows])
            se_col = OUTCOMES[outcome]
            err = None if se_col is None else 1.96 * np.array([_num(r[se_col]) for r in rows])
            ax.errorbar(x, y, yerr=err, fmt="o", ms=3, color=_BLUE, ecolor="#92c5de", elinewidth=0.8, alpha=0.8)
            if categorical:
                ax.set_xticks(range(len(names)), [str(v) for v in names], rotation=30)
            if j == 0:
                ax.set_ylabel(label)
            if i == len(_DRAWN) - 1:
                ax.set_xlabel(f.key, fontsize=8)
            ax.grid(alpha=0.3)
    fig.suptitle(
        f"{spec.base}: {len(rows)} points of a {spec.design} design, {spec.replications} replications each "
        "(bars: 1.96 standard errors)",
        fontsize=10,
    )
    return fig


def sensitivity_figure(spec: SweepSpec, results: dict[str, Any]) -> Figure:
    """Per outcome, the factors' Sobol' indices (first and total) or Morris ``mu*``, with intervals."""
    shown = [o for o in _DRAWN if o in results]
    k = len(spec.factors)
    fig = _figure(4.2 * len(shown) + 1.5, 0.45 * k + 1.8)
    axes = fig.subplots(1, len(shown), squeeze=False, sharey=True)[0]
    y = np.arange(k)
    for ax, outcome in zip(axes, shown, strict=True):
        r = results[outcome]
        if isinstance(r, MorrisEffects):
            _bars(ax, y, r.mu_star, r.mu_star_ci, _BLUE, "mu*", 0.0)
            ax.set_xlabel("mu* (outcome units per range)")
        else:
            _bars(ax, y - 0.18, r.first, r.first_ci, _BLUE, "first order", 0.0)
            _bars(ax, y + 0.18, r.total, r.total_ci, _RED, "total", 0.0)
            ax.set_xlabel("Sobol' index")
            ax.set_xlim(left=min(0.0, float(np.nanmin(np.r_[r.first_ci[:, 0], 0.0]))))
        ax.set_title(_DRAWN[outcome], fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_yticks(y, [f.key for f in spec.factors], fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(f"{ANALYSED_DESIGNS[spec.design]} of {spec.base} (bars: 95% bootstrap intervals)", fontsize=10)
    return fig


def _bars(ax, y, value, ci, color, label, floor) -> None:
    value = np.nan_to_num(np.asarray(value, float), nan=floor)
    low = np.nan_to_num(ci[:, 0], nan=floor)
    high = np.nan_to_num(ci[:, 1], nan=floor)
    err = np.vstack([np.maximum(value - low, 0), np.maximum(high - value, 0)])
    ax.barh(y, value, height=0.34, color=color, alpha=0.75, label=label, xerr=err, ecolor="#333333", capsize=2)


def prim_figure(result: PrimResult) -> Figure:
    """The peeling trajectory: coverage against density, the chosen box marked."""
    fig = _figure(8.5, 5.0)
    ax = fig.add_subplot()
    cov = [b.coverage for b in result.trajectory]
    den = [b.density for b in result.trajectory]
    restricted = [len(b.limits) for b in result.trajectory]
    points = ax.scatter(cov, den, c=restricted, cmap="viridis", s=22, zorder=3)
    ax.plot(cov, den, color="#999999", linewidth=0.8, zorder=2)
    box = result.box
    ax.scatter([box.coverage], [box.density], s=140, facecolors="none", edgecolors=_RED, linewidths=1.6, zorder=4,
               label=f"box {result.chosen}")  # fmt: skip
    ax.axhline(result.base_rate, color="#666666", linestyle=":", linewidth=1, label=f"base rate {result.base_rate:.2f}")
    lines = [f"box {result.chosen}: coverage {box.coverage:.2f}, density {box.density:.2f}"]
    lines += [f"{key}: {limits_text(v)}" for key, v in box.limits.items()]
    ax.text(0.02, 0.02, "\n".join(lines), transform=ax.transAxes, fontsize=8, va="bottom",
            bbox=dict(facecolor="white", alpha=0.85, edgecolor="#cccccc"))  # fmt: skip
    ax.set_xlabel("coverage (share of the cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left")
    fig.colorbar(points, ax=ax, label="factors restricted", ticks=range(max(restricted) + 1))
    ax.set_title(f"PRIM peeling trajectory: {result.condition}", fontsize=10)
    return fig


def redraw_sweep_plots(
    directory: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    plot_format: str = "png",
    condition: str | None = None,
    n_resamples: int = 999,
) -> list[Path]:
    """Draw a finished sweep's plots (``drawdown plot SWEEP_DIR``) into ``out_dir`` or the sweep directory.

    ``sweep-outcomes`` always; ``sensitivity`` for a saltelli or morris design; ``prim``
    when ``condition`` is given (as ``drawdown analyze --discover``).

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> from drawdown.batch import load_spec, run_sweep
    >>> out = tempfile.mkdtemp() + "/screen"
    >>> _ = run_sweep(dataclasses.replace(load_spec("screening"), points=2, replications=20), out)
    >>> [p.name for p in redraw_sweep_plots(out, n_resamples=99)]
    ['sweep-outcomes.png', 'sensitivity.png']
    """
    check_plot_format(plot_format)
    src = Path(directory)
    spec = finished_spec(src, any_design=True)
    rows = read_results(src)
    figures = [("sweep-outcomes", outcomes_figure(spec, rows))]
    if spec.design in ANALYSED_DESIGNS:
        _, results = analyze_sweep(src, n_resamples=n_resamples, noise_draws=2)
        figures.append(("sensitivity", sensitivity_figure(spec, results)))
    if condition is not None:
        _, found = discover_sweep(src, condition)
        figures.append(("prim", prim_figure(found)))
    dst = src if out_dir is None else Path(out_dir)
    names = [f"{stem}.{plot_format}" for stem, _ in figures]
    with claim_directory(dst, lambda: None, what="plots"):
        remove_temporaries(dst, names)
        return [save_figure(fig, dst / name, plot_format=plot_format) for (_, fig), name in zip(figures, names)]
