"""The v1 SimPy reference engine, kept verbatim only to measure the lean engine's speed-up.

This is ``sim/simpy_engine.py`` as it was before the lean rewrite (issue 12), with its
imports made absolute (``drawdown.``). It is not part of the package and nothing but
``benchmarks/engines.py`` uses it: the benchmark runs it beside ``sim.simpy_engine``
on the same replications, checks that the two give identical outcomes, and reports
the lean engine's speed-up over it. Do not change it; its original docstring follows.

The SimPy reference engine: the model of DESIGN §1, one process per actor.

Read this module to learn the model. Each replication is a SimPy environment whose
clock counts tenths of a day: day ``t`` begins at ``10 * t``, and the actors act at
fixed moments of the day so that every day follows the order of DESIGN §1.7:

======= ========================================================================
moment  what happens
======= ========================================================================
DAWN    the conditions index is read (:func:`conditions`)
COUNCIL the council meets; the withdrawal order may be given (:func:`council`)
PHASES  contingents whose preparation ends become ready; ``via`` contingents move
        (:func:`contingent`)
THREAT  attacks, casualties and airfield closures on the troops at each base
        (:func:`threat`)
AIRLIFT each airfield allocates the day's cargo, then seats (:func:`airfield`)
DUSK    the day is recorded; contingents with no troops left exit (:func:`day_book`)
======= ========================================================================

SimPy's stock resources do not do partial, prioritised, use-it-or-lose-it allocation,
so an airfield is a process that hands out each day's capacity itself.
"""

from __future__ import annotations

import numpy as np
import simpy
from drawdown.draws import (
    BLOCK_SIZE,
    BlockInputs,
    CasualtyTable,
    HitTable,
    attack_mean,
    base_factors,
    blocks_for,
    meeting_schedule,
    poisson_inv,
)
from drawdown.engines import Outcomes, finish_outcomes

__all__ = ["run_simpy", "simulate_replication", "trace_replication", "Theatre"]

DAWN, COUNCIL, PHASES, THREAT, AIRLIFT, DUSK = 0, 1, 2, 3, 4, 5
TICKS_PER_DAY = 10


def at(day: int, moment: int) -> int:
    """Clock time of a moment of a day."""
    return TICKS_PER_DAY * day + moment


def wait_until(env, day: int, moment: int):
    """An event that fires at ``moment`` of ``day``."""
    return env.timeout(at(day, moment) - env.now)


