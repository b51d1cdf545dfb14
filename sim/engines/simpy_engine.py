"""The SimPy reference engine: the model of docs/design.md §1, one process per actor.

Read this module to learn the model. Each replication is a SimPy environment whose
clock counts tenths of a day: day ``t`` begins at ``10 * t``, and the actors act at
the moments of the day named by :class:`drawdown.engines.Moment`, so that every day follows
the order of docs/design.md §1.7:

======= ========================================================================
moment  what happens
======= ========================================================================
DAWN    the conditions index is read (:func:`conditions`)
COUNCIL the council meets; the withdrawal order may be given (:func:`council`)
PHASES  contingents whose preparation ends become ready; ``via`` contingents move
        (:func:`contingent`)
THREAT  attacks, casualties and airfield closures on the troops at each base
        (:func:`adversary`)
AIRLIFT each airfield allocates the day's cargo, then seats (:func:`airfield`)
DUSK    the day is recorded; contingents with no troops left exit (:func:`day_book`;
        :func:`deadline` counts the troops left on the deadline day)
======= ========================================================================

The state of a replication is a :class:`Theatre`: its contingents (each a
:class:`Contingent`, with its own troops, cargo, ready and exit days and events), its
airfields (:class:`Airfield`), the troops counting at each base and the running totals
the outcomes are made of. What every replication of a scenario shares (who flies from
where and in which order, who depends on whom, the threat's tables) is worked out once,
in an :class:`OperationPlan`.

SimPy's stock resources do not do partial, prioritised, use-it-or-lose-it allocation,
so an airfield is a process that hands out each day's capacity itself.

The engine simulates only the days on which the model lets something happen: before a
replication's first drawn day the adversary's attacks are one total (docs/design.md §2), and the
day book opens on the first day a contingent is ready (until then every soldier is in
country and nothing is lifted). The story of a replication (:func:`trace_replication`)
is told only when it is asked for: without it no text is built.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from ..draws import BLOCK_SIZE, BlockInputs, CasualtyTable, DaySlabs, HitTable, base_factors, poisson_inv
from .moments import Moment, ready_day
from .outcomes import Outcomes
from .simpy_frame import ReplicationTheatre, run_replications, simulate, trace_events, wait_until

__all__ = ["run_simpy", "simulate_replication", "trace_replication", "Theatre"]

NEVER = 2**31  # a day after any horizon: "not yet, perhaps never"

#: What a SimPy process function returns: a generator of the events it waits for.
Process = Generator[simpy.Event, Any, None]


def surely_no_attack(u: float, mean: float) -> bool:
    """Whether the attack count drawn from ``u`` is 0 for sure, without computing it.

    The count is 0 when ``u <= pdtr(0, mean) = exp(-mean)``. The Taylor polynomial
    ``1 - m + m**2/2 - m**3/6`` is below ``exp(-m)`` for every ``m >= 0`` (its
    remainder, ``m**4/24`` times some ``exp(-x)``, is positive), and the margin of
    ``1e-12`` is far above the rounding of either: a ``u`` at or below the bound gives 0
    in :func:`drawdown.draws.poisson_inv` too, whatever the last bit of its exponential, and
    no exponential is computed here. Above the bound it says nothing (``False``): that is
    nearly only where an attack happens, and the shared helper decides.

    >>> surely_no_attack(0.5, 0.1), surely_no_attack(0.95, 0.1), surely_no_attack(0.0, 0.0)
    (True, False, True)
    """
    return u <= 1.0 - mean + mean * mean / 2.0 - mean * mean * mean / 6.0 - 1e-12


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun, singular or plural, as the story tells a count.

    >>> plural(1, "attack"), plural(3, "casualty", "casualties")
    ('1 attack', '3 casualties')
    """
    n = int(n)
    return f"{n} {one if n == 1 else (many or one + 's')}"


class OperationPlan:
    """What every replication of a scenario shares, worked out once.

    Parameters
    ----------
    scenario : Scenario

    Attributes
    ----------
    users : dict
        For each base with an airfield, the indices of the contingents that fly from it,
        in the scenario's priority order.
    enabler_of : list of int
        For each contingent, the index of the enabler nation it belongs to (-1 if none).
    depends_on : list of list of int
        For each contingent, the enabler nations it is a dependent of.
    attack_factor, exposed_factor : list of float
        Each base's attack multiplier, nominal and with its enablers gone.
    hits, casualty_table : HitTable, CasualtyTable
        The threat's shared tables (docs/design.md §1.6).
    nation_of : list of int
        For each contingent, its nation's index in ``Scenario.nations``.
    nation_troops, nation_liftable_t : list of int
        Each nation's troops and liftable tonnes.
    """

    def __init__(self, scenario: Any) -> None:
        s = scenario
        self.scenario = s
        self.horizon: int = s.horizon_days
        self.total_troops: int = s.total_troops
        self.liftable_t: int = s.liftable_t
        self.airfield_bases = [b for b, base in enumerate(s.bases) if base.airfield]
        self.users = {b: [i for i in s.priority if s.contingents[i].flies_from == b] for b in self.airfield_bases}
        self.enabler_of, self.depends_on = enabler_links(s)
        factors, exposed = base_factors(s)
        self.attack_factor: list[float] = factors.tolist()
        self.exposed_factor: list[float] = exposed.tolist()
        self.troops_at_home = [0] * len(s.bases)
        for c in s.contingents:
            self.troops_at_home[c.base] += c.troops
        self.hits = HitTable(s.threat.p_airfield_hit)
        self.casualty_table = CasualtyTable(s.threat.casualties_per_attack)
        self.nation_of, self.nation_troops, self.nation_liftable_t = nation_totals(s)


