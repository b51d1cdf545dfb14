"""The day book of a network scenario, at DUSK: troops in country, exits, phases
complete, bases handed over; the days before anything moves are written at once."""

from __future__ import annotations

import simpy

from . import network_story as story
from .moments import Moment
from .network_plan import NEVER
from .network_readiness import plan_ready_days, waiting_for_leaders
from .network_theatre import NetworkTheatre, PhaseState
from .simpy_engine import Process, book_the_waiting_days, record_exits
from .simpy_frame import wait_until

__all__ = ["day_book", "base_closed_days"]


def day_book(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The end of each day: troops in country, exits, enablers gone, phases complete (and
    the phases that follow them planned), bases handed over. The book opens on the first
    ready day or phase start (before that every soldier is in country and nothing moves).

    It shares v1's waiting days, exits and enablers (:mod:`.simpy_engine`) but is its own:
    its first page may come before every ready day is known, the tonnes may outlast the
    troops, and phases complete here."""
    H = theatre.horizon
    dated = theatre.plan.first_dated_kit_day  # equipment may start before the order
    first_page = H - 1 if dated is None else min(dated, H - 1)
    yield env.any_of([theatre.order, wait_until(env, first_page, Moment.PHASES)])
    if theatre.order.triggered:
        yield wait_until(env, theatre.decision_day, Moment.PHASES)
        known = [c.ready_day for c in theatre.contingents if c.ready_day is not None]
        known += [ph.start_day for ph in theatre.phases if ph.start_day is not None]
        at_order = [c for c in theatre.contingents if c.spec.equipment_start == "order"]
        known += [theatre.decision_day + c.spec.road_days for c in at_order]
        first_page = min([d for d in known if d <= H - 1] + [first_page])
        if waiting_for_leaders(theatre):
            # The book skips the dusks before its first page, where a follower would have
            # been resolved for the next day: resolve it now, for the first page (no
            # phase completes before it, so a leader not yet known is ready after it).
            plan_ready_days(theatre, first_page)
    book_the_waiting_days(theatre, first_page)
    if theatre.nation_gone_t is not None:
        theatre.nation_gone_t[:first_page] = 0  # nothing starts before the first page
    for day in range(first_page, H):
        yield wait_until(env, day, Moment.DUSK)
        in_country = theatre.plan.total_troops - theatre.troops_out
        _book_day(theatre, day, in_country)
        if theatre.emptied:
            record_exits(theatre, day)
        _equipment_complete(theatre, day)
        if _complete_phases(theatre, day) or waiting_for_leaders(theatre):
            plan_ready_days(theatre, day + 1)
        if theatre.events is not None:
            _tell_bases_closed(theatre)
        if in_country == 0 and all(c.equipment_day >= 0 for c in theatre.contingents):
            # All out; tonnes may outlast the troops on an equipment route of their own.
            _complete_phases_after_all_out(theatre, day)
            if theatre.events is not None:
                theatre.log("end", f"all troops out: {theatre.attacks} attacks, {theatre.casualties} casualties in all")
            return
    if theatre.events is not None:
        theatre.log(
            "censored",
            f"horizon ends with {theatre.plan.total_troops - theatre.troops_out} troops still in country: censored; "
            f"{theatre.attacks} attacks, {theatre.casualties} casualties so far",
        )


def _equipment_complete(theatre: NetworkTheatre, day: int) -> None:
    """Contingents whose equipment is all gone today: handed over, disposed of and out."""
    for c in theatre.contingents:
        if c.equipment_day < 0 and c.equipment_gone:
            c.equipment_day = day
            if theatre.events is not None and story.kit_told_apart(c.spec):
                theatre.log("equipment-complete", f"{theatre.name(c)}: all its equipment is gone", contingent=c.spec.id)


def _book_day(theatre: NetworkTheatre, day: int, in_country: int) -> None:
    if theatre.troops_in_country is not None and theatre.lifted_by_day is not None:
        theatre.troops_in_country[day] = in_country
        theatre.lifted_by_day[day] = theatre.lifted_t
    if theatre.nation_troops is not None and theatre.nation_out_t is not None:
        plan = theatre.plan
        troops = [0] * len(plan.nation_troops)
        out_t = [0] * len(plan.nation_troops)
        for k, c in zip(plan.nation_of, theatre.contingents, strict=True):
            troops[k] += c.troops_left
            out_t[k] += c.cargo_out_t
        theatre.nation_troops[day] = troops
        theatre.nation_out_t[day] = out_t
        if theatre.nation_gone_t is not None:
            gone = [0] * len(plan.nation_troops)
            for k, c in zip(plan.nation_of, theatre.contingents, strict=True):
                gone[k] += c.gone_t
            theatre.nation_gone_t[day] = gone
    D = theatre.s.deadline_day
    if D is not None and day >= D:
        theatre.troop_days_past_deadline += in_country


def _phase_done(theatre: NetworkTheatre, ph: PhaseState) -> bool:
    """At the end of a day at or after its start: its ceiling is reached, or its members are all out."""
    ceiling = ph.spec.ceiling
    if ceiling is not None:
        return theatre.in_country(ceiling.members) <= ceiling.troops
    return all(theatre.contingents[i].exit_day >= 0 for i in ph.spec.members)


def _complete_phases(theatre: NetworkTheatre, day: int) -> bool:
    """Phases complete today; whether any did."""
    done = False
    for ph in theatre.phases:
        if ph.complete_day < 0 and ph.start_day is not None and ph.start_day <= day and _phase_done(theatre, ph):
            ph.complete_day = day
            done = True
            if theatre.events is not None:
                theatre.log(
                    "phase-complete", f"phase {ph.spec.name} complete: {_why_complete(theatre, ph)}", phase=ph.spec.name
                )
    return done


def _why_complete(theatre: NetworkTheatre, ph: PhaseState) -> str:
    ceiling = ph.spec.ceiling
    if ceiling is None:
        return "its last contingent is out"
    troops = theatre.in_country(ceiling.members)
    who = f"{ceiling.nation} troops" if ceiling.nation is not None else "troops"
    return f"{story.count(troops)} {who} in country, at or below its ceiling of {story.count(ceiling.troops)}"


def _complete_phases_after_all_out(theatre: NetworkTheatre, day: int) -> None:
    """Everyone is out on ``day``: a phase still to start (it has no one left to wait for)
    is complete on its start day, and the phases after it follow."""
    while True:
        waiting = [
            ph for ph in theatre.phases if ph.complete_day < 0 and ph.start_day is not None and ph.start_day < NEVER
        ]
        if not waiting:
            return
        for ph in waiting:
            ph.complete_day = day if ph.start_day is None else max(ph.start_day, day)
        plan_ready_days(theatre, day + 1)


def _tell_bases_closed(theatre: NetworkTheatre) -> None:
    """Tell of the bases that no troops are at or still to pass (v1's asks only who counts
    at a base or flies from it; a route also passes bases on its way)."""
    s = theatre.s
    for b, base in enumerate(s.bases):
        if theatre.base_closed_told[b] or theatre.troops_at[b]:
            continue
        ahead = any(
            c.troops_left
            and (c.at_home and c.spec.base == b or (not c.at_home and b in c.troop_places[c.first_position() :]))
            for c in theatre.contingents
        )
        if not ahead:
            theatre.base_closed_told[b] = True
            theatre.log("base", f"{base.name} handed over: its last troops have left, none are to come", base=base.name)


def base_closed_days(theatre: NetworkTheatre) -> list[int]:
    """Per base: the last day troops were there (at the start of the day or after step 3),
    -1 if troops are there at the end, 0 if nobody ever was (docs/network.md)."""
    out = []
    for b in range(theatre.plan.B):
        if theatre.troops_at[b]:
            out.append(-1)
        else:
            out.append(max(theatre.last_present[b], 0))
    return out