class Theatre:
    """The state of one replication: the force, its airfields and what has happened.

    Processes read and change it; events announce the order, each contingent's
    readiness, equipment out and exit.
    """

    def __init__(
        self, env, scenario, inputs: BlockInputs, row: int, *, trace: bool = False, record_daily: bool = False
    ):
        s = scenario
        self.env = env
        self.s = s
        self.row = row
        draws = inputs.draws
        self.nd_days = draws.national_delay_days[row]
        self.prep_days = draws.prep_days[row]
        self.decision_day = int(inputs.decision_day[row])
        self.met_day = int(inputs.met_day[row])
        special = int(meeting_schedule(s.decision, np.array([self.met_day]), s.horizon_days)[1][0])
        self.council_u = draws.council_of(row, special)
        self.violence = inputs.violence[:, row]
        self.rate = inputs.rate_of(row)
        self.first_drawn_day = int(inputs.first_drawn_day[row])
        self.attacks_before = int(inputs.attacks_before[row])
        self.casualties_before = int(inputs.casualties_before[row])
        # Set by the caller: the block's per-day slabs (sim.draws.DaySlabs); slab k
        # serves day first_drawn_day + k.
        self.slabs = None
        C = len(s.contingents)
        self.troops_left = [c.troops for c in s.contingents]
        self.cargo_left = [c.liftable_t for c in s.contingents]
        self.counts_at = [c.base for c in s.contingents]
        self.ready_day = [-1] * C
        self.exit_day = [-1] * C
        self.is_ready = [False] * C
        self.cargo_is_done = [False] * C
        self.order = env.event()
        self.ready = [env.event() for _ in range(C)]
        self.cargo_done = [env.event() for _ in range(C)]
        self.exited = [env.event() for _ in range(C)]
        self.all_out = simpy.AllOf(env, self.exited)
        self.airfield_of_base = {}
        for b in s.bases:
            if b.airfield:
                self.airfield_of_base[s.bases.index(b)] = len(self.airfield_of_base)
        self.closed_until = {b: -1 for b in self.airfield_of_base}
        self.enabler_gone_day = [-1] * len(s.enablers.nations)  # day the nation's last contingent exited
        self.nation_members = dict(zip(s.enablers.nations, s.enablers.members))
        self.factors, self.factors_exposed = base_factors(s)
        self.hits = HitTable(s.threat.p_airfield_hit)
        self.casualty_table = CasualtyTable(s.threat.casualties_per_attack)
        self.lifted_t = 0
        self.attacks = 0
        self.casualties = 0
        self.troop_days_past_deadline = 0
        self.troops_at_deadline = 0
        self.record_daily = record_daily
        H = s.horizon_days
        self.troops_in_country = np.zeros(H, dtype=np.int32) if record_daily else None
        self.lifted_by_day = np.full(H, s.liftable_t, dtype=np.int64) if record_daily else None
        self.events = [] if trace else None
        self.base_closed = [False] * len(s.bases)

    # -- telling the story ----------------------------------------------------------
    def log(self, kind: str, text: str, **data) -> None:
        if self.events is not None:
            day = self.env.now // TICKS_PER_DAY
            self.events.append(
                {"day": int(day), "date": self.s.date_of(day).isoformat(), "kind": kind, "text": text, **data}
            )

    def name(self, i: int) -> str:
        c = self.s.contingents[i]
        return f"{c.nation} @ {self.s.bases[c.base].name}"

    # -- shared facts of the day ------------------------------------------------------
    @property
    def today(self) -> int:
        return self.env.now // TICKS_PER_DAY

    def enablers_gone(self, nation_index: int, day: int) -> bool:
        """Whether the enabler nation left before ``day`` (only when enablers may leave first)."""
        gone = self.enabler_gone_day[nation_index]
        return (not self.s.enablers_last) and 0 <= gone < day

    def troops_at_bases(self) -> np.ndarray:
        counts = np.zeros(len(self.s.bases), dtype=np.int64)
        for i, n in enumerate(self.troops_left):
            counts[self.counts_at[i]] += n
        return counts


def conditions(env, theatre: Theatre):
    """The security situation: announces the day the conditions index has held below
    the threshold long enough (computed once, in shared code, for both engines)."""
    met = theatre.met_day
    if met < 0:
        return
    yield wait_until(env, met, DAWN)
    c = theatre.s.conditions
    theatre.log(
        "conditions",
        f"conditions met: violence index at or below {c.threshold:g} for {c.hold_days} days "
        f"(index {theatre.violence[met]:.3f})",
    )


def council(env, theatre: Theatre):
    """The North Atlantic Council: meets on its scheduled dates (and once more, specially,
    after conditions are met when the rule allows), seeks consensus, and gives the
    withdrawal order. Whether a meeting reaches consensus comes from the council's
    uniform of that day; the decision day is computed once, in shared code."""
    s = theatre.s
    dec = s.decision
    d = theatre.decision_day
    rule = dec.rule
    if rule == "fixed":
        yield wait_until(env, d, COUNCIL)
        theatre.log("decision", "withdrawal ordered (announced date, rule 'fixed')", decision_day=d)
        theatre.order.succeed(d)
        return
    meetings = set(dec.meeting_days)
    special = -1
    if rule == "conditions" and dec.allow_special_meetings and theatre.met_day >= 0:
        day = theatre.met_day + dec.special_meeting_delay_days
        if day <= s.horizon_days - 1 and day not in meetings:
            special = day
            meetings.add(day)
    last = d if d >= 0 else s.horizon_days - 1
    p = dec.p_no_consensus
    for m in sorted(meetings):
        if m > last:
            break
        yield wait_until(env, m, COUNCIL)
        what = "special meeting" if m == special else "council meeting"
        if rule == "conditions" and (theatre.met_day < 0 or m < theatre.met_day):
            theatre.log("meeting", f"{what}: conditions not met, no order")
        elif theatre.council_u[m] < p:
            theatre.log("meeting", f"{what}: no consensus (an ally holds out), no order")
        else:
            # The shared decision day is the first meeting that decides (or earlier).
            assert m == d, (m, d)
            theatre.log("decision", f"{what}: consensus, withdrawal ordered", decision_day=d)
            theatre.order.succeed(d)
            return
    if d >= 0:
        yield wait_until(env, d, COUNCIL)
        theatre.log("decision", "latest decision date reached: withdrawal ordered without consensus", decision_day=d)
        theatre.order.succeed(d)