def enabler_links(scenario: Any) -> tuple[list[int], list[list[int]]]:
    """Per contingent, the enabler nation it belongs to (-1 if none) and the enabler
    nations it depends on (both engines' plans)."""
    en = scenario.enablers
    enabler_of = [-1] * len(scenario.contingents)
    for n, members in enumerate(en.members):
        for i in members:
            enabler_of[i] = n
    depends_on: list[list[int]] = [[] for _ in scenario.contingents]
    for n, dependents in enumerate(en.dependents):
        for i in dependents:
            depends_on[i].append(n)
    return enabler_of, depends_on


def nation_totals(scenario: Any) -> tuple[list[int], list[int], list[int]]:
    """Per contingent its nation's index in ``Scenario.nations``; per nation its troops
    and its liftable tonnes (both engines' plans)."""
    nations = {n: k for k, n in enumerate(scenario.nations)}
    nation_of = [nations[c.nation] for c in scenario.contingents]
    troops = [0] * len(nations)
    liftable_t = [0] * len(nations)
    for k, c in zip(nation_of, scenario.contingents, strict=True):
        troops[k] += c.troops
        liftable_t[k] += c.liftable_t
    return nation_of, troops, liftable_t


class Contingent:
    """One nation's troops at one base (``NATION@BASE``), as a replication follows them.

    (The network engine follows its contingents along routes, with state of their own:
    :class:`drawdown.engines.network_theatre.Contingent`.)

    Attributes
    ----------
    spec : drawdown.scenario.Contingent
        What the scenario says of it: troops, rear guard, liftable tons, its bases.
    index : int
        Its place in the scenario's order of contingents.
    troops_left, cargo_left : int
        Soldiers still in country; tons of liftable equipment still to lift.
    rear_guard : int
        The soldiers who stay until the last ton is lifted.
    counts_at : int
        The base where its troops count (attacks, base closure): its home base until it
        is ready, then the base it flies from.
    ready_day, exit_day : int
        The day its main body may first fly and the day its last soldier flew; -1 until
        known.
    is_ready, cargo_is_done : bool
    ready : simpy.Event
        Succeeds on its ready day (its airfield and the day book wait for it).
    cargo_out : simpy.Event or None
        Succeeds on the day its last ton is lifted. Only the story waits for it, so it
        is made only when the story is told.
    """

    __slots__ = (
        "spec",
        "index",
        "troops_left",
        "cargo_left",
        "rear_guard",
        "counts_at",
        "ready_day",
        "exit_day",
        "is_ready",
        "cargo_is_done",
        "ready",
        "cargo_out",
    )

    def __init__(self, env: simpy.Environment, spec: Any, index: int, *, telling: bool = False) -> None:
        self.spec = spec
        self.index = index
        self.troops_left: int = spec.troops
        self.cargo_left: int = spec.liftable_t
        self.rear_guard: int = spec.rear_guard
        self.counts_at: int = spec.base
        self.ready_day = -1
        self.exit_day = -1
        self.is_ready = False
        self.cargo_is_done = False
        self.ready = env.event()
        self.cargo_out = env.event() if telling else None

    def equipment_out(self, day: int) -> None:
        """The last ton is lifted (or there was none): the rear guard may fly from now on."""
        self.cargo_is_done = True
        if self.cargo_out is not None:
            self.cargo_out.succeed(day)

    def seats_wanted(self, rear_guard_held: bool) -> int:
        """Soldiers who may fly now: the main body, and the rear guard too once the
        equipment is out, unless it is held for the contingent's dependents."""
        if self.cargo_is_done and not rear_guard_held:
            return self.troops_left
        return self.troops_left - min(self.troops_left, self.rear_guard)


