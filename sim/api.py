"""The Python API: run, compare and trace scenarios from a script or a notebook.

Three functions, also at the top of the package (``drawdown.run``, ``drawdown.compare``,
``drawdown.trace``), and the two results they return:

* :func:`run` runs replications of one scenario and returns a :class:`Result`: its
  :meth:`~Result.summary` is the document ``drawdown run --json`` prints,
  :meth:`~Result.table` the text ``drawdown run`` prints (both are built by the same
  functions of :mod:`drawdown.report` as the command line's), its ``plot_*`` methods the
  figures of :mod:`drawdown.report.plots`, and its ``daily_*`` methods the per-day bands as arrays;
  in a Jupyter cell it shows as an HTML table of the key outcomes;
* :func:`compare` runs several scenarios with common random numbers (the same seed,
  so replication ``i`` of each sees the same draws) and returns a
  :class:`CompareResult` (``drawdown compare``);
* :func:`trace` tells the story of one replication, as a list of events
  (``drawdown trace``).

A scenario is given as a :class:`~drawdown.scenario.Scenario` (from :func:`drawdown.load`, maybe
changed with :meth:`~drawdown.scenario.Scenario.replace`) or as a shipped scenario's name or
a path to a TOML file. Without a seed a fresh one is drawn from the operating system
(:func:`drawdown.draws.new_seed`) and stored on the result: ``seed=result.seed`` repeats the
run bit for bit, with either engine.

Example
-------
>>> import drawdown
>>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
>>> r
<Result doha-2021-05-01: 1,000 replications, seed 2021, numpy engine;
 P(out by 2021-05-01) = 0.508 ± 0.016; median final exit 2021-04-26>
>>> r.summary()["p_met_deadline"]["value"]
0.508
>>> later = drawdown.load("doha-2021-05-01").replace(deadline="2021-09-11")
>>> drawdown.run(later, reps=1000, seed=2021).summary()["p_met_deadline"]["value"]
0.936
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import html
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from .batch import (
    DEFAULT_MAX_REPS,
    MANIFEST,
    RunBatch,
    RunResult,
    claim_compare_dir,
    default_reps,
    dir_contents,
    make_executor,
    recorded_run,
    run_to_precision,
    summarize,
)
from .batch import compare as run_compare
from .batch.rundir import RUN_FILES
from .draws import new_seed, read_seed, seed_text
from .engines import (
    ALL_OUTCOME_DTYPES,
    NETWORK_OUTCOME_DTYPES,
    OUTCOME_DTYPES,
    Outcomes,
    outcome_dtypes,
    outcome_widths,
    run_blocks,
    trace_replication,
)
from .errors import DrawdownError, ResultError
from .report import (
    CONTINGENT_COLUMNS,
    DAILY_COLUMNS,
    casualties_figure,
    compare_figure,
    contingent_rows,
    contingents_figure,
    daily_rows,
    drawdown_figure,
    exit_dates_figure,
    last_out,
    read_run_dir,
    run_json,
    summary_table,
    write_compare_dir,
    write_run_dir,
)
from .report.breakdown import (
    BASE_COLUMNS,
    LEG_COLUMNS,
    NATION_COLUMNS,
    NATION_DAILY_COLUMNS,
    PHASE_COLUMNS,
    base_rows,
    breakdown_table,
    leg_rows,
    nation_daily_rows,
    nation_rows,
    phase_rows,
    write_breakdown,
)
from .report.plots import nations_figure
from .results import (
    QUANTILE_KEYS,
    REPLICATIONS_FILE,
    Summary,
    claim_directory,
    facts_of,
    precision_status,
    read_replications,
    remove_temporaries,
)
from .results.breakdown import (
    BaseBreakdown,
    Breakdown,
    BreakdownFold,
    LegBreakdown,
    NationBreakdown,
    PhaseBreakdown,
    check_by,
)
from .scenario import Scenario, list_scenario_files, load

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    from .results import Comparison, Difference

__all__ = [
    "run",
    "analyze",
    "discover",
    "compare",
    "trace",
    "open_run",
    "Result",
    "CompareResult",
    "as_scenario",
    "breakdown_of",
    "complete_breakdown",
    "FRAME_KINDS",
    "BREAKDOWN_FRAME_KINDS",
]

_QS = (0.05, 0.5, 0.95)

#: A path, as the functions here take it.
StrPath: TypeAlias = "str | os.PathLike[str]"
#: What the functions here take as a scenario (see :func:`as_scenario`).
ScenarioLike: TypeAlias = "Scenario | Result | str | Path"
#: Called with the replications finished since the last call.
Progress: TypeAlias = Callable[[int], None]
#: What ``progress=`` takes: a callable, or True / False for a bar or none.
ProgressArg: TypeAlias = "Progress | bool | None"
#: The tables :meth:`Result.to_dataframe` makes, one frame each.
FRAME_KINDS = ("contingents", "daily", "replications")
#: The breakdown tables :meth:`Result.to_dataframe` also makes (``phases`` and ``legs``
#: for a network scenario only), the columns of the files ``drawdown run --by`` writes.
BREAKDOWN_FRAME_KINDS = ("nations", "nations_daily", "bases", "phases", "legs")
#: ``run(keep_replications=None)`` keeps the per-replication outcomes in memory when they take at
#: most this many bytes (about 250,000 replications of the base force: 40 contingents, 10 bases).
KEEP_REPLICATIONS_BYTES = 64 << 20


def as_scenario(scenario: ScenarioLike) -> Scenario:
    """A :class:`~drawdown.scenario.Scenario` from a Scenario (returned as it is), a shipped
    scenario's name or a path to a TOML file.

    Parameters
    ----------
    scenario : Scenario or Result or str or Path
        A scenario; a :class:`Result` (its scenario); a shipped scenario's name; a path.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        When the name or file does not give a valid scenario.
    TypeError
        When ``scenario`` is none of these.

    Examples
    --------
    >>> from drawdown.api import as_scenario
    >>> as_scenario("announced-2021-09-11").deadline.isoformat()
    '2021-09-11'
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Result):
        return scenario.scenario
    if isinstance(scenario, (str, Path)):
        return load(scenario)
    raise TypeError(f"expected a Scenario, a scenario name or a path, got {type(scenario).__name__}")


def _seed(seed: Any) -> tuple[int, bool]:
    """``(seed, fresh)``: a given seed as an int, or a fresh one from the OS."""
    if seed is None:
        return new_seed(), True
    if isinstance(seed, bool) or not isinstance(seed, int) and not hasattr(seed, "__index__"):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return seed, False


def _engine(engine: str) -> str:
    """``engine``, checked."""
    if engine not in ("numpy", "simpy"):
        raise ValueError(f"unknown engine {engine!r}: expected 'numpy' or 'simpy'")
    return engine


class _StderrProgress:
    """A one-line progress counter on stderr, for ``quiet=False``."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = int(total), label, 0
        self._write()

    def _write(self, end: str = "") -> None:
        print(f"\r{self.label}: {self.done:,} of {self.total:,} replications", end=end, file=sys.stderr, flush=True)

    def __call__(self, n: int) -> None:
        self.done += int(n)
        self._write()

    def close(self) -> None:
        self._write("\n")


class _NotebookProgress:
    """A ``tqdm.auto`` bar of ``total`` replications (a widget in Jupyter with ipywidgets)."""

    def __init__(self, tqdm: Any, total: int, label: str) -> None:
        self.bar = tqdm(total=int(total), desc=label, unit=" replications", unit_scale=True, leave=True)

    def __call__(self, n: int) -> None:
        self.bar.update(int(n))

    def close(self) -> None:
        # A precision run stops before its cap: the bar ends full at what was run.
        self.bar.total = self.bar.n
        self.bar.refresh()
        self.bar.close()


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ZMQ shell), where a bar beats a counter on stderr."""
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has it already
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or too new to ask: no bar, the old behaviour
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


