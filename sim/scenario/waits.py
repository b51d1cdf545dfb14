"""The graph of waits of a model v2 scenario, and its cycles (MODEL-V2 §7.14).

A scenario that waits on itself can never finish: a phase that starts when another is
complete, a phase that is complete when its members are out, an enabler's rear guard
that waits for its dependants, a follower that waits for its framework nation
(``leave_with``) and a ceiling that keeps troops in country until a phase starts can
close a loop. This module builds those waits as a graph of *events* and finds the
events that can never happen.

Events (nodes)
--------------
``("start", p)`` / ``("complete", p)``
    Phase ``p`` starts / is complete (docs/network.md, "Ready days").
``("reached", p)``
    The troops counted by phase ``p``'s ceiling are at most its ceiling.
``("ready", i)``, ``("leaders", i)``
    Contingent ``i`` is ready; one of its framework nation's contingents is ready.
``("exit", i)``
    All of contingent ``i``'s troops are out.
``("guard", i)``
    Contingent ``i``'s rear guard is free of every enabler hold on its route.
``("held", i)`` / ``("held", i, q)``
    The hold on enabler contingent ``i``'s rear guard is over: everywhere (scope
    ``theatre``: its dependants are all out) or at place ``q`` (scope ``base``: no
    dependant counts at ``q`` or has it ahead).
``("passed", i, q)``
    Contingent ``i``'s troops have all left place ``q``.

An event waits on *all* of its waits, except ``("leaders", i)`` (any one of them) and
``("reached", p)`` (a count: the troops that cannot leave are at most the ceiling).
An event is *possible* when its waits can be met by possible events (a least fixed
point); the impossible ones wait on a cycle, which the problem names in words.

The waits are the best case for the scenario: where the engines' outcome depends on
who is allocated first (which troops a ceiling keeps in country), the graph assumes
the order that finishes, so only a scenario that can never finish is rejected.

Example
-------
>>> g = Graph()
>>> key = ("phases", "one", "start")
>>> g.add(("start", 0), "all", [Wait(("complete", 0), "'one' starts when 'one' is complete", key)])
>>> g.add(("complete", 0), "all", [Wait(("start", 0), "'one' is complete once it has started", key)])
>>> sorted(g.impossible())
[('complete', 0), ('start', 0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Contingent, Enablers
from .network import Ceiling, Network, Plan
from .problems import Problems

__all__ = ["Wait", "Graph", "wait_graph", "no_wait_cycle"]

#: An event of the graph: a kind and indices (see the module docstring).
Node = tuple


@dataclass(frozen=True)
class Wait:
    """An event waits ``on`` another; ``clause`` says why in words (may be empty), ``path`` the key behind it."""

    on: Node
    clause: str
    path: tuple
    troops: int = 0  # for a count: the troops that stay in country while ``on`` has not happened


@dataclass
class Rule:
    """How an event waits: ``"all"`` of its waits, ``"any"`` of them, or a ``"count"``.

    A count is possible when its ``waits`` (all of them) are met and the ``troops`` of
    its ``counted`` waits that are not met are at most ``limit``.
    """

    kind: str
    waits: list[Wait]
    counted: list[Wait] = field(default_factory=list)
    limit: int = 0


class Graph:
    """Events and how each waits on others."""

    def __init__(self) -> None:
        self.rules: dict[Node, Rule] = {}

    def add(self, node: Node, kind: str, waits: list[Wait], counted: list[Wait] | None = None, limit: int = 0) -> None:
        """Add an event (the first rule given for a node stands)."""
        self.rules.setdefault(node, Rule(kind, waits, counted or [], limit))

    def _met(self, rule: Rule, possible: set[Node]) -> bool:
        if rule.kind == "any":
            return any(w.on in possible for w in rule.waits)
        if not all(w.on in possible for w in rule.waits):
            return False
        return sum(w.troops for w in rule.counted if w.on not in possible) <= rule.limit

    def possible(self) -> set[Node]:
        """The events that can happen: the least fixed point of the rules."""
        done: set[Node] = set()
        changed = True
        while changed:
            changed = False
            for node, rule in self.rules.items():
                if node not in done and self._met(rule, done):
                    done.add(node)
                    changed = True
        return done

    def impossible(self) -> list[Node]:
        """The events that can never happen, in the order they were added."""
        done = self.possible()
        return [n for n in self.rules if n not in done]

    def blocker(self, node: Node, possible: set[Node]) -> Wait:
        """One wait of an impossible event that is impossible too (it exists: the event is not met)."""
        rule = self.rules[node]
        for w in rule.waits:
            if w.on not in possible:
                return w
        return next(w for w in rule.counted if w.on not in possible)

    def cycle(self, node: Node, possible: set[Node]) -> list[tuple[Node, Wait]]:
        """The cycle an impossible event waits on: ``(event, its wait)`` pairs in order."""
        walk: list[tuple[Node, Wait]] = []
        seen: dict[Node, int] = {}
        while node not in seen:
            seen[node] = len(walk)
            wait = self.blocker(node, possible)
            walk.append((node, wait))
            node = wait.on
        return walk[seen[node] :]


# -- the waits of a scenario ------------------------------------------------------------------


class _Scenario:
    """What the waits read, with names for the messages."""

    def __init__(
        self, network: Network, plan: Plan, contingents: Sequence[Contingent], enablers: Enablers, holds: bool
    ) -> None:
        self.network, self.plan, self.contingents = network, plan, contingents
        self.phase_names = [ph.name for ph in plan.phases]
        self.enabler_of = [-1] * len(contingents)
        if holds:
            for n, members in enumerate(enablers.members):
                for i in members:
                    if enablers.dependents[n]:
                        self.enabler_of[i] = n
        self.dependents = enablers.dependents
        self.scope = network.enabler_scope
        self.route_places = [network.routes[i].troop_places(network, c.flies_from) for i, c in enumerate(contingents)]
        self.ceilings = [
            (p, ph.ceiling)
            for p, ph in enumerate(plan.phases)
            if ph.ceiling is not None and ph.ceiling.until_phase >= 0
        ]

    def id(self, i: int) -> str:
        return self.contingents[i].id

    def place(self, q: int) -> str:
        return self.network.places[q]

    def troops(self, members: set[int] | Sequence[int]) -> int:
        return sum(self.contingents[i].troops for i in members)

    def places_of(self, i: int) -> set[int]:
        """Where contingent ``i`` counts or will: its base and every place of its troop route."""
        return {self.contingents[i].base, *self.route_places[i]}


def _ceiling_clause(s: _Scenario, p: int, ceiling: Ceiling) -> str:
    return (
        f"the ceiling of {s.phase_names[p]!r} keeps {ceiling.troops} troops in country "
        f"until {s.phase_names[ceiling.until_phase]!r} starts"
    )


def _ceiling_waits(s: _Scenario, out: set[int], what: str) -> list[Wait]:
    """A release each ceiling that can keep some of ``out`` in country waits for: all of ``out``
    can be out under it only when the others it counts (staying) hold it at its troops."""
    waits = []
    for p, ceiling in s.ceilings:
        counted = set(ceiling.members)
        if out & counted and s.troops(counted - out) < ceiling.troops:
            clause = f"{what}, but {_ceiling_clause(s, p, ceiling)}"
            waits.append(Wait(("start", ceiling.until_phase), clause, ("phases", s.phase_names[p], "ceiling")))
    return waits


def _phase_events(g: Graph, s: _Scenario) -> None:
    for p, ph in enumerate(s.plan.phases):
        name = ph.name
        start: list[Wait] = []
        if ph.start == "phase":
            after = s.phase_names[ph.after_phase]
            start.append(
                Wait(
                    ("complete", ph.after_phase),
                    f"phase {name!r} starts when {after!r} is complete",
                    ("phases", name, "start"),
                )
            )
        g.add(("start", p), "all", start)
        begun = Wait(("start", p), "", ("phases", name, "start"))  # complete at or after its start
        if ph.ceiling is not None:
            clause = f"{name!r} is complete when the troops its ceiling counts are at most {ph.ceiling.troops}"
            g.add(("complete", p), "all", [begun, Wait(("reached", p), clause, ("phases", name, "ceiling"))])
            _reached(g, s, p, ph.ceiling)
            continue
        members = [
            Wait(
                ("exit", i),
                f"{name!r} is complete when its members are all out, so it needs {s.id(i)} to exit",
                ("phases", name, "members"),
            )
            for i in ph.members
        ]
        waits = members + _ceiling_waits(s, set(ph.members), f"{name!r} needs its members all out")
        g.add(("complete", p), "all", [begun, *waits])


def _reached(g: Graph, s: _Scenario, p: int, ceiling: Ceiling) -> None:
    """A ceiling is reached once the troops that cannot leave are at most it; another ceiling may keep more."""
    name = s.phase_names[p]
    counted = set(ceiling.members)
    floors = []
    for q, other in s.ceilings:
        floor = other.troops - s.troops(set(other.members) - counted)
        if q != p and floor > ceiling.troops:
            clause = f"but {_ceiling_clause(s, q, other)}, at least {floor} of those {name!r} counts"
            floors.append(Wait(("start", other.until_phase), clause, ("phases", s.phase_names[q], "ceiling")))
    stay = []
    for i in sorted(counted):
        c = s.contingents[i]
        if s.enabler_of[i] >= 0:
            stay.append(Wait(("ready", i), "", ("phases", name, "ceiling"), c.troops - c.rear_guard))
            stay.append(Wait(("guard", i), "", ("phases", name, "ceiling"), c.rear_guard))
        else:
            stay.append(Wait(("ready", i), "", ("phases", name, "ceiling"), c.troops))
    g.add(("reached", p), "count", floors, counted=stay, limit=ceiling.troops)


def _contingent_events(g: Graph, s: _Scenario) -> None:
    for i, c in enumerate(s.contingents):
        ready: list[Wait] = []
        p = s.plan.phase_of[i]
        if p >= 0:
            ready.append(
                Wait(
                    ("start", p),
                    f"{c.id} is not ready before phase {s.phase_names[p]!r} starts",
                    ("phases", s.phase_names[p], "members"),
                )
            )
        leaders = s.plan.leave_with[i]
        if leaders:
            lead = s.contingents[leaders[0]].nation
            shown = ", ".join(s.id(k) for k in leaders)
            shown = shown if len(leaders) == 1 else f"one of {shown}"
            clause = f"{c.id} leaves with {lead} and is not ready before {shown} is"
            ready.append(Wait(("leaders", i), clause, ("contingents", c.id, "leave_with")))
            g.add(("leaders", i), "any", [Wait(("ready", k), "", ("contingents", c.id, "leave_with")) for k in leaders])
        g.add(("ready", i), "all", ready)
        free = ("guard", i) if s.enabler_of[i] >= 0 else ("ready", i)
        out = [Wait(free, "", ("contingents", c.id)), *_ceiling_waits(s, {i}, f"{c.id} cannot be all out")]
        g.add(("exit", i), "all", out)
        if s.enabler_of[i] >= 0:
            _hold_events(g, s, i)


def _hold_events(g: Graph, s: _Scenario, i: int) -> None:
    """An enabler contingent's rear guard: held (``enablers_last``) until its dependants are out or past."""
    c = s.contingents[i]
    deps = s.dependents[s.enabler_of[i]]
    at = [Wait(("ready", i), "", ("contingents", c.id))]
    if s.scope == "theatre":
        waits = [
            Wait(
                ("exit", d),
                f"which waits for its dependant {s.id(d)} to exit",
                ("contingents", s.id(d), "depend_on"),
            )
            for d in deps
        ]
        waits += _ceiling_waits(s, set(deps), f"{c.id}'s rear guard waits for its dependants all out")
        g.add(("held", i), "all", waits)
        at.append(Wait(("held", i), f"{c.id} needs its rear guard out", ("contingents", c.id)))
    else:
        for q in s.route_places[i]:
            waits = [_passed(g, s, d, q) for d in deps if q in s.places_of(d)]
            g.add(("held", i, q), "all", waits)
            at.append(Wait(("held", i, q), f"{c.id} needs its rear guard to leave {s.place(q)}", ("contingents", c.id)))
    g.add(("guard", i), "all", at)


