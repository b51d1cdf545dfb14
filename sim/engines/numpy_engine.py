"""The vectorised numpy engine: the model of docs/design.md §1 over many replications at once.

It gives the SimPy reference engine's outcomes replication by replication: it reads
the same draws (:mod:`drawdown.draws`), calls the same shared code for the council, the
conditions, the ready days and the threat, and follows the same daily order (DESIGN
§1.7, :class:`drawdown.engines.Moment`) with array operations over replications instead of
processes. Nothing runs per replication in Python.

Replications run in chunks of whole blocks; a chunk's memory is bounded by its size,
whatever the number of replications, and results do not depend on the chunk size.

How the code reads: :func:`_run_chunk` computes what depends on no state of the force
(dawn and council of every day, by the shared :class:`drawdown.draws.StateFree`, and the
ready days by :func:`drawdown.engines.ready_day`), starts a :class:`~drawdown.engines.numpy_state.ChunkState`
of the rows given an order, and steps the days. Each step runs one function per moment
of the day, on the rows still running: :func:`_phases`, :func:`_threat`,
:func:`_airlift`, :func:`_dusk`; then :func:`_retire_finished` drops the rows that are
done (:meth:`~drawdown.engines.numpy_state.ChunkState.compact`), writing out their outcomes.

How it goes fast, in the order the savings were measured:

- Each replication runs on its own clock from its first drawn day (docs/design.md §2, draw
  layout 2), all in lockstep: step ``k`` is each replication's day ``first_drawn + k``,
  so the days before the order cost nothing and no replication waits for another.
- Rows are sorted by the step their first contingent is ready, so those with anything
  to fly are a prefix; finished rows are dropped now and then.
- Each airfield allocates over the run of its users that are ready and not yet out in
  some replication (about 60% of them in a doha run), by products with booleans and
  row-by-row running sums: ``np.where`` and ``cumsum`` along the first axis are many
  times slower on these arrays.
- Troops and tons are int16 and days int16 where every total fits; troops per base are
  kept up to date instead of recomputed; per-day arrays are built only when asked for.
- Chunks are large (32 blocks, fewer over a long horizon: :func:`chunk_blocks_for`):
  each day costs a few hundred numpy calls whatever the number of rows, so more rows
  share them; the whole-horizon draws are made and dropped a few blocks at a time, so a
  chunk's memory is mostly its per-row state.
- Each block draws its day straight into its rows of the day's buffers.
- Attack candidates surely zero are screened out before the inverse CDF; rows and
  (row, base) pairs are gathered with ``np.take`` and flat indices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.special import pdtr

from ..draws import (
    BLOCK_SIZE,
    TAIL_FROM,
    BlockDraws,
    CasualtyTable,
    DayStream,
    HitTable,
    StateFree,
    attack_mean,
    base_factors,
    blocks_for,
    poisson_inv,
)
from .moments import ready_day
from .numpy_state import ChunkOutcomes, ChunkState
from .outcomes import DAY, TONNES, TROOPS, Outcomes, finish_outcomes

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = [
    "CHUNK_DAY_BYTES",
    "DEFAULT_CHUNK_BLOCKS",
    "chunk_blocks_for",
    "count_type",
    "day_bytes",
    "iter_chunks",
    "run_numpy",
    "state_free_blocks_for",
]

DEFAULT_CHUNK_BLOCKS = 32
STATE_FREE_BLOCKS = 4  # blocks whose state-free inputs are computed together, at most
#: The horizon the memory bounds are set at: the default horizon (``horizon_days``).
BOUND_HORIZON = 540
#: Bytes of a chunk's per-day arrays, at most: those of a default chunk over the default
#: horizon (32 blocks of 1,000 replications, 540 days, 12 bytes a replication-day: troops
#: in country int32, tonnes lifted int64), about 207 MB. A longer horizon or a larger
#: block runs fewer blocks at once (:func:`chunk_blocks_for`), never fewer than one.
CHUNK_DAY_BYTES = DEFAULT_CHUNK_BLOCKS * BLOCK_SIZE * BOUND_HORIZON * 12
#: Values of a block's whole-horizon stream (days by the block's size) drawn at once, at
#: most (those of ten blocks over the default horizon): beyond, a block draws its violence
#: normals (where the conditions index is read) a window of days at a time (:meth:`StateFree.by_days`).
STATE_FREE_CELLS = 10 * BLOCK_SIZE * BOUND_HORIZON
NEVER = np.iinfo(np.int32).max  # a ready day that never comes
# Finished rows are dropped once they are one in this many of the running ones (or on
# the horizon's last day): each compaction copies the whole state.
RETIRE_ONE_IN = 8
# A margin far above the rounding of a mean and of pdtr(0, mean), far below any
# probability that matters: a uniform this far below a bound on pdtr(0, mean) means no attack.
SURELY_NO_ATTACK_MARGIN = 1e-12


class _Users(NamedTuple):
    """One airfield's users: the run of columns ``lo .. hi - 1``, in priority order."""

    base: int
    airfield: int  # index among the airfields
    lo: int
    hi: int


