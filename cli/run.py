"""``drawdown run``: run replications of a scenario; print, write and plot the summary."""

from __future__ import annotations

import click

from ..batch import DEFAULT_MAX_REPS, DEFAULT_REPS, DEFAULT_SIMPY_REPS
from .options import (
    complete_scenario,
    engine_option,
    executor_options,
    json_option,
    out_option,
    progress_bar,
    quiet_option,
    report_errors,
    resume_option,
    seed_option,
    shard_option,
)

DEFAULT_SCENARIO = "doha-2021-05-01"


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _given(ctx, name: str) -> bool:
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


@click.command("run")
@click.argument("scenario", metavar="[NAME|PATH]", default=DEFAULT_SCENARIO, shell_complete=complete_scenario)
@engine_option
@click.option("--reps", type=click.IntRange(min=1), default=None,
              show_default=f"{DEFAULT_REPS} with numpy, {DEFAULT_SIMPY_REPS} with simpy",
              help="Replications to run.")
@seed_option
@click.option("--precision", type=click.FloatRange(min=0, max=0.5, min_open=True), default=None, metavar="P",
              help="Instead of --reps: add blocks of 1,000 replications until the standard error of "
                   "P(out by the deadline) (of P(out by the horizon) without a deadline) is at most P.")
@click.option("--max-reps", type=click.IntRange(min=1), default=DEFAULT_MAX_REPS, show_default=True,
              help="With --precision: stop here even if the target is not met (and say so).")
