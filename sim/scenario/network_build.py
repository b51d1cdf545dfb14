"""The theatre of a model v2 scenario: its places, crossings, legs, exits and routes.

Part of the one parameter pipeline (``drawdown.scenario.build``): from the checked
tables (``schema``) and the valid contingents, with the rules of
``drawdown.scenario.network_rules``, to the frozen :class:`~drawdown.scenario.network.Network`
of docs/network.md. Indices are those of ``network.py``: places are the bases then the
crossings; exits the airfield bases then the crossings; legs in file order.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import calendar_build
from . import network_rules as nr
from .model import Contingent, Enablers, round_half_up
from .network import Crossing, Exit, Leg, Network, Route
from .problems import Problems
from .rules import Row
from .schema import CONTINGENT_V2, ENABLERS_V2, EQUIPMENT_V2, NETWORK_TOP

__all__ = ["is_network", "Days", "Theatre", "theatre", "air_users", "network"]


def is_network(clean: dict) -> bool:
    """Whether a checked scenario uses any key of model v2 (docs/network.md), so runs in the network engines."""
    if any(key in clean for key in NETWORK_TOP) or any(key in clean["enablers"] for key in ENABLERS_V2):
        return True
    if any("calendar" in table for table in clean["bases"].values()):
        return True
    v2_keys = (*CONTINGENT_V2, *EQUIPMENT_V2)
    return any("#" in cid or any(k in table for k in v2_keys) for cid, table in clean["contingents"].items())


@dataclass(frozen=True)
class Theatre:
    """Places, crossings, legs and exits, and each valid contingent's route (None where it has a problem)."""

    places: tuple[str, ...]
    crossings: tuple[Crossing, ...]
    legs: tuple[Leg | None, ...]  # file order; None for a leg with a problem
    exits: tuple[Exit, ...]
    routes: tuple[Route | None, ...]  # per row

    def exit_place(self, exit_index: int) -> int:
        """The place of an exit."""
        return self.exits[exit_index].place


@dataclass(frozen=True)
class Days:
    """What a way's calendar needs of the scenario: day 0 (None after a problem) and the horizon."""

    start: _dt.date | None
    horizon: int


def theatre(problems: Problems, clean: dict, rows: Sequence[Row], via: Sequence[int], days: Days) -> Theatre:
    """The theatre of a network scenario, its rules checked (routes, chains, exits, capacities)."""
    base_names = list(clean["bases"])
    crossing_names = [n for n in clean.get("crossings", {}) if nr.crossing_not_a_base(problems, n, base_names)]
    places = (*base_names, *crossing_names)
    frac = clean["enablers"].get("capacity_without_enablers", Decimal("0.5"))
    closure = clean["threat"].get("closure_days", 0)
    crossings = tuple(
        _crossing(problems, name, clean["crossings"][name], frac, closure, days) for name in crossing_names
    )
    airfields = [i for i, t in enumerate(clean["bases"].values()) if t.get("airfield", True)]
    exits = tuple(Exit("air", b, b) for b in airfields) + tuple(
        Exit("ground", len(base_names) + k, k) for k in range(len(crossings))
    )
    legs = _legs(problems, clean, places, crossing_names, {base_names[b] for b in airfields}, (frac, closure, days))
    exit_of_place = {e.place: k for k, e in enumerate(exits)}
    routes = tuple(_route(problems, clean, row, via, places, legs, exit_of_place) for row in rows)
    return Theatre(places, crossings, tuple(legs), exits, routes)


_WAY_KEYS = ("troops_per_day", "cargo_t_per_day")


def _crossing(problems: Problems, name: str, table: dict, frac: Decimal, closure: int, days: Days) -> Crossing:
    troops = table.get("troops_per_day", 0)
    cargo = round_half_up(table.get("cargo_t_per_day", 0))
    path = ("crossings", name)
    return Crossing(
        name=name,
        troops_per_day=troops,
        cargo_t_per_day=cargo,
        troops_reduced=round_half_up(Decimal(troops) * frac),
        cargo_reduced=round_half_up(Decimal(cargo) * frac),
        p_closed_day=float(table.get("p_closed_day", 0)),
        attack_multiplier=float(table.get("attack_multiplier", 1)),
        p_hit=float(table.get("p_hit", 0)),
        closure_days=table.get("closure_days", closure),
        source=table.get("source"),
        assumption=table.get("assumption"),
        calendar=calendar_build.periods(
            problems, path, table, _WAY_KEYS, (troops, cargo), frac, days.start, days.horizon
        ),
    )