def contingent(env, theatre: Theatre, i: int):
    """A national contingent: waits for the council's order and its own government's
    decision, prepares (and moves by road when its base has no airfield), then its
    main body, equipment and finally its rear guard leave by air."""
    s = theatre.s
    c = s.contingents[i]
    d = yield theatre.order
    nd, prep = int(theatre.nd_days[i]), int(theatre.prep_days[i])
    ready = max(d + nd + prep + c.road_days, s.decision.start_on_day)
    theatre.ready_day[i] = ready
    if ready > s.horizon_days - 1:
        theatre.log("phase", f"{theatre.name(i)}: would be ready on day {ready}, after the horizon", contingent=c.id)
        return
    if nd:
        yield wait_until(env, d + nd, PHASES)
        theatre.log(
            "phase",
            f"{theatre.name(i)}: national decision taken after {nd} days; preparing ({prep} days)",
            contingent=c.id,
        )
    yield wait_until(env, ready, PHASES)
    theatre.is_ready[i] = True
    if c.flies_from != c.base:
        theatre.counts_at[i] = c.flies_from
        theatre.log(
            "move",
            f"{theatre.name(i)}: moved by road to {s.bases[c.flies_from].name} ({c.road_days} days)",
            contingent=c.id,
        )
    how = f"ordered {s.date_of(d).isoformat()}, national decision {nd} d, preparation {prep} d"
    if c.road_days:
        how += f", road {c.road_days} d"
    if ready > d + nd + prep + c.road_days:
        how += f"; waited for the start date {s.date_of(ready).isoformat()}"
    theatre.log(
        "ready",
        f"{theatre.name(i)}: ready ({how}); main body of {c.main_body} may fly, {c.liftable_t} t of equipment to lift",
        contingent=c.id,
        ready_day=ready,
    )
    theatre.ready[i].succeed(ready)
    if c.liftable_t == 0:
        theatre.cargo_is_done[i] = True
        theatre.cargo_done[i].succeed(ready)
    yield theatre.cargo_done[i]
    theatre.log("cargo", f"{theatre.name(i)}: equipment out; rear guard of {c.rear_guard} may fly", contingent=c.id)
    yield theatre.exited[i]  # the day book records the exit


def threat(env, theatre: Theatre):
    """The adversary: each day, attacks on each base in proportion to the troops there
    at the start of the day (with the rate that changes at the deadline), casualties,
    and airfields closed by hits.

    Until the replication's first drawn day (shortly before the order) the force has
    not moved and no hit can shut an airfield on a day anyone flies, so the attacks of
    those days are one total drawn in shared code, told on the day before."""
    s = theatre.s
    H = s.horizon_days
    th = s.threat
    exposed = [set(b) for b in s.enablers.exposed_bases]
    first = theatre.first_drawn_day
    if first > 0:
        yield wait_until(env, first - 1, THREAT)
        theatre.attacks += theatre.attacks_before
        theatre.casualties += theatre.casualties_before
        if theatre.attacks_before:
            theatre.log(
                "attack",
                f"since {s.date_of(0).isoformat()}, before the order: "
                f"{_plural(theatre.attacks_before, 'attack')}, "
                f"{_plural(theatre.casualties_before, 'casualty', 'casualties')} on the whole force (one total)",
                base=None,
                attacks=theatre.attacks_before,
                casualties=theatre.casualties_before,
            )
    row = theatre.row
    for t in range(first, H):
        yield wait_until(env, t, THREAT)
        _, attack_u, casualty_u, hit_u = theatre.slabs.row(row, t - first)
        troops = theatre.troops_at_bases()
        factor = theatre.factors
        gone = [n for n in range(len(exposed)) if theatre.enablers_gone(n, t)]
        if gone:
            hit_bases = set().union(*(exposed[n] for n in gone))
            factor = np.where([b in hit_bases for b in range(len(s.bases))], theatre.factors_exposed, theatre.factors)
        mean = attack_mean(theatre.rate[t], factor, troops, s.total_troops)
        attacks = poisson_inv(attack_u, mean)
        if not attacks.any():
            continue
        casualties = theatre.casualty_table.casualties(casualty_u, attacks)
        theatre.attacks += int(attacks.sum())
        theatre.casualties += int(casualties.sum())
        thresholds = theatre.hits.threshold(attacks)
        for b in np.flatnonzero(attacks):
            base = s.bases[b]
            theatre.log(
                "attack",
                f"{base.name}: {_plural(attacks[b], 'attack')}, {_plural(casualties[b], 'casualty', 'casualties')}",
                base=base.name,
                attacks=int(attacks[b]),
                casualties=int(casualties[b]),
            )
            if b in theatre.airfield_of_base and th.closure_days > 0:
                a = theatre.airfield_of_base[b]
                if hit_u[a] < thresholds[b]:
                    end = t + th.closure_days - 1
                    theatre.closed_until[b] = max(theatre.closed_until[b], end)
                    theatre.log(
                        "closure",
                        f"{base.name}: airfield hit, shut until {s.date_of(theatre.closed_until[b]).isoformat()}",
                        base=base.name,
                        until_day=theatre.closed_until[b],
                    )


