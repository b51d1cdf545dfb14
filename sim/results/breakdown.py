"""Per-nation, per-base, per-phase and per-leg summaries of replications (MODEL-V2 §5).

A :class:`Breakdown` is to the parts of the force what :class:`~drawdown.results.Summary`
is to the whole: integers only, merged exactly (sums of counts), so the breakdown of
blocks merged in any order is the breakdown of all of them, bit for bit. It holds

- per nation (``Scenario.nations`` order): a histogram of the nation's exit day, the
  latest exit day of its contingents (``-1``, "not out by the horizon", when any of them
  is censored), and, when the run recorded them (``record_nations``), a day table
  (:class:`~drawdown.results.stats.DayTable`: each day's distinct values and how often
  each occurs) of its troops in country and one of its tonnes lifted out, so its daily
  bands are exact quantiles;
- per base: a histogram of the day it closed;
- per phase (network scenarios): a histogram of the day it is complete;
- per leg, then per exit (network scenarios): exact sums of the troops and tonnes
  carried and of the days at capacity.

Reading them: :meth:`Breakdown.nations`, :meth:`Breakdown.bases`,
:meth:`Breakdown.phases`, :meth:`Breakdown.legs` give one frozen dataclass a row;
:meth:`Breakdown.nation_daily_troops` and :meth:`Breakdown.nation_daily_retrograde` the
bands. Quantiles and their intervals are those of :meth:`Summary.quantile` and
:meth:`Summary.quantile_interval` (numpy's ``inverted_cdf``, distribution-free order
statistics), "not out by the horizon" sorting after every day.

Example
-------
>>> import drawdown
>>> from drawdown.engines import run_blocks
>>> s = drawdown.load("doha-2021-05-01")
>>> parts = [Breakdown.from_outcomes(s, out, blocks=chunk)
...          for chunk, out in run_blocks(s, [(0, 50), (1, 50)], seed=1, block_size=50, record_nations=True)]
>>> whole = Breakdown.merge_all(parts)
>>> whole.n, whole.has_daily, whole.nations(s)[0].nation
(100, True, 'US')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..engines import Outcomes
from ..errors import ResultError
from ..scenario import Scenario
from .book import DAY_TABLE_ENTRIES, DAY_VALUES_MIN
from .document import QUANTILES, probability_entry
from .stats import (
    DayTable,
    Probability,
    day_table,
    day_table_ranks,
    histogram_quantile,
    histogram_rank_bin,
    join_day_tables,
    merge_day_tables,
    proportion,
    quantile_interval_ranks,
    quantile_rank,
)

__all__ = [
    "BY",
    "NETWORK_BY",
    "BaseBreakdown",
    "Breakdown",
    "BreakdownFold",
    "DayQuantiles",
    "LegBreakdown",
    "NationBreakdown",
    "PhaseBreakdown",
    "check_by",
    "leg_names",
    "nation_exit_days",
]

#: What a run can be broken down by (``drawdown run --by``).
BY = ("nation", "base", "phase", "leg")
#: Those only a network scenario has (its phases, its legs and exits).
NETWORK_BY = ("phase", "leg")
#: The per-leg sums, by their :class:`~drawdown.engines.Outcomes` names.
LEG_SUMS = ("carried_troops", "carried_t", "days_at_capacity")
#: The per-nation day tables: troops in country, tonnes lifted out.
NATION_TABLES = ("troops", "out_t")
#: The per-nation day table the network engines add: tonnes of equipment gone (MODEL-V2 §3).
GONE_TABLE = "gone_t"
#: Values (replication-days times nations) of the per-nation arrays made into tables at a
#: time: the int64 working copy stays at 8 MiB (and a table's dense count of a window
#: within a few times that) whatever the chunk.
_WINDOW_CELLS = 1 << 20


def check_by(scenario: Scenario, by: Iterable[str]) -> tuple[str, ...]:
    """The breakdowns asked for, each once, in :data:`BY` order; a ValueError for one
    that is not a breakdown, or a network one (phase, leg) of a v1 scenario.

    >>> import drawdown
    >>> check_by(drawdown.load("doha-2021-05-01"), ["base", "nation", "base"])
    ('nation', 'base')
    """
    asked = set(by)
    unknown = sorted(asked - set(BY))
    if unknown:
        raise ValueError(f"cannot break a run down by {', '.join(unknown)}: expected one of {', '.join(BY)}")
    network_only = [b for b in NETWORK_BY if b in asked]
    if network_only and scenario.network is None:
        raise ValueError(
            f"scenario {scenario.name!r} has no {' or '.join(b + 's' for b in network_only)}: "
            "only a network scenario (docs/network.md) can be broken down by phase or by leg"
        )
    return tuple(b for b in BY if b in asked)


def nation_exit_days(scenario: Scenario, exit_day: np.ndarray) -> np.ndarray:
    """Each nation's exit day, ``(R, nations)`` int32: the latest exit day of its
    contingents, ``-1`` when any of them is not out by the horizon.

    >>> import drawdown, numpy as np
    >>> s = drawdown.load("doha-2021-05-01")
    >>> days = np.full((2, len(s.contingents)), 10, dtype=np.int32)
    >>> days[0, 0], days[1, 1] = 30, -1  # contingents 0 and 1 are both the US's
    >>> nation_exit_days(s, days)[:, 0].tolist(), nation_exit_days(s, days)[:, 1].tolist()
    ([30, -1], [10, 10])
    """
    nations = {n: k for k, n in enumerate(scenario.nations)}
    exit_day = np.asarray(exit_day)
    out = np.full((exit_day.shape[0], len(nations)), -1, dtype=np.int32)
    censored = np.zeros(out.shape, dtype=bool)
    for i, c in enumerate(scenario.contingents):
        k = nations[c.nation]
        out[:, k] = np.maximum(out[:, k], exit_day[:, i])
        censored[:, k] |= exit_day[:, i] < 0
    return np.where(censored, -1, out).astype(np.int32)


def leg_names(scenario: Scenario) -> list[tuple[str, str]]:
    """The legs (file order), then the exits (``Network.exits``) of a network scenario:
    ``(name, kind)`` pairs, kind ``"road leg"``, ``"air leg"``, ``"air exit"`` or
    ``"ground exit"``; an air exit is named after its base. Empty for a v1 scenario."""
    net = scenario.network
    if net is None:
        return []
    out = [(leg.name, f"{leg.mode} leg") for leg in net.legs]
    out += [(net.places[e.place], f"{e.kind} exit") for e in net.exits]
    return out


class BreakdownFold:
    """A :class:`Breakdown` folded chunk by chunk beside a run's summary.

    Give one to :func:`drawdown.batch.fold_chunks` (``breakdown=``), or to
    :func:`~drawdown.batch.summarize` and :func:`~drawdown.batch.run_to_precision`: the
    engines then record what the breakdown needs (the per-nation daily arrays only with
    ``daily``) and each chunk is folded into :attr:`total` as it comes, so memory holds
    one chunk, as without it. Merging is exact, so :attr:`total` is the breakdown of the
    same replications run again (:func:`drawdown.api.breakdown_of`), bit for bit.

    Parameters
    ----------
    daily : bool
        Record each nation's troops and tonnes day by day (``record_nations``), for the
        per-nation daily bands (``--by nation``); without it the engines record nothing more.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> fold = BreakdownFold(daily=False)
    >>> summary = summarize(s, 200, seed=1, block_size=100, breakdown=fold)
    >>> fold.total.n, fold.total.blocks, fold.total.has_daily
    (200, ((0, 100), (1, 100)), False)
    """

    def __init__(self, *, daily: bool = True) -> None:
        self.daily = bool(daily)
        self.total: Breakdown | None = None

    def add(self, scenario: Scenario, outcomes: Outcomes, *, blocks: Iterable[Sequence[int]]) -> None:
        """Fold one chunk's outcomes (the ``(block, rows)`` pairs ``blocks``) into :attr:`total`."""
        part = Breakdown.from_outcomes(scenario, outcomes, blocks=blocks)
        self.total = part if self.total is None else Breakdown.merge_all([self.total, part])

    def result(self) -> Breakdown:
        """The breakdown of every chunk folded; a ResultError before any was."""
        if self.total is None:
            raise ResultError("no replications were folded into the breakdown")
        return self.total

    def __repr__(self) -> str:
        return f"<BreakdownFold daily={self.daily}: {self.total!r}>"


