"""``drawdown validate``: check scenario files, compositions and sweep specs, reporting every problem."""

from __future__ import annotations

import sys

import click

from .options import complete_scenario, quiet_option, report_errors


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", shell_complete=complete_scenario)
@quiet_option
@report_errors
def validate(paths: tuple[str, ...], quiet: bool) -> None:
    """Check scenario files (or shipped scenario names, or compositions such as
    base-force-2021-02+deadline-2021-05-01) and sweep specs, and report every problem.

    A sweep spec (a file with a `base` and `factors`, as in scenarios/sweeps/) is
    checked as one: its keys, its base scenario and every point of its design. A
    shipped overlay (deadlines/, conditions/, threats/) is checked laid on the base
    force, base-force-2021-02. Each
    problem names the file, the key path and what was expected. Exit status 0 when
    everything is valid, 2 otherwise.

    \b
    Examples:
      drawdown validate my-scenario.toml
      drawdown validate scenarios/*.toml
      drawdown validate doha-2021-05-01 base-force-2021-02+deadline-2021-09-11
      drawdown validate scenarios/sweeps/deadline-and-threat.toml
    """
    import drawdown

    from ..scenario.sources import is_sweep_spec

    bad = 0
    for path in paths:
        try:
            line = _check_spec(path) if is_sweep_spec(path) else _check_scenario(path)
        except drawdown.ScenarioError as exc:
            bad += 1
            n = len(exc.problems)
            click.echo(f"invalid: {path} ({n} problem{'s' if n != 1 else ''})", err=True)
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(line)  # a result: printed with --quiet too (validate has no progress or chatter)
    if bad:
        sys.exit(2)


#: A shipped overlay is validated laid on this scenario (every shipped scenario extends it).
OVERLAY_BASE = "base-force-2021-02"


def _check_scenario(path: str) -> str:
    """The ``ok:`` line of a valid scenario (its warnings on stderr)."""
    import drawdown

    from ..scenario import OVERLAY_FOLDERS, find_scenario
    from ..scenario.sources import split_composition

    if split_composition(path) is None:
        file = find_scenario(path).resolve()
        base = file.parent.parent / f"{OVERLAY_BASE}.toml"  # the shipped folders, installed or in a checkout
        if file.parent.name in OVERLAY_FOLDERS and base.is_file():
            s = drawdown.load(f"{base}+{file}")
            return f"ok: {path} (overlay, laid on {OVERLAY_BASE}: deadline {_deadline(s)}, hash {s.hash[:12]})"
    s = drawdown.load(path)
    for warning in s.warnings:
        click.echo(f"warning: {s.file}: {warning}", err=True)
    return (
        f"ok: {path} ({s.name}: {len(s.contingents)} contingents from {len(s.nations)} nations, "
        f"{s.total_troops} troops, deadline {_deadline(s)}, hash {s.hash[:12]})"
    )


def _deadline(s: object) -> str:
    deadline = getattr(s, "deadline", None)
    return deadline.isoformat() if deadline else "none"


def _check_spec(path: str) -> str:
    """The ``ok:`` line of a valid sweep spec: its keys, its base and every point checked."""
    from ..batch import load_spec, plan_points  # numpy: only for a sweep spec

    spec = load_spec(path)
    base, points, notes = plan_points(spec)
    for note in notes:
        click.echo(f"warning: {path}: {note}", err=True)
    for warning in base.warnings:
        click.echo(f"warning: {base.file}: {warning}", err=True)
    factors = ", ".join(f.key for f in spec.factors)
    return f"ok: {path} (sweep spec: base {base.name}, {spec.design} design of {len(points)} points over {factors})"
