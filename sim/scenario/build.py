"""The one parameter pipeline: file → defaults → validation → frozen objects.

:func:`load` reads a scenario file and the files it extends (``sources``), :func:`build`
checks the merged table against the schema and fills the defaults (``schema``), applies
the cross-key rules (``rules``) while it turns each part into the integers the engines
use, and freezes the result as a :class:`~drawdown.scenario.model.Scenario`. Every
problem found on the way is reported at once.

Example
-------
>>> import drawdown
>>> s = drawdown.load("doha-2021-05-01")
>>> s.bases[s.contingents[0].flies_from].airfield
True
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from . import calendar_build, equipment_build, network_build, network_rules, plan_build, rules, waits
from .canonical import content_hash, provenance
from .capacity import Period
from .model import (
    Base,
    Conditions,
    Contingent,
    Decision,
    Enablers,
    Scenario,
    Threat,
    Triangular,
    round_half_up,
)
from .names import COMPOSE
from .network import Network, Plan
from .network_build import is_network
from .problems import Problems
from .rules import Row
from .schema import check
from .sources import find_scenario, read_chain, read_composition, split_composition

__all__ = ["load", "build"]


def load(name_or_path: str | Path, *, referrer: tuple[str, str] | None = None) -> Scenario:
    """Load, resolve, validate and freeze a scenario.

    Parameters
    ----------
    name_or_path : str or Path
        A shipped scenario's name (``"doha-2021-05-01"``), a path to a TOML file, or a
        **composition** ``A+B[+C...]`` of names or paths: ``A`` with ``B``, then ``C``,
        laid on it, as a file with ``extends = [A, B, C]`` would be. A composition is
        named by its parts (their file names, joined by ``+``); its ``file`` is the
        parts' resolved paths joined by ``+``, which loads it again, and ends its
        ``chain`` (the files in merge order).
    referrer : (str, str), optional
        The file and key that named this scenario (a sweep spec and ``"base"``): then
        a file that is not a drawdown scenario is refused without echoing its content,
        as a file reached through ``extends`` always is.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key path.

    Examples
    --------
    >>> import drawdown
    >>> drawdown.load("announced-2021-09-11").decision.rule
    'fixed'
    >>> s = drawdown.load("base-force-2021-02+deadline-2021-05-01")
    >>> s.name, s.deadline.isoformat(), s.hash == drawdown.load("doha-2021-05-01").hash
    ('base-force-2021-02+deadline-2021-05-01', '2021-05-01', True)
    """
    parts = split_composition(str(name_or_path))
    if parts is not None:
        paths = [find_scenario(part) for part in parts]
        file = COMPOSE.join(str(p.resolve()) for p in paths)
        name = COMPOSE.join(p.stem for p in paths)
        merged, origin, chain = read_composition(paths, file)
        return build(merged, origin, file, name, (*chain, file))  # the chain ends with the scenario's file
    path = find_scenario(name_or_path)
    merged, origin, chain = read_chain(path, referrer=referrer)
    return build(merged, origin, str(path), Path(path).stem, tuple(chain))


def build(raw: dict, origin: dict, file: str, name: str, chain: tuple, *, own: str | None = None) -> Scenario:
    """Check a merged raw scenario table and freeze it as a :class:`Scenario`.

    ``total_troops`` and ``total_nations`` are checks of the file that states them:
    checked against the contingents only when that file is ``own`` (the file loaded;
    ``"<replace>"`` for the edits of :meth:`Scenario.replace`), never on behalf of a file
    extended. Either may be ``"auto"``. Wherever a file states one, the resolved value
    (and so the content hash) is the computed total; where none does, it stays unset.

    Parameters
    ----------
    raw : dict
        The merged table (``read_chain``), or an edited copy of one.
    origin : dict
        Key-path tuple to the file that set it; problems name that file.
    file, name : str
        The scenario's own file and name.
    chain : tuple of str
        The files read, from the most basic to ``file``.
    own : str, optional
        The layer whose ``total_troops`` / ``total_nations`` are checked (``file``
        when not given).

    Raises
    ------
    ScenarioError
        With every problem found: the schema's first, then the cross-key rules'.
    """
    clean, found = check(raw, origin, file)
    problems = Problems(origin, file, found)
    calendar = _calendar(problems, clean)
    deadline_day = calendar.day(problems, ("deadline",), clean.get("deadline"), within_horizon=True)
    v2 = is_network(clean)
    layout = _layout(problems, clean, v2)
    own = file if own is None else own
    total, enabler_nations = _forces(problems, clean, layout.rows, _own_claims(clean, origin, own))
    decision, warnings = _decision(problems, clean["decision"], calendar)
    enablers_last = clean.get("enablers_last", True)
    th = network_build.theatre(problems, clean, layout.rows, layout.via, calendar) if v2 else None
    bases = _bases(problems, clean, layout.via, _airfield_users(layout, th), calendar)
    contingents = _contingents(problems, clean, layout, bases, calendar)
    enablers = _enablers(clean["enablers"], enabler_nations, contingents)
    network, plan, enablers = _network_and_plan(problems, clean, th, bases, contingents, enablers, calendar)
    priority = _priority(problems, clean.get("priority", "troops_ascending"), contingents, enablers, enablers_last)
    split = _threat_rules(problems, clean["threat"], deadline_day is not None)
    if not problems and total > 0:
        _threat_bounds(problems, clean, calendar.horizon, deadline_day, bases, contingents, total, network)
    if problems:
        raise ScenarioError(problems.items)
    assert calendar.start is not None  # a scenario without a start has a problem
    return Scenario(
        name=name,
        file=file,
        description=clean.get("description", ""),
        notes=clean.get("notes", ""),
        start=calendar.start,
        horizon_days=calendar.horizon,
        deadline=clean.get("deadline"),
        deadline_day=deadline_day,
        total_troops=total,
        enablers_last=enablers_last,
        bases=tuple(bases),
        contingents=tuple(contingents),
        decision=decision,
        conditions=_conditions(clean["conditions"]),
        threat=_threat(clean["threat"], split),
        enablers=enablers,
        priority=tuple(priority),
        hash=content_hash(clean),
        warnings=tuple(warnings),
        provenance=tuple(provenance(clean)),
        chain=tuple(chain),
        network=network,
        plan=equipment_build.pools_in_priority_order(plan, priority),
        _clean=clean,
        _raw=raw,
        _origin=origin,
        _own=own,
        _build=build,
    )


# -- the calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar(network_build.Days):
    """Day 0 and the horizon; ``start`` is None when the scenario has no usable one."""

    def day(
        self, problems: Problems, path: tuple, value: _dt.date | None, *, within_horizon: bool = False
    ) -> int | None:
        """The day number of a date, or None when it has none or breaks a date rule."""
        if value is None or self.start is None:
            return None
        if not rules.date_not_before_start(problems, path, value, self.start):
            return None
        if within_horizon and not rules.date_within_horizon(problems, path, value, self.start, self.horizon):
            return None
        return (value - self.start).days


def _calendar(problems: Problems, clean: dict) -> _Calendar:
    start = clean.get("start")
    horizon = clean.get("horizon_days", 540)
    if start is not None and not rules.horizon_fits_calendar(problems, start, horizon):
        start = None
    return _Calendar(start, horizon)


# -- contingents, bases and where they fly from ---------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """The valid contingents, each base's ``via`` base, and the airfields they fly from."""

    rows: list[Row]
    via: list[int]  # per base: index of its via base, -1 when none
    flies_from: dict[str, int]  # contingent id -> index of the base whose airfield it uses
    served: dict[int, list[dict]]  # base index -> tables of the contingents flying from it


