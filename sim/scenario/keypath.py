"""Key paths: one syntax that names a value in a scenario.

``contingents."US@Bagram".troops``, ``threat.attack_rate_after``,
``decision.meetings[2]``. Segments that are not bare TOML keys are double-quoted.
The same syntax serves error messages, sweep factors and ``Scenario.replace``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["format_key", "parse_key"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _segment(part: str | int) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if _BARE.match(part):
        return part
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_key(parts: Iterable[str | int]) -> str:
    """Join path parts into a key path.

    >>> format_key(("contingents", "US@Bagram", "troops"))
    'contingents."US@Bagram".troops'
    >>> format_key(("decision", "meetings", 2))
    'decision.meetings[2]'
    """
    out = ""
    for part in parts:
        seg = _segment(part)
        if isinstance(part, int):
            out += seg
        else:
            out += ("." if out else "") + seg
    return out


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_-]+)|\[(\d+)\])\s*')


def parse_key(path: str) -> tuple:
    """Split a key path into its parts.

    >>> parse_key('contingents."US@Bagram".troops')
    ('contingents', 'US@Bagram', 'troops')
    >>> parse_key('decision.meetings[2]')
    ('decision', 'meetings', 2)

    Raises
    ------
    ValueError
        If ``path`` is not a key path.
    """
    parts: list = []
    pos = 0
    expect_segment = True
    while pos < len(path):
        if not expect_segment:
            if path[pos] == ".":
                pos += 1
                expect_segment = True
                continue
            if path[pos] != "[":
                raise ValueError(f"bad key path {path!r} at character {pos + 1}")
        m = _TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad key path {path!r} at character {pos + 1}")
        quoted, bare, index = m.groups()
        if index is not None:
            if not parts:
                raise ValueError(f"bad key path {path!r}: index without a key")
            parts.append(int(index))
        elif quoted is not None:
            parts.append(re.sub(r"\\(.)", r"\1", quoted))
        else:
            parts.append(bare)
        pos = m.end()
        expect_segment = False
    if expect_segment:
        raise ValueError(f"bad key path {path!r}: empty segment")
    return tuple(parts)
