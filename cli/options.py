"""Options and error handling shared by the subcommands."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import DrawdownError, ScenarioError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..batch import Executor, Shard

F = TypeVar("F", bound=Callable[..., Any])

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
seed_option = click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of the random streams (default: fresh entropy from the OS, printed and stored).",
)


class FiniteFloatRange(click.FloatRange):
    """click's ``FloatRange`` that also refuses ``nan`` (which no comparison with a bound catches).

    Examples
    --------
    >>> import click
    >>> from drawdown.cli.options import FiniteFloatRange
    >>> FiniteFloatRange(min=0, max=0.5).convert("0.25", None, None)
    0.25
    >>> FiniteFloatRange(min=0, max=0.5).convert("nan", None, None)
    Traceback (most recent call last):
    ...
    click.exceptions.BadParameter: 'nan' is not a number.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The number, or a usage error for nan (and, as click says, one outside the range)."""
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


#: The library names its parameters; the command line says which flag that is.
FLAG_WORDS = (
    (re.compile(r"shard='([^']*)', resume=True"), r"--shard \1 --resume"),
    (re.compile(r"resume=True"), "--resume"),
    (re.compile(r"shard='([^']*)'"), r"--shard \1"),
    (re.compile(r"\bscheduler=''"), "--scheduler ''"),
    (re.compile(r"\bscheduler='([^']*)'"), r"--scheduler \1"),
    (re.compile(r"merge_dir\('([^']*)'\)"), r"`drawdown merge \1`"),
    (re.compile(r"\bout_dir\b"), "--out DIR"),
    (re.compile(r"\blocal_workers\b"), "--dask-local"),
    (re.compile(r"\bdask_local\b"), "--dask-local"),
    (re.compile(r"\bgive reps\b"), "give --reps"),
    (re.compile(r"\bmax_reps=(\d+)"), r"--max-reps \1"),
    (re.compile(r"\breps=(\d+)"), r"--reps \1"),
    (re.compile(r"\bblock_size=(\d+)"), r"--block-size \1"),
)


def in_flag_words(message: str) -> str:
    """A library message with its parameter names as the command line's flags.

    >>> in_flag_words("run it again with shard='2/4', resume=True; or give another out_dir")
    'run it again with --shard 2/4 --resume; or give another --out DIR'
    >>> in_flag_words("scheduler='localhost': no port")
    '--scheduler localhost: no port'
    """
    for pattern, flag in FLAG_WORDS:
        message = pattern.sub(flag, message)
    return message


def report_errors(func: F) -> F:
    """Turn drawdown's errors into a message on stderr and exit status 2, no traceback.

    Examples
    --------
    >>> import click, drawdown
    >>> from click.testing import CliRunner
    >>> from drawdown.cli.options import report_errors
    >>> @click.command()
    ... @report_errors
    ... def cmd():
    ...     raise drawdown.DrawdownError("no good")
    >>> r = CliRunner().invoke(cmd)
    >>> r.exit_code, "error: no good" in r.output
    (2, True)
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        except DrawdownError as exc:
            click.echo(f"error: {in_flag_words(str(exc))}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            raise
        except OSError as exc:  # a results file or directory that cannot be written or read
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def complete_scenario(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a scenario argument: shipped names, or files for a path."""
    from click.shell_completion import CompletionItem

    if "/" in incomplete or incomplete.startswith("."):
        return [CompletionItem(incomplete, type="file")]
    try:
        import drawdown

        names = drawdown.list_scenarios()
    except Exception:  # completion must never fail loudly
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)] or [CompletionItem(incomplete, type="file")]


engine_option = click.option(
    "--engine",
    type=click.Choice(["numpy", "simpy"]),
    default="numpy",
    show_default=True,
    help="numpy: fast, vectorised; simpy: the reference model, one process per actor (same outcomes, slower).",
)


def non_empty_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--out DIR`` as given, refusing ``--out ''`` (a usage error: it is not the current directory).

    >>> from drawdown.cli.options import non_empty_dir
    >>> non_empty_dir(None, None, "results")
    'results'
    """
    if value is not None and value == "":
        raise click.BadParameter("an empty path; give a directory ('.' for the current one)", ctx=ctx, param=param)
    return value


out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    metavar="DIR",
    callback=non_empty_dir,
    help="Also write the results' files to DIR (created if needed; a new or empty directory, "
    "or one of the same kind's to finish with --resume).",
)


def progress_bar(quiet: bool, length: int, label: str) -> AbstractContextManager[Callable[[int], None] | None]:
    """A click progress bar on stderr, or a do-nothing context when ``quiet``.

    The context gives the callable to pass as an engine's ``progress``.

    Examples
    --------
    >>> from drawdown.cli.options import progress_bar
    >>> with progress_bar(True, 100, "quiet") as progress:
    ...     progress is None
    True
    """
    import contextlib

    if quiet:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        with click.progressbar(length=length, label=label, file=sys.stderr) as b:
            yield b.update

    return bar()


# -- executors, resume and shards (shared by `run` and `sweep`) ------------------------------------
def executor_options(func: F) -> F:
    """``--workers N``, ``--scheduler ADDRESS``, ``--dask-local N``: where the units of work run.

    The command receives ``workers``, ``scheduler`` and ``dask_local``; pass them to
    :func:`open_executor`.
    """
    func = click.option(
        "--dask-local",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Start a local Dask cluster of N worker processes on 127.0.0.1 for this command (to try Dask; "
        "needs pip install 'drawdown[cluster]').",
    )(func)
    func = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run on an existing Dask cluster: its scheduler's address, e.g. tcp://10.0.0.5:8786 "
        "(needs pip install 'drawdown[cluster]' here and on the workers).",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Run on N local worker processes (default: in this process).",
    )(func)
    return func


resume_option = click.option(
    "--resume",
    is_flag=True,
    help="Finish the run in --out DIR after an interruption: only what is missing runs; finished work is "
    "checked, kept and never computed again.",
)
shard_option = click.option(
    "--shard",
    default=None,
    metavar="I/N",
    help="Run only the I-th of N shards (1 <= I <= N) into --out DIR, e.g. from a job array; "
    "`drawdown merge DIR` joins the N shards.",
)


def check_executor_options(
    ctx: click.Context, workers: int | None, scheduler: str | None, dask_local: int | None
) -> None:
    """At most one of --workers, --scheduler, --dask-local (a usage error otherwise); and for the
    Dask ones, Dask installed (a usage error saying how to install it otherwise)."""
    given = [
        name
        for name, v in (("--workers", workers), ("--scheduler", scheduler), ("--dask-local", dask_local))
        if v is not None
    ]
    if len(given) > 1:
        raise click.UsageError(f"give one of {' / '.join(given)}, not several", ctx=ctx)
    if scheduler is not None or dask_local is not None:
        from ..batch import CLUSTER_HINT, import_distributed

        try:
            import_distributed()  # before anything is written: without Dask, say how to install it
        except DrawdownError as e:
            raise click.UsageError(
                f"{given[0]} needs Dask's distributed scheduler, which is not installed: {CLUSTER_HINT}", ctx=ctx
            ) from e
    if scheduler is not None:
        from ..batch.executors import check_scheduler_address

        check_scheduler_address(scheduler)  # a DrawdownError naming --scheduler, before anything is written


def open_executor(ctx: click.Context, workers: int | None, scheduler: str | None, dask_local: int | None) -> Executor:
    """The executor the options ask for (in-process without them); a context manager."""
    check_executor_options(ctx, workers, scheduler, dask_local)
    from ..batch import make_executor

    return make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)


def parse_shard(ctx: click.Context | None, shard: str | None) -> Shard | None:
    """``--shard I/N`` as a :class:`drawdown.batch.Shard` (None without it); a usage error if malformed.

    The library's message says what is wrong with the text; click names the option.

    Examples
    --------
    >>> from drawdown.cli.options import parse_shard
    >>> parse_shard(None, "2/4")
    Shard(index=2, count=4)
    >>> parse_shard(None, "5/4")
    Traceback (most recent call last):
    ...
    click.exceptions.BadParameter: expected I/N with 1 <= I <= N
    """
    if shard is None:
        return None
    from ..batch import Shard

    try:
        return Shard.parse(shard)
    except DrawdownError as e:
        raise click.BadParameter(_after_shard_text(str(e)), ctx=ctx, param_hint="'--shard'") from None


def _after_shard_text(message: str) -> str:
    """The library's message about a shard without its ``... I/N:`` (or ``'TEXT':``) opening: what is wrong."""
    head, sep, rest = message.partition(": ")
    return rest if sep and (head.startswith("--shard ") or head.startswith("shard ")) else message
