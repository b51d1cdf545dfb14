"""Helpers shared by the scenario tests: a minimal valid scenario and a small TOML writer.

The standard library reads TOML but does not write it; the writer here covers what
scenario tables hold (strings, booleans, integers, decimals, floats, dates, times,
lists and tables), everything on one line per top-level key.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal

# A complete, valid scenario: one base with an airfield, one without (via it), an
# enabler nation and a dependent. Tests break one thing at a time.
MINIMAL = """\
description = "Minimal test scenario"
notes = "Two contingents, one airfield, one road move."
start = 2021-01-01
horizon_days = 100
total_troops = 150
total_nations = 2

[decision]
rule = "next_meeting"
meetings = [2021-01-10, 2021-02-10]
p_no_consensus = 0.5

[threat]
attack_rate_before = 0.1
attack_rate_after = 1.0

[bases.Alpha]
seats_per_day = 50
cargo_t_per_day = 20
source = "test figure"

[bases.Beta]
airfield = false
via = "Alpha"
road_days = 1

[contingents."US@Alpha"]
troops = 100
equipment_t = 40
source = "test figure"

[contingents."France@Beta"]
troops = 50
depend_on = ["US"]
assumption = "test assumption"
"""


def toml_key(key: str) -> str:
    return _string(key)


def _string(s: str) -> str:
    # json's escapes (\\", \\\\, \\n, \\uXXXX for control characters) are TOML's too;
    # DEL is allowed raw in JSON but not in a TOML basic string.
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007F")


def toml_value(v) -> str:
    """One value as a TOML inline literal."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        if v.is_nan():
            return "nan"
        if v.is_infinite():
            return "-inf" if v < 0 else "inf"
        text = str(v)
        return text if any(c in text for c in ".eE") else text + ".0"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "-inf" if v < 0 else "inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def dumps(table: dict) -> str:
    """A whole document: one ``key = value`` line per top-level key."""
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in table.items())