class Airfield:
    """A base's airfield in one replication: its capacity, its users, when it is shut.

    Attributes
    ----------
    base : drawdown.scenario.Base
    base_index : int
    column : int
        Its column in the per-day ``closed`` and ``hits`` draws (airfields in file order).
    users : list of Contingent
        The contingents that fly from it, in priority order.
    flying : list of Contingent
        Those of its users that are ready and still in country, in priority order: a
        contingent joins on its ready day and leaves when its last soldier has flown.
    closed_until : int
        The last day a hit shuts it (-1: none).
    cut_from : int
        The first day it has only its reduced capacity, its enablers gone (``NEVER``).
    """

    __slots__ = ("base", "base_index", "column", "users", "rank", "flying", "closed_until", "cut_from")

    def __init__(self, base: Any, base_index: int, column: int, users: list[Contingent]) -> None:
        self.base = base
        self.base_index = base_index
        self.column = column
        self.users = users
        self.rank = {c.index: k for k, c in enumerate(users)}  # place in the priority order
        self.flying: list[Contingent] = []
        self.closed_until = -1
        self.cut_from = NEVER

    def join(self, c: Contingent) -> None:
        """A user ready to fly takes its place among those flying, by priority."""
        bisect.insort(self.flying, c, key=lambda user: self.rank[user.index])

    def capacity(self, day: int) -> tuple[int, int]:
        """Tons and seats of the day: nominal, or reduced once the enablers are gone."""
        if day >= self.cut_from:
            return self.base.cargo_reduced, self.base.seats_reduced
        return self.base.cargo_t_per_day, self.base.seats_per_day


class Theatre(ReplicationTheatre):
    """The state of one replication: the force, its airfields and what has happened.

    Processes read and change it; events announce the order (``order``) and each
    contingent's readiness and equipment out.

    Parameters
    ----------
    env : simpy.Environment
    plan : OperationPlan
        The scenario's shared facts.
    inputs : BlockInputs
        The block's draws and state-free quantities.
    row : int
        The replication's row in the block.
    slabs : DaySlabs
        The block's per-day draws; slab ``k`` serves day ``first_drawn_day + k``.
    trace : bool, optional
        Tell the story: keep a list of events (``events``); ``None`` otherwise.
    record_daily : bool, optional
        Keep troops in country and tons lifted at the end of each day.
    record_nations : bool, optional
        Keep them per nation too.

    Attributes
    ----------
    contingents : list of Contingent
        In the scenario's order.
    airfields : list of Airfield
        In file order; ``airfield_at`` maps a base's index to its airfield.
    troops_at : list of int
        The troops counting at each base (file order).
    exposed_from : list of int
        The first day each base's attack mean is raised, its enablers gone (``NEVER``).
    dependents_in_country, members_in_country : list of int
        Per enabler nation, its dependents and its own contingents not yet out.
    decision_day : int
        The day the council gave the order (-1 until then).
    lifted_t, attacks, casualties, troop_days_past_deadline, troops_at_deadline : int
        The running totals the outcomes are made of.
    troops_in_country, lifted_by_day : ndarray or None
        Per day, with ``record_daily``.
    nation_troops, nation_out_t : ndarray (H, nations) or None
        Per day and nation, with ``record_nations``: troops in country, tonnes out.
    events : list of dict or None
        The story, when it is told.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: OperationPlan,
        inputs: BlockInputs,
        row: int,
        slabs: DaySlabs,
        *,
        trace: bool = False,
        record_daily: bool = False,
        record_nations: bool = False,
    ) -> None:
        super().__init__(
            env, plan, inputs, row, slabs, trace=trace, record_daily=record_daily, record_nations=record_nations
        )
        s = plan.scenario
        self.plan: OperationPlan = plan
        self.contingents = [Contingent(env, c, i, telling=trace) for i, c in enumerate(s.contingents)]
        self.airfields = [
            Airfield(s.bases[b], b, a, [self.contingents[i] for i in plan.users[b]])
            for a, b in enumerate(plan.airfield_bases)
        ]
        self.airfield_at = {field.base_index: field for field in self.airfields}
        self.troops_at = list(plan.troops_at_home)  # troops counting at each base
        self.exposed_from = [NEVER] * len(s.bases)  # first day a base is exposed, its enablers gone
        self.enabler_gone_day = [-1] * len(s.enablers.nations)
        self.emptied: list[Contingent] = []  # contingents whose last soldiers flew today
        self._airlift_day, self._airlift_hour = -1, env.event()  # the day's airlift moment, once made
        self.base_closed = [False] * len(s.bases)

    # -- telling the story ----------------------------------------------------------
    def name(self, c: Contingent) -> str:
        """A contingent as the story names it: ``nation @ base``."""
        return f"{c.spec.nation} @ {self.s.bases[c.spec.base].name}"

    # -- shared facts of the day ------------------------------------------------------
    @property
    def ready_day(self) -> list[int]:
        """Each contingent's ready day (-1 without an order), in the scenario's order."""
        return [c.ready_day for c in self.contingents]

    @property
    def exit_day(self) -> list[int]:
        """Each contingent's exit day (-1 while in country), in the scenario's order."""
        return [c.exit_day for c in self.contingents]

    def rear_guard_held(self, c: Contingent) -> bool:
        """Enablers last: an enabler's rear guard stays while a dependent was in country
        at the start of the day (exits are recorded at dusk, so this holds all day)."""
        n = self.plan.enabler_of[c.index]
        return n >= 0 and self.s.enablers_last and self.dependents_in_country[n] > 0

    def airlift_hour(self, day: int) -> simpy.Event:
        """The airlift moment of ``day``: one event that every airfield waits for.

        Each airfield asks for the next day's as it finishes the day, so they wake in
        the order they first opened, day after day."""
        if self._airlift_day != day:
            self._airlift_day, self._airlift_hour = day, wait_until(self.env, day, Moment.AIRLIFT)
        return self._airlift_hour

    @property
    def troops_left(self) -> int:
        """Soldiers still in country."""
        return sum(self.troops_at)

    def enablers_gone(self, n: int, day: int) -> None:
        """Enabler nation ``n``'s last contingent exited on ``day``: from the next day, when
        enablers may leave first, its dependents' airfields are cut and their bases exposed."""
        s = self.s
        self.enabler_gone_day[n] = day
        if s.enablers_last:
            return
        for b in s.enablers.cut_airfields[n]:
            field = self.airfield_at[b]
            field.cut_from = min(field.cut_from, day + 1)
        for b in s.enablers.exposed_bases[n]:
            self.exposed_from[b] = min(self.exposed_from[b], day + 1)


