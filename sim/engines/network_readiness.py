"""The staff's plan: phase starts and ready days, worked out as they become known.

A ready day waits for the contingent's phase start, which may wait for another phase
to be complete, and for its framework nation's earliest ready day (docs/network.md,
"Ready days"); :func:`plan_ready_days` works out what can be known on a day.
"""

from __future__ import annotations

import simpy

from . import network_story as story
from .moments import Moment
from .network_plan import NEVER
from .network_theatre import Contingent, NetworkTheatre, PhaseState
from .simpy_engine import Process
from .simpy_frame import wait_until

__all__ = ["plan_ready_days", "planner", "phase", "waiting_for_leaders"]


def _phase_start(theatre: NetworkTheatre, ph: PhaseState) -> int | None:
    """The start day of a phase once it can be known (``NEVER`` when it never comes)."""
    spec, d = ph.spec, theatre.decision_day
    if spec.start == "order":
        day = d + spec.days_after
    elif spec.start == "conditions":
        day = NEVER if theatre.met_day < 0 else max(d, theatre.met_day + spec.days_after)
    elif spec.start == "date":
        day = max(d, spec.start_day + spec.days_after)
    else:
        after = theatre.phases[spec.after_phase]
        if after.complete_day < 0:
            return None
        day = after.complete_day + 1 + spec.days_after
    return day if day < theatre.horizon else NEVER


def _own_ready(theatre: NetworkTheatre, c: Contingent) -> int | None:
    """``max(S + p + r, d + n + p + r, start_on)``, or None while the phase start is unknown."""
    phase = theatre.plan.plan.phase_of[c.index]
    d = theatre.decision_day
    start = d if phase < 0 else theatre.phases[phase].start_day
    if start is None:
        return None
    if start >= NEVER:
        return NEVER
    column = theatre.plan.plan.parent[c.index]
    prep, road = theatre.prep_days[column], c.spec.road_days
    national = theatre.national_delay_days[column]
    day = max(start + prep + road, d + national + prep + road, theatre.s.decision.start_on_day)
    return day if day < theatre.horizon else NEVER


def _with_leaders(theatre: NetworkTheatre, c: Contingent, bound: int) -> int | None:
    """Its ready day, waiting for the earliest ready day of its framework nation's contingents.

    Known when every leader's is, or when a known one is at or before ``bound`` (every
    leader not yet known will be ready after ``bound``)."""
    leaders = theatre.plan.plan.leave_with[c.index]
    own = c.own_ready
    if own is None or not leaders:
        return own
    known = [theatre.contingents[i].ready_day for i in leaders]
    earliest = min((r for r in known if r is not None), default=NEVER)
    if None in known and earliest > bound:
        return None
    return max(own, earliest)


def plan_ready_days(theatre: NetworkTheatre, bound: int) -> None:
    """Work out the phase starts and ready days that can now be known; announce them."""
    for ph in theatre.phases:
        if ph.start_day is None:
            ph.start_day = _phase_start(theatre, ph)
            if ph.start_day is not None:
                ph.known.succeed(ph.start_day)
    for c in theatre.contingents:
        if c.own_ready is None:
            c.own_ready = _own_ready(theatre, c)
    changed = True
    while changed:  # framework nations resolve in dependency order (no cycles: validation)
        changed = False
        for c in theatre.contingents:
            if c.ready_day is None:
                c.ready_day = _with_leaders(theatre, c, bound)
                if c.ready_day is not None:
                    c.planned.succeed(c.ready_day)
                    changed = True


def planner(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The staff: when the order is given, the ready days and phase starts that follow from it."""
    yield theatre.order
    plan_ready_days(theatre, theatre.decision_day + 1)


def phase(env: simpy.Environment, theatre: NetworkTheatre, ph: PhaseState) -> Process:
    """A phase of the plan: tells when it starts (its completion is the day book's)."""
    start = yield ph.known
    if start >= theatre.horizon:
        return
    yield wait_until(env, start, Moment.PHASES)
    spec = ph.spec
    before = theatre.phases[spec.after_phase] if spec.start == "phase" else None
    after = (before.spec.name, before.complete_day) if before is not None else None
    why = story.why_phase_starts(spec, start, theatre.decision_day, after, theatre.date)
    members = ", ".join(theatre.s.contingents[i].id for i in spec.members)
    theatre.log("phase-start", f"phase {spec.name} starts, {why}: {members} may leave", phase=spec.name)


def waiting_for_leaders(theatre: NetworkTheatre) -> bool:
    """Whether a follower's ready day waits only for leaders not yet known: it is certain by the
    day its earliest known leader is ready (the others may never be)."""
    return any(c.ready_day is None and c.own_ready is not None for c in theatre.contingents)
