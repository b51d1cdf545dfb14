"""``drawdown compare``: several scenarios with common random numbers, and their differences."""

from __future__ import annotations

import click

from ..defaults import DEFAULT_REPS, DEFAULT_SIMPY_REPS
from .options import (
    complete_scenario,
    engine_option,
    json_option,
    out_option,
    progress_bar,
    quiet_option,
    report_errors,
    seed_option,
)


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
@json_option
@out_option
@quiet_option
@click.pass_context
@report_errors
def compare(
    ctx: click.Context,
    scenarios: tuple[str, ...],
    engine: str,
    reps: int | None,
    seed: int | None,
    as_json: bool,
    out_dir: str | None,
    quiet: bool,
) -> None:
    """Run scenarios with common random numbers (the same seed, so replication i of
    each sees the same draws) and compare each with the first: the probability of
    meeting the deadline (of being out by the horizon, when a scenario has none), the
    median final exit date, mean casualties and the mean days from the order to the
    last troops out.

    Each difference comes with a 95% confidence interval from the paired
    replications, and with the standard error of the paired comparison beside the
    one two independent runs would have had: pairing gains where the scenarios share
    the randomness that drives an outcome.

    --out DIR writes compare.json (the --json document), compare.png (the exit-date
    curves on one chart) and, in a folder per scenario, its summary.json,
    summary.npz, contingents.csv and daily.csv (`drawdown plot DIR` draws their plots).
    DIR must be new or empty; it is checked, and locked, before anything runs.

    \b
    Examples:
      drawdown compare doha-2021-05-01 announced-2021-09-11
      drawdown compare doha-2021-05-01 study-group-delay escalation --seed 1 --out results/cmp
      drawdown compare doha-2021-05-01 my-scenario.toml --reps 20000 --json
    """
    import drawdown

    from ..batch import claim_compare_dir, default_reps
    from ..draws import new_seed
    from ..report import dumps

    if len(scenarios) < 2:
        raise click.UsageError("give at least two scenarios to compare", ctx=ctx)
    if reps is None:
        reps = default_reps(engine)
    loaded = [drawdown.load(name) for name in scenarios]
    for s in loaded:
        for w in s.warnings:
            click.echo(f"warning: {s.name}: {w}", err=True)
    fresh = seed is None
    if fresh:
        seed = new_seed()

    lock = None if out_dir is None else claim_compare_dir(out_dir)  # checked and held before anything runs
    try:
        names = ", ".join(s.name for s in loaded)
        with progress_bar(quiet, reps * len(loaded), f"{engine}: {names}") as progress:
            result = drawdown.compare(loaded, reps=reps, seed=seed, engine=engine, progress=progress)
        result.fresh_seed = fresh
        for r in result.results:
            for w in r.stats.warnings():
                click.echo(f"warning: {r.name}: {w}", err=True)
        written = result.write(out_dir) if out_dir is not None else []
    except BaseException:
        if lock is not None:
            lock.abandon()  # refused or interrupted before it wrote anything: nothing left behind
        raise
    if lock is not None:
        lock.release()
    if as_json:
        click.echo(dumps(result.summary()))
        if not quiet:
            for p in written:
                click.echo(f"wrote {p}", err=True)
    else:
        click.echo(result.table())
        for p in written:
            click.echo(f"wrote {p}")
