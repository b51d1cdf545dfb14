"""The SimPy reference engine of model v2: routes, exits, phases and framework nations.

Read this module with docs/network.md (the contract) beside it. As in the v1 engine
(:mod:`.simpy_engine`, whose council and conditions processes are used here unchanged),
each replication is a SimPy environment whose clock counts tenths of a day, and the
actors act at the moments of :class:`drawdown.engines.Moment`:

======= ========================================================================
moment  what happens
======= ========================================================================
DAWN    the conditions index is read (v1's ``conditions``)
COUNCIL the council may give the order (v1's ``council``); ready days and phase
        starts that become known are planned (:func:`.network_readiness.planner`)
PHASES  convoys arrive at the end of their leg (:func:`.network_movement.convoy`),
        then contingents whose ready day it is become ready (:func:`contingent`);
        a phase starts (:func:`.network_readiness.phase`, told only)
THREAT  attacks on the troops at each base, waiting at each crossing and on each
        road leg; hits shut airfields, crossings and legs
        (:func:`.network_threat.adversary`)
AIRLIFT the movement control hands out each leg's and each exit's capacity: the
        cargo pass, then the seat pass (:func:`.network_movement.movement_control`)
DUSK    the day is recorded; contingents exit; phases complete
        (:func:`.network_book.day_book`)
======= ========================================================================

One concept a module: what every replication shares (:mod:`.network_plan`), the state of
one replication (:mod:`.network_theatre`) and its ways (:mod:`.network_ways`), the plan
of phase starts and ready days (:mod:`.network_readiness`), the adversary
(:mod:`.network_threat`), movement control (:mod:`.network_movement`), the day book
(:mod:`.network_book`) and the story's words (:mod:`.network_story`). This module has the
contingents' process and runs replications in the frame both SimPy engines share
(:mod:`.simpy_frame`).

A v1 scenario runs here as the network it implies (:func:`drawdown.scenario.as_network`:
no legs, no crossings, no phases) and gives exactly the v1 engine's outcomes.
Decisions where the contract is silent are in docs/decisions-reference.md.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from ..draws import BLOCK_SIZE, BlockInputs, DaySlabs
from ..scenario import as_network
from . import network_story as story
from .moments import Moment
from .network_book import base_closed_days, day_book
from .network_movement import movement_control
from .network_plan import NetworkPlan
from .network_readiness import phase, planner
from .network_theatre import Contingent, NetworkTheatre
from .network_threat import adversary
from .outcomes import TONNES, Outcomes
from .simpy_engine import Process, conditions, council, deadline
from .simpy_frame import MoreOutcomes, at, run_replications, simulate, trace_events

__all__ = [
    "run_network_simpy",
    "simulate_network_replication",
    "trace_network_replication",
    "as_network_scenario",
    "NetworkTheatre",
    "NetworkPlan",
]

#: Contingents become ready at PHASES, after the day's convoys have arrived (docs/network.md, step 3).
AFTER_ARRIVALS = 0.5


# -- the actors ----------------------------------------------------------------------------


def contingent(env: simpy.Environment, theatre: NetworkTheatre, c: Contingent) -> Process:
    """A national contingent: waits for its ready day (the order, its phase, its national
    decision, its preparation, its framework nation), then becomes ready: a ``via``
    contingent moves to the base it flies from, and from then on movement control moves it."""
    ready = yield c.planned
    if ready >= theatre.horizon:
        if theatre.events is not None:
            theatre.log("phase", f"{theatre.name(c)}: never ready within the horizon", contingent=c.spec.id)
        return
    yield env.timeout(at(ready, Moment.PHASES) + AFTER_ARRIVALS - env.now)
    c.is_ready = True
    if c.at_home:
        home, start = c.spec.base, c.troop_places[0]
        theatre.troops_at[home] -= c.troops_left
        theatre.troops_at[start] += c.troops_left
        theatre.last_present[home] = ready
        c.at_home = False
        if theatre.events is not None:
            theatre.log(
                "move",
                f"{theatre.name(c)}: moved by road to {theatre.plan.network.places[start]} "
                f"({story.days(c.spec.road_days)})",
                contingent=c.spec.id,
            )
    bisect.insort(theatre.active, c, key=lambda x: x.index)
    if theatre.events is not None:
        _tell_ready(theatre, c, ready)
    if not theatre.someone_ready.triggered:
        theatre.someone_ready.succeed(ready)


def equipment(env: simpy.Environment, theatre: NetworkTheatre, c: Contingent) -> Process:
    """A contingent's equipment (MODEL-V2 §3): from its start (its troops' ready day, the
    order, or a date, after a ``via`` contingent's road move) what is handed over is gone
    at once, what is disposed of in place goes at its rate, and movement control moves the
    rest along its equipment route."""
    spec = c.spec
    if spec.equipment_start == "ready":
        start = yield c.planned
    elif spec.equipment_start == "order":
        yield theatre.order
        start = theatre.decision_day + spec.road_days
    else:
        start = spec.equipment_start_day + spec.road_days
    if start >= theatre.horizon:
        return
    yield env.timeout(at(start, Moment.PHASES) + AFTER_ARRIVALS - env.now)
    c.kit_ready = True
    if c.under_control and c not in theatre.active:
        bisect.insort(theatre.active, c, key=lambda x: x.index)
    if theatre.events is not None and story.kit_told_apart(spec):
        theatre.log(
            "equipment",
            f"{theatre.name(c)}: equipment retrograde starts: {story.count(spec.handover_t)} t handed over, "
            f"{story.count(spec.disposal_t)} t to dispose of in place, {story.count(spec.liftable_t)} t to move",
            contingent=spec.id,
        )
    if not theatre.someone_ready.triggered:
        theatre.someone_ready.succeed(start)


def _tell_ready(theatre: NetworkTheatre, c: Contingent, ready: int) -> None:
    plan, spec = theatre.plan.plan, c.spec
    column, p = plan.parent[c.index], plan.phase_of[c.index]
    waited = c.own_ready is not None and ready > c.own_ready  # for its framework nation
    how = story.why_ready(
        theatre.date(theatre.decision_day),
        theatre.national_delay_days[column],
        theatre.prep_days[column],
        spec.road_days,
        theatre.phases[p].spec.name if p >= 0 else None,
        theatre.s.contingents[plan.leave_with[c.index][0]].nation if waited else None,
    )
    theatre.log(
        "ready",
        f"{theatre.name(c)} ready at {theatre.plan.network.places[c.troop_places[0]]} ({how}): "
        f"main body of {story.count(spec.main_body)}, rear guard of {story.count(spec.rear_guard)}, "
        f"{story.count(spec.liftable_t)} t of equipment to move",
        contingent=spec.id,
        ready_day=ready,
    )


# -- running replications -------------------------------------------------------------------


def simulate_network_replication(
    scenario: Any,
    inputs: BlockInputs,
    row: int,
    slabs: DaySlabs,
    *,
    trace: bool = False,
    record_daily: bool = False,
    plan: NetworkPlan | None = None,
    record_nations: bool = False,
) -> NetworkTheatre:
    """Run one replication (row ``row`` of a block) and return its final state."""
    plan = plan if plan is not None else NetworkPlan(scenario)
    return simulate(
        NetworkTheatre,
        start_actors,
        plan,
        inputs,
        row,
        slabs,
        trace=trace,
        record_daily=record_daily,
        record_nations=record_nations,
    )


def start_actors(env: simpy.Environment, theatre: NetworkTheatre) -> simpy.Process:
    """Start the processes of a replication; return its day book."""
    if theatre.events is not None:
        env.process(conditions(env, theatre))
        for ph in theatre.phases:
            env.process(phase(env, theatre, ph))
    env.process(council(env, theatre))
    env.process(planner(env, theatre))
    for c in theatre.contingents:
        env.process(contingent(env, theatre, c))
        env.process(equipment(env, theatre, c))
    env.process(adversary(env, theatre))
    env.process(movement_control(env, theatre))
    if theatre.s.deadline_day is not None:
        env.process(deadline(env, theatre))
    return env.process(day_book(env, theatre))


def trace_network_replication(scenario: Any, seed: int, replication: int) -> list[dict]:
    """The events of one replication, as :func:`run_network_simpy` would run it.

    Each event is a dict with ``day``, ``date`` (ISO), ``kind`` and ``text``, plus details
    of its kind (as :func:`drawdown.engines.simpy_engine.trace_replication`).
    """
    return trace_events(NetworkTheatre, start_actors, NetworkPlan(scenario), seed, replication)


def run_network_simpy(
    scenario: Any,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    record_daily: bool = False,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[int], Any] | None = None,
    record_nations: bool = False,
) -> Outcomes:
    """Run ``reps`` replications of a network scenario (or a v1 one, as the network it
    implies) with the SimPy reference engine; parameters as
    :func:`drawdown.engines.simpy_engine.run_simpy`.

    Returns
    -------
    Outcomes
        With ``phase_complete_day``, ``carried_troops``, ``carried_t`` and
        ``days_at_capacity`` (legs, then exits) and the recorded ``base_closed_day``.

    Examples
    --------
    >>> import drawdown
    >>> out = run_network_simpy(drawdown.load("doha-2021-05-01"), reps=2, seed=7)
    >>> out.exit_day.shape, out.carried_troops.shape, out.phase_complete_day.shape
    ((2, 40), (2, 5), (2, 0))
    """
    plan = NetworkPlan(scenario)
    return run_replications(
        NetworkTheatre,
        start_actors,
        plan,
        reps,
        seed,
        first_block=first_block,
        record_daily=record_daily,
        block_size=block_size,
        progress=progress,
        record_nations=record_nations,
        more=MoreOutcomes(plan.network_outcome_arrays, keep_network_outcomes),
    )


def keep_network_outcomes(got: dict[str, np.ndarray], r: int, th: NetworkTheatre) -> None:
    """One replication's network outcomes, into row ``r``."""
    got["base_closed_day"][r] = base_closed_days(th)
    got["phase_complete_day"][r] = [ph.complete_day for ph in th.phases]
    got["carried_troops"][r] = [w.carried_troops for w in th.ways]
    got["carried_t"][r] = [w.carried_t for w in th.ways]
    got["days_at_capacity"][r] = [w.days_at_capacity for w in th.ways]
    got["equipment_complete_day"][r] = [c.equipment_day for c in th.contingents]
    if th.nation_gone_t is not None:
        if "nation_gone_t" not in got:
            got["nation_gone_t"] = np.zeros((len(got["base_closed_day"]), *th.nation_gone_t.shape), dtype=TONNES)
        got["nation_gone_t"][r] = th.nation_gone_t


def as_network_scenario(scenario: Any) -> Any:
    """A v1 scenario made a network scenario that changes nothing: its implied network and plan."""
    network, plan = as_network(scenario)
    return dataclasses.replace(scenario, network=network, plan=plan)