def _layout(problems: Problems, clean: dict, network: bool) -> _Layout:
    """Rows, ``via`` bases and where each contingent flies from (a network scenario's routes are checked apart)."""
    rows = _rows(problems, clean)
    used = {row.base for row in rows} if not network else set()
    via = [
        _via(problems, ("bases", name), table, clean["bases"], i in used)
        for i, (name, table) in enumerate(clean["bases"].items())
    ]
    flies_from = {row.id: via[row.base] if via[row.base] >= 0 else row.base for row in rows}
    served: dict[int, list[dict]] = {i: [] for i in range(len(via))}
    for row in rows:
        served[flies_from[row.id]].append(row.table)
    return _Layout(rows, via, flies_from, served)


def _rows(problems: Problems, clean: dict) -> list[Row]:
    base_names = list(clean["bases"])
    rows = []
    for cid, table in clean["contingents"].items():
        parsed = rules.contingent_id(problems, cid)
        if parsed is None:
            continue
        nation, base = parsed
        if not rules.known_base(problems, cid, base, base_names):
            continue
        if "troops" not in table:
            continue
        rows.append(Row(cid, nation, base_names.index(base), table))
    return rows


def _via(problems: Problems, path: tuple, table: dict, bases: dict, used: bool) -> int:
    via = table.get("via")
    if table.get("airfield", True):
        rules.airfield_has_no_via(problems, path, via)
        rules.airfield_has_capacities(problems, path, table)
        return -1
    return rules.via_base(problems, path, via, bases, used)


