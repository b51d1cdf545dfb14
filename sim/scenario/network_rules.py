"""Cross-key rules of model v2's places, legs, exits and routes (docs/network.md).

One function per rule, as in :mod:`drawdown.scenario.rules`: each reads the values it
needs, appends what it finds to a :class:`Problems` and returns what the network
build (``drawdown.scenario.network_build``) needs from it.

Example
-------
>>> from drawdown.scenario.problems import Problems
>>> found = Problems({}, "s.toml")
>>> known_name(found, ("legs", "A-B", "to"), "place", "Torkam", ["Bagram", "Torkham"])
False
>>> print(found.items[0].message)
unknown place 'Torkam'; did you mean 'Torkham'?
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from .problems import Problems

__all__ = [
    "troop_users",
    "LEG_MODES",
    "ENABLER_SCOPES",
    "close_hint",
    "known_name",
    "crossing_not_a_base",
    "leg_mode_known",
    "leg_does_not_start_at_crossing",
    "leg_joins_two_places",
    "air_leg_between_airfields",
    "air_leg_not_attacked",
    "enabler_scope_known",
    "via_base_has_no_route",
    "route_starts_at_base",
    "route_legs_chain",
    "route_visits_place_once",
    "route_ends_at_exit",
    "base_without_exit_has_route",
    "used_capacity_not_zero",
    "reduced_capacity_not_zero",
]

#: How a leg moves (``legs.NAME.mode``).
LEG_MODES = ("road", "air")
#: What an enabler's hold covers (``enablers.scope``).
ENABLER_SCOPES = ("theatre", "base")


def close_hint(name: str, names: Sequence[str]) -> str:
    """``"; did you mean 'X'?"`` for the closest of ``names``, or the list of them when none is close."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    shown = ", ".join(names) if len(names) <= 12 else ", ".join(list(names)[:12]) + ", ..."
    return f"; expected one of: {shown}" if names else "; there are none"


def known_name(problems: Problems, path: tuple, kind: str, name: str, names: Sequence[str]) -> bool:
    """Rule: a name (a place, a leg, a phase, a nation...) is one the scenario has, with a "did you mean"."""
    if name in names:
        return True
    problems.add(path, f"unknown {kind} {name!r}{close_hint(name, names)}")
    return False


def crossing_not_a_base(problems: Problems, name: str, base_names: Sequence[str]) -> bool:
    """Rule: a crossing's name is not a base's (a place has one name)."""
    if name in base_names:
        problems.add(("crossings", name), f"{name!r} is already a base; expected a crossing name no base has")
        return False
    return True


def leg_mode_known(problems: Problems, path: tuple, mode: str) -> bool:
    """Rule: a leg's ``mode`` is ``"road"`` or ``"air"``."""
    if mode in LEG_MODES:
        return True
    problems.add(path + ("mode",), f"unknown mode {mode!r}{close_hint(mode, LEG_MODES)}")
    return False


def leg_does_not_start_at_crossing(problems: Problems, path: tuple, origin: str, crossings: Sequence[str]) -> bool:
    """Rule: a leg starts at a base: troops at a crossing are leaving the theatre through it."""
    if origin in crossings:
        problems.add(
            path + ("from",),
            f"a leg may not start at a crossing ({origin!r}): troops there leave through it; expected a base",
        )
        return False
    return True


def leg_joins_two_places(problems: Problems, path: tuple, origin: str, destination: str) -> bool:
    """Rule: a leg goes from a place to another place."""
    if origin == destination:
        problems.add(path + ("to",), f"the leg goes from {origin!r} to itself; expected another place")
        return False
    return True


def air_leg_between_airfields(problems: Problems, path: tuple, ends: dict[str, str], airfields: set[str]) -> bool:
    """Rule: an air leg (an intra-theatre flight) takes off and lands at bases with an airfield.

    ``ends`` maps ``"from"`` and ``"to"`` to place names.
    """
    ok = True
    for key, place in ends.items():
        if place not in airfields:
            problems.add(
                path + (key,),
                f"an air leg flies between airfields; {place!r} is not a base with an airfield; "
                'expected one, or mode = "road"',
            )
            ok = False
    return ok


