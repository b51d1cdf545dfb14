"""Exactly mergeable summaries of replications (docs/design.md §3, §6).

A :class:`Summary` holds everything the reports need about a set of replications,
in integers only: count histograms of the day outcomes (with a last bin for "never"
or "not out by the horizon"), growing histograms of counts, integer sums and sums of
squares, event counts, and per-day histograms of troops in country and of retrograde
completion. Floats are computed only by the report methods.

Because every merged quantity is an integer sum (or an integer min/max), merging is
exact, associative and commutative: the summaries of blocks merged in any order give
the same bits as one summary of all the blocks. A summary also keeps its book (scenario
hash, seed, engine, package, numpy and scipy versions, numpy's SIMD features, block
size, blocks covered) and refuses to merge with a summary that does not match it.

Example
-------
>>> from drawdown.batch import summarize
>>> import drawdown
>>> from drawdown.results import Summary; from drawdown.batch import summarize
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

import hashlib
import io
import json
import math
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..draws import BLOCK_SIZE, LAYOUT_VERSION
from ..errors import ResultError
from .environment import environment
from .stats import (
    Estimate,
    Probability,
    exact_sums,
    proportion,
    quantile_rank,
    sample_variance,
)
from .store import atomic_write

__all__ = [
    "Summary",
    "Book",
    "Estimate",
    "Probability",
    "DAY_HISTOGRAMS",
    "COUNT_HISTOGRAMS",
    "MOMENTS",
    "EVENTS",
    "TROOP_BINS",
    "RETRO_BINS",
    "CENSORED_WARNING_FRACTION",
    "SCHEMA_VERSION",
    "FORMAT_VERSION",
]

#: Version of the ``--json`` document made by :meth:`Summary.to_json_dict`.
SCHEMA_VERSION = 1
#: Version of the ``.npz`` summary file layout.
FORMAT_VERSION = 1
#: Day outcomes kept as histograms of ``H + 1`` bins, the last one "never".
#: ``exit_day`` is (contingents, H + 1), ``base_closed_day`` (bases, H + 1).
DAY_HISTOGRAMS = ("decision_day", "met_day", "final_exit_day", "exit_day", "base_closed_day")
#: Count outcomes kept as growing histograms (``bincount``, padded on merge).
COUNT_HISTOGRAMS = ("attacks", "casualties", "troops_at_deadline")
#: Count outcomes kept as exact integer sums and sums of squares.
MOMENTS = ("attacks", "casualties", "troop_days_past_deadline", "troops_at_deadline")
#: Boolean outcomes kept as counts of replications where they hold.
EVENTS = ("met_deadline", "left_before_conditions", "censored")
#: At most this many bins per day for troops in country.
TROOP_BINS = 256
#: Retrograde completion per day in ``RETRO_BINS + 1`` bins: ``lifted * 200 // liftable``.
RETRO_BINS = 200
#: More censored replications than this fraction deserve a loud warning (docs/design.md §3).
CENSORED_WARNING_FRACTION = 0.01

_FORMAT = "drawdown-summary"
_META = "__meta__"
_CHECKSUM = "__sha256__"
_TRAILER = b"drawdown-summary-sha256:"
_DAILY = ("troops_hist", "troops_sum", "troops_min", "troops_max", "troops_zero", "troops_full", "retro_hist",
          "retro_min", "retro_max", "retro_zero")
_INT63 = 2**63


# -- the book ---------------------------------------------------------------------------




@dataclass(frozen=True)
class Book:
    """What a summary is a summary of; two summaries merge only when their books match.

    Attributes
    ----------
    scenario_hash, seed, engine, block_size
        The run: the same scenario content, seed, engine and block layout.
    version, numpy_version, scipy_version, simd
        The software and the CPU features numpy dispatches to.
    layout_version
        Version of the draw layout (:data:`drawdown.draws.LAYOUT_VERSION`).
    horizon_days, deadline_day, total_troops, liftable_t, n_contingents, n_bases
        Shapes and scales of the histograms (all follow from the scenario hash).
    """

    scenario_hash: str
    seed: int
    engine: str
    block_size: int
    version: str
    numpy_version: str
    scipy_version: str
    simd: str
    layout_version: int
    horizon_days: int
    deadline_day: int | None
    total_troops: int
    liftable_t: int
    n_contingents: int
    n_bases: int

    @property
    def troop_bin_width(self) -> int:
        """Width of a troops-in-country bin: ``ceil((total_troops + 1) / 256)``."""
        return -(-(self.total_troops + 1) // TROOP_BINS)

    @property
    def troop_bins(self) -> int:
        """Number of troops-in-country bins (at most 256)."""
        return -(-(self.total_troops + 1) // self.troop_bin_width)

    def mismatch(self, other: "Book") -> list[str]:
        """The fields where two books differ, as ``"name: a != b"`` strings."""
        out = []
        for k, v in asdict(self).items():
            w = getattr(other, k)
            if v != w:
                out.append(f"{k}: {v!r} != {w!r}")
        return out


# -- exact integer helpers ----------------------------------------------------------------


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
    x = np.asarray(x)
    if x.size and x.min() < 0:
        raise ValueError(f"{name}: counts must be >= 0, got {x.min()}")
    return np.bincount(x.astype(np.int64), minlength=0).astype(np.int64)


def _per_day_hist(bins: np.ndarray, nbins: int) -> np.ndarray:
    """``(R, H)`` bin indices -> ``(H, nbins)`` counts per day."""
    R, H = bins.shape
    flat = bins.astype(np.int64) + nbins * np.arange(H, dtype=np.int64)[None, :]
    return np.bincount(flat.ravel(), minlength=H * nbins).reshape(H, nbins).astype(np.int64)


_DAILY_ROWS = 4096  # rows of per-day arrays summarised at a time


def _daily_part(troops: np.ndarray, lifted: np.ndarray, book, H: int) -> dict:
    """The per-day histograms, sums, extremes and counts of some rows (mergeable)."""
    T, L = book.total_troops, book.liftable_t
    troops64 = troops.astype(np.int64)
    lifted64 = lifted.astype(np.int64)
    if L == 0:
        retro_bins = np.full(lifted64.shape, RETRO_BINS, dtype=np.int64)
    else:
        retro_bins = (lifted64 * RETRO_BINS) // L
    if len(troops64):
        tmin, tmax = troops64.min(axis=0), troops64.max(axis=0)
        rmin, rmax = lifted64.min(axis=0), lifted64.max(axis=0)
    else:
        tmin = rmin = np.full(H, np.iinfo(np.int64).max, dtype=np.int64)
        tmax = rmax = np.full(H, -1, dtype=np.int64)
    return {
        "troops_hist": _per_day_hist(troops64 // book.troop_bin_width, book.troop_bins),
        "troops_sum": troops64.sum(axis=0, dtype=np.int64),
        "troops_min": tmin.astype(np.int64),
        "troops_max": tmax.astype(np.int64),
        "troops_zero": np.count_nonzero(troops64 == 0, axis=0).astype(np.int64),
        "troops_full": np.count_nonzero(troops64 == T, axis=0).astype(np.int64),
        "retro_hist": _per_day_hist(retro_bins, RETRO_BINS + 1),
        "retro_min": rmin.astype(np.int64),
        "retro_max": rmax.astype(np.int64),
        "retro_zero": np.count_nonzero(lifted64 == 0, axis=0).astype(np.int64),
    }




def _pad_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = max(len(a), len(b))
    out = np.zeros(n, dtype=np.int64)
    out[: len(a)] += a
    out[: len(b)] += b
    return out






# -- the summary --------------------------------------------------------------------------
class Summary:
    """The exactly mergeable summary of a set of replications (docs/design.md §3).

    Build one with :meth:`from_outcomes` (one chunk of an engine's outcomes) or
    :func:`summarize` (run an engine), join them with :meth:`merge` /
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
        ``final_exit_day`` and ``exit_day`` "not out by the horizon") and growing
        count histograms under ``"attacks"``, ``"casualties"``,
        ``"troops_at_deadline"`` (:data:`COUNT_HISTOGRAMS`).
    sums, sumsq : dict of str to int
        Exact sums and sums of squares of :data:`MOMENTS`.
    events : dict of str to int
        Replications where each of :data:`EVENTS` holds.
    daily : dict of str to ndarray, or None
        Per-day data (None when the outcomes had none): ``troops_hist`` (H, bins)
        with bin ``troops // book.troop_bin_width``; ``troops_sum``, ``troops_min``,
        ``troops_max`` (H,); ``troops_zero``, ``troops_full`` (H,) replications with
        no troops / all troops in country; ``retro_hist`` (H, 201) with bin
        ``lifted * 200 // liftable`` (all in the last bin when nothing is
        liftable); ``retro_min``, ``retro_max`` (H,) tonnes lifted; ``retro_zero``
        (H,) replications with nothing lifted yet.
    """

    def __init__(self, *, book: Book, scenario_name: str, n: int, blocks, hist: dict, sums: dict, sumsq: dict,
                 events: dict, daily: dict | None):
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
    def has_daily(self) -> bool:
        return self.daily is not None

    def __repr__(self) -> str:
        return (f"<Summary {self.scenario_name!r} hash {self.scenario_hash[:12]} seed {self.seed} "
                f"{self.engine}: {self.n} replications in {len(self.blocks)} blocks>")

    # -- building -----------------------------------------------------------------------
    @classmethod
    def from_outcomes(cls, scenario, outcomes, *, blocks, seed: int, engine: str,
                      block_size: int = BLOCK_SIZE) -> "Summary":
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

        Examples
        --------
        >>> import drawdown
        >>> from drawdown.engines import iter_chunks
        >>> s = drawdown.load("doha-2021-05-01")
        >>> [(blocks, out)] = list(iter_chunks(s, 50, 1, block_size=50))
        >>> summary = Summary.from_outcomes(s, out, blocks=blocks, seed=1, engine="numpy", block_size=50)
        >>> summary.n, summary.hist["exit_day"].shape
        (50, (40, 541))
        """
        env = environment()
        book = Book(
            scenario_hash=scenario.hash,
            seed=int(seed),
            engine=str(engine),
            block_size=int(block_size),
            layout_version=LAYOUT_VERSION,
            horizon_days=int(scenario.horizon_days),
            deadline_day=None if scenario.deadline_day is None else int(scenario.deadline_day),
            total_troops=int(scenario.total_troops),
            liftable_t=int(scenario.liftable_t),
            n_contingents=len(scenario.contingents),
            n_bases=len(scenario.bases),
            **env,
        )
        blocks = sorted((int(b), int(r)) for b, r in blocks)
        if not blocks:
            raise ValueError("a summary needs at least one block")
        for (b, r), (b2, _) in zip(blocks, blocks[1:] + [(None, None)]):
            if b < 0 or not 0 < r <= book.block_size:
                raise ValueError(f"block ({b}, {r}): rows must be in 1..{book.block_size}")
            if b == b2:
                raise ValueError(f"block {b} listed twice")
        n = len(outcomes)
        if sum(r for _, r in blocks) != n:
            raise ValueError(f"blocks cover {sum(r for _, r in blocks)} replications, outcomes have {n}")
        H, C, N = book.horizon_days, book.n_contingents, book.n_bases
        if outcomes.exit_day.shape != (n, C) or outcomes.base_closed_day.shape != (n, N):
            raise ValueError(f"outcomes do not fit scenario {scenario.name!r}: exit_day {outcomes.exit_day.shape}, "
                             f"base_closed_day {outcomes.base_closed_day.shape}, expected ({n}, {C}) and ({n}, {N})")

        hist = {name: _day_hist(getattr(outcomes, name), H, name) for name in DAY_HISTOGRAMS}
        for name in COUNT_HISTOGRAMS:
            hist[name] = _count_hist(getattr(outcomes, name), name)
        sums, sumsq = {}, {}
        for name in MOMENTS:
            sums[name], sumsq[name] = exact_sums(getattr(outcomes, name))
        events = {name: int(np.count_nonzero(getattr(outcomes, name))) for name in EVENTS}

        daily = None
        troops, lifted = outcomes.troops_in_country, outcomes.retrograde_lifted_t
        if troops is not None and lifted is not None:
            troops = np.asarray(troops)
            lifted = np.asarray(lifted)
            if troops.shape != (n, H) or lifted.shape != (n, H):
                raise ValueError(f"per-day arrays must be ({n}, {H}), got {troops.shape} and {lifted.shape}")
            T, L = book.total_troops, book.liftable_t
            if n and (troops.min() < 0 or troops.max() > T):
                raise ValueError(f"troops_in_country outside 0..{T}")
            if n and (lifted.min() < 0 or lifted.max() > L):
                raise ValueError(f"retrograde_lifted_t outside 0..{L}")
            # A few thousand rows at a time: the int64 working copies of a whole chunk's
            # per-day arrays would take several times the chunk's own memory.
            daily = _daily_part(troops[:0], lifted[:0], book, H)
            for lo in range(0, n, _DAILY_ROWS):
                part = _daily_part(troops[lo : lo + _DAILY_ROWS], lifted[lo : lo + _DAILY_ROWS], book, H)
                for key, value in part.items():
                    if key.endswith("_min"):
                        np.minimum(daily[key], value, out=daily[key])
                    elif key.endswith("_max"):
                        np.maximum(daily[key], value, out=daily[key])
                    else:
                        daily[key] += value
        return cls(book=book, scenario_name=scenario.name, n=n, blocks=blocks, hist=hist, sums=sums, sumsq=sumsq,
                   events=events, daily=daily)

    # -- merging --------------------------------------------------------------------------
    def merge(self, other: "Summary") -> "Summary":
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

    @staticmethod
    def merge_all(summaries) -> "Summary":
        """Merge summaries, taken in block order whatever order they come in.

        Parameters
        ----------
        summaries : iterable of Summary
            At least one.

        Returns
        -------
        Summary

        Raises
        ------
        ResultError
            As :meth:`merge`; also for an empty list.
        """
        parts = list(summaries)
        if not parts:
            raise ResultError("no summaries to merge")
        for p in parts:
            if not isinstance(p, Summary):
                raise TypeError(f"cannot merge {type(p).__name__} into a Summary")
        parts.sort(key=lambda p: p.blocks[0] if p.blocks else (-1, 0))
        first = parts[0]
        for p in parts[1:]:
            diff = first.book.mismatch(p.book)
            if diff:
                raise ResultError("cannot merge summaries of different runs: " + "; ".join(diff))
            if first.has_daily != p.has_daily:
                raise ResultError("cannot merge a summary with per-day data and one without")
        seen = {}
        for i, p in enumerate(parts):
            for b, _ in p.blocks:
                if b in seen:
                    raise ResultError(f"cannot merge summaries that share block {b}")
                seen[b] = i
        if len(parts) == 1:
            return first.copy()

        blocks = sorted(bl for p in parts for bl in p.blocks)
        n = sum(p.n for p in parts)
        hist = {}
        for name in DAY_HISTOGRAMS:
            hist[name] = np.sum([p.hist[name] for p in parts], axis=0, dtype=np.int64)
        for name in COUNT_HISTOGRAMS:
            acc = np.zeros(0, dtype=np.int64)
            for p in parts:
                acc = _pad_add(acc, p.hist[name])
            hist[name] = acc
        sums = {k: sum(p.sums[k] for p in parts) for k in MOMENTS}
        sumsq = {k: sum(p.sumsq[k] for p in parts) for k in MOMENTS}
        events = {k: sum(p.events[k] for p in parts) for k in EVENTS}
        daily = None
        if first.has_daily:
            if first.book.total_troops * n >= _INT63 or max(first.book.liftable_t, 1) * n >= _INT63:
                raise ResultError("too many replications for exact per-day sums")
            daily = {}
            for k in _DAILY:
                stack = [p.daily[k] for p in parts]
                if k.endswith("_min"):
                    daily[k] = np.min(stack, axis=0).astype(np.int64)
                elif k.endswith("_max"):
                    daily[k] = np.max(stack, axis=0).astype(np.int64)
                else:
                    daily[k] = np.sum(stack, axis=0, dtype=np.int64)
        return Summary(book=first.book, scenario_name=first.scenario_name, n=n, blocks=blocks, hist=hist, sums=sums,
                       sumsq=sumsq, events=events, daily=daily)

    def copy(self) -> "Summary":
        return Summary(book=self.book, scenario_name=self.scenario_name, n=self.n, blocks=self.blocks,
                       hist={k: v.copy() for k, v in self.hist.items()}, sums=dict(self.sums),
                       sumsq=dict(self.sumsq), events=dict(self.events),
                       daily=None if self.daily is None else {k: v.copy() for k, v in self.daily.items()})

    # -- identity ----------------------------------------------------------------------------
    def _meta(self) -> dict:
        return {
            "format": _FORMAT,
            "format_version": FORMAT_VERSION,
            "book": asdict(self.book),
            "scenario_name": self.scenario_name,
            "n": self.n,
            "blocks": [list(b) for b in self.blocks],
            "sums": self.sums,
            "sumsq": self.sumsq,
            "events": self.events,
            "daily": self.has_daily,
        }

    def _arrays(self) -> dict:
        out = {f"hist.{k}": v for k, v in self.hist.items()}
        if self.daily is not None:
            out.update({f"daily.{k}": v for k, v in self.daily.items()})
        return out

    @staticmethod
    def _digest(meta_json: str, arrays: dict) -> str:
        h = hashlib.sha256()
        h.update(meta_json.encode())
        for name in sorted(arrays):
            a = np.ascontiguousarray(arrays[name])
            h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
            h.update(a.tobytes())
        return h.hexdigest()

    def fingerprint(self) -> str:
        """sha256 of the whole summary (book, counts, sums and every array's bytes).

        Two summaries have the same fingerprint exactly when they are equal.
        """
        return self._digest(json.dumps(self._meta(), sort_keys=True), self._arrays())

    def __eq__(self, other) -> bool:
        if not isinstance(other, Summary):
            return NotImplemented
        if self._meta() != other._meta():
            return False
        a, b = self._arrays(), other._arrays()
        return a.keys() == b.keys() and all(
            a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a)

    __hash__ = None

    # -- files ----------------------------------------------------------------------------------
    def to_npz(self, path) -> Path:
        """Write the summary to ``path`` (an ``.npz`` file, no pickles), atomically.

        The file is written to a temporary name in the same directory, flushed to disk
        and renamed over ``path``. Two sha256 checksums are checked by
        :meth:`from_npz`: one of the summary's contents (metadata and arrays) stored
        as the array ``__sha256__``, and one of the file's bytes stored at its very
        end (the zip archive comment), so a truncated file or any flipped byte is
        caught. The metadata (book, counts, exact sums as JSON integers) is the
        0-d string array ``__meta__``; histograms are ``hist.NAME``, per-day arrays
        ``daily.NAME``, all int64.

        Returns
        -------
        Path
            ``path``, exactly as given (no ``.npz`` is appended).

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown, tempfile, os
        >>> s = drawdown.load("doha-2021-05-01")
        >>> summary = summarize(s, 20, seed=1, block_size=20)
        >>> path = os.path.join(tempfile.mkdtemp(), "summary.npz")
        >>> Summary.from_npz(summary.to_npz(path)) == summary
        True
        """
        path = Path(path)
        meta_json = json.dumps(self._meta(), sort_keys=True)
        arrays = self._arrays()
        payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        payload[_META] = np.array(meta_json)
        payload[_CHECKSUM] = np.array(self._digest(meta_json, arrays))
        buf = io.BytesIO()
        np.savez_compressed(buf, **payload)
        with zipfile.ZipFile(buf, "a") as zf:
            zf.comment = _TRAILER + b"0" * 64
        body = buf.getvalue()[:-64]
        data = body + hashlib.sha256(body).hexdigest().encode()
        return atomic_write(path, data)

    @classmethod
    def from_npz(cls, path) -> "Summary":
        """Read a summary written by :meth:`to_npz`, checking its checksum.

        Raises
        ------
        ResultError
            When the file is missing, truncated, corrupt, not a summary, or of
            another format version; the message names the file.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ResultError(f"{path}: cannot read summary: {e.strerror or e}") from e
        if len(data) < 64 + len(_TRAILER) or data[-64 - len(_TRAILER):-64] != _TRAILER:
            raise ResultError(f"{path}: truncated or not a drawdown summary file (no checksum at its end)")
        if hashlib.sha256(data[:-64]).hexdigest().encode() != data[-64:]:
            raise ResultError(f"{path}: checksum mismatch: the summary file is corrupt")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                names = set(z.files)
                if _META not in names or _CHECKSUM not in names:
                    raise ResultError(f"{path}: not a drawdown summary (no metadata or checksum)")
                meta_json = str(z[_META][()])
                checksum = str(z[_CHECKSUM][()])
                arrays = {k: z[k] for k in names - {_META, _CHECKSUM}}
        except ResultError:
            raise
        except Exception as e:  # BadZipFile, zlib.error, EOFError, ValueError...: whatever the damage raises
            raise ResultError(f"{path}: truncated or corrupt summary file ({type(e).__name__}: {e})") from e
        if cls._digest(meta_json, arrays) != checksum:
            raise ResultError(f"{path}: checksum mismatch: the summary file is corrupt")
        try:
            meta = json.loads(meta_json)
            if meta.get("format") != _FORMAT:
                raise ResultError(f"{path}: not a drawdown summary")
            if meta.get("format_version") != FORMAT_VERSION:
                raise ResultError(f"{path}: summary format version {meta.get('format_version')}, "
                                  f"this drawdown reads {FORMAT_VERSION}")
            book = Book(**meta["book"])
            hist = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("hist.")}
            daily = None
            if meta["daily"]:
                daily = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("daily.")}
            summary = cls(book=book, scenario_name=meta["scenario_name"], n=meta["n"], blocks=meta["blocks"],
                          hist=hist, sums=meta["sums"], sumsq=meta["sumsq"], events=meta["events"], daily=daily)
            summary._check_shapes()
        except ResultError:
            raise
        except (KeyError, TypeError, ValueError) as e:
            raise ResultError(f"{path}: malformed summary ({type(e).__name__}: {e})") from e
        return summary

    def _check_shapes(self) -> None:
        b = self.book
        H = b.horizon_days
        want = {"decision_day": (H + 1,), "met_day": (H + 1,), "final_exit_day": (H + 1,),
                "exit_day": (b.n_contingents, H + 1), "base_closed_day": (b.n_bases, H + 1)}
        for k in COUNT_HISTOGRAMS:
            want[k] = None
        if set(self.hist) != set(want):
            raise ValueError(f"histograms {sorted(self.hist)}, expected {sorted(want)}")
        for k, shape in want.items():
            a = self.hist[k]
            if a.dtype != np.int64 or (shape is not None and a.shape != shape) or (shape is None and a.ndim != 1):
                raise ValueError(f"histogram {k}: {a.dtype} {a.shape}")
        if self.daily is not None:
            dwant = {"troops_hist": (H, b.troop_bins), "retro_hist": (H, RETRO_BINS + 1)}
            if set(self.daily) != set(_DAILY):
                raise ValueError(f"per-day arrays {sorted(self.daily)}, expected {sorted(_DAILY)}")
            for k, a in self.daily.items():
                if a.dtype != np.int64 or a.shape != dwant.get(k, (H,)):
                    raise ValueError(f"per-day array {k}: {a.dtype} {a.shape}")
        if set(self.sums) != set(MOMENTS) or set(self.sumsq) != set(MOMENTS) or set(self.events) != set(EVENTS):
            raise ValueError("sums or events incomplete")
        if sum(r for _, r in self.blocks) != self.n or int(self.hist["final_exit_day"].sum()) != self.n:
            raise ValueError("replication counts disagree")

    # -- reports -----------------------------------------------------------------------------
    def _need_reps(self):
        if self.n == 0:
            raise ResultError("the summary has no replications")

    def _histogram(self, name: str, index: int | None) -> tuple[np.ndarray, bool]:
        if name not in self.hist:
            raise KeyError(f"no histogram {name!r}; have {sorted(self.hist)}")
        h = self.hist[name]
        if h.ndim == 2:
            if index is None:
                raise ValueError(f"{name} has one histogram per {'contingent' if name == 'exit_day' else 'base'}: "
                                 "give index")
            h = h[int(index)]
        elif index is not None:
            raise ValueError(f"{name} takes no index")
        return h, name in DAY_HISTOGRAMS

    def quantile(self, name: str, q: float, *, index: int | None = None) -> int | None:
        """The ``q`` quantile of an integer outcome, exactly.

        The smallest value ``v`` with ``count(x <= v) >= q * n`` (numpy's
        ``inverted_cdf``), with "never" / "not out by the horizon" sorting after every
        day. A quantile that falls in that bin is ``None``.

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
        k = quantile_rank(self.n, q)
        i = int(np.searchsorted(np.cumsum(h), k, side="left"))
        if has_never and i == len(h) - 1:
            return None
        return i

    def quantiles(self, name: str, qs=(0.05, 0.5, 0.95), *, index: int | None = None) -> list:
        """:meth:`quantile` for each of ``qs``."""
        return [self.quantile(name, q, index=index) for q in qs]

    def contingent_exit_quantiles(self, qs=(0.05, 0.5, 0.95)) -> list[list]:
        """Exit-day quantiles of each contingent, in scenario order: ``C`` lists of ``len(qs)``.

        ``None`` where a quantile falls among replications where the contingent is
        not out by the horizon.
        """
        return [self.quantiles("exit_day", qs, index=i) for i in range(self.book.n_contingents)]

    def estimate(self, name: str) -> Estimate:
        """Mean of a count outcome with its Monte Carlo standard error.

        ``se = sqrt(s² / n)`` with the sample variance ``s²`` computed from the exact
        integer sums (``nan`` for fewer than two replications).

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
        n, s, s2 = self.n, self.sums[name], self.sumsq[name]
        mean = s / n
        if n < 2:
            return Estimate(mean, math.nan, n)
        return Estimate(mean, math.sqrt(sample_variance(n, s, s2) / n), n)

    def mean(self, name: str) -> float:
        """Mean of a count outcome (see :meth:`estimate`)."""
        return self.estimate(name).mean

    def probability(self, name: str) -> Probability | None:
        """Probability of an event with its standard error and Wilson interval.

        Parameters
        ----------
        name : str
            ``"met_deadline"`` (``None`` for a scenario without a deadline),
            ``"out_by_horizon"``, ``"censored"``, ``"left_before_conditions"``.

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
        if name == "out_by_horizon":
            k = self.out_by_horizon
        elif name in self.events:
            k = self.events[name]
        else:
            raise KeyError(f"no event {name!r}; have {sorted(self.events) + ['out_by_horizon']}")
        return proportion(k, self.n)

    def p_out_by(self, day: int | None = None):
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

    def _need_daily(self):
        if self.daily is None:
            raise ResultError("the summary has no per-day data (run with per-day outcomes recorded)")
        self._need_reps()

    def _daily_bins(self, hist: np.ndarray, qs) -> tuple[np.ndarray, np.ndarray]:
        """Per q and day: the rank ``k`` of the quantile and the bin that holds it."""
        ranks = np.array([quantile_rank(self.n, q) for q in qs], dtype=np.int64).reshape(-1, 1)
        c = np.cumsum(hist, axis=1)
        bins = (c[None, :, :] < ranks[:, :, None]).sum(axis=2) if len(qs) else np.zeros((0, hist.shape[0]), np.int64)
        return ranks, bins

    def daily_troops_quantiles(self, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
        """Quantiles of troops in country at the end of each day: ``(len(qs), H)`` float64.

        Exact where the quantile falls on no troops or on the whole force (the summary
        counts those per day) and whenever the bin width is 1 (forces of at most 255
        troops). Otherwise the quantile's bin (width :attr:`Book.troop_bin_width`) is
        reported by the centre of the troop counts it holds, clipped to the day's
        smallest and largest value over the replications: at most half a bin off. The
        bands are monotone in ``q``.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> bands = summary.daily_troops_quantiles((0.05, 0.5, 0.95))
        >>> bands.shape, float(bands[1, 0]), float(bands[1, -1])
        ((3, 540), 9600.0, 0.0)
        """
        self._need_daily()
        d, w, T = self.daily, self.book.troop_bin_width, self.book.total_troops
        ranks, bins = self._daily_bins(d["troops_hist"], qs)
        lo = bins * w
        hi = np.minimum((bins + 1) * w - 1, T)
        value = np.clip((lo + hi) / 2.0, d["troops_min"][None, :], d["troops_max"][None, :])
        value = np.where(ranks <= d["troops_zero"][None, :], 0.0, value)
        value = np.where(ranks > self.n - d["troops_full"][None, :], float(T), value)
        return value.astype(np.float64)

    def daily_troops_mean(self) -> np.ndarray:
        """Mean troops in country at the end of each day, ``(H,)`` float64 (exact sums)."""
        self._need_daily()
        return self.daily["troops_sum"] / self.n

    def daily_retrograde_quantiles(self, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
        """Quantiles of the retrograde completed by each day's end (fraction of the
        liftable tonnes lifted): ``(len(qs), H)`` float64 in [0, 1].

        Bin ``b < 200`` holds fractions in ``[b/200, (b+1)/200)`` and is reported by
        its centre, clipped to the day's smallest and largest fraction; nothing lifted
        (counted per day) is exactly 0.0 and bin 200, all lifted, exactly 1.0. With
        nothing liftable, every day is 1.0.

        Examples
        --------
        >>> from drawdown.batch import summarize
        >>> import drawdown
        >>> summary = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
        >>> r = summary.daily_retrograde_quantiles((0.05, 0.5, 0.95))
        >>> float(r[1, 0]), float(r[1, -1])
        (0.0, 1.0)
        """
        self._need_daily()
        d, L = self.daily, self.book.liftable_t
        ranks, bins = self._daily_bins(d["retro_hist"], qs)
        if L == 0:
            return np.ones(bins.shape)
        value = np.clip((bins + 0.5) / RETRO_BINS, d["retro_min"][None, :] / L, d["retro_max"][None, :] / L)
        value = np.where(bins >= RETRO_BINS, 1.0, value)
        value = np.where(ranks <= d["retro_zero"][None, :], 0.0, value)
        return value.astype(np.float64)

    def warnings(self) -> list[str]:
        """Messages an analyst must see (on stderr): more than 1% censored replications."""
        out = []
        if self.n and self.censored > CENSORED_WARNING_FRACTION * self.n:
            out.append(f"{self.censored} of {self.n} replications ({100 * self.censored_fraction:.1f}%) are not out "
                       f"by the horizon (day {self.horizon_days - 1}): exit quantiles among them are unknown; "
                       "a longer horizon would resolve them")
        return out

    # -- JSON ---------------------------------------------------------------------------------
    def to_json_dict(self, scenario) -> dict:
        """The key outcomes as plain JSON data (the ``--json`` output).

        Quantiles are ``p5``, ``p50``, ``p95``; a quantile that falls among
        replications not out by the horizon (or never decided) is ``None``; so are
        standard errors of fewer than two replications. Without a deadline,
        ``deadline``, ``p_met_deadline``, ``troops_at_deadline`` and
        ``troop_days_past_deadline`` are ``None``.

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
        ['p5', 'p50', 'p95']
        >>> _ = json.dumps(d, allow_nan=False)
        """
        if scenario.hash != self.scenario_hash:
            raise ResultError(f"summary is of scenario hash {self.scenario_hash[:12]}, "
                              f"not of {scenario.name!r} ({scenario.hash[:12]})")
        self._need_reps()
        qs = (0.05, 0.5, 0.95)
        keys = ("p5", "p50", "p95")
        has_deadline = self.book.deadline_day is not None

        def num(x):
            return None if x is None or not math.isfinite(x) else float(x)

        def days(values):
            return dict(zip(keys, values))

        def dates(values):
            return {k: None if v is None else scenario.date_of(v).isoformat() for k, v in zip(keys, values)}

        def prob(p):
            if p is None:
                return None
            return {"value": num(p.value), "se": num(p.se), "wilson_low": num(p.low), "wilson_high": num(p.high),
                    "count": p.k}

        def est(name, with_p95=True):
            e = self.estimate(name)
            out = {"mean": num(e.mean), "se": num(e.se)}
            if with_p95:
                out["p95"] = self.quantile(name, 0.95)
            return out

        decision = self.quantiles("decision_day", qs)
        final = self.quantiles("final_exit_day", qs)
        contingents = []
        for i, (c, ex) in enumerate(zip(scenario.contingents, self.contingent_exit_quantiles(qs))):
            contingents.append({"id": c.id, "nation": c.nation, "base": scenario.bases[c.base].name,
                                "troops": int(c.troops), "exit_day": days(ex), "exit_date": dates(ex)})
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": scenario.name,
            "scenario_hash": self.scenario_hash,
            "seed": int(self.seed),
            "replications": self.n,
            "engine": self.engine,
            "version": self.book.version,
            "numpy_version": self.book.numpy_version,
            "scipy_version": self.book.scipy_version,
            "block_size": self.block_size,
            "start": scenario.start.isoformat(),
            "horizon_days": self.horizon_days,
            "horizon_date": scenario.date_of(self.horizon_days - 1).isoformat(),
            "deadline": scenario.deadline.isoformat() if has_deadline else None,
            "deadline_day": self.book.deadline_day,
            "p_met_deadline": prob(self.probability("met_deadline")),
            "p_out_by_horizon": prob(self.probability("out_by_horizon")),
            "decision_day": days(decision),
            "decision_date": dates(decision),
            "final_exit_day": days(final),
            "final_exit_date": dates(final),
            "censored": {"count": self.censored, "fraction": num(self.censored_fraction)},
            "troops_at_deadline": est("troops_at_deadline") if has_deadline else None,
            "troop_days_past_deadline": est("troop_days_past_deadline", with_p95=False) if has_deadline else None,
            "casualties": est("casualties"),
            "attacks": est("attacks"),
            "p_left_before_conditions": prob(self.probability("left_before_conditions")),
            "contingents": contingents,
        }


# -- running ------------------------------------------------------------------------------


