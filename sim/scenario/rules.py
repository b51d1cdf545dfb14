"""Cross-key rules: one function per rule that a checked scenario must keep.

The schema (``drawdown.scenario.schema``) checks each key on its own; the rules here
check keys against each other and reject scenarios that cannot finish. Each rule
reads the values it needs, appends what it finds to a :class:`Problems` and returns
what the build pipeline (``drawdown.scenario.build``) needs from it.

Example
-------
>>> from drawdown.scenario.problems import Problems
>>> from drawdown.scenario.rules import priority_names_every_contingent
>>> found = Problems({}, "s.toml")
>>> priority_names_every_contingent(found, ["US@A", "US@A"], ["US@A", "UK@B"])
False
>>> print(found.items[0].message)
expected every contingent id exactly once; missing UK@B; repeated US@A
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from ..limits import MAX_TOTAL_TONNES, MAX_TOTAL_TROOPS
from .model import Base, Contingent
from .network import Network
from .plan_rules import split_part_plain
from .problems import Problems

__all__ = [
    "MAX_ATTACK_MEAN",
    "DECISION_RULES",
    "Row",
    "horizon_fits_calendar",
    "date_not_before_start",
    "date_within_horizon",
    "contingent_id",
    "known_base",
    "airfield_has_no_via",
    "airfield_has_capacities",
    "via_base",
    "total_troops_match",
    "total_troops_fit_engines",
    "total_tonnes_fit_engines",
    "total_nations_match",
    "known_dependencies",
    "no_dependency_cycle",
    "find_cycle",
    "known_decision_rule",
    "fixed_rule_has_date",
    "certain_no_consensus_has_latest_decision",
    "next_meeting_can_decide",
    "conditions_can_decide",
    "used_airfield_has_seats",
    "used_airfield_has_cargo",
    "capacity_without_enablers_leaves_capacity",
    "priority_names_every_contingent",
    "peak_attack_rate",
    "worst_attack_mean",
    "attack_mean_bounded",
    "worst_site_attack_means",
    "site_attack_mean_bounded",
    "casualty_mean_bounded",
    "attack_cap_above_rates",
    "casualty_split_complete",
]

#: The largest daily attack (and casualty) mean a scenario may reach at a base.
MAX_ATTACK_MEAN = 1_000_000
#: The council's rules (``decision.rule``).
DECISION_RULES = ("fixed", "next_meeting", "conditions")


class Row(NamedTuple):
    """A contingent whose id names a nation and a known base, and which has troops."""

    id: str
    nation: str
    base: int  # index of its base
    table: dict  # its checked table


# -- the calendar ---------------------------------------------------------------------------


def horizon_fits_calendar(problems: Problems, start: _dt.date, horizon: int) -> bool:
    """Rule: the horizon's last day is a date a calendar can hold."""
    try:
        start + _dt.timedelta(days=horizon - 1)
    except OverflowError:
        problems.add(
            ("horizon_days",),
            f"{horizon} days from {start.isoformat()} go past the last date a calendar can hold (9999-12-31); "
            "expected an earlier start or a shorter horizon",
        )
        return False
    return True


def date_not_before_start(problems: Problems, path: tuple, value: _dt.date, start: _dt.date) -> bool:
    """Rule: a date of the scenario is on or after ``start``."""
    if (value - start).days < 0:
        problems.add(
            path, f"date {value.isoformat()} is before start ({start.isoformat()}); expected a date on or after it"
        )
        return False
    return True


def date_within_horizon(problems: Problems, path: tuple, value: _dt.date, start: _dt.date, horizon: int) -> bool:
    """Rule: a date that must happen (``deadline``, ``latest_decision``, a fixed date) is within the horizon."""
    if (value - start).days > horizon - 1:
        last = start + _dt.timedelta(days=horizon - 1)
        problems.add(
            path,
            f"date {value.isoformat()} is after the horizon's last day ({last.isoformat()}, day {horizon - 1}); "
            "expected a date within the horizon, or a longer horizon_days",
        )
        return False
    return True


# -- contingents and bases ------------------------------------------------------------------


