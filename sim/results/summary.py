"""Exactly mergeable summaries of replications (docs/design.md §3, §6).

A :class:`Summary` holds everything the reports need about a set of replications,
in integers only: count histograms of the day outcomes (with a last bin for "never"
or "not out by the horizon"), histograms of counts (dense while the counts are small,
sparse beyond), integer sums and sums of
squares, event counts, and per-day histograms of troops in country and of retrograde
completion. Floats are computed only by the report methods, with the formulas of
:mod:`.stats`.

Because every merged quantity is an integer sum (or an integer min/max), merging is
exact, associative and commutative: the summaries of blocks merged in any order give
the same bits as one summary of all the blocks. A summary also keeps its book (scenario
hash, seed, engine, package, numpy and scipy versions, numpy's SIMD features, block
size, blocks covered) and refuses to merge with a summary that does not match it.

The module is the summary's data and its arithmetic: building one from outcomes
(:meth:`Summary.from_outcomes`), merging (:meth:`Summary.merge_all`) and reading
statistics off it. Its file is :mod:`.store`'s (:func:`.store.write_summary_file`), its
JSON document is made of :mod:`.document`'s pieces.

Example
-------
>>> import drawdown
>>> from drawdown.results import Summary
>>> from drawdown.batch import summarize
>>> s = drawdown.load("doha-2021-05-01")
>>> a = summarize(s, 200, seed=3, block_size=100, blocks=[(0, 100)])
>>> b = summarize(s, 200, seed=3, block_size=100, blocks=[(1, 100)])
>>> whole = summarize(s, 200, seed=3, block_size=100)
>>> Summary.merge_all([b, a]) == whole
True
>>> whole.n, whole.blocks
(200, ((0, 100), (1, 100)))
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..draws import BLOCK_SIZE, read_seed, seed_text
from ..engines import Outcomes
from ..errors import ResultError
from ..scenario import Scenario
from .book import DAY_TABLE_ENTRIES, TROOP_BINS, Book, book_of
from .document import (
    QUANTILE_KEYS,
    QUANTILES,
    SCHEMA_VERSION,
    contingent_entries,
    estimate_entry,
    json_number,
    probability_entry,
    quantile_dates,
    quantile_days,
    run_entries,
)
from .stats import (
    QUANTILE_CONFIDENCE,
    DayTable,
    Estimate,
    Probability,
    check_count_histogram,
    check_day_table,
    count_histogram,
    count_histogram_quantile,
    count_histogram_rank_value,
    day_table,
    day_table_ranks,
    exact_sums,
    histogram_quantile,
    histogram_rank_bin,
    join_day_tables,
    mean_estimate,
    median_between_modes,
    merge_count_histograms,
    merge_day_tables,
    proportion,
    quantile_interval_ranks,
    quantile_rank,
)
from .store import SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION, read_summary_file, summary_digest, write_summary_file

__all__ = [
    "Summary",
    "Book",
    "Estimate",
    "Probability",
    "DAY_HISTOGRAMS",
    "COUNT_HISTOGRAMS",
    "MOMENTS",
    "SPLIT_COUNTS",
    "EVENTS",
    "TROOP_BINS",
    "RETRO_BINS",
    "CENSORED_WARNING_FRACTION",
    "SCHEMA_VERSION",
    "FORMAT_VERSION",
    "CONTENT_VERSION",
    "DAY_TABLE_ENTRIES",
]

#: Version of the ``.npz`` summary file layout.
FORMAT_VERSION = SUMMARY_FORMAT_VERSION
#: Day outcomes kept as histograms of ``H + 1`` bins, the last one "never".
#: ``exit_day`` is (contingents, H + 1), ``base_closed_day`` (bases, H + 1).
DAY_HISTOGRAMS = ("decision_day", "met_day", "final_exit_day", "exit_day", "base_closed_day")
#: Count outcomes kept as histograms: dense (``bincount``, padded on merge) while the largest
#: count is below :data:`~drawdown.results.stats.DENSE_COUNT_BINS`, sparse ``(2, K)``
#: (values, how often) beyond (:func:`~drawdown.results.stats.count_histogram`).
COUNT_HISTOGRAMS = ("attacks", "casualties", "troops_at_deadline")
#: Count outcomes kept as exact integer sums and sums of squares.
MOMENTS = ("attacks", "casualties", "troop_days_past_deadline", "troops_at_deadline")
#: Count outcomes of a scenario that splits casualties (``threat.killed_per_attack``): kept
#: as count histograms and moments too, only in such a scenario's summaries.
SPLIT_COUNTS = ("killed", "wounded")
#: The day all of the force's equipment is gone (handed over, disposed of, out; model v2's
#: ``equipment_complete_day``, the latest of the contingents', -1 when any is not within
#: the horizon): a day histogram only in the summaries of a network engine's outcomes.
EQUIPMENT_DAY = "equipment_complete_day"
#: Boolean outcomes kept as counts of replications where they hold.
EVENTS = ("met_deadline", "left_before_conditions", "censored")
#: Version of what a summary holds (``content_version`` of its file's metadata, inside the
#: file format's :data:`FORMAT_VERSION`). 2: exact per-day histograms (day tables,
#: :class:`~drawdown.results.stats.DayTable`) and the seed as its decimal string. Version 1
#: (no ``content_version``) had binned per-day histograms, which cannot be made exact: a
#: file of version 1 with per-day data is refused (rerun it); one without is read.
CONTENT_VERSION = 2
#: The retrograde bins of content version 1 (``lifted * 200 // liftable``); no longer used.
RETRO_BINS = 200
#: More censored replications than this fraction deserve a loud warning (docs/design.md §3).
CENSORED_WARNING_FRACTION = 0.01

#: The two per-day quantities, each a day table (:class:`DayTable`) under ``NAME_level``,
#: ``NAME_start``, ``NAME_values`` and ``NAME_counts``: troops in country and tonnes lifted.
_TABLES = ("troops", "retro")
_TABLE_PARTS = DayTable._fields
#: The per-day arrays of ``H`` values each, merged by sum, minimum or maximum.
_DAY_ARRAYS = (
    "troops_sum",
    "troops_min",
    "troops_max",
    "troops_zero",
    "troops_full",
    "retro_min",
    "retro_max",
    "retro_zero",
    "retro_full",
)
_DAILY = _DAY_ARRAYS + tuple(f"{name}_{part}" for name in _TABLES for part in _TABLE_PARTS)
_INT63 = 2**63
#: Replication-days of per-day arrays summarised at a time (262 days of a block of 1,000
#: replications): each int64 working copy stays at 2 MiB whatever the horizon.
_DAILY_CELLS = 1 << 18

Arrays = dict[str, np.ndarray]


# -- the summary --------------------------------------------------------------------------
class Summary:
    """The exactly mergeable summary of a set of replications (docs/design.md §3).

    Build one with :meth:`from_outcomes` (one chunk of an engine's outcomes) or
    :func:`drawdown.batch.summarize` (run an engine), join them with :meth:`merge` /
    :meth:`merge_all`, store them with :meth:`to_npz` / :meth:`from_npz`, and read
    them with the report methods (:meth:`quantile`, :meth:`estimate`,
    :meth:`probability`, :meth:`p_out_by`, :meth:`daily_troops_quantiles`,
    :meth:`daily_retrograde_quantiles`, :meth:`contingent_exit_quantiles`,
    :meth:`to_json_dict`).

    Attributes
    ----------
    book : Book
        What it summarises; see :class:`Book`.
    scenario_name : str
        Name of the scenario (informative; merging checks the hash, not the name).
    n : int
        Replications.
    blocks : tuple of (int, int)
        ``(block, rows)`` covered, in block order.
    hist : dict of str to ndarray (int64)
        Day histograms (:data:`DAY_HISTOGRAMS`; last bin "never", for
        ``final_exit_day`` and ``exit_day`` "not out by the horizon") and count
        histograms under ``"attacks"``, ``"casualties"``, ``"troops_at_deadline"``
        (:data:`COUNT_HISTOGRAMS`): ``bincount`` while the largest count is below
        ``DENSE_COUNT_BINS``, else the ``(2, K)`` array of values and how often each
        occurs.
    sums, sumsq : dict of str to int
        Exact sums and sums of squares of :data:`MOMENTS`.
    events : dict of str to int
        Replications where each of :data:`EVENTS` holds.
    daily : dict of str to ndarray, or None
        Per-day data (None when the outcomes had none), all int64: for troops in
        country (``troops``) and tonnes lifted (``retro``) a day table
        (:class:`~drawdown.results.stats.DayTable`: each day's distinct values and how
        often each occurs) under ``NAME_level``, ``NAME_start``, ``NAME_values``,
        ``NAME_counts``; and ``(H,)`` arrays ``troops_sum``, ``troops_min``,
        ``troops_max``, ``troops_zero`` / ``troops_full`` (replications with no troops /
        all troops in country), ``retro_min``, ``retro_max``, ``retro_zero`` /
        ``retro_full`` (nothing / everything liftable lifted).
    """

    def __init__(
        self,
        *,
        book: Book,
        scenario_name: str,
        n: int,
        blocks: Iterable[Sequence[int]],
        hist: Arrays,
        sums: dict[str, int],
        sumsq: dict[str, int],
        events: dict[str, int],
        daily: Arrays | None,
    ) -> None:
        self.book = book
        self.scenario_name = str(scenario_name)
        self.n = int(n)
        self.blocks = tuple((int(b), int(r)) for b, r in blocks)
        self.hist = hist
        self.sums = {k: int(v) for k, v in sums.items()}
        self.sumsq = {k: int(v) for k, v in sumsq.items()}
        self.events = {k: int(v) for k, v in events.items()}
        self.daily = daily

    # -- convenient views of the book ---------------------------------------------------
    @property
    def scenario_hash(self) -> str:
        return self.book.scenario_hash

    @property
    def seed(self) -> int:
        return self.book.seed

    @property
    def engine(self) -> str:
        return self.book.engine

    @property
    def block_size(self) -> int:
        return self.book.block_size

    @property
    def horizon_days(self) -> int:
        return self.book.horizon_days

    @property
    def deadline_day(self) -> int | None:
        return self.book.deadline_day

    @property
    def censored(self) -> int:
        """Replications not out by the horizon."""
        return self.events["censored"]

    @property
    def out_by_horizon(self) -> int:
        """Replications out by the horizon (``n - censored``)."""
        return self.n - self.events["censored"]

    @property
    def censored_fraction(self) -> float:
        return self.censored / self.n if self.n else math.nan

    @property
    def splits_casualties(self) -> bool:
        """Whether the summary counts killed and wounded (a scenario that splits casualties)."""
        return "killed" in self.hist

    @property
    def has_daily(self) -> bool:
        return self.daily is not None

    def __repr__(self) -> str:
        return (
            f"<Summary {self.scenario_name!r} hash {self.scenario_hash[:12]} seed {self.seed} "
            f"{self.engine}: {self.n} replications in {len(self.blocks)} blocks>"
        )

    # -- building -----------------------------------------------------------------------
    @classmethod
    def from_outcomes(
        cls,
        scenario: Scenario,
        outcomes: Outcomes,
        *,
        blocks: Iterable[Sequence[int]],
        seed: int,
        engine: str,
        block_size: int = BLOCK_SIZE,
    ) -> Summary:
        """Summarise one chunk of an engine's outcomes.

        Parameters
        ----------
        scenario : Scenario
            The scenario the outcomes come from.
        outcomes : Outcomes
            The replications of ``blocks``, in block order and row order. Per-day
            arrays (``troops_in_country``, ``retrograde_lifted_t``) are summarised when
            present; without them the summary has no per-day part (``daily is None``).
        blocks : list of (int, int)
            The ``(block, rows)`` pairs the outcomes cover; their rows must add up to
            ``len(outcomes)``.
        seed : int
        engine : str
            ``"numpy"`` or ``"simpy"``.
        block_size : int, optional
            The block size the engine ran with.

        Returns
        -------
        Summary

        Raises
        ------
        ValueError
            When the blocks or the outcomes' shapes and values do not fit the scenario.

        Examples
        --------
        >>> import drawdown
        >>> from drawdown.engines import iter_chunks
        >>> from drawdown.results import Summary
        >>> s = drawdown.load("doha-2021-05-01")
        >>> [(blocks, out)] = list(iter_chunks(s, 50, 1, block_size=50))
        >>> summary = Summary.from_outcomes(s, out, blocks=blocks, seed=1, engine="numpy", block_size=50)
        >>> summary.n, summary.hist["exit_day"].shape
        (50, (40, 541))
        """
        book = book_of(scenario, seed=seed, engine=engine, block_size=block_size)
        n = len(outcomes)
        checked = _checked_blocks(blocks, book.block_size, n)
        _check_outcome_shapes(scenario.name, outcomes, book)
        hist = _histograms(outcomes, book.horizon_days)
        sums, sumsq = _moments(outcomes)
        return cls(
            book=book,
            scenario_name=scenario.name,
            n=n,
            blocks=checked,
            hist=hist,
            sums=sums,
            sumsq=sumsq,
            events=_events(outcomes),
            daily=_daily_of(outcomes, book),
        )

    # -- merging --------------------------------------------------------------------------
    def merge(self, other: Summary) -> Summary:
        """The summary of both sets of replications (a new summary).

        Exact: the result does not depend on the order of the operands.

        Raises
        ------
        ResultError
            When the books differ (scenario hash, seed, engine, block size, versions,
            SIMD features), one has per-day data and the other not, or they share a
            block.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> s = drawdown.load("doha-2021-05-01")
        >>> a = summarize(s, 100, seed=5, block_size=50, blocks=[(0, 50)])
        >>> b = summarize(s, 100, seed=5, block_size=50, blocks=[(1, 50)])
        >>> a.merge(b) == b.merge(a) == summarize(s, 100, seed=5, block_size=50)
        True
        """
        return Summary.merge_all([self, other])

    def add_outcomes(
        self,
        scenario: Scenario,
        outcomes: Outcomes,
        *,
        blocks: Iterable[Sequence[int]],
        seed: int,
        engine: str,
        block_size: int = BLOCK_SIZE,
    ) -> Summary:
        """This summary merged with the summary of a chunk's outcomes, per-day arrays in place.

        ``self.merge(Summary.from_outcomes(scenario, outcomes, ...))``, the same summary,
        without a second copy of the whole horizon's per-day histograms: the chunk's
        per-day arrays are summarised a few days at a time straight into this summary's,
        which the result takes over. This summary must not be used afterwards.

        Parameters
        ----------
        scenario, outcomes, blocks, seed, engine, block_size
            As in :meth:`from_outcomes`.

        Returns
        -------
        Summary

        Raises
        ------
        ValueError, ResultError
            As :meth:`from_outcomes` and :meth:`merge`.

        Examples
        --------
        >>> import drawdown
        >>> from drawdown.engines import iter_chunks
        >>> s = drawdown.load("doha-2021-05-01")
        >>> (b0, o0), (b1, o1) = iter_chunks(s, 100, 1, block_size=50, chunk_blocks=1)
        >>> kw = dict(seed=1, engine="numpy", block_size=50)
        >>> merged = Summary.from_outcomes(s, o0, blocks=b0, **kw).merge(Summary.from_outcomes(s, o1, blocks=b1, **kw))
        >>> Summary.from_outcomes(s, o0, blocks=b0, **kw).add_outcomes(s, o1, blocks=b1, **kw) == merged
        True
        """
        plain = replace(outcomes, troops_in_country=None, retrograde_lifted_t=None)
        part = Summary.from_outcomes(scenario, plain, blocks=blocks, seed=seed, engine=engine, block_size=block_size)
        has_daily = outcomes.troops_in_country is not None and outcomes.retrograde_lifted_t is not None
        if self.has_daily != has_daily:
            raise ResultError("cannot merge a summary with per-day data and one without")
        merged = Summary.merge_all([self.without_daily(), part])
        if self.daily is None:
            return merged
        if self.book.total_troops * merged.n >= _INT63:  # troops_sum, as in a merge
            raise ResultError(
                f"{merged.n} replications of {self.book.total_troops} troops are too many for exact per-day sums"
            )
        _daily_of(outcomes, self.book, into=self.daily)
        merged.daily, self.daily = self.daily, None
        return merged

    def without_daily(self) -> Summary:
        """This summary without its per-day part (the other arrays shared, not copied).

        >>> import drawdown
        >>> from drawdown.batch import summarize
        >>> summarize(drawdown.load("doha-2021-05-01"), 10, seed=1).without_daily().has_daily
        False
        """
        return Summary(
            book=self.book,
            scenario_name=self.scenario_name,
            n=self.n,
            blocks=self.blocks,
            hist=self.hist,
            sums=self.sums,
            sumsq=self.sumsq,
            events=self.events,
            daily=None,
        )

    @staticmethod
    def merge_all(summaries: Iterable[object]) -> Summary:
        """Merge summaries, taken in block order whatever order they come in.

        Parameters
        ----------
        summaries : iterable of Summary
            At least one, nothing but summaries.

        Returns
        -------
        Summary

        Raises
        ------
        ResultError
            As :meth:`merge`; also for an empty list.
        TypeError
            For something that is not a summary.

        Examples
        --------
        >>> import drawdown
        >>> from drawdown.batch import summarize
        >>> from drawdown.results import Summary
        >>> s = drawdown.load("doha-2021-05-01")
        >>> parts = [summarize(s, 150, seed=4, block_size=50, blocks=[(b, 50)]) for b in (2, 0, 1)]
        >>> Summary.merge_all(parts).blocks
        ((0, 50), (1, 50), (2, 50))
        """
        parts = _in_block_order(summaries)
        _check_mergeable(parts)
        first = parts[0]
        if len(parts) == 1:
            return first.copy()
        n = sum(p.n for p in parts)
        return Summary(
            book=first.book,
            scenario_name=first.scenario_name,
            n=n,
            blocks=sorted(bl for p in parts for bl in p.blocks),
            hist=_merged_histograms(parts),
            sums=_added([p.sums for p in parts], list(first.sums)),
            sumsq=_added([p.sumsq for p in parts], list(first.sumsq)),
            events=_added([p.events for p in parts], EVENTS),
            daily=_merged_daily(parts, n) if first.has_daily else None,
        )

    def copy(self) -> Summary:
        """A copy that shares no array with this summary."""
        return Summary(
            book=self.book,
            scenario_name=self.scenario_name,
            n=self.n,
            blocks=self.blocks,
            hist={k: v.copy() for k, v in self.hist.items()},
            sums=dict(self.sums),
            sumsq=dict(self.sumsq),
            events=dict(self.events),
            daily=None if self.daily is None else {k: v.copy() for k, v in self.daily.items()},
        )

    # -- identity ----------------------------------------------------------------------------
    def _meta(self) -> dict:
        """The summary's metadata: what its file's ``__meta__`` holds."""
        return {
            "format": SUMMARY_FORMAT,
            "format_version": FORMAT_VERSION,
            "content_version": CONTENT_VERSION,
            "book": {**asdict(self.book), "seed": seed_text(self.book.seed)},
            "scenario_name": self.scenario_name,
            "n": self.n,
            "blocks": [list(b) for b in self.blocks],
            "sums": self.sums,
            "sumsq": self.sumsq,
            "events": self.events,
            "daily": self.has_daily,
        }

    def _arrays(self) -> Arrays:
        """The summary's arrays by file member name: ``hist.NAME`` and ``daily.NAME``."""
        out = {f"hist.{k}": v for k, v in self.hist.items()}
        if self.daily is not None:
            out.update({f"daily.{k}": v for k, v in self.daily.items()})
        return out

    def replications_meta(self) -> dict[str, object]:
        """What ``replications.npz`` records beside the outcomes: the run's identity and versions."""
        b = self.book
        return {
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "seed": seed_text(self.seed),
            "engine": self.engine,
            "version": b.version,
            "reps": self.n,
            "block_size": b.block_size,
            "layout_version": b.layout_version,
            "numpy_version": b.numpy_version,
            "scipy_version": b.scipy_version,
        }

    def fingerprint(self) -> str:
        """sha256 of the whole summary (book, counts, sums and every array's bytes).

        Two summaries have the same fingerprint exactly when they are equal.
        """
        return summary_digest(json.dumps(self._meta(), sort_keys=True), self._arrays())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Summary):
            return NotImplemented
        if self._meta() != other._meta():
            return False
        a, b = self._arrays(), other._arrays()
        return a.keys() == b.keys() and all(
            a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a
        )

    __hash__ = None  # type: ignore[assignment]

    # -- files ----------------------------------------------------------------------------------
    def to_npz(self, path: str | os.PathLike[str]) -> Path:
        """Write the summary to ``path`` (an ``.npz`` file, no pickles), atomically.

        The file is written to a temporary name in the same directory, flushed to disk
        and renamed over ``path``. Two sha256 checksums are checked by
        :meth:`from_npz`: one of the summary's contents (metadata and arrays) stored
        as the array ``__sha256__``, and one of the file's bytes stored at its very
        end (the zip archive comment), so a truncated file or any flipped byte is
        caught. The metadata (book, counts, exact sums as JSON integers) is the
        0-d string array ``__meta__``; histograms are ``hist.NAME``, per-day arrays
        ``daily.NAME``, all int64. The format is :func:`drawdown.results.write_summary_file`'s.

        Returns
        -------
        Path
            ``path``, exactly as given (no ``.npz`` is appended).

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> from drawdown.results import Summary
        >>> import drawdown, tempfile, os
        >>> s = drawdown.load("doha-2021-05-01")
        >>> summary = summarize(s, 20, seed=1, block_size=20)
        >>> path = os.path.join(tempfile.mkdtemp(), "summary.npz")
        >>> Summary.from_npz(summary.to_npz(path)) == summary
        True
        """
        return write_summary_file(path, self._meta(), self._arrays())

    @classmethod
    def from_npz(cls, path: str | os.PathLike[str]) -> Summary:
        """Read a summary written by :meth:`to_npz`, checking its checksums and shapes
        (:func:`drawdown.results.read_summary_file`).

        Raises
        ------
        ResultError
            When the file is missing, truncated, corrupt, not a summary, or of
            another format version, or holds binned per-day data of an older drawdown
            (content version 1: rerun); the message names the file.
        """
        return read_summary_file(path, lambda meta, arrays: cls._from_record(meta, arrays, path))

    @classmethod
    def _from_record(cls, meta: dict, arrays: Arrays, path: str | os.PathLike[str] = "summary") -> Summary:
        """The summary of a file's metadata and arrays, its shapes checked; a file of
        content version 1 with per-day data (binned) is refused, one without is read."""
        version = meta.get("content_version", 1)
        if version != CONTENT_VERSION and not (version == 1 and not meta["daily"]):
            raise ResultError(
                f"{path}: a summary of content version {version} (binned per-day bands) from an older "
                f"drawdown; this drawdown reads version {CONTENT_VERSION}: run it again (with a new --out)"
            )
        book = Book(**{**meta["book"], "seed": read_seed(meta["book"]["seed"], f"{path}: book.seed")})
        hist = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("hist.")}
        daily = None
        if meta["daily"]:
            daily = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("daily.")}
        summary = cls(
            book=book,
            scenario_name=meta["scenario_name"],
            n=meta["n"],
            blocks=meta["blocks"],
            hist=hist,
            sums=meta["sums"],
            sumsq=meta["sumsq"],
            events=meta["events"],
            daily=daily,
        )
        summary._check_shapes()
        return summary

    def _check_shapes(self) -> None:
        _check_histograms(self.hist, self.book, self.n)
        if self.daily is not None:
            _check_daily_shapes(self.daily, self.book, self.n)
        moments = set(MOMENTS) | (set(SPLIT_COUNTS) if self.splits_casualties else set())
        if set(self.sums) != moments or set(self.sumsq) != moments or set(self.events) != set(EVENTS):
            raise ValueError("sums or events incomplete")
        if sum(r for _, r in self.blocks) != self.n or int(self.hist["final_exit_day"].sum()) != self.n:
            raise ValueError("replication counts disagree")

    # -- reports -----------------------------------------------------------------------------
    def _need_reps(self) -> None:
        if self.n == 0:
            raise ResultError("the summary has no replications")

    def _histogram(self, name: str, index: int | None) -> tuple[np.ndarray, bool]:
        if name not in self.hist:
            raise KeyError(f"no histogram {name!r}; have {sorted(self.hist)}")
        h = self.hist[name]
        if name in COUNT_HISTOGRAMS or name in SPLIT_COUNTS:
            if index is not None:
                raise ValueError(f"{name} takes no index")
        elif h.ndim == 2:
            if index is None:
                raise ValueError(
                    f"{name} has one histogram per {'contingent' if name == 'exit_day' else 'base'}: give index"
                )
            h = h[int(index)]
        elif index is not None:
            raise ValueError(f"{name} takes no index")
        return h, name in DAY_HISTOGRAMS or name == EQUIPMENT_DAY

    def quantile(self, name: str, q: float, *, index: int | None = None) -> int | None:
        """The ``q`` quantile of an integer outcome, exactly.

        The smallest value ``v`` with ``count(x <= v) >= q * n`` (numpy's
        ``inverted_cdf``, :func:`drawdown.results.quantile_rank`), with "never" / "not
        out by the horizon" sorting after every day. A quantile that falls in that bin
        is ``None``.

        Parameters
        ----------
        name : str
            A day outcome (``"decision_day"``, ``"met_day"``, ``"final_exit_day"``,
            ``"exit_day"``, ``"base_closed_day"``) or a count (``"attacks"``,
            ``"casualties"``, ``"troops_at_deadline"``).
        q : float
            In [0, 1].
        index : int, optional
            Contingent (``exit_day``, scenario order) or base (``base_closed_day``).

        Returns
        -------
        int or None

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> s = drawdown.load("doha-2021-05-01")
        >>> summary = summarize(s, 100, seed=2, block_size=100)
        >>> lo, mid, hi = (summary.quantile("final_exit_day", q) for q in (0.05, 0.5, 0.95))
        >>> lo <= mid <= hi
        True
        >>> summary.quantile("exit_day", 0.5, index=0) <= mid
        True
        """
        self._need_reps()
        h, has_never = self._histogram(name, index)
        if not has_never:  # a count: dense or sparse
            return count_histogram_quantile(h, self.n, q)
        i = histogram_quantile(h, self.n, q)
        if has_never and i == len(h) - 1:
            return None
        return i

    def quantiles(self, name: str, qs: Sequence[float] = QUANTILES, *, index: int | None = None) -> list[int | None]:
        """:meth:`quantile` for each of ``qs``."""
        return [self.quantile(name, q, index=index) for q in qs]

    def quantile_interval(
        self, name: str, q: float, *, index: int | None = None, confidence: float = QUANTILE_CONFIDENCE
    ) -> tuple[int | None, int | None]:
        """The Monte Carlo ``confidence`` interval of the ``q`` quantile of an integer
        outcome: ``(low, high)``, distribution-free, from the exact histograms.

        The values of the order statistics of ranks
        :func:`~drawdown.results.stats.quantile_interval_ranks` (exact binomial ranks):
        another run of as many replications with another seed would give a quantile inside
        it about 95% of the time. An end that falls among replications not out by the
        horizon (or never decided) is ``None``, as in :meth:`quantile`. A wide interval
        says the quantile is unstable at this number of replications (see
        :meth:`warnings` for a median between two modes).

        Parameters
        ----------
        name, q, index
            As in :meth:`quantile`.
        confidence : float, optional
            0.95 by default.

        Returns
        -------
        (int or None, int or None)

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 400, seed=2, block_size=100)
        >>> low, high = summary.quantile_interval("final_exit_day", 0.5)
        >>> low <= summary.quantile("final_exit_day", 0.5) <= high
        True
        """
        self._need_reps()
        h, has_never = self._histogram(name, index)
        ranks = quantile_interval_ranks(self.n, q, confidence)
        if not has_never:
            low, high = (count_histogram_rank_value(h, r) for r in ranks)
            return low, high
        bins = [histogram_rank_bin(h, r) for r in ranks]
        return (None if bins[0] == len(h) - 1 else bins[0]), (None if bins[1] == len(h) - 1 else bins[1])

    def quantile_intervals(
        self, name: str, qs: Sequence[float] = QUANTILES, *, index: int | None = None
    ) -> list[tuple[int | None, int | None]]:
        """:meth:`quantile_interval` for each of ``qs``."""
        return [self.quantile_interval(name, q, index=index) for q in qs]

    def contingent_exit_quantiles(self, qs: Sequence[float] = QUANTILES) -> list[list[int | None]]:
        """Exit-day quantiles of each contingent, in scenario order: ``C`` lists of ``len(qs)``.

        ``None`` where a quantile falls among replications where the contingent is
        not out by the horizon.
        """
        return [self.quantiles("exit_day", qs, index=i) for i in range(self.book.n_contingents)]

    def estimate(self, name: str) -> Estimate:
        """Mean of a count outcome with its Monte Carlo standard error.

        ``se = sqrt(s² / n)`` with the sample variance ``s²`` computed from the exact
        integer sums (``nan`` for fewer than two replications):
        :func:`drawdown.results.mean_estimate`.

        Parameters
        ----------
        name : str
            One of :data:`MOMENTS`.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> e = summary.estimate("casualties")
        >>> e.n, e.mean >= 0, e.se >= 0
        (100, True, True)
        """
        if name not in self.sums:
            raise KeyError(f"no sums of {name!r}; have {sorted(self.sums)}")
        self._need_reps()
        return mean_estimate(self.n, self.sums[name], self.sumsq[name])

    def mean(self, name: str) -> float:
        """Mean of a count outcome (see :meth:`estimate`)."""
        return self.estimate(name).mean

    def probability(self, name: str) -> Probability | None:
        """Probability of an event with its standard error and Wilson interval.

        Parameters
        ----------
        name : str
            ``"met_deadline"`` (``None`` for a scenario without a deadline),
            ``"out_by_horizon"``, ``"censored"``, ``"left_before_conditions"`` (``None``
            for a scenario whose model does not read the conditions index).

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> p = summary.probability("out_by_horizon")
        >>> p.n, p.low <= p.value <= p.high
        (100, True)
        """
        self._need_reps()
        if name == "met_deadline" and self.book.deadline_day is None:
            return None
        if name == "left_before_conditions" and not self.book.models_conditions:
            return None  # the scenario does not model the conditions (drawdown.draws.reads_conditions)
        if name == "out_by_horizon":
            k = self.out_by_horizon
        elif name in self.events:
            k = self.events[name]
        else:
            raise KeyError(f"no event {name!r}; have {sorted(self.events) + ['out_by_horizon']}")
        return proportion(k, self.n)

    @property
    def has_equipment_day(self) -> bool:
        """Whether it holds the day the force's equipment is all gone (a network engine's summary)."""
        return EQUIPMENT_DAY in self.hist

    def p_equipment_by(self, day: int) -> Probability:
        """Probability that all the force's equipment is gone (handed over, disposed of in
        place, out) by the end of ``day``; a KeyError for a summary without it (v1 engines)."""
        self._need_reps()
        if not self.has_equipment_day:
            raise KeyError(f"no histogram {EQUIPMENT_DAY!r}: only a network engine's summary has it")
        h = self.hist[EQUIPMENT_DAY]
        return proportion(int(h[: max(int(day), -1) + 1].sum()), self.n)

    def p_out_by(self, day: int | None = None) -> np.ndarray | float:
        """Probability that the whole force is out by the end of ``day``.

        With no ``day``, the curve for days ``0 .. H-1`` as a float64 array (for exit
        date plots); ``p_out_by()[deadline_day]`` is the probability of meeting the
        deadline and ``p_out_by()[-1]`` that of being out by the horizon.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> curve = summary.p_out_by()
        >>> curve.shape, bool((curve[1:] >= curve[:-1]).all())
        ((540,), True)
        >>> bool(curve[summary.deadline_day] == summary.probability("met_deadline").value)
        True
        """
        self._need_reps()
        curve = np.cumsum(self.hist["final_exit_day"][:-1]) / self.n
        if day is None:
            return curve
        day = int(day)
        if day < 0:
            return 0.0
        return float(curve[min(day, len(curve) - 1)])

    def _need_daily(self) -> Arrays:
        """The per-day data; an error without it or without replications."""
        if self.daily is None:
            raise ResultError("the summary has no per-day data (run with per-day outcomes recorded)")
        self._need_reps()
        return self.daily

    def _daily_table_values(self, name: str, qs: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per quantile and day of the day table ``name``: the rank (``(len(qs), 1)``), the
        stored value (``(len(qs), H)``, the quantity itself where exact) and the day's level."""
        d = self._need_daily()
        table = _table(d, name)
        ranks = np.array([quantile_rank(self.n, q) for q in qs], dtype=np.int64).reshape(-1, 1)
        return ranks, day_table_ranks(table, ranks.ravel().tolist()), table.level

    def _daily_band(self, name: str, qs: Sequence[float], top: int) -> np.ndarray:
        """The quantiles of the per-day quantity ``name`` (values in ``0..top``) as float64:
        exact where the day's level is 0; elsewhere the centre of the bin, clipped to the
        day's extremes, and exactly 0 or ``top`` where the rank falls among those."""
        d = self._need_daily()
        ranks, stored, level = self._daily_table_values(name, qs)
        low = stored << level[None, :]
        high = np.minimum(low + (np.int64(1) << level[None, :]) - 1, top)
        value = np.where(level[None, :] == 0, low, (low + high) / 2.0)
        value = np.clip(value, d[f"{name}_min"][None, :], d[f"{name}_max"][None, :]).astype(np.float64)
        value = np.where(ranks <= d[f"{name}_zero"][None, :], 0.0, value)
        return np.where(ranks > self.n - d[f"{name}_full"][None, :], float(top), value)

    def daily_troops_quantiles(self, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of troops in country at the end of each day: ``(len(qs), H)`` float64.

        Exact: each is one of the day's simulated values (a whole number of soldiers), the
        order statistic of rank :func:`~drawdown.results.quantile_rank` (numpy's
        ``inverted_cdf``), read off the day's table of distinct values. A day with more
        distinct values than the book's :attr:`~drawdown.results.Book.day_value_cap` (none
        in the shipped scenarios at their default horizon) is kept in bins of a power of
        two and reported by the bin's centre, clipped to the day's extremes (exact at no
        troops and at the whole force): :meth:`daily_bands_exact` says which days.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> bands = summary.daily_troops_quantiles((0.05, 0.5, 0.95))
        >>> bands.shape, float(bands[1, 0]), float(bands[1, -1])
        ((3, 540), 9600.0, 0.0)
        >>> bool(summary.daily_bands_exact()["troops"].all())
        True
        """
        return self._daily_band("troops", qs, self.book.total_troops)

    def daily_troops_mean(self) -> np.ndarray:
        """Mean troops in country at the end of each day, ``(H,)`` float64 (exact sums)."""
        return self._need_daily()["troops_sum"] / self.n

    def daily_retrograde_tonnes_quantiles(self, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of the tonnes lifted by each day's end: ``(len(qs), H)`` float64,
        each one of the day's simulated (integer) values where :meth:`daily_bands_exact`
        says so, as :meth:`daily_troops_quantiles`."""
        return self._daily_band("retro", qs, self.book.liftable_t)

    def daily_retrograde_quantiles(self, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of the retrograde completed by each day's end (fraction of the
        liftable tonnes lifted): ``(len(qs), H)`` float64 in [0, 1].

        The exact quantile of the tonnes lifted (:meth:`daily_retrograde_tonnes_quantiles`,
        an integer) over the liftable tonnes; with nothing liftable, every day is 1.0.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> r = summary.daily_retrograde_quantiles((0.05, 0.5, 0.95))
        >>> float(r[1, 0]), float(r[1, -1])
        (0.0, 1.0)
        """
        tonnes = self.daily_retrograde_tonnes_quantiles(qs)
        if self.book.liftable_t == 0:
            return np.ones(tonnes.shape)
        return tonnes / self.book.liftable_t

    def daily_bands_exact(self) -> dict[str, np.ndarray]:
        """Which days' bands are exact: ``{"troops": (H,) bool, "retrograde": (H,) bool}``.

        A day is exact when its table keeps every distinct value (level 0); otherwise its
        quantiles are within half a bin (:meth:`daily_troops_quantiles`).
        """
        d = self._need_daily()
        return {"troops": d["troops_level"] == 0, "retrograde": d["retro_level"] == 0}

    def median_between_modes(self, name: str) -> tuple[int, int, int] | None:
        """``(left_mode, median, right_mode)`` days when the median of the day outcome
        ``name`` (``"decision_day"`` or ``"final_exit_day"``) sits between two modes, else
        ``None``: the criterion of :func:`drawdown.results.stats.median_between_modes`
        (a week's smoothed mass around the median below half of the peak on each side,
        each peak at least 5% of the replications).

        Such a median is a poor headline: another seed can move it from one mode to the
        other (the shipped ``doha-2021-05-01`` at 20,000 replications: the decision
        median on 2021-02-18 or 2021-03-23).
        """
        self._need_reps()
        return median_between_modes(self.hist[name][:-1], self.n)

    def warnings(self) -> list[str]:
        """Messages an analyst must see (on stderr): more than 1% censored replications;
        a median of the decision day or of the final exit day between two modes
        (:meth:`median_between_modes`)."""
        out = []
        if self.n and self.censored > CENSORED_WARNING_FRACTION * self.n:
            out.append(
                f"{self.censored} of {self.n} replications ({100 * self.censored_fraction:.1f}%) are not out "
                f"by the horizon (day {self.horizon_days - 1}): exit quantiles among them are unknown; "
                "a longer horizon would resolve them"
            )
        for name, what in (("decision_day", "decision day"), ("final_exit_day", "final exit day")):
            modes = self.median_between_modes(name) if self.n else None
            if modes is not None:
                left, median, right = modes
                out.append(
                    f"the {what} has two modes (around days {left} and {right}) with little between them: "
                    f"its median (day {median}) can jump from one to the other with another seed; report "
                    "both modes or the distribution rather than the median"
                )
        return out

    # -- JSON ---------------------------------------------------------------------------------
    def to_json_dict(self, scenario: Scenario) -> dict:
        """The key outcomes as plain JSON data (the ``--json`` output).

        Quantiles are ``p5``, ``p50``, ``p95``; a quantile that falls among
        replications not out by the horizon (or never decided) is ``None``; so are
        standard errors of fewer than two replications. Without a deadline,
        ``deadline``, ``p_met_deadline``, ``troops_at_deadline`` and
        ``troop_days_past_deadline`` are ``None``. Each quantile ``pX`` of a day (decision,
        final exit, each contingent's exit) comes with ``pX_ci``, its order-statistic 95%
        interval ``[low, high]`` (:meth:`quantile_interval`); the counts (casualties,
        attacks, troops at the deadline) give ``p50`` and ``p95`` with ``p50_ci`` and
        ``p95_ci``. The seed is its decimal string (:func:`drawdown.draws.seed_text`): 128
        bits are no JSON number that ``jq`` or pandas keep. The pieces are
        :mod:`drawdown.results.document`'s.

        Parameters
        ----------
        scenario : Scenario
            The scenario summarised (for names and dates); its hash must match.

        Raises
        ------
        ResultError
            When the scenario's hash is not the summary's.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown, json
        >>> s = drawdown.load("doha-2021-05-01")
        >>> d = summarize(s, 100, seed=2, block_size=100).to_json_dict(s)
        >>> d["schema_version"], d["replications"], d["deadline"]
        (1, 100, '2021-05-01')
        >>> sorted(d["final_exit_date"])
        ['p5', 'p50', 'p50_ci', 'p5_ci', 'p95', 'p95_ci']
        >>> d["seed"]
        '2'
        >>> _ = json.dumps(d, allow_nan=False)
        """
        if scenario.hash != self.scenario_hash:
            raise ResultError(
                f"summary is of scenario hash {self.scenario_hash[:12]}, "
                f"not of {scenario.name!r} ({scenario.hash[:12]})"
            )
        self._need_reps()
        return {
            "schema_version": SCHEMA_VERSION,
            **run_entries(self.book, scenario, self.n),
            "seed": seed_text(self.seed),  # a string: 128 bits are no JSON number readers keep
            **self._json_outcomes(scenario),
        }

    def _json_outcomes(self, scenario: Scenario) -> dict:
        """The document's outcomes, from ``p_met_deadline`` to ``contingents``."""
        has_deadline = self.book.deadline_day is not None
        decision_day, decision_date = self._json_quantiles(scenario, "decision_day")
        final_day, final_date = self._json_quantiles(scenario, "final_exit_day")
        return {
            "p_met_deadline": probability_entry(self.probability("met_deadline")),
            "p_out_by_horizon": probability_entry(self.probability("out_by_horizon")),
            "decision_day": decision_day,
            "decision_date": decision_date,
            "final_exit_day": final_day,
            "final_exit_date": final_date,
            "censored": {"count": self.censored, "fraction": json_number(self.censored_fraction)},
            "troops_at_deadline": self._json_estimate("troops_at_deadline") if has_deadline else None,
            "troop_days_past_deadline": (
                estimate_entry(self.estimate("troop_days_past_deadline")) if has_deadline else None
            ),
            **self._json_equipment(scenario),
            "casualties": self._json_estimate("casualties"),
            **{k: self._json_estimate(k) for k in SPLIT_COUNTS if self.splits_casualties},
            "attacks": self._json_estimate("attacks"),
            "p_left_before_conditions": probability_entry(self.probability("left_before_conditions")),
            "contingents": self._json_contingents(scenario),
        }

    def _json_quantiles(self, scenario: Scenario, name: str, index: int | None = None) -> tuple[dict, dict]:
        """The :data:`QUANTILES` of a day outcome as days and as dates, each ``pX`` with its
        interval ``pX_ci`` (:meth:`quantile_interval`: ``[low, high]``, ``None`` ends not out)."""
        days: dict[str, Any] = quantile_days(self.quantiles(name, QUANTILES, index=index))
        dates: dict[str, Any] = quantile_dates(scenario, list(days.values()))
        for key, (low, high) in zip(QUANTILE_KEYS, self.quantile_intervals(name, QUANTILES, index=index), strict=True):
            days[f"{key}_ci"] = [low, high]
            dates[f"{key}_ci"] = [None if d is None else scenario.date_of(d).isoformat() for d in (low, high)]
        return days, dates

    def _json_equipment(self, scenario: Scenario) -> dict:
        """The day the force's equipment is all gone and P(by the deadline), where the summary has it."""
        if not self.has_equipment_day:
            return {}
        days, dates = self._json_quantiles(scenario, EQUIPMENT_DAY)
        D = self.book.deadline_day
        return {
            "equipment_complete_day": days,
            "equipment_complete_date": dates,
            "p_equipment_complete_by_deadline": None if D is None else probability_entry(self.p_equipment_by(D)),
        }

    def _json_contingents(self, scenario: Scenario) -> list[dict]:
        """:func:`.document.contingent_entries`, each exit quantile with its interval."""
        entries = contingent_entries(scenario, self.contingent_exit_quantiles(QUANTILES))
        for i, entry in enumerate(entries):
            entry["exit_day"], entry["exit_date"] = self._json_quantiles(scenario, "exit_day", i)
        return entries

    def _json_estimate(self, name: str) -> dict:
        """A count's mean and standard error, its median and 95% quantile with their
        intervals (``p50_ci``, ``p95_ci``), as JSON."""
        (m_low, m_high), (t_low, t_high) = self.quantile_intervals(name, (0.5, 0.95))
        return {
            **estimate_entry(self.estimate(name)),
            "p95": self.quantile(name, 0.95),
            "p95_ci": [t_low, t_high],
            "p50": self.quantile(name, 0.5),
            "p50_ci": [m_low, m_high],
        }


# -- from outcomes: the parts of a summary ---------------------------------------------------
def _checked_blocks(blocks: Iterable[Sequence[int]], block_size: int, n: int) -> list[tuple[int, int]]:
    """The ``(block, rows)`` pairs in block order, each block once, ``n`` rows in all."""
    out = sorted((int(b), int(r)) for b, r in blocks)
    if not out:
        raise ValueError("a summary needs at least one block")
    for i, (b, r) in enumerate(out):
        if b < 0 or not 0 < r <= block_size:
            raise ValueError(f"block ({b}, {r}): rows must be in 1..{block_size}")
        if i + 1 < len(out) and out[i + 1][0] == b:
            raise ValueError(f"block {b} listed twice")
    covered = sum(r for _, r in out)
    if covered != n:
        raise ValueError(f"blocks cover {covered} replications, outcomes have {n}")
    return out


def _check_outcome_shapes(name: str, outcomes: Outcomes, book: Book) -> None:
    """The per-contingent and per-base arrays fit the scenario of ``book``."""
    n, C, N = len(outcomes), book.n_contingents, book.n_bases
    if outcomes.exit_day.shape != (n, C) or outcomes.base_closed_day.shape != (n, N):
        raise ValueError(
            f"outcomes do not fit scenario {name!r}: exit_day {outcomes.exit_day.shape}, "
            f"base_closed_day {outcomes.base_closed_day.shape}, expected ({n}, {C}) and ({n}, {N})"
        )


def _day_hist(days: np.ndarray, H: int, name: str) -> np.ndarray:
    """Histogram of days in ``[-1, H)`` over the last axis' replications: ``H + 1`` bins, ``-1`` last."""
    days = np.asarray(days)
    if days.size and (days.min() < -1 or days.max() >= H):
        raise ValueError(f"{name}: days must be in -1..{H - 1}, got {days.min()}..{days.max()}")
    bins = np.where(days < 0, H, days).astype(np.int64)
    if bins.ndim == 1:
        return np.bincount(bins, minlength=H + 1).astype(np.int64)
    # (R, K) -> (K, H + 1)
    K = bins.shape[1]
    flat = bins + (H + 1) * np.arange(K, dtype=np.int64)[None, :]
    return np.bincount(flat.ravel(), minlength=K * (H + 1)).reshape(K, H + 1).astype(np.int64)


def _count_hist(x: np.ndarray, name: str) -> np.ndarray:
    """Histogram of counts ``>= 0``: dense while small, sparse beyond (:func:`.stats.count_histogram`)."""
    try:
        return count_histogram(x)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _force_equipment_days(outcomes: Outcomes) -> np.ndarray | None:
    """Per replication, the day all the force's equipment is gone (-1: not within the
    horizon), from the contingents' ``equipment_complete_day``; None without them (v1 engines)."""
    if outcomes.equipment_complete_day is None:
        return None
    days = np.asarray(outcomes.equipment_complete_day)
    return np.where((days < 0).any(axis=1), -1, days.max(axis=1)).astype(np.int32)


def _histograms(outcomes: Outcomes, H: int) -> Arrays:
    """The day histograms (:data:`DAY_HISTOGRAMS`, and :data:`EQUIPMENT_DAY` where the
    outcomes have it), then the count histograms."""
    hist = {name: _day_hist(getattr(outcomes, name), H, name) for name in DAY_HISTOGRAMS}
    kit = _force_equipment_days(outcomes)
    if kit is not None:
        hist[EQUIPMENT_DAY] = _day_hist(kit, H, EQUIPMENT_DAY)
    for name in _count_names(outcomes):
        hist[name] = _count_hist(getattr(outcomes, name), name)
    return hist


def _count_names(outcomes: Outcomes) -> tuple[str, ...]:
    """:data:`COUNT_HISTOGRAMS`, and :data:`SPLIT_COUNTS` where the outcomes have them."""
    return COUNT_HISTOGRAMS + _split_counts(outcomes)


def _split_counts(outcomes: Outcomes) -> tuple[str, ...]:
    """:data:`SPLIT_COUNTS` where the outcomes have killed and wounded, else none."""
    return SPLIT_COUNTS if outcomes.killed is not None else ()


def _moments(outcomes: Outcomes) -> tuple[dict[str, int], dict[str, int]]:
    """Exact sums and sums of squares of :data:`MOMENTS`."""
    sums, sumsq = {}, {}
    for name in MOMENTS + _split_counts(outcomes):
        sums[name], sumsq[name] = exact_sums(getattr(outcomes, name))
    return sums, sumsq


def _events(outcomes: Outcomes) -> dict[str, int]:
    """Replications where each of :data:`EVENTS` holds."""
    return {name: int(np.count_nonzero(getattr(outcomes, name))) for name in EVENTS}


def _daily_of(outcomes: Outcomes, book: Book, into: Arrays | None = None) -> Arrays | None:
    """The per-day part of the outcomes (None without per-day arrays), summarised a few
    days at a time (:data:`_DAILY_CELLS` replication-days): the int64 working copies of a
    whole chunk's per-day arrays would take several times the chunk's own memory. Each
    day's tables and extremes depend on that day alone, so the windows are written side
    by side into the whole horizon's arrays; with ``into`` (another summary's per-day
    part), the extremes and sums merged into its arrays in place, its tables merged with
    the chunk's, and ``into`` returned."""
    if outcomes.troops_in_country is None or outcomes.retrograde_lifted_t is None:
        return None
    troops, lifted = np.asarray(outcomes.troops_in_country), np.asarray(outcomes.retrograde_lifted_t)
    n, H, cap = len(outcomes), book.horizon_days, book.day_value_cap
    _check_daily_values(troops, lifted, book, n)
    days = max(1, _DAILY_CELLS // max(n, 1))
    daily: Arrays = {} if into is None else into
    windows: dict[str, list[DayTable]] = {name: [] for name in _TABLES}
    for lo in range(0, H, days):
        tw, lw = troops[:, lo : lo + days].astype(np.int64), lifted[:, lo : lo + days].astype(np.int64)
        windows["troops"].append(day_table(tw, cap))
        windows["retro"].append(day_table(lw, cap))
        for key, value in _day_arrays(tw, lw, book).items():
            if into is not None:
                _merge_into(key, daily[key][lo : lo + days], value)
                continue
            if key not in daily:
                daily[key] = np.empty(H, dtype=np.int64)
            daily[key][lo : lo + days] = value
    for name, parts in windows.items():
        table = join_day_tables(parts)
        if into is not None:
            table = merge_day_tables([_table(into, name), table], cap)
        _put_table(daily, name, table)
    return daily


def _table(daily: Arrays, name: str) -> DayTable:
    """The day table ``name`` (``"troops"``, ``"retro"``) of a per-day part."""
    return DayTable(*(daily[f"{name}_{part}"] for part in _TABLE_PARTS))


def _put_table(daily: Arrays, name: str, table: DayTable) -> None:
    """Store the day table ``name`` in a per-day part."""
    for part, array in zip(_TABLE_PARTS, table, strict=True):
        daily[f"{name}_{part}"] = array


def _merge_into(key: str, acc: np.ndarray, value: np.ndarray) -> None:
    """Merge one per-day array's ``value`` into ``acc`` in place, as :func:`_merged_daily` does."""
    if key.endswith("_min"):
        np.minimum(acc, value, out=acc)
    elif key.endswith("_max"):
        np.maximum(acc, value, out=acc)
    else:
        acc += value


def _check_daily_values(troops: np.ndarray, lifted: np.ndarray, book: Book, n: int) -> None:
    """Per-day arrays of ``(n, H)``, troops in ``0..total_troops``, tonnes in ``0..liftable_t``."""
    H, T, L = book.horizon_days, book.total_troops, book.liftable_t
    if troops.shape != (n, H) or lifted.shape != (n, H):
        raise ValueError(f"per-day arrays must be ({n}, {H}), got {troops.shape} and {lifted.shape}")
    if n and (troops.min() < 0 or troops.max() > T):
        raise ValueError(f"troops_in_country outside 0..{T}")
    if n and (lifted.min() < 0 or lifted.max() > L):
        raise ValueError(f"retrograde_lifted_t outside 0..{L}")


def _day_arrays(troops: np.ndarray, lifted: np.ndarray, book: Book) -> Arrays:
    """The per-day sums, extremes and counts of some rows (mergeable), int64 ``(days, R)``."""
    T, L = book.total_troops, book.liftable_t
    if len(troops):
        tmin, tmax = troops.min(axis=0), troops.max(axis=0)
        rmin, rmax = lifted.min(axis=0), lifted.max(axis=0)
    else:
        tmin = rmin = np.full(troops.shape[1], np.iinfo(np.int64).max, dtype=np.int64)
        tmax = rmax = np.full(troops.shape[1], -1, dtype=np.int64)
    return {
        "troops_sum": troops.sum(axis=0, dtype=np.int64),
        "troops_min": tmin.astype(np.int64),
        "troops_max": tmax.astype(np.int64),
        "troops_zero": np.count_nonzero(troops == 0, axis=0).astype(np.int64),
        "troops_full": np.count_nonzero(troops == T, axis=0).astype(np.int64),
        "retro_min": rmin.astype(np.int64),
        "retro_max": rmax.astype(np.int64),
        "retro_zero": np.count_nonzero(lifted == 0, axis=0).astype(np.int64),
        "retro_full": np.count_nonzero(lifted == L, axis=0).astype(np.int64),
    }


# -- merging: the parts of a merged summary -----------------------------------------------------
def _in_block_order(summaries: Iterable[object]) -> list[Summary]:
    """The summaries as a list sorted by first block; at least one, summaries only."""
    parts = []
    for p in summaries:
        if not isinstance(p, Summary):
            raise TypeError(f"cannot merge {type(p).__name__} into a Summary")
        parts.append(p)
    if not parts:
        raise ResultError("no summaries to merge")
    parts.sort(key=lambda p: p.blocks[0] if p.blocks else (-1, 0))
    return parts


def _check_mergeable(parts: list[Summary]) -> None:
    """The same run (books), per-day data in all or none, no block twice."""
    first = parts[0]
    for p in parts[1:]:
        diff = first.book.mismatch(p.book)
        if diff:
            raise ResultError("cannot merge summaries of different runs: " + "; ".join(diff))
        if first.has_daily != p.has_daily:
            raise ResultError("cannot merge a summary with per-day data and one without")
        if first.splits_casualties != p.splits_casualties:
            raise ResultError("cannot merge a summary with killed and wounded and one without")
        if (EQUIPMENT_DAY in first.hist) != (EQUIPMENT_DAY in p.hist):
            raise ResultError("cannot merge a summary with the equipment's complete day and one without")
    seen = set()
    for p in parts:
        for b, _ in p.blocks:
            if b in seen:
                raise ResultError(f"cannot merge summaries that share block {b}")
            seen.add(b)


def _merged_histograms(parts: list[Summary]) -> Arrays:
    """Day histograms added; count histograms merged (dense ones padded to the longest and added)."""
    hist: Arrays = {}
    for name in DAY_HISTOGRAMS + ((EQUIPMENT_DAY,) if EQUIPMENT_DAY in parts[0].hist else ()):
        hist[name] = np.asarray(np.sum([p.hist[name] for p in parts], axis=0, dtype=np.int64))
    for name in COUNT_HISTOGRAMS + (SPLIT_COUNTS if parts[0].splits_casualties else ()):
        hist[name] = merge_count_histograms([p.hist[name] for p in parts])
    return hist


def _added(counts: list[dict[str, int]], keys: Sequence[str]) -> dict[str, int]:
    """Exact integer sums of ``keys`` over ``counts``."""
    return {k: sum(c[k] for c in counts) for k in keys}


def _merged_daily(parts: list[Summary], n: int) -> Arrays:
    """Per-day minima, maxima and sums over the parts (``n`` replications in all)."""
    book = parts[0].book
    if book.total_troops * n >= _INT63:  # troops_sum; no sum of tonnes is kept
        raise ResultError(f"{n} replications of {book.total_troops} troops are too many for exact per-day sums")
    daily: Arrays = {}
    cap = book.day_value_cap
    for name in _TABLES:
        _put_table(daily, name, merge_day_tables([_table(p.daily, name) for p in parts if p.daily is not None], cap))
    for k in _DAY_ARRAYS:
        # part by part into one new array: stacking the parts first would copy them all
        arrays = [p.daily[k] for p in parts if p.daily is not None]
        acc = arrays[0].astype(np.int64, copy=True)
        for a in arrays[1:]:
            if k.endswith("_min"):
                np.minimum(acc, a, out=acc)
            elif k.endswith("_max"):
                np.maximum(acc, a, out=acc)
            else:
                acc += a
        daily[k] = acc
    return daily


# -- reading a file: the shapes --------------------------------------------------------------
def _check_histograms(hist: Arrays, book: Book, n: int) -> None:
    """Every histogram there, int64, of its shape; count histograms of ``n`` counts, each in
    its canonical form (:func:`.stats.check_count_histogram`)."""
    H = book.horizon_days
    want: dict[str, tuple[int, ...] | None] = {
        "decision_day": (H + 1,),
        "met_day": (H + 1,),
        "final_exit_day": (H + 1,),
        "exit_day": (book.n_contingents, H + 1),
        "base_closed_day": (book.n_bases, H + 1),
    }
    for k in COUNT_HISTOGRAMS + (SPLIT_COUNTS if "killed" in hist or "wounded" in hist else ()):
        want[k] = None
    if EQUIPMENT_DAY in hist:
        want[EQUIPMENT_DAY] = (H + 1,)
    if set(hist) != set(want):
        raise ValueError(f"histograms {sorted(hist)}, expected {sorted(want)}")
    for k, shape in want.items():
        a = hist[k]
        if shape is None:
            try:
                check_count_histogram(a, n)
            except ValueError as exc:
                raise ValueError(f"histogram {k}: {exc}") from None
        elif a.dtype != np.int64 or a.shape != shape:
            raise ValueError(f"histogram {k}: {a.dtype} {a.shape}")


def _check_daily_shapes(daily: Arrays, book: Book, n: int) -> None:
    """Every per-day array there, int64, of its shape; each day table of ``n``
    replications in its canonical form (:func:`.stats.check_day_table`)."""
    H = book.horizon_days
    if set(daily) != set(_DAILY):
        raise ValueError(f"per-day arrays {sorted(daily)}, expected {sorted(_DAILY)}")
    for k in _DAY_ARRAYS:
        a = daily[k]
        if a.dtype != np.int64 or a.shape != (H,):
            raise ValueError(f"per-day array {k}: {a.dtype} {a.shape}")
    for name in _TABLES:
        try:
            check_day_table(_table(daily, name), n, H, book.day_value_cap)
        except ValueError as exc:
            raise ValueError(f"per-day table {name}: {exc}") from None