@json_option
@out_option
@executor_options
@resume_option
@shard_option
@click.option("--block-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="Replications per block (default 1000): part of the draw layout, so it changes the draws.")
@quiet_option
@click.pass_context
@report_errors
def run(ctx, scenario, engine, reps, seed, precision, max_reps, as_json, out_dir, workers, scheduler, dask_local,
        resume, shard, block_size, quiet):
    """Run replications of a scenario (default: doha-2021-05-01) and summarise them:
    the decision date, the final exit date (5/50/95%), the probability of being out by
    the deadline with its Monte Carlo standard error, troops in country at the
    deadline, troop-days past it, casualties, the probability of leaving before the
    conditions were met, censored replications, and the contingents that leave last.

    Without --seed, the seed comes from the operating system's entropy; it is printed
    and stored, so `--seed` repeats the run exactly. Both engines give the same
    outcomes for the same seed, replication by replication.

    --out DIR writes summary.json (the --json document), summary.npz, replications.npz,
    contingents.csv, daily.csv and the plots drawdown.png, exit-dates.png and
    contingents.png (`drawdown plot DIR` redraws them). DIR is a run directory: its
    manifest.json and blocks/ record each finished unit of work, so `--resume`
    finishes an interrupted run without computing anything twice.

    --workers N, --scheduler ADDRESS or --dask-local N run the blocks elsewhere (local
    processes, a Dask cluster); --shard I/N runs one shard of a job array into --out DIR
    and `drawdown merge DIR` joins them. The results are the same bits whichever way
    the blocks ran.

    \b
    Examples:
      drawdown run
      drawdown run doha-2021-05-01 --reps 20000 --seed 1 --out results/doha
      drawdown run announced-2021-09-11 --precision 0.002 --json
      drawdown run no-consensus --engine simpy --reps 200 --seed 7
      drawdown run doha-2021-05-01 --reps 1000000 --seed 1 --workers 8 --out results/big
      drawdown run doha-2021-05-01 --reps 1000000 --seed 1 --out results/big --resume
    """
    import drawdown

    from ..batch import default_reps
    from ..draws import new_seed

    if precision is not None and _given(ctx, "reps"):
        raise click.UsageError("give --reps or --precision, not both", ctx=ctx)
    if precision is None and _given(ctx, "max_reps"):
        raise click.UsageError("--max-reps goes with --precision", ctx=ctx)

    if reps is None:
        reps = default_reps(engine)
    s = drawdown.load(scenario)
    for w in s.warnings:
        warn(w)
    fresh = seed is None
    if fresh:
        seed = new_seed()

    if (out_dir is not None or resume or shard is not None or block_size is not None
            or any(v is not None for v in (workers, scheduler, dask_local))):
        return _run_batch(ctx, s, seed, fresh, reps=reps, precision=precision, max_reps=max_reps, engine=engine,
                          block_size=block_size, as_json=as_json, out_dir=out_dir, workers=workers,
                          scheduler=scheduler, dask_local=dask_local, resume=resume, shard=shard, quiet=quiet)

    # In this process, through the Python API: the same Result, table and document as drawdown.run.
    label = f"{engine}: {s.name}"
    if precision is None:
        with progress_bar(quiet, reps, label) as progress:
            result = drawdown.run(s, reps=reps, seed=seed, engine=engine, progress=progress)
    else:
        with progress_bar(quiet, max_reps, f"{label} (to s.e. {precision:g}, at most {max_reps} replications)") \
                as progress:
            result = drawdown.run(s, seed=seed, engine=engine, precision=precision, max_reps=max_reps, progress=progress)
    result.fresh_seed = fresh
    _report(result, precision, max_reps, as_json)


def _report(result, precision, max_reps, as_json) -> None:
    """Warnings on stderr, then the --json document or the table of a :class:`drawdown.api.Result`."""
    from ..report import dumps

    status = result.precision
    for w in result.stats.warnings():
        warn(w)
    if status is not None and not status["met"]:
        warn(f"--precision {precision:g} not reached: the standard error is {status['se']:.4g} after "
             f"{result.reps} replications, the cap (--max-reps {max_reps})")
    click.echo(dumps(result.summary()) if as_json else result.table())


# -- executors, run directories, resume and shards (issue 6) ----------------------------------------
def _run_batch(ctx, s, seed, fresh, *, reps, precision, max_reps, engine, block_size, as_json, out_dir, workers,
               scheduler, dask_local, resume, shard, quiet):
    """``run`` through :class:`drawdown.batch.RunBatch`: any executor, a run directory, --resume, --shard."""
    from ..batch import RunBatch, recorded_run
    from ..draws import BLOCK_SIZE
    from ..report import dumps
    from .options import check_executor_options, open_executor, parse_shard

    shard = parse_shard(ctx, shard)
    check_executor_options(ctx, workers, scheduler, dask_local)
    for flag, v in (("--resume", resume), ("--shard", shard)):
        if v and out_dir is None:
            raise click.UsageError(f"{flag} needs --out DIR", ctx=ctx)
    record = recorded_run(out_dir, shard) if resume else None
    if record is not None:  # --resume: what the command line does not say comes from the manifest
        import drawdown

        if not _given(ctx, "scenario"):
            s = drawdown.load(record["scenario"]["file"])
        if fresh:
            seed, fresh = record["seed"], False
        if not _given(ctx, "engine"):
            engine = record["engine"]
        if not _given(ctx, "block_size"):
            block_size = record["block_size"]
        if not (_given(ctx, "reps") or _given(ctx, "precision")):
            if record["precision"] is not None:
                precision, max_reps = record["precision"]["target"], record["precision"]["max_replications"]
            else:
                reps = record["replications"]
        elif precision is not None and not _given(ctx, "max_reps") and record["precision"] is not None:
            max_reps = record["precision"]["max_replications"]
    if shard is not None and fresh:
        raise click.UsageError("--shard needs --seed: every shard of a run must use the same seed", ctx=ctx)
    kw = dict(reps=None, precision=precision, max_reps=max_reps) if precision is not None else dict(reps=reps)
    with open_executor(ctx, workers, scheduler, dask_local) as executor:
        batch = RunBatch(s, seed, engine=engine, block_size=block_size or BLOCK_SIZE, out_dir=out_dir, resume=resume,
                         shard=shard, parallelism=executor.parallelism, **kw)
        if not quiet and batch.done_before:
            click.echo(f"resuming: {batch.done_before} of {len(batch.units)} units done "
                       f"({batch.done_reps} replications), at most {batch.todo_reps} to run", err=True)
        label = f"{engine}: {s.name}" + (f" shard {shard}" if shard else "") + \
            ("" if executor.parallelism == 1 and executor.name == "in-process" else f" on {executor.name}")
        try:
            with progress_bar(quiet, batch.todo_reps, label) as progress:
                result = batch.run(executor, progress=progress)
        except KeyboardInterrupt:
            if out_dir is not None:
                again = f"--shard {shard} " if shard else ""
                click.echo(f"\ninterrupted: the finished units are kept in {out_dir}; "
                           f"`drawdown run --out {out_dir} {again}--resume` finishes the run", err=True)
            raise click.Abort()
    summary, status = result.summary, result.precision
    if shard is not None:
        blocks = batch.blocks
        span = f"blocks {blocks[0][0]}..{blocks[-1][0]}" if blocks else "no blocks (more shards than blocks)"
        if as_json:
            click.echo(dumps({"shard": str(shard), "blocks": [list(b) for b in blocks],
                              "replications": sum(r for _, r in blocks),
                              "files": [str(p) for p in result.written]}))
        else:
            click.echo(f"shard {shard}: {span}, {sum(r for _, r in blocks)} replications")
            for p in result.written:
                click.echo(f"wrote {p}")
            click.echo(f"when every shard is done: drawdown merge {out_dir}")
        return
    from ..api import Result

    _report(Result(s, summary, precision=status, fresh_seed=fresh), precision, max_reps, as_json)
    for p in result.written:
        if as_json and not quiet:
            click.echo(f"wrote {p}", err=True)
        elif not as_json:
            click.echo(f"wrote {p}")
