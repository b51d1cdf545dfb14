"""Scenario files: where they are, how they are read, and how ``extends`` merges them.

This stage knows TOML and files, nothing of what the keys mean: it returns the merged
raw table and, for every key, the file that set it (so errors can name that file).

Every TOML file drawdown reads (scenarios and sweep specs) goes through
:func:`read_text_file` and :func:`parse_toml`: a regular file of at most
:data:`MAX_FILE_BYTES`, UTF-8 (a byte-order mark is accepted and dropped), nested at
most :data:`MAX_DEPTH` levels; anything else is a :class:`ScenarioError` naming the
file, never a traceback.

A file reached through ``extends`` (or a sweep's ``base``) is read only if it looks like
a drawdown scenario: a ``.toml`` file that parses and has at least one scenario key at
the top level. Otherwise the error says "not a drawdown scenario" and nothing of its
content (keys, values, the parser's message) is echoed.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import stat
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from .keypath import format_key
from .schema import PROSE, TOP_KEYS

__all__ = [
    "MAX_CHAIN",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "scenario_dir",
    "list_scenario_files",
    "find_scenario",
    "find_referenced",
    "read_text_file",
    "parse_toml",
    "read_chain",
]

#: The largest scenario or sweep spec file read (a scenario is a few kilobytes of text).
MAX_FILE_BYTES = 4 * 2**20
#: The deepest nesting of tables and arrays below a file's top level (a scenario needs 3).
MAX_DEPTH = 32
#: The most files in an ``extends`` chain.
MAX_CHAIN = 64
#: A scenario names a parent or a sweep its base as a name or a path to one of these.
SUFFIX = ".toml"

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Top-level keys that only a scenario has: a file reached by reference with none is not one.
_SCENARIO_KEYS = frozenset(TOP_KEYS - set(PROSE) - {"description", "notes"}) | {"extends"}
_WHERE = re.compile(r"\((at line \d+, column \d+|at end of document)\)$")


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


def _shipped() -> str:
    return ", ".join(p.stem for p in list_scenario_files())


def _expand(text: str) -> Path:
    """``text`` as a path, ``~`` expanded where it can be (left as it is otherwise)."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # ~user of no such user, or no home directory
        return Path(text)


def _what_is(p: Path) -> str | None:
    """None when ``p`` is a regular file (or a link to one); otherwise what it is, in words."""
    try:
        st = p.stat()
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return "missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a device, FIFO or socket)"
    return None


def _candidates(text: str, relative_to: Path | None) -> list[Path]:
    """Where a scenario name or path is looked for, in order."""
    if text.endswith(SUFFIX) or "/" in text or "\\" in text:
        p = _expand(text)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        return [p]
    out = [relative_to / f"{text}{SUFFIX}"] if relative_to is not None else []
    return out + [scenario_dir() / f"{text}{SUFFIX}"]