def airfield(env, theatre: Theatre, b: int):
    """An airfield: from the day its first contingent is ready, each day it is open it
    hands out its cargo capacity, then its seats, to the ready contingents in priority
    order; each takes what it can use, and what is left is lost."""
    s = theatre.s
    base = s.bases[b]
    a = theatre.airfield_of_base[b]
    users = [i for i in s.priority if s.contingents[i].flies_from == b]
    if not users:
        return
    cut_by = [n for n, airfields in enumerate(s.enablers.cut_airfields) if b in airfields]
    first_ready = yield simpy.AnyOf(env, [theatre.ready[i] for i in users])
    t = min(first_ready.values())
    while t < s.horizon_days:
        yield wait_until(env, t, AIRLIFT)
        active = [i for i in users if theatre.is_ready[i] and theatre.troops_left[i] > 0]
        if not active:
            if all(theatre.exit_day[i] >= 0 for i in users):
                return
            t += 1
            continue
        # Nobody is ready before the order, so t - first_drawn_day >= 0.
        closed_u = theatre.slabs.row(theatre.row, t - theatre.first_drawn_day)[0]
        weather = closed_u[a] < base.p_closed_day
        if weather or theatre.closed_until[b] >= t:
            why = (
                "weather or maintenance"
                if weather
                else f"hit, shut until {s.date_of(theatre.closed_until[b]).isoformat()}"
            )
            theatre.log("shut", f"{base.name}: airfield shut today ({why}), no flights", base=base.name)
            t += 1
            continue
        reduced = any(theatre.enablers_gone(n, t) for n in cut_by)
        cargo = base.cargo_reduced if reduced else base.cargo_t_per_day
        seats = base.seats_reduced if reduced else base.seats_per_day
        held = {i for i in active if theatre_holds_rear_guard(theatre, i)}
        lifted = {}
        for i in active:
            take = min(theatre.cargo_left[i], cargo)
            if take:
                theatre.cargo_left[i] -= take
                cargo -= take
                theatre.lifted_t += take
                lifted[i] = take
        for i in active:
            if theatre.cargo_left[i] == 0 and not theatre.cargo_is_done[i]:
                theatre.cargo_is_done[i] = True
                theatre.cargo_done[i].succeed(t)
        flown = {}
        for i in active:
            rear_guard = min(theatre.troops_left[i], s.contingents[i].rear_guard)
            usable = theatre.troops_left[i] - rear_guard
            if theatre.cargo_is_done[i] and i not in held:
                usable += rear_guard
            take = min(usable, seats)
            if take:
                theatre.troops_left[i] -= take
                seats -= take
                flown[i] = take
        # Tell of a held rear guard only once it is all that is left to fly.
        waiting = [
            i for i in held if theatre.cargo_is_done[i] and 0 < theatre.troops_left[i] <= s.contingents[i].rear_guard
        ]
        if theatre.events is not None and (lifted or flown or waiting):
            bits = []
            if flown:
                who = ", ".join(f"{s.contingents[i].nation} {n}" for i, n in flown.items())
                bits.append(f"{sum(flown.values())} troops flown ({who})")
            if lifted:
                still = sum(theatre.cargo_left[i] for i in active)
                bits.append(f"{sum(lifted.values())} t lifted" + (f" ({still} t still to lift)" if still else ""))
            text = f"{base.name}: " + (", ".join(bits) if bits else "no flights")
            if reduced:
                text += ", at reduced capacity (enablers gone)"
            if waiting:
                text += "; rear guard held while dependents remain: " + ", ".join(theatre.name(i) for i in waiting)
            theatre.log("flights", text, base=base.name, troops=sum(flown.values()), tonnes=sum(lifted.values()))
        t += 1


