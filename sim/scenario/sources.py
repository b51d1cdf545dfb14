"""Scenario files: where they are, how they are read, and how ``extends`` merges them.

This stage knows TOML and files, nothing of what the keys mean: it returns the merged
raw table and, for every key, the file that set it (so errors can name that file).
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError

__all__ = ["scenario_dir", "list_scenario_files", "find_scenario", "read_chain"]


def scenario_dir() -> Path:
    """The directory of the shipped scenarios (installed or in a source checkout).

    Installed, ``scenarios/`` is the package ``drawdown._scenarios`` beside the
    package (``importlib.resources`` gives a ``MultiplexedPath`` for it, not a path, so
    the directory is found from this file); in a checkout it is ``scenarios/`` at the
    repository root.
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_scenarios", package.parent / "scenarios"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return package.parent / "scenarios"


def list_scenario_files() -> list[Path]:
    """Shipped scenario files, sorted by name."""
    return sorted(scenario_dir().glob("*.toml"))


def find_scenario(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """Resolve a scenario name or path to a file.

    A path (anything with a suffix or a separator) is taken as it is, relative to
    ``relative_to`` when given. A bare name is looked up beside ``relative_to``,
    then among the shipped scenarios.

    Raises
    ------
    ScenarioError
        If no such file exists.
    """
    text = str(name_or_path)
    candidates = []
    is_path = text.endswith(".toml") or "/" in text or "\\" in text
    if is_path:
        p = Path(text).expanduser()
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        candidates.append(p)
    else:
        if relative_to is not None:
            candidates.append(relative_to / f"{text}.toml")
        candidates.append(scenario_dir() / f"{text}.toml")
    for c in candidates:
        if c.is_file():
            return c
    known = ", ".join(p.stem for p in list_scenario_files())
    raise ScenarioError([Problem(str(candidates[0]), "", f"no such scenario file (shipped scenarios: {known})")])


def _normalise(value: Any) -> Any:
    """TOML values as the schema wants them: dates as dates, numbers exact."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.time)):
        return value  # rejected later, with the key's name
    return value


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(str(path), "", f"malformed TOML: {exc}")]) from None
    except UnicodeDecodeError as exc:
        message = f"malformed TOML: not UTF-8 text (byte {exc.start + 1}); expected a UTF-8 encoded file"
        raise ScenarioError([Problem(str(path), "", message)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), "", f"cannot read file: {exc.strerror}")]) from None
    return _normalise(data)


def _merge(base: dict, over: dict, origin: dict, file: str, prefix: tuple) -> dict:
    out = dict(base)
    for key, value in over.items():
        path = prefix + (key,)
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, origin, file, path)
        else:
            out[key] = value
            _mark(value, origin, file, path)
    return out


def _mark(value: Any, origin: dict, file: str, path: tuple) -> None:
    origin[path] = file
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(v, origin, file, path + (k,))


def read_chain(path: Path) -> tuple[dict, dict, list[str]]:
    """Read a scenario file and everything it ``extends``, merged.

    Returns
    -------
    merged : dict
        The merged table, ``extends`` removed.
    origin : dict
        Key-path tuple to the file that set it.
    chain : list of str
        The files read, from the most basic to ``path``.
    """
    chain: list[Path] = []
    tables: list[dict] = []
    current = Path(path)
    while True:
        resolved = current.resolve()
        if resolved in [c.resolve() for c in chain]:
            cycle = " -> ".join(str(c) for c in chain + [current])
            raise ScenarioError([Problem(str(chain[-1]), "extends", f"extends cycle: {cycle}")])
        data = _read(current)
        chain.append(current)
        tables.append(data)
        parent = data.pop("extends", None)
        if parent is None:
            break
        if not isinstance(parent, str):
            raise ScenarioError(
                [Problem(str(current), "extends", f"expected a scenario name or path (string), found {parent!r}")]
            )
        try:
            current = find_scenario(parent, relative_to=current.parent)
        except ScenarioError as exc:
            raise ScenarioError(
                [Problem(str(chain[-1]), "extends", f"{parent!r}: {p.message}") for p in exc.problems]
            ) from None
    merged: dict = {}
    origin: dict = {}
    for file, data in zip(reversed(chain), reversed(tables), strict=True):
        merged = _merge(merged, data, origin, str(file), ())
    return merged, origin, [str(c) for c in reversed(chain)]
