"""``drawdown run``: run replications of a scenario; print, write and plot the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..defaults import DEFAULT_REPS, DEFAULT_SIMPY_REPS
from .options import (
    FiniteFloatRange,
    by_option,
    chatter,
    complete_scenario,
    end_progress_line,
    engine_option,
    executor_options,
    json_option,
    max_reps_option,
    name_option,
    out_option,
    progress_bar,
    quiet_option,
    report_errors,
    report_written,
    resume_option,
    seed_option,
    shard_option,
    warn,
)
from .plot import FORMATS as PLOT_FORMATS

if TYPE_CHECKING:
    from ..api import Result
    from ..batch import Executor, RunBatch, RunResult, Shard
    from ..results.breakdown import Breakdown
    from ..scenario import Scenario

DEFAULT_SCENARIO = "doha-2021-05-01"


def _given(ctx: click.Context, name: str) -> bool:
    """Whether option ``name`` was given (on the command line or in the environment), not defaulted."""
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


@click.command("run")
@click.argument("scenario", metavar="[NAME|PATH]", default=DEFAULT_SCENARIO, shell_complete=complete_scenario)
@engine_option
@click.option(
    "--reps",
    type=click.IntRange(min=1),
    default=None,
    show_default=f"{DEFAULT_REPS} with numpy, {DEFAULT_SIMPY_REPS} with simpy",
    help="Replications to run.",
)
@seed_option
@click.option(
    "--precision",
    type=FiniteFloatRange(min=0, max=0.5, min_open=True),
    default=None,
    metavar="P",
    help="Instead of --reps: add blocks of 1,000 replications until the standard error of "
    "P(out by the deadline) (of P(out by the horizon) without a deadline) is at most P.",
)
@max_reps_option
@name_option
@json_option
@out_option
@executor_options
@resume_option
@shard_option
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    default=None,
    hidden=True,
    help="Replications per block (default 1000): part of the draw layout, so it changes the draws.",
)
@click.option(
    "--plot-format",
    type=click.Choice(PLOT_FORMATS),
    default=PLOT_FORMATS[0],
    show_default=True,
    help="With --out: the plots' file format (png for screens, svg or pdf for slides and print).",
)
@by_option
@quiet_option
@click.pass_context
@report_errors
def run(
    ctx: click.Context,
    scenario: str,
    engine: str,
    reps: int | None,
    seed: int | None,
    precision: float | None,
    max_reps: int,
    name: str | None,
    as_json: bool,
    out_dir: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    resume: bool,
    shard: str | None,
    block_size: int | None,
    plot_format: str,
    by: tuple[str, ...],
    quiet: bool,
) -> None:
    """Run replications of a scenario (default: doha-2021-05-01) and summarise them:
    the decision date, the final exit date (5/50/95%), the probability of being out by
    the deadline with its Monte Carlo standard error, troops in country at the
    deadline, troop-days past it, casualties, the probability of leaving before the
    conditions were met, censored replications, and the contingents that leave last.

    Without --seed, the seed comes from the operating system's entropy; it is printed
    and stored, so `--seed` repeats the run exactly. Both engines give the same
    outcomes for the same seed, replication by replication. --name gives the run's
    scenario the name it carries in every output (a modified copy beside its original).

    The results go to stdout; warnings, errors and (on a terminal) the progress bar to
    stderr. --quiet: no progress and no chatter ("wrote FILE", "resuming"); with --json,
    stdout is the JSON document alone. Ctrl-C stops the run with exit status 130 (a run
    directory keeps its finished units for --resume).

    --out DIR writes summary.json (the --json document), summary.npz, replications.npz,
    contingents.csv, daily.csv and the plots drawdown.png, exit-dates.png and
    contingents.png (`drawdown plot DIR` redraws them). DIR is a run directory: its
    manifest.json and blocks/ record each finished unit of work, so `--resume`
    finishes an interrupted run without computing anything twice.

    --workers N, --scheduler ADDRESS or --dask-local N run the blocks elsewhere (local
    processes, a Dask cluster); --shard I/N runs one shard of a job array into --out DIR
    and `drawdown merge DIR` joins them. The results are the same bits whichever way
    the blocks ran.

    --by nation (base, phase, leg; repeat it or give a comma list) adds a table a
    nation: its troops, its median exit date (its last contingent's) with the 5–95%
    window, and its probability of being out by the deadline with its standard error;
    --by base the day each base closed; --by phase and --by leg (network scenarios)
    the day each phase is complete and what each leg and exit carried. They are folded
    in the same pass as the summary (the engines record per nation what a plain run
    does not keep; --resume runs the units finished before a second time for them);
    --json adds them under "breakdown", --out DIR writes nations.csv,
    nations_daily.csv and nations.png (bases.csv, phases.csv, legs.csv) beside the
    run's files, which stay as they are.

    \b
    Examples:
      drawdown run
      drawdown run doha-2021-05-01 --reps 20000 --seed 1 --out results/doha
      drawdown run announced-2021-09-11 --precision 0.002 --json
      drawdown run no-consensus --engine simpy --reps 200 --seed 7
      drawdown run doha-2021-05-01 --reps 1000000 --seed 1 --workers 8 --out results/big
      drawdown run doha-2021-05-01 --reps 1000000 --seed 1 --out results/big --resume
      drawdown run base-force-2021-02 --seed 1 --by nation,base --out results/nations
    """
    # Only the scenario stage before the scenario is loaded: a refused command answers fast.
    from ..defaults import default_reps
    from ..scenario import load

    if precision is not None and _given(ctx, "reps"):
        raise click.UsageError("give --reps or --precision, not both", ctx=ctx)
    if precision is None and _given(ctx, "max_reps"):
        raise click.UsageError("--max-reps goes with --precision", ctx=ctx)
    if by and shard is not None:
        raise click.UsageError("--by needs the whole run: merge the shards, then run it again with --by", ctx=ctx)

    if reps is None:
        reps = default_reps(engine)
    s = load(scenario)
    if name is not None:
        s = renamed(s, name)
    _check_by(ctx, s, by)
    for w in s.warnings:
        warn(w)
    from ..draws import new_seed

    fresh = seed is None
    plan = _Plan(s, new_seed() if seed is None else seed, fresh, engine, reps, precision, max_reps, block_size, by)
    if (
        out_dir is not None
        or resume
        or shard is not None
        or block_size is not None
        or any(v is not None for v in (workers, scheduler, dask_local))
    ):
        _run_batch(
            ctx,
            plan,
            as_json=as_json,
            out_dir=out_dir,
            workers=workers,
            scheduler=scheduler,
            dask_local=dask_local,
            resume=resume,
            shard=shard,
            quiet=quiet,
            plot_format=plot_format,
        )
    else:
        _run_here(plan, as_json=as_json, quiet=quiet)


@dataclass
class _Plan:
    """What ``drawdown run`` runs: as the options say, or (with --resume) as the run directory records."""

    scenario: Scenario
    seed: int
    fresh: bool  # the seed was drawn for this run
    engine: str
    reps: int
    precision: float | None
    max_reps: int
    block_size: int | None
    by: tuple[str, ...] = ()  # --by: the breakdowns asked for

    @property
    def label(self) -> str:
        """The start of the progress bar's label."""
        return f"{self.engine}: {self.scenario.name}"


def _run_here(plan: _Plan, *, as_json: bool, quiet: bool) -> None:
    """``run`` in this process, through the Python API: the same Result, table and document as drawdown.run."""
    from ..api import run as api_run

    s, seed, engine, precision, max_reps = plan.scenario, plan.seed, plan.engine, plan.precision, plan.max_reps
    if precision is None:
        with progress_bar(quiet, plan.reps, plan.label) as progress:
            result = api_run(s, reps=plan.reps, seed=seed, engine=engine, progress=progress, by=plan.by)
    else:
        label = f"{plan.label} (to s.e. {precision:g}, at most {max_reps} replications)"
        with progress_bar(quiet, max_reps, label) as progress:
            result = api_run(
                s, seed=seed, engine=engine, precision=precision, max_reps=max_reps, progress=progress, by=plan.by
            )
    result.fresh_seed = plan.fresh  # --by: its breakdown was folded in the same pass
    _report(result, precision, max_reps, as_json, plan.by)


def _check_by(ctx: click.Context, scenario: Scenario, by: tuple[str, ...]) -> None:
    """--by phase and --by leg only for a network scenario: a usage error before anything runs."""
    from ..results.breakdown import check_by

    try:
        check_by(scenario, by)
    except ValueError as e:
        raise click.UsageError(f"--by: {e}", ctx=ctx) from None


def _run_breakdown(plan: _Plan, result: RunResult, quiet: bool) -> Breakdown | None:
    """--by through a batch: the breakdown its units folded in the run's pass, with the
    blocks of units finished before --resume (which wrote no breakdown) run again, with
    their own progress bar; None without --by."""
    if not plan.by:
        return None
    from ..api import complete_breakdown

    assert result.summary is not None  # a whole run, not a shard
    missing = sum(r for _, r in result.breakdown_missing)
    label = f"{plan.label} by {', '.join(plan.by)} (units finished before)"
    with progress_bar(quiet or not missing, missing, label) as progress:
        return complete_breakdown(plan.scenario, result.summary, result, daily="nation" in plan.by, progress=progress)


def _report(result: Result, precision: float | None, max_reps: int, as_json: bool, by: tuple[str, ...] = ()) -> None:
    """Warnings on stderr, then the --json document or the table of a :class:`drawdown.api.Result`
    (with ``by``, its breakdowns: under ``breakdown`` in the document, tables after the table)."""
    from ..report import dumps

    status = result.precision
    for w in result.stats.warnings():
        warn(w)
    if status is not None and not status["met"]:
        warn(
            f"--precision {precision:g} not reached: the standard error is {status['se']:.4g} after "
            f"{result.reps} replications, the cap (--max-reps {max_reps})"
        )
    if as_json:
        doc = result.summary()
        if by:
            doc["breakdown"] = result.breakdown_json(by)
        click.echo(dumps(doc))
        return
    click.echo(result.table())
    if by:
        click.echo("")
        click.echo(result.breakdown_table(by))


# -- executors, run directories, resume and shards (issue 6) ----------------------------------------
def _run_batch(
    ctx: click.Context,
    plan: _Plan,
    *,
    as_json: bool,
    out_dir: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    resume: bool,
    shard: str | None,
    quiet: bool,
    plot_format: str = "png",
) -> None:
    """``run`` through :class:`drawdown.batch.RunBatch`: any executor, a run directory, --resume, --shard.

    The run directory is checked and locked before anything else (its manifest is read
    under the lock), and stays locked until the run ends."""
    from ..batch import claim_out_dir
    from .options import check_executor_options, parse_shard

    the_shard = parse_shard(ctx, shard)
    check_executor_options(ctx, workers, scheduler, dask_local)
    for flag, v in (("--resume", resume), ("--shard", the_shard)):
        if v and out_dir is None:
            raise click.UsageError(f"{flag} needs --out DIR", ctx=ctx)
    if not resume:
        _check_shard_plan(ctx, plan, the_shard)  # before anything is written (with --resume: once the manifest is read)
    lock = None if out_dir is None else claim_out_dir(out_dir, kind="run", shard=the_shard)
    try:
        _run_in_dir(
            ctx, plan, the_shard, as_json=as_json, out_dir=out_dir, workers=workers, scheduler=scheduler,
            dask_local=dask_local, resume=resume, quiet=quiet, plot_format=plot_format,
        )  # fmt: skip
    except BaseException:
        if lock is not None:
            lock.abandon()  # a run refused before it wrote anything leaves nothing behind
        raise
    if lock is not None:
        lock.release()


def _run_in_dir(
    ctx: click.Context,
    plan: _Plan,
    the_shard: Shard | None,
    *,
    as_json: bool,
    out_dir: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    resume: bool,
    quiet: bool,
    plot_format: str,
) -> None:
    """:func:`_run_batch` once the run directory (if any) is locked."""
    from ..batch import RunBatch, recorded_run
    from ..draws import BLOCK_SIZE
    from .options import open_executor

    record = recorded_run(out_dir, the_shard) if resume else None
    if record is not None:  # --resume: what the command line does not say comes from the manifest
        _take_from_record(ctx, plan, record)
    _check_shard_plan(ctx, plan, the_shard)
    if plan.precision is not None:
        kw: dict[str, Any] = {"reps": None, "precision": plan.precision, "max_reps": plan.max_reps}
    else:
        kw = {"reps": plan.reps}
    with open_executor(ctx, workers, scheduler, dask_local) as executor:
        batch = RunBatch(
            plan.scenario,
            plan.seed,
            engine=plan.engine,
            block_size=plan.block_size or BLOCK_SIZE,
            out_dir=out_dir,
            resume=resume,
            shard=the_shard,
            parallelism=executor.parallelism,
            plot_format=plot_format,
            by=plan.by,
            **kw,
        )
        if batch.done_before:
            chatter(
                f"resuming: {batch.done_before} of {len(batch.units)} units done "
                f"({batch.done_reps} replications), at most {batch.todo_reps} to run",
                quiet=quiet,
                as_json=as_json,
            )
        label = (
            plan.label
            + (f" shard {the_shard}" if the_shard else "")
            + ("" if executor.parallelism == 1 and executor.name == "in-process" else f" on {executor.name}")
        )
        result = _run_units(batch, executor, label=label, quiet=quiet, out_dir=out_dir, shard=the_shard)
    if the_shard is not None:
        _report_shard(batch, result, the_shard, out_dir, as_json=as_json, quiet=quiet)
        return
    from ..api import Result

    breakdown = _run_breakdown(plan, result, quiet)
    run_result = Result(
        plan.scenario, result.summary, precision=result.precision, fresh_seed=plan.fresh, breakdown=breakdown
    )
    _report(run_result, plan.precision, plan.max_reps, as_json, plan.by)
    written = list(result.written)
    if plan.by and out_dir is not None:
        from ..batch.rundir import write_breakdown_files

        breakdown = run_result.breakdown(daily="nation" in plan.by)
        written += write_breakdown_files(out_dir, plan.scenario, breakdown, plan.by, plot_format=plot_format)
    report_written(written, quiet=quiet, as_json=as_json)


def _take_from_record(ctx: click.Context, plan: _Plan, record: dict[str, Any]) -> None:
    """--resume: what the command line does not say, from the manifest of the run."""
    from ..scenario import load

    if not _given(ctx, "scenario"):
        plan.scenario = load(record["scenario"]["file"])
    if not _given(ctx, "name"):  # the run's name, given to it by --name when it started
        plan.scenario = renamed(plan.scenario, record["scenario"]["name"])
    if plan.fresh:
        plan.seed, plan.fresh = record["seed"], False
    if not _given(ctx, "engine"):
        plan.engine = record["engine"]
    if not _given(ctx, "block_size"):
        plan.block_size = record["block_size"]
    if not (_given(ctx, "reps") or _given(ctx, "precision")):
        if record["precision"] is not None:
            plan.precision, plan.max_reps = record["precision"]["target"], record["precision"]["max_replications"]
        else:
            plan.reps = record["replications"]
    elif plan.precision is not None and not _given(ctx, "max_reps") and record["precision"] is not None:
        plan.max_reps = record["precision"]["max_replications"]


def _check_shard_plan(ctx: click.Context, plan: _Plan, shard: Shard | None) -> None:
    """A shard needs a seed given (every shard the same) and a number of replications, not a precision."""
    if shard is None:
        return
    if plan.fresh:
        raise click.UsageError("--shard needs --seed: every shard of a run must use the same seed", ctx=ctx)
    if plan.precision is not None:
        raise click.UsageError(
            "--precision decides block by block in block order: it cannot be split into shards; give --reps", ctx=ctx
        )


def _run_units(
    batch: RunBatch, executor: Executor, *, label: str, quiet: bool, out_dir: str | None, shard: Shard | None
) -> RunResult:
    """Run the batch's units with a progress bar; on Ctrl-C, say how to finish the run."""
    try:
        with progress_bar(quiet, batch.todo_reps, label) as progress:
            return batch.run(executor, progress=progress)
    except KeyboardInterrupt:
        if out_dir is not None:
            again = f"--shard {shard} " if shard else ""
            click.echo(
                f"{end_progress_line(quiet)}interrupted: the finished units are kept in {out_dir}; "
                f"`drawdown run --out {out_dir} {again}--resume` finishes the run",
                err=True,
            )
        raise click.Abort() from None


def _report_shard(
    batch: RunBatch, result: RunResult, shard: Shard, out_dir: str | None, *, as_json: bool, quiet: bool
) -> None:
    """What a shard ran (the result) and wrote, and how to merge the shards (chatter)."""
    from ..report import dumps

    blocks = batch.blocks
    span = f"blocks {blocks[0][0]}..{blocks[-1][0]}" if blocks else "no blocks (more shards than blocks)"
    if as_json:
        click.echo(
            dumps(
                {
                    "shard": str(shard),
                    "blocks": [list(b) for b in blocks],
                    "replications": sum(r for _, r in blocks),
                    "files": [str(p) for p in result.written],
                }
            )
        )
        return
    click.echo(f"shard {shard}: {span}, {sum(r for _, r in blocks)} replications")
    report_written(result.written, quiet=quiet)
    chatter(f"when every shard is done: drawdown merge {out_dir}", quiet=quiet)


def renamed(scenario: Scenario, name: str) -> Scenario:
    """``scenario`` under another name (``--name``): the same model, file and hash.

    The name is no input of the model (the content hash leaves it out), so a renamed
    scenario runs the same replications; every output carries the new name.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.cli.run import renamed
    >>> s = drawdown.load("doha-2021-05-01")
    >>> r = renamed(s, "doha, slow airlift")
    >>> r.name, r.hash == s.hash, r.file == s.file
    ('doha, slow airlift', True, True)
    """
    if name == scenario.name:
        return scenario
    try:
        return scenario.replace(name=name)
    except ValueError as e:  # not a plain name: it names the scenario's folder in a comparison
        raise click.BadParameter(str(e), param_hint="'--name'") from None
