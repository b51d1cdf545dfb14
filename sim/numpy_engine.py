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

from .draws import BLOCK_SIZE, blocks_for
from .inputs import BlockInputs
from .outcomes import Outcomes, finish_outcomes
from .threat import HitTable, attack_mean, base_factors, poisson_inv

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
    """Hand ``capacity`` to the columns of ``want`` in column order; each takes what it can.

    ``want`` is (R, U) in priority order, ``capacity`` (R,). Returns what each takes.
    """
    before = np.cumsum(want, axis=1) - want
    return np.minimum(want, np.maximum(capacity[:, None] - before, 0))


def _run_chunk(plan: _Plan, seed: int, blocks, block_size: int) -> Outcomes:
    s = plan.s
    H, C = s.horizon_days, plan.C
    th = s.threat
    D = s.deadline_day
    inputs = [BlockInputs(s, seed, b, rows=rows, block_size=block_size) for b, rows in blocks]
    day_iters = [inp.draws.days() for inp in inputs]
    sizes = [inp.rows for inp in inputs]
    R = sum(sizes)
    block_of_row = np.repeat(np.arange(len(inputs)), sizes)

    decision = np.concatenate([inp.decision_day for inp in inputs])
    met = np.concatenate([inp.met_day for inp in inputs])
    nd = np.concatenate([inp.draws.national_delay_days for inp in inputs]).astype(np.int64)
    prep = np.concatenate([inp.draws.prep_days for inp in inputs]).astype(np.int64)
    ready = np.maximum(decision[:, None].astype(np.int64) + nd + prep + plan.road, s.decision.start_on_day)
    ready = np.where(decision[:, None] >= 0, ready, NEVER)
    ready = np.where(ready <= H - 1, ready, NEVER)
    per_rep_rate = s.deadline_day is None
    rate = np.concatenate([inp.rate for inp in inputs], axis=1) if per_rep_rate else inputs[0].rate
    del inputs

    troops_left = np.broadcast_to(plan.troops, (R, C)).copy()
    cargo_left = np.broadcast_to(plan.liftable, (R, C)).copy()
    exit_day = np.full((R, C), -1, dtype=np.int32)
    closed_until = np.full((R, len(plan.airfields)), -1, dtype=np.int64)
    gone_day = np.full((R, len(plan.enabler_members)), -1, dtype=np.int64)
    lifted = np.zeros(R, dtype=np.int64)
    attacks_total = np.zeros(R, dtype=np.int64)
    casualties_total = np.zeros(R, dtype=np.int64)
    past = np.zeros(R, dtype=np.int64)
    at_deadline = np.zeros(R, dtype=np.int64)
    troops_daily = np.zeros((R, H), dtype=np.int32)
    lifted_daily = np.full((R, H), s.liftable_t, dtype=np.int64)
    first_ready = ready.min(axis=1)

    act = np.arange(R)  # replications with troops in country
    block_live = np.ones(len(sizes), dtype=bool)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    cut_possible = not s.enablers_last and len(plan.enabler_members) > 0
    for t in range(H):
        if act.size == 0:
            break
        # Draw day t for every block that still has replications running.
        live_blocks = np.unique(block_of_row[act])
        block_live[:] = False
        block_live[live_blocks] = True
        closed_u = np.empty((R, len(plan.airfields)))
        attack_u = np.empty((R, plan.N))
        casualty_u = np.empty((R, plan.N))
        hit_u = np.empty((R, len(plan.airfields)))
        for k, it in enumerate(day_iters):
            if not block_live[k]:
                continue
            c_u, a_u, cas_u, h_u = next(it)
            lo, hi = offsets[k], offsets[k + 1]
            closed_u[lo:hi], attack_u[lo:hi], casualty_u[lo:hi], hit_u[lo:hi] = c_u, a_u, cas_u, h_u
        # Blocks that stopped drawing never need later days: their iterators are dropped.
        for k in np.flatnonzero(~block_live):
            day_iters[k] = _exhausted()

        tl = troops_left[act]
        rdy = ready[act] <= t  # step 3: readiness (and via moves) take effect

        # step 4: the threat, on troops at the start of the day
        troops_at = tl @ plan.home_onehot
        if plan.via_idx.size:
            moved = rdy[:, plan.via_idx]
            if moved.any():
                troops_at = troops_at + (tl[:, plan.via_idx] * moved) @ plan.move_onehot[plan.via_idx]
        troops_at = np.rint(troops_at).astype(np.int64)
        factor = plan.factors
        if cut_possible:
            gone_now = (gone_day[act] >= 0) & (gone_day[act] < t)
            if gone_now.any():
                exposed = np.zeros((act.size, plan.N), dtype=bool)
                for n, mask in enumerate(plan.exposed_mask):
                    exposed |= gone_now[:, n : n + 1] & mask
                factor = np.where(exposed, plan.factors_exposed, plan.factors)
        rate_t = rate[t][act][:, None] if per_rep_rate else rate[t]
        mean = attack_mean(rate_t, factor, troops_at, s.total_troops)
        attacks = poisson_inv(attack_u[act], mean)
        if attacks.any():
            casualties = poisson_inv(casualty_u[act], th.casualties_per_attack * attacks)
            attacks_total[act] += attacks.sum(axis=1)
            casualties_total[act] += casualties.sum(axis=1)
            if th.closure_days > 0:
                for b in plan.airfields:
                    a = plan.air_index[b]
                    hit = hit_u[act, a] < plan.hits.threshold(attacks[:, b])
                    if hit.any():
                        rows = act[hit]
                        closed_until[rows, a] = np.maximum(closed_until[rows, a], t + th.closure_days - 1)

        # step 5: airfields, cargo then seats, in priority order
        if (first_ready[act] <= t).any():
            exited_before = exit_day[act] >= 0
            held = np.zeros((act.size, C), dtype=bool)
            for members, dependents in plan.holders:
                waiting = (~exited_before[:, dependents]).any(axis=1)
                held[:, members] |= waiting[:, None]
            for b in plan.airfields:
                users = plan.users[b]
                if users.size == 0:
                    continue
                r_u = rdy[:, users]
                if not r_u.any():
                    continue
                a = plan.air_index[b]
                base = s.bases[b]
                shut = (closed_u[act, a] < base.p_closed_day) | (closed_until[act, a] >= t)
                cargo_cap = np.full(act.size, base.cargo_t_per_day, dtype=np.int64)
                seat_cap = np.full(act.size, base.seats_per_day, dtype=np.int64)
                if cut_possible and plan.cut_by[b]:
                    g = gone_day[act][:, plan.cut_by[b]]
                    reduced = ((g >= 0) & (g < t)).any(axis=1)
                    cargo_cap = np.where(reduced, base.cargo_reduced, cargo_cap)
                    seat_cap = np.where(reduced, base.seats_reduced, seat_cap)
                cargo_cap[shut] = 0
                seat_cap[shut] = 0
                rows = act[:, None]
                cols = users[None, :]
                cl = cargo_left[rows, cols]
                take = _allocate(np.where(r_u, cl, 0), cargo_cap)
                cl = cl - take
                cargo_left[rows, cols] = cl
                lifted[act] += take.sum(axis=1)
                done = r_u & (cl == 0)
                tl_u = troops_left[rows, cols]
                rear = np.minimum(tl_u, plan.rear_guard[users])
                usable = tl_u - rear + np.where(done & ~held[:, users], rear, 0)
                take = _allocate(np.where(r_u, usable, 0), seat_cap)
                troops_left[rows, cols] = tl_u - take

        # step 6: the day's books and exits
        tl = troops_left[act]
        in_country = tl.sum(axis=1)
        troops_daily[act, t] = in_country
        lifted_daily[act, t] = lifted[act]
        if D is not None and t >= D:
            past[act] += in_country
            if t == D:
                at_deadline[act] = in_country
        newly = (tl == 0) & (exit_day[act] < 0)
        if newly.any():
            rows, cols = np.nonzero(newly)
            exit_day[act[rows], cols] = t
            for n, members in enumerate(plan.enabler_members):
                ed = exit_day[act][:, members]
                now_gone = (ed >= 0).all(axis=1) & (gone_day[act, n] < 0)
                gone_day[act[now_gone], n] = t
        act = act[in_country > 0]

    for k in range(len(day_iters)):
        day_iters[k] = None
    ready_out = np.where(ready == NEVER, -1, ready).astype(np.int32)
    return finish_outcomes(
        s,
        decision_day=decision,
        met_day=met,
        ready_day=ready_out,
        exit_day=exit_day,
        attacks=attacks_total,
        casualties=casualties_total,
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
