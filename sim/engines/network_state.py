"""What the vectorised network engine derives once from a scenario: routes as slots, ways, holds.

:class:`NetworkLayout` turns the frozen :class:`drawdown.scenario.network.Network` and
:class:`drawdown.scenario.network.Plan` into index arrays: every contingent's troop
positions and cargo positions are **slots** (one row of a ``(slots, replications)``
array each), every leg and exit is a **way** (legs in file order, then exits) with its
users in priority order. The engine (:mod:`drawdown.engines.network_numpy`) reads it and
never changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..draws import CasualtyTable, HitTable, base_factors
from ..scenario import as_network

if TYPE_CHECKING:
    from ..scenario import Base, Crossing, Scenario

__all__ = ["NetworkLayout", "TroopUser", "CargoUser", "Way", "NEVER_DAY"]

NEVER_DAY = 1 << 30  # a day that never comes (the engine's NEVER)


class TroopUser(NamedTuple):
    """A contingent whose troop route takes a way next from position ``k``."""

    contingent: int
    slot: int  # troop slot of position k
    next_slot: int  # troop slot of position k + 1 (-1 at an exit)
    place: int  # the place of position k
    cargo_slot: int  # cargo slot of the same place on its equipment route, -1 when not on it
    ring: int  # its column in the leg's rings (-1 at an exit)


class CargoUser(NamedTuple):
    """A contingent whose equipment route takes a way next from cargo position ``j``."""

    contingent: int
    slot: int
    next_slot: int  # -1 at an exit
    ring: int


class Way(NamedTuple):
    """A leg or an exit, its capacities and its users in priority order."""

    index: int  # type: ignore[assignment]  # the way's number, shadowing tuple.index on purpose
    is_leg: bool
    kind: str  # "road", "air" (a leg); "air", "ground" (an exit)
    origin: int  # place its users wait at
    destination: int  # place (legs), -1 for exits
    transit_days: int
    troops_per_day: int
    cargo_t_per_day: int
    troops_reduced: int
    cargo_reduced: int
    airfield: int  # the airfield column that shuts it (an air exit, an air leg from an airfield), else -1
    site: int  # its site column (a crossing exit, a road leg), else -1
    p_closed: float  # a crossing's daily chance of being shut
    troop_users: tuple[TroopUser, ...]
    cargo_users: tuple[CargoUser, ...]
    #: With a capacity calendar, ``(4, H)`` int64: troops, cargo, troops reduced, cargo reduced on each day; else None.
    by_day: np.ndarray | None = None


def _by_day(spec, horizon: int) -> np.ndarray | None:
    """A way's capacities on each day ``0 .. horizon - 1`` (rows as :attr:`Way.by_day`), or None without a calendar."""
    if not spec.calendar:
        return None
    out = np.repeat(np.array(spec.capacities, dtype=np.int64)[:, None], horizon, axis=1)
    for period in spec.calendar:
        out[:, period.first_day : period.last_day + 1] = np.array(period.capacities, dtype=np.int64)[:, None]
    return out


