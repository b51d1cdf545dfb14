"""The vectorised numpy engine: the model of DESIGN §1 over many replications at once.

It gives the SimPy reference engine's outcomes replication by replication: it reads
the same draws (:mod:`sim.draws`), calls the same shared code for the council, the
conditions and the threat, and follows the same daily order (DESIGN §1.7) with array
operations over replications instead of processes. Nothing runs per replication in
Python.

Replications run in chunks of whole blocks; a chunk's memory is bounded by its size,
whatever the number of replications, and results do not depend on the chunk size.
"""

from __future__ import annotations

import numpy as np

from .council import conditions_met_day, decision_days, violence_index
from .draws import BLOCK_SIZE, BlockDraws, blocks_for
from .outcomes import Outcomes, finish_outcomes
from .threat import HitTable, attack_mean, attack_rates, base_factors, poisson_inv

__all__ = ["run_numpy", "iter_chunks", "DEFAULT_CHUNK_BLOCKS"]

DEFAULT_CHUNK_BLOCKS = 8
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
        self.home_onehot = np.zeros((C, self.N))
        self.home_onehot[np.arange(C), self.home] = 1.0
        self.move_onehot = np.zeros((C, self.N))  # what a via contingent's move does to base counts
        for i in np.flatnonzero(self.is_via):
            self.move_onehot[i, self.home[i]] -= 1.0
            self.move_onehot[i, self.flies_from[i]] += 1.0
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


