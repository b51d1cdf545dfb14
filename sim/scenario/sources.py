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
from .names import (
    COMPOSE,
    OVERLAY_FOLDERS,
    SUFFIX,
    close_names,
    full_names,
    list_scenario_files,
    scenario_dir,
    shipped_overlay,
)
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
    "read_composition",
    "split_composition",
    "is_sweep_spec",
]

#: The largest scenario or sweep spec file read (a scenario is a few kilobytes of text).
MAX_FILE_BYTES = 4 * 2**20
#: The deepest nesting of tables and arrays below a file's top level (a scenario needs 3).
MAX_DEPTH = 32
#: The most files a scenario brings together through ``extends`` (every file of every list, itself included).
MAX_CHAIN = 64
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Top-level keys that only a scenario has: a file reached by reference with none is not one.
_SCENARIO_KEYS = frozenset(TOP_KEYS - set(PROSE) - {"description", "notes"}) | {"extends"}
_WHERE = re.compile(r"\((at line \d+, column \d+|at end of document)\)$")


def _shipped() -> str:
    return ", ".join(full_names())


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


def _is_overlay_name(text: str) -> bool:
    """Whether ``text`` is ``FOLDER/NAME`` of a shipped overlay folder (a name, not a path)."""
    folder, slash, stem = text.partition("/")
    return bool(slash) and folder in OVERLAY_FOLDERS and bool(stem) and "/" not in stem and "\\" not in stem


def _is_path(text: str) -> bool:
    """Whether ``text`` is a path (a suffix or a separator) rather than a name."""
    if text.endswith(SUFFIX):
        return True
    return ("/" in text or "\\" in text) and not _is_overlay_name(text)


def _candidates(text: str, relative_to: Path | None) -> tuple[list[Path], list[str]]:
    """Where a scenario name or path is looked for, in order, and the overlays a bare
    name matches when it matches more than one (then it names none of them)."""
    if _is_path(text):
        p = _expand(text)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        return [p], []
    out = [relative_to / f"{text}{SUFFIX}"] if relative_to is not None else []
    out.append(scenario_dir() / f"{text}{SUFFIX}")
    overlay, ambiguous = shipped_overlay(text)
    return out + ([overlay] if overlay is not None else []), ambiguous


def _not_found(name: str, ambiguous: list[str]) -> str:
    """Why a name names no file: the overlays it could mean, or the closest names."""
    if ambiguous:
        return f"names more than one overlay ({', '.join(ambiguous)}); expected one of these names"
    close = [] if _is_path(name) else close_names(name)  # a path's typo is not a shipped name's
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{hint}(shipped scenarios: {_shipped()}; overlays: see `drawdown list`)"


