"""The plan of a model v2 scenario: its phases, ceilings, framework nations and draw columns.

Part of the one parameter pipeline (``drawdown.scenario.build``): from the checked
``[groups]``, ``[phases.NAME]`` and contingents' ``leave_with``, with the rules of
``drawdown.scenario.plan_rules``, to the frozen :class:`~drawdown.scenario.network.Plan`
of docs/network.md.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import plan_rules as pr
from .model import Contingent
from .network import Ceiling, Phase, Plan
from .network_rules import known_name
from .problems import Problems
from .rules import find_cycle

__all__ = ["parent_key", "draw_columns", "Members", "plan"]

#: A date's day number, or None after reporting why it has none: ``(path, date) -> day``.
DayOf = Callable[[tuple, _dt.date], "int | None"]


def parent_key(cid: str) -> str:
    """The ``NATION@BASE`` of a contingent id (a split's parent).

    >>> parent_key("US@Bagram#rear"), parent_key("US@Bagram")
    ('US@Bagram', 'US@Bagram')
    """
    return cid.split("#", 1)[0]


def draw_columns(ids: Sequence[str]) -> tuple[tuple[int, ...], int]:
    """Per contingent its draw column (first-appearance index of its ``NATION@BASE``), and their number.

    >>> draw_columns(["US@A", "UK@A", "US@A#rear"])
    ((0, 1, 0), 2)
    """
    first: dict[str, int] = {}
    parent = tuple(first.setdefault(parent_key(cid), len(first)) for cid in ids)
    return parent, len(first)


@dataclass
class Members:
    """Every name a member list may use and the contingent indices it means."""

    meaning: dict[str, tuple[int, ...]]
    groups: dict[str, list[str]]

    @classmethod
    def of(
        cls, problems: Problems, groups: dict, contingents: Sequence[Contingent], base_names: Sequence[str]
    ) -> Members:
        """The names: contingent ids, ``NATION@BASE`` of split parts, bases, nations, then groups."""
        meaning: dict[str, tuple[int, ...]] = {}
        what: dict[str, str] = {}
        for i, c in enumerate(contingents):
            meaning[c.id] = (i,)
            what[c.id] = "a contingent id"
        for i, c in enumerate(contingents):
            key = parent_key(c.id)
            if key != c.id and key not in what:
                meaning[key] = meaning.get(key, ()) + (i,)
        for b, name in enumerate(base_names):
            meaning.setdefault(name, tuple(i for i, c in enumerate(contingents) if c.base == b))
            what.setdefault(name, "a base")
        for n in dict.fromkeys(c.nation for c in contingents):
            if n in what:
                continue  # a base of that name wins; the group rule keeps groups apart
            meaning[n] = tuple(i for i, c in enumerate(contingents) if c.nation == n)
            what[n] = "a nation"
        kept = {name: list(v) for name, v in groups.items() if pr.group_name_free(problems, name, what)}
        return cls(meaning, kept)

    def names(self) -> list[str]:
        """Every name a member may be."""
        return [*self.meaning, *self.groups]

    def resolve(self, problems: Problems, path: tuple, names: Sequence[str]) -> set[int] | None:
        """The contingent indices of a member list; None after a problem."""
        out: set[int] = set()
        ok = True
        for i, name in enumerate(names):
            if name in self.groups:
                got = self.resolve(problems, ("groups", name), self.groups[name])
                ok = ok and got is not None
                out |= got or set()
            elif pr.member_known(problems, path + (i,), name, self.names()):
                out |= set(self.meaning[name])
            else:
                ok = False
        return out if ok else None

    def group_cycle(self) -> list[str] | None:
        """A cycle of groups containing each other, or None."""
        graph = {g: {m for m in members if m in self.groups} for g, members in self.groups.items()}
        return find_cycle(graph)


def plan(
    problems: Problems,
    clean: dict,
    contingents: Sequence[Contingent],
    base_names: Sequence[str],
    day_of: DayOf,
) -> Plan:
    """The plan of a network scenario, its rules checked (the wait cycles are checked apart)."""
    members = Members.of(problems, clean.get("groups", {}), contingents, base_names)
    cycle = members.group_cycle()
    if cycle:
        pr.no_group_cycle(problems, cycle)
        members.groups = {}
    tables = clean.get("phases", {})
    names = list(tables)
    phase_of = [-1] * len(contingents)
    phases = []
    for p, (name, table) in enumerate(tables.items()):
        got = _members(problems, members, name, table, contingents, phase_of, p, names)
        phases.append(_phase(problems, p, name, table, names, tables, got, contingents, day_of))
    parent, parents = draw_columns([c.id for c in contingents])
    return Plan(
        phases=tuple(phases),
        phase_of=tuple(phase_of),
        leave_with=leave_with(problems, clean, contingents),
        parent=parent,
        parents=parents,
    )


def _members(
    problems: Problems,
    members: Members,
    name: str,
    table: dict,
    contingents: Sequence[Contingent],
    phase_of: list[int],
    p: int,
    names: Sequence[str],
) -> tuple[int, ...]:
    """A phase's contingent indices (each put in ``phase_of``); a contingent already in a phase is a problem."""
    listed = table.get("members", [])
    if "members" not in table or not pr.phase_has_members(problems, name, listed):
        return ()
    got = members.resolve(problems, ("phases", name, "members"), listed)
    if got is None:
        return ()
    if not got:
        pr.phase_has_members(problems, name, [])
    for i in sorted(got):
        if phase_of[i] >= 0:
            pr.contingent_in_one_phase(problems, name, contingents[i].id, names[phase_of[i]])
        else:
            phase_of[i] = p
    return tuple(sorted(got))


def _phase(
    problems: Problems,
    p: int,
    name: str,
    table: dict,
    names: Sequence[str],
    tables: dict,
    members: tuple[int, ...],
    contingents: Sequence[Contingent],
    day_of: DayOf,
) -> Phase:
    start = table.get("start", "order")
    after, start_day, kind = -1, None, "order"
    if isinstance(start, _dt.date):
        kind, start_day = "date", day_of(("phases", name, "start"), start)
    elif start == name:
        pr.phase_not_after_itself(problems, name)
    elif pr.phase_start_known(problems, name, start, names):
        kind = start if start in ("order", "conditions") else "phase"
        after = names.index(start) if kind == "phase" else -1
    return Phase(
        name=name,
        members=members,
        start=kind,
        after_phase=after,
        start_day=start_day,
        days_after=table.get("days_after", 0),
        ceiling=_ceiling(problems, p, name, table, names, tables, members, contingents, day_of),
    )


def _ceiling(
    problems: Problems,
    p: int,
    name: str,
    table: dict,
    names: Sequence[str],
    tables: dict,
    members: tuple[int, ...],
    contingents: Sequence[Contingent],
    day_of: DayOf,
) -> Ceiling | None:
    pr.ceiling_keys_need_ceiling(problems, name, table)
    if "ceiling" not in table:
        return None
    nation = table.get("ceiling_nation")
    nations = list(dict.fromkeys(c.nation for c in contingents))
    counted = tuple(range(len(contingents)))
    if nation is not None:
        if not known_name(problems, ("phases", name, "ceiling_nation"), "nation", nation, nations):
            return None
        counted = tuple(i for i, c in enumerate(contingents) if c.nation == nation)
        if members and not any(contingents[i].nation == nation for i in members):
            pr.ceiling_counts_members(problems, name, nation)
    until_phase, until_day = _release(problems, name, table, names, tables, day_of)
    return Ceiling(table["ceiling"], nation, counted, until_phase, until_day)


def _release(
    problems: Problems, name: str, table: dict, names: Sequence[str], tables: dict, day_of: DayOf
) -> tuple[int, int | None]:
    """The ceiling's release: ``(phase index, None)`` or ``(-1, day)``; ``(-1, None)`` after a problem."""
    until = table.get("until")
    path = ("phases", name, "until")
    if isinstance(until, _dt.date):
        return -1, day_of(path, until)
    if until is None:
        later = [q for q, t in enumerate(tables.values()) if t.get("start") == name]
        if not later:
            pr.ceiling_has_release(problems, name)
            return -1, None
        return later[0], None
    if until == name:
        pr.until_not_own_phase(problems, name)
        return -1, None
    if not known_name(problems, path, "phase", until, [n for n in names if n != name]):
        return -1, None
    return names.index(until), None


def leave_with(problems: Problems, clean: dict, contingents: Sequence[Contingent]) -> tuple[tuple[int, ...], ...]:
    """Per contingent, the lead nation's contingents at its base (or all of them where none is there)."""
    nations = list(dict.fromkeys(c.nation for c in contingents))
    graph: dict[str, set[str]] = {n: set() for n in nations}
    out: list[tuple[int, ...]] = []
    for c in contingents:
        lead = clean["contingents"][c.id].get("leave_with")
        path = ("contingents", c.id, "leave_with")
        if (
            lead is None
            or not known_name(problems, path, "nation", lead, nations)
            or not pr.leave_with_other_nation(problems, c.id, c.nation, lead)
        ):
            out.append(())
            continue
        graph[c.nation].add(lead)
        theirs = [i for i, d in enumerate(contingents) if d.nation == lead]
        here = [i for i in theirs if contingents[i].base == c.base]
        out.append(tuple(here or theirs))
    cycle = find_cycle(graph)
    if cycle:
        first = next(
            c.id
            for c in contingents
            if c.nation == cycle[0] and clean["contingents"][c.id].get("leave_with") == cycle[1]
        )
        pr.no_leave_with_cycle(problems, cycle, first)
    return tuple(out)
