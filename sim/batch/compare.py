"""Run scenarios over the same blocks with one seed and compare them (``drawdown compare``).

A comparison's work is a grid of units: for each group of consecutive blocks, one
:class:`~drawdown.batch.Unit` per scenario, every one with the same seed, blocks and
block size, so replication ``i`` of every scenario sees the same draws (common random
numbers, docs/design.md §2). Units are pure (:func:`drawdown.batch.run_unit`), so any
executor runs them (this process, a process pool, Dask) and the comparison is the same
bits whichever ran them, in whatever order they finish: summaries merge exactly and the
paired differences are integer sums, folded group by group in block order.

``compare --out DIR`` keeps its units, so an interrupted comparison resumes::

    DIR/compare.json                  at first a marker (an interrupted comparison),
                                      once complete the --json document
    DIR/units/plan.json               what the comparison is: scenarios (name, file,
                                      hash), seed, engine, block size, replications or
                                      precision target and cap, environment, groups
    DIR/units/NNNNNN.sKK.npz          the summary of scenario KK over the group whose
                                      first block is NNNNNN (checksummed)
    DIR/units/NNNNNN.sKK.paired.npz   what its paired differences need, per replication
    DIR/compare.csv, compare.png, SCENARIO/...   the results, once every unit is done

A unit is done when both its files are there and verify (checksums, scenario, seed,
engine, blocks); ``resume=True`` runs only the others, never one that is done.

``precision=P`` adds single-block groups, in waves, until the standard error of the
paired difference of each scenario from the baseline in its headline probability
(P(out by the deadline) where both have a deadline, else P(out by the horizon):
:func:`drawdown.results.headline_measure`) is at most ``P`` for every scenario, or
the cap is reached; the result is blocks ``0 .. k-1`` for the first such ``k``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Generator, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..draws import BLOCK_SIZE, LAYOUT_VERSION, blocks_for, read_seed, seed_text
from ..engines import DEFAULT_CHUNK_BLOCKS, Outcomes
from ..errors import DrawdownError, ResultError
from ..report import COMPARE_JSON, COMPARE_PLOT, write_compare_dir, write_json
from ..report.compare_dir import COMPARE_CSV
from ..results import (
    SUMMARY_FORMAT,
    SUMMARY_FORMAT_VERSION,
    Comparison,
    DirectoryLock,
    PairedSums,
    Summary,
    claim_directory,
    environment,
    exact_sums,
    read_summary_file,
    remove_temporaries,
    write_summary_file,
)
from ..results.comparison import MEASURE_LABELS, headline_measure
from ..scenario import Scenario
from .executors import Executor, InProcess, Unit, UnitResult, unit_blocks_for
from .fold import DEFAULT_MAX_REPS, Progress, check_reps
from .rundir import check_dir_kind, check_environment, read_record, write_record

__all__ = [
    "COMPARE_FORMAT",
    "UNITS_DIR",
    "CompareBatch",
    "claim_compare_dir",
    "compare",
    "duplicate_names",
    "paired_values",
    "recorded_compare",
]

#: The ``format`` of a comparison's plan and of its marker while it is unfinished.
COMPARE_FORMAT = "drawdown-compare"
#: The folder of a comparison's units, and its plan's file name in it.
UNITS_DIR = "units"
PLAN_FILE = "plan.json"
_UNIT_FILES = re.compile(r"\d{6,}\.s\d{2,}(\.paired)?\.npz")
_PLAN_VERSION = 1
#: The per-replication values of a unit that the paired differences need, and their types.
PAIRED_DTYPES = {
    "met_deadline": np.int64,
    "out_by_horizon": np.int64,
    "casualties": np.int64,
    "killed": np.int64,
    "wounded": np.int64,
    "final": np.int32,
    "duration": np.int64,
}


def paired_values(out: Outcomes) -> dict[str, np.ndarray]:
    """What the paired differences need of one scenario's outcomes, per replication:
    0/1 indicators of being out by the deadline and by the horizon, casualties, killed
    and wounded (0 where the scenario does not split its casualties: the comparison then
    has no such difference), the final exit day (-1: never) and the days from the order
    to the last troops out (-1 where either is missing).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import Unit, run_unit
    >>> from drawdown.batch.compare import paired_values
    >>> r = run_unit(Unit(drawdown.load("doha-2021-05-01"), 1, ((0, 50),), block_size=50, keep_outcomes=True))
    >>> sorted(paired_values(r.outcomes)), len(paired_values(r.outcomes)["final"])
    (['casualties', 'duration', 'final', 'killed', 'met_deadline', 'out_by_horizon', 'wounded'], 50)
    """
    final = out.final_exit_day.astype(np.int64)
    duration = np.where((final >= 0) & (out.decision_day >= 0), final - out.decision_day, -1)
    none = np.zeros(len(out.casualties), dtype=np.int64)
    values = {
        "met_deadline": out.met_deadline,
        "out_by_horizon": ~out.censored,
        "casualties": out.casualties,
        "killed": none if out.killed is None else out.killed,
        "wounded": none if out.wounded is None else out.wounded,
        "final": out.final_exit_day,
        "duration": duration,
    }
    return {k: np.ascontiguousarray(v, dtype=PAIRED_DTYPES[k]) for k, v in values.items()}


def duplicate_names(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, in order of first appearance.

    >>> duplicate_names(["a", "b", "a", "c", "b"])
    ['a', 'b']
    """
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [n for n, k in seen.items() if k > 1]