def find_scenario(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """Resolve a scenario name or path to a file.

    A path (anything with a suffix or a separator) is taken as it is, relative to
    ``relative_to`` when given. A bare name is looked up beside ``relative_to``,
    then among the shipped scenarios, then among the shipped overlays (by its bare
    name when only one overlay has it, or as ``FOLDER/NAME``). An unknown name is
    answered with the closest shipped names.

    Raises
    ------
    ScenarioError
        If no such file exists, or it is a directory or not a regular file.

    Examples
    --------
    >>> from drawdown.scenario import find_scenario
    >>> find_scenario("doha-2021-05-01").name
    'doha-2021-05-01.toml'
    >>> find_scenario("deadline-2021-09-11").parent.name
    'deadlines'
    >>> find_scenario("doha-2021-05-10")
    Traceback (most recent call last):
    ...
    drawdown.errors.ScenarioError: .../doha-2021-05-10.toml: no such scenario file; did you mean 'doha-2021-05-01' ...
    """
    text = str(name_or_path)
    if not text:
        raise ScenarioError([Problem("''", "", "expected a scenario name or path, found an empty string")])
    candidates, ambiguous = _candidates(text, relative_to)
    for c in candidates:
        what = _what_is(c)
        if what is None:
            return c
        if what != "missing":
            raise ScenarioError([Problem(str(c), "", f"{what}; expected a scenario file ({SUFFIX})")])
    raise ScenarioError([Problem(str(candidates[0]), "", f"no such scenario file; {_not_found(text, ambiguous)}")])


def find_referenced(name: object, *, relative_to: Path, file: str, key: str) -> Path:
    """The scenario file that ``key`` of ``file`` names (``extends``, a sweep's ``base``).

    A name is looked up beside ``relative_to`` (the folder of ``file``), then among the
    shipped scenarios and overlays; a path must end in ``.toml``. Problems name ``file``
    and ``key``.

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
    >>> find_referenced("deadlines/deadline-2021-05-01", relative_to=Path("."), file="s.toml", key="extends[1]").name
    'deadline-2021-05-01.toml'
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
    candidates, ambiguous = _candidates(name, relative_to)
    if _is_path(name) and candidates[0].suffix != SUFFIX:
        raise bad(f"expected a scenario name or a path to a {SUFFIX} file, found {name!r}")
    for c in candidates:
        what = _what_is(c)
        if what is None:
            return c
        if what != "missing":
            raise bad(f"{name!r}: {c} {what}; expected a scenario file ({SUFFIX})")
    looked = " and ".join(str(c) for c in candidates)
    raise bad(f"scenario {name!r} not found (looked for {looked}); {_not_found(name, ambiguous)}")


def split_composition(text: str) -> list[str] | None:
    """The parts of a composition ``A+B[+C...]``, or None when ``text`` is one scenario.

    A text that names an existing file is that file, even with a ``+`` in it.

    >>> split_composition("base-force-2021-02+deadline-2021-05-01")
    ['base-force-2021-02', 'deadline-2021-05-01']
    >>> split_composition("doha-2021-05-01") is None
    True
    """
    if COMPOSE not in text or _what_is(_expand(text)) is None:
        return None
    return text.split(COMPOSE)


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
        f"extended by {referrer[0]} at key {referrer[1]}"
        if referrer[1].startswith("extends")
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


def is_sweep_spec(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file that reads as a sweep spec rather than a scenario:
    it has ``factors``, or a ``base`` and no top-level key that a scenario has.

    A file that cannot be read or parsed is not one (loading it as a scenario says why).

    >>> from drawdown.scenario.names import scenario_dir
    >>> is_sweep_spec(scenario_dir() / "sweeps" / "deadline-and-threat.toml")
    True
    >>> is_sweep_spec(scenario_dir() / "doha-2021-05-01.toml")
    False
    """
    if split_composition(str(path)) is not None or not str(path).endswith(SUFFIX):
        return False
    try:
        data = parse_toml(read_text_file(path, "sweep spec"), str(path))
    except ScenarioError:
        return False
    keys = set(data)
    return "factors" in keys or ("base" in keys and not keys & _SCENARIO_KEYS)


class _Linearizer:
    """Files in merge order: depth first, parents left to right, each file once, after
    every file it extends (docs/scenario-format.md, "Merge order")."""

    def __init__(self, top: str) -> None:
        self.top = top  # names the problems of the outermost reference (a composition)
        self.order: list[Path] = []
        self.tables: list[dict] = []
        self.done: set[Path] = set()
        self.stack: list[Path] = []  # files whose parents are being read, as named
        self.on_stack: list[Path] = []  # the same, resolved

    def visit(self, path: Path, referrer: tuple[str, str] | None, key: str) -> None:
        """Read ``path`` (named by the file on top of the stack at ``key``) and its parents."""
        resolved = path.resolve()
        if resolved in self.done:
            return
        where = str(self.stack[-1]) if self.stack else self.top
        if resolved in self.on_stack:
            cycle = " -> ".join(str(c) for c in self.stack + [path])
            raise ScenarioError([Problem(where, key, f"extends cycle: {cycle}")])
        if len(self.done) + len(self.stack) == MAX_CHAIN:
            first = self.stack[0] if self.stack else path
            message = f"extends chain longer than {MAX_CHAIN} files (from {first}); expected at most {MAX_CHAIN}"
            raise ScenarioError([Problem(where, key, message)])
        data = _read(path, referrer)
        self.stack.append(path)
        self.on_stack.append(resolved)
        for name, parent_key in _parents(data.pop("extends", None)):
            parent = find_referenced(name, relative_to=path.parent, file=str(path), key=parent_key)
            self.visit(parent, (str(path), parent_key), parent_key)
        self.stack.pop()
        self.on_stack.pop()
        self.done.add(resolved)
        self.order.append(path)
        self.tables.append(data)

    def merged(self) -> tuple[dict, dict, list[str]]:
        """The tables merged in order, each key's origin, and the files in merge order."""
        merged: dict = {}
        origin: dict = {}
        for file, data in zip(self.order, self.tables, strict=True):
            merged = _merge(merged, data, origin, str(file), ())
        return merged, origin, [str(c) for c in self.order]


def _parents(extends: Any) -> list[tuple[Any, str]]:
    """``(name, key path)`` of each file an ``extends`` value names, left to right."""
    if extends is None:
        return []
    if isinstance(extends, list):
        return [(name, format_key(("extends", i))) for i, name in enumerate(extends)]
    return [(extends, "extends")]


def read_chain(path: Path, *, referrer: tuple[str, str] | None = None) -> tuple[dict, dict, list[str]]:
    """Read a scenario file and everything it ``extends``, merged.

    ``extends`` names one file or a list of them. Files merge in a fixed order: depth
    first, the parents of a file left to right, each file once (where it is first
    reached) and always after every file it extends; the file itself last. Later files
    override earlier ones key by key, tables merged recursively, so in
    ``extends = ["a", "b"]`` a key that ``b`` sets wins over ``a``'s, and two overlays
    extending one base (a diamond) read the base once, first.

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
        Key-path tuple to the file that set it (the last in merge order).
    chain : list of str
        The files read, in merge order: the most basic first, ``path`` last.

    Raises
    ------
    ScenarioError
        When a file cannot be read or parsed, an ``extends`` names no scenario file,
        a file reached through ``extends`` is not a drawdown scenario, the files extend
        each other in a cycle, or there are more than :data:`MAX_CHAIN` of them.

    Examples
    --------
    >>> from pathlib import Path
    >>> from drawdown.scenario import find_scenario, read_chain
    >>> merged, origin, chain = read_chain(find_scenario("doha-2021-05-01"))
    >>> [Path(f).stem for f in chain], "extends" in merged
    (['base-force-2021-02', 'doha-2021-05-01'], False)
    """
    reader = _Linearizer(str(path))
    reader.visit(Path(path), referrer, referrer[1] if referrer else "")
    return reader.merged()


def read_composition(paths: list[Path], name: str) -> tuple[dict, dict, list[str]]:
    """Read the files of a composition ``A+B[+C...]`` and lay them on left to right.

    A composition is what a file with ``extends = [A, B, ...]`` and nothing else would
    be: the same merge order (:func:`read_chain`), ``name`` naming its problems.

    Examples
    --------
    >>> from pathlib import Path
    >>> from drawdown.scenario import find_scenario
    >>> from drawdown.scenario.sources import read_composition
    >>> parts = [find_scenario("base-force-2021-02"), find_scenario("deadline-2021-05-01")]
    >>> merged, origin, chain = read_composition(parts, "base-force-2021-02+deadline-2021-05-01")
    >>> merged["deadline"], Path(origin[("deadline",)]).name
    (datetime.date(2021, 5, 1), 'deadline-2021-05-01.toml')
    """
    reader = _Linearizer(name)
    for i, p in enumerate(paths):
        reader.visit(Path(p), None, f"part {i + 1}")
    return reader.merged()