def _legs(
    problems: Problems,
    clean: dict,
    places: Sequence[str],
    crossings: Sequence[str],
    airfields: set[str],
    shared: tuple[Decimal, int, Days],
) -> list[Leg | None]:
    """Every leg in file order; None for one with a problem (its routes are not checked further).

    ``shared``: the enabler fraction, the threat's ``closure_days`` and the days of the calendars.
    """
    out: list[Leg | None] = []
    for name, table in clean.get("legs", {}).items():
        path = ("legs", name)
        ends = {key: table.get(key) for key in ("from", "to")}
        ok = all(v is not None and nr.known_name(problems, path + (k,), "place", v, places) for k, v in ends.items())
        ok = ok and nr.leg_does_not_start_at_crossing(problems, path, ends["from"], crossings)
        ok = ok and nr.leg_joins_two_places(problems, path, ends["from"], ends["to"])
        mode = table.get("mode")
        ok = mode is not None and nr.leg_mode_known(problems, path, mode) and ok
        if mode == "air":
            nr.air_leg_not_attacked(problems, path, table)
            ok = ok and nr.air_leg_between_airfields(problems, path, ends, airfields)
        out.append(_leg(problems, name, table, places, shared) if ok and "transit_days" in table else None)
    return out


def _leg(problems: Problems, name: str, table: dict, places: Sequence[str], shared: tuple[Decimal, int, Days]) -> Leg:
    frac, closure, days = shared
    road = table["mode"] == "road"
    troops = table.get("troops_per_day", 0)
    cargo = round_half_up(table.get("cargo_t_per_day", 0))
    path = ("legs", name)
    return Leg(
        name=name,
        mode=table["mode"],
        origin=list(places).index(table["from"]),
        destination=list(places).index(table["to"]),
        transit_days=table["transit_days"],
        troops_per_day=troops,
        cargo_t_per_day=cargo,
        troops_reduced=round_half_up(Decimal(troops) * frac),
        cargo_reduced=round_half_up(Decimal(cargo) * frac),
        attack_multiplier=float(table.get("attack_multiplier", 1)) if road else 0.0,
        p_hit=float(table.get("p_hit", 0)) if road else 0.0,
        closure_days=table.get("closure_days", closure),
        source=table.get("source"),
        assumption=table.get("assumption"),
        calendar=calendar_build.periods(
            problems, path, table, _WAY_KEYS, (troops, cargo), frac, days.start, days.horizon
        ),
    )


def _route(
    problems: Problems,
    clean: dict,
    row: Row,
    via: Sequence[int],
    places: Sequence[str],
    legs: Sequence[Leg | None],
    exit_of_place: dict[int, int],
) -> Route | None:
    """A contingent's troop and equipment routes; None when either has a problem."""
    table = row.table
    base = places[row.base]
    if via[row.base] >= 0:
        if not nr.via_base_has_no_route(problems, row.id, base, table):
            return None
        k = exit_of_place[via[row.base]]
        return Route((), (), k, k)
    troops = _checked_route(problems, row, "route", table.get("route") or [], places, legs, exit_of_place)
    # Without its own key the equipment follows the troops: the same route, checked once.
    cargo = (
        _checked_route(problems, row, "equipment_route", table["equipment_route"], places, legs, exit_of_place)
        if "equipment_route" in table
        else troops
    )
    if troops is None or cargo is None:
        return None
    return Route(troops[0], cargo[0], troops[1], cargo[1])


def _checked_route(
    problems: Problems,
    row: Row,
    key: str,
    names: Sequence[str],
    places: Sequence[str],
    legs: Sequence[Leg | None],
    exit_of_place: dict[int, int],
) -> tuple[tuple[int, ...], int] | None:
    """The route a contingent's ``key`` names, or None after a problem (at that key)."""
    if not names and row.base not in exit_of_place:
        nr.base_without_exit_has_route(problems, row.id, key, places[row.base])
        return None
    return _one_route(problems, ("contingents", row.id, key), names, row.base, places, legs, exit_of_place)


