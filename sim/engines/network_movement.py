"""Movement control, the AIRLIFT moment of a network scenario (docs/network.md, step 5),
and the convoys it dispatches on the legs."""

from __future__ import annotations

import simpy

from . import network_story as story
from .moments import Moment
from .network_theatre import Contingent, NetworkTheatre
from .network_ways import Airfield, Leg, Way
from .simpy_engine import Process
from .simpy_frame import wait_until

__all__ = ["movement_control", "convoy", "dispose"]


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
        self.out: dict[int, list[tuple[str, int]]] = {}  # per exit, (nation, troops): the story's

    def is_shut(self, theatre: NetworkTheatre, way: Way) -> bool:
        if way.index not in self.shut:
            self.shut[way.index] = shut = way.is_shut(theatre, self.day)
            if shut and theatre.events is not None:
                theatre.log(
                    "shut", f"{way.name} shut today ({way.why_shut(theatre, self.day)}): nothing moves", way=way.name
                )
        return self.shut[way.index]

    def load(self, leg: Leg, c: Contingent) -> list[int]:
        """The load of ``c`` on today's convoy of ``leg``: troop position, main, guard, cargo position, tonnes."""
        return self.loads.setdefault(leg.index, {}).setdefault(c, [-1, 0, 0, -1, 0])


def _move(theatre: NetworkTheatre, day: int) -> None:
    for place, troops in enumerate(theatre.troops_at):
        if troops:
            theatre.last_present[place] = day
    today = _Day(theatre, day)
    dispose(theatre)
    for way in theatre.ways:
        _move_cargo(theatre, way, today)
    for way in theatre.ways:
        _move_troops(theatre, way, today)
    for k, loads in today.loads.items():
        theatre.env.process(convoy(theatre.env, theatre, theatre.legs[k], day, loads))
    for way in theatre.ways:
        _book_way(theatre, way, today)
    # A contingent stays under movement control until its troops and its tonnes are out and its
    # tonnes to dispose of are gone.
    theatre.active = [c for c in theatre.active if c.under_control]


def dispose(theatre: NetworkTheatre) -> None:
    """Disposal in place, before the cargo pass: each contingent whose equipment has started
    hands over, sells or destroys up to its own rate a day, or a share of its nation's
    rate, taken in priority order (MODEL-V2 §7.9)."""
    plan = theatre.plan
    for i in plan.own_disposers:
        c = theatre.contingents[i]
        if c.kit_ready:
            c.disposed_t += min(c.spec.disposal_t - c.disposed_t, c.spec.disposal_t_per_day)
    for rate, members in plan.disposal_pools:
        left = rate
        for i in members:
            c = theatre.contingents[i]
            if c.kit_ready and left:
                take = min(c.spec.disposal_t - c.disposed_t, left)
                c.disposed_t += take
                left -= take


def _move_cargo(theatre: NetworkTheatre, way: Way, today: _Day) -> None:
    """The cargo pass of one leg or exit."""
    waiting = [
        (c, k)
        for c, k in ((theatre.contingents[i], k) for i, k in theatre.plan.cargo_users[way.index])
        if c.kit_ready and c.cargo[k]
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
    if c.guard[k] and not c.main_to_pass(k) and c.cargo_done_at(place):
        if not _held(theatre, today, c, place):
            want += c.guard[k]
        elif theatre.events is not None:
            _tell_held(theatre, c, place)
    return want


def _tell_held(theatre: NetworkTheatre, c: Contingent, place: int) -> None:
    """The story, once per contingent and place: its rear guard could go but its dependants hold it."""
    if place in c.told_held_at:
        return
    c.told_held_at.add(place)
    where = theatre.plan.network.places[place]
    scope = theatre.plan.network.enabler_scope
    whom = (
        f"the dependants who count at {where} or still have to pass it"
        if scope == "base"
        else "every dependant to be out of the theatre"
    )
    theatre.log(
        "hold",
        f"rear guard of {theatre.name(c)} held at {where}: as an enabler it waits for {whom}",
        contingent=c.spec.id,
    )


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
                name = theatre.phases[p].spec.name
                who = f"{ceiling.nation} troops" if ceiling.nation is not None else "troops"
                until = story.ceiling_release(
                    theatre.phases[ceiling.until_phase].spec.name if ceiling.until_phase >= 0 else None,
                    theatre.date(ceiling.until_day) if ceiling.until_day is not None else None,
                )
                theatre.log(
                    "ceiling",
                    f"ceiling of phase {name} reached: {story.count(ceiling.troops)} {who} in country, "
                    f"exits of those it counts paused {until}",
                    phase=name,
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
    if theatre.events is not None:
        today.out.setdefault(way.index, []).append((c.spec.nation, take))
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
        _tell_way(theatre, way, today, troops, tonnes)


def _tell_way(theatre: NetworkTheatre, way: Way, today: _Day, troops: int, tonnes: int) -> None:
    """What a way moved today: a convoy (or a flight) leaving on a leg, or what went out of an exit."""
    places = theatre.plan.network.places
    if isinstance(way, Leg):
        loads = today.loads.get(way.index, {})
        what = story.load([(c.spec.nation, v[1] + v[2]) for c, v in loads.items()], tonnes)
        g = way.spec
        text = (
            f"{way.what} of {what} leaves {places[g.origin]} for {places[g.destination]} "
            f"({story.days(g.transit_days)}, arriving {theatre.date(today.day + g.transit_days)})"
        )
    else:
        what = story.load(today.out.get(way.index, []), tonnes)
        text = (
            f"{what} flown out of {way.name}" if isinstance(way, Airfield) else f"{what} cross the border at {way.name}"
        )
    if today.day >= way.cut_from:
        text += ", at reduced capacity (enablers gone)"
    theatre.log("depart" if isinstance(way, Leg) else "flights", text, way=way.name, troops=troops, tonnes=tonnes)


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
        what = story.load([(c.spec.nation, v[1] + v[2]) for c, v in loads.items()], tonnes)
        theatre.log(
            "arrive",
            f"{leg.what} of {what} from {net.places[leg.spec.origin]} arrives at "
            f"{net.places[leg.spec.destination]} (left {theatre.date(day)})",
            leg=leg.name,
            troops=troops,
            tonnes=tonnes,
        )
