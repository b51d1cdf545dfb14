"""The words of the network story: what :func:`drawdown.engines.network_simpy.trace_network_replication`
tells, as plain sentences an analyst reads (who, how many, where to, why).

Only text is made here, from counts the engine hands over; nothing here reads or changes
a replication's state, and nothing here runs unless the story is told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["count", "days", "load", "why_phase_starts", "why_ready", "ceiling_release", "kit_told_apart"]


def count(n: int) -> str:
    """A count of troops or tonnes, with thousands separated: ``1,200``."""
    return f"{int(n):,}"


def kit_told_apart(spec: Any) -> bool:
    """Whether the story tells a contingent's equipment apart from its troops: it has
    equipment that starts on its own day or is disposed of at a rate (otherwise its
    ready and its "last of its equipment out" lines say it all)."""
    return bool(spec.equipment_t) and (spec.equipment_start != "ready" or bool(spec.disposal_t))


def days(n: int) -> str:
    """``1 day``, ``3 days``."""
    return f"{int(n)} day" if int(n) == 1 else f"{int(n)} days"


def load(takes: Iterable[tuple[str, int]], tonnes: int) -> str:
    """What a convoy or an exit moved: ``1,200 US troops and 300 t``, ``450 troops (US 250,
    GE 200)``, ``300 t``; ``takes`` is ``(nation, troops)`` in priority order."""
    by_nation: dict[str, int] = {}
    for nation, n in takes:
        if n:
            by_nation[nation] = by_nation.get(nation, 0) + n
    total = sum(by_nation.values())
    if len(by_nation) == 1:
        troops = f"{count(total)} {next(iter(by_nation))} troops"
    elif by_nation:
        troops = f"{count(total)} troops ({', '.join(f'{k} {count(v)}' for k, v in by_nation.items())})"
    else:
        troops = ""
    cargo = f"{count(tonnes)} t" if tonnes else ""
    return " and ".join(x for x in (troops, cargo) if x) or "nothing"


def why_phase_starts(
    spec: Any, start: int, decision_day: int, after: tuple[str, int] | None, date_of: Callable[[int], str]
) -> str:
    """Why a phase starts on day ``start``: the order, conditions, its date or the phase before.

    ``after`` is the name and complete day of the phase it follows (``start == "phase"``),
    ``date_of`` gives a day's ISO date."""
    if after is not None:
        name, complete = after
        return f"{days(start - complete)} after phase {name} was complete on {date_of(complete)}"
    if start == decision_day:
        return "with the order"
    if spec.start == "order":
        return f"{days(start - decision_day)} after the order"
    if spec.start == "conditions":
        return f"{days(spec.days_after)} after conditions were met" if spec.days_after else "conditions met"
    return f"{days(spec.days_after)} after its date" if spec.days_after else "on its date"


def why_ready(ordered: str, national_delay: int, prep: int, road: int, phase: str | None, leader: str | None) -> str:
    """How a contingent's ready day came about, as v1's story tells it, with the phase it
    belongs to and the framework nation it waited for (``leader``, None if it did not)."""
    how = f"ordered {ordered}, national decision {national_delay} d, preparation {prep} d"
    if road:
        how += f", road {road} d"
    if phase is not None:
        how += f"; in phase {phase}"
    if leader is not None:
        how += f"; waited for its framework nation {leader}"
    return how


def ceiling_release(release_phase: str | None, release_date: str | None) -> str:
    """Until when a ceiling holds the troops: ``until phase two starts``, ``until 2021-05-11``."""
    if release_phase is not None:
        return f"until phase {release_phase} starts"
    return f"until {release_date}"