# -- the actors ---------------------------------------------------------------------------


def conditions(env: simpy.Environment, theatre: ReplicationTheatre) -> Process:
    """The security situation: announces the day the conditions index has held below
    the threshold long enough (computed once, in shared code, for both engines).

    It changes nothing (the council reads the met day itself): it is only started when
    the story is told."""
    met = theatre.met_day
    if met < 0:
        return
    yield wait_until(env, met, Moment.DAWN)
    c = theatre.s.conditions
    theatre.log(
        "conditions",
        f"conditions met: violence index at or below {c.threshold:g} for {c.hold_days} days "
        f"(index {theatre.violence[met]:.3f})",
    )


def special_meeting_day(decision: Any, met_day: int, horizon: int) -> int:
    """The day of the conditions rule's special meeting, or -1 when none is held.

    Held ``special_meeting_delay_days`` after conditions are first met, within the
    horizon, unless a scheduled meeting is on that day (docs/design.md §1.1).
    """
    if decision.rule != "conditions" or not decision.allow_special_meetings or met_day < 0:
        return -1
    day = met_day + decision.special_meeting_delay_days
    return day if day <= horizon - 1 and day not in decision.meeting_days else -1


def council(env: simpy.Environment, theatre: ReplicationTheatre) -> Process:
    """The North Atlantic Council: gives the withdrawal order by its rule.

    On an announced date (``fixed``); or at its meetings (the scheduled ones, and once,
    specially, after conditions are met when the rule allows): a meeting decides when
    its rule lets it (``conditions``: on or after the day conditions are met) and
    consensus holds, i.e. the council's uniform of the day is at or above
    ``p_no_consensus``; if no meeting has decided by ``latest_decision``, the order is
    given that day. The council finds the decision day itself, meeting by meeting: the
    engine records it (the shared :func:`drawdown.draws.decision_days` must agree).
    """
    dec = theatre.s.decision
    if dec.rule == "fixed":
        yield wait_until(env, dec.day, Moment.COUNCIL)
        theatre.give_order(dec.day, "withdrawal ordered (announced date, rule 'fixed')")
        return
    latest = dec.latest_decision_day
    special = special_meeting_day(dec, theatre.met_day, theatre.horizon)
    meetings = sorted(set(dec.meeting_days) | ({special} if special >= 0 else set()))
    telling = theatre.events is not None
    for day in meetings:
        if latest is not None and day > latest:
            break  # the order was given on the latest decision day
        yield wait_until(env, day, Moment.COUNCIL)
        what = "special meeting" if day == special else "council meeting"
        if dec.rule == "conditions" and not 0 <= theatre.met_day <= day:
            why = "conditions not met"
        elif theatre.council_u[day] < dec.p_no_consensus:
            why = "no consensus (an ally holds out)"
        else:
            theatre.give_order(day, f"{what}: consensus, withdrawal ordered" if telling else "")
            return
        if telling:
            theatre.log("meeting", f"{what}: {why}, no order")
    if latest is not None:
        yield wait_until(env, latest, Moment.COUNCIL)
        theatre.give_order(latest, "latest decision date reached: withdrawal ordered without consensus")


