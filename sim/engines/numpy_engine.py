"""The vectorised numpy engine: the model of docs/design.md §1 over many replications at once.

It gives the SimPy reference engine's outcomes replication by replication: it reads
the same draws (:mod:`drawdown.draws`), calls the same shared code for the council, the
conditions and the threat, and follows the same daily order (docs/design.md §1.7) with array
operations over replications instead of processes. Nothing runs per replication in
Python.

Replications run in chunks of whole blocks; a chunk's memory is bounded by its size,
whatever the number of replications, and results do not depend on the chunk size.

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
- Chunks are large (32 blocks): each day costs a few hundred numpy calls whatever the
  number of rows, so more rows share them; the whole-horizon draws are made and dropped
  a few blocks at a time, so a chunk's memory is mostly its per-row state.
- Each block draws its day straight into its rows of the day's buffers.
"""

from __future__ import annotations

import numpy as np

from ..draws import (
    BLOCK_SIZE,
    BlockDraws,
    CasualtyTable,
    HitTable,
    StateFree,
    attack_mean,
    base_factors,
    blocks_for,
    poisson_inv,
)
from .outcomes import Outcomes, finish_outcomes

__all__ = ["run_numpy", "iter_chunks", "DEFAULT_CHUNK_BLOCKS"]

DEFAULT_CHUNK_BLOCKS = 32
STATE_FREE_BLOCKS = 4  # blocks whose state-free inputs are computed together
NEVER = np.iinfo(np.int32).max


class _Plan:
    """What the engine derives once from a scenario: index arrays and constants."""

    def __init__(self, s):
        self.s = s
        C = len(s.contingents)
        self.C = C
        self.N = len(s.bases)
        self.airfields = [b for b, base in enumerate(s.bases) if base.airfield]
        self.troops = np.array([c.troops for c in s.contingents], dtype=np.int64)
        self.liftable = np.array([c.liftable_t for c in s.contingents], dtype=np.int64)
        self.rear_guard = np.array([c.rear_guard for c in s.contingents], dtype=np.int64)
        self.road = np.array([c.road_days for c in s.contingents], dtype=np.int64)
        self.home = np.array([c.base for c in s.contingents])
        self.flies_from = np.array([c.flies_from for c in s.contingents])
        self.is_via = self.home != self.flies_from
        self.via_idx = np.flatnonzero(self.is_via)
        # The most troops that can ever count at each base (its own, and those passing through).
        self.most_at_base = np.zeros(self.N)
        for c in s.contingents:
            self.most_at_base[c.base] += c.troops
            if c.flies_from != c.base:
                self.most_at_base[c.flies_from] += c.troops
        self.factors, self.factors_exposed = base_factors(s)
        prio = list(s.priority)
        self.users = {b: np.array([i for i in prio if s.contingents[i].flies_from == b], dtype=np.int64) for b in self.airfields}
        self.air_index = {b: k for k, b in enumerate(self.airfields)}
        en = s.enablers
        self.enabler_members = [np.array(m, dtype=np.int64) for m in en.members]
        self.enabler_dependents = [np.array(d, dtype=np.int64) for d in en.dependents]
        self.cut_by = {b: [n for n, afs in enumerate(en.cut_airfields) if b in afs] for b in self.airfields}
        self.exposed_mask = [np.isin(np.arange(self.N), np.array(e, dtype=np.int64)) for e in en.exposed_bases]
        # enablers_last: which contingents' rear guards wait for which dependents
        self.holders = []  # (member indices, dependent indices)
        if s.enablers_last:
            for m, d in zip(self.enabler_members, self.enabler_dependents):
                if len(d):
                    self.holders.append((m, d))
        self.hits = HitTable(s.threat.p_airfield_hit)
        self.casualties = CasualtyTable(s.threat.casualties_per_attack)


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


