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
 P(out by 2021-05-01) = 0.526 ± 0.016; median final exit 2021-04-24>
>>> r.summary()["p_met_deadline"]["value"]
0.526
>>> later = drawdown.load("doha-2021-05-01").replace(deadline="2021-09-11")
>>> drawdown.run(later, reps=1000, seed=2021).summary()["p_met_deadline"]["value"]
0.941
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
    RunBatch,
    claim_compare_dir,
    default_reps,
    dir_contents,
    make_executor,
    run_to_precision,
    summarize,
)
from .batch import compare as run_compare
from .batch.rundir import RUN_FILES
from .draws import new_seed
from .engines import trace_replication
from .errors import DrawdownError
from .report import (
    compare_figure,
    contingent_rows,
    contingents_figure,
    drawdown_figure,
    exit_dates_figure,
    last_out,
    run_json,
    summary_table,
    write_compare_dir,
    write_run_dir,
)
from .results import Summary, claim_directory, facts_of, precision_status, remove_temporaries
from .scenario import Scenario, load

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

    from .results import Comparison, Difference

__all__ = ["run", "compare", "trace", "Result", "CompareResult", "as_scenario"]

_QS = (0.05, 0.5, 0.95)

#: A path, as the functions here take it.
StrPath: TypeAlias = "str | os.PathLike[str]"
#: What the functions here take as a scenario (see :func:`as_scenario`).
ScenarioLike: TypeAlias = "Scenario | Result | str | Path"
#: Called with the replications finished since the last call.
Progress: TypeAlias = Callable[[int], None]


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


@contextlib.contextmanager
def _counting(progress: Progress | None, quiet: bool, total: int, label: str) -> Iterator[Progress | None]:
    """The callable to give an engine while the block runs: ``progress``, none when ``quiet``, else
    a counter on stderr of ``total`` replications (closed at the end)."""
    if progress is not None or quiet:
        yield progress
        return
    bar = _StderrProgress(total, label)
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
    quiet: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Run replications of a scenario and summarise them (``drawdown run``).

    Parameters
    ----------
    scenario : Scenario or str or Path
        A scenario, or a shipped scenario's name, or a path to a TOML file.
    reps : int, optional
        Replications to run; by default 4,000 with the numpy engine and 200 with the
        SimPy engine (:func:`drawdown.batch.default_reps`). Not with ``precision``.
    seed : int, optional
        Seed of the random streams; ``None`` draws a fresh one from the operating
        system, stored as :attr:`Result.seed`.
    engine : {"numpy", "simpy"}, optional
        Both give the same outcomes for the same seed, replication by replication; the
        numpy engine is the fast one.
    precision : float, optional
        Instead of ``reps``: add blocks of 1,000 replications until the standard error
        of P(out by the deadline) (of P(out by the horizon) without a deadline) is at
        most ``precision`` (``drawdown run --precision``).
    max_reps : int, optional
        With ``precision``: stop at this many replications even if the target is not
        met (default 200,000); :attr:`Result.precision` says whether it was.
    workers : int, optional
        Run the blocks of replications in this many local processes, at least 1
        (``drawdown run --workers``); the result is the same bits.
    out_dir : str or Path, optional
        Also write a run directory, as ``drawdown run --out DIR`` (the summary, CSV
        files, plots, manifest and blocks; :attr:`Result.written` lists the files).
    quiet : bool, optional
        ``False`` shows a replication counter on stderr.
    progress : callable, optional
        Called with the number of replications finished since the last call (for your
        own progress bar); overrides ``quiet``.

    Returns
    -------
    Result

    Raises
    ------
    ScenarioError
        When the scenario named cannot be loaded.
    ValueError
        When ``reps``, ``precision``, ``max_reps`` or ``engine`` is not one it takes.
    DrawdownError
        When ``workers`` is below 1.

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
    plan = _Plan.of(reps, precision, max_reps, engine)
    _check_workers(workers)
    label = plan.label(engine, s.name)
    summary, status, written = _summarise(s, seed, engine, plan, workers, out_dir, progress, quiet, label)
    result = Result(s, summary, precision=status, fresh_seed=fresh)
    result.written = written
    return result


def _summarise(
    s: Scenario,
    seed: int,
    engine: str,
    plan: _Plan,
    workers: int | None,
    out_dir: StrPath | None,
    progress: Progress | None,
    quiet: bool,
    label: str,
) -> tuple[Summary, dict[str, Any] | None, list[Path]]:
    """Run here, or on executors and a run directory (drawdown.batch.rundir) when asked for either."""
    if workers is not None or out_dir is not None:
        return _run_batch(
            s, seed, engine, plan, workers=workers, out_dir=out_dir, progress=progress, quiet=quiet, label=label
        )
    with _counting(progress, quiet, plan.total, label) as call:
        summary, status = _run_here(s, seed, engine, plan, call)
    return summary, status, []


