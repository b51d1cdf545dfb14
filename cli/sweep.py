"""``drawdown sweep``: run every point of a parameter sweep; print and write the results."""

from __future__ import annotations

import click

from .options import (
    executor_options,
    non_empty_dir,
    progress_bar,
    quiet_option,
    report_errors,
    resume_option,
    shard_option,
)


@click.command("sweep")
@click.argument("spec", metavar="SPEC")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, dir_okay=True),
    required=True,
    metavar="DIR",
    callback=non_empty_dir,
    help="The sweep directory: results.csv, points/, manifest.json (created if needed; a new or empty "
    "directory, or a sweep's to finish with --resume).",
)
@resume_option
@shard_option
@executor_options
@quiet_option
@click.pass_context
@report_errors
def sweep(
    ctx: click.Context,
    spec: str,
    out_dir: str,
    resume: bool,
    shard: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    quiet: bool,
) -> None:
    """Run a parameter sweep: every point of the design in SPEC (a TOML file, or the
    name of a shipped spec such as deadline-and-threat), each a variant of the base
    scenario run with the spec's seed and replications.

    Every point is checked first: if any is not a valid scenario, they are all listed
    (by their factor values) and nothing runs. DIR gets results.csv (one row per
    point: factor values, then the key outcomes with their standard errors),
    points/NNNN.json (each point's summary, as `drawdown run --json`) and
    manifest.json. The spec format is in docs/cluster.md and the example
    scenarios/sweeps/deadline-and-threat.toml.

    \b
    Examples:
      drawdown sweep deadline-and-threat --out results/sweep
      drawdown sweep my-sweep.toml --out results/sweep --workers 8
      drawdown sweep my-sweep.toml --out results/sweep --resume
      drawdown sweep my-sweep.toml --out results/sweep --shard 3/10   # then: drawdown merge results/sweep
    """
    from ..batch import SweepBatch, load_spec, results_table
    from .options import check_executor_options, open_executor, parse_shard

    shard = parse_shard(ctx, shard)
    check_executor_options(ctx, workers, scheduler, dask_local)
    the_spec = load_spec(spec)
    batch = SweepBatch(the_spec, out_dir, resume=resume, shard=shard)  # validates every point before anything runs
    for note in batch.notes:
        click.echo(f"warning: {note}", err=True)
    for w in batch.base.warnings:
        click.echo(f"warning: {w}", err=True)
    if not quiet and batch.done_before:
        click.echo(
            f"resuming: {batch.done_before} of {len(batch.points)} points done, {len(batch.todo)} to run", err=True
        )
    todo = batch.todo
    with open_executor(ctx, workers, scheduler, dask_local) as executor:
        label = f"sweep {the_spec.design}: {len(todo)} points" + (f" (shard {shard})" if shard else "")
        try:
            with progress_bar(quiet, batch.todo_reps, label) as progress:
                result = batch.run(executor, progress=progress)
        except KeyboardInterrupt:
            again = f" --shard {shard}" if shard else ""
            lead = "" if quiet else "\n"  # end the progress bar's line first
            click.echo(
                f"{lead}interrupted: the finished points are kept in {out_dir}; the same command with"
                f"{again} --resume finishes the sweep",
                err=True,
            )
            raise click.Abort() from None
    if shard is not None:
        idx = [p.index for p in batch.points]
        span = f"points {idx[0]}..{idx[-1]}" if idx else "no points (more shards than points)"
        click.echo(f"shard {shard}: {span}")
        for p in result.written:
            click.echo(f"wrote {p}")
        click.echo(f"when every shard is done: drawdown merge {out_dir}")
        return
    rows = result.rows or []  # every point's row: this is not a shard
    click.echo(results_table(the_spec, rows))
    for p in result.written:
        click.echo(f"wrote {p}")
    click.echo(f"wrote {len(rows)} point summaries in {out_dir}/points/")
