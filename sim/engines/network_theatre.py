"""The state of one replication of a network scenario: its contingents along their routes,
its phases and its ways, and the running totals the outcomes are made of."""

from __future__ import annotations

from typing import Any

import numpy as np
import simpy

from ..draws import BlockInputs, DaySlabs
from .network_plan import NEVER, NetworkPlan
from .network_ways import Airfield, Crossing, Leg, Way
from .outcomes import TONNES
from .simpy_frame import ReplicationTheatre

__all__ = ["Contingent", "PhaseState", "NetworkTheatre"]


class Contingent:
    """One contingent (a ``NATION@BASE``, or a part of one) as a replication follows it.

    Not v1's :class:`drawdown.engines.simpy_engine.Contingent`: there the troops are at one
    base and fly, here they are spread along a route (places, legs, out), and the ready
    day may wait for a phase and a framework nation, so the two keep their own state.

    Its troops are at the positions of its troop route (``main[k]``, ``guard[k]``: main
    body and rear guard at place ``troop_places[k]``) or on the leg after position ``k``
    (``main_moving[k]``, ``guard_moving[k]``) or out; its liftable tonnes likewise along
    its equipment route (``cargo``, ``cargo_moving``), from the day its equipment starts
    (``kit_ready``); its tonnes to dispose of in place go at a rate (``disposed_t``).

    Attributes
    ----------
    own_ready, ready_day : int or None
        Its ready day before and after waiting for its framework nation; None until
        known, ``NEVER`` when it never comes.
    planned : simpy.Event
        Succeeds when its ready day is known.
    at_home : bool
        A ``via`` contingent counts at its home base until it is ready.
    """

    __slots__ = (
        "spec",
        "index",
        "troop_places",
        "cargo_places",
        "told_held_at",
        "main",
        "guard",
        "main_moving",
        "guard_moving",
        "cargo",
        "cargo_moving",
        "troops_out",
        "cargo_out_t",
        "own_ready",
        "ready_day",
        "exit_day",
        "is_ready",
        "at_home",
        "planned",
        "kit_ready",
        "disposed_t",
        "equipment_day",
    )

    def __init__(self, env: simpy.Environment, spec: Any, index: int, plan: NetworkPlan) -> None:
        self.spec = spec
        self.index = index
        self.troop_places = plan.troop_places[index]
        self.cargo_places = plan.cargo_places[index]
        n, m = len(self.troop_places), len(self.cargo_places)
        self.main = [spec.troops - spec.rear_guard] + [0] * (n - 1)
        self.guard = [spec.rear_guard] + [0] * (n - 1)
        self.main_moving = [0] * n
        self.guard_moving = [0] * n
        self.cargo = [spec.liftable_t] + [0] * (m - 1)
        self.cargo_moving = [0] * m
        self.troops_out = 0
        self.told_held_at: set[int] = set()  # places where the story told its rear guard was held
        self.cargo_out_t = 0
        self.own_ready: int | None = None
        self.ready_day: int | None = None
        self.exit_day = -1
        self.is_ready = False
        self.at_home = spec.flies_from != spec.base
        self.planned = env.event()
        self.kit_ready = False  # its equipment has started (MODEL-V2 §3)
        self.disposed_t = 0  # tonnes disposed of in place
        self.equipment_day = -1  # the day at whose end all its equipment is gone

    @property
    def equipment_gone(self) -> bool:
        """Whether all its equipment is gone: started, disposed of and out."""
        return self.kit_ready and self.disposed_t == self.spec.disposal_t and self.cargo_out_t == self.spec.liftable_t

    @property
    def gone_t(self) -> int:
        """Tonnes of its equipment gone: handed over (once started), disposed of, out."""
        return (self.spec.handover_t if self.kit_ready else 0) + self.disposed_t + self.cargo_out_t

    @property
    def under_control(self) -> bool:
        """Whether movement control still has something of it to move or dispose of."""
        spec = self.spec
        return bool(self.troops_left) or self.cargo_out_t < spec.liftable_t or self.disposed_t < spec.disposal_t

    @property
    def troops_left(self) -> int:
        """Soldiers still in country (at a place or on a leg)."""
        return self.spec.troops - self.troops_out

    def main_to_pass(self, k: int) -> int:
        """Main-body troops before position ``k``: at an earlier position or on a leg towards ``k``."""
        return sum(self.main[:k]) + sum(self.main_moving[:k])

    def cargo_done_at(self, place: int) -> bool:
        """Whether none of its tonnes is at ``place`` or still to pass it (docs/network.md, 5.2)."""
        if place not in self.cargo_places:
            return True
        j = self.cargo_places.index(place)
        return not (sum(self.cargo[: j + 1]) or sum(self.cargo_moving[:j]))

    def first_position(self) -> int:
        """The earliest position its troops are at or on a leg towards (route length when all out)."""
        for k in range(len(self.troop_places)):
            if self.main[k] or self.guard[k]:
                return k
            if self.main_moving[k] or self.guard_moving[k]:
                return k + 1
        return len(self.troop_places)


class PhaseState:
    """One phase in a replication: its start day (None until known) and its complete day."""

    __slots__ = ("spec", "index", "start_day", "complete_day", "known")

    def __init__(self, env: simpy.Environment, spec: Any, index: int) -> None:
        self.spec = spec
        self.index = index
        self.start_day: int | None = None
        self.complete_day = -1
        self.known = env.event()


