"""The numpy engine's state over a chunk: the rows still running, and every row's outcomes.

A chunk's replications are its **rows**, in block order. :class:`ChunkOutcomes` holds
the outcome arrays of every row of the chunk; :class:`ChunkState` holds the state of
the rows still running, each on its own clock (its step ``k`` is its day
``first_drawn_day + k``). :meth:`ChunkState.compact` drops the rows that are done and
writes what they recorded into the outcomes, so each day's work is over the rows still
running only.

Per-contingent arrays are contingent-major, ``(columns, rows)``: the columns are the
contingents reordered so that each airfield's users are one run of columns, in
priority order (``drawdown.engines.numpy_engine``), so an airfield's users are one slice and a sum
over contingents is a sum of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .outcomes import TONNES, TROOPS

__all__ = ["ChunkOutcomes", "ChunkState"]

# The per-row arrays of ChunkState: compact() keeps the same rows of each (last axis).
#: Replication-days of the masks that start a chunk's per-day arrays, at a time.
_START_CELLS = 1 << 20
_ROW_ARRAYS = (
    "row",
    "ready_step",
    "first_drawn_day",
    "ready_day",
    "troops_left",
    "cargo_left_t",
    "rear_guard",
    "exit_day_plus_one",
    "closed_until",
    "enabler_left_day",
    "lifted_t",
    "attacks",
    "casualties",
    "troop_days_past_deadline",
    "troops_at_deadline",
    "troops_at_base",
    "troops_in_country",
)


@dataclass(eq=False)
class ChunkOutcomes:
    """What the engine records for every row of a chunk (R rows, scenario order of contingents).

    Attributes
    ----------
    exit_day : ndarray (R, C) int32
        Day each contingent's last soldier flew; -1 until then (and if never).
    attacks, casualties : ndarray (R,) int64
        Over the whole replication (those before the first drawn day included).
    troop_days_past_deadline, troops_at_deadline : ndarray (R,) int64
        End-of-day troops summed from the deadline day on, and on the deadline day.
    troops_in_country : ndarray (R, H) int32 or None
        End-of-day troops per day, when the run records per-day arrays.
    retrograde_lifted_t : ndarray (R, H) int64 or None
        Tonnes lifted by the end of each day, likewise.
    nation_troops, nation_out_t : ndarray (R, H, nations) int32 / int64, or None
        Per nation (``Scenario.nations`` order): end-of-day troops in country and tonnes
        lifted out so far, when the run records them (``record_nations``).
    """

    exit_day: np.ndarray
    attacks: np.ndarray
    casualties: np.ndarray
    troop_days_past_deadline: np.ndarray
    troops_at_deadline: np.ndarray
    troops_in_country: np.ndarray | None
    retrograde_lifted_t: np.ndarray | None
    nation_troops: np.ndarray | None = None
    nation_out_t: np.ndarray | None = None

    @classmethod
    def start(
        cls,
        *,
        first_ready_day: np.ndarray,
        attacks_before: np.ndarray,
        casualties_before: np.ndarray,
        n_contingents: int,
        horizon: int,
        deadline: int | None,
        total_troops: int,
        liftable_t: int,
        record_daily: bool,
        nation_totals: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> ChunkOutcomes:
        """The outcomes as known before the first step: the days before each row's first ready day.

        Before its first contingent is ready (day ``first_ready_day``, int32, past the
        horizon when never) a replication has every troop in country and nothing
        lifted; the day loop writes the days from there to its last exit (after which
        nothing is in country and everything is lifted).

        Parameters
        ----------
        first_ready_day : ndarray (R,)
        attacks_before, casualties_before : ndarray (R,) int64
            Attacks and casualties before each row's first drawn day; the engine adds
            the later ones.
        n_contingents, horizon : int
        deadline : int or None
            The deadline day.
        total_troops, liftable_t : int
            The whole force's troops and liftable tonnes.
        record_daily : bool
            Keep the per-day arrays.
        nation_totals : (ndarray (N,), ndarray (N,)), optional
            Each nation's troops and liftable tonnes: keep the per-nation per-day arrays.
        """
        rows = first_ready_day.size
        troops_daily = lifted_daily = None
        if record_daily:
            # A few rows at a time: a whole chunk's (R, H) masks would cost a fifth of the arrays.
            troops_daily = np.empty((rows, horizon), dtype=TROOPS)
            lifted_daily = np.empty((rows, horizon), dtype=TONNES)
            step = max(1, _START_CELLS // max(horizon, 1))
            days = np.arange(horizon)[None, :]
            for lo in range(0, rows, step):
                before_ready = days < first_ready_day[lo : lo + step, None]
                np.multiply(before_ready, total_troops, out=troops_daily[lo : lo + step], dtype=TROOPS)
                np.multiply(~before_ready, liftable_t, out=lifted_daily[lo : lo + step], dtype=TONNES)
        nation_troops, nation_out_t = _nation_days_before_ready(first_ready_day, horizon, nation_totals)
        waiting_days = np.minimum(first_ready_day.astype(np.int64), horizon)  # days 0 .. first ready - 1
        past = np.zeros(rows, dtype=np.int64)
        at_deadline = np.zeros(rows, dtype=np.int64)
        if deadline is not None:
            past += total_troops * np.maximum(waiting_days - deadline, 0)
            at_deadline += total_troops * (deadline < waiting_days)
        return cls(
            exit_day=np.full((rows, n_contingents), -1, dtype=np.int32),
            attacks=attacks_before,
            casualties=casualties_before,
            troop_days_past_deadline=past,
            troops_at_deadline=at_deadline,
            troops_in_country=troops_daily,
            retrograde_lifted_t=lifted_daily,
            nation_troops=nation_troops,
            nation_out_t=nation_out_t,
        )


def _nation_days_before_ready(
    first_ready_day: np.ndarray, horizon: int, nation_totals: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The per-nation per-day arrays as known before the first step (None without ``nation_totals``).

    Before a row's first ready day every nation has all its troops in country and
    nothing out; from then on the day loop writes each day until the row is done, after
    which every nation is out with all its tonnes (the rear guard waits for the last
    tonne, so nothing liftable is left once the troops are out).
    """
    if nation_totals is None:
        return None, None
    troops, liftable_t = (np.asarray(a) for a in nation_totals)
    rows, N = first_ready_day.size, troops.size
    nation_troops = np.empty((rows, horizon, N), dtype=TROOPS)
    nation_out_t = np.empty((rows, horizon, N), dtype=TONNES)
    step = max(1, _START_CELLS // max(horizon * N, 1))
    days = np.arange(horizon)[None, :, None]
    for lo in range(0, rows, step):
        before_ready = days < first_ready_day[lo : lo + step, None, None]
        np.multiply(before_ready, troops.astype(TROOPS), out=nation_troops[lo : lo + step], dtype=TROOPS)
        np.multiply(~before_ready, liftable_t.astype(TONNES), out=nation_out_t[lo : lo + step], dtype=TONNES)
    return nation_troops, nation_out_t


@dataclass(eq=False)
class ChunkState:
    """The state of a chunk's rows still running, ``n`` of them.

    Rows are sorted by the step on which their first contingent is ready, so the rows
    with anything to fly on step ``k`` are the first :meth:`rows_ready_by` of them.
    Days are in the plan's day type (int16 where the horizon allows), troops and
    tonnes in its count type (int16 where every total fits): narrow types, less memory
    streamed each day, the same integers.

    Attributes
    ----------
    row : ndarray (n,) int64
        Each running row's index in the chunk (in :class:`ChunkOutcomes`).
    ready_step : ndarray (n,) int64
        Step on which the row's first contingent is ready, ascending.
    first_drawn_day : ndarray (n,)
        The row's day on step 0 (:func:`drawdown.draws.first_drawn_days`).
    ready_day : ndarray (C, n)
        Day each contingent's main body may first fly; the day type's largest value if never.
    troops_left, cargo_left_t, rear_guard : ndarray (C, n)
        Soldiers and tonnes still to fly; rear guard sizes (the same in every row, kept
        as a full array: ``np.minimum`` against a broadcast column is many times slower).
    exit_day_plus_one : ndarray (C, n)
        Exit day + 1; 0 while in country (a cell whose troops and this are both zero has
        just exited).
    closed_until : ndarray (A, n)
        Last day a hit shuts each airfield; -1 if none yet.
    enabler_left_day : ndarray (E, n)
        Day each enabler nation's last contingent exited; -1 while present.
    lifted_t : ndarray (n,) int64
        Tonnes lifted so far.
    attacks, casualties, troop_days_past_deadline, troops_at_deadline : ndarray (n,) int64
        Counted since the first drawn day; added to the outcomes when the row retires.
    troops_at_base : ndarray (N, n) int32
        Troops counting at each base, kept up to date: flights take them off the base
        they fly from, ``via`` contingents move on their ready day.
    troops_in_country : ndarray (n,) int64
        At the end of the row's last recorded day (every troop before any flies).
    ready_count : ndarray (C, H) int64
        How many running rows have each contingent ready by step ``k``.
    exit_count : ndarray (C,) int64
        How many running rows have seen each contingent exit. With ``ready_count``, an
        airfield need only hand out over the users ready and not yet out in some row,
        found without a pass over every row.
    blocks_running : ndarray (blocks,) bool
        The chunk's blocks with a row still running (the others stop drawing).
    block_of_row : ndarray (R,)
        The block of each row of the chunk.
    contingent_columns : ndarray (C,)
        The column of each contingent in scenario order.
    horizon : int
        Days in the horizon (steps at most).
    outcomes : ChunkOutcomes
        Where retired rows write what they recorded.
    """

    row: np.ndarray
    ready_step: np.ndarray
    first_drawn_day: np.ndarray
    ready_day: np.ndarray
    troops_left: np.ndarray
    cargo_left_t: np.ndarray
    rear_guard: np.ndarray
    exit_day_plus_one: np.ndarray
    closed_until: np.ndarray
    enabler_left_day: np.ndarray
    lifted_t: np.ndarray
    attacks: np.ndarray
    casualties: np.ndarray
    troop_days_past_deadline: np.ndarray
    troops_at_deadline: np.ndarray
    troops_at_base: np.ndarray
    troops_in_country: np.ndarray
    ready_count: np.ndarray
    exit_count: np.ndarray
    blocks_running: np.ndarray
    block_of_row: np.ndarray
    contingent_columns: np.ndarray
    horizon: int
    outcomes: ChunkOutcomes

    @classmethod
    def start(
        cls,
        *,
        ready_day: np.ndarray,
        first_drawn_day: np.ndarray,
        column_contingents: np.ndarray,
        troops: np.ndarray,
        liftable_t: np.ndarray,
        rear_guard: np.ndarray,
        troops_at_home: np.ndarray,
        n_airfields: int,
        n_enabler_nations: int,
        horizon: int,
        day_dtype: type[np.integer],
        count_dtype: type[np.integer],
        block_of_row: np.ndarray,
        n_blocks: int,
        outcomes: ChunkOutcomes,
    ) -> ChunkState:
        """The state on step 0 of the chunk's rows given an order.

        Parameters
        ----------
        ready_day : ndarray (R, C) int32
            Each contingent's ready day, scenario order; ``iinfo(int32).max`` if never.
        first_drawn_day : ndarray (R,) int32
            The horizon for a row given no order (it never runs).
        column_contingents : ndarray (C,)
            The contingent (scenario order) of each column.
        troops, liftable_t, rear_guard : ndarray (C,)
            Per contingent, in column order.
        troops_at_home : ndarray (N,)
            Troops counting at each base before anyone moves.
        n_airfields, n_enabler_nations, horizon, n_blocks : int
        day_dtype, count_dtype : numpy integer types
            For days, and for troops, tonnes and capacities.
        block_of_row : ndarray (R,); outcomes : ChunkOutcomes
        """
        first_ready = ready_day.min(axis=1)
        ordered = np.flatnonzero(first_drawn_day < horizon)
        ready_step = (first_ready.astype(np.int64) - first_drawn_day)[ordered]
        row = ordered[np.argsort(ready_step, kind="stable")]
        n = row.size
        never = np.iinfo(day_dtype).max
        ready = ready_day[row]
        ready = np.where(ready == np.iinfo(np.int32).max, never, ready)[:, column_contingents]
        C = len(column_contingents)

        def per_row(values: np.ndarray, dtype: type[np.integer]) -> np.ndarray:
            return np.repeat(values.astype(dtype)[:, None], n, axis=1)

        state = cls(
            row=row,
            ready_step=np.sort(ready_step, kind="stable"),
            first_drawn_day=first_drawn_day[row].astype(day_dtype),
            ready_day=np.ascontiguousarray(ready.T).astype(day_dtype),
            troops_left=per_row(troops, count_dtype),
            cargo_left_t=per_row(liftable_t, count_dtype),
            rear_guard=per_row(rear_guard, count_dtype),
            exit_day_plus_one=np.zeros((C, n), dtype=day_dtype),
            closed_until=np.full((n_airfields, n), -1, dtype=day_dtype),
            enabler_left_day=np.full((n_enabler_nations, n), -1, dtype=day_dtype),
            lifted_t=np.zeros(n, dtype=np.int64),
            attacks=np.zeros(n, dtype=np.int64),
            casualties=np.zeros(n, dtype=np.int64),
            troop_days_past_deadline=np.zeros(n, dtype=np.int64),
            troops_at_deadline=np.zeros(n, dtype=np.int64),
            troops_at_base=per_row(troops_at_home, TROOPS),
            troops_in_country=np.full(n, int(troops.sum()), dtype=np.int64),
            ready_count=np.zeros((C, horizon), dtype=np.int64),
            exit_count=np.zeros(C, dtype=np.int64),
            blocks_running=np.zeros(n_blocks, dtype=bool),
            block_of_row=block_of_row,
            contingent_columns=np.argsort(column_contingents),
            horizon=horizon,
            outcomes=outcomes,
        )
        state.ready_count = state._ready_counts(slice(None))
        state.blocks_running[np.unique(block_of_row[row])] = True
        return state

    @property
    def rows(self) -> int:
        """How many rows are still running."""
        return self.row.size

    def rows_ready_by(self, step: int) -> int:
        """How many rows (a prefix) have a contingent ready by ``step``."""
        return int(np.searchsorted(self.ready_step, step, side="right"))

    def _ready_counts(self, rows: np.ndarray | slice) -> np.ndarray:
        """(C, H): how many of these rows have each contingent ready by step ``k``."""
        C, H = self.ready_day.shape[0], self.horizon
        step = np.minimum(self.ready_day[:, rows].astype(np.int64) - self.first_drawn_day[rows].astype(np.int64), H)
        step += np.arange(C)[:, None] * (H + 1)
        counts = np.bincount(step.ravel(), minlength=C * (H + 1)).reshape(C, H + 1)
        return np.cumsum(counts, axis=1)[:, :H]

    def compact(self, keep: np.ndarray) -> None:
        """Drop the running rows not in ``keep`` (a boolean per row), writing out their outcomes.

        A retired row's exit days, counts and troop-days go to :attr:`outcomes`; the
        rows kept stay in their order (still sorted by ready step).
        """
        # Integer indices: faster than boolean masks on the (contingent, row) arrays.
        drop = np.flatnonzero(~keep)
        kept = np.flatnonzero(keep)
        self.ready_count -= self._ready_counts(drop)
        exits = self.exit_day_plus_one[:, drop]
        self.exit_count -= (exits > 0).sum(axis=1)
        out, rows = self.outcomes, self.row[drop]
        out.exit_day[rows] = exits.T[:, self.contingent_columns].astype(np.int32) - 1
        out.attacks[rows] += self.attacks[drop]
        out.casualties[rows] += self.casualties[drop]
        out.troop_days_past_deadline[rows] += self.troop_days_past_deadline[drop]
        out.troops_at_deadline[rows] += self.troops_at_deadline[drop]
        # np.take along the rows keeps each array C-contiguous, where fancy indexing
        # (a[:, kept]) returns it column-major: every row slice of the day's work would
        # then be strided, and the engine about a fifth slower.
        for name in _ROW_ARRAYS:
            values = getattr(self, name)
            setattr(self, name, np.take(values, kept, axis=values.ndim - 1))
        self.blocks_running[:] = False
        self.blocks_running[np.unique(self.block_of_row[self.row])] = True