def _own_claims(clean: dict, origin: dict, own: str) -> dict[str, int]:
    """The totals (``total_troops``, ``total_nations``) that ``own`` states as numbers: those checked."""
    return {
        key: clean[key]
        for key in ("total_troops", "total_nations")
        if isinstance(clean.get(key), int) and origin.get((key,)) == own
    }


def _forces(problems: Problems, clean: dict, rows: list[Row], claims: dict[str, int]) -> tuple[int, list[str]]:
    """The force's troops and its enabler nations (those some contingent depends on).

    Checks the totals of ``claims`` and puts the computed ones in ``clean`` where a file
    stated a total (a number or ``"auto"``).
    """
    total = sum(row.table["troops"] for row in rows)
    rules.total_troops_fit_engines(problems, total)
    rules.total_tonnes_fit_engines(problems, sum(_liftable(row.table) for row in rows))
    rules.total_troops_match(problems, claims.get("total_troops"), total)
    nations = list(dict.fromkeys(row.nation for row in rows))
    every_contingent = len(rows) == len(clean["contingents"])
    rules.total_nations_match(problems, claims.get("total_nations"), len(nations), every_contingent)
    for key, computed in (("total_troops", total), ("total_nations", len(nations))):
        if clean.get(key) is not None:
            clean[key] = computed
    graph = rules.known_dependencies(problems, rows, nations)
    rules.no_dependency_cycle(problems, graph, rows)
    return total, [n for n in nations if any(n in graph[m] for m in nations)]


@dataclass(frozen=True)
class _Users:
    """Who leaves through an airfield: contingents whose troops do, contingents whose tonnes do, and those tonnes."""

    troops: int
    cargo: int
    liftable_t: int


def _airfield_users(layout: _Layout, th: network_build.Theatre | None) -> dict[int, _Users]:
    """Per base, who leaves through its airfield: v1, those flying from it; model v2, those whose routes end there."""
    if th is None:
        return {
            b: _Users(len(tables), len(tables), sum(_liftable(c) for c in tables))
            for b, tables in layout.served.items()
        }
    seats, cargo = network_build.air_users(th, layout.rows, [_liftable(row.table) for row in layout.rows])
    counts = {b: sum(1 for r in th.routes if r is not None and th.exit_place(r.cargo_exit) == b) for b in cargo}
    return {b: _Users(seats.get(b, 0), counts.get(b, 0), cargo.get(b, 0)) for b in set(seats) | set(cargo)}


def _bases(
    problems: Problems, clean: dict, via: list[int], users: dict[int, _Users], days: network_build.Days
) -> list[Base]:
    """The bases with integer capacities; an airfield with contingents to fly must have some."""
    frac = clean["enablers"].get("capacity_without_enablers", Decimal("0.5"))
    bases = []
    for i, (name, table) in enumerate(clean["bases"].items()):
        path = ("bases", name)
        airfield = table.get("airfield", True)
        seats = (table.get("seats_per_day") or 0) if airfield else 0
        cargo = round_half_up(table.get("cargo_t_per_day") or 0) if airfield else 0
        periods: tuple[Period, ...] = ()
        if airfield:
            periods = calendar_build.periods(
                problems, path, table, _AIRFIELD_KEYS, (seats, cargo), frac, days.start, days.horizon
            )
        else:
            rules.no_calendar_without_airfield(problems, path, table)
        _used_airfield_rules(problems, path, table, (seats, cargo), periods, users.get(i, _Users(0, 0, 0)), days)
        bases.append(
            Base(
                name=name,
                airfield=airfield,
                seats_per_day=seats,
                cargo_t_per_day=cargo,
                seats_reduced=round_half_up(Decimal(seats) * frac),
                cargo_reduced=round_half_up(Decimal(cargo) * frac),
                p_closed_day=float(table.get("p_closed_day", 0)),
                attack_multiplier=float(table.get("attack_multiplier", 1)),
                via=via[i],
                road_days=table.get("road_days", 0),
                source=table.get("source"),
                assumption=table.get("assumption"),
                calendar=periods,
            )
        )
    return bases


