"""Options, output conventions and error handling shared by the subcommands.

Every command keeps one set of output conventions (docs/cli.md):

- **stdout** carries the results (a table, a JSON document, ``ok:`` lines) and, unless
  ``--quiet`` or ``--json``, the chatter (``wrote FILE``, ``resuming: ...``, hints):
  :func:`chatter`, :func:`report_written`.
- **stderr** carries progress, only on a terminal and never with ``--quiet``
  (:func:`progress_bar`), warnings (:func:`warn`) and errors (:func:`report_errors`;
  a stopped command's one line, :mod:`drawdown.cli.signals`).
- ``--quiet`` (:data:`quiet_option`) means the same on every command: no progress and no
  chatter; results and warnings are still printed.

Scenario arguments complete in the shell (:func:`complete_scenario`): the shipped
scenario names, the shipped overlays (:data:`drawdown.scenario.OVERLAY_FOLDERS`) and, in a composition
``a+b``, the part after the last ``+``.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..defaults import DEFAULT_MAX_REPS
from ..errors import DrawdownError, ScenarioError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..batch import Executor, Shard

F = TypeVar("F", bound=Callable[..., Any])

#: ``--quiet``, one meaning on every command (the module's docstring).
QUIET_HELP = (
    "No progress and no chatter (no 'wrote FILE', 'resuming', hints): only the results on stdout, "
    "and warnings and errors on stderr."
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)
max_reps_option = click.option(
    "--max-reps",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_REPS,
    show_default=True,
    help="With --precision: stop here even if the target is not met (and say so).",
)
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


#: The library names its parameters; the command line says which flag that is. Patterns as text,
#: compiled on first use (``re``'s cache): a command that meets no error does not pay for them.
FLAG_WORDS = (
    (r"shard='([^']*)', resume=True", r"--shard \1 --resume"),
    (r"resume=True", "--resume"),
    (r"shard='([^']*)'", r"--shard \1"),
    (r"\bscheduler=''", "--scheduler ''"),
    (r"\bscheduler='([^']*)'", r"--scheduler \1"),
    (r"merge_dir\('([^']*)'\)", r"`drawdown merge \1`"),
    (r"\bout_dir\b", "--out DIR"),
    (r"\blocal_workers\b", "--dask-local"),
    (r"\bdask_local\b", "--dask-local"),
    (r"\bgive reps\b", "give --reps"),
    (r"\bmax_reps=(\d+)", r"--max-reps \1"),
    (r"\breps=(\d+)", r"--reps \1"),
    (r"\bblock_size=(\d+)", r"--block-size \1"),
)


def in_flag_words(message: str) -> str:
    """A library message with its parameter names as the command line's flags.

    >>> in_flag_words("run it again with shard='2/4', resume=True; or give another out_dir")
    'run it again with --shard 2/4 --resume; or give another --out DIR'
    >>> in_flag_words("scheduler='localhost': no port")
    '--scheduler localhost: no port'
    """
    for pattern, flag in FLAG_WORDS:
        message = re.sub(pattern, flag, message)
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
    """Shell completion of a scenario argument: shipped names and overlays, or files for a path.

    In a composition (``a+b``) the part after the last ``+`` is completed. A word that
    looks like a path (a ``/``, or a leading ``.`` or ``~``), or that no name completes,
    is left to the shell's file completion.

    Examples
    --------
    >>> from drawdown.cli.options import complete_scenario
    >>> [c.value for c in complete_scenario(None, None, "doha")]
    ['doha-2021-05-01']
    >>> [(c.type, c.value) for c in complete_scenario(None, None, "./my")]
    [('file', './my')]
    """
    from click.shell_completion import CompletionItem

    last = incomplete.rpartition("+")[2]  # in a composition, the part being typed
    if last.startswith((".", "~", "/")) or last.endswith(".toml"):  # a path (``threats/`` is an overlay folder)
        return [CompletionItem(incomplete, type="file")]
    try:
        from ..scenario import scenario_names

        found = scenario_names(incomplete)
    except Exception:  # completion must never fail loudly
        found = []
    return [CompletionItem(n) for n in found] or [CompletionItem(incomplete, type="file")]


def complete_sweep_spec(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a sweep spec argument: the shipped specs' names, or files for a path.

    Examples
    --------
    >>> from drawdown.cli.options import complete_sweep_spec
    >>> [c.value for c in complete_sweep_spec(None, None, "dead")]
    ['deadline-and-threat']
    """
    from click.shell_completion import CompletionItem

    if "/" in incomplete or incomplete.startswith((".", "~")):
        return [CompletionItem(incomplete, type="file")]
    try:
        from ..scenario import scenario_dir

        names = sorted(p.stem for p in (scenario_dir() / "sweeps").glob("*.toml"))
    except Exception:  # completion must never fail loudly
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)] or [CompletionItem(incomplete, type="file")]