def contingent(env: simpy.Environment, theatre: Theatre, c: Contingent) -> Process:
    """A national contingent: waits for the council's order and its own government's
    decision, prepares (and moves by road when its base has no airfield), becomes
    ready; from then on its airfield flies its main body, its equipment and finally
    its rear guard out."""
    s = theatre.s
    spec = c.spec
    order_day = yield theatre.order
    national_delay, prep = theatre.national_delay_days[c.index], theatre.prep_days[c.index]
    c.ready_day = int(ready_day(order_day, national_delay, prep, spec.road_days, s.decision.start_on_day))
    telling = theatre.events is not None
    if c.ready_day > theatre.horizon - 1:
        if telling:
            theatre.log(
                "phase",
                f"{theatre.name(c)}: would be ready on day {c.ready_day}, after the horizon",
                contingent=spec.id,
            )
        return
    if national_delay and telling:  # a step of the story only: nothing changes that day
        yield wait_until(env, order_day + national_delay, Moment.PHASES)
        theatre.log(
            "phase",
            f"{theatre.name(c)}: national decision taken after {national_delay} days; preparing ({prep} days)",
            contingent=spec.id,
        )
    yield wait_until(env, c.ready_day, Moment.PHASES)
    c.is_ready = True
    theatre.airfield_at[spec.flies_from].join(c)
    if spec.flies_from != spec.base:  # the road move: from now on it counts where it flies from
        theatre.troops_at[spec.base] -= c.troops_left
        theatre.troops_at[spec.flies_from] += c.troops_left
        c.counts_at = spec.flies_from
        if telling:
            theatre.log(
                "move",
                f"{theatre.name(c)}: moved by road to {s.bases[spec.flies_from].name} "
                f"({plural(spec.road_days, 'day')})",
                contingent=spec.id,
            )
    if telling:
        _tell_ready(theatre, c, order_day, national_delay, prep)
    c.ready.succeed(c.ready_day)
    if c.cargo_left == 0:
        c.equipment_out(c.ready_day)
    if c.cargo_out is not None:  # the story tells when the equipment is out
        yield c.cargo_out
        theatre.log(
            "cargo", f"{theatre.name(c)}: equipment out; rear guard of {spec.rear_guard} may fly", contingent=spec.id
        )


def _tell_ready(theatre: Theatre, c: Contingent, order_day: int, national_delay: int, prep: int) -> None:
    spec = c.spec
    how = f"ordered {theatre.date(order_day)}, national decision {national_delay} d, preparation {prep} d"
    if spec.road_days:
        how += f", road {spec.road_days} d"
    if c.ready_day > order_day + national_delay + prep + spec.road_days:
        how += f"; waited for the start date {theatre.date(c.ready_day)}"
    theatre.log(
        "ready",
        f"{theatre.name(c)}: ready ({how}); main body of {spec.main_body} may fly, "
        f"{spec.liftable_t} t of equipment to lift",
        contingent=spec.id,
        ready_day=c.ready_day,
    )


def adversary(env: simpy.Environment, theatre: Theatre) -> Process:
    """The adversary: each day, attacks on each base in proportion to the troops there
    at the start of the day (with the rate of the day), casualties, and airfields shut
    by hits.

    Until the replication's first drawn day (shortly before the order) the force has
    not moved and no hit can shut an airfield on a day anyone flies, so the attacks of
    those days are one total drawn in shared code, told on the day before."""
    yield from attacks_before_the_drawn_days(env, theatre)
    for day in range(theatre.first_drawn_day, theatre.horizon):
        yield wait_until(env, day, Moment.THREAT)
        _attack(theatre, day)


def attacks_before_the_drawn_days(env: simpy.Environment, theatre: ReplicationTheatre) -> Process:
    """The adversary until the first drawn day (both engines): the attacks and casualties
    of those days are one total, drawn in shared code and told on the day before."""
    first = theatre.first_drawn_day
    if first <= 0:
        return
    yield wait_until(env, first - 1, Moment.THREAT)
    attacks, casualties = theatre.attacks_before, theatre.casualties_before
    theatre.attacks += attacks
    theatre.casualties += casualties
    if attacks and theatre.events is not None:
        theatre.log(
            "attack",
            f"since {theatre.date(0)}, before the order: {plural(attacks, 'attack')}, "
            f"{plural(casualties, 'casualty', 'casualties')} on the whole force (one total)",
            base=None,
            attacks=attacks,
            casualties=casualties,
        )


def _attack(theatre: Theatre, day: int) -> None:
    """The attacks of a day on every base where troops count."""
    rate = theatre.rates[day]
    if rate == 0.0:  # a mean of 0: no attack anywhere
        return
    plan = theatre.plan
    u_attacks: list[float] = theatre.day_draws(day)[1].tolist()
    bases, us, means = [], [], []
    for b, troops in enumerate(theatre.troops_at):
        if troops:
            factor = plan.exposed_factor[b] if day >= theatre.exposed_from[b] else plan.attack_factor[b]
            mean = rate * factor * troops / plan.total_troops  # as drawdown.draws.attack_mean computes it
            if not surely_no_attack(u_attacks[b], mean):
                bases.append(b)
                us.append(u_attacks[b])
                means.append(mean)
    if not bases:
        return
    # The few counts that may not be 0, by the shared helper (with arrays: docs/design.md §1.6).
    attacks = poisson_inv(np.array(us), np.array(means))
    struck = np.flatnonzero(attacks)
    if struck.size:
        _strike(theatre, day, [bases[k] for k in struck], attacks[struck])


