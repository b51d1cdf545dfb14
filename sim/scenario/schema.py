"""The scenario schema: every key, its type, its range and its default.

``check`` walks a merged scenario table, reports every problem at once (unknown keys
with a suggestion, wrong types, values out of range) and returns the table with
defaults filled and values normalised (numbers as ``Decimal``, dates as ``date``).
Cross-key rules (bases that exist, totals, scenarios that cannot finish) live in
``drawdown.scenario.rules``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import Problem
from ..limits import MAX_TOTAL_TROOPS
from .network_rules import close_hint
from .problems import Problems

__all__ = [
    "check",
    "key_at",
    "key_kind",
    "TOP",
    "TABLES",
    "CONTINGENT",
    "BASE",
    "REQUIRED",
    "ABSENT",
    "TOP_KEYS",
    "NETWORK_TOP",
    "CROSSING",
    "LEG",
    "PHASE",
    "AIRFIELD_PERIOD",
    "WAY_PERIOD",
    "CONTINGENT_V2",
    "EQUIPMENT_V2",
    "NATION",
    "ENABLERS_V2",
]

REQUIRED = object()
#: The default of a key that stays absent when not given: a model v2 key, so that a v1
#: scenario's checked table (and its content hash) is what it was.
ABSENT = object()


@dataclass(frozen=True)
class Key:
    """One key of the schema: its kind, default (``REQUIRED`` when it has none) and range."""

    kind: str  # int, number, prob, bool, str, date, date_or_none, dates, strs, duration, priority, str_or_date, periods
    default: object = REQUIRED
    lo: Decimal | int | None = None
    hi: Decimal | int | None = None
    lo_open: bool = False


def _d(x: object) -> Decimal:
    return Decimal(str(x))


# Upper bounds of single keys. With the totals the cross-key rules check against
# ``drawdown.limits`` (troops and tonnes summed over the contingents), they keep every
# integer the engines see inside the types they hold it in, and every number finite as
# a float.
MAX_DAYS = 100_000
MAX_HORIZON = 20_000
MAX_TROOPS = 10_000_000
MAX_TONNES = Decimal(10**9)
MAX_NUMBER = Decimal(10**15)


PROSE = {"source": Key("str", None), "assumption": Key("str", None)}

TOP = {
    "description": Key("str", ""),
    "notes": Key("str", ""),
    "start": Key("date"),
    "horizon_days": Key("int", 540, lo=1, hi=MAX_HORIZON),
    "deadline": Key("date_or_none", None),
    # checks of the file that states them (or "auto"): drawdown.scenario.build
    "total_troops": Key("int_or_auto", None, lo=1, hi=MAX_TOTAL_TROOPS),
    "total_nations": Key("int_or_auto", None, lo=1, hi=MAX_TROOPS),
    "enablers_last": Key("bool", True),
    "priority": Key("priority", "troops_ascending"),
    **PROSE,
}

TABLES = {
    "decision": {
        "rule": Key("str", "next_meeting"),
        "date": Key("date", None),
        "meetings": Key("dates", []),
        "p_no_consensus": Key("prob", _d(0)),
        "allow_special_meetings": Key("bool", False),
        "special_meeting_delay_days": Key("int", 14, lo=0, hi=MAX_DAYS),
        "latest_decision": Key("date", None),
        "start_on": Key("date", None),
        **PROSE,
    },
    "conditions": {
        "initial": Key("number", _d("1.0")),
        "target": Key("number", _d("0.6")),
        "reversion": Key("number", _d("0.02"), lo=_d(0), hi=_d(1)),
        "volatility": Key("number", _d("0.05"), lo=_d(0)),
        "threshold": Key("number", _d("0.5")),
        "hold_days": Key("int", 14, lo=1, hi=MAX_DAYS),
        # layout 3: track the index where no rule reads it (absent unless given: hashes unchanged)
        "tracked": Key("bool", ABSENT),
        **PROSE,
    },
    "threat": {
        "attack_rate_before": Key("number", _d(0), lo=_d(0)),
        "attack_rate_after": Key("number", _d(0), lo=_d(0)),
        "escalation_per_week": Key("number", _d(0), lo=_d(0)),
        "violence_coupling": Key("number", _d(0), lo=_d(0)),
        "casualties_per_attack": Key("number", _d(0), lo=_d(0)),
        # model v2 (MODEL-V2 §4): absent unless given, so a v1 file's checked table is unchanged
        "attack_rate_max": Key("number", ABSENT, lo=_d(0)),
        "killed_per_attack": Key("number", ABSENT, lo=_d(0)),
        "wounded_per_attack": Key("number", ABSENT, lo=_d(0)),
        "p_airfield_hit": Key("prob", _d(0)),
        "closure_days": Key("int", 0, lo=0, hi=MAX_DAYS),
        **PROSE,
    },
    "enablers": {
        "capacity_without_enablers": Key("number", _d("0.5"), lo=_d(0), hi=_d(1), lo_open=True),
        "exposure_without_enablers": Key("number", _d("1.5"), lo=_d(0)),
        **PROSE,
    },
}

BASE = {
    "airfield": Key("bool", True),
    "seats_per_day": Key("int", None, lo=0, hi=MAX_TROOPS),
    "cargo_t_per_day": Key("number", None, lo=_d(0), hi=MAX_TONNES),
    "p_closed_day": Key("prob", _d(0)),
    "attack_multiplier": Key("number", _d(1), lo=_d(0)),
    "via": Key("str", None),
    "road_days": Key("int", 0, lo=0, hi=MAX_DAYS),
    # model v2 (MODEL-V2 §3, §7.11): absent unless given
    "calendar": Key("periods", ABSENT),
    **PROSE,
}

CONTINGENT = {
    "troops": Key("int", REQUIRED, lo=1, hi=MAX_TROOPS),
    "equipment_t": Key("number", None, lo=_d(0), hi=MAX_TONNES),
    "equipment_t_per_troop": Key("number", _d(0), lo=_d(0), hi=_d(10_000)),
    "handover_fraction": Key("prob", _d(0)),
    "rear_guard_fraction": Key("prob", _d("0.1")),
    "rear_guard_min": Key("int", 1, lo=1, hi=MAX_TROOPS),
    "national_delay_days": Key("duration", (_d(0), _d(0), _d(0))),
    "prep_days": Key("duration", (_d(0), _d(0), _d(0))),
    "depend_on": Key("strs", []),
    **PROSE,
}
CONTINGENT_DEFAULTS = {k: v for k, v in CONTINGENT.items() if k not in ("troops", "source", "assumption")}
CONTINGENT_DEFAULTS.update(PROSE)

# -- model v2 (docs/network.md): absent unless given, so a v1 scenario is unchanged --------------

#: Per contingent only (never in ``[contingent_defaults]``): a route names legs of one base.
CONTINGENT_V2 = {
    "route": Key("strs", ABSENT),
    "equipment_route": Key("strs", ABSENT),
    "leave_with": Key("str", ABSENT),
}
ENABLERS_V2 = {"scope": Key("str", ABSENT)}

#: How a contingent's equipment leaves (MODEL-V2 §3): per contingent or in ``[contingent_defaults]``.
#: ``equipment_start`` is ``"ready"`` (its troops' ready day), ``"order"`` or a date;
#: ``disposal_share`` of ``equipment_t`` is handed over, sold or destroyed in place at
#: ``disposal_t_per_day`` (its own, or its nation's in ``[nations."X"]``).
EQUIPMENT_V2 = {
    "equipment_start": Key("str_or_date", ABSENT),
    "disposal_share": Key("prob", ABSENT),
    "disposal_t_per_day": Key("number", ABSENT, lo=_d(0), hi=MAX_TONNES, lo_open=True),
}

#: One nation's table (``[nations."X"]``): a disposal rate its contingents share in priority order.
NATION = {
    "disposal_t_per_day": Key("number", REQUIRED, lo=_d(0), hi=MAX_TONNES, lo_open=True),
    **PROSE,
}

#: Capacities and exposure of a ground exit (``[crossings.NAME]``).
CROSSING = {
    "troops_per_day": Key("int", REQUIRED, lo=0, hi=MAX_TROOPS),
    "cargo_t_per_day": Key("number", REQUIRED, lo=_d(0), hi=MAX_TONNES),
    "p_closed_day": Key("prob", _d(0)),
    "attack_multiplier": Key("number", _d(1), lo=_d(0)),
    "p_hit": Key("prob", _d(0)),
    "closure_days": Key("int", ABSENT, lo=0, hi=MAX_DAYS),  # default: threat.closure_days
    "calendar": Key("periods", ABSENT),
    **PROSE,
}

#: A move inside the theatre (``[legs.NAME]``).
LEG = {
    "from": Key("str"),
    "to": Key("str"),
    "mode": Key("str"),
    "transit_days": Key("int", REQUIRED, lo=1, hi=MAX_DAYS),
    "troops_per_day": Key("int", REQUIRED, lo=0, hi=MAX_TROOPS),
    "cargo_t_per_day": Key("number", REQUIRED, lo=_d(0), hi=MAX_TONNES),
    "attack_multiplier": Key("number", ABSENT, lo=_d(0)),  # default 1 (road), 0 (air)
    "p_hit": Key("prob", ABSENT),  # default 0
    "closure_days": Key("int", ABSENT, lo=0, hi=MAX_DAYS),  # default: threat.closure_days
    "calendar": Key("periods", ABSENT),
    **PROSE,
}

#: One period of a capacity calendar (``[[bases.NAME.calendar]]``): the airfield's capacities
#: from ``from`` to ``to`` (both included); a key not given keeps the base's value.
AIRFIELD_PERIOD = {
    "from": Key("date"),
    "to": Key("date"),
    "seats_per_day": Key("int", ABSENT, lo=0, hi=MAX_TROOPS),
    "cargo_t_per_day": Key("number", ABSENT, lo=_d(0), hi=MAX_TONNES),
    **PROSE,
}

#: One period of a crossing's or a leg's calendar (``[[crossings.NAME.calendar]]``, ``[[legs.NAME.calendar]]``).
WAY_PERIOD = {
    "from": Key("date"),
    "to": Key("date"),
    "troops_per_day": Key("int", ABSENT, lo=0, hi=MAX_TROOPS),
    "cargo_t_per_day": Key("number", ABSENT, lo=_d(0), hi=MAX_TONNES),
    **PROSE,
}

#: One stage of a plan (``[phases.NAME]``).
PHASE = {
    "members": Key("strs"),
    "start": Key("str_or_date", "order"),
    "days_after": Key("int", 0, lo=0, hi=MAX_DAYS),
    "ceiling": Key("int", ABSENT, lo=0, hi=MAX_TROOPS),
    "ceiling_nation": Key("str", ABSENT),
    "until": Key("str_or_date", ABSENT),
    **PROSE,
}

#: The top-level tables of model v2.
NETWORK_TOP = ("crossings", "legs", "groups", "phases", "nations")

KIND_TEXT = {
    "int": "an integer",
    "int_or_auto": 'an integer or "auto"',
    "number": "a number",
    "prob": "a probability (a number from 0 to 1)",
    "bool": "true or false",
    "str": "a string",
    "date": "an ISO date (YYYY-MM-DD)",
    "date_or_none": 'an ISO date (YYYY-MM-DD) or "none"',
    "dates": "a list of ISO dates",
    "strs": "a list of strings",
    "duration": "a number of days or a table { min, mode, max }",
    "priority": '"troops_ascending" or a list of contingent ids',
    "str_or_date": "a name or an ISO date (YYYY-MM-DD)",
    "periods": "a list of periods ([[...calendar]] tables with from, to and capacities)",
}


def to_date(v: object) -> _dt.date | None:
    """A date from a TOML date or an ISO string; None when ``v`` is neither.

    Raises
    ------
    ValueError
        For a date with a time, which a scenario never means.

    >>> to_date("2021-05-01"), to_date(5)
    (datetime.date(2021, 5, 1), None)
    """
    if isinstance(v, (_dt.datetime, _dt.time)):
        raise ValueError(f"expected a date without a time, found {v.isoformat()}")
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


class _Checker:
    def __init__(self, origin: dict, main_file: str) -> None:
        self.found = Problems(origin, main_file)

    @property
    def problems(self) -> list[Problem]:
        return self.found.items

    def problem(self, path: tuple, message: str) -> None:
        self.found.add(path, message)

    # -- tables ------------------------------------------------------------------
    def table(self, raw: Any, spec: dict, path: tuple, *, fill: bool = True) -> dict:
        if not isinstance(raw, dict):
            self.problem(path, f"expected a table, found {_show(raw)}")
            return {}
        out = {}
        for key, value in raw.items():
            if key not in spec:
                self.unknown(path + (key,), key, spec)
                continue
            got = self.value(value, spec[key], path + (key,))
            if got is not _BAD:
                out[key] = got
        for key, k in spec.items():
            if key in out or key in raw:
                continue
            if k.default is REQUIRED:
                self.problem(path + (key,), f"missing; expected {KIND_TEXT[k.kind]}")
            elif fill and k.default is not ABSENT:
                out[key] = k.default
        return out

    def unknown(self, path: tuple, key: str, spec: Iterable[str]) -> None:
        close = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(sorted(spec))}"
        self.problem(path, f"unknown key{hint}")

    # -- values ------------------------------------------------------------------
    def value(self, v: Any, k: Key, path: tuple) -> Any:
        """``v`` checked against ``k`` and normalised, or ``_BAD`` (with a problem reported)."""
        check = _VALUE_CHECKS.get(k.kind)
        if check is None:
            raise AssertionError(k.kind)
        return check(self, v, k, path)

    def integer(self, v: Any, k: Key, path: tuple) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, Decimal) and v.is_finite() and v == v.to_integral_value():
                v = int(v)
            else:
                return self.wrong(path, k, v)
        return self.range(v, k, path)

    def integer_or_auto(self, v: Any, k: Key, path: tuple) -> Any:
        return v if v == "auto" else self.integer(v, k, path)

    def number(self, v: Any, k: Key, path: tuple) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            return self.wrong(path, k, v)
        v = Decimal(v)
        if not v.is_finite():
            self.problem(path, f"expected a finite number, found {v}")
            return _BAD
        if abs(v) > MAX_NUMBER and (k.hi is None or k.hi > MAX_NUMBER):
            self.problem(path, f"out of range: found {v}, expected a number of magnitude at most {MAX_NUMBER:.0e}")
            return _BAD
        if k.kind == "prob":
            k = Key(k.kind, lo=Decimal(0), hi=Decimal(1))
        return self.range(v, k, path)

    def boolean(self, v: Any, k: Key, path: tuple) -> Any:
        return v if isinstance(v, bool) else self.wrong(path, k, v)

    def string(self, v: Any, k: Key, path: tuple) -> Any:
        return v if isinstance(v, str) else self.wrong(path, k, v)

    def date_value(self, v: Any, k: Key, path: tuple) -> Any:
        if k.kind == "date_or_none" and (v is None or (isinstance(v, str) and v.lower() == "none")):
            return None
        return self.date(v, k, path)

    def dates(self, v: Any, k: Key, path: tuple) -> Any:
        if not isinstance(v, list):
            return self.wrong(path, k, v)
        out = [self.date(x, Key("date"), path + (i,)) for i, x in enumerate(v)]
        return _BAD if _BAD in out else out

    def strings(self, v: Any, k: Key, path: tuple) -> Any:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return self.wrong(path, k, v)
        return list(v)

    def str_or_date(self, v: Any, k: Key, path: tuple) -> Any:
        if isinstance(v, str):
            try:
                day = to_date(v)
            except ValueError:  # pragma: no cover - a string never has a time
                day = None
            return day if day is not None else v
        if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
            return v
        return self.date(v, k, path) if isinstance(v, (_dt.datetime, _dt.time)) else self.wrong(path, k, v)

    def periods(self, v: Any, k: Key, path: tuple) -> Any:
        """A capacity calendar: a non-empty list of period tables, each with its dates and a capacity."""
        if not isinstance(v, list) or not v:
            if isinstance(v, list):
                self.problem(path, "an empty calendar; expected at least one period, or no calendar key")
                return _BAD
            return self.wrong(path, k, v)
        spec = AIRFIELD_PERIOD if path[0] == "bases" else WAY_PERIOD
        out = [self.period(item, spec, path + (i,)) for i, item in enumerate(v)]
        return _BAD if _BAD in out else out

    def period(self, v: Any, spec: dict, path: tuple) -> Any:
        """One period: ``from`` <= ``to`` and at least one capacity key."""
        before = len(self.found)
        got = self.table(v, spec, path, fill=False)
        if len(self.found) > before:
            return _BAD
        capacities = [key for key in spec if key not in ("from", "to", *PROSE)]
        if not any(key in got for key in capacities):
            self.problem(path, f"a period that changes nothing; expected {' or '.join(capacities)}")
            return _BAD
        if got["to"] < got["from"]:
            self.problem(
                path + ("to",),
                f"{got['to'].isoformat()} is before from ({got['from'].isoformat()}); expected to >= from",
            )
            return _BAD
        return got

    def duration_value(self, v: Any, k: Key, path: tuple) -> Any:
        return self.duration(v, path)

    def priority(self, v: Any, k: Key, path: tuple) -> Any:
        if v == "troops_ascending":
            return v
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return list(v)
        return self.wrong(path, k, v)

    def wrong(self, path: tuple, k: Key, v: Any) -> _Bad:
        self.problem(path, f"expected {KIND_TEXT[k.kind]}, found {_show(v)}")
        return _BAD

    def range(self, v: Any, k: Key, path: tuple) -> Any:
        if k.lo is not None and (v < k.lo or (k.lo_open and v == k.lo)):
            op = ">" if k.lo_open else ">="
            hi = f" and <= {k.hi}" if k.hi is not None else ""
            self.problem(path, f"out of range: found {v}, expected {op} {k.lo}{hi}")
            return _BAD
        if k.hi is not None and v > k.hi:
            lo = f">= {k.lo} and " if k.lo is not None else ""
            self.problem(path, f"out of range: found {v}, expected {lo}<= {k.hi}")
            return _BAD
        return v

    def date(self, v: Any, k: Key, path: tuple) -> Any:
        try:
            day = to_date(v)
        except ValueError as exc:
            self.problem(path, str(exc))
            return _BAD
        return day if day is not None else self.wrong(path, k, v)

    def duration(self, v: Any, path: tuple) -> Any:
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            v = Decimal(v)
            if not v.is_finite() or v < 0 or v > MAX_DAYS:
                self.problem(path, f"out of range: found {v}, expected a number of days >= 0 and <= {MAX_DAYS}")
                return _BAD
            return (v, v, v)
        if not isinstance(v, dict):
            return self.wrong(path, Key("duration"), v)
        spec = {n: Key("number", lo=Decimal(0), hi=Decimal(MAX_DAYS)) for n in ("min", "mode", "max")}
        got = self.table(v, spec, path)
        if len(got) < 3:
            return _BAD
        lo, mode, hi = got["min"], got["mode"], got["max"]
        ok = True
        if lo > mode:
            self.problem(path + ("min",), f"triangular min {lo} is above mode {mode}; expected min <= mode <= max")
            ok = False
        if mode > hi:
            self.problem(path + ("max",), f"triangular max {hi} is below mode {mode}; expected min <= mode <= max")
            ok = False
        return (lo, mode, hi) if ok else _BAD


class _Bad:
    def __repr__(self) -> str:
        return "<bad>"


_BAD = _Bad()

#: The check of each kind of value.
_VALUE_CHECKS: dict[str, Callable[[_Checker, Any, Key, tuple], Any]] = {
    "int": _Checker.integer,
    "int_or_auto": _Checker.integer_or_auto,
    "number": _Checker.number,
    "prob": _Checker.number,
    "bool": _Checker.boolean,
    "str": _Checker.string,
    "date": _Checker.date_value,
    "date_or_none": _Checker.date_value,
    "dates": _Checker.dates,
    "strs": _Checker.strings,
    "duration": _Checker.duration_value,
    "priority": _Checker.priority,
    "str_or_date": _Checker.str_or_date,
    "periods": _Checker.periods,
}


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return "a table" if v else "an empty table"
    if isinstance(v, list):
        return f"a list {v!r}" if len(repr(v)) < 60 else "a list"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, Decimal):
        return f"the number {v}"
    if isinstance(v, int):
        return f"the integer {v}"
    if isinstance(v, _dt.date):
        return f"the date {v.isoformat()}"
    return repr(v)


#: Every key a scenario may have at its top level (``extends`` is read before the schema).
TOP_KEYS = frozenset(TOP) | frozenset(TABLES) | {"bases", "contingents", "contingent_defaults"} | set(NETWORK_TOP)


def _collection(c: _Checker, merged: dict, key: str, header: str) -> dict:
    """The table of ``bases`` or ``contingents``, or ``{}`` after saying what was found instead."""
    if key not in merged:
        c.problem((key,), f"missing: expected a table of {key} ({header})")
        return {}
    raw = merged[key]
    if not isinstance(raw, dict):
        c.problem((key,), f"expected a table of {key} ({header}), found {_show(raw)}")
        return {}
    if not raw:
        c.problem((key,), f"expected at least one {key[:-1]} ({header}), found an empty table")
    return raw


def check(merged: dict, origin: dict, main_file: str) -> tuple[dict, list[Problem]]:
    """Check a merged scenario against the schema.

    Returns
    -------
    clean : dict
        Top-level keys, one table per section, ``bases`` and ``contingents`` as dicts
        keyed by name and id with every key filled (contingents inherit
        ``contingent_defaults``).
    problems : list of Problem
    """
    c = _Checker(origin, main_file)
    spec_top = dict(TOP)
    known = TOP_KEYS
    top_raw = {k: v for k, v in merged.items() if k in TOP}
    for key in merged:
        if key not in known:
            c.unknown((key,), key, sorted(known))
    clean = c.table(top_raw, spec_top, ())
    for name, spec in TABLES.items():
        clean[name] = c.table(merged.get(name, {}), {**spec, **ENABLERS_V2} if name == "enablers" else spec, (name,))

    bases_raw = _collection(c, merged, "bases", "[bases.NAME]")
    clean["bases"] = {name: c.table(v, BASE, ("bases", name)) for name, v in bases_raw.items()}

    defaults = _contingent_defaults(c, merged.get("contingent_defaults", {}))
    cont_raw = _collection(c, merged, "contingents", '[contingents."NATION@BASE"]')
    clean["contingents"] = {cid: _contingent(c, cid, v, defaults) for cid, v in cont_raw.items()}
    clean["contingent_defaults"] = defaults
    _network_tables(c, merged, clean)
    return clean, c.problems


def _contingent_defaults(c: _Checker, raw: Any) -> dict:
    """``[contingent_defaults]`` checked; a route or ``leave_with`` there is refused (they are per contingent)."""
    if isinstance(raw, dict):
        for key in CONTINGENT_V2:
            if key in raw:
                c.problem(
                    ("contingent_defaults", key),
                    f'{key} is set per contingent only; expected it in a [contingents."NATION@BASE"] table',
                )
        raw = {k: v for k, v in raw.items() if k not in CONTINGENT_V2}
    return c.table(raw, {**CONTINGENT_DEFAULTS, **EQUIPMENT_V2}, ("contingent_defaults",), fill=False)


def _contingent(c: _Checker, cid: str, raw: Any, defaults: dict) -> dict:
    """One contingent's table with every v1 key filled (from the defaults, then the schema) and its v2 keys as given."""
    given = c.table(raw, {**CONTINGENT, **CONTINGENT_V2, **EQUIPMENT_V2}, ("contingents", cid), fill=False)
    filled = {}
    for key, k in CONTINGENT.items():
        if key in given:
            filled[key] = given[key]
        elif key in defaults and key not in ("source", "assumption"):
            filled[key] = defaults[key]
        elif k.default is not REQUIRED:
            filled[key] = k.default
    filled.update((key, given[key]) for key in CONTINGENT_V2 if key in given)
    for key in EQUIPMENT_V2:  # absent unless given here or in the defaults
        if key in given:
            filled[key] = given[key]
        elif key in defaults:
            filled[key] = defaults[key]
    return filled


