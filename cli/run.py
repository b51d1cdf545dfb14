"""``drawdown run``: run replications of a scenario; print, write and plot the summary."""

from __future__ import annotations

import click

from sim.report import DEFAULT_MAX_REPS, DEFAULT_REPS, DEFAULT_SIMPY_REPS

from .options import (complete_scenario, engine_option, json_option, out_option, progress_bar, quiet_option,
                      report_errors, seed_option)

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
@quiet_option
@click.pass_context
@report_errors
def run(ctx, scenario, engine, reps, seed, precision, max_reps, as_json, out_dir, quiet):
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
    contingents.png (`drawdown plot DIR` redraws them).

    \b
    Examples:
      drawdown run
      drawdown run doha-2021-05-01 --reps 20000 --seed 1 --out results/doha
      drawdown run announced-2021-09-11 --precision 0.002 --json
      drawdown run no-consensus --engine simpy --reps 200 --seed 7
    """
    import sim
    from sim.draws import new_seed
    from sim.report import (default_reps, dumps, precision_status, run_json, run_summary, run_to_precision, summary_table,
                            write_run_dir)

    if precision is not None and _given(ctx, "reps"):
        raise click.UsageError("give --reps or --precision, not both", ctx=ctx)
    if precision is None and _given(ctx, "max_reps"):
        raise click.UsageError("--max-reps goes with --precision", ctx=ctx)

    if reps is None:
        reps = default_reps(engine)
    s = sim.load(scenario)
    for w in s.warnings:
        warn(w)
    fresh = seed is None
    if fresh:
        seed = new_seed()

    kept = [] if out_dir is not None else None
    on_outcomes = None if kept is None else (lambda chunk, out: kept.append(out))
    label = f"{engine}: {s.name}"
    if precision is None:
        with progress_bar(quiet, reps, label) as progress:
            summary = run_summary(s, reps, seed, engine=engine, progress=progress, on_outcomes=on_outcomes)
        status = None
    else:
        with progress_bar(quiet, max_reps, f"{label} (to s.e. {precision:g}, at most {max_reps} replications)") \
                as progress:
            summary = run_to_precision(s, seed, precision, engine=engine, max_reps=max_reps, progress=progress,
                                       on_outcomes=on_outcomes)
        status = precision_status(summary, precision, cap_reps=max_reps)

    for w in summary.warnings():
        warn(w)
    if status is not None and not status["met"]:
        warn(f"--precision {precision:g} not reached: the standard error is {status['se']:.4g} after "
             f"{summary.n} replications, the cap (--max-reps {max_reps})")

    written = []
    if out_dir is not None:
        from sim.outcomes import Outcomes

        written = write_run_dir(out_dir, s, summary, outcomes=Outcomes.concatenate(kept), precision=status)

    if as_json:
        click.echo(dumps(run_json(s, summary, precision=status)))
        if not quiet:
            for p in written:
                click.echo(f"wrote {p}", err=True)
    else:
        click.echo(summary_table(s, summary, fresh_seed=fresh, precision=status))
        for p in written:
            click.echo(f"wrote {p}")
