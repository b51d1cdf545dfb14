"""A Hypothesis strategy for valid model v2 scenarios (docs/network.md), as TOML texts.

:func:`network_scenarios` draws a small theatre over the whole v2 surface: bases with
and without airfields (some sending their contingents ``via`` another base's
airfield), crossings, road and air legs, multi-hop routes to an exit (a crossing or an
airfield), equipment routes apart from troop routes, split contingents
(``NATION@BASE#PART``), groups, phases (members by contingent, nation, base and group;
starts by order, conditions, a date or another phase, with ``days_after``), force and
nation ceilings released by a phase or a date, ``leave_with``, enablers with
``enablers_last`` true or false and the hold's scope, a priority list, and a threat
that attacks bases, crossings and road legs, and capacity calendars on airfields,
crossings and legs (surges and closed periods).

Everything drawn is valid by construction (the loader accepts it): how is said where
it is done. The sizes are small (a few hundred troops, horizons of 60 to 120 days) so
that one SimPy replication is fast.

Constructions that would wait on themselves across phases (MODEL-V2 §7.14) are never
drawn: an enabler's phase is never one that its dependants' phases start after; a
framework nation's phases are never after its followers'; a ceiling is never below the
troops it counts outside its phase, nor on a phase that starts after another; and
only the first ceiling may be released by the phase that starts after it, every other
one by a date or a phase that starts with the order or on a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st
from scenario_text import dumps

__all__ = ["network_scenarios", "START"]

#: Day 0 of every drawn scenario.
START = dt.date(2021, 5, 1)
BASE_NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
CROSSING_NAMES = ["North", "South"]
NATIONS = ["US", "UK", "DE", "IT"]
PROBABILITIES = [Decimal("0"), Decimal("0.05"), Decimal("0.2")]


def day(n: int) -> dt.date:
    """The date of day ``n`` of a drawn scenario."""
    return START + dt.timedelta(days=n)


@dataclass
class Theatre:
    """The places and legs drawn so far; leg ends are place names."""

    airfield: dict[str, bool] = field(default_factory=dict)
    via: dict[str, str] = field(default_factory=dict)
    crossings: list[str] = field(default_factory=list)
    legs: dict[str, dict] = field(default_factory=dict)

    def is_exit(self, place: str) -> bool:
        return place in self.crossings or self.airfield.get(place, False)

    def legs_from(self, place: str) -> list[str]:
        return [name for name, leg in self.legs.items() if leg["from"] == place]


def _capacity(draw, label: str) -> st.SearchStrategy:
    # At least 2 a day: half of it, rounded half up, is never 0 (capacity_without_enablers).
    return draw(st.integers(2, 300), label=label)


def _calendar(draw, label: str, troops_key: str, horizon: int) -> dict:
    """Perhaps a capacity calendar: one or two periods that do not overlap and end before the
    horizon's last day (so a closed period never runs to the end), each giving one or both
    capacities, 0 (closed) or at least 2 (so half of it, rounded, is not 0)."""
    if draw(st.integers(0, 2), label=f"{label} calendar") != 0:  # a calendar on one way in three
        return {}
    count = draw(st.integers(1, 2), label=f"{label} periods")
    ends = sorted(draw(st.lists(st.integers(0, horizon - 2), min_size=2 * count, max_size=2 * count, unique=True)))
    periods = []
    for k in range(count):
        period: dict = {"from": day(ends[2 * k]), "to": day(ends[2 * k + 1])}
        keys = draw(st.sampled_from([[troops_key], ["cargo_t_per_day"], [troops_key, "cargo_t_per_day"]]))
        for key in keys:
            period[key] = draw(st.one_of(st.just(0), st.integers(2, 600)), label=f"{label} {key}")
        periods.append(period)
    order = draw(st.permutations(periods), label=f"{label} period order")  # the file may list them in any order
    return {"calendar": list(order)}


def _threat_keys(draw, leg_or_site: str) -> dict:
    """Attack multiplier, chance of a hit and closure days of a crossing or a road leg."""
    out: dict = {}
    if draw(st.booleans(), label=f"{leg_or_site} threat keys"):
        out["attack_multiplier"] = draw(st.sampled_from([Decimal("0"), Decimal("1.0"), Decimal("2.5")]))
        out["p_hit"] = draw(st.sampled_from(PROBABILITIES))
        out["closure_days"] = draw(st.integers(0, 3))
    return out


def _bases(draw, th: Theatre, horizon: int) -> dict:
    """Bases in index order: ``via`` bases send their troops to an earlier base with an airfield."""
    count = draw(st.sampled_from([1, 2, 3, 4]), label="bases")
    bases: dict[str, dict] = {}
    for name in BASE_NAMES[:count]:
        airfields = [b for b in bases if th.airfield[b]]
        kind = draw(st.sampled_from(["airfield", "road", "via"] if airfields else ["airfield", "road"]), label=name)
        th.airfield[name] = kind == "airfield"
        table: dict = {"airfield": kind == "airfield"}
        if kind == "airfield":
            table["seats_per_day"] = _capacity(draw, f"{name} seats")
            table["cargo_t_per_day"] = _capacity(draw, f"{name} cargo")
            table["p_closed_day"] = draw(st.sampled_from(PROBABILITIES))
            table.update(_calendar(draw, name, "seats_per_day", horizon))
        if kind == "via":
            table["via"] = th.via[name] = draw(st.sampled_from(airfields))
            table["road_days"] = draw(st.integers(0, 3))
        table["attack_multiplier"] = draw(st.sampled_from([Decimal("0.5"), Decimal("1.0"), Decimal("2.0")]))
        bases[name] = table
    return bases


def _crossings(draw, th: Theatre, horizon: int) -> dict:
    # Legs lead to crossings or to earlier bases: the first base, without an airfield,
    # needs a crossing to drive to.
    least = 0 if th.airfield[next(iter(th.airfield))] else 1
    count = draw(st.integers(least, len(CROSSING_NAMES)), label="crossings")
    out = {}
    for name in CROSSING_NAMES[:count]:
        th.crossings.append(name)
        out[name] = {
            "troops_per_day": _capacity(draw, f"{name} troops"),
            "cargo_t_per_day": _capacity(draw, f"{name} cargo"),
            "p_closed_day": draw(st.sampled_from(PROBABILITIES)),
            **_threat_keys(draw, name),
            **_calendar(draw, name, "troops_per_day", horizon),
        }
    return out


def _leg(draw, th: Theatre, origin: str, destination: str, horizon: int) -> dict:
    air = th.airfield[origin] and th.airfield.get(destination, False) and draw(st.booleans(), label="air")
    leg: dict = {
        "from": origin,
        "to": destination,
        "mode": "air" if air else "road",
        "transit_days": draw(st.integers(1, 4), label="transit"),
        "troops_per_day": _capacity(draw, "leg troops"),
        "cargo_t_per_day": _capacity(draw, "leg cargo"),
    }
    if not air:
        leg.update(_threat_keys(draw, f"{origin}-{destination}"))
    elif draw(st.booleans(), label="air closure days"):
        leg["closure_days"] = draw(st.integers(0, 3))
    leg.update(_calendar(draw, f"{origin}-{destination}", "troops_per_day", horizon))
    return leg


def _legs(draw, th: Theatre, horizon: int) -> dict:
    """Legs from each routed base to a crossing or to an earlier routed base: no cycles, and
    every walk along them ends at an exit (a base with no airfield gets at least one leg,
    and base 0 without an airfield leads only to crossings)."""
    routed = [b for b in th.airfield if b not in th.via]
    for i, origin in enumerate(routed):
        targets = th.crossings + routed[:i]
        if not targets:
            continue
        least = 0 if th.airfield[origin] else 1
        chosen = draw(st.lists(st.sampled_from(targets), min_size=least, max_size=2, unique=True), label="legs")
        hubs = [b for b in routed[:i] if th.airfield[b] and b not in chosen]
        if th.airfield[origin] and hubs and draw(st.booleans(), label=f"{origin} air leg"):
            # An airfield to an earlier airfield: a flight inside the theatre.
            chosen.append(draw(st.sampled_from(hubs), label=f"{origin} air leg to"))
        for destination in chosen:
            th.legs[f"{origin}-{destination}"] = _leg(draw, th, origin, destination, horizon)
    return th.legs


def _route(draw, th: Theatre, base: str, label: str) -> list[str]:
    """A walk along the legs from ``base`` that ends at an exit (``[]``: its own airfield)."""
    route: list[str] = []
    place = base
    while True:
        ahead = th.legs_from(place) if place not in th.crossings else []
        if th.is_exit(place) and (not ahead or draw(st.booleans(), label=f"{label} stops at {place}")):
            return route
        name = draw(st.sampled_from(ahead), label=f"{label} from {place}")
        route.append(name)
        place = th.legs[name]["to"]


def _duration(draw, label: str):
    """Days: a whole number, or a triangular ``{min, mode, max}``."""
    if draw(st.booleans(), label=f"{label} fixed"):
        return draw(st.integers(0, 6), label=label)
    low = draw(st.integers(0, 4), label=f"{label} min")
    mode = low + draw(st.integers(0, 4), label=f"{label} mode")
    return {"min": low, "mode": mode, "max": mode + draw(st.integers(1, 6), label=f"{label} max")}


@dataclass
class Force:
    """The contingents drawn: their ids and tables, in file order."""

    tables: dict[str, dict] = field(default_factory=dict)

    def nation(self, cid: str) -> str:
        return cid.split("@", 1)[0]

    def base(self, cid: str) -> str:
        return cid.split("@", 1)[1].split("#", 1)[0]

    def nations(self) -> list[str]:
        return list(dict.fromkeys(self.nation(c) for c in self.tables))


def _contingent(draw, th: Theatre, base: str, label: str) -> dict:
    table: dict = {
        "troops": draw(st.integers(5, 400), label=f"{label} troops"),
        "equipment_t": draw(st.integers(0, 300), label=f"{label} tonnes"),
        "rear_guard_fraction": draw(st.sampled_from([Decimal("0"), Decimal("0.1"), Decimal("0.3")])),
        "prep_days": _duration(draw, f"{label} prep"),
    }
    if draw(st.booleans(), label=f"{label} handover"):
        table["handover_fraction"] = Decimal("0.25")
    if draw(st.booleans(), label=f"{label} national delay"):
        table["national_delay_days"] = _duration(draw, f"{label} delay")
    _equipment(draw, table, label)
    if base in th.via:
        return table
    route = _route(draw, th, base, f"{label} route")
    if route or not th.airfield[base] or draw(st.booleans(), label=f"{label} writes route = []"):
        table["route"] = route
    if draw(st.booleans(), label=f"{label} equipment route"):
        table["equipment_route"] = _route(draw, th, base, f"{label} equipment route")
    return table


def _equipment(draw, table: dict, label: str) -> None:
    """Equipment keys (MODEL-V2 §3), each one time in three: its start, disposal in place
    (its own rate, or none: its nation's pool, :func:`_pools`)."""
    start = draw(st.sampled_from([None, None, None, "ready", "order", "date"]), label=f"{label} equipment start")
    if start == "date":
        table["equipment_start"] = day(draw(st.integers(0, 50), label=f"{label} equipment date"))
    elif start is not None:
        table["equipment_start"] = start
    if draw(st.integers(0, 2), label=f"{label} disposal") == 0:
        table["disposal_share"] = draw(st.sampled_from([Decimal("0.5"), Decimal("0.75")]), label=f"{label} share")
        if draw(st.booleans(), label=f"{label} own disposal rate"):
            table["disposal_t_per_day"] = draw(st.integers(1, 60), label=f"{label} disposal rate")


def _pools(draw, force: Force) -> dict:
    """A ``[nations."X"]`` rate for every nation with a contingent disposing at no rate of its
    own; that nation's own rates go (a contingent has one rate or the other)."""
    pools = {}
    for nation in force.nations():
        mine = [t for cid, t in force.tables.items() if force.nation(cid) == nation]
        if any("disposal_share" in t and "disposal_t_per_day" not in t for t in mine):
            for t in mine:
                t.pop("disposal_t_per_day", None)
            pools[nation] = {"disposal_t_per_day": draw(st.integers(1, 80), label=f"{nation} pool rate")}
    return pools


def _force(draw, th: Theatre) -> Force:
    force = Force()
    # Hypothesis favours the first choice: many contingents make phases that wait on each other.
    count = draw(st.sampled_from([4, 2, 6, 3, 5, 1]), label="contingents")
    bases = list(th.airfield)
    for _ in range(count):
        nation = draw(st.sampled_from(NATIONS), label="nation")
        base = draw(st.sampled_from(bases), label="base")
        cid = f"{nation}@{base}"
        if cid in force.tables:
            # A second contingent of the same nation at the same base is a part of it.
            cid = f"{cid}#part{sum(1 for c in force.tables if c.startswith(cid + '#')) + 1}"
        elif draw(st.booleans(), label="split"):
            force.tables[f"{cid}#rear"] = _contingent(draw, th, base, f"{cid}#rear")
        force.tables[cid] = _contingent(draw, th, base, cid)
    return force


def _enablers(draw, force: Force) -> list[str]:
    """Enabler nations (depending on nobody) and their dependants' ``depend_on``."""
    nations = force.nations()
    enablers = draw(
        st.lists(st.sampled_from(nations), max_size=min(2, len(nations) - 1), unique=True), label="enablers"
    )
    for cid, table in force.tables.items():
        if enablers and force.nation(cid) not in enablers and draw(st.booleans(), label=f"{cid} depends"):
            table["depend_on"] = draw(
                st.lists(st.sampled_from(enablers), min_size=1, unique=True), label=f"{cid} depend_on"
            )
    return enablers


@dataclass
class Phasing:
    """Which phase each contingent is in (-1: none), and each phase's start."""

    phase_of: dict[str, int]
    starts: list[str | dt.date]
    names: list[str]
    kept: list[int] = field(default_factory=list)

    def after(self, p: int) -> set[int]:
        """The phases that start (directly or not) after phase ``p`` is complete."""
        out: set[int] = set()
        for q, start in enumerate(self.starts):
            if (
                isinstance(start, str)
                and start in self.names
                and (self.names.index(start) == p or self.names.index(start) in out)
            ):
                out.add(q)
        return out


def _starts(draw, count: int, horizon: int) -> list[str | dt.date]:
    starts: list[str | dt.date] = []
    for p in range(count):
        choices = (["phase"] if p else []) + ["order", "conditions", "date"]
        kind = draw(st.sampled_from(choices), label=f"phase {p} start")
        if kind == "date":
            starts.append(day(draw(st.integers(0, horizon // 2), label=f"phase {p} date")))
        elif kind == "phase":
            # An earlier phase (file order): the starts chain without cycles.
            starts.append(f"p{draw(st.integers(0, p - 1), label=f'phase {p} after'):d}")
        else:
            starts.append(kind)
    return starts


def _waiter_on_self(force: Force, phasing: Phasing, leads: dict[str, str]) -> str | None:
    """A contingent in a phase that waits for a phase starting after its own, or None."""
    for cid, table in force.tables.items():
        mine = phasing.phase_of[cid]
        if mine < 0:
            continue
        waits_for = set(table.get("depend_on", []))
        for other, p in phasing.phase_of.items():
            if p < 0 or p == mine:
                continue
            # An enabler of cid in phase p (its hold waits for cid), or cid's framework nation in p.
            if force.nation(other) in waits_for and mine in phasing.after(p):
                return cid
            if leads.get(cid) == force.nation(other) and p in phasing.after(mine):
                return cid
    return None


def _no_wait_on_self(force: Force, phasing: Phasing, leads: dict[str, str]) -> bool:
    """Whether no contingent waits for a phase that starts after its own waiter's phase."""
    return _waiter_on_self(force, phasing, leads) is None


def _phasing(draw, force: Force, horizon: int, leads: dict[str, str]) -> Phasing:
    count = draw(st.sampled_from([2, 3, 1, 0]), label="phases")
    names = [f"p{p}" for p in range(count)]
    starts = _starts(draw, count, horizon)
    in_phase = st.sampled_from([*range(count), -1])
    phase_of = {cid: draw(in_phase, label=f"{cid} phase") for cid in force.tables}
    phasing = Phasing(phase_of, starts, names)
    # Take the waiters out of the phases until nobody waits on a phase after its own.
    while (waiter := _waiter_on_self(force, phasing, leads)) is not None:
        phasing.phase_of[waiter] = -1
    return phasing


def _member_names(draw, force: Force, phasing: Phasing, p: int, groups: dict) -> list[str]:
    """Names meaning exactly the contingents of phase ``p``: ids, nations, bases, groups."""
    mine = [c for c, q in phasing.phase_of.items() if q == p]
    left = list(mine)
    names: list[str] = []
    whole = {
        **{n: [c for c in force.tables if force.nation(c) == n] for n in force.nations()},
        **{
            b: [c for c in force.tables if force.base(c) == b]
            for b in dict.fromkeys(force.base(c) for c in force.tables)
        },
    }
    for name, cids in whole.items():
        if cids and set(cids) <= set(left) and draw(st.booleans(), label=f"member {name}"):
            names.append(name)
            left = [c for c in left if c not in cids]
    names += left
    if len(names) > 1 and draw(st.booleans(), label=f"group for p{p}"):
        group = f"g{p}"
        groups[group] = names[1:]
        names = [names[0], group]
    return names


def _ceiling(draw, force: Force, phasing: Phasing, p: int, first: bool, horizon: int) -> dict:
    """A ceiling the phase can reach: at least the troops it counts outside the phase."""
    members = [c for c, q in phasing.phase_of.items() if q == p]
    nations = list(dict.fromkeys(force.nation(c) for c in members))
    nation = draw(st.none() | st.sampled_from(nations), label=f"p{p} ceiling nation")
    counted = [c for c in force.tables if nation is None or force.nation(c) == nation]
    outside = sum(force.tables[c]["troops"] for c in counted if c not in members)
    inside = sum(force.tables[c]["troops"] for c in counted if c in members)
    out: dict = {"ceiling": outside + draw(st.integers(0, inside), label=f"p{p} ceiling")}
    if nation is not None:
        out["ceiling_nation"] = nation
    release_by_phase = [q for q in phasing.kept if phasing.starts[q] == f"p{p}"]
    # Phases that start whatever happens (the order, or a date): a release that waits for nobody.
    unconditional = [
        q for q in phasing.kept if q != p and (phasing.starts[q] == "order" or isinstance(phasing.starts[q], dt.date))
    ]
    how = ["date"] + (["next phase"] if first and release_by_phase else []) + (["phase"] if unconditional else [])
    release = draw(st.sampled_from(how), label=f"p{p} release")
    if release == "next phase":
        if draw(st.booleans(), label=f"p{p} until written"):
            out["until"] = f"p{release_by_phase[0]}"
    elif release == "phase":
        out["until"] = f"p{draw(st.sampled_from(unconditional), label=f'p{p} until phase')}"
    else:
        out["until"] = day(draw(st.integers(1, horizon - 1), label=f"p{p} until date"))
    return out


def _fill_phases(force: Force, phasing: Phasing, leads: dict[str, str]) -> list[int]:
    """Give each empty phase the first contingent in no phase, or drop it; the phases kept.

    A phase starting after a dropped one takes the dropped one's start instead."""
    kept = []
    for p in range(len(phasing.names)):
        if not any(q == p for q in phasing.phase_of.values()):
            free = [c for c, q in phasing.phase_of.items() if q < 0]
            if free:
                phasing.phase_of[free[0]] = p
                if not _no_wait_on_self(force, phasing, leads):
                    phasing.phase_of[free[0]] = -1
        if any(q == p for q in phasing.phase_of.values()):
            kept.append(p)
            continue
        for q in range(p + 1, len(phasing.starts)):
            if phasing.starts[q] == phasing.names[p]:
                phasing.starts[q] = phasing.starts[p]
    return kept


def _phases(draw, force: Force, phasing: Phasing, leads: dict[str, str], horizon: int) -> tuple[dict, dict]:
    phases: dict[str, dict] = {}
    groups: dict[str, list[str]] = {}
    phasing.kept = _fill_phases(force, phasing, leads)
    for p in phasing.kept:
        name = phasing.names[p]
        table: dict = {"members": _member_names(draw, force, phasing, p, groups), "start": phasing.starts[p]}
        if draw(st.booleans(), label=f"{name} days_after"):
            table["days_after"] = draw(st.integers(0, 5))
        # A ceiling is active from day 0: on a phase that starts after another, it could
        # hold the other phase's members in country for ever (a wait on itself).
        if phasing.starts[p] not in phasing.names and draw(st.booleans(), label=f"{name} ceiling"):
            table.update(_ceiling(draw, force, phasing, p, not any("ceiling" in t for t in phases.values()), horizon))
        phases[name] = table
    return phases, groups


def _threat(draw) -> dict:
    threat = {
        "attack_rate_before": draw(st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("3")]), label="rate"),
        "attack_rate_after": draw(st.sampled_from([Decimal("0"), Decimal("2")]), label="rate after"),
        "casualties_per_attack": draw(st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("2")])),
        "p_airfield_hit": draw(st.sampled_from(PROBABILITIES), label="p_airfield_hit"),
        "closure_days": draw(st.integers(0, 3), label="closure_days"),
    }
    if draw(st.booleans(), label="rate cap"):  # MODEL-V2 §4: escalation up to a cap
        threat["escalation_per_week"] = Decimal("1")
        top = max(threat["attack_rate_before"], threat["attack_rate_after"])
        threat["attack_rate_max"] = top + draw(st.sampled_from([Decimal("0"), Decimal("1.5")]), label="cap above")
    if draw(st.booleans(), label="killed and wounded"):
        killed = draw(st.sampled_from([Decimal("0"), Decimal("0.25"), Decimal("1")]), label="killed per attack")
        wounded = draw(st.sampled_from([Decimal("0"), Decimal("0.75")]), label="wounded per attack")
        threat.update(killed_per_attack=killed, wounded_per_attack=wounded, casualties_per_attack=killed + wounded)
    return threat


def _decision(draw) -> dict:
    """The order: fixed on a day, or at the next consensual meeting (maybe never given)."""
    if draw(st.booleans(), label="fixed order"):
        decision: dict = {"rule": "fixed", "date": day(draw(st.integers(0, 10), label="order day"))}
    else:
        meetings = draw(st.lists(st.integers(0, 20), min_size=1, max_size=3, unique=True), label="meetings")
        decision = {
            "rule": "next_meeting",
            "meetings": [day(m) for m in sorted(meetings)],
            "p_no_consensus": draw(st.sampled_from([Decimal("0"), Decimal("0.5")]), label="p_no_consensus"),
        }
        if draw(st.booleans(), label="latest decision"):
            decision["latest_decision"] = day(draw(st.integers(0, 30), label="latest"))
    if draw(st.booleans(), label="start_on"):
        decision["start_on"] = day(draw(st.integers(0, 15), label="start_on day"))
    return decision


def _leads(draw, force: Force) -> dict[str, str]:
    """``leave_with``: one framework nation (no cycles), followed by some others' contingents."""
    nations = force.nations()
    if len(nations) < 2 or not draw(st.booleans(), label="framework nation"):
        return {}
    lead = draw(st.sampled_from(nations), label="lead")
    return {
        cid: lead
        for cid in force.tables
        if force.nation(cid) != lead and draw(st.booleans(), label=f"{cid} leaves with {lead}")
    }


@st.composite
def network_scenarios(draw) -> str:
    """A valid v2 scenario as a TOML text (docs/network.md): see the module's docstring."""
    horizon = draw(st.integers(60, 120), label="horizon")
    th = Theatre()
    bases = _bases(draw, th, horizon)
    crossings = _crossings(draw, th, horizon)
    legs = _legs(draw, th, horizon)
    force = _force(draw, th)
    pools = _pools(draw, force)
    _enablers(draw, force)
    leads = _leads(draw, force)
    for cid, lead in leads.items():
        force.tables[cid]["leave_with"] = lead
    phasing = _phasing(draw, force, horizon, leads)
    phases, groups = _phases(draw, force, phasing, leads, horizon)
    doc: dict = {
        "description": "drawn by tests/network_strategies.py",
        "start": START,
        "horizon_days": horizon,
        "enablers_last": draw(st.booleans(), label="enablers_last"),
        "decision": _decision(draw),
        "conditions": {
            "initial": Decimal("1.0"),
            "target": Decimal("0.3"),
            "reversion": Decimal("0.1"),
            "volatility": Decimal("0.05"),
            "threshold": Decimal("0.6"),
            "hold_days": 3,
        },
        "threat": _threat(draw),
        "enablers": {
            "scope": draw(st.sampled_from(["theatre", "base"]), label="scope"),
            "capacity_without_enablers": draw(st.sampled_from([Decimal("0.5"), Decimal("1")])),
            "exposure_without_enablers": draw(st.sampled_from([Decimal("1"), Decimal("1.5")])),
        },
        "bases": bases,
        "contingents": force.tables,
    }
    if draw(st.booleans(), label="deadline"):
        doc["deadline"] = day(draw(st.integers(0, horizon - 1), label="deadline day"))
    if crossings:
        doc["crossings"] = crossings
    if legs:
        doc["legs"] = legs
    if groups:
        doc["groups"] = groups
    if phases:
        doc["phases"] = phases
    if pools:
        doc["nations"] = pools
    if draw(st.booleans(), label="priority list"):
        doc["priority"] = draw(st.permutations(list(force.tables)), label="priority")
    return dumps(doc)