class NetworkLayout:
    """Index arrays and constants of a network scenario (or of the network a v1 one implies)."""

    def __init__(self, s: Scenario):
        self.scenario = s
        network, plan = as_network(s)
        self.network, self.plan = network, plan
        C, B = len(s.contingents), len(s.bases)
        self.n_contingents, self.n_bases = C, B
        self.n_places = len(network.places)
        self.n_legs = len(network.legs)
        self.n_crossings = len(network.crossings)
        self.airfields = [b for b, base in enumerate(s.bases) if base.airfield]
        self.air_column = {b: k for k, b in enumerate(self.airfields)}
        self.troops = np.array([c.troops for c in s.contingents], dtype=np.int64)
        self.rear_guard = np.array([c.rear_guard for c in s.contingents], dtype=np.int64)
        self.liftable = np.array([c.liftable_t for c in s.contingents], dtype=np.int64)
        self.road = np.array([c.road_days for c in s.contingents], dtype=np.int64)
        self.home = [c.base for c in s.contingents]
        self.via = [i for i, c in enumerate(s.contingents) if c.flies_from != c.base]
        self._slots(s)
        self._ways(s)
        self._threat(s)
        self._enablers(s)
        self._phases(s)
        nations = {n: k for k, n in enumerate(s.nations)}
        self.nation_of = np.array([nations[c.nation] for c in s.contingents], dtype=np.int64)
        self.n_nations = len(nations)
        self.nation_liftable_t = np.zeros(self.n_nations, dtype=np.int64)
        np.add.at(self.nation_liftable_t, self.nation_of, self.liftable)
        self._equipment(s)

    def _equipment(self, s: Scenario) -> None:
        """Equipment starts and disposal (MODEL-V2 §3): fixed starts, rates, the nations' pools."""
        H = s.horizon_days
        self.disposal = np.array([c.disposal_t for c in s.contingents], dtype=np.int64)
        self.own_rate = np.array([c.disposal_t_per_day for c in s.contingents], dtype=np.int64)
        #: Per contingent: whether its equipment starts with its troops (``"ready"``).
        self.kit_with_troops = np.array([c.equipment_start == "ready" for c in s.contingents], dtype=bool)
        self.all_kit_with_troops = bool(self.kit_with_troops.all())
        #: Per contingent with a ``"date"`` start: that day plus its road move, else -1.
        self.kit_date = np.array(
            [c.equipment_start_day + c.road_days if c.equipment_start_day is not None else -1 for c in s.contingents],
            dtype=np.int64,
        )
        self.kit_date = np.where(self.kit_date >= H, NEVER_DAY, self.kit_date)
        self.pools = [(p.t_per_day, list(p.members)) for p in self.plan.disposal_pools]  # priority order
        self.own_disposers = [i for i in s.priority if self.own_rate[i] > 0 and self.disposal[i] > 0]
        self.handover = np.array([c.handover_t for c in s.contingents], dtype=np.int64)
        self.nation_equipment_t = np.zeros(self.n_nations, dtype=np.int64)
        np.add.at(self.nation_equipment_t, self.nation_of, [c.equipment_t for c in s.contingents])

    def _slots(self, s: Scenario) -> None:
        """Troop and cargo slots: contingent by contingent, position by position."""
        net = self.network
        self.troop_places: list[tuple[int, ...]] = []
        self.cargo_places: list[tuple[int, ...]] = []
        self.troop_slot: list[list[int]] = []
        self.cargo_slot: list[list[int]] = []
        place_of_troop_slot: list[int] = []
        place_of_cargo_slot: list[int] = []
        contingent_of_troop_slot = []
        for i, c in enumerate(s.contingents):
            tp = net.routes[i].troop_places(net, c.flies_from)
            cp = net.routes[i].cargo_places(net, c.flies_from)
            self.troop_places.append(tp)
            self.cargo_places.append(cp)
            self.troop_slot.append(list(range(len(place_of_troop_slot), len(place_of_troop_slot) + len(tp))))
            self.cargo_slot.append(list(range(len(place_of_cargo_slot), len(place_of_cargo_slot) + len(cp))))
            place_of_troop_slot.extend(tp)
            place_of_cargo_slot.extend(cp)
            contingent_of_troop_slot.extend([i] * len(tp))
        self.n_troop_slots, self.n_cargo_slots = len(place_of_troop_slot), len(place_of_cargo_slot)
        self.first_troop_slot = np.array([t[0] for t in self.troop_slot], dtype=np.int64)
        self.first_cargo_slot = np.array([t[0] for t in self.cargo_slot], dtype=np.int64)
        self.contingent_of_troop_slot = np.array(contingent_of_troop_slot, dtype=np.int64)

    def _cargo_slot_at(self, i: int, place: int) -> int:
        cp = self.cargo_places[i]
        return self.cargo_slot[i][cp.index(place)] if place in cp else -1

    def _ways(self, s: Scenario) -> None:
        """Legs then exits, each with its troop and cargo users in priority order."""
        net = self.network
        L = self.n_legs
        troop_users: list[list[TroopUser]] = [[] for _ in range(L + len(net.exits))]
        cargo_users: list[list[CargoUser]] = [[] for _ in range(L + len(net.exits))]
        for i in s.priority:
            route = net.routes[i]
            ts, cs = self.troop_slot[i], self.cargo_slot[i]
            for k, leg in enumerate((*route.troop_legs, L + route.troop_exit)):
                place = self.troop_places[i][k]
                is_leg = leg < L
                ring = len(troop_users[leg]) if is_leg else -1
                nxt = ts[k + 1] if is_leg else -1
                troop_users[leg].append(TroopUser(i, ts[k], nxt, place, self._cargo_slot_at(i, place), ring))
            for j, leg in enumerate((*route.cargo_legs, L + route.cargo_exit)):
                is_leg = leg < L
                ring = len(cargo_users[leg]) if is_leg else -1
                cargo_users[leg].append(CargoUser(i, cs[j], cs[j + 1] if is_leg else -1, ring))
        ways = []
        X = self.n_crossings
        for k, g in enumerate(net.legs):
            airfield = self.air_column.get(g.origin, -1) if g.mode == "air" else -1
            ways.append(
                Way(k, True, g.mode, g.origin, g.destination, g.transit_days, g.troops_per_day, g.cargo_t_per_day,
                    g.troops_reduced, g.cargo_reduced, airfield, X + k if g.mode == "road" else -1, 0.0,
                    tuple(troop_users[k]), tuple(cargo_users[k]), _by_day(g, s.horizon_days))
            )  # fmt: skip
        for e, ex in enumerate(net.exits):
            w = L + e
            spec: Base | Crossing
            if ex.kind == "air":
                spec = s.bases[ex.index]
                airfield, site, p_closed = self.air_column[ex.index], -1, 0.0
            else:
                spec = net.crossings[ex.index]
                airfield, site, p_closed = -1, ex.index, spec.p_closed_day
            ways.append(
                Way(w, False, ex.kind, ex.place, -1, 0, *spec.capacities, airfield, site, p_closed,
                    tuple(troop_users[w]), tuple(cargo_users[w]), _by_day(spec, s.horizon_days))
            )  # fmt: skip
        self.ways = ways
        self.p_closed_air = np.array([s.bases[b].p_closed_day for b in self.airfields])

    def _threat(self, s: Scenario) -> None:
        """Attack multipliers per place and per leg (nominal, exposed), hit and casualty tables."""
        net = self.network
        factors, exposed = base_factors(s)
        exposure = s.enablers.exposure_without_enablers
        self.place_factor = np.array(factors.tolist() + [x.attack_multiplier for x in net.crossings])
        self.place_exposed = np.array(exposed.tolist() + [x.attack_multiplier * exposure for x in net.crossings])
        self.leg_factor = np.array([g.attack_multiplier for g in net.legs])
        self.leg_exposed = np.array([g.attack_multiplier * exposure for g in net.legs])
        self.road_legs = [k for k, g in enumerate(net.legs) if g.mode == "road"]
        self.airfield_hits = HitTable(s.threat.p_airfield_hit)
        self.site_hits = [HitTable(x.p_hit) for x in net.crossings] + [HitTable(g.p_hit) for g in net.legs]
        self.site_closure = [x.closure_days for x in net.crossings] + [g.closure_days for g in net.legs]
        self.casualties = CasualtyTable(s.threat.casualties_per_attack)

    def _enablers(self, s: Scenario) -> None:
        """Who holds for whom, and what the enablers' going cuts and exposes."""
        en = s.enablers
        self.enabler_members = [list(m) for m in en.members]
        self.enabler_dependents = [list(d) for d in en.dependents]
        self.enabler_of = [-1] * self.n_contingents
        for n, members in enumerate(en.members):
            for i in members:
                self.enabler_of[i] = n
        self.holds = s.enablers_last
        self.scope = self.network.enabler_scope
        L = self.n_legs
        self.cut_ways = [[*cl, *(L + e for e in ce)] for cl, ce in zip(self.network.cut_legs, self.network.cut_exits)]
        # Base scope: per enabler nation, the places where a dependent can hold its rear guards:
        # (dependent, troop slot) pairs by place, and the via dependents' home bases.
        self.hold_slots: list[dict[int, list[tuple[int, int]]]] = []
        for dependents in en.dependents:
            by_place: dict[int, list[tuple[int, int]]] = {}
            for d in dependents:
                for place, slot in zip(self.troop_places[d], self.troop_slot[d], strict=True):
                    by_place.setdefault(place, []).append((d, slot))
            self.hold_slots.append(by_place)

    def _phases(self, s: Scenario) -> None:
        """Phases, ceilings, and the contingents in the order their ready days resolve."""
        plan = self.plan
        self.phases = plan.phases
        self.phase_of = list(plan.phase_of)
        self.leave_with = [list(lw) for lw in plan.leave_with]
        self.parent = np.array(plan.parent, dtype=np.int64)
        self.ceilings = [(p, ph.ceiling) for p, ph in enumerate(plan.phases) if ph.ceiling is not None]
        self.ceilings_of: list[list[int]] = [[] for _ in range(self.n_contingents)]
        for k, (_, ceiling) in enumerate(self.ceilings):
            for i in ceiling.members:
                self.ceilings_of[i].append(k)
        # Leaders before followers (validation rejects cycles).
        order: list[int] = []
        placed: set[int] = set()
        while len(order) < self.n_contingents:
            before = len(order)
            for i in range(self.n_contingents):
                if i not in placed and all(lead in placed or lead == i for lead in self.leave_with[i]):
                    order.append(i)
                    placed.add(i)
            if len(order) == before:
                raise ValueError("leave_with has a cycle")
        self.resolve_order = order