def _network_tables(c: _Checker, merged: dict, clean: dict) -> None:
    """The model v2 tables (``crossings``, ``legs``, ``groups``, ``phases``) that the scenario has."""
    for key, spec, header in (
        ("crossings", CROSSING, "[crossings.NAME]"),
        ("legs", LEG, "[legs.NAME]"),
        ("phases", PHASE, "[phases.NAME]"),
        ("nations", NATION, '[nations."NATION"]'),
    ):
        if key in merged:
            raw = merged[key]
            if not isinstance(raw, dict):
                c.problem((key,), f"expected a table of {key} ({header}), found {_show(raw)}")
                continue
            clean[key] = {name: c.table(v, spec, (key, name)) for name, v in raw.items()}
    if "groups" in merged:
        raw = merged["groups"]
        if not isinstance(raw, dict):
            c.problem(("groups",), f"expected a table of groups (name = [members]), found {_show(raw)}")
            return
        groups = {}
        for name, members in raw.items():
            got = c.value(members, Key("strs"), ("groups", name))
            if got is not _BAD:
                groups[name] = got
        clean["groups"] = groups


#: The keys of one named table of each collection (``[bases.NAME]``, ``[contingents."ID"]``...).
_NAMED_TABLES = {
    "bases": BASE,
    "contingents": {**CONTINGENT, **CONTINGENT_V2, **EQUIPMENT_V2},
    "crossings": CROSSING,
    "legs": LEG,
    "phases": PHASE,
    "nations": NATION,
}
_DURATION_PARTS = ("min", "mode", "max")
#: What a scenario's key paths lead to below a duration key (``prep_days.mode``).
_DURATION_PART = Key("number")


