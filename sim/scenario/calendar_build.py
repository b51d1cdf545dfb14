"""The capacity calendars of a scenario: checked periods to frozen :class:`~drawdown.scenario.capacity.Period`.

Part of the one parameter pipeline (``drawdown.scenario.build``): the schema has checked
each period's keys (``from <= to``, at least one capacity); here its dates become day
numbers, its capacities the integers the engines use (rounded per period as the base
values are, the enabler cut too: MODEL-V2 §7.11), and the rules that need the start and
the horizon are checked. Periods stay in file order, so ``calendar[i]`` in an error is
the ``i``-th period of the file.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal

from . import rules
from .capacity import Period, period_on
from .model import round_half_up
from .problems import Problems

__all__ = ["periods", "end_period", "no_overlap", "open_at_end"]


def periods(
    problems: Problems,
    path: tuple,
    table: dict,
    keys: tuple[str, str],
    base: tuple[int, int],
    frac: Decimal,
    start: _dt.date | None,
    horizon: int,
) -> tuple[Period, ...]:
    """A way's calendar (``table["calendar"]``), frozen; ``()`` when it has none or a problem.

    Parameters
    ----------
    path : tuple
        The way's table: ``("bases", NAME)``, ``("crossings", NAME)`` or ``("legs", NAME)``.
    keys : (str, str)
        Its capacity keys: ``("seats_per_day", "cargo_t_per_day")`` for an airfield,
        ``("troops_per_day", "cargo_t_per_day")`` for a crossing or a leg.
    base : (int, int)
        Its base capacities (the cargo already rounded): what a period that does not
        give a key has.
    frac : Decimal
        ``enablers.capacity_without_enablers``.
    """
    raw = table.get("calendar")
    if not raw or start is None:
        return ()
    out = []
    for i, period in enumerate(raw):
        at = path + ("calendar", i)
        first = _first_day(problems, at, period["from"], start, horizon)
        if first is None:
            continue
        last = min((period["to"] - start).days, horizon - 1)
        troops = period.get(keys[0], base[0])
        cargo = round_half_up(period[keys[1]]) if keys[1] in period else base[1]
        reduced = (round_half_up(Decimal(troops) * frac), round_half_up(Decimal(cargo) * frac))
        out.append(Period(first, last, troops, cargo, *reduced, period.get("source"), period.get("assumption")))
    if len(out) < len(raw) or not no_overlap(problems, path, out, start):
        return ()
    return tuple(out)


def _first_day(problems: Problems, at: tuple, value: _dt.date, start: _dt.date, horizon: int) -> int | None:
    """A period's first day: on or after the start, within the horizon (else it would never apply)."""
    path = at + ("from",)
    if not rules.date_not_before_start(problems, path, value, start):
        return None
    if not rules.date_within_horizon(problems, path, value, start, horizon):
        return None
    return (value - start).days


def no_overlap(problems: Problems, path: tuple, calendar: Sequence[Period], start: _dt.date) -> bool:
    """Rule: a way's periods do not overlap (a day has one capacity)."""
    ordered = sorted(range(len(calendar)), key=lambda i: calendar[i].first_day)
    ok = True
    for before, after in zip(ordered, ordered[1:], strict=False):
        a, b = calendar[before], calendar[after]
        if b.first_day <= a.last_day:
            span = f"{_date(start, a.first_day)} to {_date(start, a.last_day)}"
            problems.add(
                path + ("calendar", after, "from"),
                f"overlaps calendar[{before}] ({span}); expected periods that do not overlap",
            )
            ok = False
    return ok


def _date(start: _dt.date, day: int) -> str:
    return (start + _dt.timedelta(days=day)).isoformat()


def end_period(calendar: Sequence[Period], horizon: int) -> int | None:
    """The index of the period that covers the horizon's last day, or None (the base values apply)."""
    period = period_on(calendar, horizon - 1)
    return None if period is None else list(calendar).index(period)


def open_at_end(problems: Problems, path: tuple, what: str, capacity: int, users: str) -> None:
    """Rule: a way that ``users`` take does not end the horizon closed (a period of zero capacity to its end).

    ``path`` is the period's capacity key (``...calendar[i].KEY``). Whatever had not
    passed before that period could never leave after it: the scenario cannot finish.
    """
    if capacity == 0:
        problems.add(
            path,
            f"zero capacity from this period to the horizon's end, but {users} must pass here: "
            f"what has not passed before it could never leave; expected > 0 {what}, "
            "or a period that ends before the horizon does",
        )