# -- rows ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayQuantiles:
    """The 5%, 50% and 95% quantiles of a day outcome and their 95% intervals.

    Days from the scenario's start; ``None`` where the quantile (or an end of its
    interval) falls among the replications where it never happened within the horizon.
    """

    p5: int | None
    p50: int | None
    p95: int | None
    p5_ci: tuple[int | None, int | None]
    p50_ci: tuple[int | None, int | None]
    p95_ci: tuple[int | None, int | None]

    def to_dict(self, scenario: Scenario) -> dict:
        """As JSON: the days, and the dates under ``dates``."""

        def date(d: int | None) -> str | None:
            return None if d is None else scenario.date_of(d).isoformat()

        days = asdict(self)
        days = {k: list(v) if isinstance(v, tuple) else v for k, v in days.items()}
        dates = {k: [date(d) for d in v] if isinstance(v, list) else date(v) for k, v in days.items()}
        return {**days, "dates": dates}


@dataclass(frozen=True)
class NationBreakdown:
    """One nation: its size, its exit day and its probability of being out in time; in a
    network scenario also the day all its equipment is gone (handed over, disposed of in
    place or out: ``equipment_complete_day`` of its contingents, MODEL-V2 §3) and the
    probability that it is gone by the deadline.

    ``p_out_by_deadline`` and ``p_equipment_by_deadline`` are None without a deadline;
    ``equipment_day`` and ``p_equipment_by_deadline`` are None for a v1 scenario.
    """

    nation: str
    contingents: int
    troops: int
    liftable_t: int
    exit_day: DayQuantiles
    p_out_by_deadline: Probability | None
    p_out_by_horizon: Probability
    equipment_t: int = 0
    equipment_day: DayQuantiles | None = None
    p_equipment_by_deadline: Probability | None = None