class _Columns:
    """Contingents reordered so each airfield's users are one run of columns, in priority order.

    Attributes
    ----------
    contingent_of_column : ndarray (C,)
        The contingent (scenario order) in each column.
    column_of_contingent : ndarray (C,)
        Its inverse.
    airfield_users : list of _Users
        The airfields with users, in file order.
    columns_by_nation, nation_starts : ndarray
        The columns sorted by nation, and where each nation's run starts (for
        ``np.add.reduceat``: the troops and tonnes of each nation).
    via_moves : list of (column, home base, base flown from)
        The contingents that move to another base's airfield on their ready day.
    enabler_members : list of ndarray
        Per enabler nation, the columns of its contingents.
    holds : list of (dependents, others)
        With ``enablers_last``, per enabler nation whose rear guards wait: the columns
        of its dependents and of every other contingent (the cheaper set to sum).
    held_in : list of list of (column, hold)
        Per airfield of ``airfield_users``, its users whose rear guard waits, and for
        which hold of ``holds``.
    """

    def __init__(self, plan: _Plan):
        order: list[int] = []
        users = []
        for b in plan.airfields:
            lo = len(order)
            order.extend(plan.users[b].tolist())
            users.append(_Users(b, plan.air_index[b], lo, len(order)))
        self.contingent_of_column = np.array(order, dtype=np.int64)
        self.column_of_contingent = np.argsort(self.contingent_of_column)
        self.airfield_users = [u for u in users if u.hi > u.lo]
        column = self.column_of_contingent
        self.via_moves = [(int(column[c]), int(plan.home[c]), int(plan.flies_from[c])) for c in plan.via_idx]
        self.enabler_members = [column[m] for m in plan.enabler_members]
        holders = [(column[m], column[d]) for m, d in plan.holders]
        C = len(order)
        self.holds = [(dependents, np.setdiff1d(np.arange(C), dependents)) for _, dependents in holders]
        self.held_in = [
            [(int(m), h) for h, (members, _) in enumerate(holders) for m in members if u.lo <= m < u.hi]
            for u in self.airfield_users
        ]
        # The columns grouped by nation (Scenario.nations order), for the per-nation days.
        nation_of_column = plan.nation_of[self.contingent_of_column]
        self.columns_by_nation = np.argsort(nation_of_column, kind="stable")
        self.nation_starts = np.searchsorted(nation_of_column[self.columns_by_nation], np.arange(plan.n_nations))


class _Plan:
    """What the engine derives once from a scenario: index arrays and constants."""

    def __init__(self, s: Scenario):
        self.scenario = s
        C = len(s.contingents)
        self.n_contingents = C
        self.n_bases = len(s.bases)
        self.airfields = [b for b, base in enumerate(s.bases) if base.airfield]
        self.troops = np.array([c.troops for c in s.contingents], dtype=np.int64)
        self.liftable = np.array([c.liftable_t for c in s.contingents], dtype=np.int64)
        self.rear_guard = np.array([c.rear_guard for c in s.contingents], dtype=np.int64)
        self.road = np.array([c.road_days for c in s.contingents], dtype=np.int64)
        self.home = np.array([c.base for c in s.contingents])
        self.flies_from = np.array([c.flies_from for c in s.contingents])
        self.via_idx = np.flatnonzero(self.home != self.flies_from)
        nations = {n: k for k, n in enumerate(s.nations)}
        self.n_nations = len(nations)
        self.nation_of = np.array([nations[c.nation] for c in s.contingents], dtype=np.int64)
        self.nation_troops = np.bincount(self.nation_of, weights=self.troops, minlength=self.n_nations).astype(np.int64)
        self.nation_liftable_t = np.zeros(self.n_nations, dtype=np.int64)
        np.add.at(self.nation_liftable_t, self.nation_of, self.liftable)  # exact: no float sum of tonnes
        self.troops_at_home = np.zeros(self.n_bases, dtype=np.int64)
        np.add.at(self.troops_at_home, self.home, self.troops)
        # The most troops that can ever count at each base (its own, and those passing through).
        self.most_at_base = np.zeros(self.n_bases)
        for c in s.contingents:
            self.most_at_base[c.base] += c.troops
            if c.flies_from != c.base:
                self.most_at_base[c.flies_from] += c.troops
        self.factors, self.factors_exposed = base_factors(s)
        prio = list(s.priority)
        self.users = {
            b: np.array([i for i in prio if s.contingents[i].flies_from == b], dtype=np.int64) for b in self.airfields
        }
        self.air_index = {b: k for k, b in enumerate(self.airfields)}
        self.air_of_base = np.array([self.air_index.get(b, -1) for b in range(self.n_bases)])
        en = s.enablers
        self.enabler_members = [np.array(m, dtype=np.int64) for m in en.members]
        self.enabler_dependents = [np.array(d, dtype=np.int64) for d in en.dependents]
        self.cut_by = {b: [n for n, afs in enumerate(en.cut_airfields) if b in afs] for b in self.airfields}
        self.exposed_mask = [np.isin(np.arange(self.n_bases), np.array(e, dtype=np.int64)) for e in en.exposed_bases]
        # Enablers leaving first can cut airfields and expose bases.
        self.cut_possible = not s.enablers_last and len(self.enabler_members) > 0
        # enablers_last: which contingents' rear guards wait for which dependents
        self.holders = []  # (member indices, dependent indices)
        if s.enablers_last:
            for m, d in zip(self.enabler_members, self.enabler_dependents, strict=True):
                if len(d):
                    self.holders.append((m, d))
        self.hits = HitTable(s.threat.p_airfield_hit)
        self.casualties = CasualtyTable(s.threat.casualties_per_attack)
        self._integer_types()
        self.columns = _Columns(self)

    def _integer_types(self) -> None:
        """The narrowest day and count types, and the airfields' capacities in the count type."""
        s = self.scenario
        # Days in int16 where the horizon allows: the day arrays are streamed every step.
        last_day = s.horizon_days + s.threat.closure_days  # a closure's end may pass the horizon
        self.day_dtype: type[np.integer] = np.int16 if last_day < np.iinfo(np.int16).max - 1 else DAY
        # Troops, tons and what airfields hand out, in the narrowest type that holds every
        # running total of an allocation (all troops, all tons, a day's capacity).
        fields = [s.bases[b] for b in self.airfields]
        biggest = max(
            s.total_troops, int(self.liftable.sum()), *(max(f.seats_per_day, f.cargo_t_per_day) for f in fields)
        )
        count = count_type(biggest)
        self.count_dtype: type[np.integer] = count
        self.p_closed = np.array([f.p_closed_day for f in fields])
        self.cargo_t_per_day = np.array([[f.cargo_t_per_day] for f in fields], dtype=count)  # (A, 1)
        self.seats_per_day = np.array([[f.seats_per_day] for f in fields], dtype=count)
        # What a cut airfield loses of each, when its enablers have left.
        self.cargo_t_cut = {b: count(s.bases[b].cargo_t_per_day - s.bases[b].cargo_reduced) for b in self.airfields}
        self.seats_cut = {b: count(s.bases[b].seats_per_day - s.bases[b].seats_reduced) for b in self.airfields}