def _plural(n, one: str, many: str | None = None) -> str:
    n = int(n)
    return f"{n} {one if n == 1 else (many or one + 's')}"


def theatre_holds_rear_guard(theatre: Theatre, i: int) -> bool:
    """Enablers last: an enabler's rear guard stays while a dependent was in country at
    the start of the day."""
    s = theatre.s
    if not s.enablers_last:
        return False
    nation = s.contingents[i].nation
    if nation not in theatre.nation_members:
        return False
    n = s.enablers.nations.index(nation)
    return any(theatre.exit_day[j] < 0 for j in s.enablers.dependents[n])


def day_book(env, theatre: Theatre):
    """The end of each day: counts the troops in country, records exits and the closing
    of bases, and keeps the books the outcomes are made of."""
    s = theatre.s
    D = s.deadline_day
    C = len(s.contingents)
    for t in range(s.horizon_days):
        yield wait_until(env, t, DUSK)
        in_country = sum(theatre.troops_left)
        if theatre.record_daily:
            theatre.troops_in_country[t] = in_country
            theatre.lifted_by_day[t] = theatre.lifted_t
        if D is not None and t >= D:
            theatre.troop_days_past_deadline += in_country
            if t == D:
                theatre.troops_at_deadline = in_country
                theatre.log("deadline", f"deadline day: {in_country} troops still in country")
        for i in range(C):
            if theatre.troops_left[i] == 0 and theatre.exit_day[i] < 0:
                theatre.exit_day[i] = t
                theatre.exited[i].succeed(t)
                theatre.log("exit", f"{theatre.name(i)}: last soldier out", contingent=s.contingents[i].id)
                nation = s.contingents[i].nation
                if nation in theatre.nation_members:
                    n = s.enablers.nations.index(nation)
                    if all(theatre.exit_day[j] >= 0 for j in theatre.nation_members[nation]):
                        theatre.enabler_gone_day[n] = t
                        theatre.log("enablers", f"{nation}: last enabler contingent out")
        for b, base in enumerate(s.bases if theatre.events is not None else ()):
            # Only the story needs this; outcomes derive base closing from exit days.
            if theatre.base_closed[b]:
                continue
            if not any(
                theatre.troops_left[i] > 0 and (theatre.counts_at[i] == b or s.contingents[i].flies_from == b)
                for i in range(C)
            ):
                theatre.base_closed[b] = True
                theatre.log("base", f"{base.name}: base closed, no troops left", base=base.name)
        if in_country == 0:
            theatre.log("end", f"all troops out: {theatre.attacks} attacks, {theatre.casualties} casualties in all")
            return
        if t == s.horizon_days - 1:
            waiting = [theatre.name(i) for i in range(C) if theatre.troops_left[i] > 0 and not theatre.is_ready[i]]
            why = f" ({len(waiting)} contingents never became ready)" if waiting else ""
            theatre.log(
                "censored",
                f"horizon ends with {in_country} troops still in country{why}: censored; "
                f"{theatre.attacks} attacks, {theatre.casualties} casualties so far",
            )


def simulate_replication(
    scenario, inputs: BlockInputs, row: int, slabs, *, trace: bool = False, record_daily: bool = False
) -> Theatre:
    """Run one replication (row ``row`` of a block) and return its final state.

    ``slabs`` is the block's :class:`sim.draws.DaySlabs` (``inputs.draws.slabs()``),
    shared by the replications of the block.
    """
    env = simpy.Environment()
    theatre = Theatre(env, scenario, inputs, row, trace=trace, record_daily=record_daily)
    theatre.slabs = slabs
    env.process(conditions(env, theatre))
    env.process(council(env, theatre))
    for i in range(len(scenario.contingents)):
        env.process(contingent(env, theatre, i))
    env.process(threat(env, theatre))
    for b, base in enumerate(scenario.bases):
        if base.airfield:
            env.process(airfield(env, theatre, b))
    book = env.process(day_book(env, theatre))
    env.run(until=simpy.AnyOf(env, [book, env.timeout(at(scenario.horizon_days, DAWN))]))
    return theatre