def _passed(g: Graph, s: _Scenario, d: int, q: int) -> Wait:
    """The wait of an enabler's hold at ``q`` on dependant ``d``: ``d`` has left ``q`` (for its exit: is out)."""
    path = ("contingents", s.id(d), "depend_on")
    places = s.route_places[d]
    if q == places[-1]:
        return Wait(("exit", d), f"which waits at {s.place(q)} for its dependant {s.id(d)} to exit", path)
    clause = f"which waits at {s.place(q)} for its dependant {s.id(d)} to pass it"
    earlier = places[: places.index(q) + 1] if q in places else ()
    waits = [Wait(("ready", d), "", path)]
    if s.enabler_of[d] >= 0:
        waits += [Wait(("held", d, r), "", path) for r in earlier]
    g.add(("passed", d, q), "all", waits)
    return Wait(("passed", d, q), clause, path)


def wait_graph(
    network: Network, plan: Plan, contingents: Sequence[Contingent], enablers: Enablers, enablers_last: bool
) -> Graph:
    """The graph of waits of a valid network scenario (docs/network.md, "Ready days", "Enablers")."""
    return _graph(_Scenario(network, plan, contingents, enablers, enablers_last))


def _graph(s: _Scenario) -> Graph:
    g = Graph()
    _phase_events(g, s)
    _contingent_events(g, s)
    missing = {w.on for rule in g.rules.values() for w in (*rule.waits, *rule.counted)} - set(g.rules)
    assert not missing, f"waits on events never added: {missing}"
    return g