def find_scenario(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """Resolve a scenario name or path to a file.

    A path (anything with a suffix or a separator) is taken as it is, relative to
    ``relative_to`` when given. A bare name is looked up beside ``relative_to``,
    then among the shipped scenarios.

    Raises
    ------
    ScenarioError
        If no such file exists, or it is a directory or not a regular file.

    Examples
    --------
    >>> from drawdown.scenario import find_scenario
    >>> find_scenario("doha-2021-05-01").name
    'doha-2021-05-01.toml'
    >>> find_scenario("no-such-scenario")
    Traceback (most recent call last):
    ...
    drawdown.errors.ScenarioError: .../no-such-scenario.toml: no such scenario file (shipped scenarios: ...)
    """
    text = str(name_or_path)
    if not text:
        raise ScenarioError([Problem("''", "", "expected a scenario name or path, found an empty string")])
    candidates = _candidates(text, relative_to)
    for c in candidates:
        what = _what_is(c)
        if what is None:
            return c
        if what != "missing":
            raise ScenarioError([Problem(str(c), "", f"{what}; expected a scenario file ({SUFFIX})")])
    raise ScenarioError([Problem(str(candidates[0]), "", f"no such scenario file (shipped scenarios: {_shipped()})")])


def find_referenced(name: object, *, relative_to: Path, file: str, key: str) -> Path:
    """The scenario file that ``key`` of ``file`` names (``extends``, a sweep's ``base``).

    A name is looked up beside ``relative_to`` (the folder of ``file``), then among the
    shipped scenarios; a path must end in ``.toml``. Problems name ``file`` and ``key``.

    Raises
    ------
    ScenarioError
        When ``name`` is not a string, a path that does not end in ``.toml``, or names
        no scenario file.

    Examples
    --------
    >>> from pathlib import Path
    >>> from drawdown.scenario.sources import find_referenced
    >>> find_referenced("base-force-2021-02", relative_to=Path("."), file="s.toml", key="extends").name
    'base-force-2021-02.toml'
    >>> find_referenced("/etc/passwd", relative_to=Path("."), file="s.toml", key="extends")
    Traceback (most recent call last):
    ...
    drawdown.errors.ScenarioError: s.toml: extends: expected a scenario name or a path to a .toml file, found ...
    """

    def bad(message: str) -> ScenarioError:
        return ScenarioError([Problem(file, key, message)])

    if not isinstance(name, str) or not name:
        found = "an empty string" if name == "" else repr(name)
        raise bad(f"expected a scenario name or path (string), found {found}")
    candidates = _candidates(name, relative_to)
    if len(candidates) == 1 and candidates[0].suffix != SUFFIX:
        raise bad(f"expected a scenario name or a path to a {SUFFIX} file, found {name!r}")
    for c in candidates:
        what = _what_is(c)
        if what is None:
            return c
        if what != "missing":
            raise bad(f"{name!r}: {c} {what}; expected a scenario file ({SUFFIX})")
    looked = " and ".join(str(c) for c in candidates)
    raise bad(f"scenario {name!r} not found (looked for {looked}; shipped scenarios: {_shipped()})")


def read_text_file(path: str | Path, what: str = "scenario file") -> str:
    """The text of a UTF-8 file, a byte-order mark dropped; problems name the file.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for messages ("scenario file", "sweep spec").

    Raises
    ------
    ScenarioError
        When the file cannot be read, is a directory, a device or a FIFO, is larger than
        :data:`MAX_FILE_BYTES`, or is not UTF-8 text.

    Examples
    --------
    >>> from drawdown.scenario.sources import read_text_file
    >>> _ = open("bom.toml", "wb").write(b"\\xef\\xbb\\xbfstart = 2021-01-01\\n")
    >>> read_text_file("bom.toml")
    'start = 2021-01-01\\n'
    >>> read_text_file(".")
    Traceback (most recent call last):
    ...
    drawdown.errors.ScenarioError: .: is a directory; expected a scenario file
    """
    data = _read_bytes(Path(path), what)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    elif data.startswith(_UTF16_BOMS):
        raise _file_error(path, f"starts with a UTF-16 byte-order mark; expected a UTF-8 encoded {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {exc.start + 1}, line {line}); expected a UTF-8 encoded {what}"
        raise _file_error(path, message) from None


def _file_error(path: str | Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), "", message)])


def _read_bytes(path: Path, what: str) -> bytes:
    """At most :data:`MAX_FILE_BYTES` of a regular file (opened without blocking on a FIFO)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise _file_error(path, f"is a directory; expected a {what}") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _file_error(path, f"cannot read the {what}: {reason}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _file_error(path, f"is a directory; expected a {what}")
        if not stat.S_ISREG(mode):
            raise _file_error(path, f"is not a regular file (a device, FIFO or socket); expected a {what}")
        with open(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _file_error(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(path, f"is larger than {MAX_FILE_BYTES // 2**20} MiB; expected a {what} (TOML text)")
    return data


def parse_toml(
    text: str, file: str, *, parse_float: Callable[[str], Any] = float, prefix: str = "malformed TOML"
) -> dict[str, Any]:
    """The table of a TOML text, or a :class:`ScenarioError` naming ``file``.

    Besides the parser's own errors, refuses what would make it (or anything after it)
    fail: nesting deeper than :data:`MAX_DEPTH` levels, and integers too long to read.

    Parameters
    ----------
    text : str
    file : str
        Named by the problems.
    parse_float : callable
        As :func:`tomllib.loads` takes it.
    prefix : str
        Opening of the messages of a text that is not TOML.

    Examples
    --------
    >>> from drawdown.scenario.sources import parse_toml
    >>> parse_toml("a = [1, [2]]", "f.toml")
    {'a': [1, [2]]}
    >>> parse_toml("a = " + "[" * 40 + "]" * 40, "f.toml")
    Traceback (most recent call last):
    ...
    drawdown.errors.ScenarioError: f.toml: a: nested more than 32 levels deep (tables and arrays); expected at most 32
    """
    try:
        data = tomllib.loads(text, parse_float=parse_float)
    except tomllib.TOMLDecodeError as exc:
        raise _file_error(file, f"{prefix}: {exc}") from None
    except RecursionError:
        raise _file_error(
            file, f"{prefix}: arrays or inline tables nested too deeply; expected at most {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:  # an integer past Python's limit of digits for a conversion
        reason = "an integer with too many digits" if "digits" in str(exc) else str(exc)
        raise _file_error(file, f"{prefix}: {reason}") from None
    too_deep = _too_deep(data)
    if too_deep is not None:
        raise ScenarioError(
            [
                Problem(
                    file,
                    too_deep,
                    f"nested more than {MAX_DEPTH} levels deep (tables and arrays); expected at most {MAX_DEPTH}",
                )
            ]
        )
    return data


def _too_deep(data: dict[str, Any]) -> str | None:
    """The top-level key under which ``data`` nests past :data:`MAX_DEPTH`, or None (no recursion)."""
    for key, value in data.items():
        stack: list[tuple[Any, int]] = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
            for child in children:
                if isinstance(child, (dict, list)):
                    if depth + 1 > MAX_DEPTH:
                        return format_key((key,))
                    stack.append((child, depth + 1))
    return None


def _normalise(value: Any) -> Any:
    """TOML values as the schema wants them: dates as dates, numbers exact."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.time)):
        return value  # rejected later, with the key's name
    return value