def contingent_id(problems: Problems, cid: str) -> tuple[str, str] | None:
    """Rule: a contingent's id is ``NATION@BASE`` or ``NATION@BASE#PART`` (model v2); returns ``(nation, base)``.

    The ``PART`` is a plain name (``drawdown.scenario.plan_rules.split_part_plain``). Returns None after a problem.
    """
    whole, _, part = cid.partition("#")
    if whole.count("@") != 1 or not all(whole.split("@")):
        problems.add(("contingents", cid), f"contingent id {cid!r} is not NATION@BASE")
        return None
    if "#" in cid and not split_part_plain(problems, cid, part):
        return None
    nation, base = whole.split("@")
    return nation, base


def known_base(problems: Problems, cid: str, base: str, base_names: Sequence[str]) -> bool:
    """Rule: a contingent is at one of the scenario's bases."""
    if base not in base_names:
        problems.add(
            ("contingents", cid), f"contingent at unknown base {base!r}; expected one of: {', '.join(base_names)}"
        )
        return False
    return True


def airfield_has_no_via(problems: Problems, path: tuple, via: str | None) -> None:
    """Rule: a base with an airfield flies its own contingents (it has no ``via``)."""
    if via is not None:
        problems.add(
            path + ("via",),
            f"a base with an airfield cannot send its contingents via {via!r}; expected no via, or airfield = false",
        )


def airfield_has_capacities(problems: Problems, path: tuple, table: dict) -> None:
    """Rule: a base with an airfield gives its ``seats_per_day`` and ``cargo_t_per_day``."""
    for key in ("seats_per_day", "cargo_t_per_day"):
        if table.get(key) is None and key in table:
            problems.add(path + (key,), "missing; a base with an airfield needs it")


def via_base(problems: Problems, path: tuple, via: str | None, bases: Mapping[str, dict], used: bool) -> int:
    """Rule: a base without an airfield that has contingents names a ``via`` base with an airfield.

    There are no via chains: the ``via`` base has an airfield of its own.

    Returns
    -------
    int
        The index of the ``via`` base, or -1 when there is none (or it is wrong).
    """
    names = list(bases)
    if via is None:
        if used:
            problems.add(path + ("via",), "a base without an airfield needs a via base to fly its contingents from")
        return -1
    if via not in bases:
        problems.add(path + ("via",), f"unknown base {via!r}; expected one of: {', '.join(names)}")
        return -1
    if not bases[via].get("airfield", True):
        problems.add(
            path + ("via",),
            f"via base {via!r} has no airfield; expected a base with an airfield (via chains are not allowed)",
        )
        return -1
    return names.index(via)


# -- totals and nations ---------------------------------------------------------------------


def total_troops_match(problems: Problems, expected: int | None, total: int) -> None:
    """Rule: the contingents add up to ``total_troops`` (checked only when nothing else is wrong).

    ``expected`` is None where the loaded file does not state the total itself.

    >>> from drawdown.scenario.problems import Problems
    >>> found = Problems({("total_troops",): "mine.toml"}, "mine.toml")
    >>> total_troops_match(found, 9600, 9700)
    >>> print(found.items[0])
    mine.toml: total_troops: the contingents add up to 9700 troops, expected total_troops = 9600; \
set total_troops = 9700, or "auto" to have it computed
    """
    if expected is not None and not problems and total != expected:
        problems.add(
            ("total_troops",),
            f"the contingents add up to {total} troops, expected total_troops = {expected}; "
            f'set total_troops = {total}, or "auto" to have it computed',
        )


def total_troops_fit_engines(problems: Problems, total: int) -> None:
    """Rule: the contingents' troops add up to at most :data:`drawdown.limits.MAX_TOTAL_TROOPS`.

    The engines hold troops in country, and at each base, as ``int32``
    (:data:`drawdown.limits.TROOPS_DTYPE`); no base ever holds more than the whole force,
    so the total bounds them all.

    >>> from drawdown.scenario.problems import Problems
    >>> found = Problems({}, "s.toml")
    >>> total_troops_fit_engines(found, 2_200_000_000)
    >>> print(found.items[0].key, "|", found.items[0].message[:71])
    contingents | total troops across contingents 2200000000 exceeds 2147483647, the most
    """
    if total > MAX_TOTAL_TROOPS:
        problems.add(
            ("contingents",),
            f"total troops across contingents {total} exceeds {MAX_TOTAL_TROOPS}, the most the engines hold "
            "(int32); expected a smaller force",
        )


