"""The vectorised network engine: model v2 (docs/network.md) over many replications at once.

It gives the SimPy reference engine's outcomes (:mod:`drawdown.engines.network_simpy`)
replication by replication. Replications are the **rows** of every state array; the
engine loops in Python over the days and over the ways (legs, then exits) and their
users, never over replications. Each row runs on its own clock from its first drawn
day (step ``k`` is its day ``first_drawn + k``), as in the v1 numpy engine; a row whose
day is past the horizon, or whose troops and tonnes are all out, is frozen (``live``) and
dropped from the state once finished rows are one in eight (docs/decisions-vectorised.md).

A v1 scenario runs as the network it implies (:func:`drawdown.scenario.as_network`)
and gives the v1 engines' outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..draws import BLOCK_SIZE, TAIL_FROM, BlockDraws, blocks_for, poisson_inv
from .network_state import NEVER_DAY, NetworkLayout, Way
from .numpy_engine import DEFAULT_CHUNK_BLOCKS, _state_free_inputs, chunk_blocks_for
from .outcomes import TONNES, TROOPS, Outcomes, finish_outcomes

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["iter_network_chunks", "run_network_numpy"]

NEVER = NEVER_DAY  # a day that never comes (known)
UNKNOWN = NEVER + 1  # a day not yet known (a phase start waiting for another phase)
BIG = np.iinfo(np.int64).max // 4  # a budget that binds nothing
SURELY_NO_ATTACK_MARGIN = 1e-12  # as the v1 engine: u this far below 1 - mean means no attack


class _Draws:
    """The chunk's per-day slabs: each block draws its day into its rows of shared buffers.

    :attr:`arrays` are the running rows' values: the buffers themselves until the chunk
    drops its first finished rows, then each day's gather of the rows still running."""

    def __init__(self, draws: list[BlockDraws], widths: tuple[int | None, ...]):
        sizes = [d.rows for d in draws]
        self.offsets = np.concatenate(([0], np.cumsum(sizes))).astype(int)
        R = int(self.offsets[-1])
        self._buffers = tuple(None if w is None else np.empty((R, w)) for w in widths)
        drawn = tuple(a for a in self._buffers if a is not None)
        self._days = [
            d.day_stream(out=tuple(a[lo:hi] for a in drawn))
            for d, lo, hi in zip(draws, self.offsets[:-1], self.offsets[1:], strict=True)
        ]
        self.arrays: tuple[Any, ...] = self._buffers

    def draw(self, step: int, live: np.ndarray, row: np.ndarray) -> None:
        """Draw slab ``step`` of the blocks with a row live; from
        :data:`drawdown.draws.TAIL_FROM` on, of their live rows only. ``live`` is per
        running row, ``row`` the chunk row each running row is."""
        full = int(self.offsets[-1])
        if row.size < full:
            live_full = np.zeros(full, dtype=bool)
            live_full[row] = live
            live = live_full
        for b, days in enumerate(self._days):
            rows = np.flatnonzero(live[self.offsets[b] : self.offsets[b + 1]])
            if rows.size:
                days.draw(step, rows if step >= TAIL_FROM else None)
        if row.size < full:
            self.arrays = tuple(None if a is None else a[row] for a in self._buffers)


#: The state arrays with one entry per replication on their last axis (the rows
#: compaction keeps); the per-day records are (rows, days[, nations]) and keep every row.
_ROW_ARRAYS = (
    "decision",
    "met",
    "first_drawn",
    "national",
    "prep",
    "main",
    "guard",
    "main_arrived",
    "passed",
    "cargo",
    "cargo_passed",
    "troops_at",
    "on_leg",
    "troops_out",
    "cargo_out",
    "disposed",
    "equipment_day",
    "kit_from",
    "out_total",
    "lifted",
    "exit_day",
    "ready",
    "own_ready",
    "phase_start",
    "phase_complete",
    "closed_air",
    "closed_site",
    "cut_from",
    "place_exposed_from",
    "leg_exposed_from",
    "enabler_gone",
    "carried_troops",
    "carried_t",
    "days_at_capacity",
    "last_present",
    "attacks",
    "casualties",
    "past_deadline",
    "at_deadline",
    "end_day",
)
_DAY_ARRAYS = ("troops_daily", "lifted_daily", "nation_troops", "nation_out_t", "nation_gone_t")
# Finished rows are dropped once they are one in this many of the running ones: each
# compaction copies the whole state (as the v1 engine's RETIRE_ONE_IN).
RETIRE_ONE_IN = 8