# -- the batch ------------------------------------------------------------------------------------
class _Fold:
    """Group results folded in block order into per-scenario totals and paired sums."""

    def __init__(self, scenarios: list[Scenario]) -> None:
        self.totals: list[Summary | None] = [None] * len(scenarios)
        self.pairs = [PairedSums(scenarios[0].horizon_days, s.horizon_days) for s in scenarios[1:]]
        self.durations = [[0, 0, 0] for _ in scenarios]
        self.groups = 0  # groups folded

    def add(self, parts: list[tuple[Summary, dict[str, np.ndarray]]]) -> None:
        """Fold the next group: each scenario's (summary, paired values)."""
        self.totals = [
            p if t is None else Summary.merge_all([t, p]) for t, (p, _) in zip(self.totals, parts, strict=True)
        ]
        base = parts[0][1]
        for pair, (_, other) in zip(self.pairs, parts[1:], strict=True):
            pair.add(base, other)
        for acc, (_, v) in zip(self.durations, parts, strict=True):
            d = v["duration"][v["duration"] >= 0]
            for j, x in enumerate((len(d), *exact_sums(d))):
                acc[j] += x
        self.groups += 1

    def comparison(self, scenarios: list[Scenario], precision: dict | None = None) -> Comparison:
        return Comparison(scenarios, self.totals, self.pairs, self.durations, precision=precision)


