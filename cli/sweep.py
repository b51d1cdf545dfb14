"""``drawdown sweep``: run every point of a parameter sweep; print and write the results."""

from __future__ import annotations

import click

from .options import (
    chatter,
    complete_sweep_spec,
    end_progress_line,
    executor_options,
    non_empty_dir,
    progress_bar,
    quiet_option,
    report_errors,
    report_written,
    resume_option,
    shard_option,
    warn,
)


@click.command("sweep")
@click.argument("spec", metavar="SPEC", shell_complete=complete_sweep_spec)
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

    The results table goes to stdout; warnings, errors and (on a terminal) the progress
    bar to stderr. --quiet: no progress and no chatter ("wrote FILE", "resuming").
    Ctrl-C stops the sweep with exit status 130, its finished points kept for --resume.

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
        warn(note)
    for w in batch.base.warnings:
        warn(w)
    if batch.done_before:
        done, planned = batch.done_before, len(batch.points)
        chatter(f"resuming: {done} of {planned} points done, {len(batch.todo)} to run", quiet=quiet)
    todo = batch.todo
    with open_executor(ctx, workers, scheduler, dask_local) as executor:
        label = f"sweep {the_spec.design}: {len(todo)} points" + (f" (shard {shard})" if shard else "")
        try:
            with progress_bar(quiet, batch.todo_reps, label) as progress:
                result = batch.run(executor, progress=progress)
        except KeyboardInterrupt:
            again = f" --shard {shard}" if shard else ""
            lead = end_progress_line(quiet)  # a newline ending the progress bar's line, if one was drawn
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
        report_written(result.written, quiet=quiet)
        chatter(f"when every shard is done: drawdown merge {out_dir}", quiet=quiet)
        return
    rows = result.rows or []  # every point's row: this is not a shard
    click.echo(results_table(the_spec, rows))
    report_written(result.written, quiet=quiet)
    chatter(f"wrote {len(rows)} point summaries in {out_dir}/points/", quiet=quiet)