class _Columns:
    """Contingents reordered so each airfield's users are one run of columns, in priority order."""

    def __init__(self, plan: _Plan):
        order, segments = [], []
        for b in plan.airfields:
            lo = len(order)
            order.extend(plan.users[b].tolist())
            segments.append((b, plan.air_index[b], lo, len(order)))
        self.perm = np.array(order, dtype=np.int64)
        self.inverse = np.argsort(self.perm)
        self.segments = [seg for seg in segments if seg[3] > seg[2]]
        pos = self.inverse
        self.rear_guard = plan.rear_guard[self.perm]
        self.via = pos[plan.via_idx]
        self.enabler_members = [pos[m] for m in plan.enabler_members]
        self.holders = [(pos[m], pos[d]) for m, d in plan.holders]
        # For each holder, the contingents it does not wait for (the cheaper set to sum
        # when most contingents are dependents).
        C = len(self.perm)
        self.holder_others = [np.setdiff1d(np.arange(C), d) for _, d in self.holders]
        # For each segment, (column, holder) of the rear guards that wait.
        self.held_in = [[(int(m), h) for h, (members, _) in enumerate(self.holders) for m in members
                         if lo <= m < hi] for _, _, lo, hi in self.segments]


def _screen_thresholds(plan: _Plan, rate: np.ndarray, per_rep_rate: bool, cut_possible: bool) -> np.ndarray:
    """Per day and base, a uniform at or below which no attack can happen, whatever the state.

    The attack mean is at most its value with the most troops that can ever count at the
    base, the largest factor and the day's largest rate; ``pdtr(0, mean)`` falls as the
    mean grows, and the margin absorbs any last-bit wobble, so ``u`` at or below the
    threshold means zero attacks, as :func:`poisson_inv` would say.
    """
    from scipy.special import pdtr

    factor = np.maximum(plan.factors, plan.factors_exposed) if cut_possible else plan.factors
    rate_max = rate.max(axis=1) if per_rep_rate else rate
    mean_max = attack_mean(rate_max[:, None], factor, plan.most_at_base, plan.s.total_troops)
    return pdtr(0, mean_max) - 1e-12


