"""Canonical forms of a resolved scenario: its content hash, plain data and provenance.

The hash is the sha256 of every resolved value without the prose keys
(``description``, ``notes``, ``source``, ``assumption``): editing provenance changes no
result's identity.

Example
-------
>>> from decimal import Decimal
>>> from drawdown.scenario.canonical import canonical, jsonable
>>> canonical({"rate": Decimal("0.50"), "days": [1, 2]})
{'rate': {'decimal': '0.5'}, 'days': [1, 2]}
>>> jsonable({"prep_days": (Decimal(1), Decimal(2), Decimal("2.5"))})
{'prep_days': {'min': 1, 'mode': 2, 'max': 2.5}}
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .keypath import format_key

__all__ = ["PROSE_KEYS", "canonical", "content_hash", "jsonable", "provenance", "strip_prose"]

PROSE_KEYS = ("description", "notes", "source", "assumption")


def strip_prose(value: Any) -> Any:
    """``value`` with the prose keys removed from every table in it."""
    if isinstance(value, dict):
        return {k: strip_prose(v) for k, v in value.items() if k not in PROSE_KEYS}
    return value


def canonical(value: Any) -> Any:
    """``value`` as JSON data that names its types: decimals and dates tagged, tuples as lists."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return {"decimal": text}
    if isinstance(value, _dt.date):
        return {"date": value.isoformat()}
    return value


def content_hash(clean: dict) -> str:
    """sha256 of the model's inputs: every resolved value, in order, without prose.

    Parameters
    ----------
    clean : dict
        The checked scenario table (``drawdown.scenario.check``).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    data = strip_prose(clean)
    data.pop("contingent_defaults", None)
    ordered = {k: v for k, v in data.items() if k not in ("bases", "contingents")}
    payload = {
        "scalars": canonical(ordered),
        "bases": [[k, canonical(v)] for k, v in data["bases"].items()],
        "contingents": [[k, canonical(v)] for k, v in data["contingents"].items()],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dates as ISO strings, triangular durations as tables."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) == 3 and all(isinstance(x, Decimal) for x in value):
            lo, mode, hi = value
            return {"min": _num(lo), "mode": _num(mode), "max": _num(hi)}
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _num(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def provenance(clean: dict) -> Iterator[tuple[str, str, str]]:
    """Every ``source`` and ``assumption`` of a checked scenario: ``(key path, key, text)``."""

    def walk(value: Any, path: tuple) -> Iterator[tuple[str, str, str]]:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("source", "assumption") and isinstance(v, str):
                    yield (format_key(path) or "(scenario)", k, v)
                else:
                    yield from walk(v, path + (k,))
        elif isinstance(value, list):  # a calendar's periods
            for i, v in enumerate(value):
                yield from walk(v, path + (i,))

    yield from walk({k: v for k, v in clean.items() if k != "contingent_defaults"}, ())
    for k in ("source", "assumption"):
        v = (clean.get("contingent_defaults") or {}).get(k)
        if v:
            yield ("contingent_defaults", k, v)