def total_tonnes_fit_engines(problems: Problems, liftable: int) -> None:
    """Rule: the contingents' liftable tonnes add up to at most :data:`drawdown.limits.MAX_TOTAL_TONNES`.

    Tonnes lifted are ``int64`` (:data:`drawdown.limits.TONNES_DTYPE`) and read as
    float64 fractions of the liftable total, exact up to 2**53.

    >>> from drawdown.scenario.problems import Problems
    >>> found = Problems({}, "s.toml")
    >>> total_tonnes_fit_engines(found, 2**53 + 1)
    >>> print(found.items[0].message[:90])
    total liftable equipment across contingents 9007199254740993 t exceeds 9007199254740992 t,
    """
    if liftable > MAX_TOTAL_TONNES:
        problems.add(
            ("contingents",),
            f"total liftable equipment across contingents {liftable} t exceeds {MAX_TOTAL_TONNES} t, "
            "the most the engines hold exactly (2**53); expected less equipment",
        )


def total_nations_match(problems: Problems, expected: int | None, nations: int, every_contingent: bool) -> None:
    """Rule: the contingents come from ``total_nations`` nations (checked when every contingent is valid)."""
    if expected is not None and every_contingent and nations != expected:
        problems.add(
            ("total_nations",),
            f"the contingents come from {nations} nations, expected total_nations = {expected}; "
            f'set total_nations = {nations}, or "auto" to have it computed',
        )


def known_dependencies(problems: Problems, rows: Sequence[Row], nations: Sequence[str]) -> dict[str, set[str]]:
    """Rule: every nation in a ``depend_on`` list is one of the scenario's nations.

    Returns
    -------
    dict
        Nation to the known nations it depends on, for every nation.
    """
    nation_set = set(nations)
    graph: dict[str, set[str]] = {n: set() for n in nations}
    for row in rows:
        for dep in row.table.get("depend_on", []):
            if dep not in nation_set:
                problems.add(
                    ("contingents", row.id, "depend_on"),
                    f"unknown nation {dep!r}; expected one of the scenario's nations",
                )
            else:
                graph[row.nation].add(dep)
    return graph