class _State:
    """The state of one chunk's rows (all of them, frozen once done)."""

    def __init__(self, lay: NetworkLayout, inputs, record_daily: bool, record_nations: bool):
        s = lay.scenario
        R = inputs.decision_day.size
        H = s.horizon_days
        self.R, self.H = R, H
        self.decision = inputs.decision_day.astype(np.int64)
        self.met = inputs.met_day.astype(np.int64)
        self.first_drawn = inputs.first_drawn_day.astype(np.int64)
        self.national = inputs.national_delay_days[:, lay.parent].T.astype(np.int64)  # (C, R)
        self.prep = inputs.prep_days[:, lay.parent].T.astype(np.int64)
        C = lay.n_contingents
        main = lay.troops - lay.rear_guard
        self.main = np.zeros((lay.n_troop_slots, R), dtype=np.int64)
        self.guard = np.zeros((lay.n_troop_slots, R), dtype=np.int64)
        self.main[lay.first_troop_slot] = main[:, None]
        self.guard[lay.first_troop_slot] = lay.rear_guard[:, None]
        self.main_arrived = self.main.copy()  # main body ever at each position
        self.passed = np.zeros((lay.n_troop_slots, R), dtype=np.int64)  # troops ever dispatched from it
        self.cargo = np.zeros((lay.n_cargo_slots, R), dtype=np.int64)
        self.cargo[lay.first_cargo_slot] = lay.liftable[:, None]
        self.cargo_passed = np.zeros((lay.n_cargo_slots, R), dtype=np.int64)
        self.troops_at = np.zeros((lay.n_places, R), dtype=np.int64)
        np.add.at(self.troops_at, np.array(lay.home, dtype=np.int64), np.repeat(lay.troops[:, None], R, axis=1))
        self.on_leg = np.zeros((lay.n_legs, R), dtype=np.int64)
        self.rings = [
            (
                np.zeros((w.transit_days, len(w.troop_users), R), dtype=np.int64),
                np.zeros((w.transit_days, len(w.troop_users), R), dtype=np.int64),
                np.zeros((w.transit_days, len(w.cargo_users), R), dtype=np.int64),
            )
            for w in lay.ways[: lay.n_legs]
        ]
        self.troops_out = np.zeros((C, R), dtype=np.int64)
        self.cargo_out = np.zeros((C, R), dtype=np.int64)
        self._equipment(lay)
        self.out_total = np.zeros(R, dtype=np.int64)
        self.lifted = np.zeros(R, dtype=np.int64)
        self.exit_day = np.full((C, R), -1, dtype=np.int64)
        self.ready = np.full((C, R), UNKNOWN, dtype=np.int64)
        self.own_ready = np.full((C, R), UNKNOWN, dtype=np.int64)
        P = len(lay.phases)
        self.phase_start = np.full((P, R), UNKNOWN, dtype=np.int64)
        self.phase_complete = np.full((P, R), -1, dtype=np.int64)
        self.closed_air = np.full((len(lay.airfields), R), -1, dtype=np.int64)
        self.closed_site = np.full((lay.n_crossings + lay.n_legs, R), -1, dtype=np.int64)
        W = len(lay.ways)
        self.cut_from = np.full((W, R), NEVER, dtype=np.int64)
        self.place_exposed_from = np.full((lay.n_places, R), NEVER, dtype=np.int64)
        self.leg_exposed_from = np.full((lay.n_legs, R), NEVER, dtype=np.int64)
        self.enabler_gone = np.full((len(lay.enabler_members), R), -1, dtype=np.int64)
        self.carried_troops = np.zeros((W, R), dtype=np.int64)
        self.carried_t = np.zeros((W, R), dtype=np.int64)
        self.days_at_capacity = np.zeros((W, R), dtype=np.int64)
        self.last_present = np.full((lay.n_bases, R), -1, dtype=np.int64)
        self.attacks = inputs.attacks_before.astype(np.int64).copy()
        self.casualties = inputs.casualties_before.astype(np.int64).copy()
        self.past_deadline = np.zeros(R, dtype=np.int64)
        D = s.deadline_day
        self.at_deadline = np.full(R, s.total_troops if D is not None and D < H else 0, dtype=np.int64)
        self.end_day = np.full(R, H, dtype=np.int64)
        self.daily = record_daily
        self.troops_daily = np.full((R, H), s.total_troops, dtype=TROOPS) if record_daily else None
        self.lifted_daily = np.zeros((R, H), dtype=TONNES) if record_daily else None
        self._nations(lay, record_nations)
        #: Contingents whose ready day is still unknown in some row (set once the order is read).
        self.pending: list[int] = []
        #: The chunk row each running row is; the chunk's full-size arrays once rows are dropped.
        self.row = np.arange(R)
        self._full: dict[str, np.ndarray] | None = None

    def compact(self, keep: np.ndarray) -> None:
        """Drop the running rows not in ``keep`` (a boolean per running row).

        A dropped row is frozen: nothing changes it any more, so its state is written
        to the chunk's full-size arrays, which :meth:`restore` puts back at the end."""
        if self._full is None:  # the arrays as they are hold every row's state so far
            self._full = {name: getattr(self, name) for name in _ROW_ARRAYS}
        else:
            self._write_back(np.flatnonzero(~keep))
        kept = np.flatnonzero(keep)
        # np.take keeps each array C-contiguous, as in the v1 engine's compaction.
        for name in _ROW_ARRAYS:
            setattr(self, name, np.take(getattr(self, name), kept, axis=-1))
        self.rings = [(m.take(kept, axis=-1), g.take(kept, axis=-1), c.take(kept, axis=-1)) for m, g, c in self.rings]
        self.row = self.row[kept]
        self.R = kept.size

    def restore(self) -> None:
        """Every row back in the chunk's order, for the outcomes."""
        if self._full is None:
            return
        self._write_back(np.arange(self.R))
        for name, values in self._full.items():
            setattr(self, name, values)
        self.R = self.decision.size
        self.row = np.arange(self.R)
        self._full = None

    def _write_back(self, local: np.ndarray) -> None:
        assert self._full is not None
        rows = self.row[local]
        for name, values in self._full.items():
            values[..., rows] = getattr(self, name)[..., local]

    def _nations(self, lay: NetworkLayout, record_nations: bool) -> None:
        """Each nation's troops in country, tonnes out and tonnes gone by day (``record_nations``)."""
        R, H, N = self.R, self.H, lay.n_nations
        self.nation_troops = self.nation_out_t = self.nation_gone_t = None
        if record_nations:
            troops = np.bincount(lay.nation_of, weights=lay.troops, minlength=N).astype(TROOPS)
            self.nation_troops = np.repeat(troops[None, None, :], R, axis=0).repeat(H, axis=1)
            self.nation_out_t = np.zeros((R, H, N), dtype=TONNES)
            self.nation_gone_t = np.zeros((R, H, N), dtype=TONNES)

    def _equipment(self, lay: NetworkLayout) -> None:
        """Tonnes disposed of, the day each equipment is all gone, and the fixed equipment starts:
        at the order (after a via contingent's road move) or on a date; one that starts with
        its troops reads ``ready`` instead (:func:`_kit_start`)."""
        C, R, H, d = lay.n_contingents, self.R, self.H, self.decision
        self.disposed = np.zeros((C, R), dtype=np.int64)
        self.equipment_day = np.full((C, R), -1, dtype=np.int64)
        at_order = np.where(d >= 0, d[None, :] + lay.road[:, None], NEVER)
        kit = np.where(lay.kit_date[:, None] >= 0, lay.kit_date[:, None], at_order)
        self.kit_from = np.where(kit < H, kit, NEVER)