def check_name(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """``--name TEXT`` as given, refusing an empty name or one with control characters (a usage error).

    >>> from drawdown.cli.options import check_name
    >>> check_name(None, None, "doha, slower airlift")
    'doha, slower airlift'
    >>> check_name(None, None, " ")
    Traceback (most recent call last):
    ...
    click.exceptions.BadParameter: an empty name; give the name the results should carry
    """
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("an empty name; give the name the results should carry", ctx=ctx, param=param)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise click.BadParameter(f"{value!r} holds a control character (a newline, a tab)", ctx=ctx, param=param)
    return value


name_option = click.option(
    "--name",
    default=None,
    metavar="TEXT",
    callback=check_name,
    help="The name the run's scenario carries in every output (table, JSON, files, plots); "
    "default: the scenario file's name.",
)


#: What ``--by`` takes: :data:`drawdown.results.breakdown.BY`, spelled out here so that
#: parsing the command line imports no numpy (a test checks that they agree).
BY_CHOICES = ("nation", "base", "phase", "leg")


def parse_by(ctx: click.Context | None, param: click.Parameter | None, value: Iterable[str]) -> tuple[str, ...]:
    """``--by`` as given (repeated, or a comma list): the breakdowns asked for, each once, in
    the order of :data:`BY_CHOICES`; a usage error for another word.

    >>> from drawdown.cli.options import parse_by
    >>> parse_by(None, None, ("base,nation", "nation"))
    ('nation', 'base')
    """
    asked = {part.strip() for v in value for part in v.split(",") if part.strip()}
    unknown = sorted(asked - set(BY_CHOICES))
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: expected {', '.join(BY_CHOICES)}", ctx=ctx, param=param)
    return tuple(b for b in BY_CHOICES if b in asked)


by_option = click.option(
    "--by",
    multiple=True,
    metavar="nation|base|phase|leg",
    callback=parse_by,
    help="Also break the run down by nation (exit date, P(out by the deadline), troops and "
    "retrograde by day), base (day closed), phase or leg (network scenarios); repeat it or give a "
    "comma list. It is folded in the run's own pass, recording what a plain run does not; with "
    "--out it also writes nations.csv, nations_daily.csv, nations.png, bases.csv, phases.csv, legs.csv.",
)


def warn(message: str) -> None:
    """A warning, on stderr (printed with ``--quiet`` too).

    >>> from click.testing import CliRunner
    >>> import click
    >>> from drawdown.cli.options import warn
    >>> CliRunner().invoke(click.command()(lambda: warn("late"))).output
    'warning: late\\n'
    """
    click.echo(f"warning: {message}", err=True)


def chatter(message: str, *, quiet: bool, as_json: bool = False) -> None:
    """A line that is neither a result nor a warning (``resuming: ...``, a hint), on stdout;
    nothing with ``--quiet``, or with ``--json`` (whose stdout is the document alone).

    >>> from click.testing import CliRunner
    >>> import click
    >>> from drawdown.cli.options import chatter
    >>> CliRunner().invoke(click.command()(lambda: chatter("resuming", quiet=False))).output
    'resuming\\n'
    >>> CliRunner().invoke(click.command()(lambda: chatter("resuming", quiet=True))).output
    ''
    """
    if not (quiet or as_json):
        click.echo(message)


def report_written(paths: Iterable[object], *, quiet: bool, as_json: bool = False) -> None:
    """``wrote FILE`` for each file written: chatter (:func:`chatter`)."""
    for p in paths:
        chatter(f"wrote {p}", quiet=quiet, as_json=as_json)


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


def shows_progress(quiet: bool) -> bool:
    """Whether a progress bar is drawn: stderr is a terminal and not ``--quiet``.

    Off a terminal (a log file, a pipe, a notebook's captured stream) nothing is drawn,
    not even the bar's label, so stderr holds only warnings and errors there.

    >>> from drawdown.cli.options import shows_progress
    >>> shows_progress(True)
    False
    """
    return not quiet and _isatty(sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no such method, or a closed stream
        return False


def progress_bar(quiet: bool, length: int, label: str) -> AbstractContextManager[Callable[[int], None] | None]:
    """A click progress bar on stderr when :func:`shows_progress`, else a do-nothing context.

    The context gives the callable to pass as an engine's ``progress`` (None when no bar
    is drawn).

    Examples
    --------
    >>> from drawdown.cli.options import progress_bar
    >>> with progress_bar(True, 100, "quiet") as progress:
    ...     progress is None
    True
    """
    import contextlib

    if not shows_progress(quiet):
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        with click.progressbar(length=length, label=label, file=sys.stderr) as b:
            yield b.update

    return bar()


def end_progress_line(quiet: bool) -> str:
    """What a message on stderr after an interrupted progress bar starts with: a newline that
    ends the bar's line when one was drawn, else nothing."""
    return "\n" if shows_progress(quiet) else ""


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