def no_dependency_cycle(problems: Problems, graph: Mapping[str, set[str]], rows: Sequence[Row]) -> None:
    """Rule: no nation depends on itself through ``depend_on``.

    The problem names the ``depend_on`` list that closes the cycle's first link.
    """
    cycle = find_cycle(graph)
    if not cycle:
        return
    first = next(
        (r.id for r in rows if r.nation == cycle[0] and cycle[1] in r.table.get("depend_on", [])),
        None,
    )
    where = ("contingents", first, "depend_on") if first else ("contingents",)
    problems.add(where, f"depend_on cycle between nations: {' -> '.join(cycle)}; expected no cycles")


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (node to the nodes it points to) as ``[a, b, ..., a]``, or None.

    >>> find_cycle({"a": {"b"}, "b": {"a"}}), find_cycle({"a": {"b"}, "b": set()})
    (['a', 'b', 'a'], None)
    """
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> list[str] | None:
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m] if m in stack else [n, m]
            if m not in state:
                found = visit(m, stack + [m])
                if found:
                    return found
        state[n] = 2
        return None

    for n in graph:
        if n not in state:
            found = visit(n, [n])
            if found:
                return found
    return None


# -- the council ------------------------------------------------------------------------------


def known_decision_rule(problems: Problems, rule: str) -> None:
    """Rule: ``decision.rule`` is one of :data:`DECISION_RULES` (with a "did you mean")."""
    if rule not in DECISION_RULES:
        close = difflib.get_close_matches(rule, DECISION_RULES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add(("decision", "rule"), f"unknown rule {rule!r}, expected one of {', '.join(DECISION_RULES)}{hint}")


def fixed_rule_has_date(problems: Problems, rule: str, date: _dt.date | None) -> None:
    """Rule: the ``fixed`` rule has a ``decision.date`` (unless that key already has a problem)."""
    if rule == "fixed" and date is None and not problems.at(("decision", "date")):
        problems.add(("decision", "date"), "missing; the fixed rule needs the date the order is given")


def certain_no_consensus_has_latest_decision(problems: Problems, rule: str, decision: dict, calendar_ok: bool) -> None:
    """Rule: ``p_no_consensus = 1`` comes with a ``latest_decision`` (except under the fixed rule)."""
    p_nc = decision.get("p_no_consensus", Decimal(0))
    if p_nc == 1 and decision.get("latest_decision") is None and rule != "fixed" and calendar_ok:
        problems.add(
            ("decision", "p_no_consensus"),
            "p_no_consensus = 1 means no meeting ever decides; "
            "expected a decision.latest_decision date, or p_no_consensus < 1",
        )


def next_meeting_can_decide(
    problems: Problems, rule: str, meeting_days: Sequence[int], decision: dict, calendar_ok: bool
) -> None:
    """Rule: under ``next_meeting`` a meeting within the horizon or a ``latest_decision`` gives the order."""
    if rule == "next_meeting" and not meeting_days and decision.get("latest_decision") is None and calendar_ok:
        problems.add(
            ("decision", "meetings"),
            "no meeting within the horizon and no latest_decision: the order can never be given; "
            "expected at least one meeting date",
        )


def conditions_can_decide(
    problems: Problems, rule: str, meeting_days: Sequence[int], decision: dict, calendar_ok: bool
) -> None:
    """Rule: under ``conditions`` meetings, special meetings or a ``latest_decision`` give the order."""
    if (
        rule == "conditions"
        and not meeting_days
        and not decision.get("allow_special_meetings")
        and decision.get("latest_decision") is None
        and calendar_ok
    ):
        problems.add(
            ("decision", "meetings"),
            "the conditions rule needs meetings, special meetings or a latest_decision to decide at; "
            "expected at least one",
        )


# -- airfield capacities ----------------------------------------------------------------------


def used_airfield_has_seats(problems: Problems, path: tuple, table: dict, seats: int, users: int) -> None:
    """Rule: an airfield that ``users`` contingents fly from has seats (given, and not zero)."""
    if table.get("seats_per_day") is None:
        if not problems.at(path + ("seats_per_day",)):
            problems.add(
                path + ("seats_per_day",),
                "missing; a base with an airfield and contingents to fly needs seats_per_day",
            )
    elif seats == 0:
        problems.add(
            path + ("seats_per_day",),
            f"zero seats, but {users} contingent{'s' if users != 1 else ''} fly from here: "
            "they could never leave; expected > 0",
        )


def used_airfield_has_cargo(problems: Problems, path: tuple, table: dict, cargo: int, liftable: int) -> None:
    """Rule: an airfield that ``liftable`` tonnes must leave from has cargo capacity (given, and not zero)."""
    if table.get("cargo_t_per_day") is None:
        if not problems.at(path + ("cargo_t_per_day",)):
            problems.add(
                path + ("cargo_t_per_day",),
                "missing; a base with an airfield and contingents to fly needs cargo_t_per_day",
            )
    elif cargo == 0 and liftable > 0:
        problems.add(
            path + ("cargo_t_per_day",),
            f"zero cargo capacity, but {liftable} t of equipment must leave from here; expected > 0",
        )


def no_calendar_without_airfield(problems: Problems, path: tuple, table: dict) -> None:
    """Rule: a base without an airfield has no capacity calendar (it has no capacities to change)."""
    if "calendar" in table:
        problems.add(
            path + ("calendar",),
            "a base without an airfield has no seats or cargo capacity for a calendar to change; "
            "expected airfield = true, or no calendar",
        )


def capacity_without_enablers_leaves_capacity(
    problems: Problems, enablers_last: bool, bases: Sequence[Base], cut_airfields: Sequence[Sequence[int]]
) -> None:
    """Rule: with ``enablers_last = false``, a cut airfield keeps some capacity once the enablers are gone.

    Checked only when nothing else is wrong.
    """
    if enablers_last or problems:
        return
    for airfields in cut_airfields:
        for a in airfields:
            base = bases[a]
            for key, nominal, reduced in (
                ("seats_per_day", base.seats_per_day, base.seats_reduced),
                ("cargo_t_per_day", base.cargo_t_per_day, base.cargo_reduced),
            ):
                if nominal > 0 and reduced == 0:
                    problems.add(
                        ("enablers", "capacity_without_enablers"),
                        f"reduces {base.name}'s {key} of {nominal} to 0 once the enablers are gone: "
                        "its contingents could never leave; expected a larger fraction",
                    )


# -- priority ---------------------------------------------------------------------------------


def priority_names_every_contingent(problems: Problems, priority: Sequence[str], ids: Sequence[str]) -> bool:
    """Rule: a ``priority`` list names every contingent id exactly once."""
    missing = [x for x in ids if x not in priority]
    unknown = [x for x in priority if x not in ids]
    dupes = sorted({x for x in priority if priority.count(x) > 1})
    if not (missing or unknown or dupes):
        return True
    bits = []
    if missing:
        bits.append(f"missing {', '.join(missing)}")
    if unknown:
        bits.append(f"unknown {', '.join(unknown)}")
    if dupes:
        bits.append(f"repeated {', '.join(dupes)}")
    problems.add(("priority",), f"expected every contingent id exactly once; {'; '.join(bits)}")
    return False


# -- the threat -------------------------------------------------------------------------------


def peak_attack_rate(
    threat: Mapping[str, Any], conditions: Mapping[str, Any], deadline_day: int | None, horizon: int
) -> tuple[float, str]:
    """The largest attack rate on the whole force within the horizon, and the key that drives it.

    With a deadline: the rate before it, or the escalated rate after it on the horizon's
    last day. Without: the base rate plus the violence coupling at a generous bound of
    the conditions index. Either at most ``attack_rate_max`` when it is given.
    """
    rate_max, rate_key = _uncapped_peak_rate(threat, conditions, deadline_day, horizon)
    cap = threat.get("attack_rate_max")
    if cap is not None and float(cap) < rate_max:
        return float(cap), "attack_rate_max"
    return rate_max, rate_key


def _uncapped_peak_rate(
    threat: Mapping[str, Any], conditions: Mapping[str, Any], deadline_day: int | None, horizon: int
) -> tuple[float, str]:
    """:func:`peak_attack_rate` before the cap."""
    rate_max = float(threat["attack_rate_before"])
    rate_key = "attack_rate_before"
    if deadline_day is not None:
        weeks = max(0, (horizon - 1 - deadline_day - 1) // 7)
        after = float(threat["attack_rate_after"]) * (1 + float(threat["escalation_per_week"]) * weeks)
        if after > rate_max:
            rate_max, rate_key = after, "attack_rate_after"
    else:
        v_bound = (
            abs(float(conditions["initial"]))
            + abs(float(conditions["target"]))
            + 8 * float(conditions["volatility"]) * math.sqrt(horizon)
        )
        coupled = float(threat["violence_coupling"]) * v_bound
        if coupled > rate_max:
            rate_key = "violence_coupling"
        rate_max = rate_max + coupled
    return rate_max, rate_key


def worst_attack_mean(
    rate: float,
    bases: Sequence[Base],
    contingents: Sequence[Contingent],
    exposure: Decimal,
    total: int,
    network: Network | None = None,
) -> float:
    """The largest daily attack mean at a base: its troops (and those flying through it) at the peak rate.

    In a network scenario the troops that can count at a base also include those whose
    troop route passes it (a hub that garrisons consolidate to).
    """
    counted = [0] * len(bases)
    for i, c in enumerate(contingents):
        places = {c.base, c.flies_from}
        if network is not None:
            places |= {q for q in network.routes[i].troop_places(network, c.flies_from) if q < len(bases)}
        for q in places:
            counted[q] += c.troops
    mult = max((b.attack_multiplier * n for b, n in zip(bases, counted, strict=True)), default=0.0)
    return rate * mult * max(1.0, float(exposure)) / total


def worst_site_attack_means(
    rate: float, network: Network, contingents: Sequence[Contingent], exposure: Decimal, total: int
) -> list[tuple[tuple, str, float]]:
    """Per crossing and road leg: the key path of its ``attack_multiplier``, its name and its largest daily mean.

    The troops that can be at a crossing are those whose troop route exits through it;
    on a road leg, those whose troop route takes it; all of them at once at the peak rate
    and the exposure without enablers (MODEL-V2 §7.13: the thinning bound depends on no state).
    """
    at_crossing = [0] * len(network.crossings)
    on_leg = [0] * len(network.legs)
    for route, c in zip(network.routes, contingents, strict=True):
        e = network.exits[route.troop_exit]
        if e.kind == "ground":
            at_crossing[e.index] += c.troops
        for k in route.troop_legs:
            on_leg[k] += c.troops
    factor = rate * max(1.0, float(exposure)) / total
    out = [
        (("crossings", x.name, "attack_multiplier"), f"crossing {x.name!r}", x.attack_multiplier * n * factor)
        for x, n in zip(network.crossings, at_crossing, strict=True)
    ]
    for leg, n in zip(network.legs, on_leg, strict=True):
        if leg.mode == "road":
            out.append(
                (("legs", leg.name, "attack_multiplier"), f"road leg {leg.name!r}", leg.attack_multiplier * n * factor)
            )
    return out


def attack_mean_bounded(problems: Problems, rate_key: str, worst: float) -> None:
    """Rule: a base's reachable daily attack mean is at most :data:`MAX_ATTACK_MEAN`."""
    if not worst <= MAX_ATTACK_MEAN:  # also catches nan
        problems.add(
            ("threat", rate_key),
            f"a base's daily attack mean can reach {worst:.3g}; expected at most {MAX_ATTACK_MEAN:g} "
            "(lower the attack rates, escalation or attack multipliers)",
        )