class CompareBatch:
    """A comparison as units of work: any executor, an optional directory, resume, precision.

    Parameters
    ----------
    scenarios : list of Scenario
        The baseline first; one gives a comparison with no differences.
    seed : int
    reps : int, optional
        Replications of each scenario; or
    precision : float, optional
        Stop once the paired standard error of every scenario's headline difference
        from the baseline is at most this (see the module documentation), at most
        ``max_reps`` replications (default :data:`drawdown.batch.DEFAULT_MAX_REPS`).
    engine : {"numpy", "simpy"}
    block_size : int
    out_dir : str or Path, optional
        Keep the units there and write the comparison's files at the end (a new or
        empty directory, or with ``resume`` one holding this comparison). Its lock is
        held from here to the end of :meth:`run`.
    resume : bool
        Finish the comparison in ``out_dir``: only the units not done run.
    parallelism : int
        The executor's (for sizing the groups).
    group_blocks : int, optional
        Blocks per group (memory and granularity only; never changes the result).
    plots : bool
        Draw ``compare.png`` in ``out_dir``.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import compare
    >>> from drawdown.batch.compare import CompareBatch
    >>> a, b = drawdown.load("doha-2021-05-01"), drawdown.load("conditions-based")
    >>> d = tempfile.mkdtemp()
    >>> c = CompareBatch([a, b], 1, reps=300, block_size=100, out_dir=d, plots=False).run()
    >>> c.to_json_dict() == compare([a, b], 300, seed=1, block_size=100).to_json_dict()
    True
    >>> again = CompareBatch([a, b], 1, reps=300, block_size=100, out_dir=d, resume=True, plots=False)
    >>> again.todo_units, again.run().to_json_dict() == c.to_json_dict()
    (0, True)
    """

    def __init__(
        self,
        scenarios: Iterable[Scenario],
        seed: int,
        *,
        reps: int | None = None,
        precision: float | None = None,
        max_reps: int | None = None,
        engine: str = "numpy",
        block_size: int = BLOCK_SIZE,
        out_dir: str | os.PathLike[str] | None = None,
        resume: bool = False,
        parallelism: int = 1,
        group_blocks: int | None = None,
        plots: bool = True,
    ) -> None:
        self.scenarios = list(scenarios)
        if not self.scenarios:
            raise ValueError("nothing to compare")
        if (reps is None) == (precision is None):
            raise ValueError("give reps or precision, not both (nor neither)")
        if precision is not None and len(self.scenarios) < 2:
            raise DrawdownError("precision needs two scenarios or more: it controls their paired differences")
        self.seed, self.engine, self.block_size = int(seed), engine, int(block_size)
        self.precision = None if precision is None else float(precision)
        self.max_reps = None if precision is None else int(DEFAULT_MAX_REPS if max_reps is None else max_reps)
        if reps is None:
            cap = check_reps(int(self.max_reps or 0), block_size, name="max_reps")
        else:
            cap = check_reps(reps, block_size)
        self.blocks = blocks_for(cap, self.block_size)
        if not self.blocks:
            raise ValueError("nothing to run: no replications")
        self.reps = None if reps is None else int(reps)
        self.plots = plots
        self.environment = environment()
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.done: set[tuple[int, int]] = set()  # (group, scenario) found finished on disk
        self._lock: DirectoryLock | None = None
        self.written: list[Path] = []  # the comparison's files, once run() wrote them
        if precision is not None:
            n = 1
        elif group_blocks is not None:
            n = max(1, int(group_blocks))
        else:  # every worker gets about two units, counting a unit per scenario
            n = unit_blocks_for(len(self.blocks), max(1, math.ceil(int(parallelism) / len(self.scenarios))))
        self.groups = [tuple(self.blocks[k : k + n]) for k in range(0, len(self.blocks), n)]
        if self.out_dir is not None:
            self._lock = claim_compare_dir(self.out_dir, resume=resume)
            try:
                self._open(resume)
            except BaseException:
                self._lock.release()
                raise

    # -- the directory -------------------------------------------------------------------------
    @property
    def identity(self) -> dict[str, Any]:
        """What makes two comparisons the same (the plan's identity fields)."""
        return {
            "scenarios": [
                {"name": s.name, "file": str(Path(s.file).resolve()), "hash": s.hash} for s in self.scenarios
            ],
            "seed": seed_text(self.seed),
            "engine": self.engine,
            "block_size": self.block_size,
            "layout_version": LAYOUT_VERSION,
            "replications": self.reps,
            "precision": None
            if self.precision is None
            else {"target": self.precision, "max_replications": self.max_reps},
        }

    def _units_dir(self) -> Path:
        assert self.out_dir is not None
        return self.out_dir / UNITS_DIR

    def _open(self, resume: bool) -> None:
        """Under the lock: start the directory, or (``resume``) check it is this comparison and find the done units."""
        units, out = self._units_dir(), self._units_dir().parent
        if (out / COMPARE_JSON).exists() or units.is_dir():
            record = recorded_compare(out)
            self._check_record(record, units / PLAN_FILE)
            self.groups = [tuple((int(b), int(r)) for b, r in g) for g in record["groups"]]
            remove_temporaries(units, _UNIT_FILES)
            self.done = {
                (g, k) for g in range(len(self.groups)) for k in range(len(self.scenarios)) if self._unit_done(g, k)
            }
            return
        write_json(out / COMPARE_JSON, _marker())
        units.mkdir(exist_ok=True)
        self._write_plan(complete=False)

    def _write_plan(self, *, complete: bool) -> None:
        doc = {
            "format": COMPARE_FORMAT,
            "format_version": _PLAN_VERSION,
            "kind": "comparison",
            **self.identity,
            "environment": self.environment,
            "groups": [[list(b) for b in g] for g in self.groups],
            "complete": complete,
        }
        write_record(self._units_dir() / PLAN_FILE, doc)

    def _check_record(self, record: dict[str, Any], where: Path) -> None:
        if record.get("format") != COMPARE_FORMAT or record.get("format_version") != _PLAN_VERSION:
            raise ResultError(f"{where}: not a drawdown comparison plan of version {_PLAN_VERSION}")
        check_environment(record.get("environment") or {}, where)
        wanted, diff = self.identity, []
        for key, want in wanted.items():
            got = record.get(key)
            if key == "seed" and isinstance(got, int):  # recorded_compare reads it back as a number
                got = seed_text(got)
            if key == "scenarios":  # a scenario file may have moved: its name and content must not
                got = [{k: v for k, v in s.items() if k != "file"} for s in got or []]
                want = [{k: v for k, v in s.items() if k != "file"} for s in want]
            if got != want:
                diff.append(f"{key}: {got!r} recorded, {want!r} asked for")
        if diff:
            raise DrawdownError(
                f"{self.out_dir}: holds another comparison ({'; '.join(diff)}); resume=True finishes only the "
                "same one: give another out_dir"
            )

    def _paths(self, g: int, k: int) -> tuple[Path, Path]:
        stem = f"{self.groups[g][0][0]:06d}.s{k:02d}"
        units = self._units_dir()
        return units / f"{stem}.npz", units / f"{stem}.paired.npz"

    def _unit_done(self, g: int, k: int) -> bool:
        summary_path, paired_path = self._paths(g, k)
        if not summary_path.exists():
            return False
        self._check_summary(Summary.from_npz(summary_path), g, k, summary_path)
        if not paired_path.exists():
            raise ResultError(
                f"{paired_path}: missing, but its unit's summary {summary_path.name} is there; delete "
                f"{summary_path} and resume=True computes the unit again"
            )
        self._read_paired(paired_path, g, k)
        return True

    def _check_summary(self, summary: Summary, g: int, k: int, where: object) -> None:
        b = summary.book
        want = {
            "scenario_hash": self.scenarios[k].hash,
            "seed": self.seed,
            "engine": self.engine,
            "block_size": self.block_size,
            "layout_version": LAYOUT_VERSION,
            **self.environment,
        }
        diff = [f"{key} {getattr(b, key)!r} != {v!r}" for key, v in want.items() if getattr(b, key) != v]
        if tuple(summary.blocks) != self.groups[g]:
            diff.insert(0, f"blocks {list(summary.blocks)} != {list(self.groups[g])}")
        if diff:
            raise ResultError(f"{where}: not a result of this comparison ({'; '.join(diff)})")

    def _paired_meta(self, g: int, k: int) -> dict[str, Any]:
        return {
            "format": SUMMARY_FORMAT,
            "format_version": SUMMARY_FORMAT_VERSION,
            "kind": "compare-paired-values",
            "scenario_hash": self.scenarios[k].hash,
            "seed": seed_text(self.seed),
            "engine": self.engine,
            "block_size": self.block_size,
            "blocks": [list(b) for b in self.groups[g]],
        }

    def _read_paired(self, path: Path, g: int, k: int) -> dict[str, np.ndarray]:
        want, rows = self._paired_meta(g, k), sum(r for _, r in self.groups[g])

        def build(meta: dict, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            meta = {**meta, "seed": seed_text(read_seed(meta.get("seed"), f"{path}: seed"))}
            if meta != want:
                raise ResultError(f"{path}: not a unit of this comparison (its metadata differs)")
            for name, dtype in PAIRED_DTYPES.items():
                a = arrays.get(name)
                if a is None or a.dtype != dtype or a.shape != (rows,):
                    raise ResultError(f"{path}: {name}: expected {rows} values of {np.dtype(dtype).name}")
            return {name: arrays[name] for name in PAIRED_DTYPES}

        return read_summary_file(path, build)

    def _store(self, g: int, k: int, result: UnitResult) -> dict[str, np.ndarray]:
        """Check a fresh unit result, write it in the directory, and give its paired values."""
        label = f"{self.scenarios[k].name} {self.groups[g]} (computed by process {result.pid})"
        self._check_summary(result.summary, g, k, label)
        if result.outcomes is None:
            raise ResultError(f"{label}: came without its outcomes")
        values = paired_values(result.outcomes)
        if self.out_dir is not None:
            summary_path, paired_path = self._paths(g, k)
            write_summary_file(paired_path, self._paired_meta(g, k), values)
            result.summary.to_npz(summary_path)  # the unit is done once this file is there
        return values

    def _load(self, g: int, k: int) -> tuple[Summary, dict[str, np.ndarray]]:
        summary_path, paired_path = self._paths(g, k)
        return Summary.from_npz(summary_path), self._read_paired(paired_path, g, k)

    # -- figures -------------------------------------------------------------------------------
    @property
    def todo_units(self) -> int:
        """Units (a scenario over a group of blocks) still to run, at most (a precision run may stop before)."""
        return len(self.groups) * len(self.scenarios) - len(self.done)

    @property
    def todo_reps(self) -> int:
        """Replications still to run over all scenarios, at most."""
        rows = [sum(r for _, r in grp) for grp in self.groups]
        return len(self.scenarios) * sum(rows) - sum(rows[g] for g, _ in self.done)

    @property
    def done_units(self) -> int:
        """Units found finished (``resume``)."""
        return len(self.done)

    # -- running -------------------------------------------------------------------------------
    def run(self, executor: Executor | None = None, *, progress: Progress = None) -> Comparison:
        """Run the units not done on ``executor`` (default: this process), fold them and,
        with a directory, write the comparison's files. Releases the directory's lock.

        Returns
        -------
        Comparison
            With ``precision``, its :attr:`~drawdown.results.Comparison.precision` says
            what was reached.
        """
        try:
            context: AbstractContextManager[Any] = nullcontext(executor) if executor else InProcess()
            with context as ex:
                fold = _Fold(self.scenarios)
                if self.precision is None:
                    self._run_groups(ex, range(len(self.groups)), fold, progress)
                    status = None
                else:
                    status = self._run_to_precision(ex, fold, progress)
            comparison = fold.comparison(self.scenarios, status)
            if self.out_dir is not None:
                self.written = write_compare_dir(self.out_dir, comparison, plots=self.plots)
                self._write_plan(complete=True)
            return comparison
        finally:
            self.close()

    def close(self) -> None:
        """Release the directory's lock (again: nothing)."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def _run_groups(self, executor: Executor, groups: Iterable[int], fold: _Fold, progress: Progress) -> None:
        """Run the units of ``groups`` (consecutive, from ``fold.groups`` on) and fold them in order."""
        for _ in self._fold_in_order(executor, list(groups), fold, progress):
            pass

    def _fold_in_order(
        self, executor: Executor, groups: list[int], fold: _Fold, progress: Progress
    ) -> Generator[int, None, None]:
        """Run the units of ``groups`` not done; fold each group once it and those before are in;
        yield each group as it is folded. Units of a group folded past a stop are still stored."""
        S = len(self.scenarios)
        todo = [(g, k) for g in groups for k in range(S) if (g, k) not in self.done]
        units = [
            Unit(
                self.scenarios[k],
                self.seed,
                self.groups[g],
                engine=self.engine,
                block_size=self.block_size,
                keep_outcomes=True,
                label=f"{self.scenarios[k].name}, blocks {self.groups[g][0][0]}-{self.groups[g][-1][0]}",
            )
            for g, k in todo
        ]
        fresh: dict[int, dict[int, tuple[Summary, dict[str, np.ndarray]]]] = {}
        results = executor.run(units, progress=progress)
        try:
            yield from self._fold_ready(groups, fold, fresh)
            for i, result in results:
                g, k = todo[i]
                fresh.setdefault(g, {})[k] = (result.summary, self._store(g, k, result))
                del result
                yield from self._fold_ready(groups, fold, fresh)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()

    def _fold_ready(
        self, groups: list[int], fold: _Fold, fresh: dict[int, dict[int, tuple[Summary, dict[str, np.ndarray]]]]
    ) -> Iterator[int]:
        S = len(self.scenarios)
        while fold.groups < len(self.groups) and fold.groups in groups:
            g = fold.groups
            have = fresh.get(g, {})
            if any(k not in have and (g, k) not in self.done for k in range(S)):
                return
            parts = [have[k] if k in have else self._load(g, k) for k in range(S)]
            fresh.pop(g, None)
            fold.add(parts)
            del parts
            yield g

    def _run_to_precision(self, executor: Executor, fold: _Fold, progress: Progress) -> dict[str, Any]:
        """Waves of single-block groups until every headline paired s.e. is at most the target."""
        assert self.precision is not None
        target, parallelism = self.precision, max(1, getattr(executor, "parallelism", 1))
        while fold.groups < len(self.groups):
            wave = self._wave_size(fold, target, parallelism)
            groups = list(range(fold.groups, min(fold.groups + wave, len(self.groups))))
            gen = self._fold_in_order(executor, groups, fold, progress)
            try:
                for _ in gen:
                    if self._worst_se(fold)[0] <= target:
                        return self._status(fold, target, met=True)
            finally:
                gen.close()
        return self._status(fold, target, met=False)

    def _worst_se(self, fold: _Fold) -> tuple[float, str]:
        c = fold.comparison(self.scenarios)
        ses = [(c.precision_se(j), c.names[j]) for j in range(1, len(self.scenarios))]
        return max(ses, key=lambda t: t[0])

    def _wave_size(self, fold: _Fold, target: float, parallelism: int) -> int:
        if fold.groups == 0:
            return parallelism
        n = fold.totals[0].n  # type: ignore[union-attr]
        se, _ = self._worst_se(fold)
        wanted = n * (se / target) ** 2 - n  # replications still needed, roughly
        return max(min(max(1, math.ceil(wanted / self.block_size)), DEFAULT_CHUNK_BLOCKS), parallelism)

    def _status(self, fold: _Fold, target: float, *, met: bool) -> dict[str, Any]:
        se, worst = self._worst_se(fold)
        measures = {headline_measure(self.scenarios[0], s) for s in self.scenarios[1:]}
        text = " or ".join(MEASURE_LABELS[m] for m in sorted(measures))
        return {
            "target": target,
            "measure": "paired difference from the baseline in p_met_deadline where both have a deadline, "
            "else in p_out_by_horizon",
            "measure_text": text,
            "se": se,
            "worst": worst,
            "met": bool(met),
            "blocks": fold.groups,
            "replications": fold.totals[0].n,  # type: ignore[union-attr]
            "cap_replications": self.max_reps,
        }


def _marker() -> dict[str, Any]:
    """``compare.json`` while a comparison is unfinished."""
    return {
        "format": COMPARE_FORMAT,
        "kind": "comparison",
        "complete": False,
        "note": "an unfinished comparison: run the same `drawdown compare` with --out DIR --resume to finish it",
    }


def recorded_compare(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The plan of the comparison in ``out_dir`` (``units/plan.json``), its seed as an int.

    Raises
    ------
    ResultError
        When the directory holds no plan (a comparison written by
        :meth:`drawdown.api.CompareResult.write`, or one interrupted before its plan
        was written) or a damaged one.
    """
    path = Path(out_dir) / UNITS_DIR / PLAN_FILE
    if not path.exists():
        raise ResultError(
            f"{out_dir}: holds a comparison without its units ({UNITS_DIR}/{PLAN_FILE}): there is nothing to "
            "resume; remove it, or give another out_dir"
        )
    record = read_record(path, "comparison plan")
    try:
        record["seed"] = read_seed(record.get("seed"), f"{path}: seed")
    except ValueError as e:
        raise ResultError(str(e)) from e
    if not isinstance(record.get("groups"), list) or not isinstance(record.get("scenarios"), list):
        raise ResultError(f"{path}: not a comparison plan (no groups or scenarios)")
    return record


def compare(
    scenarios: Iterable[Scenario],
    reps: int,
    seed: int,
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    group_blocks: int | None = None,
    progress: Progress = None,
) -> Comparison:
    """Run ``scenarios`` over the same blocks with the same seed and compare them.

    In this process, a group of blocks at a time (every scenario over a group, then
    the next): :class:`CompareBatch` with no directory, which gives the same bits on any
    executor.

    Parameters
    ----------
    scenarios : list of Scenario
        Two or more (one gives a comparison with no differences); the first is the baseline.
    reps : int
    seed : int
    engine : {"numpy", "simpy"}
    block_size : int, optional
    group_blocks : int, optional
        Blocks per group (memory only; never changes the result; default 32).
    progress : callable, optional
        Called with the number of replications finished since the last call (over all
        scenarios: ``reps * len(scenarios)`` in all).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Without scenarios or replications.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import compare
    >>> a, b = drawdown.load("doha-2021-05-01"), drawdown.load("announced-2021-09-11")
    >>> c = compare([a, b], 500, seed=1)
    >>> d = c.difference(1, "withdrawal_days")  # order to last out: the same draws
    >>> d.se_paired < d.se_unpaired
    True
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("nothing to compare")
    batch = CompareBatch(
        scenarios,
        seed,
        reps=check_reps(reps, block_size),
        engine=engine,
        block_size=block_size,
        group_blocks=group_blocks or DEFAULT_CHUNK_BLOCKS,
    )
    return batch.run(InProcess(), progress=progress)


def claim_compare_dir(out_dir: str | os.PathLike[str], *, resume: bool = False) -> DirectoryLock:
    """Check a comparison's output directory, make it and take its lock (``compare --out``).

    A new or empty directory is taken (temporaries of an interrupted start count as
    nothing, and are removed under the lock); one that holds anything else is refused
    before anything is written (:func:`drawdown.batch.check_dir_kind`), a comparison
    too unless ``resume`` (:class:`CompareBatch` then checks it is the same one).

    Raises
    ------
    DrawdownError
        Naming what the directory holds; for ``out_dir=""``;
        :class:`drawdown.results.DirectoryInUse`.

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.batch import claim_compare_dir
    >>> d = os.path.join(tempfile.mkdtemp(), "cmp")
    >>> with claim_compare_dir(d):
    ...     _ = drawdown.compare("doha-2021-05-01", "announced-2021-09-11", reps=100, seed=1).write(d)
    >>> claim_compare_dir(d)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: ...cmp: already holds a comparison (compare.json): resume=True finishes ...
    """
    out = Path(out_dir)

    def check() -> None:
        found = check_dir_kind(out, "comparison")
        if found.kind == "comparison" and not resume:
            raise DrawdownError(
                f"{out}: already holds a comparison ({found.evidence}): resume=True finishes an interrupted one; "
                "or give another out_dir, or remove it first"
            )

    lock = claim_directory(out_dir, check, what="comparison")
    try:
        remove_temporaries(out, [COMPARE_JSON, COMPARE_PLOT, COMPARE_CSV])
    except BaseException:
        lock.release()
        raise
    return lock