def _allocate(want: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Hand ``capacity`` to the rows of ``want`` in row order; each takes what it can.

    ``want`` is (U, R): users in priority order by replications; ``capacity`` (R,).
    Returns what each user takes.
    """
    before = np.cumsum(want, axis=0, dtype=want.dtype) - want
    return np.minimum(want, np.maximum(capacity - before, 0))


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
        self.rear_guard = plan.rear_guard[self.perm].astype(np.int32)
        self.via = pos[plan.via_idx]
        self.home_onehot = plan.home_onehot[self.perm]
        self.move_onehot = plan.move_onehot[self.perm]
        self.enabler_members = [pos[m] for m in plan.enabler_members]
        self.holders = [(pos[m], pos[d]) for m, d in plan.holders]


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


def _run_chunk(plan: _Plan, seed: int, blocks, block_size: int) -> Outcomes:
    s = plan.s
    H, C = s.horizon_days, plan.C
    th = s.threat
    D = s.deadline_day
    cols = _Columns(plan)
    A = len(plan.airfields)
    draws = [BlockDraws(s, seed, b, rows=rows, block_size=block_size) for b, rows in blocks]
    day_iters = [d.days() for d in draws]
    sizes = np.array([d.rows for d in draws])
    R = int(sizes.sum())
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    block_of_row = np.repeat(np.arange(len(draws)), sizes)

    # What depends on no state of the force, for the whole chunk at once: the same
    # shared, elementwise functions as BlockInputs, so the same bits per replication.
    council_u = np.concatenate([d.council for d in draws], axis=1)
    violence = violence_index(s.conditions, np.concatenate([d.violence for d in draws], axis=1))
    met = conditions_met_day(s.conditions, violence)
    decision = decision_days(s.decision, council_u, met, H)
    rate = attack_rates(s, violence if D is None else None)
    per_rep_rate = D is None
    nd = np.concatenate([d.national_delay_days for d in draws]).astype(np.int64)
    prep = np.concatenate([d.prep_days for d in draws]).astype(np.int64)
    for d in draws:
        d.council = d.violence = None  # the day iterators keep the draws object alive
    del council_u, violence, draws
    ready = np.maximum(decision[:, None].astype(np.int64) + nd + prep + plan.road, s.decision.start_on_day)
    ready = np.where((decision[:, None] >= 0) & (ready <= H - 1), ready, NEVER).astype(np.int32)
    cut_possible = not s.enablers_last and len(plan.enabler_members) > 0
    screen = _screen_thresholds(plan, rate, per_rep_rate, cut_possible)
    most = plan.most_at_base
    factor_hi = np.maximum(plan.factors, plan.factors_exposed) if cut_possible else plan.factors
    rate_max = rate.max(axis=1) if per_rep_rate else None

    # Working rows, ordered by the day their first contingent is ready, so that the rows
    # with anything to fly form a prefix; finished rows are dropped now and then. State
    # is contingent-major (C, rows): an airfield's users are a run of rows, and sums
    # over contingents are vector adds.
    first_ready = ready.min(axis=1)
    rid = np.argsort(first_ready, kind="stable")
    fr = first_ready[rid]
    rdy = np.ascontiguousarray(ready[rid][:, cols.perm].T)
    tl = np.repeat(plan.troops[cols.perm].astype(np.int32)[:, None], R, axis=1)
    cl = np.repeat(plan.liftable[cols.perm].astype(np.int32)[:, None], R, axis=1)
    ex = np.full((C, R), -1, dtype=np.int32)
    closed_until = np.full((A, R), -1, dtype=np.int32)
    gone = np.full((len(cols.enabler_members), R), -1, dtype=np.int32)
    lifted = np.zeros(R, dtype=np.int64)
    attacks_w = np.zeros(R, dtype=np.int64)
    casualties_w = np.zeros(R, dtype=np.int64)
    home_t = np.ascontiguousarray(cols.home_onehot.T)
    move_t = np.ascontiguousarray(cols.move_onehot[cols.via].T) if cols.via.size else None
    rear_col = cols.rear_guard[:, None]

    exit_out = np.full((R, C), -1, dtype=np.int32)
    attacks_out = np.zeros(R, dtype=np.int64)
    casualties_out = np.zeros(R, dtype=np.int64)
    days = np.arange(H)[:, None]
    troops_daily = np.where(days < first_ready[None, :], s.total_troops, 0).astype(np.int32)
    lifted_daily = np.where(days < first_ready[None, :], 0, s.liftable_t).astype(np.int64)

    closed_buf = np.empty((R, A))
    attack_buf = np.empty((R, plan.N))
    casualty_buf = np.empty((R, plan.N))
    hit_buf = np.empty((R, A))
    live = np.ones(len(sizes), dtype=bool)
    in_country = np.full(R, s.total_troops, dtype=np.int64)
    air_of_base = np.array([plan.air_index.get(b, -1) for b in range(plan.N)])

    def retire(keep):
        nonlocal rid, fr, rdy, tl, cl, ex, closed_until, gone, lifted, attacks_w, casualties_w, in_country
        drop = ~keep
        gone_rows = rid[drop]
        exit_out[gone_rows] = ex[:, drop].T[:, cols.inverse]
        attacks_out[gone_rows] = attacks_w[drop]
        casualties_out[gone_rows] = casualties_w[drop]
        rid, fr = rid[keep], fr[keep]
        rdy, tl, cl, ex = rdy[:, keep], tl[:, keep], cl[:, keep], ex[:, keep]
        closed_until, gone, lifted = closed_until[:, keep], gone[:, keep], lifted[keep]
        attacks_w, casualties_w, in_country = attacks_w[keep], casualties_w[keep], in_country[keep]
        live[:] = False
        live[np.unique(block_of_row[rid])] = True

    for t in range(H):
        n = rid.size
        if n == 0:
            break
        # The day's draws, for every block that still has replications running.
        for k in np.flatnonzero(live):
            c_u, a_u, cas_u, h_u = next(day_iters[k])
            lo, hi = offsets[k], offsets[k + 1]
            closed_buf[lo:hi], attack_buf[lo:hi], casualty_buf[lo:hi], hit_buf[lo:hi] = c_u, a_u, cas_u, h_u
        nr = int(np.searchsorted(fr, t, side="right"))  # rows with a contingent ready by today

        # step 4: the threat, on the troops at each base at the start of the day
        u_att = attack_buf[rid]
        cand_r, cand_b = np.nonzero(u_att > screen[t])
        if cand_r.size:
            # A row's base holds at most its troops in country: a cheap bound on the mean
            # rules out most (row, base) pairs before the exact inverse CDF.
            rate_hi = rate_max[t] if per_rep_rate else rate[t]
            bound = rate_hi * factor_hi[cand_b] * np.minimum(most[cand_b], in_country[cand_r]) / s.total_troops
            keep = u_att[cand_r, cand_b] > np.exp(-bound) - 1e-12
            cand_r, cand_b = cand_r[keep], cand_b[keep]
        if cand_r.size:
            rows, where_row = np.unique(cand_r, return_inverse=True)
            tl_r = tl[:, rows]
            troops_at = home_t @ tl_r
            if move_t is not None:
                moved = rdy[cols.via][:, rows] <= t
                troops_at = troops_at + move_t @ (tl_r[cols.via] * moved)
            troops_at = np.rint(troops_at).astype(np.int64)
            factor = plan.factors[cand_b]
            if cut_possible:
                g = gone[:, cand_r]
                exposed = np.zeros(cand_r.size, dtype=bool)
                for e, mask in enumerate(plan.exposed_mask):
                    exposed |= (g[e] >= 0) & (g[e] < t) & mask[cand_b]
                factor = np.where(exposed, plan.factors_exposed[cand_b], factor)
            rate_t = rate[t, rid[cand_r]] if per_rep_rate else rate[t]
            mean = attack_mean(rate_t, factor, troops_at[cand_b, where_row], s.total_troops)
            orig = rid[cand_r]
            attacks = poisson_inv(attack_buf[orig, cand_b], mean)
            struck = attacks > 0
            if struck.any():
                cand_r, cand_b, orig, attacks = cand_r[struck], cand_b[struck], orig[struck], attacks[struck]
                casualties = poisson_inv(casualty_buf[orig, cand_b], th.casualties_per_attack * attacks)
                np.add.at(attacks_w, cand_r, attacks)
                np.add.at(casualties_w, cand_r, casualties)
                if th.closure_days > 0:
                    air = air_of_base[cand_b]
                    on_air = air >= 0
                    r_h, a_h, o_h = cand_r[on_air], air[on_air], orig[on_air]
                    hit = hit_buf[o_h, a_h] < plan.hits.threshold(attacks[on_air])
                    if hit.any():
                        np.maximum.at(closed_until, (a_h[hit], r_h[hit]), t + th.closure_days - 1)

        if nr == 0:
            continue
        # step 5: each airfield hands out cargo, then seats, in priority order
        held = None
        if cols.holders:
            held = np.zeros((C, nr), dtype=bool)
            exd = ex[:, :nr]
            for members, dependents in cols.holders:
                waiting = (exd[dependents] < 0).any(axis=0)
                held[members] |= waiting
        rid_p = rid[:nr]
        for b, a, lo, hi in cols.segments:
            r_u = rdy[lo:hi, :nr] <= t
            if not r_u.any():
                continue
            base = s.bases[b]
            shut = (closed_buf[rid_p, a] < base.p_closed_day) | (closed_until[a, :nr] >= t)
            if cut_possible and plan.cut_by[b]:
                g = gone[plan.cut_by[b], :nr]
                reduced = ((g >= 0) & (g < t)).any(axis=0)
                cargo_cap = np.where(reduced, base.cargo_reduced, base.cargo_t_per_day).astype(np.int32)
                seat_cap = np.where(reduced, base.seats_reduced, base.seats_per_day).astype(np.int32)
            else:
                cargo_cap = np.full(nr, base.cargo_t_per_day, dtype=np.int32)
                seat_cap = np.full(nr, base.seats_per_day, dtype=np.int32)
            cargo_cap[shut] = 0
            seat_cap[shut] = 0
            cl_s = cl[lo:hi, :nr]
            take = _allocate(np.where(r_u, cl_s, 0), cargo_cap)
            cl_s -= take
            lifted[:nr] += take.sum(axis=0)
            tl_s = tl[lo:hi, :nr]
            rear = np.minimum(tl_s, rear_col[lo:hi])
            may_go = r_u & (cl_s == 0)
            if held is not None:
                may_go &= ~held[lo:hi]
            usable = np.where(r_u, tl_s - rear + np.where(may_go, rear, 0), 0)
            tl_s -= _allocate(usable, seat_cap)

        # step 6: the day's books and exits
        tl_p = tl[:, :nr]
        in_country[:nr] = tl_p.sum(axis=0)
        troops_daily[t, rid_p] = in_country[:nr]
        lifted_daily[t, rid_p] = lifted[:nr]
        ex_p = ex[:, :nr]
        newly = (tl_p == 0) & (ex_p < 0)
        if newly.any():
            ex_p[newly] = t
            for e, members in enumerate(cols.enabler_members):
                now_gone = (ex_p[members] >= 0).all(axis=0) & (gone[e, :nr] < 0)
                gone[e, :nr][now_gone] = t
        finished = int((in_country[:nr] == 0).sum())
        if finished and finished * 8 >= n:
            retire(in_country > 0)

    retire(np.zeros(rid.size, dtype=bool))
    for k in range(len(day_iters)):
        day_iters[k] = None
    troops_daily = np.ascontiguousarray(troops_daily.T)
    lifted_daily = np.ascontiguousarray(lifted_daily.T)
    if D is not None:
        past = troops_daily[:, D:].sum(axis=1, dtype=np.int64)
        at_deadline = troops_daily[:, D].astype(np.int64)
    else:
        past = np.zeros(R, dtype=np.int64)
        at_deadline = np.zeros(R, dtype=np.int64)
    ready_out = np.where(ready == NEVER, -1, ready).astype(np.int32)
    return finish_outcomes(
        s,
        decision_day=decision,
        met_day=met,
        ready_day=ready_out,
        exit_day=exit_out,
        attacks=attacks_out,
        casualties=casualties_out,
        troop_days_past_deadline=past,
        troops_at_deadline=at_deadline,
        troops_in_country=troops_daily,
        retrograde_lifted_t=lifted_daily,
    )


def _exhausted():
    return iter(())


def iter_chunks(scenario, reps: int, seed: int, *, first_block: int = 0, chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
                block_size: int = BLOCK_SIZE, blocks=None):
    """Yield the outcomes of ``reps`` replications chunk by chunk, in block order.

    Each item is ``(blocks, outcomes)``: the ``(block, rows)`` pairs of the chunk and
    their :class:`Outcomes` (with per-day arrays).
    """
    plan = _Plan(scenario)
    if blocks is None:
        blocks = [(first_block + b, rows) for b, rows in blocks_for(reps, block_size)]
    blocks = list(blocks)
    for k in range(0, len(blocks), chunk_blocks):
        chunk = blocks[k : k + chunk_blocks]
        yield chunk, _run_chunk(plan, seed, chunk, block_size)


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
    >>> import sim
    >>> from sim.numpy_engine import run_numpy
    >>> out = run_numpy(sim.load("doha-2021-05-01"), reps=500, seed=7)
    >>> out.exit_day.shape
    (500, 40)
    """
    parts = []
    for chunk, out in iter_chunks(scenario, reps, seed, first_block=first_block, chunk_blocks=chunk_blocks,
                                  block_size=block_size):
        if not record_daily:
            out.troops_in_country = None
            out.retrograde_lifted_t = None
        parts.append(out)
        if progress is not None:
            progress(sum(rows for _, rows in chunk))
    return Outcomes.concatenate(parts)
