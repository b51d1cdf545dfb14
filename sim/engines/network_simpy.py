"""The SimPy reference engine of model v2: routes, exits, phases and framework nations.

Read this module with docs/network.md (the contract) beside it. As in the v1 engine
(:mod:`.simpy_engine`, whose council and conditions processes are used here unchanged),
each replication is a SimPy environment whose clock counts tenths of a day, and the
actors act at the moments of :class:`drawdown.engines.Moment`:

======= ========================================================================
moment  what happens
======= ========================================================================
DAWN    the conditions index is read (v1's ``conditions``)
COUNCIL the council may give the order (v1's ``council``); ready days and phase
        starts that become known are planned (:func:`planner`)
PHASES  convoys arrive at the end of their leg (:func:`convoy`), then contingents
        whose ready day it is become ready (:func:`contingent`); a phase starts
        (:func:`phase`, told only)
THREAT  attacks on the troops at each base, waiting at each crossing and on each
        road leg; hits shut airfields, crossings and legs (:func:`adversary`)
AIRLIFT the movement control hands out each leg's and each exit's capacity: the
        cargo pass, then the seat pass (:func:`movement_control`)
DUSK    the day is recorded; contingents exit; phases complete (:func:`day_book`)
======= ========================================================================

A v1 scenario runs here as the network it implies (:func:`drawdown.scenario.as_network`:
no legs, no crossings, no phases) and gives exactly the v1 engine's outcomes.
Decisions where the contract is silent are in docs/decisions-reference.md.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from ..draws import BLOCK_SIZE, BlockInputs, CasualtyTable, DaySlabs, HitTable, base_factors, blocks_for, poisson_inv
from ..scenario import as_network
from .moments import Moment
from .outcomes import TONNES, TROOPS, Outcomes, finish_outcomes
from .simpy_engine import Process, at, conditions, council, surely_no_attack, wait_until

__all__ = ["run_network_simpy", "simulate_network_replication", "trace_network_replication", "NetworkTheatre"]

NEVER = 2**31  # a day after any horizon: "never"
#: Contingents become ready at PHASES, after the day's convoys have arrived (docs/network.md, step 3).
AFTER_ARRIVALS = 0.5


def _plural(n: int, one: str, many: str | None = None) -> str:
    n = int(n)
    return f"{n} {one if n == 1 else (many or one + 's')}"


# -- what every replication shares ---------------------------------------------------------


class NetworkPlan:
    """What every replication of a network scenario shares, worked out once.

    Attributes
    ----------
    network, plan : Network, Plan
        The scenario's (or, for a v1 scenario, those it implies).
    troop_places, cargo_places : list of tuple of int
        Per contingent, the places of its troop and equipment routes, from the base it
        leaves from (its ``via`` base's, or its own) to its exit's place.
    troop_users, cargo_users : list of list of (int, int)
        Per way (legs in file order, then exits in ``Network.exits`` order), the
        contingents that use it, in priority order, with the position on their route
        where they wait for it.
    ceilings : list of (int, Ceiling)
        The phases' ceilings, with their phase.
    ceilings_of : list of list of int
        Per contingent, the ceilings (indices into ``ceilings``) that count it.
    """

    def __init__(self, scenario: Any) -> None:
        s = scenario
        self.scenario = s
        self.network, self.plan = as_network(s)
        net, plan = self.network, self.plan
        self.horizon: int = s.horizon_days
        self.total_troops: int = s.total_troops
        self.liftable_t: int = s.liftable_t
        self.B = len(s.bases)
        C = len(s.contingents)
        self.troop_places = [net.routes[i].troop_places(net, c.flies_from) for i, c in enumerate(s.contingents)]
        self.cargo_places = [net.routes[i].cargo_places(net, c.flies_from) for i, c in enumerate(s.contingents)]
        L = len(net.legs)
        self.ways = L + len(net.exits)
        self.troop_users: list[list[tuple[int, int]]] = [[] for _ in range(self.ways)]
        self.cargo_users: list[list[tuple[int, int]]] = [[] for _ in range(self.ways)]
        for i in s.priority:
            route = net.routes[i]
            for k, leg in enumerate(route.troop_legs):
                self.troop_users[leg].append((i, k))
            self.troop_users[L + route.troop_exit].append((i, len(route.troop_legs)))
            for k, leg in enumerate(route.cargo_legs):
                self.cargo_users[leg].append((i, k))
            self.cargo_users[L + route.cargo_exit].append((i, len(route.cargo_legs)))
        en = s.enablers
        self.enabler_of = [-1] * C
        for n, members in enumerate(en.members):
            for i in members:
                self.enabler_of[i] = n
        self.depends_on: list[list[int]] = [[] for _ in range(C)]
        for n, dependents in enumerate(en.dependents):
            for i in dependents:
                self.depends_on[i].append(n)
        factors, exposed = base_factors(s)
        exposure = en.exposure_without_enablers
        # Attack multipliers per place (bases, then crossings) and per leg, nominal and exposed.
        self.place_factor = factors.tolist() + [x.attack_multiplier for x in net.crossings]
        self.place_exposed = exposed.tolist() + [x.attack_multiplier * exposure for x in net.crossings]
        self.leg_factor = [leg.attack_multiplier for leg in net.legs]
        self.leg_exposed = [leg.attack_multiplier * exposure for leg in net.legs]
        self.airfield_hits = HitTable(s.threat.p_airfield_hit)
        self.site_hits = [HitTable(x.p_hit) for x in net.crossings] + [HitTable(leg.p_hit) for leg in net.legs]
        self.casualty_table = CasualtyTable(s.threat.casualties_per_attack)
        nations = {n: k for k, n in enumerate(s.nations)}
        self.nation_of: list[int] = [nations[c.nation] for c in s.contingents]
        self.nation_troops = [0] * len(nations)
        self.nation_liftable_t = [0] * len(nations)
        for k, c in zip(self.nation_of, s.contingents, strict=True):
            self.nation_troops[k] += c.troops
            self.nation_liftable_t[k] += c.liftable_t
        self.ceilings = [(p, ph.ceiling) for p, ph in enumerate(plan.phases) if ph.ceiling is not None]
        self.ceilings_of: list[list[int]] = [[] for _ in range(C)]
        for k, (_, ceiling) in enumerate(self.ceilings):
            for i in ceiling.members:
                self.ceilings_of[i].append(k)


# -- the actors' state ---------------------------------------------------------------------


class Contingent:
    """One contingent (a ``NATION@BASE``, or a part of one) as a replication follows it.

    Its troops are at the positions of its troop route (``main[k]``, ``guard[k]``: main
    body and rear guard at place ``troop_places[k]``) or on the leg after position ``k``
    (``main_moving[k]``, ``guard_moving[k]``) or out; its liftable tonnes likewise along
    its equipment route (``cargo``, ``cargo_moving``).

    Attributes
    ----------
    own_ready, ready_day : int or None
        Its ready day before and after waiting for its framework nation; None until
        known, ``NEVER`` when it never comes.
    planned : simpy.Event
        Succeeds when its ready day is known.
    at_home : bool
        A ``via`` contingent counts at its home base until it is ready.
    """

    __slots__ = (
        "spec",
        "index",
        "troop_places",
        "cargo_places",
        "main",
        "guard",
        "main_moving",
        "guard_moving",
        "cargo",
        "cargo_moving",
        "troops_out",
        "cargo_out_t",
        "own_ready",
        "ready_day",
        "exit_day",
        "is_ready",
        "at_home",
        "planned",
    )

    def __init__(self, env: simpy.Environment, spec: Any, index: int, plan: NetworkPlan) -> None:
        self.spec = spec
        self.index = index
        self.troop_places = plan.troop_places[index]
        self.cargo_places = plan.cargo_places[index]
        n, m = len(self.troop_places), len(self.cargo_places)
        self.main = [spec.troops - spec.rear_guard] + [0] * (n - 1)
        self.guard = [spec.rear_guard] + [0] * (n - 1)
        self.main_moving = [0] * n
        self.guard_moving = [0] * n
        self.cargo = [spec.liftable_t] + [0] * (m - 1)
        self.cargo_moving = [0] * m
        self.troops_out = 0
        self.cargo_out_t = 0
        self.own_ready: int | None = None
        self.ready_day: int | None = None
        self.exit_day = -1
        self.is_ready = False
        self.at_home = spec.flies_from != spec.base
        self.planned = env.event()

    @property
    def troops_left(self) -> int:
        """Soldiers still in country (at a place or on a leg)."""
        return self.spec.troops - self.troops_out

    def main_to_pass(self, k: int) -> int:
        """Main-body troops before position ``k``: at an earlier position or on a leg towards ``k``."""
        return sum(self.main[:k]) + sum(self.main_moving[:k])

    def cargo_done_at(self, place: int) -> bool:
        """Whether none of its tonnes is at ``place`` or still to pass it (docs/network.md, 5.2)."""
        if place not in self.cargo_places:
            return True
        j = self.cargo_places.index(place)
        return not (sum(self.cargo[: j + 1]) or sum(self.cargo_moving[:j]))

    def first_position(self) -> int:
        """The earliest position its troops are at or on a leg towards (route length when all out)."""
        for k in range(len(self.troop_places)):
            if self.main[k] or self.guard[k]:
                return k
            if self.main_moving[k] or self.guard_moving[k]:
                return k + 1
        return len(self.troop_places)


class Way:
    """A leg or an exit: daily capacity handed out in priority order, use it or lose it.

    Attributes
    ----------
    index : int
        Its place among the ways: legs in file order, then exits.
    carried_troops, carried_t, days_at_capacity : int
        Its outcomes.
    closed_until : int
        The last day a hit shuts it (-1: none).
    cut_from : int
        The first day it has only its reduced capacity, its enablers gone.
    """

    def __init__(self, index: int, name: str, spec: Any) -> None:
        self.index = index
        self.name = name
        self.spec = spec
        self.carried_troops = 0
        self.carried_t = 0
        self.days_at_capacity = 0
        self.closed_until = -1
        self.cut_from = NEVER

    def capacity(self, day: int) -> tuple[int, int]:
        """Tonnes and troops of the day: nominal, or reduced once the enablers are gone."""
        raise NotImplementedError

    def weather_shut(self, theatre: NetworkTheatre, day: int) -> bool:
        """Shut today by its own daily chance (an airfield's weather, a crossing's closure)."""
        return False

    def is_shut(self, theatre: NetworkTheatre, day: int) -> bool:
        """Whether it moves nothing today: shut by a hit, or by its daily chance."""
        return self.closed_until >= day or self.weather_shut(theatre, day)


class Airfield(Way):
    """A base's airfield: an air exit, shut by weather or by a hit (v1)."""

    def __init__(self, index: int, base: Any, base_index: int, column: int) -> None:
        super().__init__(index, base.name, base)
        self.place = base_index
        self.column = column  # in the per-day ``closed`` and ``hits`` draws

    def capacity(self, day: int) -> tuple[int, int]:
        b = self.spec
        return (b.cargo_reduced, b.seats_reduced) if day >= self.cut_from else (b.cargo_t_per_day, b.seats_per_day)

    def weather_shut(self, theatre: NetworkTheatre, day: int) -> bool:
        return theatre.day_draws(day)[0][theatre.row, self.column] < self.spec.p_closed_day


class Crossing(Way):
    """A ground exit on the border: shut on a day by its own chance, or by a hit."""

    def __init__(self, index: int, crossing: Any, place: int, site: int) -> None:
        super().__init__(index, crossing.name, crossing)
        self.place = place
        self.site = site

    def capacity(self, day: int) -> tuple[int, int]:
        x = self.spec
        return (x.cargo_reduced, x.troops_reduced) if day >= self.cut_from else (x.cargo_t_per_day, x.troops_per_day)

    def weather_shut(self, theatre: NetworkTheatre, day: int) -> bool:
        return theatre.site_draws(day)[0][theatre.row, self.site] < self.spec.p_closed_day


class Leg(Way):
    """A move inside the theatre, by road or by air; convoys on it count on it.

    ``troops_on`` is the troops of the convoys on their way (dispatched before today,
    arriving after today's PHASES). An air leg is shut when the airfield of its origin is.
    """

    def __init__(self, index: int, leg: Any, site: int, origin_airfield: Airfield | None) -> None:
        super().__init__(index, leg.name, leg)
        self.site = site
        self.origin_airfield = origin_airfield
        self.troops_on = 0

    def capacity(self, day: int) -> tuple[int, int]:
        g = self.spec
        return (g.cargo_reduced, g.troops_reduced) if day >= self.cut_from else (g.cargo_t_per_day, g.troops_per_day)

    def is_shut(self, theatre: NetworkTheatre, day: int) -> bool:
        """A road leg is shut by hits only; an air leg when its origin's airfield is shut (§7.10)."""
        if self.spec.mode == "air":
            return self.origin_airfield is not None and self.origin_airfield.is_shut(theatre, day)
        return self.closed_until >= day


class PhaseState:
    """One phase in a replication: its start day (None until known) and its complete day."""

    __slots__ = ("spec", "index", "start_day", "complete_day", "known")

    def __init__(self, env: simpy.Environment, spec: Any, index: int) -> None:
        self.spec = spec
        self.index = index
        self.start_day: int | None = None
        self.complete_day = -1
        self.known = env.event()


class NetworkTheatre:
    """The state of one replication of a network scenario.

    Parameters are those of :class:`drawdown.engines.simpy_engine.Theatre`; the attribute
    names the shared council and conditions processes read (``s``, ``met_day``,
    ``council_u``, ``horizon``, ``violence``, ``events``, ``order``, ``give_order``,
    ``log``) are the same.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: NetworkPlan,
        inputs: BlockInputs,
        row: int,
        slabs: DaySlabs,
        *,
        trace: bool = False,
        record_daily: bool = False,
        record_nations: bool = False,
    ) -> None:
        s = plan.scenario
        net = plan.network
        self.env, self.plan, self.s, self.row, self.slabs = env, plan, s, row, slabs
        self.horizon = H = plan.horizon
        draws = inputs.draws
        self.national_delay_days: list[int] = draws.national_delay_days[row].tolist()
        self.prep_days: list[int] = draws.prep_days[row].tolist()
        self.council_u = draws.council[:, row]
        self.met_day = int(inputs.met_day[row])
        self.violence = inputs.violence[:, row]
        self.rates: list[float] = inputs.rate_of(row).tolist()
        self.first_drawn_day = int(inputs.first_drawn_day[row])
        self.attacks_before = int(inputs.attacks_before[row])
        self.casualties_before = int(inputs.casualties_before[row])
        self.contingents = [Contingent(env, c, i, plan) for i, c in enumerate(s.contingents)]
        self.phases = [PhaseState(env, ph, p) for p, ph in enumerate(plan.plan.phases)]
        L, X = len(net.legs), len(net.crossings)
        self.airfield_at: dict[int, Airfield] = {}
        exits: list[Way] = []
        for e, ex in enumerate(net.exits):
            if ex.kind == "air":
                field = Airfield(L + e, s.bases[ex.index], ex.index, e)
                self.airfield_at[ex.index] = field
                exits.append(field)
            else:
                exits.append(Crossing(L + e, net.crossings[ex.index], ex.place, ex.index))
        self.legs = [Leg(k, g, X + k, self.airfield_at.get(g.origin)) for k, g in enumerate(net.legs)]
        self.ways: list[Way] = [*self.legs, *exits]
        self.crossing_exit = {w.site: w for w in exits if isinstance(w, Crossing)}
        self.troops_at = [0] * len(net.places)
        for c in s.contingents:
            self.troops_at[c.base] += c.troops
        self.last_present = [-1] * len(net.places)  # the last day troops were at each place
        self.place_exposed_from = [NEVER] * len(net.places)
        self.leg_exposed_from = [NEVER] * L
        self.dependents_in_country = [len(d) for d in s.enablers.dependents]
        self.members_in_country = [len(m) for m in s.enablers.members]
        self.emptied: list[Contingent] = []
        self.active: list[Contingent] = []  # ready and in country
        self.someone_ready = env.event()
        self.order = env.event()
        self.decision_day = -1
        self.troops_out = 0
        self.lifted_t = 0
        self.attacks = self.casualties = 0
        self.troop_days_past_deadline = self.troops_at_deadline = 0
        self.troops_in_country = np.zeros(H, dtype=TROOPS) if record_daily else None
        self.lifted_by_day = np.full(H, plan.liftable_t, dtype=TONNES) if record_daily else None
        N = len(plan.nation_troops)
        self.nation_troops = np.zeros((H, N), dtype=TROOPS) if record_nations else None
        self.nation_out_t = (
            np.repeat(np.array([plan.nation_liftable_t], dtype=TONNES), H, axis=0) if record_nations else None
        )
        self.events: list[dict] | None = [] if trace else None
        self.ceiling_told = [False] * len(plan.ceilings)
        self.base_closed_told = [False] * len(net.places)

    # -- telling the story ----------------------------------------------------------
    def log(self, kind: str, text: str, **data: Any) -> None:
        """Add an event to the story (callers ask only when it is told)."""
        if self.events is not None:
            day = self.today
            self.events.append(
                {"day": int(day), "date": self.s.date_of(day).isoformat(), "kind": kind, "text": text, **data}
            )

    def name(self, c: Contingent) -> str:
        """A contingent as the story names it: its id (``NATION@BASE`` or ``NATION@BASE#PART``)."""
        return f"{c.spec.id}"

    def date(self, day: int) -> str:
        """The ISO date of a day."""
        return self.s.date_of(day).isoformat()

    @property
    def today(self) -> int:
        """The day the clock is in."""
        return int(self.env.now // 10)

    # -- draws ----------------------------------------------------------------------
    def day_draws(self, day: int) -> tuple:
        """The per-day slab of ``day``: v1's four arrays, then the sites' four (if any)."""
        k = day - self.first_drawn_day
        if k < 0:
            raise RuntimeError(f"day {day} is before the first drawn day {self.first_drawn_day}")
        return self.slabs[k]

    def site_draws(self, day: int) -> tuple:
        """``(site_closed, site_attacks, site_casualties, site_hits)`` of ``day``."""
        return self.day_draws(day)[4:8]

    # -- the council's order --------------------------------------------------------
    def give_order(self, day: int, text: str) -> None:
        """The council's withdrawal order, given on ``day`` (called by v1's ``council``)."""
        self.decision_day = day
        if self.events is not None:
            self.log("decision", text, decision_day=day)
        self.order.succeed(day)

    # -- facts fixed at the start of the moves ------------------------------------
    def in_country(self, members: tuple[int, ...]) -> int:
        """Troops of these contingents not yet past an exit."""
        return sum(self.contingents[i].troops_left for i in members)

    def ceiling_budgets(self, day: int) -> list[int | None]:
        """Per ceiling: troops it counts in country minus its troops (>= 0), or None when released."""
        out: list[int | None] = []
        for _phase, ceiling in self.plan.ceilings:
            release = ceiling.until_day if ceiling.until_phase < 0 else self.phases[ceiling.until_phase].start_day
            if release is not None and day >= release:
                out.append(None)
            else:
                out.append(max(0, self.in_country(ceiling.members) - ceiling.troops))
        return out

    def held_places(self) -> list[set[int] | None]:
        """Per enabler nation, the places where its rear guards are held today (None: everywhere
        while a dependent is in country, theatre scope; an empty set: nowhere)."""
        s = self.s
        out: list[set[int] | None] = []
        for n, dependents in enumerate(s.enablers.dependents):
            if not s.enablers_last or not self.dependents_in_country[n]:
                out.append(set())
            elif self.plan.network.enabler_scope == "theatre":
                out.append(None)
            else:
                out.append(self._places_of_dependents(dependents))
        return out

    def _places_of_dependents(self, dependents: tuple[int, ...]) -> set[int]:
        places: set[int] = set()
        for i in dependents:
            d = self.contingents[i]
            if d.exit_day >= 0 or not d.troops_left:
                continue
            if d.at_home:  # at its home base, its whole route still ahead
                places.add(d.spec.base)
                places.update(d.troop_places)
            else:
                places.update(d.troop_places[d.first_position() :])
        return places


# -- planning: phase starts and ready days -------------------------------------------------


def _phase_start(theatre: NetworkTheatre, ph: PhaseState) -> int | None:
    """The start day of a phase once it can be known (``NEVER`` when it never comes)."""
    spec, d = ph.spec, theatre.decision_day
    if spec.start == "order":
        day = d + spec.days_after
    elif spec.start == "conditions":
        day = NEVER if theatre.met_day < 0 else max(d, theatre.met_day + spec.days_after)
    elif spec.start == "date":
        day = max(d, spec.start_day + spec.days_after)
    else:
        after = theatre.phases[spec.after_phase]
        if after.complete_day < 0:
            return None
        day = after.complete_day + 1 + spec.days_after
    return day if day < theatre.horizon else NEVER


def _own_ready(theatre: NetworkTheatre, c: Contingent) -> int | None:
    """``max(S + p + r, d + n + p + r, start_on)``, or None while the phase start is unknown."""
    phase = theatre.plan.plan.phase_of[c.index]
    d = theatre.decision_day
    start = d if phase < 0 else theatre.phases[phase].start_day
    if start is None:
        return None
    if start >= NEVER:
        return NEVER
    column = theatre.plan.plan.parent[c.index]
    prep, road = theatre.prep_days[column], c.spec.road_days
    national = theatre.national_delay_days[column]
    day = max(start + prep + road, d + national + prep + road, theatre.s.decision.start_on_day)
    return day if day < theatre.horizon else NEVER


def _with_leaders(theatre: NetworkTheatre, c: Contingent, bound: int) -> int | None:
    """Its ready day, waiting for the earliest ready day of its framework nation's contingents.

    Known when every leader's is, or when a known one is at or before ``bound`` (every
    leader not yet known will be ready after ``bound``)."""
    leaders = theatre.plan.plan.leave_with[c.index]
    own = c.own_ready
    if own is None or not leaders:
        return own
    known = [theatre.contingents[i].ready_day for i in leaders]
    earliest = min((r for r in known if r is not None), default=NEVER)
    if None in known and earliest > bound:
        return None
    return max(own, earliest)


def plan_ready_days(theatre: NetworkTheatre, bound: int) -> None:
    """Work out the phase starts and ready days that can now be known; announce them."""
    for ph in theatre.phases:
        if ph.start_day is None:
            ph.start_day = _phase_start(theatre, ph)
            if ph.start_day is not None:
                ph.known.succeed(ph.start_day)
    for c in theatre.contingents:
        if c.own_ready is None:
            c.own_ready = _own_ready(theatre, c)
    changed = True
    while changed:  # framework nations resolve in dependency order (no cycles: validation)
        changed = False
        for c in theatre.contingents:
            if c.ready_day is None:
                c.ready_day = _with_leaders(theatre, c, bound)
                if c.ready_day is not None:
                    c.planned.succeed(c.ready_day)
                    changed = True


def planner(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The staff: when the order is given, the ready days and phase starts that follow from it."""
    yield theatre.order
    plan_ready_days(theatre, theatre.decision_day + 1)


def phase(env: simpy.Environment, theatre: NetworkTheatre, ph: PhaseState) -> Process:
    """A phase of the plan: tells when it starts (its completion is the day book's)."""
    start = yield ph.known
    if start >= theatre.horizon:
        return
    yield wait_until(env, start, Moment.PHASES)
    members = ", ".join(theatre.s.contingents[i].id for i in ph.spec.members)
    theatre.log("phase-start", f"phase {ph.spec.name} starts: {members}", phase=ph.spec.name)


# -- the actors ----------------------------------------------------------------------------


def contingent(env: simpy.Environment, theatre: NetworkTheatre, c: Contingent) -> Process:
    """A national contingent: waits for its ready day (the order, its phase, its national
    decision, its preparation, its framework nation), then becomes ready: a ``via``
    contingent moves to the base it flies from, and from then on movement control moves it."""
    ready = yield c.planned
    if ready >= theatre.horizon:
        if theatre.events is not None:
            theatre.log("phase", f"{theatre.name(c)}: never ready within the horizon", contingent=c.spec.id)
        return
    yield env.timeout(at(ready, Moment.PHASES) + AFTER_ARRIVALS - env.now)
    c.is_ready = True
    if c.at_home:
        home, start = c.spec.base, c.troop_places[0]
        theatre.troops_at[home] -= c.troops_left
        theatre.troops_at[start] += c.troops_left
        theatre.last_present[home] = ready
        c.at_home = False
        if theatre.events is not None:
            theatre.log(
                "move",
                f"{theatre.name(c)}: moved by road to {theatre.plan.network.places[start]} ({c.spec.road_days} days)",
                contingent=c.spec.id,
            )
    bisect.insort(theatre.active, c, key=lambda x: x.index)
    if theatre.events is not None:
        theatre.log(
            "ready",
            f"{theatre.name(c)}: ready; main body of {c.spec.main_body}, {c.spec.liftable_t} t to move",
            contingent=c.spec.id,
            ready_day=ready,
        )
    if not theatre.someone_ready.triggered:
        theatre.someone_ready.succeed(ready)


def convoy(env: simpy.Environment, theatre: NetworkTheatre, leg: Leg, day: int, loads: dict) -> Process:
    """A convoy (or an intra-theatre flight) dispatched on ``leg`` on ``day``: on the leg
    until it arrives at the PHASES moment of ``day + transit_days``, where what it
    carries may use the next leg or the exit the same day."""
    arrive = day + leg.spec.transit_days
    if arrive >= theatre.horizon:
        return  # still on the leg at the horizon: in country
    yield wait_until(env, arrive, Moment.PHASES)
    net = theatre.plan.network
    troops = 0
    for c, (k, main, guard, tonnes_k, tonnes) in loads.items():
        c.main_moving[k] -= main
        c.guard_moving[k] -= guard
        c.main[k + 1] += main
        c.guard[k + 1] += guard
        if tonnes:
            c.cargo_moving[tonnes_k] -= tonnes
            c.cargo[tonnes_k + 1] += tonnes
        troops += main + guard
    leg.troops_on -= troops
    theatre.troops_at[leg.spec.destination] += troops
    if theatre.events is not None:
        tonnes = sum(v[4] for v in loads.values())
        theatre.log(
            "arrive",
            f"{leg.name}: convoy of {theatre.date(day)} arrives at {net.places[leg.spec.destination]}: "
            f"{troops} troops, {tonnes} t",
            leg=leg.name,
            troops=troops,
            tonnes=tonnes,
        )


def adversary(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The adversary: each day, attacks on the troops at each base, waiting at each crossing
    and on each road leg, in proportion to their number; casualties; airfields, crossings
    and road legs shut by hits. Before the first drawn day, one total (as v1)."""
    first = theatre.first_drawn_day
    if first > 0:
        yield wait_until(env, first - 1, Moment.THREAT)
        theatre.attacks += theatre.attacks_before
        theatre.casualties += theatre.casualties_before
        if theatre.attacks_before and theatre.events is not None:
            theatre.log(
                "attack",
                f"since {theatre.date(0)}, before the order: {_plural(theatre.attacks_before, 'attack')}, "
                f"{_plural(theatre.casualties_before, 'casualty', 'casualties')} on the whole force (one total)",
                base=None,
                attacks=theatre.attacks_before,
                casualties=theatre.casualties_before,
            )
    for day in range(first, theatre.horizon):
        yield wait_until(env, day, Moment.THREAT)
        rate = theatre.rates[day]
        if rate != 0.0:
            _attack_bases(theatre, day, rate)
            if theatre.plan.network.sites:
                _attack_sites(theatre, day, rate)


def _likely_attacks(us: list[float], means: list[tuple[int, float]]) -> tuple[list[int], np.ndarray]:
    """The columns whose attack count may not be 0, and their counts (shared helper)."""
    cols = [k for k, mean in means if not surely_no_attack(us[k], mean)]
    if not cols:
        return [], np.zeros(0, dtype=np.int64)
    mean_of = dict(means)
    attacks = poisson_inv(np.array([us[k] for k in cols]), np.array([mean_of[k] for k in cols]))
    return cols, attacks


def _attack_bases(theatre: NetworkTheatre, day: int, rate: float) -> None:
    """v1's attacks on the bases (streams ``attacks``, ``casualties``, ``hits``)."""
    plan = theatre.plan
    _, u_attacks, u_casualties, u_hits = theatre.day_draws(day)[:4]
    total = plan.total_troops
    means = [
        (
            b,
            rate
            * (plan.place_exposed[b] if day >= theatre.place_exposed_from[b] else plan.place_factor[b])
            * t
            / total,
        )
        for b, t in enumerate(theatre.troops_at[: plan.B])
        if t
    ]
    cols, attacks = _likely_attacks(u_attacks[theatre.row].tolist(), means)
    struck = [(b, int(a)) for b, a in zip(cols, attacks, strict=True) if a]
    if not struck:
        return
    bases = [b for b, _ in struck]
    counts = np.array([a for _, a in struck])
    casualties = plan.casualty_table.casualties(u_casualties[theatre.row, bases], counts)
    theatre.attacks += int(counts.sum())
    theatre.casualties += int(casualties.sum())
    closure = theatre.s.threat.closure_days
    shut = plan.airfield_hits.threshold(counts)
    for k, b in enumerate(bases):
        name = theatre.s.bases[b].name
        if theatre.events is not None:
            theatre.log(
                "attack",
                f"{name}: {_plural(counts[k], 'attack')}, {_plural(casualties[k], 'casualty', 'casualties')}",
                base=name,
                attacks=int(counts[k]),
                casualties=int(casualties[k]),
            )
        field = theatre.airfield_at.get(b)
        if field is not None and closure > 0 and u_hits[theatre.row, field.column] < shut[k]:
            _shut(theatre, field, day, closure, "airfield hit")


def _site_troops(theatre: NetworkTheatre, day: int) -> list[tuple[int, float, int]]:
    """Per site with troops there today: its attack factor and its troops (crossings, then road legs)."""
    plan = theatre.plan
    B = plan.B
    out = []
    for x in range(len(plan.network.crossings)):
        troops = theatre.troops_at[B + x]
        if troops:
            exposed = day >= theatre.place_exposed_from[B + x]
            out.append((x, plan.place_exposed[B + x] if exposed else plan.place_factor[B + x], troops))
    for leg in theatre.legs:
        if leg.troops_on and leg.spec.mode == "road":
            k = leg.index
            factor = plan.leg_exposed[k] if day >= theatre.leg_exposed_from[k] else plan.leg_factor[k]
            out.append((leg.site, factor, leg.troops_on))
    return out


def _attack_sites(theatre: NetworkTheatre, day: int, rate: float) -> None:
    """Attacks on those waiting at crossings and on road legs (streams ``site_*``)."""
    plan = theatre.plan
    total = plan.total_troops
    # As drawdown.draws.attack_mean computes it, in the same order: rate * factor * troops / total.
    means = [(site, rate * factor * troops / total) for site, factor, troops in _site_troops(theatre, day)]
    if not means:
        return
    _, u_attacks, u_casualties, u_hits = theatre.site_draws(day)
    cols, attacks = _likely_attacks(u_attacks[theatre.row].tolist(), means)
    for site, a in zip(cols, attacks.tolist(), strict=True):
        if not a:
            continue
        casualties = int(plan.casualty_table.casualties(u_casualties[theatre.row, [site]], np.array([a]))[0])
        theatre.attacks += a
        theatre.casualties += casualties
        way: Way = (
            theatre.crossing_exit[site]
            if site in theatre.crossing_exit
            else theatre.legs[site - len(plan.network.crossings)]
        )
        if theatre.events is not None:
            theatre.log(
                "attack",
                f"{way.name}: {_plural(a, 'attack')}, {_plural(casualties, 'casualty', 'casualties')}",
                site=way.name,
                attacks=a,
                casualties=casualties,
            )
        closure = way.spec.closure_days
        if closure > 0 and u_hits[theatre.row, site] < plan.site_hits[site].threshold(np.array([a]))[0]:
            _shut(theatre, way, day, closure, "hit")


def _shut(theatre: NetworkTheatre, way: Way, day: int, closure_days: int, why: str) -> None:
    way.closed_until = max(way.closed_until, day + closure_days - 1)
    if theatre.events is not None:
        theatre.log(
            "closure",
            f"{way.name}: {why}, shut until {theatre.date(way.closed_until)}",
            way=way.name,
            until_day=way.closed_until,
        )


# -- movement control: the AIRLIFT moment --------------------------------------------------


def movement_control(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """Movement control: each day on which a contingent is ready and in country, every leg
    and every exit hands out its day's capacity, cargo first (legs in file order, then
    exits), then troops (the same order), to those waiting at its start, in priority
    order; each takes what it can use, and what is left is lost (docs/network.md, step 5)."""
    day = yield theatre.someone_ready
    while day < theatre.horizon:
        yield wait_until(env, day, Moment.AIRLIFT)
        if theatre.active:
            _move(theatre, day)
            day += 1
            continue
        theatre.someone_ready = env.event()  # a lull: wait for the next contingent to be ready
        day = yield theatre.someone_ready


class _Day:
    """What step 5 of a day fixes at its start and gathers as it goes."""

    def __init__(self, theatre: NetworkTheatre, day: int) -> None:
        self.day = day
        self.holds = theatre.held_places()
        self.budgets = theatre.ceiling_budgets(day) if theatre.plan.ceilings else []
        self.shut: dict[int, bool] = {}
        self.moved_t: dict[int, int] = {}
        self.moved_troops: dict[int, int] = {}
        self.loads: dict[int, dict[Contingent, list[int]]] = {}

    def is_shut(self, theatre: NetworkTheatre, way: Way) -> bool:
        if way.index not in self.shut:
            self.shut[way.index] = shut = way.is_shut(theatre, self.day)
            if shut and theatre.events is not None:
                theatre.log("shut", f"{way.name}: shut today, nothing moves", way=way.name)
        return self.shut[way.index]

    def load(self, leg: Leg, c: Contingent) -> list[int]:
        """The load of ``c`` on today's convoy of ``leg``: troop position, main, guard, cargo position, tonnes."""
        return self.loads.setdefault(leg.index, {}).setdefault(c, [-1, 0, 0, -1, 0])


def _move(theatre: NetworkTheatre, day: int) -> None:
    for place, troops in enumerate(theatre.troops_at):
        if troops:
            theatre.last_present[place] = day
    today = _Day(theatre, day)
    for way in theatre.ways:
        _move_cargo(theatre, way, today)
    for way in theatre.ways:
        _move_troops(theatre, way, today)
    for k, loads in today.loads.items():
        theatre.env.process(convoy(theatre.env, theatre, theatre.legs[k], day, loads))
    for way in theatre.ways:
        _book_way(theatre, way, today)
    if theatre.emptied or today.moved_t:
        # A contingent stays under movement control until its troops and its tonnes are out.
        theatre.active = [c for c in theatre.active if c.troops_left or c.cargo_out_t < c.spec.liftable_t]


def _move_cargo(theatre: NetworkTheatre, way: Way, today: _Day) -> None:
    """The cargo pass of one leg or exit."""
    waiting = [
        (c, k)
        for c, k in ((theatre.contingents[i], k) for i, k in theatre.plan.cargo_users[way.index])
        if c.is_ready and c.cargo[k]
    ]
    if not waiting or today.is_shut(theatre, way):
        return
    left = way.capacity(today.day)[0]
    for c, k in waiting:
        if not left:
            break
        take = min(c.cargo[k], left)
        c.cargo[k] -= take
        left -= take
        if isinstance(way, Leg):
            c.cargo_moving[k] += take
            load = today.load(way, c)
            load[3], load[4] = k, take
        else:
            c.cargo_out_t += take
            theatre.lifted_t += take
            if theatre.events is not None and take and c.cargo_out_t == c.spec.liftable_t:
                theatre.log("cargo", f"{theatre.name(c)}: last of its equipment out", contingent=c.spec.id)
    today.moved_t[way.index] = way.capacity(today.day)[0] - left


def _held(theatre: NetworkTheatre, today: _Day, c: Contingent, place: int) -> bool:
    n = theatre.plan.enabler_of[c.index]
    if n < 0:
        return False
    held = today.holds[n]
    return True if held is None else place in held


def _wanted(theatre: NetworkTheatre, today: _Day, c: Contingent, k: int) -> int:
    """The main body waiting at position ``k``, and the rear guard too once nothing of its
    main body or its cargo is still to pass that place and no enabler hold applies."""
    place = c.troop_places[k]
    want = c.main[k]
    if c.guard[k] and not c.main_to_pass(k) and c.cargo_done_at(place) and not _held(theatre, today, c, place):
        want += c.guard[k]
    return want


def _ceiling_cap(theatre: NetworkTheatre, today: _Day, c: Contingent, left: int, want: int) -> int:
    """Seats an exit may give ``c``: ``left``, cut by the budget of every active ceiling counting it."""
    cap = left
    for k in theatre.plan.ceilings_of[c.index]:
        budget = today.budgets[k]
        if budget is not None and budget < cap:
            cap = budget
            if budget < want and not theatre.ceiling_told[k] and theatre.events is not None:
                theatre.ceiling_told[k] = True
                p, ceiling = theatre.plan.ceilings[k]
                theatre.log(
                    "ceiling",
                    f"ceiling of phase {theatre.phases[p].spec.name} reached: {ceiling.troops} troops held in country",
                    phase=theatre.phases[p].spec.name,
                )
    return cap


def _move_troops(theatre: NetworkTheatre, way: Way, today: _Day) -> None:
    """The seat pass of one leg or exit."""
    waiting = [
        (c, k)
        for c, k in ((theatre.contingents[i], k) for i, k in theatre.plan.troop_users[way.index])
        if c.is_ready and (c.main[k] or c.guard[k])
    ]
    if not waiting or today.is_shut(theatre, way):
        return
    is_exit = not isinstance(way, Leg)
    seats = left = way.capacity(today.day)[1]
    for c, k in waiting:
        if not left:
            break
        want = _wanted(theatre, today, c, k)
        cap = _ceiling_cap(theatre, today, c, left, want) if is_exit and today.budgets else left
        take = min(want, cap)
        if take:
            left -= take
            _take_troops(theatre, way, today, c, k, take)
    today.moved_troops[way.index] = seats - left


def _take_troops(theatre: NetworkTheatre, way: Way, today: _Day, c: Contingent, k: int, take: int) -> None:
    main = min(take, c.main[k])
    guard = take - main
    c.main[k] -= main
    c.guard[k] -= guard
    theatre.troops_at[c.troop_places[k]] -= take
    for b in theatre.plan.ceilings_of[c.index] if not isinstance(way, Leg) else ():
        budget = today.budgets[b]
        if budget is not None:
            today.budgets[b] = budget - take
    if isinstance(way, Leg):
        c.main_moving[k] += main
        c.guard_moving[k] += guard
        way.troops_on += take
        load = today.load(way, c)
        load[0], load[1], load[2] = k, main, guard
        return
    c.troops_out += take
    theatre.troops_out += take
    if not c.troops_left:
        theatre.emptied.append(c)


def _book_way(theatre: NetworkTheatre, way: Way, today: _Day) -> None:
    """A way's outcomes of the day, and the story of what it moved."""
    tonnes = today.moved_t.get(way.index, 0)
    troops = today.moved_troops.get(way.index, 0)
    way.carried_t += tonnes
    way.carried_troops += troops
    if today.shut.get(way.index, False):
        return
    cargo_cap, troop_cap = way.capacity(today.day)
    if (troop_cap and troops == troop_cap) or (cargo_cap and tonnes == cargo_cap):
        way.days_at_capacity += 1
    if theatre.events is not None and (troops or tonnes):
        what = "convoy leaves" if isinstance(way, Leg) else "out"
        theatre.log(
            "depart" if isinstance(way, Leg) else "flights",
            f"{way.name}: {what}: {troops} troops, {tonnes} t"
            + (", at reduced capacity (enablers gone)" if today.day >= way.cut_from else ""),
            way=way.name,
            troops=troops,
            tonnes=tonnes,
        )


# -- the day book: DUSK -------------------------------------------------------------------


def deadline(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The deadline: at dusk on the deadline day, the troops still in country."""
    yield wait_until(env, theatre.s.deadline_day, Moment.DUSK)
    theatre.troops_at_deadline = in_country = theatre.plan.total_troops - theatre.troops_out
    if theatre.events is not None:
        theatre.log("deadline", f"deadline day: {in_country} troops still in country")


def day_book(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The end of each day: troops in country, exits, enablers gone, phases complete (and
    the phases that follow them planned), bases closed. The book opens on the first ready
    day or phase start (before that every soldier is in country and nothing moves)."""
    H = theatre.horizon
    first_page = H - 1
    yield env.any_of([theatre.order, wait_until(env, H - 1, Moment.DUSK)])
    if theatre.order.triggered:
        yield wait_until(env, theatre.decision_day, Moment.PHASES)
        known = [c.ready_day for c in theatre.contingents if c.ready_day is not None]
        known += [ph.start_day for ph in theatre.phases if ph.start_day is not None]
        first_page = min([d for d in known if d <= H - 1], default=H - 1)
    _book_the_waiting_days(theatre, first_page)
    for day in range(first_page, H):
        yield wait_until(env, day, Moment.DUSK)
        in_country = theatre.plan.total_troops - theatre.troops_out
        _book_day(theatre, day, in_country)
        if theatre.emptied:
            _record_exits(theatre, day)
        if _complete_phases(theatre, day) or _waiting_for_leaders(theatre):
            plan_ready_days(theatre, day + 1)
        if theatre.events is not None:
            _tell_bases_closed(theatre)
        if in_country == 0 and theatre.lifted_t == theatre.plan.liftable_t:
            # All out; tonnes may outlast the troops on an equipment route of their own.
            _complete_phases_after_all_out(theatre, day)
            if theatre.events is not None:
                theatre.log("end", f"all troops out: {theatre.attacks} attacks, {theatre.casualties} casualties in all")
            return
    if theatre.events is not None:
        theatre.log(
            "censored",
            f"horizon ends with {theatre.plan.total_troops - theatre.troops_out} troops still in country: censored; "
            f"{theatre.attacks} attacks, {theatre.casualties} casualties so far",
        )


def _book_day(theatre: NetworkTheatre, day: int, in_country: int) -> None:
    if theatre.troops_in_country is not None and theatre.lifted_by_day is not None:
        theatre.troops_in_country[day] = in_country
        theatre.lifted_by_day[day] = theatre.lifted_t
    if theatre.nation_troops is not None and theatre.nation_out_t is not None:
        plan = theatre.plan
        troops = [0] * len(plan.nation_troops)
        out_t = [0] * len(plan.nation_troops)
        for k, c in zip(plan.nation_of, theatre.contingents, strict=True):
            troops[k] += c.troops_left
            out_t[k] += c.cargo_out_t
        theatre.nation_troops[day] = troops
        theatre.nation_out_t[day] = out_t
    D = theatre.s.deadline_day
    if D is not None and day >= D:
        theatre.troop_days_past_deadline += in_country


def _book_the_waiting_days(theatre: NetworkTheatre, first_page: int) -> None:
    """Days ``0 .. first_page - 1``: the whole force in country, nothing out."""
    if theatre.troops_in_country is not None and theatre.lifted_by_day is not None:
        theatre.troops_in_country[:first_page] = theatre.plan.total_troops
        theatre.lifted_by_day[:first_page] = 0
    if theatre.nation_troops is not None and theatre.nation_out_t is not None:
        theatre.nation_troops[:first_page] = theatre.plan.nation_troops
        theatre.nation_out_t[:first_page] = 0
    D = theatre.s.deadline_day
    if D is not None and first_page > D:
        theatre.troop_days_past_deadline += theatre.plan.total_troops * (first_page - D)


def _record_exits(theatre: NetworkTheatre, day: int) -> None:
    """Contingents with no troops left exit today; an enabler nation whose last contingent
    exits is gone (and, when enablers may leave first, cuts and exposes from tomorrow)."""
    plan = theatre.plan
    theatre.emptied.sort(key=lambda c: c.index)
    for c in theatre.emptied:
        c.exit_day = day
        if theatre.events is not None:
            theatre.log("exit", f"{theatre.name(c)}: last soldier out", contingent=c.spec.id)
        for n in plan.depends_on[c.index]:
            theatre.dependents_in_country[n] -= 1
        n = plan.enabler_of[c.index]
        if n >= 0:
            theatre.members_in_country[n] -= 1
            if theatre.members_in_country[n] == 0:
                _enablers_gone(theatre, n, day)
    theatre.emptied.clear()


def _enablers_gone(theatre: NetworkTheatre, n: int, day: int) -> None:
    s, net = theatre.s, theatre.plan.network
    if theatre.events is not None:
        theatre.log("enablers", f"{s.enablers.nations[n]}: last enabler contingent out")
    if s.enablers_last:
        return
    L = len(net.legs)
    for w in [*net.cut_legs[n], *(L + e for e in net.cut_exits[n])]:
        way = theatre.ways[w]
        way.cut_from = min(way.cut_from, day + 1)
    for q in net.exposed_places[n]:
        theatre.place_exposed_from[q] = min(theatre.place_exposed_from[q], day + 1)
    for k in net.exposed_legs[n]:
        theatre.leg_exposed_from[k] = min(theatre.leg_exposed_from[k], day + 1)


def _waiting_for_leaders(theatre: NetworkTheatre) -> bool:
    """Whether a follower's ready day waits only for leaders not yet known: it is certain by the
    day its earliest known leader is ready (the others may never be)."""
    return any(c.ready_day is None and c.own_ready is not None for c in theatre.contingents)


def _phase_done(theatre: NetworkTheatre, ph: PhaseState) -> bool:
    """At the end of a day at or after its start: its ceiling is reached, or its members are all out."""
    ceiling = ph.spec.ceiling
    if ceiling is not None:
        return theatre.in_country(ceiling.members) <= ceiling.troops
    return all(theatre.contingents[i].exit_day >= 0 for i in ph.spec.members)


def _complete_phases(theatre: NetworkTheatre, day: int) -> bool:
    """Phases complete today; whether any did."""
    done = False
    for ph in theatre.phases:
        if ph.complete_day < 0 and ph.start_day is not None and ph.start_day <= day and _phase_done(theatre, ph):
            ph.complete_day = day
            done = True
            if theatre.events is not None:
                theatre.log("phase-complete", f"phase {ph.spec.name} complete", phase=ph.spec.name)
    return done


def _complete_phases_after_all_out(theatre: NetworkTheatre, day: int) -> None:
    """Everyone is out on ``day``: a phase still to start (it has no one left to wait for)
    is complete on its start day, and the phases after it follow."""
    while True:
        waiting = [
            ph for ph in theatre.phases if ph.complete_day < 0 and ph.start_day is not None and ph.start_day < NEVER
        ]
        if not waiting:
            return
        for ph in waiting:
            ph.complete_day = day if ph.start_day is None else max(ph.start_day, day)
        plan_ready_days(theatre, day + 1)


def _tell_bases_closed(theatre: NetworkTheatre) -> None:
    s = theatre.s
    for b, base in enumerate(s.bases):
        if theatre.base_closed_told[b] or theatre.troops_at[b]:
            continue
        ahead = any(
            c.troops_left
            and (c.at_home and c.spec.base == b or (not c.at_home and b in c.troop_places[c.first_position() :]))
            for c in theatre.contingents
        )
        if not ahead:
            theatre.base_closed_told[b] = True
            theatre.log("base", f"{base.name}: base closed, no troops left or to come", base=base.name)


def base_closed_days(theatre: NetworkTheatre) -> list[int]:
    """Per base: the last day troops were there (at the start of the day or after step 3),
    -1 if troops are there at the end, 0 if nobody ever was (docs/network.md)."""
    out = []
    for b in range(theatre.plan.B):
        if theatre.troops_at[b]:
            out.append(-1)
        else:
            out.append(max(theatre.last_present[b], 0))
    return out


# -- running replications -------------------------------------------------------------------


def simulate_network_replication(
    scenario: Any,
    inputs: BlockInputs,
    row: int,
    slabs: DaySlabs,
    *,
    trace: bool = False,
    record_daily: bool = False,
    plan: NetworkPlan | None = None,
    record_nations: bool = False,
) -> NetworkTheatre:
    """Run one replication (row ``row`` of a block) and return its final state."""
    plan = plan if plan is not None else NetworkPlan(scenario)
    env = simpy.Environment()
    theatre = NetworkTheatre(
        env, plan, inputs, row, slabs, trace=trace, record_daily=record_daily, record_nations=record_nations
    )
    if trace:
        env.process(conditions(env, theatre))  # type: ignore[arg-type]  # v1's process reads what both theatres have
        for ph in theatre.phases:
            env.process(phase(env, theatre, ph))
    env.process(council(env, theatre))  # type: ignore[arg-type]  # v1's process reads what both theatres have
    env.process(planner(env, theatre))
    for c in theatre.contingents:
        env.process(contingent(env, theatre, c))
    env.process(adversary(env, theatre))
    env.process(movement_control(env, theatre))
    if scenario.deadline_day is not None:
        env.process(deadline(env, theatre))
    book = env.process(day_book(env, theatre))
    env.run(until=simpy.AnyOf(env, [book, env.timeout(at(scenario.horizon_days, Moment.DAWN))]))
    return theatre


def trace_network_replication(scenario: Any, seed: int, replication: int) -> list[dict]:
    """The events of one replication, as :func:`run_network_simpy` would run it.

    Each event is a dict with ``day``, ``date`` (ISO), ``kind`` and ``text``, plus details
    of its kind (as :func:`drawdown.engines.simpy_engine.trace_replication`).
    """
    replication = int(replication)
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    block, row = divmod(replication, BLOCK_SIZE)
    inputs = BlockInputs(scenario, seed, block, rows=row + 1)
    theatre = simulate_network_replication(scenario, inputs, row, inputs.draws.slabs(), trace=True)
    return theatre.events if theatre.events is not None else []


def run_network_simpy(
    scenario: Any,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    record_daily: bool = False,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[int], Any] | None = None,
    record_nations: bool = False,
) -> Outcomes:
    """Run ``reps`` replications of a network scenario (or a v1 one, as the network it
    implies) with the SimPy reference engine; parameters as
    :func:`drawdown.engines.simpy_engine.run_simpy`.

    Returns
    -------
    Outcomes
        With ``phase_complete_day``, ``carried_troops``, ``carried_t`` and
        ``days_at_capacity`` (legs, then exits) and the recorded ``base_closed_day``.

    Examples
    --------
    >>> import drawdown
    >>> out = run_network_simpy(drawdown.load("doha-2021-05-01"), reps=2, seed=7)
    >>> out.exit_day.shape, out.carried_troops.shape, out.phase_complete_day.shape
    ((2, 40), (2, 5), (2, 0))
    """
    plan = NetworkPlan(scenario)
    parts = []
    for block, rows in blocks_for(reps, block_size):
        parts.append(
            _run_block(plan, seed, first_block + block, rows, record_daily, block_size, progress, record_nations)
        )
    return Outcomes.concatenate(parts)


def _run_block(
    plan: NetworkPlan,
    seed: int,
    block: int,
    rows: int,
    record_daily: bool,
    block_size: int,
    progress: Callable[[int], Any] | None,
    record_nations: bool,
) -> Outcomes:
    scenario = plan.scenario
    inputs = BlockInputs(scenario, seed, block, rows=rows, block_size=block_size)
    slabs = inputs.draws.slabs()
    C, H, W = len(scenario.contingents), scenario.horizon_days, plan.ways
    P, N = len(plan.plan.phases), len(plan.nation_troops)
    got: dict[str, Any] = {
        "decision_day": np.full(rows, -1, dtype=np.int32),
        "ready_day": np.full((rows, C), -1, dtype=np.int32),
        "exit_day": np.full((rows, C), -1, dtype=np.int32),
        "base_closed_day": np.zeros((rows, plan.B), dtype=np.int32),
        "phase_complete_day": np.full((rows, P), -1, dtype=np.int32),
        "carried_troops": np.zeros((rows, W), dtype=np.int64),
        "carried_t": np.zeros((rows, W), dtype=np.int64),
        "days_at_capacity": np.zeros((rows, W), dtype=np.int32),
    }
    counts = np.zeros((4, rows), dtype=np.int64)
    troops = np.zeros((rows, H), dtype=TROOPS) if record_daily else None
    lifted = np.zeros((rows, H), dtype=TONNES) if record_daily else None
    nation_troops = np.zeros((rows, H, N), dtype=TROOPS) if record_nations else None
    nation_out_t = np.zeros((rows, H, N), dtype=TONNES) if record_nations else None
    for r in range(rows):
        th = simulate_network_replication(
            scenario, inputs, r, slabs, record_daily=record_daily, plan=plan, record_nations=record_nations
        )
        _keep(got, r, th)
        counts[:, r] = th.attacks, th.casualties, th.troop_days_past_deadline, th.troops_at_deadline
        if troops is not None and lifted is not None:
            troops[r], lifted[r] = th.troops_in_country, th.lifted_by_day
        if nation_troops is not None and nation_out_t is not None:
            nation_troops[r], nation_out_t[r] = th.nation_troops, th.nation_out_t
        if progress is not None:
            progress(1)
    network = {k: got.pop(k) for k in ("phase_complete_day", "carried_troops", "carried_t", "days_at_capacity")}
    if record_nations:
        network.update(nation_troops=nation_troops, nation_out_t=nation_out_t)
    return finish_outcomes(
        scenario,
        met_day=inputs.met_day,
        attacks=counts[0],
        casualties=counts[1],
        troop_days_past_deadline=counts[2],
        troops_at_deadline=counts[3],
        troops_in_country=troops,
        retrograde_lifted_t=lifted,
        **got,
        **network,
    )


def _keep(got: dict, r: int, th: NetworkTheatre) -> None:
    """One replication's recorded outcomes, into row ``r``."""
    got["decision_day"][r] = th.decision_day
    got["ready_day"][r] = [-1 if c.ready_day is None or c.ready_day >= NEVER else c.ready_day for c in th.contingents]
    got["exit_day"][r] = [c.exit_day for c in th.contingents]
    got["base_closed_day"][r] = base_closed_days(th)
    got["phase_complete_day"][r] = [ph.complete_day for ph in th.phases]
    got["carried_troops"][r] = [w.carried_troops for w in th.ways]
    got["carried_t"][r] = [w.carried_t for w in th.ways]
    got["days_at_capacity"][r] = [w.days_at_capacity for w in th.ways]


def as_network_scenario(scenario: Any) -> Any:
    """A v1 scenario made a network scenario that changes nothing: its implied network and plan."""
    network, plan = as_network(scenario)
    return dataclasses.replace(scenario, network=network, plan=plan)