# -- ready days and phase starts -----------------------------------------------------------


def _known_phase_starts(lay: NetworkLayout, st: _State) -> None:
    """The phase starts known with the order (every kind but ``"phase"``)."""
    d, H = st.decision, st.H
    for p, ph in enumerate(lay.phases):
        if ph.start == "order":
            day = d + ph.days_after
        elif ph.start == "conditions":
            day = np.where(st.met < 0, NEVER, np.maximum(d, st.met + ph.days_after))
        elif ph.start == "date" and ph.start_day is not None:
            day = np.maximum(d, ph.start_day + ph.days_after)
        else:
            continue
        day = np.where(day < H, day, NEVER)
        st.phase_start[p] = np.where(d >= 0, day, UNKNOWN)


def _resolve_ready(lay: NetworkLayout, st: _State, contingents: list[int], bound: np.ndarray) -> None:
    """The ready days that can now be known (docs/network.md "Ready days"), leaders first."""
    s = lay.scenario
    d, H = st.decision, st.H
    for i in contingents:
        p = lay.phase_of[i]
        start = d if p < 0 else st.phase_start[p]
        road = lay.road[i]
        day = np.maximum(
            np.maximum(start + st.prep[i] + road, d + st.national[i] + st.prep[i] + road), s.decision.start_on_day
        )
        own = np.where(start >= NEVER, start, np.where(day < H, day, NEVER))
        own = np.where(d >= 0, own, UNKNOWN)
        leaders = lay.leave_with[i]
        if leaders:
            known = st.ready[leaders]
            earliest = np.where(known == UNKNOWN, NEVER, known).min(axis=0)
            waiting = (known == UNKNOWN).any(axis=0) & (earliest > bound)
            ready = np.where((own == UNKNOWN) | waiting, UNKNOWN, np.maximum(own, earliest))
        else:
            ready = own
        st.ready[i] = np.where(st.ready[i] == UNKNOWN, ready, st.ready[i])


# -- the day's moments -----------------------------------------------------------------------


def _phases(lay: NetworkLayout, st: _State, step: int, day: np.ndarray, live: np.ndarray) -> None:
    """Step 3: arrivals land; via contingents ready today move to the base they fly from."""
    for w, (ring_main, ring_guard, ring_cargo) in zip(lay.ways, st.rings, strict=False):
        r = step % w.transit_days
        if w.troop_users:
            main, guard = ring_main[r] * live, ring_guard[r] * live
            ring_main[r] -= main
            ring_guard[r] -= guard
            for u in w.troop_users:
                st.main[u.next_slot] += main[u.ring]
                st.main_arrived[u.next_slot] += main[u.ring]
                st.guard[u.next_slot] += guard[u.ring]
            landed = main.sum(axis=0) + guard.sum(axis=0)
            st.troops_at[w.destination] += landed
            st.on_leg[w.index] -= landed
        if w.cargo_users:
            cargo = ring_cargo[r] * live
            ring_cargo[r] -= cargo
            for kit in w.cargo_users:
                st.cargo[kit.next_slot] += cargo[kit.ring]
    for i in lay.via:
        moving = (st.ready[i] == day) * (lay.troops[i] - st.troops_out[i])
        home, to = lay.home[i], lay.troop_places[i][0]
        st.troops_at[home] -= moving
        st.troops_at[to] += moving
        st.last_present[home] = np.where(moving > 0, day, st.last_present[home])


def _rate(chunk, st: _State, day: np.ndarray) -> np.ndarray:
    rate, per_row = chunk["rate"], chunk["rate_per_row"]
    d = np.minimum(day, rate.shape[0] - 1)
    return rate[d, st.row] if per_row else rate[d]


def _strikes(u: np.ndarray, mean: np.ndarray, troops: np.ndarray, live: np.ndarray):
    """Flat indices of the (place, row) cells attacked, and their attack counts."""
    maybe = (troops > 0) & live & (u > 1.0 - mean - SURELY_NO_ATTACK_MARGIN)
    flat = np.flatnonzero(maybe)
    if not flat.size:
        return flat, flat
    attacks = poisson_inv(u.ravel()[flat], mean.ravel()[flat])
    struck = attacks > 0
    return flat[struck], attacks[struck]


