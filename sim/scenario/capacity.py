"""Capacity calendars: the periods in which an airfield, a crossing or a leg has other capacities.

A way (an airfield, a crossing, a leg) has its capacities for the whole horizon unless a
``calendar`` gives periods, each from one day to another (both included) with its own
capacities: a surge of chartered heavy lift, a closed period (zero), an airfield that
improves. On a day outside every period the way has its base values. The loader rounds
every period's capacities the way it rounds the base values, the enabler cut included
(MODEL-V2 §7.11), so the engines see integers only.

Example
-------
>>> surge = Period(first_day=10, last_day=19, troops_per_day=900, cargo_t_per_day=600,
...                troops_reduced=450, cargo_reduced=300)
>>> capacity_on((surge,), 12, (450, 200, 225, 100)), capacity_on((surge,), 20, (450, 200, 225, 100))
((900, 600, 450, 300), (450, 200, 225, 100))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Period", "capacity_on", "period_on"]


@dataclass(frozen=True)
class Period:
    """Days ``first_day .. last_day`` (both included) and the capacities of a way on them.

    ``troops_per_day`` is an airfield's seats a day, or a crossing's or a leg's troops a
    day; ``cargo_t_per_day`` its tonnes a day; ``*_reduced`` the same once the enablers
    are gone. A capacity a period does not give is the way's base value, filled in by
    the loader, so every field is the value that applies.
    """

    first_day: int
    last_day: int
    troops_per_day: int
    cargo_t_per_day: int
    troops_reduced: int
    cargo_reduced: int
    source: str | None = None
    assumption: str | None = None

    @property
    def capacities(self) -> tuple[int, int, int, int]:
        """``(troops, cargo, troops_reduced, cargo_reduced)`` a day in this period."""
        return (self.troops_per_day, self.cargo_t_per_day, self.troops_reduced, self.cargo_reduced)


def period_on(calendar: Sequence[Period], day: int) -> Period | None:
    """The period of ``calendar`` that covers day ``day``, or None (periods never overlap)."""
    for period in calendar:
        if period.first_day <= day <= period.last_day:
            return period
    return None


def capacity_on(calendar: Sequence[Period], day: int, base: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """``(troops, cargo, troops_reduced, cargo_reduced)`` on day ``day``: its period's, else ``base``."""
    period = period_on(calendar, day)
    return base if period is None else period.capacities