def _strike(theatre: Theatre, day: int, bases: list[int], attacks: np.ndarray) -> None:
    """The casualties and airfield hits of the attacks on ``bases`` (counts ``attacks``)."""
    plan = theatre.plan
    s = theatre.s
    _, _, u_casualties, u_hits = theatre.day_draws(day)
    casualties = plan.casualty_table.casualties(u_casualties[bases], attacks)
    theatre.attacks += int(attacks.sum())
    theatre.casualties += int(casualties.sum())
    closure_days = s.threat.closure_days
    shut_by_hit = plan.hits.threshold(attacks)
    telling = theatre.events is not None
    for k, b in enumerate(bases):
        name = s.bases[b].name
        if telling:
            theatre.log(
                "attack",
                f"{name}: {plural(attacks[k], 'attack')}, {plural(casualties[k], 'casualty', 'casualties')}",
                base=name,
                attacks=int(attacks[k]),
                casualties=int(casualties[k]),
            )
        field = theatre.airfield_at.get(b)
        if field is not None and closure_days > 0 and u_hits[field.column] < shut_by_hit[k]:
            field.closed_until = max(field.closed_until, day + closure_days - 1)
            if telling:
                theatre.log(
                    "closure",
                    f"{name}: airfield hit, shut until {theatre.date(field.closed_until)}",
                    base=name,
                    until_day=field.closed_until,
                )


def airfield(env: simpy.Environment, theatre: Theatre, field: Airfield) -> Process:
    """An airfield: from the day its first contingent is ready, each day it is open it
    hands out its cargo capacity, then its seats, to the ready contingents that fly
    from it, in priority order; each takes what it can use, and what is left is lost."""
    users = field.users
    if not users:
        return
    first_ready = yield env.any_of([c.ready for c in users])
    day = min(first_ready.values())
    while day < theatre.horizon:
        yield theatre.airlift_hour(day)
        if field.flying:
            _fly(theatre, field, day, field.flying)
        elif all(c.exit_day >= 0 for c in users):
            return  # every user is out: nothing left to serve
        day += 1


def _fly(theatre: Theatre, field: Airfield, day: int, active: list[Contingent]) -> None:
    """One day of an airfield: shut, or its cargo, then its seats, in priority order."""
    telling = theatre.events is not None
    weather = theatre.day_draws(day)[0][field.column] < field.base.p_closed_day
    if weather or field.closed_until >= day:
        if telling:
            why = "weather or maintenance" if weather else f"hit, shut until {theatre.date(field.closed_until)}"
            theatre.log("shut", f"{field.base.name}: airfield shut today ({why}), no flights", base=field.base.name)
        return
    cargo, seats = field.capacity(day)
    # What each took, for the story only.
    lifted: list[tuple[Contingent, int]] | None = [] if telling else None
    flown: list[tuple[Contingent, int]] | None = [] if telling else None
    theatre.lifted_t += _lift_cargo(active, cargo, day, lifted)
    out_before = len(theatre.emptied)
    theatre.troops_at[field.base_index] -= _board(theatre, active, seats, flown)
    if len(theatre.emptied) > out_before:  # some flew their last soldiers: they leave the list
        field.flying = [c for c in active if c.troops_left]
    if lifted is not None and flown is not None:
        _tell_flights(theatre, field, day, active, lifted, flown)


def _lift_cargo(active: list[Contingent], tons: int, day: int, story: list | None) -> int:
    """Hand out the day's tons in priority order; return the tons lifted.

    A contingent whose last ton is lifted has its cargo done: its rear guard may fly
    the same day, since seats are handed out after cargo."""
    left = tons
    for c in active:
        if not left:
            break
        take = min(c.cargo_left, left)
        if take:
            c.cargo_left -= take
            left -= take
            if story is not None:
                story.append((c, take))
            if not c.cargo_left:
                c.equipment_out(day)
    return tons - left


def _board(theatre: Theatre, active: list[Contingent], seats: int, story: list | None) -> int:
    """Hand out the day's seats in priority order; return the soldiers flown."""
    left = seats
    for c in active:
        if not left:
            break
        take = min(c.seats_wanted(theatre.rear_guard_held(c)), left)
        if take:
            c.troops_left -= take
            left -= take
            if story is not None:
                story.append((c, take))
            if not c.troops_left:
                theatre.emptied.append(c)  # the day book records its exit tonight
    return seats - left