def air_leg_not_attacked(problems: Problems, path: tuple, table: dict) -> None:
    """Rule: an air leg is never attacked: its ``attack_multiplier`` and ``p_hit`` are absent or 0."""
    for key in ("attack_multiplier", "p_hit"):
        if table.get(key, 0) != 0:
            problems.add(
                path + (key,),
                f"an air leg is never attacked; found {key} = {table[key]}, expected it absent or 0",
            )


def enabler_scope_known(problems: Problems, scope: str) -> bool:
    """Rule: ``enablers.scope`` is ``"theatre"`` or ``"base"``."""
    if scope in ENABLER_SCOPES:
        return True
    problems.add(("enablers", "scope"), f"unknown scope {scope!r}{close_hint(scope, ENABLER_SCOPES)}")
    return False


def via_base_has_no_route(problems: Problems, cid: str, base: str, table: dict) -> bool:
    """Rule: a base uses ``via`` or routes, never both: a contingent at a ``via`` base has no route."""
    ok = True
    for key in ("route", "equipment_route"):
        if table.get(key):
            problems.add(
                ("contingents", cid, key),
                f"{base!r} sends its contingents via another base's airfield; a base uses via or routes, never both; "
                f"expected no {key}, or no via at {base!r}",
            )
            ok = False
    return ok


def route_starts_at_base(problems: Problems, path: tuple, leg: str, origin: str, base: str) -> bool:
    """Rule: a route's first leg starts at the contingent's base."""
    if origin != base:
        problems.add(
            path + (0,),
            f"leg {leg!r} starts at {origin!r}; expected the route to start at the contingent's base {base!r}",
        )
        return False
    return True


def route_legs_chain(problems: Problems, path: tuple, i: int, leg: str, origin: str, previous_end: str) -> bool:
    """Rule: each leg of a route starts where the previous one ends."""
    if origin != previous_end:
        problems.add(
            path + (i,),
            f"leg {leg!r} starts at {origin!r}, but the previous leg ends at {previous_end!r}; "
            "expected each leg to start where the previous one ends",
        )
        return False
    return True


def route_visits_place_once(problems: Problems, path: tuple, i: int, place: str, seen: set[str]) -> bool:
    """Rule: a route visits a place at most once."""
    if place in seen:
        problems.add(path + (i,), f"the route comes back to {place!r}; expected a route that visits a place once")
        return False
    return True


def route_ends_at_exit(problems: Problems, path: tuple, place: str, exits: set[str]) -> bool:
    """Rule: a route ends at an exit: a crossing, or a base with an airfield."""
    if place not in exits:
        problems.add(
            path,
            f"the route ends at {place!r}, which is no exit; expected its last leg to end at a crossing "
            "or at a base with an airfield",
        )
        return False
    return True


def base_without_exit_has_route(problems: Problems, cid: str, key: str, base: str) -> None:
    """Rule: a contingent at a base with no airfield and no ``via`` has a route (and an equipment route)."""
    problems.add(
        ("contingents", cid, key),
        f"{base!r} has no airfield and no via base: expected a {key} from it to an exit",
    )


def troop_users(n: int) -> str:
    """How a capacity rule names the users of a way: "the troops of N contingent(s)"."""
    return f"the troops of {n} contingent{'s' if n != 1 else ''}"


def used_capacity_not_zero(problems: Problems, path: tuple, what: str, capacity: int, users: str) -> None:
    """Rule: a leg or exit that some contingent's troops (or tonnes) take has capacity for them."""
    if capacity == 0:
        problems.add(path, f"zero capacity, but {users} must pass here: they could never leave; expected > 0 {what}")


def reduced_capacity_not_zero(problems: Problems, name: str, key: str, nominal: int, reduced: int) -> None:
    """Rule: with ``enablers_last = false``, a cut leg or exit keeps some capacity once the enablers are gone."""
    if nominal > 0 and reduced == 0:
        problems.add(
            ("enablers", "capacity_without_enablers"),
            f"reduces {name}'s {key} of {nominal} to 0 once the enablers are gone: "
            "its users could never leave; expected a larger fraction",
        )