def _one_route(
    problems: Problems,
    path: tuple,
    names: Sequence[str],
    start: int,
    places: Sequence[str],
    legs: Sequence[Leg | None],
    exit_of_place: dict[int, int],
) -> tuple[tuple[int, ...], int] | None:
    """Leg indices and the exit of one route (empty: the base's own airfield), or None after a problem."""
    leg_names = [leg.name if leg is not None else None for leg in legs]
    known = [n for n in leg_names if n is not None]
    indices = []
    for i, name in enumerate(names):
        if name not in leg_names:
            nr.known_name(problems, path + (i,), "leg", name, known)
            return None
        if legs[leg_names.index(name)] is None:
            return None  # the leg has its own problem
        indices.append(leg_names.index(name))
    here, seen = start, {places[start]}
    for i, k in enumerate(indices):
        leg = legs[k]
        assert leg is not None
        if i == 0 and not nr.route_starts_at_base(problems, path, leg.name, places[leg.origin], places[start]):
            return None
        if i > 0 and not nr.route_legs_chain(problems, path, i, leg.name, places[leg.origin], places[here]):
            return None
        if not nr.route_visits_place_once(problems, path, i, places[leg.destination], seen):
            return None
        here = leg.destination
        seen.add(places[here])
    exit_names = {places[p] for p in exit_of_place}
    if not nr.route_ends_at_exit(problems, path, places[here], exit_names):
        return None
    return tuple(indices), exit_of_place[here]


