"""``drawdown plot``: redraw the plots of a run (or a comparison) from its files."""

from __future__ import annotations

import click

from .options import non_empty_dir, quiet_option, report_errors, report_written

#: The formats ``--format`` takes, the first the default: the library's
#: ``drawdown.report.PLOT_FORMATS``, written out so that ``drawdown plot --help`` imports
#: no numpy (tests/test_plots.py checks that they agree).
FORMATS = ("png", "svg", "pdf")


@click.command("plot")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    callback=non_empty_dir,
    help="Write the plots here instead of into DIR.",
)
@click.option(
    "--format",
    "plot_format",
    type=click.Choice(FORMATS),
    default=FORMATS[0],
    show_default=True,
    help="File format of the plots: png for screens, svg or pdf (vector) for slides and print.",
)
@click.option(
    "--discover",
    metavar="CONDITION",
    help="A sweep directory: also draw the PRIM peeling trajectory (prim) of the points where "
    "CONDITION holds, as `drawdown analyze --discover`.",
)
@quiet_option
@report_errors
def plot(directory: str, out_dir: str | None, plot_format: str, discover: str | None, quiet: bool) -> None:
    """Redraw the plots of a run from its files, without running anything.

    DIR is a directory written by `drawdown run --out` (it reads summary.npz and
    summary.json; it writes drawdown, exit-dates, contingents and casualties, each
    .png, .svg or .pdf by --format), by `drawdown compare --out` (it writes compare,
    and each scenario's four plots in its folder), or by `drawdown sweep --out` (a
    finished sweep: it writes sweep-outcomes, the outcomes against each factor with
    their Monte Carlo error bars; sensitivity, for a saltelli or morris design; and
    prim with --discover).

    \b
    Examples:
      drawdown run doha-2021-05-01 --seed 1 --out results/doha
      drawdown plot results/doha
      drawdown plot results/doha --format svg
      drawdown plot results/cmp --out figures/cmp --format pdf
      drawdown plot results/discovery --discover "p_met_deadline < 0.5"
    """
    from pathlib import Path

    if (Path(directory) / "results.csv").is_file():  # a sweep (batch.RESULTS_CSV; no import for --help)
        from ..analysis import redraw_sweep_plots

        written = redraw_sweep_plots(directory, out_dir, plot_format=plot_format, condition=discover)
        report_written(written, quiet=quiet)
        return
    if discover is not None:
        raise click.UsageError("--discover needs a sweep directory (one with results.csv)")
    from ..report import redraw_plots

    report_written(redraw_plots(directory, out_dir, plot_format=plot_format), quiet=quiet)