def _run_chunk(plan: _Plan, seed: int, blocks, block_size: int, record_daily: bool = True) -> Outcomes:
    s = plan.s
    H, C = s.horizon_days, plan.C
    th = s.threat
    D = s.deadline_day
    cols = _Columns(plan)
    A = len(plan.airfields)
    # What depends on no state of the force comes from the shared StateFree code, a few
    # blocks at a time: the same bits per replication as block by block, with fewer
    # numpy calls per replication (the conditions index is a loop over days).
    # A group's whole-horizon draws are dropped before the next group is drawn: a
    # chunk holds one group's, whatever its size.
    draws = []
    parts = []
    for g in range(0, len(blocks), STATE_FREE_BLOCKS):
        group = [BlockDraws(s, seed, b, rows=rows, block_size=block_size) for b, rows in blocks[g : g + STATE_FREE_BLOCKS]]
        draws.extend(group)
        sf = StateFree(s, group)
        parts.append((sf.decision_day, sf.met_day, sf.first_drawn_day, sf.attacks_before, sf.casualties_before,
                      sf.rate))
        for d in group:
            d.council = d.violence = None  # the day iterator keeps the draws object alive
        del sf
    sizes = np.array([d.rows for d in draws])
    R = int(sizes.sum())
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    # Each block draws its day straight into its rows of these (row-major) buffers.
    closed_buf = np.empty((R, A))
    attack_buf = np.empty((R, plan.N))
    casualty_buf = np.empty((R, plan.N))
    hit_buf = np.empty((R, A))
    day_iters = [d.days(out=(closed_buf[lo:hi], attack_buf[lo:hi], casualty_buf[lo:hi], hit_buf[lo:hi]))
                 for d, lo, hi in zip(draws, offsets[:-1], offsets[1:])]
    block_of_row = np.repeat(np.arange(len(sizes)), sizes)
    decision, met, first_drawn, attacks_out, casualties_out = (np.concatenate([p[i] for p in parts]) for i in range(5))
    nd = np.concatenate([d.national_delay_days for d in draws]).astype(np.int64)
    prep = np.concatenate([d.prep_days for d in draws]).astype(np.int64)
    per_rep_rate = D is None
    rate = np.concatenate([p[5] for p in parts], axis=1) if per_rep_rate else parts[0][5]
    del parts, draws
    ready = np.maximum(decision[:, None].astype(np.int64) + nd + prep + plan.road, s.decision.start_on_day)
    ready = np.where((decision[:, None] >= 0) & (ready <= H - 1), ready, NEVER).astype(np.int32)
    cut_possible = not s.enablers_last and len(plan.enabler_members) > 0
    screen = _screen_thresholds(plan, rate, per_rep_rate, cut_possible)

    # Working rows: those given an order, each on its own clock from its first drawn
    # day (day first_drawn + k on step k), ordered by the step their first contingent
    # is ready, so that the rows with anything to fly form a prefix; finished rows are
    # dropped now and then. State is contingent-major (C, rows): an airfield's users
    # are a run of rows, and sums over contingents are vector adds.
    first_ready = ready.min(axis=1)
    ordered = np.flatnonzero(first_drawn < H)
    ready_step = (first_ready.astype(np.int64) - first_drawn)[ordered]
    rid = ordered[np.argsort(ready_step, kind="stable")]
    fr = np.sort(ready_step, kind="stable")
    n0 = rid.size
    # Days in int16 where the horizon allows: the day arrays are streamed every step.
    day_t = np.int16 if H + s.threat.closure_days < np.iinfo(np.int16).max - 1 else np.int32
    never = np.iinfo(day_t).max
    a0 = first_drawn[rid].astype(day_t)
    rdy = np.ascontiguousarray(np.where(ready[rid] == NEVER, never, ready[rid])[:, cols.perm].T).astype(day_t)
    # Troops and tons left, and what airfields hand out, in the narrowest integer type
    # that holds every running total of an allocation (all troops, all tons, a day's
    # capacity): less memory to stream through each day, the same integers.
    biggest = max(s.total_troops, int(plan.liftable.sum()),
                  *(max(b.seats_per_day, b.cargo_t_per_day) for b in s.bases if b.airfield))
    small = np.int16 if biggest <= np.iinfo(np.int16).max else np.int32
    tl = np.repeat(plan.troops[cols.perm].astype(small)[:, None], n0, axis=1)
    cl = np.repeat(plan.liftable[cols.perm].astype(small)[:, None], n0, axis=1)
    ex1 = np.zeros((C, n0), dtype=day_t)  # exit day + 1; 0 while in country
    closed_until = np.full((A, n0), -1, dtype=day_t)
    gone = np.full((len(cols.enabler_members), n0), -1, dtype=day_t)
    lifted = np.zeros(n0, dtype=np.int64)
    attacks_w = np.zeros(n0, dtype=np.int64)
    casualties_w = np.zeros(n0, dtype=np.int64)
    # Troops counting at each base at the start of the day, kept up to date: flights
    # take them off the base they fly from, via contingents move on their ready day.
    at_home = np.zeros(plan.N, dtype=np.int64)
    np.add.at(at_home, plan.home, plan.troops)
    troops_at = np.repeat(at_home.astype(np.int32)[:, None], n0, axis=1)
    via_moves = [(int(c), int(plan.home[cols.perm[c]]), int(plan.flies_from[cols.perm[c]])) for c in cols.via]
    # As a full array: np.minimum against a broadcast column is many times slower.
    rear = np.repeat(cols.rear_guard.astype(small)[:, None], n0, axis=1)

    exit_out = np.full((R, C), -1, dtype=np.int32)
    # Before its first contingent is ready a replication has every troop in country and
    # nothing lifted; after its last exit, no troops and everything lifted. The engine
    # writes the days between (per-day arrays only when asked for) and adds up the
    # troops in country from the deadline on.
    if record_daily:
        before_ready = np.arange(H)[None, :] < first_ready[:, None]
        troops_daily = np.multiply(before_ready, s.total_troops, dtype=np.int32)
        lifted_daily = np.multiply(~before_ready, s.liftable_t, dtype=np.int64)
        del before_ready
    waiting_days = np.minimum(first_ready.astype(np.int64), H)  # days 0 .. first ready - 1
    past_out = np.zeros(R, dtype=np.int64)
    at_deadline_out = np.zeros(R, dtype=np.int64)
    if D is not None:
        past_out += s.total_troops * np.maximum(waiting_days - D, 0)
        at_deadline_out += s.total_troops * (D < waiting_days)
    past_w = np.zeros(n0, dtype=np.int64)
    at_w = np.zeros(n0, dtype=np.int64)

    live = np.zeros(len(sizes), dtype=bool)
    live[np.unique(block_of_row[rid])] = True
    in_country = np.full(n0, s.total_troops, dtype=np.int64)
    air_of_base = np.array([plan.air_index.get(b, -1) for b in range(plan.N)])
    fields = [s.bases[b] for b in plan.airfields]
    p_closed = np.array([f.p_closed_day for f in fields])
    cargo_full = np.array([[f.cargo_t_per_day] for f in fields], dtype=small)
    seats_full = np.array([[f.seats_per_day] for f in fields], dtype=small)
    N = plan.N

    # How many running replications have each contingent ready, by step, and how many
    # have seen it exit: an airfield need only hand out over the run of its users that
    # are ready and not yet out somewhere, the others having nothing to take. Kept from
    # counts of ready steps and of exits, without a pass over every replication.
    def readied_by_step(columns):
        """(C, H): how many of these replications have each contingent ready by step k."""
        rel = np.minimum(rdy[:, columns].astype(np.int64) - a0[columns].astype(np.int64), H)
        rel += np.arange(C)[:, None] * (H + 1)
        counts = np.bincount(rel.ravel(), minlength=C * (H + 1)).reshape(C, H + 1)
        return np.cumsum(counts, axis=1)[:, :H]

    readied = readied_by_step(slice(None))
    exited = np.zeros(C, dtype=np.int64)

    def retire(keep):
        nonlocal rid, fr, a0, rdy, tl, cl, ex1, closed_until, gone, lifted, attacks_w, casualties_w, in_country
        nonlocal past_w, at_w, troops_at, readied, exited
        # Integer indices: faster than boolean masks on the (contingent, row) arrays.
        drop = np.flatnonzero(~keep)
        keep = np.flatnonzero(keep)
        readied -= readied_by_step(drop)
        ex_gone = ex1[:, drop]
        exited -= (ex_gone > 0).sum(axis=1)
        gone_rows = rid[drop]
        exit_out[gone_rows] = ex_gone.T[:, cols.inverse].astype(np.int32) - 1
        attacks_out[gone_rows] += attacks_w[drop]
        casualties_out[gone_rows] += casualties_w[drop]
        past_out[gone_rows] += past_w[drop]
        at_deadline_out[gone_rows] += at_w[drop]
        past_w, at_w, troops_at = past_w[keep], at_w[keep], troops_at[:, keep]
        rid, fr, a0 = rid[keep], fr[keep], a0[keep]
        rdy, tl, cl, ex1 = rdy[:, keep], tl[:, keep], cl[:, keep], ex1[:, keep]
        closed_until, gone, lifted = closed_until[:, keep], gone[:, keep], lifted[keep]
        attacks_w, casualties_w, in_country = attacks_w[keep], casualties_w[keep], in_country[keep]
        live[:] = False
        live[np.unique(block_of_row[rid])] = True

    for k in range(H):
        n = rid.size
        if n == 0:
            break
        # The day's draws, for every block that still has replications running.
        for b in np.flatnonzero(live):
            next(day_iters[b])
        t_row = a0 + day_t(k)  # each row's day
        nr = int(np.searchsorted(fr, k, side="right"))  # rows with a contingent ready by today

        # step 3: via contingents ready today move to the base they fly from
        for c, home, to in via_moves:
            moving = tl[c] * (rdy[c] == t_row)
            troops_at[home] -= moving
            troops_at[to] += moving

        # step 4: the threat, on the troops at each base at the start of the day
        # np.take and flat indices: numpy's fancy indexing of rows, and np.nonzero on
        # two dimensions, are several times slower on these shapes.
        u_att = np.take(attack_buf, rid, axis=0)
        flat = np.flatnonzero(u_att > np.take(screen, t_row, axis=0))
        cand_r = flat // N
        cand_b = flat - cand_r * N
        if cand_r.size:
            t_c = t_row[cand_r]
            factor = plan.factors[cand_b]
            if cut_possible:
                g = gone[:, cand_r]
                exposed = np.zeros(cand_r.size, dtype=bool)
                for e, mask in enumerate(plan.exposed_mask):
                    exposed |= (g[e] >= 0) & (g[e] < t_c) & mask[cand_b]
                factor = np.where(exposed, plan.factors_exposed[cand_b], factor)
            orig = rid[cand_r]
            rate_t = rate[t_c, orig] if per_rep_rate else rate[t_c]
            mean = attack_mean(rate_t, factor, np.take(troops_at, cand_b * n + cand_r), s.total_troops)
            u_c = np.take(u_att, flat)
            # Surely no attack where u <= 1 - mean (<= exp(-mean) = pdtr(0, mean)), with a
            # margin far above rounding: most candidates, without an exp.
            maybe = u_c > 1.0 - mean - 1e-12
            cand_r, cand_b, orig, mean, u_c = cand_r[maybe], cand_b[maybe], orig[maybe], mean[maybe], u_c[maybe]
            attacks = poisson_inv(u_c, mean)
            struck = attacks > 0
            if struck.any():
                cand_r, cand_b, orig, attacks = cand_r[struck], cand_b[struck], orig[struck], attacks[struck]
                casualties = plan.casualties.casualties(np.take(casualty_buf, orig * N + cand_b), attacks)
                # bincount adds repeated rows far faster than np.add.at (exact: counts
                # are far below 2**53)
                attacks_w += np.bincount(cand_r, weights=attacks, minlength=n).astype(np.int64)
                casualties_w += np.bincount(cand_r, weights=casualties, minlength=n).astype(np.int64)
                if th.closure_days > 0:
                    air = air_of_base[cand_b]
                    on_air = air >= 0
                    r_h, a_h, o_h = cand_r[on_air], air[on_air], orig[on_air]
                    hit = np.take(hit_buf, o_h * A + a_h) < plan.hits.threshold(attacks[on_air])
                    if hit.any():
                        # Never earlier than a closure already set (set on an earlier day),
                        # and each (airfield, row) at most once a day: a plain assignment.
                        closed_until[a_h[hit], r_h[hit]] = t_row[r_h[hit]] + th.closure_days - 1

        ends = t_row == H - 1  # the horizon's last day: these rows stop tonight
        if nr:
            # step 5: each airfield hands out cargo, then seats, in priority order
            t_p = t_row[:nr]
            rid_p = rid[:nr]
            # Enablers last: a dependent was in country at the start of the day when it
            # still has troops (its exit is recorded the evening its last troops fly).
            waiting = []
            for (members, dependents), others in zip(cols.holders, cols.holder_others):
                if len(dependents) <= len(others):
                    waiting.append(tl[dependents, :nr].sum(axis=0, dtype=np.int64) > 0)
                else:
                    waiting.append(in_country[:nr] > tl[others, :nr].sum(axis=0, dtype=np.int64))
            any_exit = False
            # Every airfield at once: open when the day's weather allows and no hit has shut it.
            # Compared before gathered: a byte a value to gather instead of eight.
            open_ = np.ascontiguousarray(np.take(closed_buf >= p_closed, rid_p, axis=0).T)
            open_ &= closed_until[:, :nr] < t_p
            cargo_caps = open_ * cargo_full
            seat_caps = open_ * seats_full
            for (b, a, lo, hi), held_in in zip(cols.segments, cols.held_in):
                alive = np.flatnonzero(readied[lo:hi, k] > exited[lo:hi])
                if alive.size == 0:
                    continue
                lo, hi = lo + int(alive[0]), lo + int(alive[-1]) + 1  # the users with anything to do
                r_u = rdy[lo:hi, :nr] <= t_p
                cargo_cap, seat_cap = cargo_caps[a], seat_caps[a]
                if cut_possible and plan.cut_by[b]:
                    base = s.bases[b]
                    g = gone[plan.cut_by[b], :nr]
                    reduced = ((g >= 0) & (g < t_p)).any(axis=0)
                    cargo_cap = cargo_cap - reduced * open_[a] * small(base.cargo_t_per_day - base.cargo_reduced)
                    seat_cap = seat_cap - reduced * open_[a] * small(base.seats_per_day - base.seats_reduced)
                cl_s = cl[lo:hi, :nr]
                lifted[:nr] += _allocate(cl_s * r_u, cargo_cap, cl_s)
                tl_s = tl[lo:hi, :nr]
                # A ready contingent may fly its main body; its rear guard too once the
                # cargo is out (and unless it is held for dependents): it may use all its
                # troops, less the rear guard where that must stay. Products with
                # booleans stand for np.where, which is many times slower here.
                holds = cl_s != 0
                for c, h in held_in:
                    if lo <= c < hi:
                        holds[c - lo] |= waiting[h]
                usable = np.minimum(tl_s, rear[lo:hi, :nr])
                usable *= holds
                np.subtract(tl_s, usable, out=usable)
                usable *= r_u
                troops_at[b, :nr] -= _allocate(usable, seat_cap, tl_s)
                # Step 6 for these users: those whose last troops flew today exit today
                # (no troops left, no exit day yet: both zero).
                ex_s = ex1[lo:hi, :nr]
                out_now = np.flatnonzero((tl_s | ex_s) == 0)  # few cells: index them rather than pass over all
                if out_now.size:
                    users = out_now // nr
                    reps_out = out_now - users * nr
                    ex_s[users, reps_out] = t_p[reps_out] + 1
                    exited[lo:hi] += np.bincount(users, minlength=hi - lo)
                    any_exit = True

            # step 6: the day's books
            in_country[:nr] = troops_at[:, :nr].sum(axis=0)
            if record_daily:
                troops_daily[rid_p, t_p] = in_country[:nr]
                lifted_daily[rid_p, t_p] = lifted[:nr]
            if D is not None:
                past_w[:nr] += in_country[:nr] * (t_p >= D)
                at_w[:nr] += in_country[:nr] * (t_p == D)
            if any_exit:
                ex_p = ex1[:, :nr]
                for e, members in enumerate(cols.enabler_members):
                    now_gone = (ex_p[members] > 0).all(axis=0) & (gone[e, :nr] < 0)
                    gone[e, :nr] += now_gone * (t_p + 1)
            finished = int((in_country[:nr] == 0).sum())
            if ends.any() or (finished and finished * 8 >= n):
                retire((in_country > 0) & ~ends)
        elif ends.any():
            retire(~ends)

    retire(np.zeros(rid.size, dtype=bool))
    for b in range(len(day_iters)):
        day_iters[b] = None
    ready_out = np.where(ready == NEVER, -1, ready).astype(np.int32)
    return finish_outcomes(
        s,
        decision_day=decision,
        met_day=met,
        ready_day=ready_out,
        exit_day=exit_out,
        attacks=attacks_out,
        casualties=casualties_out,
        troop_days_past_deadline=past_out,
        troops_at_deadline=at_deadline_out,
        troops_in_country=troops_daily if record_daily else None,
        retrograde_lifted_t=lifted_daily if record_daily else None,
    )


