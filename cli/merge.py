"""``drawdown merge``: join the shards of a run or a sweep into its results."""

from __future__ import annotations

import click

from .options import quiet_option, report_errors, report_written


@click.command("merge")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False, dir_okay=True))
@click.option("--no-plots", is_flag=True, help="Do not draw the plots of a run (faster on a login node).")
@quiet_option
@report_errors
def merge(directory: str, no_plots: bool, quiet: bool) -> None:
    """Join the shards in DIR/shards (written by `drawdown run --shard I/N --out DIR`
    or `drawdown sweep SPEC --shard I/N --out DIR`) into the results an unsharded run
    would have written: the same summary.json, summary.npz, CSV files and plots, or
    the same results.csv and points/.

    Every shard 1..N must be there once, finished, intact (checksums) and made with the
    same drawdown, numpy, scipy and SIMD features; otherwise the error names the shard
    and nothing is merged. DIR is locked while merging: a shard still running there
    makes the merge stop at once, naming its process.

    It prints what it merged (stdout) and the files it wrote (not with --quiet).

    \b
    Example (a SLURM job array of 10 shards, then):
      drawdown merge results/big
    """
    from ..batch import merge_dir

    kind, result, written = merge_dir(directory, plots=not no_plots)
    if kind == "run":
        click.echo(f"merged {len(result.blocks)} blocks ({result.n} replications) of {result.scenario_name}")
    else:
        click.echo(f"merged {len(result)} sweep points")
    report_written(written, quiet=quiet)
