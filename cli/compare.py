"""``drawdown compare``: several scenarios with common random numbers, and their differences.

Heavy modules (numpy, the engines) are imported inside the command, so ``drawdown --help``
does not load them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from ..defaults import DEFAULT_REPS, DEFAULT_SIMPY_REPS
from .options import (
    FiniteFloatRange,
    chatter,
    complete_scenario,
    end_progress_line,
    engine_option,
    executor_options,
    json_option,
    max_reps_option,
    out_option,
    progress_bar,
    quiet_option,
    report_errors,
    report_written,
    resume_option,
    seed_option,
    warn,
)

if TYPE_CHECKING:
    from ..batch.compare import CompareBatch
    from ..scenario import Scenario


@click.command("compare")
@click.argument("scenarios", nargs=-1, metavar="A B [C ...]", shell_complete=complete_scenario)
@engine_option
@click.option(
    "--reps",
    type=click.IntRange(min=1),
    default=None,
    show_default=f"{DEFAULT_REPS} with numpy, {DEFAULT_SIMPY_REPS} with simpy",
    help="Replications of each scenario.",
)
@seed_option
@click.option(
    "--precision",
    type=FiniteFloatRange(min=0, max=0.5, min_open=True),
    default=None,
    metavar="P",
    help="Instead of --reps: add blocks of 1,000 replications until the paired standard error of every "
    "scenario's difference from the first is at most P, in P(out by the deadline) where both have a "
    "deadline, else in P(out by the horizon).",
)
@max_reps_option
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="NAME",
    help="Call the scenarios NAME in the results: once per scenario, in order (e.g. two edits of one file).",
)
@json_option
@out_option
@executor_options
@resume_option
@quiet_option
@click.pass_context
@report_errors
def compare(
    ctx: click.Context,
    scenarios: tuple[str, ...],
    engine: str,
    reps: int | None,
    seed: int | None,
    precision: float | None,
    max_reps: int,
    names: tuple[str, ...],
    as_json: bool,
    out_dir: str | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    resume: bool,
    quiet: bool,
) -> None:
    """Run scenarios with common random numbers (the same seed, so replication i of
    each sees the same draws) and compare each with the first. Every measure has its
    own column, with one meaning on every row: P(out by the scenario's own deadline)
    (— for a scenario without one), P(out by the horizon), the median final exit
    date, mean casualties and the mean days from the order to the last troops out.

    Each difference comes with a 95% confidence interval from the paired
    replications, and with the standard error of the paired comparison beside the
    one two independent runs would have had: pairing gains where the scenarios share
    the randomness that drives an outcome.

    --out DIR writes compare.json (the --json document), compare.csv (a row per
    scenario, a column per measure and difference), compare.png (the exit-date curves
    on one chart) and, in a folder per scenario, its summary.json, summary.npz,
    contingents.csv and daily.csv (`drawdown plot DIR` draws their plots); units/
    keeps each finished unit of work, so `--resume` finishes an interrupted comparison
    without computing anything twice. DIR is checked, and locked, before anything runs.

    --workers N, --scheduler ADDRESS or --dask-local N run the units elsewhere; the
    results are the same bits whichever way they ran. Two scenarios of one name need
    --name (one per scenario, in order).

    \b
    Examples:
      drawdown compare doha-2021-05-01 announced-2021-09-11
      drawdown compare doha-2021-05-01 study-group-delay conditions-based --seed 1 --out results/cmp
      drawdown compare doha-2021-05-01 my-scenario.toml --reps 20000 --json
      drawdown compare doha-2021-05-01 announced-2021-09-11 --precision 0.002 --workers 4
      drawdown compare a.toml b.toml --name May --name September
      drawdown compare --out results/cmp --resume
    """
    from .run import _given

    if precision is not None and _given(ctx, "reps"):
        raise click.UsageError("give --reps or --precision, not both", ctx=ctx)
    if precision is None and _given(ctx, "max_reps"):
        raise click.UsageError("--max-reps goes with --precision", ctx=ctx)
    if resume and out_dir is None:
        raise click.UsageError("--resume needs --out DIR", ctx=ctx)
    if len(scenarios) < 2 and not (resume and not scenarios):
        raise click.UsageError("give at least two scenarios to compare", ctx=ctx)
    if names and len(names) != len(scenarios):
        raise click.UsageError(
            f"give --name once per scenario, in order: {len(scenarios)} scenarios, {len(names)} --name", ctx=ctx
        )
    from .options import check_executor_options

    check_executor_options(ctx, workers, scheduler, dask_local)
    plan = _Plan(engine=engine, reps=reps, seed=seed, precision=precision, max_reps=max_reps)
    if scenarios:
        plan.scenarios = _load(scenarios, names)
        _check_names(ctx, plan.scenarios)
    lock = None
    if out_dir is not None:
        from ..batch.compare import claim_compare_dir

        lock = claim_compare_dir(out_dir, resume=resume)  # checked and held before anything runs
    try:
        if resume:
            _take_from_record(ctx, plan, out_dir)
        _run(ctx, plan, out_dir=out_dir, resume=resume, quiet=quiet, as_json=as_json,
             executor_args=(workers, scheduler, dask_local))  # fmt: skip
    except BaseException:
        if lock is not None:
            lock.abandon()  # refused or interrupted before it wrote anything: nothing left behind
        raise
    if lock is not None:
        lock.release()


@dataclass
class _Plan:
    """What ``compare`` runs: as the options say, or (with --resume) as the directory records."""

    engine: str
    reps: int | None
    seed: int | None
    precision: float | None
    max_reps: int
    scenarios: list[Scenario] = field(default_factory=list)
    fresh: bool = False


def _load(scenarios: tuple[str, ...], names: tuple[str, ...]) -> list[Scenario]:
    """The scenarios, renamed as --name says (the content, and so the hash, unchanged)."""

    import drawdown

    loaded = [drawdown.load(s) for s in scenarios]
    for s in loaded:
        for w in s.warnings:
            warn(f"{s.name}: {w}")
    if names:
        from .run import renamed

        loaded = [renamed(s, n) for s, n in zip(loaded, names, strict=True)]
    return loaded


def _check_names(ctx: click.Context, scenarios: list[Scenario]) -> None:
    from ..batch.compare import duplicate_names

    twice = duplicate_names(s.name for s in scenarios)
    if twice:
        shown = ", ".join(repr(n) for n in twice)
        raise click.UsageError(
            f"two scenarios are named {shown}: a comparison would show two rows of one name; "
            "give each its own with --name (once per scenario, in order)",
            ctx=ctx,
        )


def _take_from_record(ctx: click.Context, plan: _Plan, out_dir: str | None) -> None:
    """--resume: what the command line does not say, from the comparison's plan."""
    from pathlib import Path

    from ..batch.compare import UNITS_DIR, recorded_compare
    from ..report import COMPARE_JSON
    from ..scenario import load
    from .run import _given

    assert out_dir is not None
    if not ((Path(out_dir) / COMPARE_JSON).exists() or (Path(out_dir) / UNITS_DIR).is_dir()):
        if not plan.scenarios:
            raise click.UsageError(f"{out_dir} holds no comparison to resume: give the scenarios", ctx=ctx)
        return  # nothing there yet: --resume starts it
    record = recorded_compare(out_dir)
    if not plan.scenarios:
        plan.scenarios = [
            s.replace(name=e["name"]) if s.name != e["name"] else s
            for e in record["scenarios"]
            for s in [load(e["file"])]
        ]
    if plan.seed is None:
        plan.seed = record["seed"]
    if not _given(ctx, "engine"):
        plan.engine = record["engine"]
    if not (_given(ctx, "reps") or _given(ctx, "precision")):
        if record.get("precision") is not None:
            plan.precision = record["precision"]["target"]
            plan.max_reps = record["precision"]["max_replications"]
        else:
            plan.reps = record["replications"]


def _run(
    ctx: click.Context,
    plan: _Plan,
    *,
    out_dir: str | None,
    resume: bool,
    quiet: bool,
    as_json: bool,
    executor_args: tuple[Any, Any, Any],
) -> None:
    """Run the comparison's units on the executor asked for, and report."""
    from ..batch.compare import CompareBatch
    from ..defaults import default_reps
    from ..draws import new_seed
    from .options import open_executor

    if plan.seed is None:
        plan.seed, plan.fresh = new_seed(), True
    if plan.reps is None and plan.precision is None:
        plan.reps = default_reps(plan.engine)
    with open_executor(ctx, *executor_args) as executor:
        batch = CompareBatch(
            plan.scenarios,
            plan.seed,
            reps=plan.reps if plan.precision is None else None,
            precision=plan.precision,
            max_reps=plan.max_reps if plan.precision is not None else None,
            engine=plan.engine,
            out_dir=out_dir,
            resume=resume,
            parallelism=executor.parallelism,
        )
        if batch.done_units:
            chatter(
                f"resuming: {batch.done_units} of {batch.done_units + batch.todo_units} units done, "
                f"at most {batch.todo_reps} replications to run",
                quiet=quiet,
                as_json=as_json,
            )
        label = f"{plan.engine}: {', '.join(s.name for s in plan.scenarios)}"
        if not (executor.parallelism == 1 and executor.name == "in-process"):
            label += f" on {executor.name}"
        comparison = _run_units(batch, executor, label=label, quiet=quiet, out_dir=out_dir)
    _report(comparison, plan, written=batch.written, as_json=as_json, quiet=quiet)


def _run_units(batch: CompareBatch, executor: Any, *, label: str, quiet: bool, out_dir: str | None) -> Any:
    """The batch's units with a progress bar; on Ctrl-C, say how to finish the comparison."""
    try:
        with progress_bar(quiet, batch.todo_reps, label) as progress:
            return batch.run(executor, progress=progress)
    except KeyboardInterrupt:
        if out_dir is not None:
            click.echo(
                f"{end_progress_line(quiet)}interrupted: the finished units are kept in {out_dir}; "
                f"`drawdown compare --out {out_dir} --resume` finishes the comparison",
                err=True,
            )
        raise click.Abort() from None


def _report(comparison: Any, plan: _Plan, *, written: list[Any], as_json: bool, quiet: bool) -> None:
    """Warnings on stderr, then the table or the --json document, then the files written."""
    from ..api import CompareResult
    from ..report import dumps

    result = CompareResult(comparison, fresh_seed=plan.fresh)
    for r in result.results:
        for w in r.stats.warnings():
            warn(f"{r.name}: {w}")
    status = comparison.precision
    if status is not None and not status["met"]:
        warn(
            f"--precision {status['target']:g} not reached: the largest paired standard error is "
            f"{status['se']:.4g} ({status['worst']}) after {status['replications']} replications, the cap "
            f"(--max-reps {plan.max_reps})"
        )
    click.echo(dumps(result.summary()) if as_json else result.table())
    report_written(written, quiet=quiet, as_json=as_json)