_AIRFIELD_KEYS = ("seats_per_day", "cargo_t_per_day")


def _used_airfield_rules(
    problems: Problems,
    path: tuple,
    table: dict,
    capacities: tuple[int, int],
    periods: tuple[Period, ...],
    used: _Users,
    days: network_build.Days,
) -> None:
    """Rules: an airfield that contingents leave through has seats and cargo capacity at the horizon's end."""
    if not table.get("airfield", True):
        return
    end = calendar_build.end_period(periods, days.horizon)
    seats, cargo = capacities if end is None else periods[end].capacities[:2]
    if used.troops and end is None:
        rules.used_airfield_has_seats(problems, path, table, seats, used.troops)
    elif used.troops:
        at = path + ("calendar", end, "seats_per_day")
        calendar_build.open_at_end(problems, at, "seats a day", seats, network_rules.troop_users(used.troops))
    if used.cargo and end is None:
        rules.used_airfield_has_cargo(problems, path, table, cargo, used.liftable_t)
    elif used.cargo and used.liftable_t:
        at = path + ("calendar", end, "cargo_t_per_day")
        calendar_build.open_at_end(problems, at, "tonnes a day", cargo, f"{used.liftable_t} t of equipment")


def _contingents(
    problems: Problems, clean: dict, layout: _Layout, bases: list[Base], calendar: _Calendar
) -> list[Contingent]:
    """The frozen contingents, their equipment's start and disposal checked (model v2)."""
    rates = clean.get("nations", {})

    def day_of(path: tuple, value: object) -> int | None:
        return calendar.day(problems, path, value, within_horizon=True)  # type: ignore[arg-type]

    return [
        _contingent(row, bases, layout.flies_from[row.id], equipment_build.equipment(problems, row, rates, day_of))
        for row in layout.rows
    ]


def _contingent(row: Row, bases: list[Base], flies_from: int, kit: equipment_build.Equipment) -> Contingent:
    c = row.table
    troops = c["troops"]
    share = round_half_up(Decimal(troops) * c.get("rear_guard_fraction", Decimal("0.1")))
    rg = max(c.get("rear_guard_min", 1), share)
    equipment_t, _, liftable_t = equipment_build.tonnes(c)
    return Contingent(
        id=row.id,
        nation=row.nation,
        base=row.base,
        troops=troops,
        equipment_t=equipment_t,
        liftable_t=liftable_t,
        rear_guard=min(max(rg, 1), troops),
        national_delay=Triangular(*(float(x) for x in c.get("national_delay_days", (0, 0, 0)))),
        prep=Triangular(*(float(x) for x in c.get("prep_days", (0, 0, 0)))),
        depend_on=tuple(c.get("depend_on", ())),
        road_days=bases[row.base].road_days if bases[row.base].via >= 0 else 0,
        flies_from=flies_from,
        source=c.get("source"),
        assumption=c.get("assumption"),
        **dataclasses.asdict(kit),
    )


def _liftable(c: dict) -> int:
    return equipment_build.tonnes(c)[2]


# -- model v2: the network and the plan ----------------------------------------------------------