# -- the rule ---------------------------------------------------------------------------------


def _rotated(cycle: list[tuple[Node, Wait]]) -> list[tuple[Node, Wait]]:
    """The cycle from its first phase start (file order), else as found."""
    starts = [k for k, (n, _) in enumerate(cycle) if n[0] == "start"]
    if not starts:
        return cycle
    first = min(starts, key=lambda k: cycle[k][0][1])
    return cycle[first:] + cycle[:first]


def _count_clause(g: Graph, s: _Scenario, node: Node, possible: set[Node]) -> str:
    """Why a ceiling is never reached by its counted troops: those that cannot leave first."""
    rule = g.rules[node]
    stuck: dict[int, int] = {}
    for w in rule.counted:
        if w.on not in possible:
            stuck[w.on[1]] = stuck.get(w.on[1], 0) + w.troops
    shown = ", ".join(f"{s.id(i)} {t}" for i, t in stuck.items())
    return f"but {sum(stuck.values())} of them cannot leave before ({shown})"


def _message(g: Graph, s: _Scenario, cycle: list[tuple[Node, Wait]], possible: set[Node]) -> str:
    clauses = []
    for node, wait in cycle:
        if node[0] == "reached" and not wait.clause:
            clauses.append(_count_clause(g, s, node, possible))
        elif wait.clause:
            clauses.append(wait.clause)
    return (
        f"a cycle of waits, so the scenario can never finish: {', '.join(clauses)}; "
        "expected no phase, enabler hold, leave_with or ceiling that waits (through the others) on itself"
    )


def no_wait_cycle(
    problems: Problems, clean: dict, network: Network, plan: Plan, contingents: Sequence[Contingent], enablers: Enablers
) -> None:
    """Rule: nothing waits on itself across phases, enabler holds, ``leave_with`` and ceilings (§7.14).

    One problem per cycle, at the key of its first link from a phase start (or its first link).
    """
    enablers_last = clean.get("enablers_last", True)
    s = _Scenario(network, plan, contingents, enablers, enablers_last)
    g = _graph(s)
    possible = g.possible()
    reported: set[frozenset] = set()
    blocked = [n for n in g.rules if n not in possible]
    for node in sorted(blocked, key=lambda n: n[0] != "start"):
        cycle = _rotated(g.cycle(node, possible))
        key = frozenset(n for n, _ in cycle)
        if key in reported:
            continue
        reported.add(key)
        problems.add(cycle[0][1].path, _message(g, s, cycle, possible))
