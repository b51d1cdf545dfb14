"""``drawdown run``: run replications of a scenario and print a short summary."""

from __future__ import annotations

import sys

import click

from .options import quiet_option, report_errors, seed_option

DEFAULT_SCENARIO = "doha-2021-05-01"


@click.command("run")
@click.argument("scenario", metavar="[NAME|PATH]", default=DEFAULT_SCENARIO)
@click.option("--engine", type=click.Choice(["numpy", "simpy"]), default="numpy", show_default=True,
              help="numpy: fast, vectorised; simpy: the reference model, one process per actor.")
@click.option("--reps", type=click.IntRange(min=1), default=1000, show_default=True, help="Replications to run.")
@seed_option
@quiet_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write the per-replication outcomes to DIR/replications.npz.")
@report_errors
def run(scenario, engine, reps, seed, quiet, out_dir):
    """Run REPS replications of a scenario (default: doha-2021-05-01) and print a
    short summary: the decision day, the final exit date's 5/50/95% quantiles, the
    chance of being out by the deadline, casualties and censored replications.

    Both engines give the same outcome for the same seed, replication by replication.

    \b
    Examples:
      drawdown run doha-2021-05-01 --reps 2000 --seed 1
      drawdown run announced-2021-09-11 --engine simpy --reps 50 --seed 1
      drawdown run no-consensus --seed 7 --out results/no-consensus
    """
    import sim
    from sim.draws import new_seed

    s = sim.load(scenario)
    for w in s.warnings:
        click.echo(f"warning: {w}", err=True)
    fresh = seed is None
    if fresh:
        seed = new_seed()
    if engine == "simpy":
        from sim.simpy_engine import run_simpy as runner
    else:
        from sim.numpy_engine import run_numpy as runner

    if quiet:
        out = runner(s, reps, seed)
    else:
        with click.progressbar(length=reps, label=f"{engine}: {s.name}", file=sys.stderr) as bar:
            out = runner(s, reps, seed, progress=bar.update)

    if out_dir is not None:
        import os

        import numpy as np
        import scipy

        from sim.draws import BLOCK_SIZE, LAYOUT_VERSION
        from sim.files import REPLICATIONS_FILE, write_replications

        os.makedirs(out_dir, exist_ok=True)
        path = write_replications(
            os.path.join(out_dir, REPLICATIONS_FILE),
            out,
            meta={
                "scenario": s.name,
                "scenario_hash": s.hash,
                "seed": seed,
                "engine": engine,
                "version": sim.__version__,
                "reps": reps,
                "block_size": BLOCK_SIZE,
                "layout_version": LAYOUT_VERSION,
                "numpy_version": np.__version__,
                "scipy_version": scipy.__version__,
            },
        )
    else:
        path = None

    click.echo(render_summary(s, out, seed=seed, engine=engine, fresh_seed=fresh))
    if path is not None:
        click.echo(f"wrote {path}")


def _quantile_day(days, q):
    """The q-quantile of days, ``-1`` ("never") counting as later than any day.

    The lower empirical quantile (an observed day); None when it falls among the
    "never" replications.
    """
    import numpy as np

    days = np.asarray(days, dtype=np.int64)
    big = np.iinfo(np.int64).max
    x = np.sort(np.where(days < 0, big, days))
    k = max(int(np.ceil(q * len(x))) - 1, 0)
    return None if x[k] == big else int(x[k])


def render_summary(s, out, *, seed, engine, fresh_seed=False) -> str:
    """The short summary of a run, as text."""
    import numpy as np

    n = len(out)

    def date(day, never):
        return never if day is None else f"{s.date_of(day).isoformat()} (day {day})"

    lines = [
        f"scenario      {s.name}  (hash {s.hash[:12]})",
        f"run           {n} replications, engine {engine}, seed {seed}"
        + ("  (fresh seed: pass --seed to repeat)" if fresh_seed else ""),
    ]
    med = _quantile_day(out.decision_day, 0.5)
    never = int((out.decision_day < 0).sum())
    lines.append(f"decision      median {date(med, 'never (within the horizon)')}"
                 + (f"; no order in {never} replication{'s' if never > 1 else ''}" if never else ""))
    qs = [(p, _quantile_day(out.final_exit_day, p / 100)) for p in (5, 50, 95)]
    lines.append("final exit    " + "   ".join(f"{p}%: {date(d, 'censored')}" for p, d in qs))
    if s.deadline_day is None:
        lines.append("deadline      none (conditions-based): P(out by deadline) not applicable")
    else:
        k = int(out.met_deadline.sum())
        p = k / n
        se = (p * (1 - p) / n) ** 0.5
        lines.append(f"out by {s.deadline.isoformat()}  P = {p:.3f} ± {se:.3f} (s.e.; {k} of {n})")
    cas = out.casualties.astype(np.float64)
    se = cas.std(ddof=1) / n ** 0.5 if n > 1 else float("nan")
    lines.append(f"casualties    mean {cas.mean():.2f} ± {se:.2f} (s.e.); attacks mean {out.attacks.mean():.2f}")
    c = int(out.censored.sum())
    line = f"censored      {c} of {n} ({100 * c / n:.1f}%) still in country at the horizon ({s.date_of(s.horizon_days - 1).isoformat()})"
    if c > 0.01 * n:
        line += "\nWARNING: more than 1% of replications are censored: exit quantiles among them are unknown " \
                "(shown as 'censored'); lengthen horizon_days to see when they end"
    lines.append(line)
    return "\n".join(lines)