def _network_and_plan(
    problems: Problems,
    clean: dict,
    th: network_build.Theatre | None,
    bases: list[Base],
    contingents: list[Contingent],
    enablers: Enablers,
    calendar: _Calendar,
) -> tuple[Network | None, Plan | None, Enablers]:
    """The frozen network and plan, and the enablers with v2's cuts; None for v1 or after a problem."""
    if th is None:
        enablers_last = clean.get("enablers_last", True)
        rules.capacity_without_enablers_leaves_capacity(problems, enablers_last, bases, enablers.cut_airfields)
        return None, None, enablers
    scope = clean["enablers"].get("scope", "theatre")
    network_rules.enabler_scope_known(problems, scope)
    network_build.check_capacities(problems, th, contingents, calendar.horizon)
    plan = plan_build.plan(
        problems, clean, contingents, [b.name for b in bases], lambda path, d: calendar.day(problems, path, d)
    )
    plan = dataclasses.replace(plan, disposal_pools=equipment_build.disposal_pools(problems, clean, contingents))
    if problems:
        return None, None, enablers
    cut = network_build.cuts(th, contingents, enablers)
    if not clean.get("enablers_last", True):
        network_build.check_reduced_capacities(problems, th, bases, cut)
    network = network_build.network(th, scope, cut)
    waits.no_wait_cycle(problems, clean, network, plan, contingents, enablers)
    B = len(bases)
    enablers = dataclasses.replace(
        enablers,
        cut_airfields=tuple(
            tuple(network.exits[k].index for k in ks if network.exits[k].kind == "air") for ks in cut.exits
        ),
        exposed_bases=tuple(tuple(p for p in ps if p < B) for ps in cut.places),
    )
    return network, plan, enablers


# -- the council ------------------------------------------------------------------------------


def _decision(problems: Problems, dec: dict, calendar: _Calendar) -> tuple[Decision, list[str]]:
    """The council's rule with its dates as days, and warnings of meetings after the horizon."""
    rule = dec.get("rule", "next_meeting")
    rules.known_decision_rule(problems, rule)
    fixed_day = calendar.day(problems, ("decision", "date"), dec.get("date"), within_horizon=(rule == "fixed"))
    rules.fixed_rule_has_date(problems, rule, dec.get("date"))
    meeting_days, warnings = _meetings(problems, dec.get("meetings", []), calendar)
    latest = dec.get("latest_decision")
    latest_day = calendar.day(problems, ("decision", "latest_decision"), latest, within_horizon=True)
    start_on_day = calendar.day(problems, ("decision", "start_on"), dec.get("start_on"))
    # the rules below would only repeat a problem already reported for these keys
    calendar_ok = calendar.start is not None and not any(
        problems.at(("decision", k)) for k in ("meetings", "latest_decision", "allow_special_meetings")
    )
    rules.certain_no_consensus_has_latest_decision(problems, rule, dec, calendar_ok)
    rules.next_meeting_can_decide(problems, rule, meeting_days, dec, calendar_ok)
    rules.conditions_can_decide(problems, rule, meeting_days, dec, calendar_ok)
    decision = Decision(
        rule=rule,
        day=fixed_day,
        meeting_days=meeting_days,
        p_no_consensus=float(dec.get("p_no_consensus", Decimal(0))),
        allow_special_meetings=dec.get("allow_special_meetings", False),
        special_meeting_delay_days=dec.get("special_meeting_delay_days", 14),
        latest_decision_day=latest_day,
        start_on_day=start_on_day or 0,
    )
    return decision, warnings


def _meetings(problems: Problems, meetings: list, calendar: _Calendar) -> tuple[tuple[int, ...], list[str]]:
    """Meeting days within the horizon, sorted and unique, and a warning for each one after it."""
    days, warnings = [], []
    for i, m in enumerate(meetings):
        d = calendar.day(problems, ("decision", "meetings", i), m)
        if d is not None and d <= calendar.horizon - 1:
            days.append(d)
        elif d is not None:
            warnings.append(f"decision.meetings[{i}] ({m.isoformat()}) is after the horizon and never happens")
    return tuple(sorted(set(days))), warnings


# -- enablers and priority ------------------------------------------------------------------------


def _enablers(table: dict, nations: list[str], contingents: list[Contingent]) -> Enablers:
    """Per enabler nation: its contingents, its dependents, the airfields they cut and the bases they expose."""
    members, dependents, cut, exposed = [], [], [], []
    for n in nations:
        members.append(tuple(i for i, c in enumerate(contingents) if c.nation == n))
        deps = tuple(i for i, c in enumerate(contingents) if n in c.depend_on)
        dependents.append(deps)
        cut.append(tuple(sorted({contingents[i].flies_from for i in deps})))
        bases = {contingents[i].base for i in deps} | {contingents[i].flies_from for i in deps}
        exposed.append(tuple(sorted(bases)))
    return Enablers(
        capacity_without_enablers=float(table.get("capacity_without_enablers", Decimal("0.5"))),
        exposure_without_enablers=float(table.get("exposure_without_enablers", Decimal("1.5"))),
        nations=tuple(nations),
        members=tuple(members),
        dependents=tuple(dependents),
        cut_airfields=tuple(cut),
        exposed_bases=tuple(exposed),
    )