@dataclass(frozen=True)
class BaseBreakdown:
    """One base: the day it closed (the last day troops count there; 0 if nobody ever does)."""

    base: str
    closed_day: DayQuantiles
    p_closed_by_horizon: Probability


@dataclass(frozen=True)
class PhaseBreakdown:
    """One phase of a plan: the day it is complete."""

    phase: str
    complete_day: DayQuantiles
    p_complete_by_horizon: Probability


@dataclass(frozen=True)
class LegBreakdown:
    """One leg or exit: what it carried and how often it was the bottleneck (means per replication)."""

    name: str
    kind: str
    mean_troops: float
    mean_t: float
    mean_days_at_capacity: float


# -- the breakdown ---------------------------------------------------------------------------------
class Breakdown:
    """The exactly mergeable per-nation, per-base, per-phase and per-leg summary of replications.

    Build one with :meth:`from_outcomes` (a chunk of an engine's outcomes), join them
    with :meth:`merge_all`, read it with :meth:`nations`, :meth:`bases`,
    :meth:`phases`, :meth:`legs`, :meth:`nation_daily_troops`,
    :meth:`nation_daily_retrograde`.

    Attributes
    ----------
    scenario_hash : str
    horizon_days : int
    deadline_day : int or None
    n : int
        Replications.
    blocks : tuple of (int, int)
    hist : dict of str to ndarray (K, H + 1) int64
        Day histograms, the last bin "never": ``nation_exit_day``, ``base_closed_day``
        and (network scenarios) ``phase_complete_day`` and ``nation_equipment_day``.
    sums : dict of str to ndarray (legs + exits,) int64, or None
        Exact sums of :data:`LEG_SUMS` (network scenarios).
    daily : dict of str to DayTable, or None
        The day tables of ``troops`` and ``out_t`` (with ``record_nations``), each over
        the ``H * N`` (day, nation) pairs, day-major: column ``t * N + k`` is nation
        ``k`` on day ``t``.
    """

    def __init__(
        self,
        *,
        scenario_hash: str,
        horizon_days: int,
        deadline_day: int | None,
        n: int,
        blocks: Iterable[Sequence[int]],
        hist: dict[str, np.ndarray],
        sums: dict[str, np.ndarray] | None,
        daily: dict[str, DayTable] | None,
    ) -> None:
        self.scenario_hash = scenario_hash
        self.horizon_days = int(horizon_days)
        self.deadline_day = deadline_day
        self.n = int(n)
        self.blocks = tuple(sorted((int(b), int(r)) for b, r in blocks))
        self.hist = hist
        self.sums = sums
        self.daily = daily

    @property
    def has_daily(self) -> bool:
        """Whether it holds the per-nation daily tables (the run recorded ``record_nations``)."""
        return self.daily is not None

    @property
    def day_value_cap(self) -> int:
        """Distinct values a day of a table keeps exactly (:attr:`drawdown.results.Book.day_value_cap`)."""
        return max(DAY_VALUES_MIN, DAY_TABLE_ENTRIES // max(self.horizon_days, 1))

    def __repr__(self) -> str:
        return f"<Breakdown {self.scenario_hash[:12]}: {self.n} replications, daily={self.has_daily}>"

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def from_outcomes(cls, scenario: Scenario, outcomes: Outcomes, *, blocks: Iterable[Sequence[int]]) -> Breakdown:
        """The breakdown of one chunk of an engine's outcomes (the ``(block, rows)`` pairs ``blocks``).

        The per-nation day tables are made when the outcomes have ``nation_troops`` and
        ``nation_out_t``; the phases and legs when they have the network outcomes.
        """
        H, n = scenario.horizon_days, len(outcomes)
        blocks = [(int(b), int(r)) for b, r in blocks]
        if sum(r for _, r in blocks) != n:
            raise ValueError(f"blocks cover {sum(r for _, r in blocks)} replications, outcomes have {n}")
        hist = {
            "nation_exit_day": _day_hist(nation_exit_days(scenario, outcomes.exit_day), H),
            "base_closed_day": _day_hist(outcomes.base_closed_day, H),
        }
        if outcomes.phase_complete_day is not None:
            hist["phase_complete_day"] = _day_hist(outcomes.phase_complete_day, H)
        if outcomes.equipment_complete_day is not None:
            hist["nation_equipment_day"] = _day_hist(nation_exit_days(scenario, outcomes.equipment_complete_day), H)
        sums = None
        if outcomes.carried_troops is not None:
            sums = {k: np.asarray(getattr(outcomes, k)).astype(np.int64).sum(axis=0) for k in LEG_SUMS}
        breakdown = cls(
            scenario_hash=scenario.hash,
            horizon_days=H,
            deadline_day=scenario.deadline_day,
            n=n,
            blocks=blocks,
            hist=hist,
            sums=sums,
            daily=None,
        )
        if outcomes.nation_troops is not None and outcomes.nation_out_t is not None:
            arrays = {"troops": outcomes.nation_troops, "out_t": outcomes.nation_out_t}
            if outcomes.nation_gone_t is not None:
                arrays[GONE_TABLE] = outcomes.nation_gone_t
            breakdown.daily = _nation_tables(arrays, breakdown.day_value_cap)
        return breakdown

    @staticmethod
    def merge_all(parts: Iterable[Breakdown]) -> Breakdown:
        """The breakdown of the replications of all ``parts``, exactly (any order, any grouping).

        Raises
        ------
        ResultError
            For no parts, parts of different scenarios, a block in two parts, or
            per-nation daily tables in some parts and not in others.
        """
        parts = list(parts)
        _check_mergeable(parts)
        first = parts[0]
        sums = None
        if first.sums is not None:
            sums = {k: np.sum([p.sums[k] for p in parts if p.sums is not None], axis=0) for k in LEG_SUMS}
        daily = None
        if first.daily is not None:
            cap = first.day_value_cap
            daily = {
                name: merge_day_tables([p.daily[name] for p in parts if p.daily is not None], cap)
                for name in first.daily
            }
        return Breakdown(
            scenario_hash=first.scenario_hash,
            horizon_days=first.horizon_days,
            deadline_day=first.deadline_day,
            n=sum(p.n for p in parts),
            blocks=[b for p in parts for b in p.blocks],
            hist={k: np.asarray(np.sum([p.hist[k] for p in parts], axis=0, dtype=np.int64)) for k in first.hist},
            sums=sums,
            daily=daily,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Breakdown):
            return NotImplemented
        head = ("scenario_hash", "horizon_days", "deadline_day", "n", "blocks")
        if any(getattr(self, k) != getattr(other, k) for k in head) or self.hist.keys() != other.hist.keys():
            return False
        return _same_arrays(self, other)

    __hash__ = None  # type: ignore[assignment]

    # -- reading -------------------------------------------------------------------------------------
    def day_quantiles(self, name: str, index: int) -> DayQuantiles:
        """The :data:`~drawdown.results.QUANTILES` of the day outcome ``name`` (a key of
        :attr:`hist`) of row ``index``, with their intervals."""
        if self.n == 0:
            raise ResultError("the breakdown has no replications")
        h = self.hist[name][int(index)]
        never = len(h) - 1

        def day(b: int) -> int | None:
            return None if b == never else int(b)

        values = [day(histogram_quantile(h, self.n, q)) for q in QUANTILES]
        cis = [tuple(day(histogram_rank_bin(h, r)) for r in quantile_interval_ranks(self.n, q)) for q in QUANTILES]
        return DayQuantiles(*values, *cis)  # type: ignore[arg-type]

    def quantile_days(self, name: str, index: int, qs: Sequence[float]) -> list[int | None]:
        """The ``qs`` quantiles of the day outcome ``name`` of row ``index`` (``None``: never within the horizon)."""
        if self.n == 0:
            raise ResultError("the breakdown has no replications")
        h = self.hist[name][int(index)]
        return [None if b == len(h) - 1 else int(b) for b in (histogram_quantile(h, self.n, q) for q in qs)]

    def _by_day(self, name: str, index: int, day: int) -> Probability:
        """Probability that the day outcome happened by the end of ``day``."""
        return proportion(int(self.hist[name][int(index)][: day + 1].sum()), self.n)

    def nations(self, scenario: Scenario) -> list[NationBreakdown]:
        """One row a nation, in ``Scenario.nations`` order (first appearance)."""
        self._check_scenario(scenario)
        rows = []
        H, D = self.horizon_days, self.deadline_day
        kit = "nation_equipment_day" in self.hist
        for k, nation in enumerate(scenario.nations):
            members = [c for c in scenario.contingents if c.nation == nation]
            rows.append(
                NationBreakdown(
                    nation=nation,
                    contingents=len(members),
                    troops=sum(c.troops for c in members),
                    liftable_t=sum(c.liftable_t for c in members),
                    exit_day=self.day_quantiles("nation_exit_day", k),
                    p_out_by_deadline=None if D is None else self._by_day("nation_exit_day", k, D),
                    p_out_by_horizon=self._by_day("nation_exit_day", k, H - 1),
                    equipment_t=sum(c.equipment_t for c in members),
                    equipment_day=self.day_quantiles("nation_equipment_day", k) if kit else None,
                    p_equipment_by_deadline=self._by_day("nation_equipment_day", k, D)
                    if kit and D is not None
                    else None,
                )
            )
        return rows

    def bases(self, scenario: Scenario) -> list[BaseBreakdown]:
        """One row a base, file order."""
        self._check_scenario(scenario)
        H = self.horizon_days
        return [
            BaseBreakdown(
                base=b.name,
                closed_day=self.day_quantiles("base_closed_day", i),
                p_closed_by_horizon=self._by_day("base_closed_day", i, H - 1),
            )
            for i, b in enumerate(scenario.bases)
        ]

    def phases(self, scenario: Scenario) -> list[PhaseBreakdown]:
        """One row a phase, file order; a ValueError for a scenario without a plan."""
        self._check_scenario(scenario)
        if scenario.plan is None or "phase_complete_day" not in self.hist:
            raise ValueError(f"scenario {scenario.name!r} has no phases (only a network scenario has)")
        H = self.horizon_days
        return [
            PhaseBreakdown(
                phase=p.name,
                complete_day=self.day_quantiles("phase_complete_day", i),
                p_complete_by_horizon=self._by_day("phase_complete_day", i, H - 1),
            )
            for i, p in enumerate(scenario.plan.phases)
        ]

    def legs(self, scenario: Scenario) -> list[LegBreakdown]:
        """One row a leg (file order), then one an exit; a ValueError for a v1 scenario."""
        self._check_scenario(scenario)
        if self.sums is None or scenario.network is None:
            raise ValueError(f"scenario {scenario.name!r} has no legs or exits (only a network scenario has)")
        n = max(self.n, 1)
        means = {k: self.sums[k] / n for k in LEG_SUMS}
        return [
            LegBreakdown(
                name=name,
                kind=kind,
                mean_troops=float(means["carried_troops"][j]),
                mean_t=float(means["carried_t"][j]),
                mean_days_at_capacity=float(means["days_at_capacity"][j]),
            )
            for j, (name, kind) in enumerate(leg_names(scenario))
        ]

    def nation_daily_troops(self, index: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of nation ``index``'s troops in country at the end of each day,
        ``(len(qs), H)`` float64: exact order statistics (numpy's ``inverted_cdf``)
        where :meth:`nation_daily_exact` says so, else the centre of the value's bin."""
        return self._band("troops", index, qs)

    def nation_daily_retrograde_t(self, index: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of nation ``index``'s tonnes lifted out by each day's end, as :meth:`nation_daily_troops`."""
        return self._band("out_t", index, qs)

    def nation_daily_retrograde(self, scenario: Scenario, index: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of nation ``index``'s retrograde completion by each day's end (tonnes
        out over its liftable tonnes), ``(len(qs), H)`` in [0, 1]; 1.0 with nothing liftable."""
        nation = scenario.nations[int(index)]
        liftable = sum(c.liftable_t for c in scenario.contingents if c.nation == nation)
        tonnes = self.nation_daily_retrograde_t(index, qs)
        return np.ones(tonnes.shape) if liftable == 0 else tonnes / liftable

    @property
    def has_equipment_daily(self) -> bool:
        """Whether the per-nation daily tables include the tonnes of equipment gone (network engines)."""
        return self.daily is not None and GONE_TABLE in self.daily

    def nation_daily_equipment_t(self, index: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of nation ``index``'s tonnes of equipment gone (handed over, disposed of
        in place, out) by each day's end, as :meth:`nation_daily_troops`; a ResultError
        without them (v1 engines)."""
        if not self.has_equipment_daily:
            raise ResultError("this breakdown has no tonnes of equipment gone (only the network engines record them)")
        return self._band(GONE_TABLE, index, qs)

    def nation_daily_equipment(self, scenario: Scenario, index: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """Quantiles of nation ``index``'s ``equipment_complete`` by each day's end: tonnes gone
        over its ``equipment_t``, ``(len(qs), H)`` in [0, 1]; 1.0 with no equipment."""
        nation = scenario.nations[int(index)]
        total = sum(c.equipment_t for c in scenario.contingents if c.nation == nation)
        tonnes = self.nation_daily_equipment_t(index, qs)
        return np.ones(tonnes.shape) if total == 0 else tonnes / total

    def nation_daily_exact(self, index: int) -> dict[str, np.ndarray]:
        """Which days of nation ``index``'s bands are exact: ``{"troops": (H,) bool, "out_t": (H,) bool}``
        (and ``"gone_t"`` where the breakdown has it)."""
        daily = self._need_daily()
        return {name: self._of_nation(daily[name].level, index) == 0 for name in daily}

    def _of_nation(self, cells: np.ndarray, index: int) -> np.ndarray:
        """One nation's columns of the ``(..., H * N)`` cells of a table (day-major, nation-minor)."""
        H = self.horizon_days
        return cells.reshape(*cells.shape[:-1], H, cells.shape[-1] // H)[..., int(index)]

    def _band(self, name: str, index: int, qs: Sequence[float]) -> np.ndarray:
        table = self._need_daily()[name]
        ranks = [quantile_rank(self.n, q) for q in qs]
        stored = self._of_nation(day_table_ranks(table, ranks), index)
        level = self._of_nation(table.level, index)[None, :]
        low = stored << level
        return np.where(level == 0, low, low + ((np.int64(1) << level) - 1) / 2.0).astype(np.float64)

    def _need_daily(self) -> dict[str, DayTable]:
        if self.daily is None:
            raise ResultError("this breakdown has no per-nation daily tables (run with record_nations)")
        if self.n == 0:
            raise ResultError("the breakdown has no replications")
        return self.daily

    def _check_scenario(self, scenario: Scenario) -> None:
        if scenario.hash != self.scenario_hash:
            raise ResultError(f"a breakdown of scenario {self.scenario_hash[:12]}, not of {scenario.name!r}")

    # -- JSON --------------------------------------------------------------------------------------------
    def to_json_dict(self, scenario: Scenario, by: Iterable[str]) -> dict:
        """The breakdowns ``by`` asks for (:func:`check_by`) as plain JSON data, by name:
        ``nations``, ``bases``, ``phases``, ``legs``, each a list of rows."""
        out: dict[str, list[dict]] = {}
        for what in check_by(scenario, by):
            rows = getattr(self, what + "s")(scenario)
            out[what + "s"] = [_row_entry(scenario, row) for row in rows]
        return out


# -- helpers ------------------------------------------------------------------------------------------
def _row_entry(scenario: Scenario, row: object) -> dict:
    """A row dataclass as JSON: quantiles with their dates, probabilities with their s.e."""
    out: dict = {}
    for key in row.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(row, key)
        if isinstance(value, DayQuantiles):
            out[key] = value.to_dict(scenario)
        elif isinstance(value, Probability) or (value is None and key.startswith("p_")):
            out[key] = probability_entry(value)
        else:
            out[key] = value
    return out


def _day_hist(days: np.ndarray, H: int) -> np.ndarray:
    """``(R, K)`` days in ``[-1, H)`` as ``(K, H + 1)`` histograms, ``-1`` ("never") in the last bin."""
    days = np.asarray(days)
    if days.size and (days.min() < -1 or days.max() >= H):
        raise ValueError(f"days must be in -1..{H - 1}, got {days.min()}..{days.max()}")
    bins = np.where(days < 0, H, days).astype(np.int64)
    K = bins.shape[1]
    flat = bins + (H + 1) * np.arange(K, dtype=np.int64)[None, :]
    return np.bincount(flat.ravel(), minlength=K * (H + 1)).reshape(K, H + 1).astype(np.int64)


def _nation_tables(arrays: dict[str, np.ndarray], cap: int) -> dict[str, DayTable]:
    """The day tables of every nation's troops, tonnes out (and tonnes gone), ``(R, H, N)``
    arrays by table name: one table a quantity whose "days" are the ``H * N`` (day, nation)
    pairs, day-major (a reshape of the arrays, no copy), made a window of days at a time
    (its int64 working copy at most :data:`_WINDOW_CELLS` values) and joined."""
    R, H, N = arrays["troops"].shape
    days = max(1, _WINDOW_CELLS // max(R * N, 1))
    out: dict[str, DayTable] = {}
    for name, values in arrays.items():
        windows = []
        for lo in range(0, H, days):
            window = values[:, lo : lo + days, :]
            windows.append(day_table(window.reshape(R, -1).astype(np.int64), cap))
        out[name] = join_day_tables(windows)
    return out


def _check_mergeable(parts: list[Breakdown]) -> None:
    if not parts:
        raise ResultError("no breakdowns to merge")
    first, seen = parts[0], set()
    for p in parts:
        if (p.scenario_hash, p.horizon_days, p.hist.keys()) != (
            first.scenario_hash,
            first.horizon_days,
            first.hist.keys(),
        ):
            raise ResultError("cannot merge breakdowns of different scenarios")
        if p.has_daily != first.has_daily or p.has_equipment_daily != first.has_equipment_daily:
            raise ResultError("cannot merge a breakdown with per-nation daily tables and one without")
        for b, _ in p.blocks:
            if b in seen:
                raise ResultError(f"cannot merge breakdowns that share block {b}")
            seen.add(b)


def _same_arrays(a: Breakdown, b: Breakdown) -> bool:
    """Histograms, sums and day tables equal, array by array."""
    if not all(np.array_equal(a.hist[k], b.hist[k]) for k in a.hist):
        return False
    if (a.sums is None) != (b.sums is None) or (a.daily is None) != (b.daily is None):
        return False
    if a.sums is not None and b.sums is not None and not all(np.array_equal(a.sums[k], b.sums[k]) for k in LEG_SUMS):
        return False
    if a.daily is None or b.daily is None:
        return True
    if a.daily.keys() != b.daily.keys():
        return False
    return all(np.array_equal(x, y) for name in a.daily for x, y in zip(a.daily[name], b.daily[name], strict=True))