def _threat(lay: NetworkLayout, st: _State, chunk, day: np.ndarray, live: np.ndarray) -> None:
    """Step 4: attacks at bases (v1 streams), then at crossings and on road legs (site streams)."""
    s = lay.scenario
    draws = chunk["draws"].arrays
    rate = _rate(chunk, st, day)
    total = s.total_troops
    B, R = lay.n_bases, st.R
    exposed = day[None, :] >= st.place_exposed_from
    factor = np.where(exposed, lay.place_exposed[:, None], lay.place_factor[:, None])
    troops = st.troops_at
    mean = rate[None, :] * factor[:B] * troops[:B].astype(np.float64) / float(total)
    flat, attacks = _strikes(draws[1].T, mean, troops[:B], live & (rate != 0.0))
    if flat.size:
        bases, rows = flat // R, flat % R
        cas = lay.casualties.casualties(draws[2][rows, bases], attacks)
        st.attacks += np.bincount(rows, weights=attacks, minlength=R).astype(np.int64)
        st.casualties += np.bincount(rows, weights=cas, minlength=R).astype(np.int64)
        closure = s.threat.closure_days
        if closure > 0:
            air = chunk["air_of_base"][bases]
            on = air >= 0
            if on.any():
                hit = draws[3][rows[on], air[on]] < lay.airfield_hits.threshold(attacks[on])
                a, r = air[on][hit], rows[on][hit]
                st.closed_air[a, r] = np.maximum(st.closed_air[a, r], day[r] + closure - 1)
    if lay.n_crossings + lay.n_legs:
        _threat_sites(lay, st, chunk, day, live & (rate != 0.0), rate, factor)


def _threat_sites(lay, st, chunk, day, live, rate, place_factor) -> None:
    draws = chunk["draws"].arrays
    X, B = lay.n_crossings, lay.n_bases
    total = float(lay.scenario.total_troops)
    sites = []
    for x in range(X):
        troops = st.troops_at[B + x]
        sites.append((x, place_factor[B + x], troops, x))
    for k in lay.road_legs:
        exposed = day >= st.leg_exposed_from[k]
        factor = np.where(exposed, lay.leg_exposed[k], lay.leg_factor[k])
        sites.append((X + k, factor, st.on_leg[k], X + k))
    for site, factor, troops, column in sites:
        mean = rate * factor * troops.astype(np.float64) / total
        flat, attacks = _strikes(draws[5][:, column], mean, troops, live)
        if not flat.size:
            continue
        rows = flat
        cas = lay.casualties.casualties(draws[6][rows, column], attacks)
        np.add.at(st.attacks, rows, attacks)
        np.add.at(st.casualties, rows, cas)
        closure = lay.site_closure[site]
        if closure > 0:
            hit = draws[7][rows, column] < lay.site_hits[site].threshold(attacks)
            r = rows[hit]
            st.closed_site[site, r] = np.maximum(st.closed_site[site, r], day[r] + closure - 1)


def _open(lay: NetworkLayout, st: _State, chunk, w: Way, day: np.ndarray) -> np.ndarray:
    """Whether a way moves anything today (not shut by weather, a crossing's chance or a hit)."""
    draws = chunk["draws"].arrays
    if w.is_leg:
        if w.kind == "air":
            if w.airfield < 0:
                return np.ones(day.size, dtype=bool)
            a = w.airfield
            return (draws[0][:, a] >= lay.p_closed_air[a]) & (st.closed_air[a] < day)
        return st.closed_site[w.site] < day
    if w.kind == "air":
        a = w.airfield
        return (draws[0][:, a] >= lay.p_closed_air[a]) & (st.closed_air[a] < day)
    return (draws[4][:, w.site] >= w.p_closed) & (st.closed_site[w.site] < day)


def _capacities(lay, st, chunk, w: Way, day, live) -> tuple[np.ndarray, np.ndarray]:
    """Troops and tonnes the way hands out today (0 when shut or the row frozen)."""
    is_open = _open(lay, st, chunk, w, day) & live
    cut = day >= st.cut_from[w.index]
    if w.by_day is None:
        troops = np.where(cut, w.troops_reduced, w.troops_per_day) * is_open
        cargo = np.where(cut, w.cargo_reduced, w.cargo_t_per_day) * is_open
    else:  # a frozen row's day may be the horizon: any column will do, it moves nothing
        today = w.by_day[:, np.minimum(day, w.by_day.shape[1] - 1)]
        troops = np.where(cut, today[2], today[0]) * is_open
        cargo = np.where(cut, today[3], today[1]) * is_open
    return troops.astype(np.int64), cargo.astype(np.int64)


def _held(lay: NetworkLayout, st: _State, day: np.ndarray) -> list:
    """Per enabler nation, where its rear guards are held today: None (nowhere), an (R,) bool
    (theatre scope: everywhere or nowhere) or a dict place -> (R,) bool (base scope)."""
    out: list = []
    for n, dependents in enumerate(lay.enabler_dependents):
        if not lay.holds or not dependents:
            out.append(None)
            continue
        if lay.scope == "theatre":
            out.append((st.exit_day[dependents] < 0).any(axis=0))
            continue
        by_place = {}
        for place, pairs in lay.hold_slots[n].items():
            held = np.zeros(st.R, dtype=bool)
            for d, slot in pairs:
                held |= (lay.troops[d] - st.passed[slot]) > 0
            by_place[place] = held
        for d in dependents:
            if d in lay.via:
                home = lay.home[d]
                at_home = (st.ready[d] > day) & (st.troops_out[d] < lay.troops[d])
                by_place[home] = by_place.get(home, np.zeros(st.R, dtype=bool)) | at_home
        out.append(by_place)
    return out


