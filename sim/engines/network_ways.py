"""The ways of a network in one replication: legs and exits (airfields, crossings).

Each hands out its daily capacity in priority order, use it or lose it (the movement
control of :mod:`.network_movement` asks it); each knows when it is shut and why.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..scenario.capacity import capacity_on
from .network_plan import NEVER

__all__ = ["Way", "Airfield", "Crossing", "Leg", "Replication"]


class Replication(Protocol):
    """What a way reads of its replication: the row of its draws, the day's draws, dates."""

    row: int

    def day_draws(self, day: int) -> tuple: ...

    def site_draws(self, day: int) -> tuple: ...

    def date(self, day: int) -> str: ...


class Way:
    """A leg or an exit: daily capacity handed out in priority order, use it or lose it.

    Attributes
    ----------
    index : int
        Its place among the ways: legs in file order, then exits.
    carried_troops, carried_t, days_at_capacity : int
        Its outcomes.
    closed_until : int
        The last day a hit shuts it (-1: none).
    cut_from : int
        The first day it has only its reduced capacity, its enablers gone.
    """

    #: What shuts it on a day by its own chance, and whom attacks there strike, as the story says them.
    daily_closure = "closed"
    exposed_troops = "the troops there"

    def __init__(self, index: int, name: str, spec: Any) -> None:
        self.index = index
        self.name = name
        self.spec = spec
        self.carried_troops = 0
        self.carried_t = 0
        self.days_at_capacity = 0
        self.closed_until = -1
        self.cut_from = NEVER

    def capacity(self, day: int) -> tuple[int, int]:
        """Tonnes and troops of the day (its calendar's period, else its base values): nominal,
        or reduced once the enablers are gone."""
        troops, cargo, troops_reduced, cargo_reduced = capacity_on(self.spec.calendar, day, self.spec.capacities)
        return (cargo_reduced, troops_reduced) if day >= self.cut_from else (cargo, troops)

    def weather_shut(self, theatre: Replication, day: int) -> bool:
        """Shut today by its own daily chance (an airfield's weather, a crossing's closure)."""
        return False

    def is_shut(self, theatre: Replication, day: int) -> bool:
        """Whether it moves nothing today: shut by a hit, or by its daily chance."""
        return self.closed_until >= day or self.weather_shut(theatre, day)

    def why_shut(self, theatre: Replication, day: int) -> str:
        """Why it is shut today, as the story tells it."""
        if self.closed_until >= day:
            return f"hit, shut until {theatre.date(self.closed_until)}"
        return self.daily_closure


class Airfield(Way):
    """A base's airfield: an air exit, shut by weather or by a hit (v1)."""

    daily_closure = "weather or maintenance"

    def __init__(self, index: int, base: Any, base_index: int, column: int) -> None:
        super().__init__(index, base.name, base)
        self.place = base_index
        self.column = column  # in the per-day ``closed`` and ``hits`` draws

    def weather_shut(self, theatre: Replication, day: int) -> bool:
        return theatre.day_draws(day)[0][self.column] < self.spec.p_closed_day


class Crossing(Way):
    """A ground exit on the border: shut on a day by its own chance, or by a hit."""

    daily_closure = "border closed"
    exposed_troops = "the troops waiting to cross"

    def __init__(self, index: int, crossing: Any, place: int, site: int) -> None:
        super().__init__(index, crossing.name, crossing)
        self.place = place
        self.site = site

    def weather_shut(self, theatre: Replication, day: int) -> bool:
        return theatre.site_draws(day)[0][self.site] < self.spec.p_closed_day


class Leg(Way):
    """A move inside the theatre, by road or by air; convoys on it count on it.

    ``troops_on`` is the troops of the convoys on their way (dispatched before today,
    arriving after today's PHASES). An air leg is shut when the airfield of its origin is.
    """

    exposed_troops = "the convoys on the road"  # only road legs are attacked

    def __init__(self, index: int, leg: Any, site: int, origin_airfield: Airfield | None) -> None:
        super().__init__(index, leg.name, leg)
        self.site = site
        self.origin_airfield = origin_airfield
        self.troops_on = 0
        self.what = "convoy" if leg.mode == "road" else "flight"  # as the story names what moves on it

    def is_shut(self, theatre: Replication, day: int) -> bool:
        """A road leg is shut by hits only; an air leg when its origin's airfield is shut (§7.10)."""
        if self.spec.mode == "air":
            return self.origin_airfield is not None and self.origin_airfield.is_shut(theatre, day)
        return self.closed_until >= day