def site_attack_mean_bounded(problems: Problems, path: tuple, site: str, worst: float) -> None:
    """Rule: a crossing's or road leg's reachable daily attack mean is at most :data:`MAX_ATTACK_MEAN`."""
    if not worst <= MAX_ATTACK_MEAN:  # also catches nan
        problems.add(
            path,
            f"the daily attack mean at {site} can reach {worst:.3g}; expected at most {MAX_ATTACK_MEAN:g} "
            "(lower its attack_multiplier, or the attack rates or escalation)",
        )


def attack_cap_above_rates(problems: Problems, threat: Mapping[str, Any], has_deadline: bool) -> None:
    """Rule: ``attack_rate_max`` caps the escalation, so it is at least the rates it escalates
    from (``attack_rate_before``, and ``attack_rate_after`` where a deadline makes it used)."""
    cap = threat.get("attack_rate_max")
    if cap is None:
        return
    for key in ("attack_rate_before", "attack_rate_after")[: 2 if has_deadline else 1]:
        if key not in threat:  # a bad value, already reported
            continue
        if cap < threat[key]:
            problems.add(
                ("threat", "attack_rate_max"),
                f"the cap {cap} is below {key} = {threat[key]}; expected at least both base rates "
                "(it caps the escalated and the coupled rate, not the base rates)",
            )
            return