def _budgets(lay: NetworkLayout, st: _State, day: np.ndarray) -> list[np.ndarray]:
    """Per ceiling: troops it counts in country less its troops (>= 0); BIG when released."""
    out = []
    for _, ceiling in lay.ceilings:
        if ceiling.until_phase >= 0:
            release = st.phase_start[ceiling.until_phase]
        else:
            release = np.full(st.R, ceiling.until_day if ceiling.until_day is not None else NEVER)
        members = list(ceiling.members)
        counted = lay.troops[members].sum() - st.troops_out[members].sum(axis=0)
        out.append(np.where(day < release, np.maximum(counted - ceiling.troops, 0), BIG))
    return out


def _kit_start(lay: NetworkLayout, st: _State) -> np.ndarray:
    """Per contingent and row, the day its equipment starts: its ready day, the order's or a date."""
    if lay.all_kit_with_troops:  # v1 and most network scenarios: no array to build
        return st.ready
    return np.where(lay.kit_with_troops[:, None], st.ready, st.kit_from)


def _dispose(lay: NetworkLayout, st: _State, started: np.ndarray) -> None:
    """Step 5, before the cargo pass: equipment disposed of in place at its own rate, or at
    its nation's, shared among the nation's contingents in priority order (MODEL-V2 §7.9)."""
    for i in lay.own_disposers:
        st.disposed[i] += np.minimum(lay.disposal[i] - st.disposed[i], lay.own_rate[i]) * started[i]
    for rate, members in lay.pools:
        left = np.full(st.R, rate, dtype=np.int64)
        for i in members:
            take = np.minimum((lay.disposal[i] - st.disposed[i]) * started[i], left)
            st.disposed[i] += take
            left -= take


class _Queue(NamedTuple):
    """A way's users as arrays, in priority order, for the passes that serve them all at once.

    ``vector`` is False where they must be served one by one: a user under a troop
    ceiling (its budget shrinks as each member takes), or a contingent twice in the queue."""

    vector: bool
    slots: np.ndarray  # (U,) their slots
    contingents: np.ndarray  # (U,)
    rings: np.ndarray  # (U,) their columns in the leg's rings
    main_body: np.ndarray  # (U, 1) troops of each contingent less its rear guard (troop users)
    cargo_slots: np.ndarray  # (K,) cargo slot at the same place, of the users that have one
    with_cargo: np.ndarray  # (K,) those users
    liftable: np.ndarray  # (K, 1) their tonnes
    enablers: tuple  # (enabler nation, place, users) of the users an enabler nation may hold


def _queue(lay: NetworkLayout, users, troops: bool) -> _Queue:
    contingents = np.array([u.contingent for u in users], dtype=np.int64)
    vector = len(set(contingents.tolist())) == len(users)
    if troops:
        vector &= not any(lay.ceilings_of[u.contingent] or u.place != users[0].place for u in users)
        main_body = (lay.troops - lay.rear_guard)[contingents][:, None]
        with_cargo = np.array([k for k, u in enumerate(users) if u.cargo_slot >= 0], dtype=np.int64)
        cargo_slots = np.array([users[k].cargo_slot for k in with_cargo], dtype=np.int64)
        groups: dict[tuple[int, int], list[int]] = {}
        for k, u in enumerate(users):
            if lay.enabler_of[u.contingent] >= 0:
                groups.setdefault((lay.enabler_of[u.contingent], u.place), []).append(k)
        enablers = tuple((n, place, np.array(ks)) for (n, place), ks in groups.items())
    else:
        main_body = with_cargo = cargo_slots = np.zeros(0, dtype=np.int64)
        enablers = ()
    return _Queue(
        vector,
        np.array([u.slot for u in users], dtype=np.int64),
        contingents,
        np.array([u.ring for u in users], dtype=np.int64),
        main_body,
        cargo_slots,
        with_cargo,
        lay.liftable[contingents[with_cargo]][:, None] if troops else main_body,
        enablers,
    )


def _queues(lay: NetworkLayout) -> list[tuple[_Queue, _Queue]]:
    """Per way, its troop users' and cargo users' queues."""
    return [(_queue(lay, w.troop_users, True), _queue(lay, w.cargo_users, False)) for w in lay.ways]


