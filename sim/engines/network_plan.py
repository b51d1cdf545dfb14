"""What every replication of a network scenario shares, worked out once (:class:`NetworkPlan`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..draws import CasualtyTable, HitTable, base_factors
from ..scenario import as_network
from .simpy_engine import enabler_links, nation_totals

__all__ = ["NetworkPlan", "NEVER"]


NEVER = 2**31  # a day after any horizon: "never"


class NetworkPlan:
    """What every replication of a network scenario shares, worked out once.

    Attributes
    ----------
    network, plan : Network, Plan
        The scenario's (or, for a v1 scenario, those it implies).
    troop_places, cargo_places : list of tuple of int
        Per contingent, the places of its troop and equipment routes, from the base it
        leaves from (its ``via`` base's, or its own) to its exit's place.
    troop_users, cargo_users : list of list of (int, int)
        Per way (legs in file order, then exits in ``Network.exits`` order), the
        contingents that use it, in priority order, with the position on their route
        where they wait for it.
    ceilings : list of (int, Ceiling)
        The phases' ceilings, with their phase.
    ceilings_of : list of list of int
        Per contingent, the ceilings (indices into ``ceilings``) that count it.
    """

    def __init__(self, scenario: Any) -> None:
        s = scenario
        self.scenario = s
        self.network, self.plan = as_network(s)
        net, plan = self.network, self.plan
        self.horizon: int = s.horizon_days
        self.total_troops: int = s.total_troops
        self.liftable_t: int = s.liftable_t
        self.B = len(s.bases)
        C = len(s.contingents)
        self.troop_places = [net.routes[i].troop_places(net, c.flies_from) for i, c in enumerate(s.contingents)]
        self.cargo_places = [net.routes[i].cargo_places(net, c.flies_from) for i, c in enumerate(s.contingents)]
        L = len(net.legs)
        self.ways = L + len(net.exits)
        self.troop_users: list[list[tuple[int, int]]] = [[] for _ in range(self.ways)]
        self.cargo_users: list[list[tuple[int, int]]] = [[] for _ in range(self.ways)]
        for i in s.priority:
            route = net.routes[i]
            for k, leg in enumerate(route.troop_legs):
                self.troop_users[leg].append((i, k))
            self.troop_users[L + route.troop_exit].append((i, len(route.troop_legs)))
            for k, leg in enumerate(route.cargo_legs):
                self.cargo_users[leg].append((i, k))
            self.cargo_users[L + route.cargo_exit].append((i, len(route.cargo_legs)))
        en = s.enablers
        self.enabler_of, self.depends_on = enabler_links(s)
        factors, exposed = base_factors(s)
        exposure = en.exposure_without_enablers
        # Attack multipliers per place (bases, then crossings) and per leg, nominal and exposed.
        self.place_factor = factors.tolist() + [x.attack_multiplier for x in net.crossings]
        self.place_exposed = exposed.tolist() + [x.attack_multiplier * exposure for x in net.crossings]
        self.leg_factor = [leg.attack_multiplier for leg in net.legs]
        self.leg_exposed = [leg.attack_multiplier * exposure for leg in net.legs]
        self.airfield_hits = HitTable(s.threat.p_airfield_hit)
        self.site_hits = [HitTable(x.p_hit) for x in net.crossings] + [HitTable(leg.p_hit) for leg in net.legs]
        self.casualty_table = CasualtyTable(s.threat.casualties_per_attack)
        self.nation_of, self.nation_troops, self.nation_liftable_t = nation_totals(s)
        self.nation_equipment_t = [0] * len(self.nation_troops)
        for k, c in zip(self.nation_of, s.contingents, strict=True):
            self.nation_equipment_t[k] += c.equipment_t
        # Disposal in place (MODEL-V2 §7.9): contingents with their own rate, and the nations'
        # shared rates, each taken in priority order.
        own = [i for i, c in enumerate(s.contingents) if c.disposal_t_per_day and c.disposal_t]
        self.own_disposers = [i for i in s.priority if i in own]
        self.disposal_pools = [(p.t_per_day, list(p.members)) for p in plan.disposal_pools]  # priority order
        dated = [c.equipment_start_day + c.road_days for c in s.contingents if c.equipment_start_day is not None]
        #: The first day equipment starts on a date, whatever the order (None when none does).
        self.first_dated_kit_day: int | None = min(dated, default=None)
        self.ceilings = [(p, ph.ceiling) for p, ph in enumerate(plan.phases) if ph.ceiling is not None]
        self.ceilings_of: list[list[int]] = [[] for _ in range(C)]
        for k, (_, ceiling) in enumerate(self.ceilings):
            for i in ceiling.members:
                self.ceilings_of[i].append(k)

    def network_outcome_arrays(self, rows: int) -> dict[str, np.ndarray]:
        """A block's arrays of the outcomes v1 does not record (ways: legs, then exits)."""
        P, W = len(self.plan.phases), self.ways
        return {
            "base_closed_day": np.zeros((rows, self.B), dtype=np.int32),
            "phase_complete_day": np.full((rows, P), -1, dtype=np.int32),
            "carried_troops": np.zeros((rows, W), dtype=np.int64),
            "carried_t": np.zeros((rows, W), dtype=np.int64),
            "days_at_capacity": np.zeros((rows, W), dtype=np.int32),
            "equipment_complete_day": np.full((rows, len(self.scenario.contingents)), -1, dtype=np.int32),
        }
