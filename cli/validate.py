"""``drawdown validate``: check scenario files and report every problem."""

from __future__ import annotations

import sys

import click

from .options import quiet_option, report_errors


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@quiet_option
@report_errors
def validate(paths: tuple[str, ...], quiet: bool) -> None:
    """Check scenario files (or shipped scenario names) and report every problem.

    Each problem names the file, the key path and what was expected. Exit status 0
    when every scenario is valid, 2 otherwise.

    \b
    Examples:
      drawdown validate my-scenario.toml
      drawdown validate scenarios/*.toml
      drawdown validate doha-2021-05-01
    """
    import drawdown

    bad = 0
    for path in paths:
        try:
            s = drawdown.load(path)
        except drawdown.ScenarioError as exc:
            bad += 1
            n = len(exc.problems)
            click.echo(f"invalid: {path} ({n} problem{'s' if n != 1 else ''})", err=True)
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        for warning in s.warnings:
            click.echo(f"warning: {s.file}: {warning}", err=True)
        if not quiet:
            deadline = s.deadline.isoformat() if s.deadline else "none"
            click.echo(
                f"ok: {path} ({s.name}: {len(s.contingents)} contingents from {len(s.nations)} nations, "
                f"{s.total_troops} troops, deadline {deadline}, hash {s.hash[:12]})"
            )
    if bad:
        sys.exit(2)
