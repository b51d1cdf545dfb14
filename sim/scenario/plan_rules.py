"""Cross-key rules of model v2's plans: groups, phases, ceilings, ``leave_with``, split ids.

One function per rule, as in :mod:`drawdown.scenario.rules`; the plan build
(``drawdown.scenario.plan_build``) calls them. The cycles of the graph of waits are
found by ``drawdown.scenario.waits``.

Example
-------
>>> from drawdown.scenario.problems import Problems
>>> found = Problems({}, "s.toml")
>>> phase_has_members(found, "one", [])
False
>>> print(found.items[0].key, "|", found.items[0].message)
phases.one.members | a phase with no members; expected contingent ids, nations, bases or group names
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .network_rules import close_hint
from .problems import Problems

__all__ = [
    "PART_NAME",
    "split_part_plain",
    "group_name_free",
    "no_group_cycle",
    "member_known",
    "phase_has_members",
    "contingent_in_one_phase",
    "phase_not_after_itself",
    "phase_start_known",
    "ceiling_keys_need_ceiling",
    "ceiling_has_release",
    "ceiling_counts_members",
    "until_not_own_phase",
    "leave_with_other_nation",
    "no_leave_with_cycle",
]

#: The part of a split contingent id, after ``#``: a plain name.
PART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def split_part_plain(problems: Problems, cid: str, part: str) -> bool:
    """Rule: the part of a split id ``NATION@BASE#PART`` is a plain name (letters, digits, ``_``, ``-``)."""
    if PART_NAME.fullmatch(part):
        return True
    problems.add(
        ("contingents", cid),
        f"the part {part!r} after '#' is not a plain name; expected NATION@BASE#PART with PART of letters, "
        "digits, '_' and '-' (starting with a letter or digit)",
    )
    return False


def group_name_free(problems: Problems, name: str, taken: dict[str, str]) -> bool:
    """Rule: a group's name is not already a contingent id, a base or a nation (a member name means one thing)."""
    if name in taken:
        problems.add(("groups", name), f"{name!r} is already {taken[name]}; expected a group name that is not")
        return False
    return True


def no_group_cycle(problems: Problems, cycle: Sequence[str]) -> None:
    """Rule: a group does not contain itself, directly or through other groups."""
    problems.add(("groups", cycle[0]), f"groups contain each other: {' -> '.join(cycle)}; expected no cycles")


def member_known(problems: Problems, path: tuple, name: str, names: Sequence[str]) -> bool:
    """Rule: a member name is a contingent id, a ``NATION@BASE`` with parts, a group, a base or a nation."""
    if name in names:
        return True
    problems.add(
        path, f"unknown member {name!r}{close_hint(name, names)} (members are contingent ids, nations, bases, groups)"
    )
    return False


def phase_has_members(problems: Problems, phase: str, members: Sequence) -> bool:
    """Rule: a phase has at least one member."""
    if members:
        return True
    problems.add(
        ("phases", phase, "members"), "a phase with no members; expected contingent ids, nations, bases or group names"
    )
    return False


def contingent_in_one_phase(problems: Problems, phase: str, cid: str, first: str) -> None:
    """Rule: a contingent is in at most one phase (split it, ``NATION@BASE#PART``, to put troops in two)."""
    problems.add(
        ("phases", phase, "members"),
        f"contingent {cid} is already in phase {first!r}; expected each contingent in one phase at most "
        "(split it with NATION@BASE#PART to put its troops in two)",
    )


def phase_not_after_itself(problems: Problems, phase: str) -> bool:
    """Rule: a phase does not start after itself is complete."""
    problems.add(
        ("phases", phase, "start"),
        f"phase {phase!r} starts after itself is complete; expected order, conditions, a date or another phase",
    )
    return False


def phase_start_known(problems: Problems, phase: str, start: str, phases: Sequence[str]) -> bool:
    """Rule: a phase's ``start`` is ``"order"``, ``"conditions"``, a date or another phase's name."""
    choices = ["order", "conditions", *phases]
    if start in choices:
        return True
    problems.add(
        ("phases", phase, "start"),
        f"unknown phase {start!r}{close_hint(start, choices)} (start is order, conditions, a date or a phase name)",
    )
    return False


def ceiling_keys_need_ceiling(problems: Problems, phase: str, table: dict) -> None:
    """Rule: ``ceiling_nation`` and ``until`` come with a ``ceiling``."""
    for key in ("ceiling_nation", "until"):
        if key in table and "ceiling" not in table:
            problems.add(("phases", phase, key), f"{key} without a ceiling; expected a ceiling (troops) with it")


def ceiling_has_release(problems: Problems, phase: str) -> None:
    """Rule: a ceiling is released: ``until`` a phase or a date, or a phase that starts after this one."""
    problems.add(
        ("phases", phase, "ceiling"),
        "a ceiling with no release: the force would be held at it to the horizon; expected until = a phase "
        f"or a date, or a phase with start = {phase!r}",
    )


def ceiling_counts_members(problems: Problems, phase: str, nation: str) -> None:
    """Rule: a nation's ceiling counts some of its phase's members (else their exits can never reach it)."""
    problems.add(
        ("phases", phase, "ceiling_nation"),
        f"the ceiling counts {nation}'s troops, but no member of phase {phase!r} is of {nation}: "
        "it counts nobody of the phase; expected a nation of its members",
    )


def until_not_own_phase(problems: Problems, phase: str) -> bool:
    """Rule: a ceiling is not released by its own phase's start (it would never bind)."""
    problems.add(
        ("phases", phase, "until"),
        f"the ceiling of {phase!r} would be released at its own start and never bind; expected a later phase or a date",
    )
    return False


def leave_with_other_nation(problems: Problems, cid: str, nation: str, lead: str) -> bool:
    """Rule: a contingent leaves with another nation than its own."""
    if lead != nation:
        return True
    problems.add(
        ("contingents", cid, "leave_with"),
        f"{cid} would leave with its own nation {lead!r}; expected another (framework) nation",
    )
    return False


def no_leave_with_cycle(problems: Problems, cycle: Sequence[str], first: str) -> None:
    """Rule: framework nations do not wait for each other in a cycle (``leave_with``)."""
    problems.add(
        ("contingents", first, "leave_with"),
        f"leave_with cycle between nations: {' -> '.join(cycle)}; expected no cycles",
    )