def _tqdm_auto() -> Any | None:
    """``tqdm.auto.tqdm``, or None when tqdm is not installed (it is optional: ``drawdown[notebook]``)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _shows_progress(progress: ProgressArg, quiet: bool | None) -> bool:
    """Whether :func:`run` shows progress: as ``progress`` or ``quiet`` says, by default only
    in a notebook that has tqdm."""
    if progress is not None:
        return bool(progress)
    if quiet is None:
        return _in_notebook() and _tqdm_auto() is not None
    return not quiet


@contextlib.contextmanager
def _counting(progress: ProgressArg, quiet: bool | None, total: int, label: str) -> Iterator[Progress | None]:
    """The callable to give an engine while the block runs: ``progress`` when it is one; else, when
    progress is shown (:func:`_shows_progress`), a ``tqdm.auto`` bar in a notebook with tqdm or a
    counter on stderr, of ``total`` replications (closed at the end); else None."""
    if callable(progress):
        yield progress
        return
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be a callable, True or False, got {type(progress).__name__}")
    if not _shows_progress(progress, quiet):
        yield None
        return
    tqdm = _tqdm_auto() if _in_notebook() else None
    bar: _NotebookProgress | _StderrProgress = (
        _StderrProgress(total, label) if tqdm is None else _NotebookProgress(tqdm, total, label)
    )
    try:
        yield bar
    finally:
        bar.close()


# -- one scenario ------------------------------------------------------------------------------
def run(
    scenario: ScenarioLike,
    *,
    reps: int | None = None,
    seed: int | None = None,
    engine: str = "numpy",
    precision: float | None = None,
    max_reps: int | None = None,
    workers: int | None = None,
    out_dir: StrPath | None = None,
    quiet: bool | None = None,
    progress: ProgressArg = None,
    keep_replications: bool | None = None,
    by: Iterable[str] = (),
) -> Result:
    """Run replications of a scenario and summarise them (``drawdown run``).

    Parameters
    ----------
    scenario : Scenario or str or Path
        A scenario, or a shipped scenario's name, or a path to a TOML file.
    reps : int, optional
        Replications; by default 4,000 (numpy) or 200 (SimPy) (:func:`drawdown.batch.default_reps`).
    seed : int, optional
        Seed of the random streams; ``None`` draws a fresh one (:attr:`Result.seed`).
    engine : {"numpy", "simpy"}, optional
        The same outcomes for the same seed, replication by replication; numpy is fast.
    precision : float, optional
        Instead of ``reps``: add blocks of 1,000 replications until the standard error of
        P(out by the deadline) (by the horizon, without one) is at most ``precision``.
    max_reps : int, optional
        With ``precision``: at most this many (200,000); :attr:`Result.precision` says if it sufficed.
    workers : int, optional
        Run in this many local processes (``drawdown run --workers``): the same bits.
    out_dir : str or Path, optional
        Also write a run directory, as ``drawdown run --out DIR`` (:attr:`Result.written`).
    quiet : bool, optional
        ``True``: no progress; ``False``: a ``tqdm.auto`` bar in a Jupyter notebook with tqdm
        (``drawdown[notebook]``), else a counter on stderr; ``None``: that bar, or nothing.
    progress : callable or bool, optional
        Called with the replications finished since the last call; a bool is ``quiet=not progress``.
    keep_replications : bool, optional
        Keep the outcomes of :attr:`Result.replications` in memory; by default when at most
        :data:`KEEP_REPLICATIONS_BYTES` (64 MiB). With ``out_dir`` they are read from its file.
    by : iterable of str, optional
        Also fold the breakdowns (``"nation"``, ``"base"``, ``"phase"``, ``"leg"``; ``--by``) in
        the same pass, so :meth:`Result.breakdown` runs nothing again (its daily bands: with
        ``"nation"``). The summary and every file written are the same with or without it.

    Returns
    -------
    Result

    Raises
    ------
    ScenarioError
        When the scenario named cannot be loaded.
    ValueError, TypeError
        When ``reps``, ``precision``, ``max_reps``, ``engine``, ``progress`` or ``by`` is not one it takes.
    DrawdownError
        When ``workers`` is below 1, or ``keep_replications=True`` has ``workers`` but no ``out_dir``.

    Examples
    --------
    >>> import drawdown
    >>> r = drawdown.run("announced-2021-09-11", reps=1000, seed=1)
    >>> r.seed, r.reps, r.summary()["p_met_deadline"]["value"]
    (1, 1000, 1.0)
    >>> drawdown.run("doha-2021-05-01", seed=1, precision=0.02).reps
    1000
    """
    s = as_scenario(scenario)
    engine = _engine(engine)
    seed, fresh = _seed(seed)
    plan = _Plan.of(reps, precision, max_reps, engine, check_by(s, by))
    _check_workers(workers)
    keep = _keeps_replications(keep_replications, s, plan, workers, out_dir)
    result = _result_of(s, seed, engine, plan, workers, out_dir, progress, quiet, keep)
    result.fresh_seed = fresh  # the table says how to repeat a run of a fresh seed
    return result


def _result_of(
    s: Scenario,
    seed: int,
    engine: str,
    plan: _Plan,
    workers: int | None,
    out_dir: StrPath | None,
    progress: ProgressArg,
    quiet: bool | None,
    keep: bool,
) -> Result:
    """Run here, or on executors and a run directory (drawdown.batch.rundir) when asked for either."""
    label = plan.label(engine, s.name)
    if workers is not None or out_dir is not None:
        done = _run_batch(
            s, seed, engine, plan, workers=workers, out_dir=out_dir, progress=progress, quiet=quiet, label=label
        )
        assert isinstance(done.summary, Summary)  # a whole run, not a shard
        breakdown = _batch_breakdown(s, done, plan.by, progress, quiet, label) if plan.by else None
        result = Result(s, done.summary, precision=done.precision, run_dir=out_dir, breakdown=breakdown)
        result.written = list(done.written)
        return result
    fold = BreakdownFold(daily="nation" in plan.by) if plan.by else None
    with _counting(progress, quiet, plan.total, label) as call:
        summary, status, kept = _run_here(s, seed, engine, plan, call, keep=keep, breakdown=fold)
    return Result(s, summary, precision=status, replications=kept, breakdown=None if fold is None else fold.result())


def _batch_breakdown(
    s: Scenario, done: RunResult, by: tuple[str, ...], progress: ProgressArg, quiet: bool | None, label: str
) -> Breakdown:
    """The breakdown of a batch run with ``by``: as its units folded it, with the blocks
    of units finished before (a resumed run directory) run again under their own counter."""
    assert isinstance(done.summary, Summary)
    daily = "nation" in by
    if not done.breakdown_missing:
        return complete_breakdown(s, done.summary, done, daily=daily)
    with _counting(progress, quiet, _reps_of(done.breakdown_missing), f"{label} by {', '.join(by)}") as call:
        return complete_breakdown(s, done.summary, done, daily=daily, progress=call)


def _replication_bytes(s: Scenario) -> int:
    """Bytes of one replication's outcomes in memory (every outcome array, no per-day ones)."""
    per_row = outcome_widths(s)
    return sum(np.dtype(t).itemsize * per_row.get(k, 1) for k, t in outcome_dtypes(s).items())


def _keeps_replications(
    keep: bool | None, s: Scenario, plan: _Plan, workers: int | None, out_dir: StrPath | None
) -> bool:
    """Whether :func:`run` keeps the outcomes in memory (only ever when it runs in this process)."""
    if out_dir is not None:
        return False  # in the run directory's replications.npz, read when asked for
    if workers is not None:
        if keep:
            raise DrawdownError(
                "keep_replications=True with workers needs out_dir: the workers' outcomes are gathered "
                "in a run directory (or run without workers)"
            )
        return False
    if keep is None:
        return plan.total * _replication_bytes(s) <= KEEP_REPLICATIONS_BYTES
    return bool(keep)


@dataclass(frozen=True)
class _Plan:
    """How many replications :func:`run` runs: ``reps``, or blocks until ``precision`` (at most ``max_reps``)."""

    reps: int | None
    precision: float | None
    max_reps: int | None
    total: int  # replications at most
    by: tuple[str, ...] = ()  # the breakdowns folded in the same pass

    @classmethod
    def of(
        cls, reps: int | None, precision: float | None, max_reps: int | None, engine: str, by: tuple[str, ...] = ()
    ) -> _Plan:
        """The plan of :func:`run`'s arguments, checked (a ValueError names the argument)."""
        if precision is not None and reps is not None:
            raise ValueError("give reps or precision, not both")
        if precision is None and max_reps is not None:
            raise ValueError("max_reps goes with precision")
        if precision is None:
            reps = default_reps(engine) if reps is None else int(reps)
            if reps < 1:
                raise ValueError(f"reps must be >= 1, got {reps}")
            return cls(reps, None, None, reps, by)
        precision = float(precision)
        if not 0 < precision <= 0.5:
            raise ValueError(f"precision must be in (0, 0.5], got {precision}")
        max_reps = DEFAULT_MAX_REPS if max_reps is None else int(max_reps)
        return cls(None, precision, max_reps, max_reps, by)

    def label(self, engine: str, name: str) -> str:
        """The progress counter's label."""
        label = f"{engine}: {name}"
        return label if self.precision is None else f"{label} (to s.e. {self.precision:g})"

    def batch_args(self) -> dict[str, Any]:
        """The keywords of :class:`drawdown.batch.RunBatch` for this plan."""
        if self.precision is None:
            return {"reps": self.reps, "by": self.by}
        return {"precision": self.precision, "max_reps": self.max_reps, "by": self.by}


def _check_workers(workers: int | None) -> None:
    """A :class:`DrawdownError` unless ``workers`` is None or at least 1."""
    if workers is not None and int(workers) < 1:
        raise DrawdownError(f"workers must be at least 1, got {int(workers)}")


def _run_here(
    s: Scenario,
    seed: int,
    engine: str,
    plan: _Plan,
    call: Progress | None,
    *,
    keep: bool,
    breakdown: BreakdownFold | None = None,
) -> tuple[Summary, dict[str, Any] | None, Outcomes | None]:
    """:func:`run` in this process: the summary, with a precision what it achieved, and with
    ``keep`` the outcomes (of the blocks kept, in block order); ``breakdown`` folds the
    breakdown in the same pass."""
    parts: list[Outcomes] = []
    on_outcomes = (lambda chunk, out: parts.append(out)) if keep else None
    status = None
    if plan.precision is None:
        summary = summarize(
            s, plan.total, seed, engine=engine, progress=call, on_outcomes=on_outcomes, breakdown=breakdown
        )
    else:
        summary = run_to_precision(
            s, seed, plan.precision, engine=engine, max_reps=plan.max_reps, progress=call, on_outcomes=on_outcomes,
            breakdown=breakdown,
        )  # fmt: skip
        status = precision_status(summary, plan.precision, cap_reps=plan.max_reps)
    kept = (parts[0] if len(parts) == 1 else Outcomes.concatenate(parts)) if keep else None
    return summary, status, kept


