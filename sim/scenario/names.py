"""Names of the shipped scenarios and overlays: where they are, how a name finds one.

The shipped files live in one directory (:func:`scenario_dir`): full scenarios at its
top, **overlays** in the folders named by :data:`OVERLAY_FOLDERS` (``deadlines/``,
``conditions/``, ``threats/``). The folder is what makes a file an overlay: a small
scenario file that sets a few keys (a deadline, a council rule, a threat) and is meant
to be laid on a full scenario, by ``extends = [...]`` or by a composition
(``base-force-2021-02+deadline-2021-05-01``); loaded alone it is not a valid scenario.

An overlay is named with its folder (``deadlines/deadline-2021-05-01``) or, when no
full scenario and no other overlay has that name, by its name alone
(``deadline-2021-05-01``). Nothing here imports numpy.

Example
-------
>>> from drawdown.scenario.names import overlay_names, scenario_names
>>> "deadlines/deadline-2021-05-01" in overlay_names()
True
>>> scenario_names("doha")
['doha-2021-05-01']
>>> scenario_names("base-force-2021-02+deadline-2021-0")
['base-force-2021-02+deadline-2021-05-01', 'base-force-2021-02+deadline-2021-09-11']
"""

from __future__ import annotations

import difflib
from pathlib import Path

__all__ = [
    "OVERLAY_FOLDERS",
    "COMPOSE",
    "SUFFIX",
    "scenario_dir",
    "list_scenario_files",
    "list_overlay_files",
    "overlay_names",
    "full_names",
    "shipped_overlay",
    "close_names",
    "scenario_names",
]

#: The folders of the shipped scenario directory that hold overlays, in listing order.
OVERLAY_FOLDERS = ("deadlines", "conditions", "threats")
#: Joins the parts of a composition: ``BASE+OVERLAY[+OVERLAY...]``, laid on left to right.
COMPOSE = "+"
#: A scenario names a parent or a sweep its base as a name or a path to one of these.
SUFFIX = ".toml"


def scenario_dir() -> Path:
    """The directory of the shipped scenarios (installed or in a source checkout).

    Installed, ``scenarios/`` is the package ``drawdown._scenarios`` beside the
    package (``importlib.resources`` gives a ``MultiplexedPath`` for it, not a path, so
    the directory is found from this file); in a checkout it is ``scenarios/`` at the
    repository root.

    >>> (scenario_dir() / "doha-2021-05-01.toml").is_file()
    True
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_scenarios", package.parent / "scenarios"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return package.parent / "scenarios"


def list_scenario_files() -> list[Path]:
    """Shipped full scenario files (not overlays), sorted by name.

    >>> [p.stem for p in list_scenario_files()][:2]
    ['announced-2021-09-11', 'base-force-2021-02']
    """
    return sorted(scenario_dir().glob(f"*{SUFFIX}"))


def list_overlay_files() -> list[tuple[str, Path]]:
    """Shipped overlays as ``(folder, file)``, by folder (:data:`OVERLAY_FOLDERS` order), then name.

    >>> [(folder, p.name) for folder, p in list_overlay_files()][0]
    ('deadlines', 'deadline-2021-05-01.toml')
    """
    root = scenario_dir()
    return [(folder, p) for folder in OVERLAY_FOLDERS for p in sorted((root / folder).glob(f"*{SUFFIX}"))]


def full_names() -> list[str]:
    """Names of the shipped full scenarios.

    >>> "doha-2021-05-01" in full_names()
    True
    """
    return [p.stem for p in list_scenario_files()]


def overlay_names() -> list[str]:
    """Names of the shipped overlays, each with its folder (``deadlines/deadline-2021-05-01``).

    >>> overlay_names()[0]
    'deadlines/deadline-2021-05-01'
    """
    return [f"{folder}/{p.stem}" for folder, p in list_overlay_files()]


def _short_overlay_names() -> dict[str, list[Path]]:
    """An overlay's bare name to every shipped overlay file of that name."""
    out: dict[str, list[Path]] = {}
    for _folder, p in list_overlay_files():
        out.setdefault(p.stem, []).append(p)
    return out


def shipped_overlay(name: str) -> tuple[Path | None, list[str]]:
    """The shipped overlay a bare name or ``FOLDER/NAME`` names: ``(file, [])``, or
    ``(None, candidates)`` when there is none (``[]``) or more than one (their names).

    >>> path, _ = shipped_overlay("deadline-2021-09-11")
    >>> path.parent.name, path.name
    ('deadlines', 'deadline-2021-09-11.toml')
    >>> shipped_overlay("no-such-overlay")
    (None, [])
    """
    root = scenario_dir()
    if "/" in name:
        folder, _, stem = name.partition("/")
        p = root / folder / f"{stem}{SUFFIX}"
        return (p, []) if folder in OVERLAY_FOLDERS and "/" not in stem and p.is_file() else (None, [])
    found = _short_overlay_names().get(name, [])
    if len(found) == 1:
        return found[0], []
    return None, [f"{p.parent.name}/{p.stem}" for p in found]


def close_names(name: str, n: int = 3) -> list[str]:
    """The shipped scenario and overlay names closest to ``name`` (``difflib``), best first.

    An overlay is offered by its bare name where that is unambiguous.

    >>> close_names("doha-2021-05-10")
    ['doha-2021-05-01', 'deadline-2021-05-01', 'deadline-2021-09-11']
    >>> close_names("escalaton", n=1)
    ['escalation']
    """
    candidates = list(dict.fromkeys(full_names() + _bare_overlay_names() + overlay_names()))
    return difflib.get_close_matches(name, candidates, n=n, cutoff=0.6)


def _bare_overlay_names() -> list[str]:
    """Overlays' names without their folder, where that names one overlay and no full scenario."""
    full = set(full_names())
    return [stem for stem, ps in _short_overlay_names().items() if len(ps) == 1 and stem not in full]


def scenario_names(prefix: str = "") -> list[str]:
    """Completions of a scenario argument: full names, overlays, and compositions after ``+``.

    Before any ``+`` the candidates are the full scenarios and the overlays (by bare name
    where unambiguous, and with their folder); after one, the text up to the last ``+``
    is kept and the overlays complete the part after it.

    Parameters
    ----------
    prefix : str
        What has been typed so far.

    Returns
    -------
    list of str
        Every candidate that starts with ``prefix``, in listing order.

    Examples
    --------
    >>> scenario_names("escala")
    ['escalation', 'escalating-attacks']
    >>> scenario_names("doha-2021-05-01+threats/")
    ['doha-2021-05-01+threats/escalating-attacks']
    """
    overlays = _bare_overlay_names() + overlay_names()
    head, plus, tail = prefix.rpartition(COMPOSE)
    if plus:
        return [f"{head}{COMPOSE}{name}" for name in overlays if name.startswith(tail)]
    return [name for name in full_names() + overlays if name.startswith(prefix)]