def count_type(biggest: int) -> type[np.integer]:
    """The narrowest integer type the numpy engine keeps troops, tonnes and capacities in.

    ``biggest`` is the largest running total of an allocation (every troop, every tonne,
    a day's capacity): ``int16`` or ``int32`` where it fits, else the tonnes type
    (:data:`drawdown.limits.TONNES_DTYPE`, ``int64``), which holds every total the
    validator allows (troops at most ``int32``'s largest value, tonnes at most 2**53).

    >>> [count_type(n).__name__ for n in (9600, 40_000, 3 * 10**9)]
    ['int16', 'int32', 'int64']
    """
    for narrow in (np.int16, np.int32):
        if biggest <= np.iinfo(narrow).max:
            return narrow
    if biggest > np.iinfo(TONNES).max:
        raise ValueError(f"a total of {biggest} passes the widest count type, {TONNES.__name__}")
    return TONNES


def day_bytes(scenario: Scenario, record_daily: bool = True, record_nations: bool = False) -> int:
    """Bytes a chunk holds per replication and day: the per-day outcomes (12 with
    ``record_daily``), 12 a nation with ``record_nations`` (20 in a network scenario,
    whose engines also record each nation's tonnes gone) and, without a deadline, each
    replication's attack rate (8, float64).

    >>> import drawdown
    >>> doha = drawdown.load("doha-2021-05-01")
    >>> day_bytes(doha), day_bytes(drawdown.load("conditions-based")), day_bytes(doha, record_nations=True)
    (12, 20, 444)
    """
    per_value = np.dtype(TROOPS).itemsize + np.dtype(TONNES).itemsize
    daily = per_value if record_daily else 0
    nations = per_value * len(scenario.nations) if record_nations else 0
    if record_nations and scenario.network is not None:  # the network engines' tonnes gone a nation
        nations += np.dtype(TONNES).itemsize * len(scenario.nations)
    return daily + nations + (8 if scenario.deadline_day is None else 0)