def _read(path: Path, referrer: tuple[str, str] | None) -> dict:
    """A scenario file's table; one reached by reference must look like a scenario."""
    if referrer is None:
        return _normalise(parse_toml(read_text_file(path), str(path), parse_float=Decimal))
    by = (
        f"extended by {referrer[0]} at key extends"
        if referrer[1] == "extends"
        else f"named by {referrer[0]} at key {referrer[1]}"
    )
    not_one = f"not a drawdown scenario ({by})"
    text = read_text_file(path)  # its problems are of the file, not of its content
    try:
        data = parse_toml(text, str(path), parse_float=Decimal)
    except ScenarioError as exc:
        where = _WHERE.search(exc.problems[0].message)
        detail = f": not valid TOML {where.group(1)}" if where else ""
        raise _file_error(path, not_one + detail) from None
    if not _SCENARIO_KEYS.intersection(data):
        raise _file_error(path, not_one)
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


def read_chain(path: Path, *, referrer: tuple[str, str] | None = None) -> tuple[dict, dict, list[str]]:
    """Read a scenario file and everything it ``extends``, merged.

    Parameters
    ----------
    path : Path
        The scenario file.
    referrer : (str, str), optional
        The file and key that named ``path`` (a sweep spec and ``"base"``): then
        ``path`` too must look like a scenario, as every file it extends must.

    Returns
    -------
    merged : dict
        The merged table, ``extends`` removed.
    origin : dict
        Key-path tuple to the file that set it.
    chain : list of str
        The files read, from the most basic to ``path``.

    Raises
    ------
    ScenarioError
        When a file cannot be read or parsed, an ``extends`` names no scenario file,
        a file reached through ``extends`` is not a drawdown scenario, the chain has a
        cycle or more than :data:`MAX_CHAIN` files.

    Examples
    --------
    >>> from pathlib import Path
    >>> from drawdown.scenario import find_scenario, read_chain
    >>> merged, origin, chain = read_chain(find_scenario("doha-2021-05-01"))
    >>> [Path(f).stem for f in chain], "extends" in merged
    (['base-force-2021-02', 'doha-2021-05-01'], False)
    """
    chain: list[Path] = []
    seen: list[Path] = []
    tables: list[dict] = []
    current = Path(path)
    while True:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(str(c) for c in chain + [current])
            raise ScenarioError([Problem(str(chain[-1]), "extends", f"extends cycle: {cycle}")])
        if len(chain) == MAX_CHAIN:
            message = f"extends chain longer than {MAX_CHAIN} files (from {chain[0]}); expected at most {MAX_CHAIN}"
            raise ScenarioError([Problem(str(chain[-1]), "extends", message)])
        data = _read(current, referrer)
        chain.append(current)
        seen.append(resolved)
        tables.append(data)
        parent = data.pop("extends", None)
        if parent is None:
            break
        current = find_referenced(parent, relative_to=current.parent, file=str(current), key="extends")
        referrer = (str(chain[-1]), "extends")
    merged: dict = {}
    origin: dict = {}
    for file, data in zip(reversed(chain), reversed(tables), strict=True):
        merged = _merge(merged, data, origin, str(file), ())
    return merged, origin, [str(c) for c in reversed(chain)]