def air_users(th: Theatre, rows: Sequence[Row], liftable: Sequence[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per airfield base: how many contingents' troops leave through it, and the tonnes that do."""
    seats: dict[int, int] = {}
    cargo: dict[int, int] = {}
    for route, t in zip(th.routes, liftable, strict=True):
        if route is None:
            continue
        for exit_index, users, amount in ((route.troop_exit, seats, 1), (route.cargo_exit, cargo, t)):
            e = th.exits[exit_index]
            if e.kind == "air":
                users[e.place] = users.get(e.place, 0) + amount
    return seats, cargo


def check_capacities(problems: Problems, th: Theatre, contingents: Sequence[Contingent], horizon: int) -> None:
    """Rule: every leg and crossing that troops (or tonnes) take has troop (or cargo) capacity at the horizon's end.

    That is its base value, or the value of the calendar period that covers the last day.
    """
    troop_users: dict[tuple, int] = {}
    tonnes: dict[tuple, int] = {}
    for c, route in zip(contingents, th.routes, strict=True):
        if route is None:
            continue
        for site in (*(("legs", k) for k in route.troop_legs), ("exits", route.troop_exit)):
            troop_users[site] = troop_users.get(site, 0) + 1
        for site in (*(("legs", k) for k in route.cargo_legs), ("exits", route.cargo_exit)):
            tonnes[site] = tonnes.get(site, 0) + c.liftable_t
    for site, n in troop_users.items():
        _capacity_at_end(problems, th, site, 0, "troops a day", nr.troop_users(n), horizon)
    for site, t in tonnes.items():
        if t > 0:
            _capacity_at_end(problems, th, site, 1, "tonnes a day", f"{t} t of equipment", horizon)


def _capacity_at_end(
    problems: Problems, th: Theatre, site: tuple, which: int, what: str, users: str, horizon: int
) -> None:
    """The rule of :func:`check_capacities` for one way and one capacity (0: troops, 1: cargo)."""
    way = _site(th, site)
    if way is None:
        return
    path = ("legs" if site[0] == "legs" else "crossings", way.name)
    key = ("troops_per_day", "cargo_t_per_day")[which]
    end = calendar_build.end_period(way.calendar, horizon)
    if end is None:
        nr.used_capacity_not_zero(problems, path + (key,), what, way.capacities[which], users)
    else:
        capacity = way.calendar[end].capacities[which]
        calendar_build.open_at_end(problems, path + ("calendar", end, key), what, capacity, users)


def _site(th: Theatre, site: tuple) -> Crossing | Leg | None:
    """A leg or a crossing (None for an air exit, which the bases' own rules check, or a leg with a problem)."""
    kind, k = site
    if kind == "legs":
        return th.legs[k]
    e = th.exits[k]
    return None if e.kind == "air" else th.crossings[e.index]


@dataclass(frozen=True)
class Cuts:
    """Per enabler nation: the legs and exits its dependents use, the places and road legs where they count."""

    legs: tuple[tuple[int, ...], ...]
    exits: tuple[tuple[int, ...], ...]
    places: tuple[tuple[int, ...], ...]
    road_legs: tuple[tuple[int, ...], ...]


def cuts(th: Theatre, contingents: Sequence[Contingent], enablers: Enablers) -> Cuts:
    """What each enabler nation's departure cuts and exposes (docs/network.md, "Enablers")."""
    legs, exits, places, road = [], [], [], []
    for deps in enablers.dependents:
        used_legs, used_exits, at, on_road = set(), set(), set(), set()
        for i in deps:
            route = th.routes[i]
            assert route is not None
            used_legs |= set(route.troop_legs) | set(route.cargo_legs)
            used_exits |= {route.troop_exit, route.cargo_exit}
            c = contingents[i]
            legs_on_route = [_known_leg(th, k) for k in route.troop_legs]
            at |= {c.base, c.flies_from, *(leg.destination for leg in legs_on_route)}
            on_road |= {k for k, leg in zip(route.troop_legs, legs_on_route, strict=True) if leg.mode == "road"}
        legs.append(tuple(sorted(used_legs)))
        exits.append(tuple(sorted(used_exits)))
        places.append(tuple(sorted(at)))
        road.append(tuple(sorted(on_road)))
    return Cuts(tuple(legs), tuple(exits), tuple(places), tuple(road))


def _known_leg(th: Theatre, k: int) -> Leg:
    """Leg ``k``, which a valid route names (a leg with a problem is never on one)."""
    leg = th.legs[k]
    assert leg is not None, f"leg {k} has a problem but is on a route"
    return leg


def check_reduced_capacities(problems: Problems, th: Theatre, bases: Sequence, cut: Cuts) -> None:
    """Rule: with ``enablers_last = false``, no cut leg or exit is left without capacity, in any period."""
    for leg_set, exit_set in zip(cut.legs, cut.exits, strict=True):
        for k in leg_set:
            leg = _known_leg(th, k)
            _reduced_not_zero(problems, leg.name, ("troops_per_day", "cargo_t_per_day"), leg)
        for k in exit_set:
            e = th.exits[k]
            if e.kind == "air":
                _reduced_not_zero(problems, bases[e.index].name, ("seats_per_day", "cargo_t_per_day"), bases[e.index])
            else:
                x = th.crossings[e.index]
                _reduced_not_zero(problems, x.name, ("troops_per_day", "cargo_t_per_day"), x)


def _reduced_not_zero(problems: Problems, name: str, keys: tuple[str, str], way) -> None:
    """The rule of :func:`check_reduced_capacities` for one way: its base values, then each period's."""
    troops, cargo, troops_reduced, cargo_reduced = way.capacities
    nr.reduced_capacity_not_zero(problems, name, keys[0], troops, troops_reduced)
    nr.reduced_capacity_not_zero(problems, name, keys[1], cargo, cargo_reduced)
    for i, period in enumerate(way.calendar):
        troops, cargo, troops_reduced, cargo_reduced = period.capacities
        nr.reduced_capacity_not_zero(problems, name, f"calendar[{i}].{keys[0]}", troops, troops_reduced)
        nr.reduced_capacity_not_zero(problems, name, f"calendar[{i}].{keys[1]}", cargo, cargo_reduced)


def network(th: Theatre, scope: str, cut: Cuts) -> Network:
    """The frozen network (every route valid: the build raised otherwise)."""
    routes = tuple(r for r in th.routes if r is not None)
    legs = tuple(leg for leg in th.legs if leg is not None)
    assert len(routes) == len(th.routes) and len(legs) == len(th.legs)
    return Network(
        places=th.places,
        crossings=th.crossings,
        legs=legs,
        exits=th.exits,
        routes=routes,
        enabler_scope=scope,
        cut_legs=cut.legs,
        cut_exits=cut.exits,
        exposed_places=cut.places,
        exposed_legs=cut.road_legs,
    )
