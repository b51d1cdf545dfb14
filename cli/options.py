"""Options and error handling shared by the subcommands."""

from __future__ import annotations

import functools
import sys

import click

from sim.errors import DrawdownError, ScenarioError

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
seed_option = click.option(
    "--seed", type=click.IntRange(min=0), default=None,
    help="Seed of the random streams (default: fresh entropy from the OS, printed and stored).",
)


def report_errors(func):
    """Turn drawdown's errors into a message on stderr and exit status 2, no traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        except DrawdownError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper
