"""``drawdown plot``: redraw the plots of a run (or a comparison) from its files."""

from __future__ import annotations

import click

from .options import non_empty_dir, quiet_option, report_errors


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
@quiet_option
@report_errors
def plot(directory: str, out_dir: str | None, quiet: bool) -> None:
    """Redraw the plots of a run from its files, without running anything.

    DIR is a directory written by `drawdown run --out` (it reads summary.npz and
    summary.json; it writes drawdown.png, exit-dates.png and contingents.png) or by
    `drawdown compare --out` (it writes compare.png, and each scenario's three plots
    in its folder).

    \b
    Examples:
      drawdown run doha-2021-05-01 --seed 1 --out results/doha
      drawdown plot results/doha
      drawdown plot results/cmp --out figures/cmp
    """
    from ..report import redraw_plots

    for p in redraw_plots(directory, out_dir):
        click.echo(f"wrote {p}")