def _keys_of(path: tuple) -> tuple[dict[str, Key], int]:
    """The keys of the table a key path names its key in, and that key's position in the path."""
    head = path[0]
    if head in TABLES:
        return ({**TABLES[head], **ENABLERS_V2} if head == "enablers" else TABLES[head]), 1
    if head == "contingent_defaults":
        return {**CONTINGENT_DEFAULTS, **EQUIPMENT_V2}, 1
    if head in _NAMED_TABLES:
        if len(path) > 4 and path[2] == "calendar" and head in ("bases", "crossings", "legs"):
            return (AIRFIELD_PERIOD if head == "bases" else WAY_PERIOD), 4
        return _NAMED_TABLES[head], 2
    return TOP, 0


def key_at(path: tuple) -> Key | str:
    """The schema's key at a key path (a tuple of segments), or what is wrong with the path.

    The path is checked against the schema only: the names of bases, contingents, legs
    and the rest are the scenario's (:meth:`drawdown.Scenario.replace` checks those). A
    duration's ``min``, ``mode`` or ``max`` is a number.

    >>> key_at(("threat", "attack_rate_aftr"))
    "threat.attack_rate_aftr: unknown key; did you mean 'attack_rate_after'?"
    >>> key_at(("contingent_defaults", "prep_days", "mode")).kind
    'number'
    """
    text = ".".join(map(str, path))
    if path[0] not in TOP_KEYS:
        return f"{text}: unknown key{close_hint(str(path[0]), sorted(TOP_KEYS))}"
    keys, at = _keys_of(path)
    if len(path) <= at:
        return f"{text}: a table, not a value: name one of its keys ({', '.join(_shown_keys(keys))})"
    if path[0] == "groups":
        return Key("strs") if len(path) == 2 else f"{text}: a group is a list of names"
    name = path[at]
    if not isinstance(name, str) or name not in keys:
        return f"{text}: unknown key{close_hint(str(name), _shown_keys(keys))}"
    key = keys[name]
    rest = path[at + 1 :]
    if not rest:
        return key
    if key.kind == "duration" and len(rest) == 1 and rest[0] in _DURATION_PARTS:
        return _DURATION_PART
    return f"{text}: {name} is {KIND_TEXT.get(key.kind, key.kind)}, not a table"


def _shown_keys(keys: dict[str, Key]) -> list[str]:
    return sorted(k for k in keys if k not in PROSE)


def key_kind(path: tuple) -> str:
    """The kind of value at a key path (a tuple of segments): int, number, date or other.

    >>> key_kind(("deadline",)), key_kind(("bases", "Bagram", "seats_per_day"))
    ('date', 'int')
    >>> key_kind(("contingent_defaults", "prep_days", "max")), key_kind(("no_such_key",))
    ('number', 'other')
    """
    key = key_at(path)
    kind = key.kind if isinstance(key, Key) else ""
    return {
        "int": "int",
        "int_or_auto": "int",
        "number": "number",
        "prob": "number",
        "date": "date",
        "date_or_none": "date",
    }.get(kind, "other")