def _serve(want: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """What each user of ``want`` (U, R), in priority order, takes of ``capacity`` (R,):
    the users up to ``u`` take ``min(cumsum(want)[u], capacity)`` between them."""
    taken = np.cumsum(want, axis=0)
    np.minimum(taken, capacity, out=taken)
    taken[1:] -= taken[:-1].copy()
    return taken


def _cargo_pass(lay, st, w: Way, q: _Queue, step: int, kit_on: np.ndarray, cargo_cap: np.ndarray) -> np.ndarray:
    if not w.cargo_users:
        return np.zeros_like(cargo_cap)
    if not q.vector:
        return _cargo_pass_in_turn(lay, st, w, step, kit_on, cargo_cap)
    take = _serve(st.cargo[q.slots] * kit_on[q.contingents], cargo_cap)
    st.cargo[q.slots] -= take
    st.cargo_passed[q.slots] += take
    if w.is_leg:
        st.rings[w.index][2][step % w.transit_days, q.rings] += take
    else:
        st.cargo_out[q.contingents] += take
        st.lifted += take.sum(axis=0)
    return take.sum(axis=0)


def _cargo_pass_in_turn(lay, st, w: Way, step: int, kit_on: np.ndarray, cargo_cap: np.ndarray) -> np.ndarray:
    left = cargo_cap.copy()
    for u in w.cargo_users:
        take = np.minimum(st.cargo[u.slot] * kit_on[u.contingent], left)
        left -= take
        st.cargo[u.slot] -= take
        st.cargo_passed[u.slot] += take
        if w.is_leg:
            st.rings[w.index][2][step % w.transit_days, u.ring] += take
        else:
            st.cargo_out[u.contingent] += take
            st.lifted += take
    return cargo_cap - left


def _guards_may_go(st, q: _Queue, held) -> np.ndarray:
    """Per user of the queue, whether its rear guard may go (as :func:`_guard_may_go`)."""
    may = st.main_arrived[q.slots] == q.main_body
    if q.with_cargo.size:
        may[q.with_cargo] &= st.cargo_passed[q.cargo_slots] == q.liftable
    for n, place, users in q.enablers:
        h = held[n]
        if isinstance(h, dict):
            h = h.get(place)
        if h is not None:
            may[users] &= ~h
    return may


def _guard_may_go(lay, st, u, held) -> np.ndarray:
    """Whether the rear guard at this position may go: main body and cargo past it, no hold."""
    i = u.contingent
    may = st.main_arrived[u.slot] == (lay.troops[i] - lay.rear_guard[i])
    if u.cargo_slot >= 0:
        may &= st.cargo_passed[u.cargo_slot] == lay.liftable[i]
    n = lay.enabler_of[i]
    if n >= 0 and held[n] is not None:
        h = held[n]
        if isinstance(h, dict):
            if u.place in h:
                may &= ~h[u.place]
        else:
            may &= ~h
    return may


def _seat_pass(lay, st, w: Way, q: _Queue, step, ready, troop_cap, held, budgets) -> np.ndarray:
    if not w.troop_users:
        return np.zeros_like(troop_cap)
    if not q.vector:
        return _seat_pass_in_turn(lay, st, w, step, ready, troop_cap, held, budgets)
    main, guard = st.main[q.slots], st.guard[q.slots]
    take = _serve((main + guard * _guards_may_go(st, q, held)) * ready[q.contingents], troop_cap)
    main_take = np.minimum(take, main)
    guard_take = take - main_take
    st.main[q.slots] = main - main_take
    st.guard[q.slots] = guard - guard_take
    st.passed[q.slots] += take
    moved = take.sum(axis=0)
    st.troops_at[w.troop_users[0].place] -= moved
    if w.is_leg:
        r = step % w.transit_days
        st.rings[w.index][0][r, q.rings] += main_take
        st.rings[w.index][1][r, q.rings] += guard_take
        st.on_leg[w.index] += moved
    else:
        st.troops_out[q.contingents] += take
        st.out_total += moved
    return moved


def _seat_pass_in_turn(lay, st, w: Way, step, ready, troop_cap, held, budgets) -> np.ndarray:
    left = troop_cap.copy()
    for u in w.troop_users:
        i = u.contingent
        main, guard = st.main[u.slot], st.guard[u.slot]
        want = (main + guard * _guard_may_go(lay, st, u, held)) * ready[i]
        cap = left
        if not w.is_leg:
            for k in lay.ceilings_of[i]:
                cap = np.minimum(cap, budgets[k])
        take = np.minimum(want, cap)
        if not take.any():
            continue
        main_take = np.minimum(take, main)
        guard_take = take - main_take
        left = left - take
        st.main[u.slot] -= main_take
        st.guard[u.slot] -= guard_take
        st.passed[u.slot] += take
        st.troops_at[u.place] -= take
        if w.is_leg:
            r = step % w.transit_days
            st.rings[w.index][0][r, u.ring] += main_take
            st.rings[w.index][1][r, u.ring] += guard_take
            st.on_leg[w.index] += take
        else:
            st.troops_out[i] += take
            st.out_total += take
            for k in lay.ceilings_of[i]:
                budgets[k] -= take
    return troop_cap - left


def _moves(lay, st, chunk, step: int, day: np.ndarray, live: np.ndarray) -> None:
    """Step 5: cargo pass over every way, then the seat pass (docs/network.md)."""
    B = lay.n_bases
    st.last_present = np.where((st.troops_at[:B] > 0) & live, day, st.last_present)
    ready = st.ready <= day
    held = _held(lay, st, day)
    budgets = _budgets(lay, st, day)
    caps = [_capacities(lay, st, chunk, w, day, live) for w in lay.ways]
    kit_on = _kit_start(lay, st) <= day
    _dispose(lay, st, kit_on & live)
    queues = chunk["queues"]
    moved_t = [_cargo_pass(lay, st, w, queues[w.index][1], step, kit_on, caps[w.index][1]) for w in lay.ways]
    for w in lay.ways:
        troop_cap, cargo_cap = caps[w.index]
        moved = _seat_pass(lay, st, w, queues[w.index][0], step, ready, troop_cap, held, budgets)
        st.carried_troops[w.index] += moved
        st.carried_t[w.index] += moved_t[w.index]
        full = ((troop_cap > 0) & (moved == troop_cap)) | ((cargo_cap > 0) & (moved_t[w.index] == cargo_cap))
        st.days_at_capacity[w.index] += full


def _dusk(lay, st, day: np.ndarray, live: np.ndarray) -> None:
    """Step 6: the day's books, exits, enablers gone, phases complete, ready days resolved."""
    s = lay.scenario
    rows = np.flatnonzero(live)
    in_country = s.total_troops - st.out_total
    if st.daily:
        st.troops_daily[st.row[rows], day[rows]] = in_country[rows]
        st.lifted_daily[st.row[rows], day[rows]] = st.lifted[rows]
    if st.nation_troops is not None:
        _nation_day(lay, st, day, rows)
    D = s.deadline_day
    if D is not None:
        st.past_deadline += in_country * ((day >= D) & live)
        st.at_deadline = np.where((day == D) & live, in_country, st.at_deadline)
    emptied = (st.troops_out == lay.troops[:, None]) & (st.exit_day < 0) & live & (lay.troops[:, None] > 0)
    st.exit_day = np.where(emptied, day, st.exit_day)
    for n, members in enumerate(lay.enabler_members):
        gone = (st.exit_day[members] >= 0).all(axis=0) & (st.enabler_gone[n] < 0) & live
        st.enabler_gone[n] = np.where(gone, day, st.enabler_gone[n])
        if not s.enablers_last and gone.any():
            after = np.where(gone, day + 1, NEVER)
            for w in lay.cut_ways[n]:
                st.cut_from[w] = np.minimum(st.cut_from[w], after)
            for q in lay.network.exposed_places[n]:
                st.place_exposed_from[q] = np.minimum(st.place_exposed_from[q], after)
            for k in lay.network.exposed_legs[n]:
                st.leg_exposed_from[k] = np.minimum(st.leg_exposed_from[k], after)
    _complete_phases(lay, st, day, live, in_country)
    kit_done = (
        (_kit_start(lay, st) <= day)
        & (st.disposed == lay.disposal[:, None])
        & (st.cargo_out == lay.liftable[:, None])
        & (st.equipment_day < 0)
        & live
    )
    st.equipment_day = np.where(kit_done, day, st.equipment_day)
    all_out = (in_country == 0) & (st.lifted == s.liftable_t) & (st.equipment_day >= 0).all(axis=0) & live
    if all_out.any():
        _complete_after_all_out(lay, st, day, all_out)
        st.end_day = np.where(all_out, day, st.end_day)
    if st.pending:
        _resolve_ready(lay, st, st.pending, day + 1)


def _nation_day(lay: NetworkLayout, st: _State, day: np.ndarray, rows: np.ndarray) -> None:
    """Each nation's troops in country, tonnes out and tonnes of equipment gone (handed
    over once its equipment starts, disposed of, out) at the end of the day."""
    assert st.nation_troops is not None and st.nation_out_t is not None and st.nation_gone_t is not None
    left = lay.troops[:, None] - st.troops_out
    gone = lay.handover[:, None] * (_kit_start(lay, st) <= day) + st.disposed + st.cargo_out
    chunk_rows = st.row[rows]
    for k in range(lay.n_nations):
        members = np.flatnonzero(lay.nation_of == k)
        st.nation_troops[chunk_rows, day[rows], k] = left[members].sum(axis=0)[rows]
        st.nation_out_t[chunk_rows, day[rows], k] = st.cargo_out[members].sum(axis=0)[rows]
        st.nation_gone_t[chunk_rows, day[rows], k] = gone[members].sum(axis=0)[rows]


def _start_followers(lay, st, p: int, done: np.ndarray, complete: np.ndarray) -> None:
    for q, ph in enumerate(lay.phases):
        if ph.start == "phase" and ph.after_phase == p:
            start = complete + 1 + ph.days_after
            start = np.where(start < st.H, start, NEVER)
            st.phase_start[q] = np.where(done & (st.phase_start[q] == UNKNOWN), start, st.phase_start[q])


def _complete_phases(lay, st, day, live, in_country) -> None:
    for p, ph in enumerate(lay.phases):
        waiting = (st.phase_complete[p] < 0) & (st.phase_start[p] <= day) & live
        if not waiting.any():
            continue
        if ph.ceiling is not None:
            members = list(ph.ceiling.members)
            counted = lay.troops[members].sum() - st.troops_out[members].sum(axis=0)
            done = waiting & (counted <= ph.ceiling.troops)
        else:
            done = waiting & (st.exit_day[list(ph.members)] >= 0).all(axis=0) if ph.members else waiting
        st.phase_complete[p] = np.where(done, day, st.phase_complete[p])
        _start_followers(lay, st, p, done, day)


def _complete_after_all_out(lay, st, day, all_out) -> None:
    """Everyone is out: a phase still to start completes on its start day, and so on (reference rule 7)."""
    for _ in range(len(lay.phases)):
        for p in range(len(lay.phases)):
            waiting = all_out & (st.phase_complete[p] < 0) & (st.phase_start[p] < NEVER)
            if waiting.any():
                complete = np.maximum(st.phase_start[p], day)
                st.phase_complete[p] = np.where(waiting, complete, st.phase_complete[p])
                _start_followers(lay, st, p, waiting, complete)


# -- running a chunk --------------------------------------------------------------------------


def _run_chunk(lay, seed, blocks, block_size, record_daily, record_nations) -> Outcomes:
    s = lay.scenario
    draws, inputs = _state_free_inputs(lay, seed, blocks, block_size)
    st = _State(lay, inputs, record_daily, record_nations)
    _known_phase_starts(lay, st)
    _resolve_ready(lay, st, lay.resolve_order, st.decision + 1)
    has_order = st.decision >= 0
    st.pending = [i for i in lay.resolve_order if ((st.ready[i] == UNKNOWN) & has_order).any()]
    n_air, B, S = len(lay.airfields), lay.n_bases, lay.n_crossings + lay.n_legs
    widths = (n_air, B, B, n_air) + ((S,) * 4 if S else (None,) * 4)
    chunk: dict[str, Any] = {
        "draws": _Draws(draws, widths),
        "rate": inputs.rate,
        "rate_per_row": inputs.rate_per_row,
        "queues": _queues(lay),
        "air_of_base": np.array([lay.air_column.get(b, -1) for b in range(B)], dtype=np.int64),
    }
    del draws
    H = s.horizon_days
    steps = int(H - st.first_drawn.min()) if st.R else 0
    for step in range(steps):
        day = st.first_drawn + step
        live = (day < H) & (st.end_day >= H)
        if not live.any():
            break
        chunk["draws"].draw(step, live, st.row)
        _phases(lay, st, step, day, live)
        _threat(lay, st, chunk, day, live)
        _moves(lay, st, chunk, step, day, live)
        _dusk(lay, st, day, live)
        _retire_finished(st, day)
    st.restore()
    return _finish(lay, st, inputs)


def _retire_finished(st: _State, day: np.ndarray) -> None:
    """Drop the rows that are done (all out, or past the horizon) once they are one in
    :data:`RETIRE_ONE_IN` of the running rows. A row whose ready days are still being
    resolved stays: :func:`_resolve_ready` may still set them."""
    done = (day + 1 >= st.H) | (st.end_day < st.H)
    if st.pending:
        done &= (st.ready[st.pending] != UNKNOWN).all(axis=0)
    n_done = int(done.sum())
    if n_done and n_done * RETIRE_ONE_IN >= st.R:
        st.compact(~done)


def _finish(lay, st: _State, inputs) -> Outcomes:
    s = lay.scenario
    H = st.H
    after_end = np.arange(H)[None, :] > st.end_day[:, None]
    if st.troops_daily is not None and st.lifted_daily is not None:
        st.troops_daily[after_end] = 0
        st.lifted_daily[after_end] = s.liftable_t
    if st.nation_troops is not None and st.nation_out_t is not None and st.nation_gone_t is not None:
        st.nation_troops[after_end] = 0
        st.nation_out_t[after_end] = lay.nation_liftable_t
        st.nation_gone_t[after_end] = lay.nation_equipment_t
    ready = np.where(st.ready >= NEVER, -1, st.ready).T
    B = lay.n_bases
    closed = np.where(st.troops_at[:B] > 0, -1, np.maximum(st.last_present, 0)).T
    return finish_outcomes(
        s,
        decision_day=inputs.decision_day,
        met_day=inputs.met_day,
        ready_day=ready.astype(np.int32),
        exit_day=st.exit_day.T.astype(np.int32),
        attacks=st.attacks,
        casualties=st.casualties,
        troop_days_past_deadline=st.past_deadline + _past_before(s, st),
        troops_at_deadline=np.where(st.end_day < (s.deadline_day or 0), 0, st.at_deadline),
        troops_in_country=st.troops_daily,
        retrograde_lifted_t=st.lifted_daily,
        base_closed_day=closed,
        phase_complete_day=st.phase_complete.T,
        carried_troops=st.carried_troops.T,
        carried_t=st.carried_t.T,
        days_at_capacity=st.days_at_capacity.T,
        nation_troops=st.nation_troops,
        nation_out_t=st.nation_out_t,
        nation_gone_t=st.nation_gone_t,
        killed_draw=inputs.killed_draw,
        equipment_complete_day=st.equipment_day.T,
    )


def _past_before(s, st: _State) -> np.ndarray:
    """Troop-days past the deadline of the days before each row's first drawn day (all in country)."""
    D = s.deadline_day
    if D is None:
        return np.zeros(st.R, dtype=np.int64)
    return s.total_troops * np.maximum(np.minimum(st.first_drawn, st.H) - D, 0)


def iter_network_chunks(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    block_size: int = BLOCK_SIZE,
    blocks: Iterable[tuple[int, int]] | None = None,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    record_daily: bool = True,
    record_nations: bool = False,
) -> Iterator[tuple[list[tuple[int, int]], Outcomes]]:
    """Yield the outcomes of ``reps`` replications chunk by chunk, in block order
    (as :func:`drawdown.engines.numpy_engine.iter_chunks`)."""
    lay = NetworkLayout(scenario)
    if blocks is None:
        blocks = [(first_block + b, rows) for b, rows in blocks_for(reps, block_size)]
    blocks = list(blocks)
    per_chunk = chunk_blocks_for(scenario, block_size, chunk_blocks, record_daily, record_nations)
    for lo in range(0, len(blocks), per_chunk):
        chunk = blocks[lo : lo + per_chunk]
        yield chunk, _run_chunk(lay, seed, chunk, block_size, record_daily, record_nations)


def run_network_numpy(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    record_daily: bool = False,
    progress: Callable[[int], object] | None = None,
    **chunking: Any,
) -> Outcomes:
    """Run ``reps`` replications of a network scenario (or a v1 one) with the vectorised engine.

    ``chunking`` (``first_block``, ``block_size``, ``blocks``, ``chunk_blocks``,
    ``record_nations``) is passed on to :func:`iter_network_chunks`, whose chunks are
    joined here; ``progress`` is called with each chunk's replications."""
    parts = []
    for chunk, out in iter_network_chunks(scenario, reps, seed, record_daily=record_daily, **chunking):
        parts.append(out)
        if progress is not None:
            progress(sum(r for _, r in chunk))
    return Outcomes.concatenate(parts)