def _tell_flights(
    theatre: Theatre,
    field: Airfield,
    day: int,
    active: list[Contingent],
    lifted: list[tuple[Contingent, int]],
    flown: list[tuple[Contingent, int]],
) -> None:
    held = {c.index for c in active if theatre.rear_guard_held(c)}
    # Tell of a held rear guard only once it is all that is left to fly.
    waiting = [
        c for c in (theatre.contingents[i] for i in held) if c.cargo_is_done and 0 < c.troops_left <= c.rear_guard
    ]
    if not (lifted or flown or waiting):
        return
    bits = []
    if flown:
        who = ", ".join(f"{c.spec.nation} {n}" for c, n in flown)
        bits.append(f"{sum(n for _, n in flown)} troops flown ({who})")
    if lifted:
        still = sum(c.cargo_left for c in active)
        bits.append(f"{sum(n for _, n in lifted)} t lifted" + (f" ({still} t still to lift)" if still else ""))
    text = f"{field.base.name}: " + (", ".join(bits) if bits else "no flights")
    if day >= field.cut_from:
        text += ", at reduced capacity (enablers gone)"
    if waiting:
        text += "; rear guard held while dependents remain: " + ", ".join(theatre.name(c) for c in waiting)
    theatre.log(
        "flights", text, base=field.base.name, troops=sum(n for _, n in flown), tonnes=sum(n for _, n in lifted)
    )


def deadline(env: simpy.Environment, theatre: Any) -> Process:
    """The deadline: at dusk on the deadline day, the troops still in country are what
    the force is measured against (both engines: ``theatre.troops_left``)."""
    yield wait_until(env, theatre.s.deadline_day, Moment.DUSK)
    theatre.troops_at_deadline = in_country = theatre.troops_left
    if theatre.events is not None:
        theatre.log("deadline", f"deadline day: {in_country} troops still in country")


def day_book(env: simpy.Environment, theatre: Theatre) -> Process:
    """The end of each day: counts the troops in country, records exits and the closing
    of bases, and keeps the books the outcomes are made of.

    Nothing changes in country before a contingent is ready (every soldier is there,
    nothing is lifted), so the book opens on the first ready day, or on the horizon's
    last day when no contingent is ever ready, and writes the days before at once."""
    H = theatre.horizon
    first_page = H - 1
    yield env.any_of([theatre.order, wait_until(env, H - 1, Moment.DUSK)])
    if theatre.order.triggered:
        # Each contingent works out its ready day when the order is given.
        yield wait_until(env, theatre.decision_day, Moment.PHASES)
        first_page = min([c.ready_day for c in theatre.contingents if c.ready_day <= H - 1], default=H - 1)
    book_the_waiting_days(theatre, first_page)
    for day in range(first_page, H):
        yield wait_until(env, day, Moment.DUSK)
        in_country = sum(theatre.troops_at)
        if theatre.troops_in_country is not None and theatre.lifted_by_day is not None:
            theatre.troops_in_country[day] = in_country
            theatre.lifted_by_day[day] = theatre.lifted_t
        if theatre.nation_troops is not None:
            _book_nations(theatre, day)
        D = theatre.s.deadline_day
        if D is not None and day >= D:
            theatre.troop_days_past_deadline += in_country
        if theatre.emptied:
            record_exits(theatre, day)
        if theatre.events is not None:
            _tell_bases_closed(theatre)
        if in_country == 0:
            if theatre.events is not None:
                theatre.log("end", f"all troops out: {theatre.attacks} attacks, {theatre.casualties} casualties in all")
            return
    if theatre.events is not None:
        waiting = [c for c in theatre.contingents if c.troops_left > 0 and not c.is_ready]
        why = f" ({len(waiting)} contingents never became ready)" if waiting else ""
        theatre.log(
            "censored",
            f"horizon ends with {sum(theatre.troops_at)} troops still in country{why}: censored; "
            f"{theatre.attacks} attacks, {theatre.casualties} casualties so far",
        )


def _book_nations(theatre: Theatre, day: int) -> None:
    """Each nation's troops still in country and tonnes lifted out, at the end of ``day``."""
    plan = theatre.plan
    troops = [0] * len(plan.nation_troops)
    out_t = list(plan.nation_liftable_t)
    for k, c in zip(plan.nation_of, theatre.contingents, strict=True):
        troops[k] += c.troops_left
        out_t[k] -= c.cargo_left
    assert theatre.nation_troops is not None and theatre.nation_out_t is not None  # recording nations
    theatre.nation_troops[day] = troops
    theatre.nation_out_t[day] = out_t


def book_the_waiting_days(theatre: Any, first_page: int) -> None:
    """Days ``0 .. first_page - 1``: the whole force in country, nothing lifted."""
    if theatre.troops_in_country is not None and theatre.lifted_by_day is not None:
        theatre.troops_in_country[:first_page] = theatre.plan.total_troops
        theatre.lifted_by_day[:first_page] = 0
    if theatre.nation_troops is not None and theatre.nation_out_t is not None:
        theatre.nation_troops[:first_page] = theatre.plan.nation_troops
        theatre.nation_out_t[:first_page] = 0
    D = theatre.s.deadline_day
    if D is not None and first_page > D:
        theatre.troop_days_past_deadline += theatre.plan.total_troops * (first_page - D)