def _run_batch(
    s: Scenario,
    seed: int,
    engine: str,
    plan: _Plan,
    *,
    workers: int | None,
    out_dir: StrPath | None,
    progress: ProgressArg,
    quiet: bool | None,
    label: str,
) -> RunResult:
    """:func:`run` through :class:`drawdown.batch.RunBatch`: local worker processes, a run directory."""
    with make_executor(workers=workers) as executor:
        batch = RunBatch(s, seed, engine=engine, out_dir=out_dir, parallelism=executor.parallelism, **plan.batch_args())
        with _counting(progress, quiet, batch.todo_reps, label) as call:
            return batch.run(executor, progress=call)


def _fmt_date(d: str | None) -> str:
    """An ISO date of a summary, or what None means there."""
    return "not out by the horizon" if d is None else d


def _pm(e: dict[str, Any] | None, digits: int) -> str:
    """An estimate as ``mean ± se``."""
    if e is None:
        return "n/a"
    se = "n/a" if e["se"] is None else f"{e['se']:,.{digits}f}"
    return f"{e['mean']:,.{digits}f} ± {se}"


def _p(p: dict[str, Any] | None, missing: str = "n/a (no deadline)") -> str:
    """A probability as ``value ± se``; ``missing`` where there is none."""
    if p is None:
        return missing
    return f"{p['value']:.3f} ± {p['se']:.3f}"