def _exhausted():
    return iter(())


def iter_chunks(scenario, reps: int, seed: int, *, first_block: int = 0, chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
                block_size: int = BLOCK_SIZE, blocks=None, record_daily: bool = True):
    """Yield the outcomes of ``reps`` replications chunk by chunk, in block order.

    Each item is ``(blocks, outcomes)``: the ``(block, rows)`` pairs of the chunk and
    their :class:`Outcomes` (with per-day arrays unless ``record_daily`` is false).
    """
    plan = _Plan(scenario)
    if blocks is None:
        blocks = [(first_block + b, rows) for b, rows in blocks_for(reps, block_size)]
    blocks = list(blocks)
    # As even as the chunk size allows: a small last chunk costs more per replication
    # (the day loop's numpy calls are spread over fewer of them).
    n_chunks = -(-len(blocks) // max(int(chunk_blocks), 1))
    bounds = [-(-len(blocks) * i // n_chunks) for i in range(n_chunks + 1)] if blocks else [0]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        chunk = blocks[lo:hi]
        yield chunk, _run_chunk(plan, seed, chunk, block_size, record_daily)


def run_numpy(scenario, reps: int, seed: int, *, first_block: int = 0, record_daily: bool = False,
              chunk_blocks: int = DEFAULT_CHUNK_BLOCKS, block_size: int = BLOCK_SIZE, progress=None) -> Outcomes:
    """Run ``reps`` replications with the numpy engine and return their outcomes.

    Parameters
    ----------
    scenario : Scenario
    reps : int
    seed : int
    record_daily : bool, optional
        Keep troops in country and tonnes lifted per replication and day.
    chunk_blocks : int, optional
        Blocks run together; bounds memory, never changes results.
    progress : callable, optional
        Called with the number of replications finished since the last call.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_numpy
    >>> out = run_numpy(drawdown.load("doha-2021-05-01"), reps=500, seed=7)
    >>> out.exit_day.shape
    (500, 40)
    """
    parts = []
    for chunk, out in iter_chunks(scenario, reps, seed, first_block=first_block, chunk_blocks=chunk_blocks,
                                  block_size=block_size, record_daily=record_daily):
        parts.append(out)
        if progress is not None:
            progress(sum(rows for _, rows in chunk))
    return Outcomes.concatenate(parts)