def record_exits(theatre: Any, day: int) -> None:
    """Contingents with no troops left exit today; an enabler nation whose last
    contingent exits is gone (and, when enablers may leave first, cuts and exposes).

    Both engines' theatres keep these counts alike; what an enabler nation's going cuts
    and exposes (airfields and bases in v1; ways and places on a network) is the
    theatre's own ``enablers_gone``."""
    plan = theatre.plan
    theatre.emptied.sort(key=lambda c: c.index)  # told in the scenario's order
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
                if theatre.events is not None:
                    theatre.log("enablers", f"{theatre.s.enablers.nations[n]}: last enabler contingent out")
                theatre.enablers_gone(n, day)
    theatre.emptied.clear()


def _tell_bases_closed(theatre: Theatre) -> None:
    # Only the story needs this; outcomes derive base closing from exit days. The network
    # engine tells its own (routes pass bases on their way), so this one stays v1's.
    for b, base in enumerate(theatre.s.bases):
        if theatre.base_closed[b]:
            continue
        if not any(c.troops_left > 0 and (c.counts_at == b or c.spec.flies_from == b) for c in theatre.contingents):
            theatre.base_closed[b] = True
            theatre.log("base", f"{base.name}: base closed, no troops left", base=base.name)


# -- running replications -------------------------------------------------------------------


def simulate_replication(
    scenario: Any,
    inputs: BlockInputs,
    row: int,
    slabs: DaySlabs,
    *,
    trace: bool = False,
    record_daily: bool = False,
    plan: OperationPlan | None = None,
    record_nations: bool = False,
) -> Theatre:
    """Run one replication (row ``row`` of a block) and return its final state.

    ``slabs`` is the block's :class:`drawdown.draws.DaySlabs` (``inputs.draws.slabs()``),
    shared by the replications of the block; ``plan`` the scenario's
    :class:`OperationPlan`, made here when not given.
    """
    plan = plan if plan is not None else OperationPlan(scenario)
    return simulate(
        Theatre,
        start_actors,
        plan,
        inputs,
        row,
        slabs,
        trace=trace,
        record_daily=record_daily,
        record_nations=record_nations,
    )


def start_actors(env: simpy.Environment, theatre: Theatre) -> simpy.Process:
    """Start the processes of a replication; return its day book."""
    if theatre.events is not None:
        env.process(conditions(env, theatre))
    env.process(council(env, theatre))
    for c in theatre.contingents:
        env.process(contingent(env, theatre, c))
    env.process(adversary(env, theatre))
    for field in theatre.airfields:
        env.process(airfield(env, theatre, field))
    if theatre.s.deadline_day is not None:
        env.process(deadline(env, theatre))  # before the day book: told first at dusk
    return env.process(day_book(env, theatre))


def trace_replication(scenario: Any, seed: int, replication: int) -> list[dict]:
    """The events of one replication, as :func:`run_simpy` would run it.

    Replication ``R`` is row ``R % BLOCK_SIZE`` of block ``R // BLOCK_SIZE``; only the
    first rows of that block are drawn. Each event is a dict with ``day``, ``date``
    (ISO), ``kind`` and ``text``, plus details of its kind.

    >>> import drawdown
    >>> events = trace_replication(drawdown.load("announced-2021-09-11"), seed=1, replication=0)
    >>> [(e["kind"], e["date"]) for e in events[:2]]
    [('attack', '2021-04-12'), ('decision', '2021-04-14')]
    >>> events[0]["text"]
    'since 2021-02-15, before the order: 1 attack, 0 casualties on the whole force (one total)'
    """
    return trace_events(Theatre, start_actors, OperationPlan(scenario), seed, replication)


def run_simpy(
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
    """Run ``reps`` replications with the SimPy engine.

    Parameters
    ----------
    scenario : Scenario
    reps : int
        Replications, the first ``reps`` rows of blocks ``first_block, ...``.
    seed : int
    first_block : int, optional
        The block of the first replication.
    record_daily : bool, optional
        Also keep troops in country and tonnes lifted per replication and day.
    block_size : int, optional
        Replications per block (part of the draw layout).
    progress : callable, optional
        Called with the number of replications finished since the last call.
    record_nations : bool, optional
        Also keep troops in country and tonnes out per replication, day and nation
        (``Outcomes.nation_troops``, ``Outcomes.nation_out_t``).

    Returns
    -------
    Outcomes

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines.simpy_engine import run_simpy
    >>> out = run_simpy(drawdown.load("doha-2021-05-01"), reps=3, seed=7)
    >>> out.final_exit_day.shape, out.exit_day.shape
    ((3,), (3, 40))
    """
    return run_replications(
        Theatre,
        start_actors,
        OperationPlan(scenario),
        reps,
        seed,
        first_block=first_block,
        record_daily=record_daily,
        block_size=block_size,
        progress=progress,
        record_nations=record_nations,
    )