def _html_table(
    rows: Iterable[Sequence[object]], *, caption: str | None = None, header: Sequence[str] | None = None
) -> str:
    """An HTML table of ``rows`` (the first cell of each a header cell when there is no ``header``)."""
    out = ['<table class="drawdown">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    if header:
        out.append("<thead><tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = "".join(
            (
                f'<th style="text-align:left">{html.escape(str(c))}</th>'
                if i == 0 and not header
                else f'<td style="text-align:left">{html.escape(str(c))}</td>'
            )
            for i, c in enumerate(row)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _get(doc: Any, path: str) -> Any:
    """``doc`` at a dotted key path: dict keys, list indices, or a list element by its
    ``id`` (``contingents.US@Bagram.exit_date.p50``)."""
    value = doc
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                raise KeyError(f"{path}: no key {part!r}; have {sorted(value)}")
            value = value[part]
        elif isinstance(value, list):
            if part.lstrip("-").isdigit():
                value = value[int(part)]
            else:
                found = [v for v in value if isinstance(v, dict) and v.get("id") == part]
                if not found:
                    raise KeyError(f"{path}: no element with id {part!r}")
                value = found[0]
        else:
            raise KeyError(f"{path}: {part!r} is below a plain value")
    return value


class Result:
    """The outcome of :func:`run`: a scenario and the summary of its replications.

    Attributes
    ----------
    scenario : Scenario
        The scenario run.
    stats : drawdown.results.Summary
        The exact, mergeable summary (histograms and sums) behind every number shown.
    seed : int
        The seed of the run (given or fresh).
    reps : int
        Replications run.
    engine : str
    precision : dict or None
        With ``precision=``: what the run achieved (:func:`drawdown.results.precision_status`).
    fresh_seed : bool
        Whether the seed was drawn for this run (the table then says how to repeat it).
    written : list of Path
        Files written by ``run(..., out_dir=...)`` (empty otherwise).
    run_dir : Path or None
        The run directory the result was written to (``run(..., out_dir=...)``) or read
        from (:func:`open_run`); :attr:`replications` reads its ``replications.npz``.

    A ``breakdown`` given (folded in the run's own pass, ``run(..., by=...)``) is what
    :meth:`breakdown` returns; it must be of the summary's blocks.

    Examples
    --------
    >>> import drawdown
    >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
    >>> print(r.table().splitlines()[2])
    deadline      2021-05-01 (day 75); horizon 2022-08-08 (day 539)
    >>> r.p_out_by("2021-05-01") == r.summary()["p_met_deadline"]["value"]
    True
    >>> "<table" in r._repr_html_()
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        stats: Summary,
        *,
        precision: dict[str, Any] | None = None,
        fresh_seed: bool = False,
        replications: Outcomes | None = None,
        run_dir: StrPath | None = None,
        breakdown: Breakdown | None = None,
    ) -> None:
        if scenario.hash != stats.scenario_hash:
            raise DrawdownError(f"the summary is not of scenario {scenario.name!r}")
        if breakdown is not None and (
            breakdown.scenario_hash != stats.scenario_hash or breakdown.blocks != tuple(sorted(stats.blocks))
        ):
            raise DrawdownError("the breakdown is not of the summary's replications (its scenario or blocks differ)")
        if replications is not None and len(replications) != stats.n:
            raise DrawdownError(f"{len(replications):,} replications' outcomes for a summary of {stats.n:,}")
        self.scenario = scenario
        self.stats = stats
        self.precision = precision
        self.fresh_seed = bool(fresh_seed)
        self.written: list[Path] = []
        self.run_dir = None if run_dir is None else Path(run_dir)
        self._replications = replications
        self._doc: dict[str, Any] | None = None
        self._breakdown = breakdown

    # -- facts of the run -----------------------------------------------------------------------
    @property
    def seed(self) -> int:
        """The seed of the run."""
        return int(self.stats.seed)

    @property
    def reps(self) -> int:
        """Replications run."""
        return int(self.stats.n)

    @property
    def engine(self) -> str:
        """``"numpy"`` or ``"simpy"``."""
        return self.stats.engine

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def warnings(self) -> list[str]:
        """What an analyst must see: the scenario's warnings and the run's (more than 1%
        of replications not out by the horizon)."""
        return list(self.scenario.warnings) + self.stats.warnings()

    # -- the documents of the command line ------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The key outcomes as plain data: the document ``drawdown run --json`` prints
        for the same scenario, seed, replications and engine (:func:`drawdown.report.run_json`).

        Returns a new dict each time (change it freely).

        Examples
        --------
        >>> import drawdown
        >>> d = drawdown.run("doha-2021-05-01", reps=1000, seed=2021).summary()
        >>> d["final_exit_date"]
        {'p5': '2021-04-14', 'p50': '2021-04-26', 'p95': '2021-12-18',
         'p5_ci': ['2021-04-13', '2021-04-14'], 'p50_ci': ['2021-04-23', '2021-05-16'],
         'p95_ci': ['2021-08-19', '2021-12-24']}
        >>> round(d["troops_at_deadline"]["mean"])
        2527
        """

        return copy.deepcopy(self._document())

    def _document(self) -> dict[str, Any]:
        """The document of :meth:`summary`, made once (not to be changed)."""
        if self._doc is None:
            self._doc = run_json(self.scenario, self.stats, precision=self.precision)
        return self._doc

    def get(self, path: str) -> Any:
        """One value of :meth:`summary` by a dotted path: ``"p_met_deadline.value"``,
        ``"casualties.mean"``, ``"contingents.US@Bagram.exit_date.p50"`` (a contingent by
        its id).

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("announced-2021-09-11", reps=1000, seed=1)
        >>> r.get("final_exit_date.p50"), r.get("contingents.US@Kabul.exit_date.p50")
        ('2021-06-12', '2021-06-12')
        """

        return copy.deepcopy(_get(self._document(), path))

    def table(self, *, last: int = 5) -> str:
        """The summary as text: what ``drawdown run`` prints (:func:`drawdown.report.summary_table`)."""

        return summary_table(self.scenario, self.stats, fresh_seed=self.fresh_seed, precision=self.precision, last=last)

    def write(self, out_dir: StrPath, *, plot_format: str = "png") -> list[Path]:
        """Write the run's files to ``out_dir`` as ``drawdown run --out`` does
        (``summary.json``, ``summary.npz``, the CSV files and the plots, as png, svg or
        pdf by ``plot_format``, but no ``replications.npz``); ``drawdown plot DIR``
        redraws them. Returns the paths.

        The directory's lock is held while the files are written; a directory that holds
        a run, a sweep or a comparison is refused (this result would mix with theirs).

        Raises
        ------
        DrawdownError
            For such a directory, ``out_dir=""``, or one another process holds
            (:class:`drawdown.results.DirectoryInUse`).
        """

        def check() -> None:
            found = dir_contents(out_dir)
            if found.kind in ("run", "sweep", "comparison"):
                raise DrawdownError(f"{out_dir}: holds {found.describe()}: write the result into another out_dir")

        with claim_directory(out_dir, check, what="results"):
            remove_temporaries(out_dir, RUN_FILES)
            return write_run_dir(out_dir, self.scenario, self.stats, precision=self.precision, plot_format=plot_format)

    # -- per replication, and data frames ------------------------------------------------------------
    @property
    def replications(self) -> Outcomes:
        """The per-replication outcomes, in replication order: an :class:`drawdown.engines.Outcomes`
        (``decision_day``, ``met_day``, ``final_exit_day``, ``exit_day`` (replications ×
        contingents, scenario order), ``base_closed_day`` (× bases), ``attacks``,
        ``casualties``, ``troop_days_past_deadline``, ``troops_at_deadline``, ``met_deadline``,
        ``left_before_conditions``, ``censored``; days from the start, -1 for never).

        Kept in memory by :func:`run` (see its ``keep_replications``), or read once from
        the run directory's ``replications.npz`` (:func:`drawdown.results.read_replications`)
        and kept.

        Raises
        ------
        ResultError
            When the run kept none (``keep_replications=False``, a run too large to keep,
            workers without a run directory, a result of :func:`compare`), or the run
            directory's file is missing, damaged or of another run.

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
        >>> out = r.replications
        >>> len(out), out.exit_day.shape
        (1000, (1000, 40))
        >>> float(out.met_deadline.mean()) == r.summary()["p_met_deadline"]["value"]
        True
        """
        if self._replications is None:
            if self.run_dir is None:
                raise ResultError(
                    f"the run of {self.name} kept no per-replication outcomes: run it with "
                    "keep_replications=True, or with out_dir=DIR to keep them in DIR/replications.npz"
                )
            self._replications = _read_run_replications(self.run_dir, self.stats)
        return self._replications

    def to_dataframe(self, kind: str = "contingents") -> pd.DataFrame:
        """A table of the run as a :class:`pandas.DataFrame` (pandas is optional:
        ``pip install 'drawdown[pandas]'``).

        Parameters
        ----------
        kind : {"contingents", "daily", "replications"}, optional
            ``"contingents"`` (the default): one row per contingent, the columns of
            ``contingents.csv`` (exit dates as datetimes, NaT where not out by the horizon;
            exit days as nullable integers). ``"daily"``: one row per day of the horizon,
            the columns of ``daily.csv`` (``date`` a datetime). ``"replications"``: one row
            per replication (indexed by its number, which :meth:`trace` takes) with every
            outcome of :attr:`replications`: the days (-1 for never) and their dates (NaT),
            the counts and flags (NA in the three deadline columns without a deadline),
            and one ``exit_day.ID`` column per contingent and ``base_closed_day.BASE`` per base.

        Returns
        -------
        pandas.DataFrame
            Its ``attrs`` hold ``kind``, ``scenario``, ``scenario_hash``, ``seed`` (a
            string: a 128-bit seed is no float), ``engine`` and ``replications``.

        Raises
        ------
        DrawdownError
            Without pandas (naming the extra to install).
        ValueError
            For another ``kind``.
        ResultError
            For ``"replications"``, as :attr:`replications`.

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
        >>> first = r.to_dataframe().iloc[0]
        >>> first["contingent"], int(first["troops"]), int(first["exit_day_p50"])
        ('US@Bagram', 1600, 70)
        >>> daily = r.to_dataframe("daily")
        >>> daily.shape, daily.attrs["seed"]
        ((540, 11), '2021')
        >>> frame = r.to_dataframe("replications")
        >>> float(frame["met_deadline"].mean()), str(frame.loc[0, "decision_date"].date())
        (0.508, '2021-04-14')
        """
        if kind not in FRAME_KINDS + BREAKDOWN_FRAME_KINDS:
            kinds = ", ".join(map(repr, FRAME_KINDS + BREAKDOWN_FRAME_KINDS))
            raise ValueError(f"kind must be one of {kinds}, got {kind!r}")
        pd = _pandas()
        if kind in BREAKDOWN_FRAME_KINDS:
            frame = self._breakdown_frame(pd, kind)
        elif kind == "contingents":
            frame = _contingents_frame(pd, self.contingents())
        elif kind == "daily":
            frame = _daily_frame(pd, daily_rows(self.scenario, self.stats))
        else:
            frame = _replications_frame(pd, self.scenario, self.stats, self.replications)
        frame.attrs.update(
            kind=kind,
            scenario=self.name,
            scenario_hash=self.stats.scenario_hash,
            seed=seed_text(self.seed),
            engine=self.engine,
            replications=self.reps,
        )
        return frame

    # -- numbers ------------------------------------------------------------------------------------
    def _day(self, date: _dt.date | str | int) -> int:
        if isinstance(date, (_dt.date, str)):
            return self.scenario.day_of(date)
        return int(date)

    def p_out_by(self, date: _dt.date | str | int | None = None) -> float | tuple[np.ndarray, np.ndarray]:
        """Probability that the whole force is out by the end of ``date`` (a date, an ISO
        string or a day number); without ``date``, ``(dates, p)`` for every day of the
        horizon (the exit-date curve).

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("announced-2021-09-11", reps=1000, seed=1)
        >>> r.p_out_by("2021-06-01"), r.p_out_by("2021-09-11")
        (0.0, 1.0)
        >>> dates, p = r.p_out_by()
        >>> str(dates[0]), len(p) == r.scenario.horizon_days
        ('2021-02-15', True)
        """
        if date is None:
            return self.dates(), np.asarray(self.stats.p_out_by())
        return float(self.stats.p_out_by(self._day(date)))

    def dates(self) -> np.ndarray:
        """The date of each day of the horizon, ``numpy.datetime64[D]`` of length
        ``horizon_days`` (the x of the per-day arrays)."""

        return np.datetime64(self.scenario.start.isoformat(), "D") + np.arange(self.scenario.horizon_days)

    def daily_troops(self, qs: Sequence[float] = _QS) -> tuple[np.ndarray, np.ndarray]:
        """Troops in country at the end of each day: ``(dates, bands)`` with ``bands`` of
        shape ``(len(qs), horizon_days)``, row ``k`` the quantile ``qs[k]`` over the
        replications (:meth:`drawdown.results.Summary.daily_troops_quantiles`).

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
        >>> dates, bands = r.daily_troops((0.05, 0.5, 0.95))
        >>> bands.shape, str(dates[75]), float(bands[1, 0])
        ((3, 540), '2021-05-01', 9600.0)
        """
        return self.dates(), self.stats.daily_troops_quantiles(tuple(qs))

    def daily_troops_mean(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean troops in country at the end of each day: ``(dates, mean)``."""
        return self.dates(), self.stats.daily_troops_mean()

    def daily_retrograde(self, qs: Sequence[float] = _QS) -> tuple[np.ndarray, np.ndarray]:
        """Share of the liftable equipment out by the end of each day, in [0, 1]:
        ``(dates, bands)`` as :meth:`daily_troops`."""
        return self.dates(), self.stats.daily_retrograde_quantiles(tuple(qs))

    def contingents(self) -> list[dict[str, Any]]:
        """One row per contingent, in scenario order: ``contingent``, ``nation``,
        ``base``, ``troops`` and the 5/50/95% exit dates and days (``None``: not out by
        the horizon), as in ``contingents.csv``."""

        return contingent_rows(self.scenario, self.stats)

    def last_out(self, count: int = 5) -> list[dict[str, Any]]:
        """The ``count`` contingents that leave last (latest median exit first), as the
        table's ``last out`` lines: dicts of ``contingent``, ``troops`` and
        ``exit_date`` ``{p5, p50, p95}``.

        Examples
        --------
        >>> import drawdown
        >>> [c["contingent"] for c in drawdown.run("doha-2021-05-01", reps=1000, seed=2021).last_out(2)]
        ['US@Bagram', 'US@Kabul']
        """

        f = facts_of(self.scenario)
        out: list[dict[str, Any]] = []
        for i, qs in last_out(f, self.stats, count):
            c = f.contingents[i]
            out.append(
                {
                    "contingent": c.id,
                    "troops": c.troops,
                    "exit_date": {
                        k: None if d is None else f.date_of(d).isoformat()
                        for k, d in zip(("p5", "p50", "p95"), qs, strict=False)
                    },
                }
            )
        return out

    def trace(self, replication: int = 0) -> list[dict[str, Any]]:
        """The events of replication ``replication`` of this run (:func:`trace`)."""
        return trace(self.scenario, replication=replication, seed=self.seed)

    # -- figures ------------------------------------------------------------------------------------
    def plot(self) -> Figure:
        """Fan chart of troops in country, with the deadline, the decision window and
        the equipment out (``drawdown.png``): a :class:`matplotlib.figure.Figure`.

        Examples
        --------
        >>> import drawdown
        >>> fig = drawdown.run("doha-2021-05-01", reps=1000, seed=2021).plot()
        >>> fig.axes[0].get_ylabel()
        'troops in country (end of day)'
        """

        return drawdown_figure(self.scenario, self.stats)

    def plot_exit_dates(self) -> Figure:
        """The probability that the whole force is out by each date, with its 95% band
        and the deadline (``exit-dates.png``)."""

        return exit_dates_figure(self.scenario, self.stats)

    def plot_contingents(self) -> Figure:
        """Each contingent's exit window, 5–95% and median (``contingents.png``)."""

        return contingents_figure(self.scenario, self.stats)

    def plot_casualties(self) -> Figure:
        """The distribution of casualties over the replications, with its mean and median
        marked (``casualties.png``): a mean far above the median says a few replications
        carry most of the losses.

        Examples
        --------
        >>> import drawdown
        >>> fig = drawdown.run("doha-2021-05-01", reps=500, seed=1).plot_casualties()
        >>> len(fig.axes) >= 1
        True
        """

        return casualties_figure(self.scenario, self.stats)

    def plot_nations(self) -> Figure:
        """Each nation's exit window (5–95%, 25–75%, median) and its probability of being
        out by the deadline, nations by median exit (``nations.png`` of ``drawdown run
        --by nation``); runs the replications again the first time unless the run
        folded the breakdown (:meth:`breakdown`)."""

        return nations_figure(self.scenario, self.breakdown())

    # -- per nation, base, phase and leg (MODEL-V2 §5) ------------------------------------------
    def breakdown(self, *, daily: bool = True, progress: ProgressArg = None) -> Breakdown:
        """The per-nation, per-base, per-phase and per-leg summary of this run's replications.

        A run made with ``by`` (``run(..., by=["nation"])``, ``drawdown run --by``)
        folded it in its own pass: it is returned, nothing runs again (unless ``daily``
        asks for the per-nation daily bands that a run without ``"nation"`` did not
        record). Otherwise it is made the first time it is asked for, by running the
        run's blocks again with the same seed and engine (:func:`breakdown_of`: the same
        replications, bit for bit, recording what a plain run does not keep), and kept.
        ``daily`` (the default) also records each nation's troops and tonnes day by
        day, for :meth:`nation_daily`; without it the run again is as fast as the first.

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
        >>> b = r.breakdown()
        >>> b.n == r.reps, b.has_daily
        (True, True)
        """
        if self._breakdown is None or (daily and not self._breakdown.has_daily):
            with _counting(progress, None, self.reps, f"{self.engine}: {self.name} by nation") as counted:
                self._breakdown = breakdown_of(self.scenario, self.stats, daily=daily, progress=counted)
        return self._breakdown

    def nations(self) -> list[NationBreakdown]:
        """One row a nation (``Scenario.nations`` order): its troops, the 5/50/95% quantiles
        of its exit day (its last contingent's) with their 95% intervals, and its
        probability of being out by the deadline and by the horizon, with standard errors.

        Examples
        --------
        >>> import drawdown
        >>> us = drawdown.run("doha-2021-05-01", reps=1000, seed=2021).nations()[0]
        >>> us.nation, us.troops, us.exit_day.p50 is not None
        ('US', 2500, True)
        """
        return self.breakdown().nations(self.scenario)

    def bases(self) -> list[BaseBreakdown]:
        """One row a base (file order): the quantiles of the day it closed."""
        return self.breakdown(daily=False).bases(self.scenario)

    def phases(self) -> list[PhaseBreakdown]:
        """One row a phase of a network scenario's plan: the quantiles of the day it is complete.

        Raises
        ------
        ValueError
            For a scenario without phases (a v1 scenario).
        """
        check_by(self.scenario, ["phase"])
        return self.breakdown(daily=False).phases(self.scenario)

    def legs(self) -> list[LegBreakdown]:
        """One row a leg, then an exit, of a network scenario: mean troops and tonnes
        carried and mean days at capacity (where the bottleneck is).

        Raises
        ------
        ValueError
            For a scenario without legs (a v1 scenario).
        """
        check_by(self.scenario, ["leg"])
        return self.breakdown(daily=False).legs(self.scenario)

    def nation_daily(self, nation: str, qs: Sequence[float] = _QS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(dates, troops, retrograde)`` of one nation: its troops in country and its
        retrograde completion (share of its liftable tonnes out) at the end of each day,
        ``(len(qs), H)`` each, exact quantiles of the replications.

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021)
        >>> dates, troops, retro = r.nation_daily("US")
        >>> troops.shape, float(troops[1, 0]), float(retro[1, -1])
        ((3, 540), 2500.0, 1.0)
        """
        if nation not in self.scenario.nations:
            raise ValueError(f"no nation {nation!r} in {self.name}: {', '.join(self.scenario.nations)}")
        k = self.scenario.nations.index(nation)
        b = self.breakdown()
        return self.dates(), b.nation_daily_troops(k, qs), b.nation_daily_retrograde(self.scenario, k, qs)

    def nation_daily_equipment(self, nation: str, qs: Sequence[float] = _QS) -> tuple[np.ndarray, np.ndarray]:
        """``(dates, equipment)`` of one nation in a network scenario: its ``equipment_complete``
        (share of its ``equipment_t`` gone: handed over, disposed of in place or out) at the
        end of each day, ``(len(qs), H)``, exact quantiles of the replications.

        Raises
        ------
        ValueError
            For an unknown nation.
        ResultError
            For a v1 scenario (its engines do not record the tonnes gone).

        Examples
        --------
        >>> import drawdown
        >>> r = drawdown.run("plan-2021-04", reps=200, seed=2021)
        >>> dates, kit = r.nation_daily_equipment("Germany")
        >>> kit.shape, float(kit[1, 0]), float(kit[1, -1])
        ((3, 540), 0.0, 1.0)
        """
        if nation not in self.scenario.nations:
            raise ValueError(f"no nation {nation!r} in {self.name}: {', '.join(self.scenario.nations)}")
        k = self.scenario.nations.index(nation)
        return self.dates(), self.breakdown().nation_daily_equipment(self.scenario, k, qs)

    def breakdown_table(self, by: Iterable[str] = ("nation",)) -> str:
        """The breakdowns ``by`` asks for (``"nation"``, ``"base"``, ``"phase"``, ``"leg"``)
        as the text ``drawdown run --by`` prints."""
        by = check_by(self.scenario, by)
        return breakdown_table(self.scenario, self.breakdown(daily="nation" in by), by)

    def breakdown_json(self, by: Iterable[str] = ("nation",)) -> dict[str, Any]:
        """The breakdowns ``by`` asks for as plain data (the ``breakdown`` of ``drawdown run --by --json``)."""
        by = check_by(self.scenario, by)
        return self.breakdown(daily="nation" in by).to_json_dict(self.scenario, by)

    def write_breakdown(
        self, out_dir: StrPath, by: Iterable[str] = ("nation",), *, plot_format: str = "png"
    ) -> list[Path]:
        """Write the files of the breakdowns ``by`` asks for into ``out_dir``
        (:func:`drawdown.report.breakdown.write_breakdown`: ``nations.csv``,
        ``nations_daily.csv``, ``nations.png``, ``bases.csv``, ``phases.csv``, ``legs.csv``)."""
        by = check_by(self.scenario, by)
        return write_breakdown(
            out_dir, self.scenario, self.breakdown(daily="nation" in by), by, plot_format=plot_format
        )

    def _breakdown_frame(self, pd: Any, kind: str) -> pd.DataFrame:
        """A breakdown table as a frame: the columns of its CSV file."""
        what, columns, rows = {
            "nations": ("nation", NATION_COLUMNS, nation_rows),
            "nations_daily": ("nation", NATION_DAILY_COLUMNS, nation_daily_rows),
            "bases": ("base", BASE_COLUMNS, base_rows),
            "phases": ("phase", PHASE_COLUMNS, phase_rows),
            "legs": ("leg", LEG_COLUMNS, leg_rows),
        }[kind]
        check_by(self.scenario, [what])
        frame = pd.DataFrame(rows(self.scenario, self.breakdown(daily=kind != "bases")), columns=list(columns))
        for name in columns:
            if "_date" in name or name == "date":
                frame[name] = pd.to_datetime(frame[name])
            elif "_day_" in name:
                frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
        return frame

    # -- display ------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        d = self.summary()
        if d["p_met_deadline"] is not None:
            p = f"P(out by {d['deadline']}) = {_p(d['p_met_deadline'])}"
        else:
            p = f"no deadline; P(out by the horizon) = {_p(d['p_out_by_horizon'])}"
        return (
            f"<Result {self.name}: {self.reps:,} replication{'' if self.reps == 1 else 's'}, seed {self.seed}, "
            f"{self.engine} engine; {p}; median final exit {_fmt_date(d['final_exit_date']['p50'])}>"
        )

    def _rows(self) -> list[tuple[str, str]]:
        """The rows of the HTML table: the key outcomes."""
        d = self.summary()
        dec, fin = d["decision_date"], d["final_exit_date"]
        rows = [
            ("scenario", f"{d['scenario']} (hash {d['scenario_hash'][:12]})"),
            ("run", f"{d['replications']:,} replications, {d['engine']} engine, seed {d['seed']}"),
            ("deadline", d["deadline"] or "none (conditions-based)"),
            (
                "decision",
                "no order within the horizon"
                if dec["p50"] is None
                else f"median {dec['p50']}; 5–95%: {dec['p5'] or 'no order'} .. {dec['p95'] or 'no order'}",
            ),
            ("final exit", " / ".join(f"{k[1:]}%: {_fmt_date(fin[k])}" for k in ("p5", "p50", "p95"))),
        ]
        if d["p_met_deadline"] is not None:
            rows.append((f"P(out by {d['deadline']})", _p(d["p_met_deadline"])))
        rows.append((f"P(out by the horizon, {d['horizon_date']})", _p(d["p_out_by_horizon"])))
        if d["troops_at_deadline"] is not None:
            rows.append(
                (
                    "troops in country at the deadline",
                    f"mean {_pm(d['troops_at_deadline'], 1)}; 95%: {d['troops_at_deadline']['p95']:,}",
                )
            )
            rows.append(("troop-days past the deadline", f"mean {_pm(d['troop_days_past_deadline'], 0)}"))
        rows.append(("casualties", f"mean {_pm(d['casualties'], 2)}; 95%: {d['casualties']['p95']:,}"))
        early = _p(d["p_left_before_conditions"], "n/a (the conditions are not modelled)")
        rows.append(("P(left before the conditions were met)", early))
        c = d["censored"]
        rows.append(("not out by the horizon", f"{c['count']:,} ({100 * c['fraction']:.1f}%)"))
        last = self.last_out(3)
        if last:
            rows.append(
                (
                    "last out (median exit)",
                    ", ".join(f"{x['contingent']} {_fmt_date(x['exit_date']['p50'])}" for x in last),
                )
            )
        return rows

    def _repr_html_(self) -> str:
        body = _html_table(self._rows(), caption=f"drawdown: {self.name}")
        warnings = "".join(f'<p style="color:#b2182b">warning: {html.escape(w)}</p>' for w in self.warnings)
        return f"<div>{body}{warnings}</div>"


def breakdown_of(
    scenario: Scenario,
    stats: Summary,
    *,
    daily: bool = True,
    progress: Progress | None = None,
    blocks: Iterable[tuple[int, int]] | None = None,
) -> Breakdown:
    """The :class:`~drawdown.results.breakdown.Breakdown` of the replications a summary summarises.

    The second pass: runs the summary's blocks (or ``blocks``, some of them) again, with
    its seed, engine and block size (the same replications, bit for bit), recording the
    per-nation days when ``daily``, and folds each chunk into the breakdown as it comes:
    memory holds one chunk. A run that asks for its breakdown up front
    (``run(..., by=...)``, ``drawdown run --by``) folds it in its own pass instead
    (:class:`~drawdown.results.breakdown.BreakdownFold`); this is for a run made
    without it, and for the units of a resumed run directory finished before
    (:func:`complete_breakdown`).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> breakdown_of(s, summarize(s, 200, seed=1, block_size=100), daily=False).n
    200
    """
    if scenario.hash != stats.scenario_hash:
        raise DrawdownError(f"the summary is not of scenario {scenario.name!r}")
    fold = BreakdownFold(daily=daily)
    chunks = run_blocks(
        scenario,
        stats.blocks if blocks is None else blocks,
        stats.seed,
        engine=stats.engine,
        block_size=stats.block_size,
        progress=progress,
        record_nations=daily,
    )
    for chunk, out in chunks:
        fold.add(scenario, out, blocks=chunk)
        del out  # the chunk's per-day arrays go before the next chunk runs
    if fold.total is None:
        raise ResultError("the summary covers no blocks")
    return fold.total


def complete_breakdown(
    scenario: Scenario, stats: Summary, done: RunResult, *, daily: bool = True, progress: Progress | None = None
) -> Breakdown:
    """The breakdown of a :class:`~drawdown.batch.RunBatch` run made with ``by``: the one
    its units folded in the run's pass, with the blocks it lacks run again.

    A unit finished before the run resumed (``resume=True``, ``--resume``) wrote its
    summary only, no breakdown (the run directory's format is unchanged), so its blocks
    (``done.breakdown_missing``) are run a second time (:func:`breakdown_of`, the same
    replications bit for bit; ``progress`` counts them) and merged in: the same numbers
    as a breakdown of the whole run made either way.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import RunBatch
    >>> s = drawdown.load("doha-2021-05-01")
    >>> done = RunBatch(s, 1, reps=200, block_size=100, by=["base"]).run()
    >>> complete_breakdown(s, done.summary, done, daily=False) == breakdown_of(s, done.summary, daily=False)
    True
    """
    parts = [] if done.breakdown is None else [done.breakdown]
    if done.breakdown_missing:
        parts.append(breakdown_of(scenario, stats, daily=daily, progress=progress, blocks=done.breakdown_missing))
    if not parts:
        raise ResultError("the run covers no blocks")
    return Breakdown.merge_all(parts)


def _reps_of(blocks: Iterable[tuple[int, int]]) -> int:
    """Replications of ``(block, rows)`` pairs."""
    return sum(int(r) for _, r in blocks)


# -- data frames ------------------------------------------------------------------------------------
def _pandas() -> Any:
    """pandas, imported when a frame is asked for (it is optional: the ``pandas`` extra)."""
    try:
        import pandas
    except ImportError as e:
        raise DrawdownError(
            f"data frames need pandas, which is not installed ({e}): pip install 'drawdown[pandas]'"
        ) from e
    return pandas


def _contingents_frame(pd: Any, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``contingents.csv`` as a frame: dates as datetimes (NaT: not out), days as nullable integers."""
    frame = pd.DataFrame(rows, columns=list(CONTINGENT_COLUMNS))
    for k in QUANTILE_KEYS:
        frame[f"exit_date_{k}"] = pd.to_datetime(frame[f"exit_date_{k}"])
        frame[f"exit_day_{k}"] = pd.array(frame[f"exit_day_{k}"].tolist(), dtype="Int64")
    return frame


def _daily_frame(pd: Any, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``daily.csv`` as a frame, its ``date`` a datetime."""
    frame = pd.DataFrame(rows, columns=list(DAILY_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _dates_of(start: _dt.date, days: np.ndarray) -> np.ndarray:
    """The dates of day numbers from ``start`` (``datetime64[D]``), NaT for -1 (never)."""
    dates = np.datetime64(start.isoformat(), "D") + days.astype("timedelta64[D]")
    return np.where(days >= 0, dates, np.datetime64("NaT", "D"))


def _replication_numbers(stats: Summary) -> np.ndarray:
    """Each row's replication number ``R`` (row ``R % B`` of block ``R // B``), in the summary's block order."""
    size = stats.book.block_size
    return np.concatenate([b * size + np.arange(rows, dtype=np.int64) for b, rows in stats.blocks])


def _replications_frame(pd: Any, s: Scenario, stats: Summary, out: Outcomes) -> pd.DataFrame:
    """One row per replication, every outcome a column (see :meth:`Result.to_dataframe`)."""
    columns: dict[str, Any] = {}
    for name in ("decision_day", "met_day", "final_exit_day"):
        days = np.asarray(getattr(out, name))
        columns[name] = days
        columns[name.replace("_day", "_date")] = _dates_of(s.start, days)
    for name in ("attacks", "casualties"):
        columns[name] = np.asarray(getattr(out, name))
    deadline = s.deadline_day is not None  # without one these are 0 and false in the file: not outcomes
    for name, dtype in (
        ("met_deadline", "boolean"),
        ("troops_at_deadline", "Int64"),
        ("troop_days_past_deadline", "Int64"),
    ):
        values = np.asarray(getattr(out, name))
        columns[name] = pd.array(values if deadline else [None] * len(values), dtype=dtype)
    early = np.asarray(out.left_before_conditions)  # not an outcome where the conditions are not modelled
    columns["left_before_conditions"] = pd.array(
        early if stats.book.models_conditions else [None] * len(early), dtype="boolean"
    )
    columns["censored"] = np.asarray(out.censored)
    for j, c in enumerate(s.contingents):
        columns[f"exit_day.{c.id}"] = np.asarray(out.exit_day)[:, j]
    for j, b in enumerate(s.bases):
        columns[f"base_closed_day.{b.name}"] = np.asarray(out.base_closed_day)[:, j]
    index = pd.Index(_replication_numbers(stats), name="replication")
    return pd.DataFrame(columns, index=index)


# -- a run directory, opened ------------------------------------------------------------------------
def _read_run_replications(directory: Path, stats: Summary) -> Outcomes:
    """The outcomes in ``directory/replications.npz``, checked to be the run of ``stats``."""
    path = directory / REPLICATIONS_FILE
    if not path.is_file():
        raise ResultError(
            f"{path}: no such file: the run directory keeps no per-replication outcomes "
            "(Result.write and `drawdown compare --out` write none)"
        )
    try:
        arrays, meta = read_replications(path)
    except ResultError:
        raise
    except Exception as e:  # BadZipFile, a CRC error, EOFError, ValueError: whatever the damage raises
        raise ResultError(f"{path}: truncated or corrupt replications file ({type(e).__name__}: {e})") from e
    missing = sorted(set(OUTCOME_DTYPES) - set(arrays))
    if missing:
        raise ResultError(f"{path}: not a replications file of drawdown (no {', '.join(missing)})")
    try:
        seed = read_seed(meta.get("seed"), f"{path}: seed")
    except ValueError as e:
        raise ResultError(str(e)) from e
    if meta.get("scenario_hash") != stats.scenario_hash or seed != stats.seed:
        raise ResultError(f"{path}: the replications of another run than {directory / 'summary.npz'}")
    out = Outcomes(**{k: arrays[k] for k in ALL_OUTCOME_DTYPES if k in arrays})
    shapes = {"exit_day": (stats.n, stats.book.n_contingents), "base_closed_day": (stats.n, stats.book.n_bases)}
    # a network run's own outcomes: their columns are the scenario's (legs, exits, phases)
    shapes.update({k: (stats.n, *arrays[k].shape[1:2]) for k in NETWORK_OUTCOME_DTYPES if k in arrays})
    for name, array in out.arrays().items():
        if array.shape != shapes.get(name, (stats.n,)):
            raise ResultError(f"{path}: {name} has shape {array.shape}, expected {shapes.get(name, (stats.n,))}")
    return out


def _finished_run(directory: Path) -> None:
    """A :class:`ResultError` unless ``directory`` holds a finished run (or :meth:`Result.write`'s files)."""
    if not directory.is_dir():
        raise ResultError(f"{directory}: {'not a directory' if directory.exists() else 'no such directory'}")
    found = dir_contents(directory)
    if found.kind in ("missing", "empty"):
        raise ResultError(f"{directory}: holds no run (it is empty): open the directory of `drawdown run --out DIR`")
    if found.kind in ("sweep", "comparison"):
        raise ResultError(f"{directory}: holds {found.describe()}, not a run: open_run opens one run's directory")
    if found.kind != "run":
        return  # Result.write's files have no manifest: read_run_dir says whether they are a run's
    if found.sharded or not (directory / MANIFEST).is_file():
        raise ResultError(f"{directory}: holds {found.describe()}, not merged yet: run `drawdown merge {directory}`")
    record = recorded_run(directory)
    if record is None or not record.get("complete"):
        done = "" if record is None else f" ({record.get('blocks_done')} of {record.get('blocks_planned')} blocks)"
        raise ResultError(
            f"{directory}: the run is not finished{done}: finish it with `drawdown run SCENARIO --out {directory} "
            "--resume` (the same options as the run)"
        )


def _run_scenario(directory: Path, doc: dict[str, Any], stats: Summary, given: ScenarioLike | None) -> Scenario:
    """The scenario of the run in ``directory``: ``given``, or the file its manifest names, or the
    shipped scenario of its name, whichever has the run's hash."""
    wanted = stats.scenario_hash
    if given is not None:
        s = as_scenario(given)
        if s.hash != wanted:
            raise ResultError(
                f"{directory}: the run is of scenario {stats.scenario_name!r} (hash {wanted[:12]}), "
                f"not of the one given ({s.name!r}, hash {s.hash[:12]})"
            )
        return s
    tried: list[str] = []
    for candidate in _scenario_candidates(directory, doc):
        try:
            s = load(candidate)
        except DrawdownError as e:
            tried.append(f"{candidate}: {str(e).splitlines()[0]}")
            continue
        if s.hash == wanted:
            return s
        tried.append(f"{candidate}: changed since the run (hash {s.hash[:12]})")
    raise ResultError(
        f"{directory}: cannot find the scenario of the run ({stats.scenario_name!r}, hash {wanted[:12]})"
        + "".join(f"; {t}" for t in tried)
        + ": give it as open_run(DIR, scenario=FILE_OR_SCENARIO)"
    )


def _scenario_candidates(directory: Path, doc: dict[str, Any]) -> list[str]:
    """Where the run's scenario may be: the file its manifest records, the shipped scenario of its name."""
    out: list[str] = []
    record = recorded_run(directory) if (directory / MANIFEST).is_file() else None
    info = record.get("scenario") if record is not None else None
    if isinstance(info, dict) and isinstance(info.get("file"), str) and info["file"]:
        out.append(info["file"])
    name = doc.get("scenario")
    if isinstance(name, str) and name in {p.stem for p in list_scenario_files()} and name not in out:
        out.append(name)  # only a shipped scenario's name: a name read from a file is never a path
    return out


def analyze(
    sweep_dir: StrPath, *, confidence: float = 0.95, n_resamples: int = 999, noise_draws: int = 200
) -> dict[str, Any]:
    """The sensitivity of every outcome of a finished sweep, by its design.

    As ``drawdown analyze SWEEP_DIR``. A ``design = "saltelli"`` sweep gives Sobol'
    indices: each factor's first-order and total index (:mod:`drawdown.analysis.sobol`);
    a ``design = "morris"`` sweep gives Morris elementary effects: each factor's ``mu_star``,
    ``mu`` and ``sigma`` (:mod:`drawdown.analysis.morris`). Each with bootstrap intervals
    (design sampling) and its standard deviation under replication noise.

    Parameters
    ----------
    sweep_dir : str or Path
        The sweep's ``--out`` directory.
    confidence : float, optional
        Of the bootstrap intervals.
    n_resamples, noise_draws : int, optional
        Bootstrap resamples; redraws of the outcomes for the replication noise.

    Returns
    -------
    dict of str to drawdown.analysis.SobolIndices or drawdown.analysis.MorrisEffects
        By outcome (``p_met_deadline``, ``final_exit_day_p50``, ``casualties_mean``, ...).

    Raises
    ------
    DrawdownError
        When ``sweep_dir`` holds no finished saltelli or morris sweep.

    Examples
    --------
    >>> import dataclasses, tempfile, drawdown
    >>> from drawdown.batch import load_spec, run_sweep
    >>> small = dataclasses.replace(load_spec("sensitivity"), points=2, replications=20)
    >>> out = tempfile.mkdtemp() + "/sens"
    >>> _ = run_sweep(small, out)
    >>> r = drawdown.analyze(out, n_resamples=99, noise_draws=10)["p_met_deadline"]
    >>> r.factors[-1], float(r.total[-1])  # nothing in the Doha scenario reads the conditions
    ('conditions.volatility', 0.0)
    """
    from .analysis import analyze_sweep

    _, indices = analyze_sweep(Path(sweep_dir), confidence=confidence, n_resamples=n_resamples, noise_draws=noise_draws)
    return indices


def discover(
    sweep_dir: StrPath, condition: str, *, alpha: float = 0.05, min_mass: float = 0.05, min_coverage: float = 0.5
) -> Any:
    """Scenario discovery on a finished sweep of any design: the PRIM boxes of the points
    where ``condition`` holds.

    As ``drawdown analyze SWEEP_DIR --discover CONDITION`` (:mod:`drawdown.analysis.prim`).

    Parameters
    ----------
    sweep_dir : str or Path
        The sweep's ``--out`` directory.
    condition : str
        ``OUTCOME OP NUMBER`` (``<``, ``<=``, ``>``, ``>=``) on an outcome of ``results.csv``,
        such as ``"p_met_deadline < 0.5"``: read, never evaluated.
    alpha, min_mass, min_coverage : float, optional
        The share of a box's points a peel removes; the least share of the points a box
        holds; the least coverage of the box chosen.

    Returns
    -------
    drawdown.analysis.PrimResult
        The peeling trajectory (``.trajectory``: each box's coverage, density, mass and
        factor limits) and the box chosen on it (``.box``).

    Raises
    ------
    DrawdownError
        When ``sweep_dir`` holds no finished sweep, or ``condition`` cannot be read.

    Examples
    --------
    >>> import dataclasses, tempfile, drawdown
    >>> from drawdown.batch import load_spec, run_sweep
    >>> small = dataclasses.replace(load_spec("discovery"), points=100, replications=20)
    >>> out = tempfile.mkdtemp() + "/discovery"
    >>> _ = run_sweep(small, out)
    >>> r = drawdown.discover(out, "p_met_deadline < 0.5")
    >>> r.box.density > r.base_rate, "decision.p_no_consensus" in r.box.limits
    (True, True)
    """
    from .analysis import discover_sweep

    _, result = discover_sweep(Path(sweep_dir), condition, alpha=alpha, min_mass=min_mass, min_coverage=min_coverage)
    return result


def open_run(directory: StrPath, *, scenario: ScenarioLike | None = None) -> Result:
    """Open a finished run directory as a :class:`Result`, without running anything.

    The directory is one ``drawdown run --out DIR``, ``drawdown merge DIR``,
    ``run(..., out_dir=DIR)`` or :meth:`Result.write` wrote: its ``summary.json`` and
    ``summary.npz`` (:func:`drawdown.report.read_run_dir`) give the summary, seed and
    precision; :attr:`Result.replications` reads ``replications.npz`` when asked for.

    Parameters
    ----------
    directory : str or Path
    scenario : Scenario or str or Path, optional
        The run's scenario, when it is not the file the run's manifest records nor a
        shipped scenario of its name (a scenario changed with ``replace``, a file moved
        or edited since): it must have the run's hash.

    Returns
    -------
    Result

    Raises
    ------
    ResultError
        When ``directory`` is missing, empty, a sweep or a comparison, shards not merged,
        a run not finished, damaged files, or its scenario cannot be found with the
        run's hash (each naming the directory or the file).

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.api import open_run
    >>> d = tempfile.mkdtemp()
    >>> r = drawdown.run("doha-2021-05-01", reps=1000, seed=2021, out_dir=d)
    >>> again = open_run(d)
    >>> again.seed, again.reps, again.summary() == r.summary()
    (2021, 1000, True)
    >>> bool((again.replications.final_exit_day == r.replications.final_exit_day).all())
    True
    """
    path = Path(directory)
    _finished_run(path)
    _, stats, doc = read_run_dir(path)
    s = _run_scenario(path, doc, stats, scenario)
    precision = doc.get("precision")
    return Result(s, stats, precision=precision if isinstance(precision, dict) else None, run_dir=path)


# -- several scenarios ------------------------------------------------------------------------------
def compare(
    *scenarios: ScenarioLike | Sequence[ScenarioLike],
    reps: int | None = None,
    seed: int | None = None,
    engine: str = "numpy",
    quiet: bool | None = None,
    progress: ProgressArg = None,
) -> CompareResult:
    """Run scenarios with common random numbers and compare each with the first
    (``drawdown compare``).

    Every scenario runs the same replications with the same seed, so replication ``i``
    of each sees the same draws and the differences are computed replication by
    replication: each comes with a 95% confidence interval and the standard error of
    the paired comparison beside the one two independent runs would have had.

    Parameters
    ----------
    *scenarios : Scenario or str or Path
        Two or more (or one list of them); the first is the baseline.
    reps : int, optional
        Replications of each scenario (default as :func:`run`).
    seed : int, optional
        ``None`` draws a fresh one, stored as :attr:`CompareResult.seed`.
    engine : {"numpy", "simpy"}, optional
    quiet : bool, optional
        As :func:`run`'s: by default a ``tqdm.auto`` bar in a Jupyter notebook that has
        tqdm, nothing elsewhere; ``False`` a bar or a counter on stderr; ``True`` nothing.
    progress : callable or bool, optional
        A callable is called with the replications finished since the last call (over
        all scenarios); ``True`` or ``False`` is ``quiet=False`` or ``quiet=True``.

    Returns
    -------
    CompareResult

    Raises
    ------
    ValueError
        With fewer than two scenarios, or when ``reps`` or ``engine`` is not one it takes.

    Examples
    --------
    >>> import drawdown
    >>> c = drawdown.compare("doha-2021-05-01", "study-group-delay", reps=1000, seed=2021)
    >>> d = c.difference("study-group-delay", "casualties")
    >>> round(d.estimate, 2), d.se_paired < d.se_unpaired
    (-36.51, True)
    """
    given: Sequence[Any] = scenarios
    if len(scenarios) == 1 and isinstance(scenarios[0], (list, tuple)):
        given = tuple(scenarios[0])
    if len(given) < 2:
        raise ValueError("give at least two scenarios to compare")
    loaded = [as_scenario(s) for s in given]
    engine = _engine(engine)
    seed, fresh = _seed(seed)
    reps = default_reps(engine) if reps is None else int(reps)
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    with _counting(progress, quiet, reps * len(loaded), f"{engine}: {', '.join(s.name for s in loaded)}") as call:
        comparison = run_compare(loaded, reps, seed, engine=engine, progress=call)
    return CompareResult(comparison, fresh_seed=fresh)


class CompareResult:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    comparison : drawdown.results.Comparison
        The exact comparison (summaries and integer sums of paired differences).
    results : list of Result
        Each scenario's own result, baseline first (``c[1].plot()``).
    scenarios : list of Scenario
    seed, reps, engine
        Of the run (the same for every scenario).
    """

    def __init__(self, comparison: Comparison, *, fresh_seed: bool = False) -> None:
        self.comparison = comparison
        self.fresh_seed = bool(fresh_seed)
        scenarios: list[Any] = list(comparison.scenarios)
        self.results = [
            Result(s, summary, fresh_seed=fresh_seed)
            for s, summary in zip(scenarios, comparison.summaries, strict=False)
        ]
        self._doc: dict[str, Any] | None = None

    @property
    def scenarios(self) -> list[Scenario]:
        """The scenarios compared, baseline first."""
        return [r.scenario for r in self.results]

    @property
    def names(self) -> list[str]:
        """Their names."""
        return self.comparison.names

    @property
    def seed(self) -> int:
        """The seed every scenario ran with."""
        return int(self.comparison.seed)

    @property
    def reps(self) -> int:
        """Replications of each scenario."""
        return int(self.comparison.n)

    @property
    def engine(self) -> str:
        """``"numpy"`` or ``"simpy"``."""
        return self.comparison.engine

    def __getitem__(self, k: int | str) -> Result:
        """The result of scenario ``k`` (an index, or a name)."""
        return self.results[self._index(k)]

    def __len__(self) -> int:
        return len(self.results)

    def _index(self, k: int | str) -> int:
        if isinstance(k, str):
            if k not in self.names:
                raise KeyError(f"no scenario {k!r} in the comparison; have {self.names}")
            return self.names.index(k)
        return int(k)

    def summary(self) -> dict[str, Any]:
        """The comparison as plain data: the document ``drawdown compare --json`` prints
        (:meth:`drawdown.results.Comparison.to_json_dict`). A new dict each time."""

        return copy.deepcopy(self._document())

    def _document(self) -> dict[str, Any]:
        """The document of :meth:`summary`, made once (not to be changed)."""
        if self._doc is None:
            self._doc = self.comparison.to_json_dict()
        return self._doc

    def get(self, path: str) -> Any:
        """One value of :meth:`summary` by a dotted path, as :meth:`Result.get`:
        ``"differences.0.casualties.se_paired"``."""

        return copy.deepcopy(_get(self._document(), path))

    def difference(self, scenario: int | str, measure: str) -> Difference:
        """Difference of ``scenario`` (index 1, 2, ... or name) from the baseline in
        ``measure`` (``"p_met_deadline"``, ``None`` fields where either has no deadline;
        ``"p_out_by_horizon"``, ``"median_final_exit_day"``, ``"casualties"``,
        ``"withdrawal_days"``): a :class:`drawdown.results.Difference` (``estimate``,
        ``low``, ``high``, ``se_paired``, ``se_unpaired``, ``n``)."""
        return self.comparison.difference(self._index(scenario), measure)

    def table(self) -> str:
        """The comparison as text: what ``drawdown compare`` prints."""
        return self.comparison.table(fresh_seed=self.fresh_seed)

    def plot(self) -> Figure:
        """The exit-date curves of the scenarios on one chart (``compare.png``)."""

        return compare_figure(list(zip(self.comparison.scenarios, self.comparison.summaries, strict=False)))

    def write(self, out_dir: StrPath) -> list[Path]:
        """Write the comparison's files as ``drawdown compare --out`` does.

        ``out_dir`` must be new or empty (:func:`drawdown.batch.claim_compare_dir`: a
        directory holding anything else, another comparison included, is refused before
        anything is written); its lock is held while the files are written."""

        with claim_compare_dir(out_dir):
            return write_compare_dir(out_dir, self.comparison, self.summary())

    def __repr__(self) -> str:
        return (
            f"<CompareResult {' vs '.join(self.names)}: {self.reps:,} replications each, seed {self.seed}, "
            f"{self.engine} engine, common random numbers>"
        )

    def _repr_html_(self) -> str:
        d = self.summary()
        rows: list[tuple[object, ...]] = []
        for s in d["scenarios"]:
            w = s["withdrawal_days"]
            rows.append(
                (
                    s["scenario"],
                    s["deadline"] or "none",
                    "—" if s["p_met_deadline"] is None else _p(s["p_met_deadline"]),
                    _p(s["p_out_by_horizon"]),
                    _fmt_date(s["final_exit_date"]["p50"]),
                    _pm(s["casualties"], 2),
                    "n/a" if w["mean"] is None else f"{w['mean']:.1f}",
                    f"{100 * s['censored']['fraction']:.1f}%",
                )
            )
        parts = [
            _html_table(
                rows,
                caption=f"{d['replications']:,} replications each, seed {d['seed']}, "
                f"{d['engine']} engine, common random numbers",
                header=(
                    "scenario",
                    "deadline",
                    "P(out by deadline)",
                    "P(out by horizon)",
                    "median final exit",
                    "mean casualties",
                    "mean withdrawal (days)",
                    "censored",
                ),
            )
        ]
        labels = {
            "p_met_deadline": "P(out by deadline)",
            "p_out_by_horizon": "P(out by horizon)",
            "median_final_exit_day": "median final exit (days)",
            "casualties": "mean casualties",
            "withdrawal_days": "mean withdrawal (days)",
        }

        def num(x: float | None, fmt: str) -> str:
            return "n/a" if x is None else format(x, fmt)

        for diff in d["differences"]:
            rows = []
            for m, label in labels.items():
                x = diff[m]
                rows.append(
                    (
                        label,
                        num(x["difference"], "+.3f"),
                        f"[{num(x['ci_low'], '+.3f')}, {num(x['ci_high'], '+.3f')}]",
                        num(x["se_paired"], ".4g"),
                        num(x["se_unpaired"], ".4g"),
                    )
                )
            parts.append(
                _html_table(
                    rows,
                    caption=f"{diff['scenario']} − {diff['baseline']}",
                    header=("measure", "difference", "95% CI (paired)", "s.e. paired", "s.e. unpaired"),
                )
            )
        return "<div>" + "".join(parts) + "</div>"


# -- one replication --------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """numpy scalars and arrays inside an event as plain Python values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def trace(scenario: ScenarioLike, *, replication: int = 0, seed: int | None = None) -> list[dict[str, Any]]:
    """The events of one replication (``drawdown trace``), from the SimPy engine.

    Replication ``R`` of seed ``S`` is replication ``R`` of ``run(..., seed=S)``, with
    either engine.

    Parameters
    ----------
    scenario : Scenario or str or Path or Result
        A scenario; or a :class:`Result`, whose scenario and seed are used.
    replication : int, optional
    seed : int
        Required unless ``scenario`` is a Result.

    Returns
    -------
    list of dict
        In time order, each with ``day``, ``date`` (ISO), ``kind`` (``"decision"``,
        ``"ready"``, ``"exit"``, ...) and ``text``, plus details of its kind, as plain
        Python values (``json.dumps`` takes them).

    Examples
    --------
    >>> import drawdown
    >>> events = drawdown.trace("doha-2021-05-01", replication=0, seed=2021)
    >>> [e["date"] for e in events if e["kind"] == "decision"]
    ['2021-04-14']
    """
    if isinstance(scenario, Result):
        if seed is None:
            seed = scenario.seed
        scenario = scenario.scenario
    if seed is None:
        raise TypeError("trace() needs the seed of the run the replication belongs to (seed=...)")
    seed, _ = _seed(seed)
    replication = int(replication)
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")

    return [_plain(e) for e in trace_replication(as_scenario(scenario), seed, replication)]