def trace_replication(scenario, seed: int, replication: int) -> list[dict]:
    """The events of one replication, as :func:`run_simpy` would run it.

    Replication ``R`` is row ``R % BLOCK_SIZE`` of block ``R // BLOCK_SIZE``; only the
    first rows of that block are drawn. Each event is a dict with ``day``, ``date``
    (ISO), ``kind`` and ``text``, plus details of its kind.

    >>> import drawdown
    >>> events = trace_replication(drawdown.load("announced-2021-09-11"), seed=1, replication=0)
    >>> [(e["kind"], e["date"]) for e in events[:2]]
    [('attack', '2021-04-12'), ('decision', '2021-04-14')]
    >>> events[0]["text"]
    'since 2021-02-15, before the order: 3 attacks, 1 casualty on the whole force (one total)'
    """
    replication = int(replication)
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    block, row = divmod(replication, BLOCK_SIZE)
    inputs = BlockInputs(scenario, seed, block, rows=row + 1)
    theatre = simulate_replication(scenario, inputs, row, inputs.draws.slabs(), trace=True)
    return theatre.events


def run_simpy(
    scenario,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    record_daily: bool = False,
    block_size: int = BLOCK_SIZE,
    progress=None,
) -> Outcomes:
    """Run ``reps`` replications with the SimPy engine.

    Parameters
    ----------
    scenario : Scenario
    reps : int
        Replications, the first ``reps`` rows of blocks ``first_block, ...``.
    seed : int
    record_daily : bool, optional
        Also keep troops in country and tonnes lifted per replication and day.
    progress : callable, optional
        Called with the number of replications finished since the last call.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines.simpy_engine import run_simpy
    >>> out = run_simpy(drawdown.load("doha-2021-05-01"), reps=3, seed=7)
    >>> out.final_exit_day.shape, out.exit_day.shape
    ((3,), (3, 40))
    """
    parts = []
    for block, rows in blocks_for(reps, block_size):
        parts.append(_run_block(scenario, seed, first_block + block, rows, record_daily, block_size, progress))
    return Outcomes.concatenate(parts)


def _run_block(scenario, seed, block, rows, record_daily, block_size, progress):
    inputs = BlockInputs(scenario, seed, block, rows=rows, block_size=block_size)
    slabs = inputs.draws.slabs()
    C, H = len(scenario.contingents), scenario.horizon_days
    ready = np.full((rows, C), -1, dtype=np.int32)
    exits = np.full((rows, C), -1, dtype=np.int32)
    attacks = np.zeros(rows, dtype=np.int64)
    casualties = np.zeros(rows, dtype=np.int64)
    past = np.zeros(rows, dtype=np.int64)
    at_deadline = np.zeros(rows, dtype=np.int64)
    troops = np.zeros((rows, H), dtype=np.int32) if record_daily else None
    lifted = np.zeros((rows, H), dtype=np.int64) if record_daily else None
    for r in range(rows):
        th = simulate_replication(scenario, inputs, r, slabs, record_daily=record_daily)
        ready[r] = th.ready_day
        exits[r] = th.exit_day
        attacks[r] = th.attacks
        casualties[r] = th.casualties
        past[r] = th.troop_days_past_deadline
        at_deadline[r] = th.troops_at_deadline
        if record_daily:
            troops[r] = th.troops_in_country
            lifted[r] = th.lifted_by_day
        if progress is not None:
            progress(1)
    return finish_outcomes(
        scenario,
        decision_day=inputs.decision_day,
        met_day=inputs.met_day,
        ready_day=ready,
        exit_day=exits,
        attacks=attacks,
        casualties=casualties,
        troop_days_past_deadline=past,
        troops_at_deadline=at_deadline,
        troops_in_country=troops,
        retrograde_lifted_t=lifted,
        killed_draw=inputs.killed_draw,
    )
