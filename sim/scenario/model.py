"""Validated scenarios: frozen objects with every quantity as the integer the engines use.

The one parameter pipeline: file (``drawdown.scenario.sources``) → defaults and types
(``drawdown.scenario.schema``) → cross-key validation and integer conversion (here) → a frozen
:class:`Scenario`. The engines never see raw tables.

Example
-------
>>> import drawdown
>>> s = drawdown.load("doha-2021-05-01")
>>> s.deadline.isoformat(), s.total_troops, len(s.nations)
('2021-05-01', 9600, 36)
>>> later = s.replace(deadline="2021-09-11")
>>> later.deadline_day - s.deadline_day
133
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..errors import Problem, ScenarioError
from .keypath import format_key, parse_key
from .schema import check
from .sources import find_scenario, read_chain

__all__ = [
    "Scenario",
    "Base",
    "Contingent",
    "Triangular",
    "Decision",
    "Conditions",
    "Threat",
    "Enablers",
    "load",
    "round_half_up",
    "MAX_ATTACK_MEAN",
]

MAX_ATTACK_MEAN = 1_000_000
RULES = ("fixed", "next_meeting", "conditions")


def round_half_up(x) -> int:
    """Round a number to the nearest integer, halves away from zero, exactly.

    >>> round_half_up(Decimal("0.29") * 50), round_half_up(Decimal("2.5"))
    (15, 3)
    """
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Triangular:
    """A triangular distribution of a duration, in days (sampled, then rounded up)."""

    min: float
    mode: float
    max: float

    @property
    def is_fixed(self) -> bool:
        return self.min == self.max


@dataclass(frozen=True)
class Base:
    """A base: where contingents count, and where they fly from if it has an airfield.

    Capacities are integers: passengers per day and tonnes per day, nominal and with
    the enablers gone (``*_reduced``).
    """

    name: str
    airfield: bool
    seats_per_day: int
    cargo_t_per_day: int
    seats_reduced: int
    cargo_reduced: int
    p_closed_day: float
    attack_multiplier: float
    via: int  # index of the base whose airfield this one uses; -1 when none
    road_days: int
    source: str | None = None
    assumption: str | None = None


@dataclass(frozen=True)
class Contingent:
    """One nation's troops at one base (``NATION@BASE``)."""

    id: str
    nation: str
    base: int
    troops: int
    equipment_t: int
    liftable_t: int
    rear_guard: int
    national_delay: Triangular
    prep: Triangular
    depend_on: tuple
    road_days: int  # days of road move before it can fly (its base's, when ``via``)
    flies_from: int  # index of the base whose airfield it uses
    source: str | None = None
    assumption: str | None = None

    @property
    def main_body(self) -> int:
        return self.troops - self.rear_guard


@dataclass(frozen=True)
class Decision:
    """The council's rule, with dates as days from the scenario's start."""

    rule: str
    day: int | None
    meeting_days: tuple
    p_no_consensus: float
    allow_special_meetings: bool
    special_meeting_delay_days: int
    latest_decision_day: int | None
    start_on_day: int  # 0 when the scenario sets none


@dataclass(frozen=True)
class Conditions:
    """The security-conditions index (docs/design.md §1.5)."""

    initial: float
    target: float
    reversion: float
    volatility: float
    threshold: float
    hold_days: int


@dataclass(frozen=True)
class Threat:
    """The adversary's attacks and what they do (docs/design.md §1.6)."""

    attack_rate_before: float
    attack_rate_after: float
    escalation_per_week: float
    violence_coupling: float
    casualties_per_attack: float
    p_airfield_hit: float
    closure_days: int


