"""``drawdown plot``: redraw the plots of a run (or a comparison) from its files."""

from __future__ import annotations

import click

from .options import quiet_option, report_errors


@click.command("plot")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
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
    from pathlib import Path

    from ..report import (
        COMPARE_JSON,
        COMPARE_PLOT,
        compare_figure,
        read_compare_dir,
        read_run_dir,
        save_figure,
        write_plots,
    )

    src = Path(directory)
    dst = Path(out_dir) if out_dir is not None else src
    written: list[Path] = []
    if (src / COMPARE_JSON).is_file():
        doc, runs = read_compare_dir(src)
        dst.mkdir(parents=True, exist_ok=True)
        written.append(
            save_figure(compare_figure([(facts, summary) for facts, summary, _ in runs]), dst / COMPARE_PLOT)
        )
        for entry, (facts, summary, _) in zip(doc["scenarios"], runs, strict=False):
            sub = dst / entry["dir"]
            sub.mkdir(parents=True, exist_ok=True)
            written.extend(write_plots(sub, facts, summary))
    else:
        facts, summary, _ = read_run_dir(src)
        dst.mkdir(parents=True, exist_ok=True)
        written.extend(write_plots(dst, facts, summary))
    for p in written:
        click.echo(f"wrote {p}")