def _priority(
    problems: Problems, spec: Any, contingents: list[Contingent], enablers: Enablers, enablers_last: bool
) -> list[int]:
    """Contingent indices in airfield allocation order, highest priority first."""
    if spec == "troops_ascending":
        is_enabler = [c.nation in enablers.nations for c in contingents]
        return sorted(
            range(len(contingents)),
            key=lambda i: ((is_enabler[i] if enablers_last else not is_enabler[i]), contingents[i].troops, i),
        )
    ids = [c.id for c in contingents]
    if not rules.priority_names_every_contingent(problems, spec, ids):
        return list(range(len(contingents)))
    return [ids.index(x) for x in spec]


# -- conditions and threat ------------------------------------------------------------------------


def _threat_rules(problems: Problems, threat: dict, has_deadline: bool) -> bool:
    """The cap's and the casualty split's rules; True where casualties are split."""
    rules.attack_cap_above_rates(problems, threat, has_deadline)
    return rules.casualty_split_complete(problems, threat)


def _threat_bounds(
    problems: Problems,
    clean: dict,
    horizon: int,
    deadline_day: int | None,
    bases: list[Base],
    contingents: list[Contingent],
    total: int,
    network: Network | None = None,
) -> None:
    """The attack-mean rules, at the largest rate the scenario can reach (bases, crossings, road legs)."""
    threat = clean["threat"]
    exposure = clean["enablers"].get("exposure_without_enablers", Decimal("1.5"))
    rate, rate_key = rules.peak_attack_rate(threat, clean["conditions"], deadline_day, horizon)
    worst = rules.worst_attack_mean(rate, bases, contingents, exposure, total, network)
    rules.attack_mean_bounded(problems, rate_key, worst)
    for path, site, mean in (
        rules.worst_site_attack_means(rate, network, contingents, exposure, total) if network else ()
    ):
        rules.site_attack_mean_bounded(problems, path, site, mean)
        worst = max(worst, mean)
    per_attack = threat["casualties_per_attack"]
    if "killed_per_attack" in threat and "wounded_per_attack" in threat:
        per_attack = threat["killed_per_attack"] + threat["wounded_per_attack"]
    rules.casualty_mean_bounded(problems, per_attack, worst)


def _conditions(cond: dict) -> Conditions:
    return Conditions(
        initial=float(cond["initial"]),
        target=float(cond["target"]),
        reversion=float(cond["reversion"]),
        volatility=float(cond["volatility"]),
        threshold=float(cond["threshold"]),
        hold_days=cond["hold_days"],
        tracked=bool(cond.get("tracked", False)),
    )


def _threat(thr: dict, split: bool) -> Threat:
    """The frozen threat; with the casualty ``split``, casualties per attack are killed plus
    wounded and the killed share is ``killed / (killed + wounded)`` (0 when both are 0),
    computed in decimals once, so every engine reads the same float."""
    cap = thr.get("attack_rate_max")
    per_attack = thr["casualties_per_attack"]
    killed = wounded = share = None
    if split:
        killed, wounded = thr["killed_per_attack"], thr["wounded_per_attack"]
        per_attack = killed + wounded
        share = float(killed / per_attack) if per_attack > 0 else 0.0
    return Threat(
        attack_rate_before=float(thr["attack_rate_before"]),
        attack_rate_after=float(thr["attack_rate_after"]),
        escalation_per_week=float(thr["escalation_per_week"]),
        violence_coupling=float(thr["violence_coupling"]),
        casualties_per_attack=float(per_attack),
        p_airfield_hit=float(thr["p_airfield_hit"]),
        closure_days=thr["closure_days"],
        attack_rate_max=None if cap is None else float(cap),
        killed_per_attack=None if killed is None else float(killed),
        wounded_per_attack=None if wounded is None else float(wounded),
        killed_share=share,
    )