@dataclass(frozen=True)
class Enablers:
    """Enabler nations and what their departure does (docs/design.md §1.4).

    Per enabler nation, in ``nations`` order: its contingents, its dependents, the
    airfields its dependents fly through (cut when it is gone) and the bases where its
    dependents count (exposed when it is gone).
    """

    capacity_without_enablers: float
    exposure_without_enablers: float
    nations: tuple
    members: tuple
    dependents: tuple
    cut_airfields: tuple
    exposed_bases: tuple


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario, ready for the engines. Build one with :func:`load`."""

    name: str
    file: str
    description: str
    notes: str
    start: _dt.date
    horizon_days: int
    deadline: _dt.date | None
    deadline_day: int | None
    total_troops: int
    enablers_last: bool
    bases: tuple
    contingents: tuple
    decision: Decision
    conditions: Conditions
    threat: Threat
    enablers: Enablers
    priority: tuple  # contingent indices, highest priority first
    hash: str
    warnings: tuple = ()
    provenance: tuple = ()  # (key path, "source"|"assumption", text)
    chain: tuple = ()
    _clean: dict = field(default=None, repr=False)
    _raw: dict = field(default=None, repr=False)
    _origin: dict = field(default=None, repr=False)

    def __repr__(self) -> str:
        deadline = self.deadline.isoformat() if self.deadline else "none"
        return (
            f"<Scenario {self.name!r}: {len(self.contingents)} contingents, {self.total_troops} troops, "
            f"deadline {deadline}, hash {self.hash[:12]}>"
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, Scenario) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    # -- calendar -------------------------------------------------------------------
    def date_of(self, day: int) -> _dt.date:
        """Calendar date of day ``day`` (0 is ``start``)."""
        return self.start + _dt.timedelta(days=int(day))

    def day_of(self, date) -> int:
        """Day number of a date (``date`` or ISO string)."""
        if isinstance(date, str):
            date = _dt.date.fromisoformat(date)
        return (date - self.start).days

    # -- derived facts ------------------------------------------------------------------
    @property
    def nations(self) -> tuple:
        """Nations in order of first appearance."""
        return tuple(dict.fromkeys(c.nation for c in self.contingents))

    @property
    def liftable_t(self) -> int:
        return sum(c.liftable_t for c in self.contingents)

    def to_dict(self) -> dict:
        """The resolved scenario as plain JSON-able data (dates as ISO strings)."""
        data = _jsonable(self._clean)
        bases = data.pop("bases")
        contingents = data.pop("contingents")
        data.pop("contingent_defaults", None)
        out = {"name": self.name, "file": self.file, "hash": self.hash}
        out.update(data)
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        out["total_troops"] = self.total_troops
        out["nations"] = len(self.nations)
        out["priority"] = [self.contingents[i].id for i in self.priority]
        out["bases"] = [{"name": name, **values} for name, values in bases.items()]
        out["contingents"] = [
            {
                "id": c.id,
                "nation": c.nation,
                "base": self.bases[c.base].name,
                "troops": c.troops,
                "equipment_t": c.equipment_t,
                "liftable_t": c.liftable_t,
                "rear_guard": c.rear_guard,
                **{k: v for k, v in contingents[c.id].items() if k not in ("troops", "equipment_t")},
            }
            for c in self.contingents
        ]
        return out

    # -- changes ----------------------------------------------------------------------
    def replace(self, changes: dict | None = None, /, **kwargs) -> "Scenario":
        """A new validated scenario with some values changed.

        Parameters
        ----------
        changes : dict, optional
            Key path to new value (``{"threat.attack_rate_after": 0.5}``).
        **kwargs
            Top-level keys (``deadline="2021-09-11"``); key paths with dots can be
            passed as ``**{"decision.p_no_consensus": 0.9}``.

        Raises
        ------
        ScenarioError
            If the changed scenario is not valid; problems name the key path.

        Examples
        --------
        >>> import drawdown
        >>> s = drawdown.load("doha-2021-05-01").replace(**{"threat.attack_rate_after": 0.5})
        >>> s.threat.attack_rate_after
        0.5
        """
        edits = dict(changes or {})
        edits.update(kwargs)
        raw = copy.deepcopy(self._raw)
        origin = dict(self._origin)
        problems = []
        for path_text, value in edits.items():
            try:
                path = parse_key(path_text)
            except ValueError as exc:
                problems.append(Problem("<replace>", path_text, str(exc)))
                continue
            try:
                _set_path(raw, path, _to_raw(value))
            except (KeyError, IndexError, TypeError) as exc:
                problems.append(Problem("<replace>", path_text, f"cannot set this key: {exc}"))
                continue
            origin[path] = "<replace>"
        if problems:
            raise ScenarioError(problems)
        return _build(raw, origin, self.file, self.name, self.chain)


# -- loading --------------------------------------------------------------------------------


def load(name_or_path) -> Scenario:
    """Load, resolve, validate and freeze a scenario.

    Parameters
    ----------
    name_or_path : str or Path
        A shipped scenario's name (``"doha-2021-05-01"``) or a path to a TOML file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key path.

    Examples
    --------
    >>> import drawdown
    >>> drawdown.load("announced-2021-09-11").decision.rule
    'fixed'
    """
    path = find_scenario(name_or_path)
    merged, origin, chain = read_chain(path)
    return _build(merged, origin, str(path), Path(path).stem, tuple(chain))


def _build(raw: dict, origin: dict, file: str, name: str, chain: tuple) -> Scenario:
    clean, problems = check(raw, origin, file)

    def problem(path, message):
        f = file
        p = tuple(path)
        while p:
            if p in origin:
                f = origin[p]
                break
            p = p[:-1]
        problems.append(Problem(f, format_key(path), message))

    start = clean.get("start")
    horizon = clean.get("horizon_days", 540)
    warnings: list[str] = []
    if start is not None:
        try:
            start + _dt.timedelta(days=horizon - 1)
        except OverflowError:
            problem(("horizon_days",), f"{horizon} days from {start.isoformat()} go past the last date a calendar can hold (9999-12-31); expected an earlier start or a shorter horizon")
            start = None

    def day(path, value, *, within_horizon=False):
        if value is None or start is None:
            return None
        d = (value - start).days
        if d < 0:
            problem(path, f"date {value.isoformat()} is before start ({start.isoformat()}); expected a date on or after it")
            return None
        if within_horizon and d > horizon - 1:
            last = start + _dt.timedelta(days=horizon - 1)
            problem(
                path,
                f"date {value.isoformat()} is after the horizon's last day ({last.isoformat()}, day {horizon - 1}); "
                "expected a date within the horizon, or a longer horizon_days",
            )
            return None
        return d

    deadline_day = day(("deadline",), clean.get("deadline"), within_horizon=True)

    # bases ------------------------------------------------------------------------------
    base_names = list(clean["bases"])
    base_index = {n: i for i, n in enumerate(base_names)}
    contingent_ids = list(clean["contingents"])

    # contingents: ids, bases, integers ---------------------------------------------------
    cont_rows = []
    for cid, c in clean["contingents"].items():
        path = ("contingents", cid)
        if cid.count("@") != 1 or not all(cid.split("@")):
            problem(path, f"contingent id {cid!r} is not NATION@BASE")
            continue
        nation, base = cid.split("@")
        if base not in base_index:
            problem(path, f"contingent at unknown base {base!r}; expected one of: {', '.join(base_names)}")
            continue
        if "troops" not in c:
            continue
        cont_rows.append((cid, nation, base_index[base], c))

    # bases: airfields, via ---------------------------------------------------------------
    served = {i: [] for i in range(len(base_names))}  # airfield index -> contingent rows
    flies_from = {}
    for cid, nation, b, c in cont_rows:
        flies_from[cid] = b
    base_via = {}
    for i, (bname, bv) in enumerate(clean["bases"].items()):
        path = ("bases", bname)
        has_contingents = any(r[2] == i for r in cont_rows)
        via = bv.get("via")
        if bv.get("airfield", True):
            if via is not None:
                problem(path + ("via",), f"a base with an airfield cannot send its contingents via {via!r}; expected no via, or airfield = false")
            for key in ("seats_per_day", "cargo_t_per_day"):
                if bv.get(key) is None and key in bv:
                    problem(path + (key,), "missing; a base with an airfield needs it")
            base_via[i] = -1
        else:
            if via is None:
                if has_contingents:
                    problem(path + ("via",), "a base without an airfield needs a via base to fly its contingents from")
                base_via[i] = -1
            elif via not in base_index:
                problem(path + ("via",), f"unknown base {via!r}; expected one of: {', '.join(base_names)}")
                base_via[i] = -1
            elif not clean["bases"][via].get("airfield", True):
                problem(path + ("via",), f"via base {via!r} has no airfield; expected a base with an airfield (via chains are not allowed)")
                base_via[i] = -1
            else:
                base_via[i] = base_index[via]
    for cid, nation, b, c in cont_rows:
        if base_via.get(b, -1) >= 0:
            flies_from[cid] = base_via[b]
        served[flies_from[cid]].append((cid, c))

    # totals ------------------------------------------------------------------------------
    total = sum(c["troops"] for _, _, _, c in cont_rows)
    if clean.get("total_troops") is not None and not problems and total != clean["total_troops"]:
        problem(("total_troops",), f"the contingents add up to {total} troops, expected total_troops = {clean['total_troops']}")
    nations = list(dict.fromkeys(r[1] for r in cont_rows))
    if clean.get("total_nations") is not None and len(cont_rows) == len(contingent_ids) and len(nations) != clean["total_nations"]:
        problem(("total_nations",), f"the contingents come from {len(nations)} nations, expected total_nations = {clean['total_nations']}")

    # enablers ------------------------------------------------------------------------------
    nation_set = set(nations)
    graph = {n: set() for n in nations}
    for cid, nation, b, c in cont_rows:
        for dep in c.get("depend_on", []):
            if dep not in nation_set:
                problem(("contingents", cid, "depend_on"), f"unknown nation {dep!r}; expected one of the scenario's nations")
            else:
                graph[nation].add(dep)
    cycle = _find_cycle(graph)
    if cycle:
        # name the depend_on list that closes the cycle's first link
        first = next(
            (cid for cid, nation, _, c in cont_rows if nation == cycle[0] and cycle[1] in c.get("depend_on", [])),
            None,
        )
        where = ("contingents", first, "depend_on") if first else ("contingents",)
        problem(where, f"depend_on cycle between nations: {' -> '.join(cycle)}; expected no cycles")
    enabler_nations = [n for n in nations if any(n in graph[m] for m in nations)]

    # decision ---------------------------------------------------------------------------------
    dec = clean["decision"]
    rule = dec.get("rule", "next_meeting")
    if rule not in RULES:
        import difflib

        close = difflib.get_close_matches(rule, RULES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problem(("decision", "rule"), f"unknown rule {rule!r}, expected one of {', '.join(RULES)}{hint}")
    fixed_day = day(("decision", "date"), dec.get("date"), within_horizon=(rule == "fixed"))
    if rule == "fixed" and dec.get("date") is None and not _has_problem(problems, ("decision", "date")):
        problem(("decision", "date"), "missing; the fixed rule needs the date the order is given")
    meeting_days = []
    for i, m in enumerate(dec.get("meetings", [])):
        d = day(("decision", "meetings", i), m)
        if d is not None and d <= horizon - 1:
            meeting_days.append(d)
        elif d is not None:
            warnings.append(f"decision.meetings[{i}] ({m.isoformat()}) is after the horizon and never happens")
    meeting_days = tuple(sorted(set(meeting_days)))
    latest_day = day(("decision", "latest_decision"), dec.get("latest_decision"), within_horizon=True)
    start_on_day = day(("decision", "start_on"), dec.get("start_on"))
    p_nc = dec.get("p_no_consensus", Decimal(0))
    # the checks below would only repeat a problem already reported for these keys
    calendar_ok = start is not None and not any(
        _has_problem(problems, ("decision", k)) for k in ("meetings", "latest_decision", "allow_special_meetings")
    )
    if p_nc == 1 and dec.get("latest_decision") is None and rule != "fixed" and calendar_ok:
        problem(("decision", "p_no_consensus"), "p_no_consensus = 1 means no meeting ever decides; expected a decision.latest_decision date, or p_no_consensus < 1")
    if rule == "next_meeting" and not meeting_days and dec.get("latest_decision") is None and calendar_ok:
        problem(("decision", "meetings"), "no meeting within the horizon and no latest_decision: the order can never be given; expected at least one meeting date")
    if rule == "conditions" and not meeting_days and not dec.get("allow_special_meetings") and dec.get("latest_decision") is None and calendar_ok:
        problem(("decision", "meetings"), "the conditions rule needs meetings, special meetings or a latest_decision to decide at; expected at least one")

    # capacities -----------------------------------------------------------------------------
    enablers_tab = clean["enablers"]
    frac = enablers_tab.get("capacity_without_enablers", Decimal("0.5"))
    enablers_last = clean.get("enablers_last", True)
    bases = []
    for i, (bname, bv) in enumerate(clean["bases"].items()):
        path = ("bases", bname)
        airfield = bv.get("airfield", True)
        seats = bv.get("seats_per_day") or 0
        cargo = round_half_up(bv.get("cargo_t_per_day") or 0)
        users = served.get(i, [])
        if airfield and users:
            if bv.get("seats_per_day") is None:
                if not _has_problem(problems, path + ("seats_per_day",)):
                    problem(path + ("seats_per_day",), "missing; a base with an airfield and contingents to fly needs seats_per_day")
            elif seats == 0:
                n = len(users)
                problem(path + ("seats_per_day",), f"zero seats, but {n} contingent{'s' if n != 1 else ''} fly from here: they could never leave; expected > 0")
            liftable = sum(_liftable(c) for _, c in users)
            if bv.get("cargo_t_per_day") is None:
                if not _has_problem(problems, path + ("cargo_t_per_day",)):
                    problem(path + ("cargo_t_per_day",), "missing; a base with an airfield and contingents to fly needs cargo_t_per_day")
            elif cargo == 0 and liftable > 0:
                problem(path + ("cargo_t_per_day",), f"zero cargo capacity, but {liftable} t of equipment must leave from here; expected > 0")
        seats_red = round_half_up(Decimal(seats) * frac)
        cargo_red = round_half_up(Decimal(cargo) * frac)
        bases.append(
            Base(
                name=bname,
                airfield=airfield,
                seats_per_day=seats if airfield else 0,
                cargo_t_per_day=cargo if airfield else 0,
                seats_reduced=seats_red if airfield else 0,
                cargo_reduced=cargo_red if airfield else 0,
                p_closed_day=float(bv.get("p_closed_day", 0)),
                attack_multiplier=float(bv.get("attack_multiplier", 1)),
                via=base_via.get(i, -1),
                road_days=bv.get("road_days", 0),
                source=bv.get("source"),
                assumption=bv.get("assumption"),
            )
        )

    contingents = []
    for cid, nation, b, c in cont_rows:
        troops = c["troops"]
        equipment = _equipment(c)
        liftable = _liftable(c)
        rg = max(c.get("rear_guard_min", 1), round_half_up(Decimal(troops) * c.get("rear_guard_fraction", Decimal("0.1"))))
        rg = min(max(rg, 1), troops)
        contingents.append(
            Contingent(
                id=cid,
                nation=nation,
                base=b,
                troops=troops,
                equipment_t=equipment,
                liftable_t=liftable,
                rear_guard=rg,
                national_delay=Triangular(*(float(x) for x in c.get("national_delay_days", (0, 0, 0)))),
                prep=Triangular(*(float(x) for x in c.get("prep_days", (0, 0, 0)))),
                depend_on=tuple(c.get("depend_on", ())),
                road_days=bases[b].road_days if bases[b].via >= 0 else 0,
                flies_from=flies_from[cid],
                source=c.get("source"),
                assumption=c.get("assumption"),
            )
        )

    # enabler sets: members, dependents, cut airfields, exposed bases ----------------------
    members, dependents, cut, exposed = [], [], [], []
    for n in enabler_nations:
        members.append(tuple(i for i, c in enumerate(contingents) if c.nation == n))
        deps = tuple(i for i, c in enumerate(contingents) if n in c.depend_on)
        dependents.append(deps)
        cut.append(tuple(sorted({contingents[i].flies_from for i in deps})))
        exposed.append(tuple(sorted({contingents[i].base for i in deps} | {contingents[i].flies_from for i in deps})))
    if not enablers_last and not problems:
        for airfields in cut:
            for a in airfields:
                base = bases[a]
                for key, nominal, reduced in (
                    ("seats_per_day", base.seats_per_day, base.seats_reduced),
                    ("cargo_t_per_day", base.cargo_t_per_day, base.cargo_reduced),
                ):
                    if nominal > 0 and reduced == 0:
                        problem(
                            ("enablers", "capacity_without_enablers"),
                            f"reduces {base.name}'s {key} of {nominal} to 0 once the enablers are gone: its contingents could never leave; expected a larger fraction",
                        )

    # priority ------------------------------------------------------------------------------
    enabler_set = set(enabler_nations)
    prio_spec = clean.get("priority", "troops_ascending")
    if prio_spec == "troops_ascending":
        is_enabler = [c.nation in enabler_set for c in contingents]
        order = sorted(
            range(len(contingents)),
            key=lambda i: ((is_enabler[i] if enablers_last else not is_enabler[i]), contingents[i].troops, i),
        )
    else:
        ids = [c.id for c in contingents]
        missing = [x for x in ids if x not in prio_spec]
        unknown = [x for x in prio_spec if x not in ids]
        dupes = sorted({x for x in prio_spec if prio_spec.count(x) > 1})
        if missing or unknown or dupes:
            bits = []
            if missing:
                bits.append(f"missing {', '.join(missing)}")
            if unknown:
                bits.append(f"unknown {', '.join(unknown)}")
            if dupes:
                bits.append(f"repeated {', '.join(dupes)}")
            problem(("priority",), f"expected every contingent id exactly once; {'; '.join(bits)}")
            order = list(range(len(contingents)))
        else:
            order = [ids.index(x) for x in prio_spec]

    # threat: reachable attack means -----------------------------------------------------------
    thr = clean["threat"]
    cond = clean["conditions"]
    exposure = enablers_tab.get("exposure_without_enablers", Decimal("1.5"))
    if not problems and total > 0:
        rate_max = float(thr["attack_rate_before"])
        rate_key = "attack_rate_before"
        if deadline_day is not None:
            weeks = max(0, (horizon - 1 - deadline_day - 1) // 7)
            after = float(thr["attack_rate_after"]) * (1 + float(thr["escalation_per_week"]) * weeks)
            if after > rate_max:
                rate_max, rate_key = after, "attack_rate_after"
        else:
            v_bound = abs(float(cond["initial"])) + abs(float(cond["target"])) + 8 * float(cond["volatility"]) * math.sqrt(horizon)
            coupled = float(thr["violence_coupling"]) * v_bound
            if coupled > rate_max:
                rate_key = "violence_coupling"
            rate_max = rate_max + coupled
        counted = [0] * len(bases)
        for c in contingents:
            counted[c.base] += c.troops
            if c.flies_from != c.base:
                counted[c.flies_from] += c.troops
        mult = max((b.attack_multiplier * n for b, n in zip(bases, counted)), default=0.0)
        worst = rate_max * mult * max(1.0, float(exposure)) / total
        if not worst <= MAX_ATTACK_MEAN:  # also catches nan
            problem(("threat", rate_key), f"a base's daily attack mean can reach {worst:.3g}; expected at most {MAX_ATTACK_MEAN:g} (lower the attack rates, escalation or attack multipliers)")
        cas = float(thr["casualties_per_attack"]) * (worst + 10 * math.sqrt(worst) + 10)
        if cas > MAX_ATTACK_MEAN:
            problem(("threat", "casualties_per_attack"), f"a day's casualty mean can reach {cas:.3g}; expected at most {MAX_ATTACK_MEAN:g}")

    if problems:
        raise ScenarioError(problems)

    decision = Decision(
        rule=rule,
        day=fixed_day,
        meeting_days=meeting_days,
        p_no_consensus=float(p_nc),
        allow_special_meetings=dec.get("allow_special_meetings", False),
        special_meeting_delay_days=dec.get("special_meeting_delay_days", 14),
        latest_decision_day=latest_day,
        start_on_day=start_on_day or 0,
    )
    conditions = Conditions(
        initial=float(cond["initial"]),
        target=float(cond["target"]),
        reversion=float(cond["reversion"]),
        volatility=float(cond["volatility"]),
        threshold=float(cond["threshold"]),
        hold_days=cond["hold_days"],
    )
    threat = Threat(
        attack_rate_before=float(thr["attack_rate_before"]),
        attack_rate_after=float(thr["attack_rate_after"]),
        escalation_per_week=float(thr["escalation_per_week"]),
        violence_coupling=float(thr["violence_coupling"]),
        casualties_per_attack=float(thr["casualties_per_attack"]),
        p_airfield_hit=float(thr["p_airfield_hit"]),
        closure_days=thr["closure_days"],
    )
    enablers = Enablers(
        capacity_without_enablers=float(frac),
        exposure_without_enablers=float(exposure),
        nations=tuple(enabler_nations),
        members=tuple(members),
        dependents=tuple(dependents),
        cut_airfields=tuple(cut),
        exposed_bases=tuple(exposed),
    )
    return Scenario(
        name=name,
        file=file,
        description=clean.get("description", ""),
        notes=clean.get("notes", ""),
        start=start,
        horizon_days=horizon,
        deadline=clean.get("deadline"),
        deadline_day=deadline_day,
        total_troops=total,
        enablers_last=enablers_last,
        bases=tuple(bases),
        contingents=tuple(contingents),
        decision=decision,
        conditions=conditions,
        threat=threat,
        enablers=enablers,
        priority=tuple(order),
        hash=_content_hash(clean),
        warnings=tuple(warnings),
        provenance=tuple(_provenance(clean)),
        chain=tuple(chain),
        _clean=clean,
        _raw=raw,
        _origin=origin,
    )


# -- helpers ----------------------------------------------------------------------------------


def _equipment(c) -> int:
    if c.get("equipment_t") is not None:
        return round_half_up(c["equipment_t"])
    return round_half_up(Decimal(c["troops"]) * c.get("equipment_t_per_troop", Decimal(0)))


def _liftable(c) -> int:
    if "troops" not in c:
        return 0
    return round_half_up(Decimal(_equipment(c)) * (1 - c.get("handover_fraction", Decimal(0))))


def _has_problem(problems, path) -> bool:
    """Whether a problem was already reported at ``path`` or inside it, or at a table above it."""
    key = format_key(path)
    for p in problems:
        if p.key == key or p.key.startswith(key + ".") or p.key.startswith(key + "["):
            return True
        if p.key and (key.startswith(p.key + ".") or key.startswith(p.key + "[")):
            return True
    return False


def _find_cycle(graph: dict):
    state = {}

    def visit(n, stack):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m] if m in stack else [n, m]
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


PROSE_KEYS = ("description", "notes", "source", "assumption")


def _strip_prose(value):
    if isinstance(value, dict):
        return {k: _strip_prose(v) for k, v in value.items() if k not in PROSE_KEYS}
    return value


def _canonical(value):
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return {"decimal": text}
    if isinstance(value, _dt.date):
        return {"date": value.isoformat()}
    return value


def _content_hash(clean: dict) -> str:
    """sha256 of the model's inputs: every resolved value, in order, without prose."""
    data = _strip_prose(clean)
    data.pop("contingent_defaults", None)
    ordered = {k: v for k, v in data.items() if k not in ("bases", "contingents")}
    payload = {
        "scalars": _canonical(ordered),
        "bases": [[k, _canonical(v)] for k, v in data["bases"].items()],
        "contingents": [[k, _canonical(v)] for k, v in data["contingents"].items()],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) == 3 and all(isinstance(x, Decimal) for x in value):
            lo, mode, hi = value
            return {"min": _num(lo), "mode": _num(mode), "max": _num(hi)}
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _num(d: Decimal):
    return int(d) if d == d.to_integral_value() else float(d)


def _provenance(clean: dict):
    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("source", "assumption") and isinstance(v, str):
                    yield (format_key(path) or "(scenario)", k, v)
                else:
                    yield from walk(v, path + (k,))

    yield from walk({k: v for k, v in clean.items() if k != "contingent_defaults"}, ())
    for k in ("source", "assumption"):
        v = (clean.get("contingent_defaults") or {}).get(k)
        if v:
            yield ("contingent_defaults", k, v)


def _to_raw(value):
    """A Python value as the TOML reader would give it (numbers exact)."""
    if isinstance(value, bool) or value is None:
        return "none" if value is None else value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_raw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_raw(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value
    return value


def _set_path(raw: dict, path: tuple, value) -> None:
    node = raw
    for part in path[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = {}
            node = node[part]
    last = path[-1]
    if isinstance(last, int):
        node[last] = value
    else:
        node[last] = value