def casualty_split_complete(problems: Problems, threat: Mapping[str, Any]) -> bool:
    """Rule: ``killed_per_attack`` and ``wounded_per_attack`` come together, and
    ``casualties_per_attack``, where a file gives it, is their sum. True when the split is usable."""
    given = [k for k in ("killed_per_attack", "wounded_per_attack") if k in threat]
    if not given:
        return False
    if len(given) == 1:
        other = "wounded_per_attack" if given[0] == "killed_per_attack" else "killed_per_attack"
        problems.add(("threat", given[0]), f"expected {other} with it (killed and wounded are given together)")
        return False
    total = threat["killed_per_attack"] + threat["wounded_per_attack"]
    stated = problems.origin.get(("threat", "casualties_per_attack")) is not None
    if stated and "casualties_per_attack" not in threat:  # a bad value, already reported
        return False
    if stated and threat["casualties_per_attack"] != total:
        problems.add(
            ("threat", "casualties_per_attack"),
            f"is {threat['casualties_per_attack']}, but killed_per_attack + wounded_per_attack = {total}; "
            "expected their sum (all casualties per attack), or leave it out",
        )
        return False
    return True


def casualty_mean_bounded(problems: Problems, casualties_per_attack: Decimal, worst: float) -> None:
    """Rule: a day's casualty mean at the worst attack mean (with ten deviations) is at most :data:`MAX_ATTACK_MEAN`."""
    cas = float(casualties_per_attack) * (worst + 10 * math.sqrt(worst) + 10)
    if cas > MAX_ATTACK_MEAN:
        problems.add(
            ("threat", "casualties_per_attack"),
            f"a day's casualty mean can reach {cas:.3g}; expected at most {MAX_ATTACK_MEAN:g}",
        )
