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
        except BrokenPipeError:
            raise
        except OSError as exc:  # a results file or directory that cannot be written or read
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)

    return wrapper


def complete_scenario(ctx, param, incomplete):
    """Shell completion of a scenario argument: shipped names, or files for a path."""
    from click.shell_completion import CompletionItem

    if "/" in incomplete or incomplete.startswith("."):
        return [CompletionItem(incomplete, type="file")]
    try:
        import sim

        names = sim.list_scenarios()
    except Exception:  # completion must never fail loudly
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)] or [CompletionItem(incomplete, type="file")]


engine_option = click.option(
    "--engine", type=click.Choice(["numpy", "simpy"]), default="numpy", show_default=True,
    help="numpy: fast, vectorised; simpy: the reference model, one process per actor (same outcomes, slower).",
)
out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, dir_okay=True), default=None, metavar="DIR",
    help="Also write the results' files to DIR (created if needed).",
)


def progress_bar(quiet: bool, length: int, label: str):
    """A click progress bar on stderr, or a do-nothing context when ``quiet``.

    The context gives the callable to pass as an engine's ``progress``.
    """
    import contextlib

    if quiet:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar():
        with click.progressbar(length=length, label=label, file=sys.stderr) as b:
            yield b.update

    return bar()