class NetworkTheatre(ReplicationTheatre):
    """The state of one replication of a network scenario.

    Parameters are those of :class:`drawdown.engines.simpy_frame.ReplicationTheatre`, which
    holds what the shared council and conditions processes read and what the frame records.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: NetworkPlan,
        inputs: BlockInputs,
        row: int,
        slabs: DaySlabs,
        *,
        trace: bool = False,
        record_daily: bool = False,
        record_nations: bool = False,
    ) -> None:
        super().__init__(
            env, plan, inputs, row, slabs, trace=trace, record_daily=record_daily, record_nations=record_nations
        )
        s = plan.scenario
        net = plan.network
        self.plan: NetworkPlan = plan
        self.contingents = [Contingent(env, c, i, plan) for i, c in enumerate(s.contingents)]
        self.phases = [PhaseState(env, ph, p) for p, ph in enumerate(plan.plan.phases)]
        L, X = len(net.legs), len(net.crossings)
        self.airfield_at: dict[int, Airfield] = {}
        exits: list[Way] = []
        for e, ex in enumerate(net.exits):
            if ex.kind == "air":
                field = Airfield(L + e, s.bases[ex.index], ex.index, e)
                self.airfield_at[ex.index] = field
                exits.append(field)
            else:
                exits.append(Crossing(L + e, net.crossings[ex.index], ex.place, ex.index))
        self.legs = [Leg(k, g, X + k, self.airfield_at.get(g.origin)) for k, g in enumerate(net.legs)]
        self.ways: list[Way] = [*self.legs, *exits]
        self.crossing_exit = {w.site: w for w in exits if isinstance(w, Crossing)}
        self.troops_at = [0] * len(net.places)
        for c in s.contingents:
            self.troops_at[c.base] += c.troops
        self.last_present = [-1] * len(net.places)  # the last day troops were at each place
        self.place_exposed_from = [NEVER] * len(net.places)
        self.leg_exposed_from = [NEVER] * L
        self.emptied: list[Contingent] = []  # contingents whose last soldiers left today
        self.active: list[Contingent] = []  # ready (troops or equipment), with something to move
        self.someone_ready = env.event()
        self.troops_out = 0
        self.ceiling_told = [False] * len(plan.ceilings)
        # Each nation's tonnes of equipment gone by day (record_nations); after the book closes, all of it.
        self.nation_gone_t = (
            np.repeat(np.array([plan.nation_equipment_t], dtype=TONNES), plan.horizon, axis=0)
            if record_nations
            else None
        )
        self.base_closed_told = [False] * len(net.places)

    # -- telling the story ----------------------------------------------------------
    def name(self, c: Contingent) -> str:
        """A contingent as the story names it: its id (``NATION@BASE`` or ``NATION@BASE#PART``)."""
        return f"{c.spec.id}"

    @property
    def ready_day(self) -> list[int]:
        """Each contingent's ready day (-1 when it never comes), in the scenario's order."""
        return [-1 if c.ready_day is None or c.ready_day >= NEVER else c.ready_day for c in self.contingents]

    @property
    def exit_day(self) -> list[int]:
        """Each contingent's exit day (-1 while in country), in the scenario's order."""
        return [c.exit_day for c in self.contingents]

    # -- draws ----------------------------------------------------------------------
    def site_draws(self, day: int) -> tuple:
        """``(site_closed, site_attacks, site_casualties, site_hits)`` of ``day``."""
        return self.day_draws(day)[4:8]

    @property
    def troops_left(self) -> int:
        """Soldiers still in country (at a place or on a leg)."""
        return self.plan.total_troops - self.troops_out

    def enablers_gone(self, n: int, day: int) -> None:
        """Enabler nation ``n``'s last contingent exited on ``day``: from the next day, when
        enablers may leave first, the ways it ran are cut and the places and legs it
        guarded exposed."""
        net = self.plan.network
        if self.s.enablers_last:
            return
        L = len(net.legs)
        for w in [*net.cut_legs[n], *(L + e for e in net.cut_exits[n])]:
            way = self.ways[w]
            way.cut_from = min(way.cut_from, day + 1)
        for q in net.exposed_places[n]:
            self.place_exposed_from[q] = min(self.place_exposed_from[q], day + 1)
        for k in net.exposed_legs[n]:
            self.leg_exposed_from[k] = min(self.leg_exposed_from[k], day + 1)

    # -- facts fixed at the start of the moves ------------------------------------
    def in_country(self, members: tuple[int, ...]) -> int:
        """Troops of these contingents not yet past an exit."""
        return sum(self.contingents[i].troops_left for i in members)

    def ceiling_budgets(self, day: int) -> list[int | None]:
        """Per ceiling: troops it counts in country minus its troops (>= 0), or None when released."""
        out: list[int | None] = []
        for _phase, ceiling in self.plan.ceilings:
            release = ceiling.until_day if ceiling.until_phase < 0 else self.phases[ceiling.until_phase].start_day
            if release is not None and day >= release:
                out.append(None)
            else:
                out.append(max(0, self.in_country(ceiling.members) - ceiling.troops))
        return out

    def held_places(self) -> list[set[int] | None]:
        """Per enabler nation, the places where its rear guards are held today (None: everywhere
        while a dependent is in country, theatre scope; an empty set: nowhere)."""
        s = self.s
        out: list[set[int] | None] = []
        for n, dependents in enumerate(s.enablers.dependents):
            if not s.enablers_last or not self.dependents_in_country[n]:
                out.append(set())
            elif self.plan.network.enabler_scope == "theatre":
                out.append(None)
            else:
                out.append(self._places_of_dependents(dependents))
        return out

    def _places_of_dependents(self, dependents: tuple[int, ...]) -> set[int]:
        places: set[int] = set()
        for i in dependents:
            d = self.contingents[i]
            if d.exit_day >= 0 or not d.troops_left:
                continue
            if d.at_home:  # at its home base, its whole route still ahead
                places.add(d.spec.base)
                places.update(d.troop_places)
            else:
                places.update(d.troop_places[d.first_position() :])
        return places