@dataclass(frozen=True)
class _Plan:
    """How many replications :func:`run` runs: ``reps``, or blocks until ``precision`` (at most ``max_reps``)."""

    reps: int | None
    precision: float | None
    max_reps: int | None
    total: int  # replications at most

    @classmethod
    def of(cls, reps: int | None, precision: float | None, max_reps: int | None, engine: str) -> _Plan:
        """The plan of :func:`run`'s arguments, checked (a ValueError names the argument)."""
        if precision is not None and reps is not None:
            raise ValueError("give reps or precision, not both")
        if precision is None and max_reps is not None:
            raise ValueError("max_reps goes with precision")
        if precision is None:
            reps = default_reps(engine) if reps is None else int(reps)
            if reps < 1:
                raise ValueError(f"reps must be >= 1, got {reps}")
            return cls(reps, None, None, reps)
        precision = float(precision)
        if not 0 < precision <= 0.5:
            raise ValueError(f"precision must be in (0, 0.5], got {precision}")
        max_reps = DEFAULT_MAX_REPS if max_reps is None else int(max_reps)
        return cls(None, precision, max_reps, max_reps)

    def label(self, engine: str, name: str) -> str:
        """The progress counter's label."""
        label = f"{engine}: {name}"
        return label if self.precision is None else f"{label} (to s.e. {self.precision:g})"

    def batch_args(self) -> dict[str, Any]:
        """The keywords of :class:`drawdown.batch.RunBatch` for this plan."""
        if self.precision is None:
            return {"reps": self.reps}
        return {"precision": self.precision, "max_reps": self.max_reps}


def _check_workers(workers: int | None) -> None:
    """A :class:`DrawdownError` unless ``workers`` is None or at least 1."""
    if workers is not None and int(workers) < 1:
        raise DrawdownError(f"workers must be at least 1, got {int(workers)}")


def _run_here(
    s: Scenario, seed: int, engine: str, plan: _Plan, call: Progress | None
) -> tuple[Summary, dict[str, Any] | None]:
    """:func:`run` in this process: the summary and, with a precision, what it achieved."""
    if plan.precision is None:
        return summarize(s, plan.total, seed, engine=engine, progress=call), None
    summary = run_to_precision(s, seed, plan.precision, engine=engine, max_reps=plan.max_reps, progress=call)
    return summary, precision_status(summary, plan.precision, cap_reps=plan.max_reps)


def _run_batch(
    s: Scenario,
    seed: int,
    engine: str,
    plan: _Plan,
    *,
    workers: int | None,
    out_dir: StrPath | None,
    progress: Progress | None,
    quiet: bool,
    label: str,
) -> tuple[Summary, dict[str, Any] | None, list[Path]]:
    """:func:`run` through :class:`drawdown.batch.RunBatch`: local worker processes, a run directory."""
    with make_executor(workers=workers) as executor:
        batch = RunBatch(s, seed, engine=engine, out_dir=out_dir, parallelism=executor.parallelism, **plan.batch_args())
        with _counting(progress, quiet, batch.todo_reps, label) as call:
            done = batch.run(executor, progress=call)
    assert isinstance(done.summary, Summary)  # a whole run, not a shard
    return done.summary, done.precision, list(done.written)


def _fmt_date(d: str | None) -> str:
    """An ISO date of a summary, or what None means there."""
    return "not out by the horizon" if d is None else d


def _pm(e: dict[str, Any] | None, digits: int) -> str:
    """An estimate as ``mean ± se``."""
    if e is None:
        return "n/a"
    se = "n/a" if e["se"] is None else f"{e['se']:,.{digits}f}"
    return f"{e['mean']:,.{digits}f} ± {se}"


def _p(p: dict[str, Any] | None) -> str:
    """A probability as ``value ± se``."""
    if p is None:
        return "n/a (no deadline)"
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
        self, scenario: Scenario, stats: Summary, *, precision: dict[str, Any] | None = None, fresh_seed: bool = False
    ) -> None:
        if scenario.hash != stats.scenario_hash:
            raise DrawdownError(f"the summary is not of scenario {scenario.name!r}")
        self.scenario = scenario
        self.stats = stats
        self.precision = precision
        self.fresh_seed = bool(fresh_seed)
        self.written: list[Path] = []
        self._doc: dict[str, Any] | None = None

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
        {'p5': '2021-04-14', 'p50': '2021-04-24', 'p95': '2021-12-19'}
        >>> round(d["troops_at_deadline"]["mean"])
        2470
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

    def write(self, out_dir: StrPath) -> list[Path]:
        """Write the run's files to ``out_dir`` as ``drawdown run --out`` does
        (``summary.json``, ``summary.npz``, the CSV files and the plots, but no
        ``replications.npz``); ``drawdown plot DIR`` redraws them. Returns the paths.

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
            return write_run_dir(out_dir, self.scenario, self.stats, precision=self.precision)

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
        rows.append(("P(left before the conditions were met)", _p(d["p_left_before_conditions"])))
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


# -- several scenarios ------------------------------------------------------------------------------
def compare(
    *scenarios: ScenarioLike | Sequence[ScenarioLike],
    reps: int | None = None,
    seed: int | None = None,
    engine: str = "numpy",
    quiet: bool = True,
    progress: Progress | None = None,
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
        ``False`` shows a replication counter on stderr.
    progress : callable, optional
        Called with the replications finished since the last call (over all scenarios).

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
    >>> c = drawdown.compare("doha-2021-05-01", "announced-2021-09-11", reps=1000, seed=2021)
    >>> d = c.difference("announced-2021-09-11", "casualties")
    >>> round(d.estimate, 2), d.se_paired < d.se_unpaired
    (-67.34, True)
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
    ['2021-02-18']
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
