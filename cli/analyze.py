"""``drawdown analyze``: the Sobol' sensitivity indices of a finished saltelli sweep."""

from __future__ import annotations

import json
import math

import click

from .options import json_option, quiet_option, report_errors, warn


@click.command("analyze")
@click.argument("directory", metavar="SWEEP_DIR", type=click.Path(exists=True, file_okay=False, dir_okay=True))
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Of the bootstrap intervals.",
)
@click.option("--resamples", type=click.IntRange(min=99), default=999, show_default=True, help="Bootstrap resamples.")
@json_option
@quiet_option
@report_errors
def analyze(directory: str, confidence: float, resamples: int, as_json: bool, quiet: bool) -> None:
    """Sobol' indices of every outcome of the sweep in SWEEP_DIR (a finished sweep of
    `design = "saltelli"`): each factor's first-order index (its main effect's share
    of the outcome's variance across points) and total index (with its interactions),
    each with a bootstrap interval (design sampling) and the standard deviation that
    replication noise alone gives it.

    Warnings (stderr, with --quiet too) say when replication noise is too large for
    the indices to mean much. The same spec seed gives the same intervals.

    \b
    Example:
      drawdown sweep scenarios/sweeps/sensitivity.toml --out results/sens
      drawdown analyze results/sens
    """
    from ..analysis import analyze_sweep

    spec, indices = analyze_sweep(directory, confidence=confidence, n_resamples=resamples)
    for result in indices.values():
        for note in result.notes:
            warn(note)
    if as_json:
        doc = {
            "sweep": str(directory),
            "design": spec.design,
            "base_samples": spec.points,
            "points": (spec.points or 0) * (len(spec.factors) + 2),
            "replications": spec.replications,
            "seed": str(spec.seed),
            "method": "scipy.stats.sobol_indices (Saltelli 2010 first order, Jansen total)",
            "bootstrap_resamples": resamples,
            "outcomes": [r.to_json() for r in indices.values()],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(_header(spec, confidence))
    for result in indices.values():
        click.echo("")
        click.echo(_table(result))


def _header(spec, confidence: float) -> str:
    k = len(spec.factors)
    return (
        f"Sobol' indices: saltelli design, {spec.points} base samples x ({k} factors + 2) = "
        f"{(spec.points or 0) * (k + 2)} points, {spec.replications} replications each; "
        f"{confidence:.0%} bootstrap intervals (design sampling); noise: the sd replication noise\n"
        "alone gives an index (independent noise: an upper bound, common random numbers make it smaller)"
    )


def _num(x: float) -> str:
    return "     -" if not math.isfinite(x) else f"{x:6.3f}"


def _table(result) -> str:
    share = "" if result.noise_share is None else f" (replication noise {result.noise_share:.1%} of its variance)"
    lines = [f"{result.outcome}{share}"]
    width = max(len(f) for f in result.factors)
    lines.append(f"  {'factor':<{width}}   first  interval          noise   total  interval          noise")
    for i, key in enumerate(result.factors):
        cells = []
        for point, ci, sd in (
            (result.first, result.first_ci, result.first_noise_sd),
            (result.total, result.total_ci, result.total_noise_sd),
        ):
            noise = "     -" if sd is None else _num(float(sd[i]))
            cells.append(f"{_num(float(point[i]))}  [{_num(float(ci[i, 0]))}, {_num(float(ci[i, 1]))}]  {noise}")
        lines.append(f"  {key:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)
