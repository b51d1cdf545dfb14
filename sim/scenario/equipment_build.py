"""Equipment as its own process (MODEL-V2 §3): its tonnes, its start and its disposal rates.

A contingent's ``equipment_t`` tonnes are split at load, each part rounded half up:

- ``disposal_t = round(equipment_t * disposal_share)``: handed over, sold or destroyed
  in place, at a rate (tonnes a day) from the equipment's start;
- ``liftable_t = round(equipment_t * (1 - handover_fraction)) - disposal_t``: lifted or
  driven out along its equipment route;
- the rest (``Contingent.handover_t``) is handed over at once on the equipment's start.

The rate is the contingent's own ``disposal_t_per_day`` or its nation's
``[nations."X"] disposal_t_per_day``, shared among the nation's contingents in priority
order; never both. Rates are rounded half up to whole tonnes a day.

Example
-------
>>> from decimal import Decimal as D
>>> tonnes({"troops": 10, "equipment_t": D(100), "handover_fraction": D("0.25"), "disposal_share": D("0.4")})
(100, 40, 35)
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .model import Contingent, round_half_up
from .network import EQUIPMENT_STARTS, DisposalPool, Plan
from .network_rules import known_name
from .problems import Problems
from .rules import Row

__all__ = ["tonnes", "Equipment", "equipment", "disposal_pools", "pools_in_priority_order"]

#: A date's day number, None after reporting a problem (``build._Calendar.day``, horizon checked).
DayOf = Callable[[tuple, object], "int | None"]


def tonnes(table: dict) -> tuple[int, int, int]:
    """``(equipment_t, disposal_t, liftable_t)`` of a contingent's checked table (integers, t)."""
    if "troops" not in table:
        return 0, 0, 0
    if table.get("equipment_t") is not None:
        equipment = round_half_up(table["equipment_t"])
    else:
        equipment = round_half_up(Decimal(table["troops"]) * table.get("equipment_t_per_troop", Decimal(0)))
    kept = round_half_up(Decimal(equipment) * (1 - table.get("handover_fraction", Decimal(0))))
    # min(): with the shares adding up to more than 1 (a problem reported apart) no part is negative
    disposal = min(round_half_up(Decimal(equipment) * table.get("disposal_share", Decimal(0))), kept)
    return equipment, disposal, kept - disposal


@dataclass(frozen=True)
class Equipment:
    """The equipment fields of one :class:`~drawdown.scenario.model.Contingent`."""

    disposal_t: int = 0
    disposal_t_per_day: int = 0
    equipment_start: str = "ready"
    equipment_start_day: int | None = None


def equipment(problems: Problems, row: Row, nation_rates: dict, day_of: DayOf) -> Equipment:
    """A contingent's equipment start and disposal, its rules checked (problems at ``contingents.ID.KEY``)."""
    t = row.table
    path = ("contingents", row.id)
    _, disposal, _ = tonnes(t)
    handover, share = t.get("handover_fraction", Decimal(0)), t.get("disposal_share", Decimal(0))
    if handover + share > 1:
        problems.add(
            path + ("disposal_share",),
            f"handover_fraction {handover} and disposal_share {share} add up to {handover + share}; "
            "expected at most 1 together (shares of equipment_t)",
        )
    rate = _own_rate(problems, path, t)
    if rate and row.nation in nation_rates:
        problems.add(
            path + ("disposal_t_per_day",),
            f'{row.nation} has a disposal rate in [nations."{row.nation}"] too; expected one of the two',
        )
    elif disposal and not rate and row.nation not in nation_rates and "disposal_t_per_day" not in t:
        problems.add(
            path + ("disposal_share",),
            f"{disposal} t to dispose of in place but no rate; expected disposal_t_per_day here "
            f'or in [nations."{row.nation}"]',
        )
    kind, day = _start(problems, path, t.get("equipment_start", "ready"), day_of)
    return Equipment(disposal, rate, kind, day)


def _own_rate(problems: Problems, path: tuple, table: dict) -> int:
    if "disposal_t_per_day" not in table:
        return 0
    rate = round_half_up(table["disposal_t_per_day"])
    if rate == 0:
        problems.add(
            path + ("disposal_t_per_day",),
            f"{table['disposal_t_per_day']} rounds to 0 t a day; expected at least 0.5 (tonnes are whole)",
        )
    return rate


def _start(problems: Problems, path: tuple, value: object, day_of: DayOf) -> tuple[str, int | None]:
    at = path + ("equipment_start",)
    if isinstance(value, str):
        if value not in EQUIPMENT_STARTS:
            close = difflib.get_close_matches(value, EQUIPMENT_STARTS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(at, f'unknown equipment start {value!r}: expected "ready", "order" or a date{hint}')
            return "ready", None
        return value, None
    day = day_of(at, value)
    return ("date", day) if day is not None else ("ready", None)


def disposal_pools(problems: Problems, clean: dict, contingents: Sequence[Contingent]) -> tuple[DisposalPool, ...]:
    """The nations' shared disposal rates (``[nations."X"]``), each naming a nation of the scenario."""
    nations = list(dict.fromkeys(c.nation for c in contingents))
    pools = []
    for nation, table in clean.get("nations", {}).items():
        if not known_name(problems, ("nations", nation), "nation", nation, nations):
            continue
        rate = round_half_up(table["disposal_t_per_day"]) if "disposal_t_per_day" in table else 0
        if rate == 0:
            if "disposal_t_per_day" in table:
                problems.add(
                    ("nations", nation, "disposal_t_per_day"),
                    f"{table['disposal_t_per_day']} rounds to 0 t a day; expected at least 0.5 (tonnes are whole)",
                )
            continue
        members = tuple(i for i, c in enumerate(contingents) if c.nation == nation)
        pools.append(DisposalPool(nation, rate, members))
    return tuple(pools)


def pools_in_priority_order(plan: Plan | None, priority: Sequence[int]) -> Plan | None:
    """The plan with each nation's disposal pool's members in the scenario's priority order
    (the order they share its rate in); ``plan`` itself when it has no pools."""
    if plan is None or not plan.disposal_pools:
        return plan
    rank = {i: k for k, i in enumerate(priority)}
    pools = tuple(
        dataclasses.replace(p, members=tuple(sorted(p.members, key=rank.__getitem__))) for p in plan.disposal_pools
    )
    return dataclasses.replace(plan, disposal_pools=pools)