def chunk_blocks_for(
    scenario: Scenario,
    block_size: int = BLOCK_SIZE,
    requested: int = DEFAULT_CHUNK_BLOCKS,
    record_daily: bool = True,
    record_nations: bool = False,
) -> int:
    """Blocks the numpy engine runs at once: ``requested``, fewer where the horizon is long.

    A chunk's per-day arrays (:func:`day_bytes` a replication-day) stay within
    :data:`CHUNK_DAY_BYTES`, the default chunk's over the default horizon; a chunk is at
    least one block. With ``record_nations`` (12 bytes a nation a replication-day) that
    is one block of the base force's 36 nations, about 240 MB. Chunking never changes a
    result.

    >>> import drawdown
    >>> doha = drawdown.load("doha-2021-05-01")
    >>> chunk_blocks_for(doha), chunk_blocks_for(doha.replace({"horizon_days": 20000}))
    (32, 1)
    >>> chunk_blocks_for(doha, record_nations=True), chunk_blocks_for(doha, block_size=100, record_nations=True)
    (1, 8)
    """
    per_block = max(day_bytes(scenario, record_daily, record_nations), 1) * int(block_size) * scenario.horizon_days
    return max(1, min(int(requested), CHUNK_DAY_BYTES // per_block))


def state_free_blocks_for(scenario: Scenario, block_size: int = BLOCK_SIZE) -> int:
    """Blocks whose state-free inputs are computed together: :data:`STATE_FREE_BLOCKS`
    over the default horizon, fewer (at least one) as the horizon grows, so that their
    whole-horizon draws (a few float64 arrays of days by replications) stay as small.

    >>> import drawdown
    >>> doha = drawdown.load("doha-2021-05-01")
    >>> state_free_blocks_for(doha), state_free_blocks_for(doha.replace({"horizon_days": 2000}))
    (4, 1)
    """
    cells = STATE_FREE_BLOCKS * BLOCK_SIZE * BOUND_HORIZON
    return max(1, min(STATE_FREE_BLOCKS, cells // (int(block_size) * scenario.horizon_days)))


def _allocate(want: np.ndarray, capacity: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Hand ``capacity`` to the rows of ``want`` in row order; each takes what it can.

    ``want`` is (U, R): users in priority order by replications; ``capacity`` (R,).
    What each user takes is subtracted from ``left`` (U, R) in place; ``want`` is used
    as scratch. Returns the total taken per replication. The users up to ``u`` take
    ``min(cumsum(want)[u], capacity)`` between them, so ``u`` takes the step of that
    capped running total.
    """
    if len(want) == 1:  # a third of the calls: two operations instead of five
        taken = np.minimum(want[0], capacity)
        left[0] -= taken
        return taken
    # Row by row: numpy's cumsum along the first axis is several times slower.
    taken = np.empty_like(want)
    taken[0] = want[0]
    for u in range(1, len(want)):
        np.add(taken[u - 1], want[u], out=taken[u])
    np.minimum(taken, capacity, out=taken)
    left[0] -= taken[0]
    step = np.subtract(taken[1:], taken[:-1], out=want[1:])
    left[1:] -= step
    return taken[-1]


def _screen_thresholds(plan: _Plan, rate: np.ndarray, rate_per_row: bool) -> np.ndarray:
    """Per day and base, a uniform at or below which no attack can happen, whatever the state.

    The attack mean is at most its value with the most troops that can ever count at the
    base, the largest factor and the day's largest rate; ``pdtr(0, mean)`` falls as the
    mean grows, and the margin absorbs any last-bit wobble, so ``u`` at or below the
    threshold means zero attacks, as :func:`poisson_inv` would say.
    """

    factor = np.maximum(plan.factors, plan.factors_exposed) if plan.cut_possible else plan.factors
    rate_max = rate.max(axis=1) if rate_per_row else rate
    mean_max = attack_mean(rate_max[:, None], factor, plan.most_at_base, plan.scenario.total_troops)
    return pdtr(0, mean_max) - SURELY_NO_ATTACK_MARGIN


# -- what depends on no state of the force ------------------------------------------------


@dataclass(eq=False)
class _StateFreeInputs:
    """A chunk's state-free inputs, rows in block order (:class:`drawdown.draws.StateFree`).

    ``rate`` is ``(H,)``, or ``(H, R)`` without a deadline (``rate_per_row``).
    """

    decision_day: np.ndarray
    met_day: np.ndarray
    first_drawn_day: np.ndarray
    attacks_before: np.ndarray
    casualties_before: np.ndarray
    rate: np.ndarray
    rate_per_row: bool
    national_delay_days: np.ndarray
    prep_days: np.ndarray
    killed_draw: np.ndarray | None = None


def _state_free_inputs(
    plan: _Plan, seed: int, blocks: list[tuple[int, int]], block_size: int
) -> tuple[list[BlockDraws], _StateFreeInputs]:
    """The chunk's draws, and what the shared :class:`StateFree` makes of them, a few blocks at a time.

    A few blocks at a time: the same bits per replication as block by block, with
    fewer numpy calls per replication (the conditions index is a loop over days). A
    group's whole-horizon draws are dropped before the next group is drawn: a chunk
    holds one group's, whatever its size. Over a long horizon (a block's whole-horizon
    stream past :data:`STATE_FREE_CELLS` values) a block draws them a window of days at
    a time instead (:meth:`StateFree.by_days`, the same bits): it never holds them whole.
    """
    s = plan.scenario
    draws: list[BlockDraws] = []
    parts = []
    killed: list[np.ndarray | None] = []
    step = state_free_blocks_for(s, block_size)
    by_days = s.horizon_days * int(block_size) > STATE_FREE_CELLS
    for g in range(0, len(blocks), step):
        group = [
            BlockDraws(s, seed, b, rows=rows, block_size=block_size, whole_horizon=not by_days)
            for b, rows in blocks[g : g + step]
        ]
        draws.extend(group)
        sfs = [StateFree.by_days(s, d) for d in group] if by_days else [StateFree(s, group)]
        for d in group:
            d.violence = None  # type: ignore[assignment]  # the day's slabs keep the draws alive
        for sf in sfs:
            parts.append(
                (sf.decision_day, sf.met_day, sf.first_drawn_day, sf.attacks_before, sf.casualties_before, sf.rate)
            )
            killed.append(sf.killed_draw)
        del sfs
    decision, met, first_drawn, attacks, casualties = (np.concatenate([p[i] for p in parts]) for i in range(5))
    rate_per_row = s.deadline_day is None
    return draws, _StateFreeInputs(
        decision_day=decision,
        met_day=met,
        first_drawn_day=first_drawn,
        attacks_before=attacks,
        casualties_before=casualties,
        rate=np.concatenate([p[5] for p in parts], axis=1) if rate_per_row else parts[0][5],
        rate_per_row=rate_per_row,
        national_delay_days=np.concatenate([d.national_delay_days for d in draws]).astype(np.int64),
        prep_days=np.concatenate([d.prep_days for d in draws]).astype(np.int64),
        killed_draw=None if killed[0] is None else np.concatenate([k for k in killed if k is not None]),
    )


def _ready_days(plan: _Plan, inputs: _StateFreeInputs) -> np.ndarray:
    """The council's moment: each contingent's ready day, computed when the order is given.

    ``(R, C)`` int32, scenario order, by :func:`drawdown.engines.ready_day`; :data:`NEVER`
    without an order or past the horizon.
    """
    s = plan.scenario
    order_day = inputs.decision_day[:, None]
    ready = ready_day(
        order_day.astype(np.int64), inputs.national_delay_days, inputs.prep_days, plan.road, s.decision.start_on_day
    )
    return np.where((order_day >= 0) & (ready <= s.horizon_days - 1), ready, NEVER).astype(np.int32)


class _DayDraws:
    """The chunk's per-day slabs: each block draws its day straight into its rows of shared buffers.

    Attributes
    ----------
    closed, attacks, casualties, hits : ndarray (R, A), (R, N), (R, N), (R, A) float64
        The day's uniforms of every row of the chunk, row-major, each row's own day
        (slab ``k`` is each row's step ``k``).
    block_of_row : ndarray (R,)
    """

    def __init__(self, draws: list[BlockDraws], n_airfields: int, n_bases: int):
        sizes = np.array([d.rows for d in draws])
        R = int(sizes.sum())
        self.offsets = np.concatenate(([0], np.cumsum(sizes)))
        self.closed = np.empty((R, n_airfields))
        self.attacks = np.empty((R, n_bases))
        self.casualties = np.empty((R, n_bases))
        self.hits = np.empty((R, n_airfields))
        self._days: list[DayStream] = [
            d.day_stream(out=(self.closed[lo:hi], self.attacks[lo:hi], self.casualties[lo:hi], self.hits[lo:hi]))
            for d, lo, hi in zip(draws, self.offsets[:-1], self.offsets[1:], strict=True)
        ]
        self.block_of_row = np.repeat(np.arange(len(sizes)), sizes)

    def draw(self, step: int, blocks_running: np.ndarray, rows: np.ndarray) -> None:
        """Draw slab ``step`` of every block that still has rows running (a boolean per
        block); from :data:`drawdown.draws.TAIL_FROM` on, of the running ``rows`` (chunk rows) only."""
        if step < TAIL_FROM:
            for b in np.flatnonzero(blocks_running):
                self._days[b].draw(step)
            return
        block = self.block_of_row[rows]
        for b in np.flatnonzero(blocks_running):
            self._days[b].draw(step, rows[block == b] - self.offsets[b])

    def close(self) -> None:
        """Let go of the blocks' generators (and the draws they keep)."""
        self._days.clear()


@dataclass(eq=False)
class _Chunk:
    """What the day's moments read and never change: the plan, the day's draws, the rates."""

    plan: _Plan
    draws: _DayDraws
    rate: np.ndarray  # (H,), or (H, R) when rate_per_row
    rate_per_row: bool
    no_attack_at_or_below: np.ndarray  # (H, N): :func:`_screen_thresholds`


# -- the day's moments, over the rows still running -------------------------------------------


def _phases(state: ChunkState, columns: _Columns, day: np.ndarray) -> None:
    """Moment PHASES: ``via`` contingents ready today move to the base they fly from.

    ``day`` is each running row's day. Readiness itself needs no work: the airlift
    compares each ready day with the day.
    """
    for column, home, to in columns.via_moves:
        moving = state.troops_left[column] * (state.ready_day[column] == day)
        state.troops_at_base[home] -= moving
        state.troops_at_base[to] += moving


def _attack_factors(state: ChunkState, plan: _Plan, rows: np.ndarray, bases: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The attack multiplier of each (row, base) pair on its day: exposed once the enablers have left."""
    factor = plan.factors[bases]
    if plan.cut_possible:
        left_day = state.enabler_left_day[:, rows]
        exposed = np.zeros(rows.size, dtype=bool)
        for e, mask in enumerate(plan.exposed_mask):
            exposed |= (left_day[e] >= 0) & (left_day[e] < day) & mask[bases]
        factor = np.where(exposed, plan.factors_exposed[bases], factor)
    return factor


def _attack_candidates(state: ChunkState, chunk: _Chunk, day: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The (row, base) pairs of the day that may see an attack: rows, bases, chunk rows, uniforms, means.

    Two screens spare most pairs the inverse CDF: a uniform at or below the day's
    threshold (no attack even with the most troops a base can hold), then one at or
    below ``1 - mean`` (``<= exp(-mean) = pdtr(0, mean)``) with the pair's own mean,
    without an ``exp``. None when no pair is left after the first.
    """
    plan = chunk.plan
    n_bases, n_rows = plan.n_bases, state.rows
    # np.take and flat indices: numpy's fancy indexing of rows, and np.nonzero on two
    # dimensions, are several times slower on these shapes.
    u_all = np.take(chunk.draws.attacks, state.row, axis=0)
    flat = np.flatnonzero(u_all > np.take(chunk.no_attack_at_or_below, day, axis=0))
    rows = flat // n_bases
    bases = flat - rows * n_bases
    if not rows.size:
        return None
    pair_day = day[rows]
    factor = _attack_factors(state, plan, rows, bases, pair_day)
    chunk_rows = state.row[rows]
    rate = chunk.rate[pair_day, chunk_rows] if chunk.rate_per_row else chunk.rate[pair_day]
    troops = np.take(state.troops_at_base, bases * n_rows + rows)
    mean = attack_mean(rate, factor, troops, plan.scenario.total_troops)
    u = np.take(u_all, flat)
    maybe = u > 1.0 - mean - SURELY_NO_ATTACK_MARGIN
    return rows[maybe], bases[maybe], chunk_rows[maybe], u[maybe], mean[maybe]


def _threat(state: ChunkState, chunk: _Chunk, day: np.ndarray) -> None:
    """Moment THREAT: attacks, casualties and airfield hits, on the troops at each base at the start of the day."""
    candidates = _attack_candidates(state, chunk, day)
    if candidates is None:
        return
    rows, bases, chunk_rows, u, mean = candidates
    attacks = poisson_inv(u, mean)
    struck = attacks > 0
    if not struck.any():
        return
    plan = chunk.plan
    rows, bases, chunk_rows, attacks = rows[struck], bases[struck], chunk_rows[struck], attacks[struck]
    u_casualties = np.take(chunk.draws.casualties, chunk_rows * plan.n_bases + bases)
    casualties = plan.casualties.casualties(u_casualties, attacks)
    # bincount adds repeated rows far faster than np.add.at (exact: counts are far below 2**53)
    n = state.rows
    state.attacks += np.bincount(rows, weights=attacks, minlength=n).astype(np.int64)
    state.casualties += np.bincount(rows, weights=casualties, minlength=n).astype(np.int64)
    if plan.scenario.threat.closure_days > 0:
        _close_airfields(state, chunk, day, rows, bases, chunk_rows, attacks)


def _close_airfields(
    state: ChunkState,
    chunk: _Chunk,
    day: np.ndarray,
    rows: np.ndarray,
    bases: np.ndarray,
    chunk_rows: np.ndarray,
    attacks: np.ndarray,
) -> None:
    """Shut the airfields that the day's attacks hit, from today for ``closure_days`` days."""
    plan = chunk.plan
    airfield = plan.air_of_base[bases]
    on_airfield = airfield >= 0
    rows, airfield, chunk_rows = rows[on_airfield], airfield[on_airfield], chunk_rows[on_airfield]
    u_hit = np.take(chunk.draws.hits, chunk_rows * len(plan.airfields) + airfield)
    hit = u_hit < plan.hits.threshold(attacks[on_airfield])
    if hit.any():
        # Never earlier than a closure already set (set on an earlier day), and each
        # (airfield, row) at most once a day: a plain assignment.
        rows = rows[hit]
        state.closed_until[airfield[hit], rows] = day[rows] + plan.scenario.threat.closure_days - 1


def _rear_guards_waiting(state: ChunkState, columns: _Columns, n: int) -> list[np.ndarray]:
    """Enablers last: per hold, whether a dependent was in country at the start of the day (first ``n`` rows).

    A dependent is in country while it has troops: its exit is recorded the evening its
    last troops fly.
    """
    waiting = []
    for dependents, others in columns.holds:
        if len(dependents) <= len(others):
            waiting.append(state.troops_left[dependents, :n].sum(axis=0, dtype=np.int64) > 0)
        else:
            waiting.append(state.troops_in_country[:n] > state.troops_left[others, :n].sum(axis=0, dtype=np.int64))
    return waiting


def _capacities(state: ChunkState, chunk: _Chunk, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every airfield's open day and nominal capacities: ``(A, n)`` open, cargo tonnes, seats.

    Open when the day's weather allows and no hit has shut it. One pass over every
    airfield; compared before gathered (a byte a value to gather instead of eight).
    """
    plan = chunk.plan
    is_open = np.ascontiguousarray(np.take(chunk.draws.closed >= plan.p_closed, state.row[: day.size], axis=0).T)
    is_open &= state.closed_until[:, : day.size] < day
    return is_open, is_open * plan.cargo_t_per_day, is_open * plan.seats_per_day


def _cut_capacities(
    state: ChunkState,
    plan: _Plan,
    users: _Users,
    is_open: np.ndarray,
    day: np.ndarray,
    cargo_t: np.ndarray,
    seats: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """An airfield's capacities less what it loses from the day after its enablers have left."""
    left_day = state.enabler_left_day[plan.cut_by[users.base], : day.size]
    cut = ((left_day >= 0) & (left_day < day)).any(axis=0) * is_open[users.airfield]
    return cargo_t - cut * plan.cargo_t_cut[users.base], seats - cut * plan.seats_cut[users.base]


def _users_with_work(state: ChunkState, users: _Users, step: int) -> tuple[int, int] | None:
    """The columns ``lo, hi`` of an airfield's users ready and not yet out in some running row, or None."""
    alive = np.flatnonzero(state.ready_count[users.lo : users.hi, step] > state.exit_count[users.lo : users.hi])
    if alive.size == 0:
        return None
    return users.lo + int(alive[0]), users.lo + int(alive[-1]) + 1


def _serve_airfield(
    state: ChunkState,
    base: int,
    lo: int,
    hi: int,
    held_in: list[tuple[int, int]],
    waiting: list[np.ndarray],
    day: np.ndarray,
    cargo_t: np.ndarray,
    seats: np.ndarray,
) -> None:
    """One airfield's day for its users in columns ``lo .. hi - 1``: cargo, then seats, in priority order."""
    n = day.size
    ready = state.ready_day[lo:hi, :n] <= day
    cargo_left = state.cargo_left_t[lo:hi, :n]
    state.lifted_t[:n] += _allocate(cargo_left * ready, cargo_t, cargo_left)
    # A ready contingent may fly its main body; its rear guard too once the cargo is out
    # (this step's included) and unless it waits for dependents: it may use all its
    # troops, less the rear guard where that must stay. Products with booleans stand
    # for np.where, which is many times slower here.
    troops_left = state.troops_left[lo:hi, :n]
    rear_guard_stays = cargo_left != 0
    for column, hold in held_in:
        if lo <= column < hi:
            rear_guard_stays[column - lo] |= waiting[hold]
    may_fly = np.minimum(troops_left, state.rear_guard[lo:hi, :n])
    may_fly *= rear_guard_stays
    np.subtract(troops_left, may_fly, out=may_fly)
    may_fly *= ready
    state.troops_at_base[base, :n] -= _allocate(may_fly, seats, troops_left)


def _airlift(state: ChunkState, chunk: _Chunk, step: int, day: np.ndarray) -> list[tuple[int, int]]:
    """Moment AIRLIFT for the first ``day.size`` rows (those with a contingent ready).

    Who is ready and whose rear guard waits for dependents are fixed before any
    airfield hands out. Returns the runs of columns ``(lo, hi)`` served: the only
    contingents that can exit today.
    """
    plan = chunk.plan
    columns = plan.columns
    waiting = _rear_guards_waiting(state, columns, day.size)
    is_open, cargo_caps, seat_caps = _capacities(state, chunk, day)
    served = []
    for users, held_in in zip(columns.airfield_users, columns.held_in, strict=True):
        span = _users_with_work(state, users, step)
        if span is None:
            continue
        lo, hi = span
        cargo_t, seats = cargo_caps[users.airfield], seat_caps[users.airfield]
        if plan.cut_possible and plan.cut_by[users.base]:
            cargo_t, seats = _cut_capacities(state, plan, users, is_open, day, cargo_t, seats)
        _serve_airfield(state, users.base, lo, hi, held_in, waiting, day, cargo_t, seats)
        served.append(span)
    return served


def _record_exits(state: ChunkState, day: np.ndarray, served: list[tuple[int, int]]) -> bool:
    """Contingents whose last troops flew today exit today; whether any did.

    They are the cells with no troops left and no exit day yet (both zero); few, so
    indexed rather than passed over.
    """
    n = day.size
    any_exit = False
    for lo, hi in served:
        exit_day_plus_one = state.exit_day_plus_one[lo:hi, :n]
        out_now = np.flatnonzero((state.troops_left[lo:hi, :n] | exit_day_plus_one) == 0)
        if out_now.size:
            users = out_now // n
            rows = out_now - users * n
            exit_day_plus_one[users, rows] = day[rows] + 1
            state.exit_count[lo:hi] += np.bincount(users, minlength=hi - lo)
            any_exit = True
    return any_exit


def _dusk(state: ChunkState, chunk: _Chunk, day: np.ndarray, served: list[tuple[int, int]]) -> None:
    """Moment DUSK for the first ``day.size`` rows: the day's books, the exits, the enablers gone.

    The other rows have flown nothing and stand as the outcomes were started.
    """
    n = day.size
    state.troops_in_country[:n] = state.troops_at_base[:, :n].sum(axis=0)
    in_country = state.troops_in_country[:n]
    out = state.outcomes
    if out.troops_in_country is not None and out.retrograde_lifted_t is not None:
        rows = state.row[:n]
        out.troops_in_country[rows, day] = in_country
        out.retrograde_lifted_t[rows, day] = state.lifted_t[:n]
    if out.nation_troops is not None:
        _record_nations(state, chunk.plan, day)
    deadline = chunk.plan.scenario.deadline_day
    if deadline is not None:
        state.troop_days_past_deadline[:n] += in_country * (day >= deadline)
        state.troops_at_deadline[:n] += in_country * (day == deadline)
    if _record_exits(state, day, served):
        exit_day_plus_one = state.exit_day_plus_one[:, :n]
        for e, members in enumerate(chunk.plan.columns.enabler_members):
            now_gone = (exit_day_plus_one[members] > 0).all(axis=0) & (state.enabler_left_day[e, :n] < 0)
            state.enabler_left_day[e, :n] += now_gone * (day + 1)


def _record_nations(state: ChunkState, plan: _Plan, day: np.ndarray) -> None:
    """Each nation's troops in country and tonnes out at the end of the day, for the first ``day.size`` rows.

    A contingent's troops in country are its troops still to leave, and its tonnes out
    its liftable tonnes less those still to lift: one sum over each nation's run of columns.
    """
    n = day.size
    columns = plan.columns
    by_nation, starts = columns.columns_by_nation, columns.nation_starts
    troops = np.add.reduceat(state.troops_left[by_nation, :n].astype(np.int64), starts, axis=0)
    cargo_left = np.add.reduceat(state.cargo_left_t[by_nation, :n].astype(np.int64), starts, axis=0)
    out, rows = state.outcomes, state.row[:n]
    assert out.nation_troops is not None and out.nation_out_t is not None  # recording nations
    out.nation_troops[rows, day] = troops.T
    out.nation_out_t[rows, day] = plan.nation_liftable_t[None, :] - cargo_left.T


def _retire_finished(state: ChunkState, day: np.ndarray, n_flying: int, n_rows: int) -> None:
    """Drop the rows that are done: all out, or at the horizon's last day.

    Rows all out are dropped only once they are one in :data:`RETIRE_ONE_IN` of the
    ``n_rows`` that ran the day; every row stops on the horizon's last day.
    """
    ends = day == state.horizon - 1
    if n_flying:
        finished = int((state.troops_in_country[:n_flying] == 0).sum())
        if ends.any() or (finished and finished * RETIRE_ONE_IN >= n_rows):
            state.compact((state.troops_in_country > 0) & ~ends)
    elif ends.any():
        state.compact(~ends)


def _run_days(state: ChunkState, chunk: _Chunk) -> None:
    """Step the running rows through their days, each moment in turn, until none is left."""
    columns, day_dtype = chunk.plan.columns, chunk.plan.day_dtype
    for step in range(state.horizon):
        n_rows = state.rows
        if n_rows == 0:
            break
        chunk.draws.draw(step, state.blocks_running, state.row)
        day = state.first_drawn_day + day_dtype(step)  # each row's day
        n_flying = state.rows_ready_by(step)
        _phases(state, columns, day)
        _threat(state, chunk, day)
        if n_flying:
            flying_day = day[:n_flying]
            served = _airlift(state, chunk, step, flying_day)
            _dusk(state, chunk, flying_day, served)
        _retire_finished(state, day, n_flying, n_rows)
    state.compact(np.zeros(state.rows, dtype=bool))


def _run_chunk(
    plan: _Plan,
    seed: int,
    blocks: list[tuple[int, int]],
    block_size: int,
    record_daily: bool = True,
    record_nations: bool = False,
) -> Outcomes:
    """The outcomes of one chunk's blocks, ``(block, rows)`` pairs."""
    s = plan.scenario
    draws, inputs = _state_free_inputs(plan, seed, blocks, block_size)
    ready = _ready_days(plan, inputs)
    day_draws = _DayDraws(draws, len(plan.airfields), plan.n_bases)
    del draws  # the day iterators keep what they need
    outcomes = ChunkOutcomes.start(
        first_ready_day=ready.min(axis=1),
        attacks_before=inputs.attacks_before,
        casualties_before=inputs.casualties_before,
        n_contingents=plan.n_contingents,
        horizon=s.horizon_days,
        deadline=s.deadline_day,
        total_troops=s.total_troops,
        liftable_t=s.liftable_t,
        record_daily=record_daily,
        nation_totals=(plan.nation_troops, plan.nation_liftable_t) if record_nations else None,
    )
    columns = plan.columns
    contingents = columns.contingent_of_column
    state = ChunkState.start(
        ready_day=ready,
        first_drawn_day=inputs.first_drawn_day,
        column_contingents=contingents,
        troops=plan.troops[contingents],
        liftable_t=plan.liftable[contingents],
        rear_guard=plan.rear_guard[contingents],
        troops_at_home=plan.troops_at_home,
        n_airfields=len(plan.airfields),
        n_enabler_nations=len(columns.enabler_members),
        horizon=s.horizon_days,
        day_dtype=plan.day_dtype,
        count_dtype=plan.count_dtype,
        block_of_row=day_draws.block_of_row,
        n_blocks=len(blocks),
        outcomes=outcomes,
    )
    screen = _screen_thresholds(plan, inputs.rate, inputs.rate_per_row)
    _run_days(state, _Chunk(plan, day_draws, inputs.rate, inputs.rate_per_row, screen))
    day_draws.close()
    return finish_outcomes(
        s,
        decision_day=inputs.decision_day,
        met_day=inputs.met_day,
        ready_day=np.where(ready == NEVER, -1, ready).astype(np.int32),
        exit_day=outcomes.exit_day,
        attacks=outcomes.attacks,
        casualties=outcomes.casualties,
        troop_days_past_deadline=outcomes.troop_days_past_deadline,
        troops_at_deadline=outcomes.troops_at_deadline,
        troops_in_country=outcomes.troops_in_country,
        retrograde_lifted_t=outcomes.retrograde_lifted_t,
        nation_troops=outcomes.nation_troops,
        nation_out_t=outcomes.nation_out_t,
        killed_draw=inputs.killed_draw,
    )


def iter_chunks(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    block_size: int = BLOCK_SIZE,
    blocks: Iterable[tuple[int, int]] | None = None,
    record_daily: bool = True,
    record_nations: bool = False,
) -> Iterator[tuple[list[tuple[int, int]], Outcomes]]:
    """Yield the outcomes of ``reps`` replications chunk by chunk, in block order.

    Parameters
    ----------
    scenario : Scenario
    reps : int
        Replications (ignored when ``blocks`` is given).
    seed : int
    first_block : int, optional
        Block of the first replication.
    chunk_blocks : int, optional
        Blocks run together, at most: fewer where the horizon is long
        (:func:`chunk_blocks_for`); bounds memory, never changes results.
    block_size : int, optional
    blocks : iterable of (block, rows), optional
        The blocks to run instead of those covering ``reps``, in this order.
    record_daily : bool, optional
        Keep troops in country and tonnes lifted per replication and day.
    record_nations : bool, optional
        Also keep them per nation (``Outcomes.nation_troops``, ``Outcomes.nation_out_t``,
        ``(R, H, nations)``); the chunks are then smaller (:func:`chunk_blocks_for`).

    Yields
    ------
    blocks : list of (block, rows)
        The chunk's blocks.
    outcomes : Outcomes
        Their outcomes (with per-day arrays unless ``record_daily`` is false).
    """
    plan = _Plan(scenario)
    if blocks is None:
        blocks = [(first_block + b, rows) for b, rows in blocks_for(reps, block_size)]
    blocks = list(blocks)
    chunk_blocks = chunk_blocks_for(scenario, block_size, chunk_blocks, record_daily, record_nations)
    # As even as the chunk size allows: a small last chunk costs more per replication
    # (the day loop's numpy calls are spread over fewer of them).
    n_chunks = -(-len(blocks) // max(int(chunk_blocks), 1))
    bounds = [-(-len(blocks) * i // n_chunks) for i in range(n_chunks + 1)] if blocks else [0]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        chunk = blocks[lo:hi]
        yield chunk, _run_chunk(plan, seed, chunk, block_size, record_daily, record_nations)


def run_numpy(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    record_daily: bool = False,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[int], object] | None = None,
    record_nations: bool = False,
) -> Outcomes:
    """Run ``reps`` replications with the numpy engine and return their outcomes.

    Parameters
    ----------
    scenario : Scenario
    reps : int
    seed : int
    first_block : int, optional
        Block of the first replication.
    record_daily : bool, optional
        Keep troops in country and tonnes lifted per replication and day.
    record_nations : bool, optional
        Keep them per nation too (``Outcomes.nation_troops``, ``Outcomes.nation_out_t``).
    chunk_blocks : int, optional
        Blocks run together, at most: fewer where the horizon is long
        (:func:`chunk_blocks_for`); bounds memory, never changes results.
    block_size : int, optional
    progress : callable, optional
        Called with the number of replications finished since the last call.

    Returns
    -------
    Outcomes

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_numpy
    >>> out = run_numpy(drawdown.load("doha-2021-05-01"), reps=500, seed=7)
    >>> out.exit_day.shape
    (500, 40)
    """
    parts = []
    for chunk, out in iter_chunks(
        scenario,
        reps,
        seed,
        first_block=first_block,
        chunk_blocks=chunk_blocks,
        block_size=block_size,
        record_daily=record_daily,
        record_nations=record_nations,
    ):
        parts.append(out)
        if progress is not None:
            progress(sum(rows for _, rows in chunk))
    return Outcomes.concatenate(parts)
