"""Directory locks, plain names and leftovers: what keeps a run, sweep or comparison
directory to one command at a time and its writes inside it (docs/design.md §6).

A command that writes a directory of drawdown's (a run, a sweep, a comparison, a merge,
the plots of ``drawdown plot``) holds its lock for as long as it works there: an
operating-system file lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows)
on ``DIR/.drawdown.lock``. A second command on the same directory fails at once with
:class:`DirectoryInUse`, naming the holder's PID, host and start time, which the
holder writes into the lock file. The lock goes when the command ends, however it
ends: the operating system drops it when the process dies, even of SIGKILL.

* **Re-entrant** within a process: the command line may take a directory's lock and
  the library take it again; a per-process registry, keyed by the lock file's resolved
  path, counts the holds and the last release lets go.
* **Shards share.** A shard of a run or sweep holds the directory's lock *shared* and
  its own part lock (``DIR/shards/.shard-IIII-of-NNNN.lock``) exclusively, so the
  shards of a job array run side by side in one directory while a merge, an unsharded
  run or a second copy of the same shard is refused. (Windows has no shared locks: a
  shard there takes only its part lock.)
* **No trace.** The holder removes the lock file while it still holds it, then lets
  go; whoever opened the old file meanwhile sees that the name no longer leads to the
  file it locked and starts again. A finished directory holds no lock file, and two
  identical runs leave identical directories. A lock file left by a killed process is
  a leftover: it counts as nothing, and the next command takes it over.

Leftovers of interrupted writes are the temporary files of
:func:`drawdown.results.atomic_write` (``.NAME.XXXXXXXX.tmp``) and the part folders of
:class:`drawdown.results.ReplicationWriter` (``.NAME.XXXXXXXX.parts``);
:func:`remove_temporaries` removes them, and only a command holding the lock may call
it. :func:`plain_name` checks a name read from a file before it becomes part of a path.

Example
-------
>>> import os, tempfile
>>> from drawdown.results import DirectoryInUse, lock_directory, lock_holder
>>> d = tempfile.mkdtemp()
>>> with lock_directory(d, what="run") as lock:
...     lock_holder(d)["pid"] == os.getpid(), lock_directory(d).held   # re-entrant
(True, True)
>>> os.listdir(d)   # nothing left behind
[]
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DrawdownError, ResultError

__all__ = [
    "LOCK_FILE",
    "DirectoryInUse",
    "DirectoryLock",
    "claim_directory",
    "is_leftover",
    "is_temporary",
    "lock_directory",
    "lock_holder",
    "plain_name",
    "remove_temporaries",
]

#: The lock file of a directory.
LOCK_FILE = ".drawdown.lock"
#: ``atomic_write``'s temporaries and ``ReplicationWriter``'s part folders: ``.NAME.`` +
#: the 8 characters of :func:`tempfile.mkstemp` + ``.tmp`` or ``.parts``.
_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.(?P<kind>tmp|parts)$")
#: A part lock: ``.NAME.lock`` in a folder of the directory.
_PART_LOCK = re.compile(r"^\.[^/\\]+\.lock$")

StrPath = str | os.PathLike[str]

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
_WINDOWS = fcntl is None
_WINDOWS_OFFSET = 0x7FFFFFF0  # msvcrt locks a byte past anything written, so the holder's note stays readable


class DirectoryInUse(DrawdownError):
    """Another process holds a directory's lock.

    Attributes
    ----------
    holders : list of dict
        What the lock files say of the holders (``pid``, ``host``, ``started``,
        ``what``); empty when the holder has not written it yet.
    """

    def __init__(self, message: str, holders: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.holders = list(holders or [])


@dataclass
class _Held:
    """One lock file this process holds: its descriptor, mode and count of holds."""

    fd: int
    path: Path
    exclusive: bool
    count: int = 1


_registry: dict[str, _Held] = {}
_guard = threading.RLock()


def _forget_after_fork() -> None:
    """A child made by ``fork`` holds nothing: it drops the inherited descriptors (the
    parent's locks stay the parent's, and go when the parent dies)."""
    for held in _registry.values():
        with contextlib.suppress(OSError):
            os.close(held.fd)
    _registry.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


# -- the operating system's locks ----------------------------------------------------------------
def _os_lock(fd: int, exclusive: bool) -> bool:
    """Take the lock on ``fd`` without waiting; False if another process has it."""
    if not _WINDOWS:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as e:  # ENOLCK, EOPNOTSUPP: a file system without locks
            raise DrawdownError(
                f"cannot lock a file in this directory ({e.strerror or e}): the file system does not "
                "support file locks; give an out_dir on a local or lock-capable file system"
            ) from e
        return True
    import msvcrt  # pragma: no cover - Windows

    os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)  # pragma: no cover
    try:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    except OSError:  # pragma: no cover
        return False
    return True  # pragma: no cover


def _os_unlock(fd: int) -> None:
    if not _WINDOWS:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    import msvcrt  # pragma: no cover - Windows

    os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)  # pragma: no cover
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # pragma: no cover


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open on ``fd`` (a holder may have removed it)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _open_lock_file(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, 0o666)
    except OSError as e:
        if path.is_symlink():
            raise DrawdownError(f"{path}: the lock file is a symbolic link: remove it") from e
        raise


def _acquire(path: Path, exclusive: bool) -> int | None:
    """A descriptor of ``path`` locked (shared or exclusive); None when another process holds it."""
    for _ in range(1000):
        fd = _open_lock_file(path)
        try:
            if not _os_lock(fd, exclusive):
                os.close(fd)
                return None
            if _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it as we opened it: the lock is the new file's
    raise DrawdownError(f"{path}: cannot take the lock: the file keeps being replaced")  # pragma: no cover


def _note(what: str) -> bytes:
    """What a holder writes into its lock file."""
    started = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    doc = {"pid": os.getpid(), "host": socket.gethostname(), "started": started, "what": what}
    return (json.dumps(doc, sort_keys=True) + "\n").encode()


def _write_note(fd: int, what: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, _note(what))


def _release(held: _Held) -> None:
    """Let go of a lock file: an exclusive holder removes it first (while it still holds it)."""
    try:
        if held.exclusive and not _WINDOWS:
            with contextlib.suppress(FileNotFoundError):
                if _same_file(held.fd, held.path):
                    os.unlink(held.path)
        elif held.exclusive:  # pragma: no cover - Windows cannot remove an open file: empty it, remove it after
            os.ftruncate(held.fd, 0)
        _os_unlock(held.fd)
    finally:
        os.close(held.fd)
    if held.exclusive and _WINDOWS:  # pragma: no cover
        with contextlib.suppress(OSError):
            os.unlink(held.path)


def _remove_if_free(path: Path) -> None:
    """Remove the lock file ``path`` if no process holds it (taking it exclusively to be sure)."""
    if not path.exists():
        return
    fd = _acquire(path, True)
    if fd is not None:
        _release(_Held(fd, path, True))


# -- what a lock file says ---------------------------------------------------------------------------
def _read_note(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
    except OSError:
        return None
    try:
        doc = json.loads(data.decode())
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) and "pid" in doc else None


def lock_holder(directory: StrPath) -> dict[str, Any] | None:
    """What ``directory``'s lock file says of its holder (``pid``, ``host``, ``started``,
    ``what``), or None when no one has written it. It may be stale: only
    :func:`lock_directory` tells whether the lock is held.

    Examples
    --------
    >>> import tempfile
    >>> from drawdown.results import lock_directory, lock_holder
    >>> d = tempfile.mkdtemp()
    >>> lock_holder(d) is None
    True
    >>> with lock_directory(d, what="sweep"):
    ...     lock_holder(d)["what"]
    'sweep'
    """
    return _read_note(Path(directory) / LOCK_FILE)


def _part_holders(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """The part locks of ``directory``'s folders that name a holder."""
    out = []
    with contextlib.suppress(OSError):
        for sub in sorted(directory.iterdir()):
            if sub.is_dir() and not sub.is_symlink():
                for p in sorted(sub.iterdir()):
                    if _PART_LOCK.match(p.name) and (note := _read_note(p)) is not None:
                        out.append((f"{sub.name}/{p.name}", note))
    return out


def _describe(note: dict[str, Any]) -> str:
    what = f"drawdown {note['what']}" if note.get("what") else "drawdown command"
    where = f" on {note['host']}" if note.get("host") else ""
    since = f", started {note['started']}" if note.get("started") else ""
    return f"{what} (PID {note['pid']}{where}{since})"


def _in_use(directory: Path, path: Path) -> DirectoryInUse:
    """The error for a lock another process holds, naming it (waiting briefly for its note)."""
    notes: list[tuple[str, dict[str, Any]]] = []
    for _ in range(20):  # a holder writes its note right after it takes the lock
        note = _read_note(path)
        notes = [("", note)] if note is not None else _part_holders(directory) if path.parent == directory else []
        if notes:
            break
        time.sleep(0.05)
    where = directory if path.parent == directory else path
    if not notes:
        return DirectoryInUse(f"{where}: in use by another process (it has not written its PID yet); try again later")
    told = "; ".join(f"{_describe(n)}{f' ({name})' if name else ''}" for name, n in notes)
    return DirectoryInUse(
        f"{where}: in use by another {told}: one command at a time works in a directory; "
        "wait until it finishes (or stop it) and try again",
        [n for _, n in notes],
    )


# -- taking and letting go -------------------------------------------------------------------------------
class DirectoryLock:
    """A hold on a directory's lock (see the module documentation); a context manager.

    Made by :func:`lock_directory`. :meth:`release` (or leaving the ``with`` block)
    gives the hold back; the lock goes when this process's last hold on it does.
    """

    def __init__(self, directory: Path, keys: list[str], what: str) -> None:
        self.directory = directory
        self.what = what
        self._keys = keys
        self._pid = os.getpid()  # a copy inherited by a forked child holds nothing of the child's
        self.made: list[Path] = []  # folders claim_directory made, for abandon()

    @property
    def held(self) -> bool:
        """Whether this hold has not been released yet."""
        return bool(self._keys)

    def release(self) -> None:
        """Give this hold back (again: nothing)."""
        with _guard:
            keys, self._keys = self._keys, []
            if self._pid != os.getpid():
                return
            for key in reversed(keys):
                held = _registry.get(key)
                if held is None:
                    continue
                held.count -= 1
                if held.count <= 0:
                    del _registry[key]
                    _release(held)

    def abandon(self) -> None:
        """:meth:`release`, and remove the folders :func:`claim_directory` made, if they are
        still empty and this process holds the directory no more: work refused before it
        wrote anything leaves nothing behind."""
        self.release()
        if not self.made:
            return
        with _guard:
            path = self.directory / LOCK_FILE
            if str(path.resolve()) in _registry:
                return
            for folder in reversed(self.made):
                if folder != self.directory:
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            if self.directory in self.made:
                _remove_if_free(path)  # a shared hold leaves its lock file: remove it if no one else holds it
                with contextlib.suppress(OSError):
                    self.directory.rmdir()

    def __enter__(self) -> DirectoryLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()

    def __repr__(self) -> str:
        return f"<DirectoryLock {self.directory} ({self.what}){'' if self.held else ' released'}>"


def _hold(path: Path, directory: Path, exclusive: bool, what: str) -> str | None:
    """Take (or count again) the lock file ``path``; its registry key, or None where there is nothing to take."""
    key = str(path.resolve())
    held = _registry.get(key)
    if held is not None:
        if exclusive and not held.exclusive:
            if not _os_lock(held.fd, True):  # flock converts a lock by dropping it first: take it back
                if not _os_lock(held.fd, False):  # lost meanwhile: this process holds nothing there now
                    del _registry[key]
                    os.close(held.fd)
                raise _in_use(directory, path)
            held.exclusive = True
            _write_note(held.fd, what)
        held.count += 1
        return key
    if _WINDOWS and not exclusive:  # pragma: no cover - no shared locks: the part lock alone
        return None
    fd = _acquire(path, exclusive)
    if fd is None:
        raise _in_use(directory, path)
    try:
        if exclusive:
            _write_note(fd, what)
        elif os.fstat(fd).st_size:
            os.ftruncate(fd, 0)  # a note left by a killed exclusive holder: no one holds it exclusively now
    except BaseException:
        os.close(fd)
        raise
    _registry[key] = _Held(fd, path, exclusive)
    return key


def lock_directory(directory: StrPath, *, what: str = "command", part: str | None = None) -> DirectoryLock:
    """Take ``directory``'s lock, without waiting.

    Parameters
    ----------
    directory : str or Path
        An existing directory.
    what : str, optional
        What holds it (``"run"``, ``"sweep"``, ``"merge"``), as others' messages say.
    part : str, optional
        ``FOLDER/NAME``: hold the directory shared and ``FOLDER/.NAME.lock``
        exclusively (a shard: ``"shards/shard-0001-of-0004"``; FOLDER must exist).

    Returns
    -------
    DirectoryLock

    Raises
    ------
    DirectoryInUse
        When another process holds it (or holds it exclusively, for a ``part``).
    DrawdownError
        When ``directory`` is not a directory, or ``part`` is not ``FOLDER/NAME``.

    Examples
    --------
    >>> import os, tempfile
    >>> from drawdown.results import lock_directory
    >>> d = tempfile.mkdtemp(); os.mkdir(os.path.join(d, "shards"))
    >>> a = lock_directory(d, part="shards/shard-0001-of-0002")
    >>> b = lock_directory(d, part="shards/shard-0002-of-0002")   # shards share the directory
    >>> sorted(os.listdir(os.path.join(d, "shards")))
    ['.shard-0001-of-0002.lock', '.shard-0002-of-0002.lock']
    >>> a.release(); b.release(); os.listdir(os.path.join(d, "shards"))
    []
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DrawdownError(f"{directory}: not a directory (the lock of a directory needs the directory)")
    keys: list[str | None] = []
    with _guard:
        try:
            if part is None:
                keys.append(_hold(directory / LOCK_FILE, directory, True, what))
            else:
                folder, _, name = part.partition("/")
                plain_name(folder, where="lock_directory", field="part's folder")
                plain_name(name, where="lock_directory", field="part's name")
                keys.append(_hold(directory / LOCK_FILE, directory, False, what))
                keys.append(_hold(directory / folder / f".{name}.lock", directory, True, what))
        except BaseException:
            DirectoryLock(directory, [k for k in keys if k], what).release()
            raise
    return DirectoryLock(directory, [k for k in keys if k], what)


def claim_directory(
    directory: StrPath,
    check: Callable[[], object],
    *,
    what: str,
    part: str | None = None,
    folders: Iterable[str] = (),
) -> DirectoryLock:
    """Check a directory, make it, lock it and check it again under the lock.

    ``check`` (which raises when the directory holds what this work must not touch)
    runs first on the directory as it is, before anything is made, so a refused
    directory gets nothing written, not even a lock file; then the directory (and
    ``folders`` in it) is made, locked (:func:`lock_directory`) and checked again.

    Parameters
    ----------
    directory : str or Path
        Not empty (``""`` is refused: it is not the current directory by accident).
    check : callable
    what, part
        As :func:`lock_directory`.
    folders : iterable of str, optional
        Plain names of folders to make in it (a part lock's folder).

    Returns
    -------
    DirectoryLock

    Raises
    ------
    DrawdownError
        What ``check`` raises; :class:`DirectoryInUse`.

    Examples
    --------
    >>> import os, tempfile
    >>> from drawdown.results import claim_directory
    >>> d = os.path.join(tempfile.mkdtemp(), "new")
    >>> with claim_directory(d, lambda: None, what="comparison") as lock:
    ...     os.path.isdir(d), lock.held
    (True, True)
    """
    if os.fspath(directory) == "":
        raise DrawdownError("out_dir is empty: give a directory ('.' for the current one)")
    directory = Path(directory)
    check()
    made = [] if directory.exists() else [directory]
    directory.mkdir(parents=True, exist_ok=True)
    for name in folders:
        folder = directory / plain_name(name, where="claim_directory", field="folder")
        if not folder.exists():
            made.append(folder)
        folder.mkdir(exist_ok=True)
    try:
        lock = lock_directory(directory, what=what, part=part)
    except BaseException:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    lock.made = made
    try:
        check()
    except BaseException:
        lock.abandon()
        raise
    return lock


# -- names and leftovers --------------------------------------------------------------------------------
def plain_name(name: object, *, where: object, field: str) -> str:
    """``name`` if it is a plain file name: a non-empty string without a path separator,
    not ``.`` or ``..``, not absolute, no NUL.

    Raises
    ------
    ResultError
        ``"{where}: {field} {name!r} is not a plain file name ..."``.

    Examples
    --------
    >>> from drawdown.results import plain_name
    >>> plain_name("doha-2021-05-01", where="compare.json", field="scenarios[0].dir")
    'doha-2021-05-01'
    >>> plain_name("../evil", where="compare.json", field="scenarios[0].dir")
    Traceback (most recent call last):
    ...
    drawdown.errors.ResultError: compare.json: scenarios[0].dir '../evil' is not a plain file name (...)
    """
    ok = (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "\0" not in name
        and "/" not in name
        and "\\" not in name
        and not os.path.isabs(name)
        and not (sys.platform == "win32" and ":" in name)
    )
    if not ok:
        raise ResultError(
            f"{where}: {field} {name!r} is not a plain file name (one name in the directory: "
            "no separator, no '..', not absolute)"
        )
    return str(name)


#: What a leftover may be of: the exact names, a pattern their names match in full, or
#: (None) any name.
Targets = Iterable[str] | re.Pattern[str] | None


def _of_targets(target: str, names: Targets) -> bool:
    if names is None:
        return True
    if isinstance(names, re.Pattern):
        return names.fullmatch(target) is not None
    return target in set(names)


def is_temporary(name: str, names: Targets = None) -> bool:
    r"""Whether ``name`` is a leftover of an interrupted write (``.NAME.XXXXXXXX.tmp`` or
    ``.NAME.XXXXXXXX.parts``), of one of ``names`` (exact names, or a pattern the name
    matches in full) if given.

    Examples
    --------
    >>> import re
    >>> from drawdown.results import is_temporary
    >>> is_temporary(".summary.json.k2j_0xq1.tmp"), is_temporary(".summary.json.k2j_0xq1.tmp", ["a.csv"])
    (True, False)
    >>> is_temporary(".replications.npz.abcdefgh.parts"), is_temporary("notes.tmp")
    (True, False)
    >>> is_temporary(".000003.npz.abcdefgh.tmp", re.compile(r"\d{6}\.npz"))
    True
    """
    m = _TEMPORARY.match(name)
    return m is not None and _of_targets(m.group("target"), names)


def _holds_only_parts(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but the ``.npy`` part files a :class:`ReplicationWriter` makes."""
    try:
        return all(p.name.endswith(".npy") and p.is_file() and not p.is_symlink() for p in folder.iterdir())
    except OSError:
        return False


def _is_part_lock(name: str, names: Targets) -> bool:
    """A part lock (``.NAME.lock``) of one of ``names``: never at a directory's top (``names`` None)."""
    return names is not None and bool(_PART_LOCK.match(name)) and _of_targets(name[1 : -len(".lock")], names)


def is_leftover(path: Path, names: Targets = None, folders: Mapping[str, Targets] | None = None) -> bool:
    r"""Whether ``path`` is only drawdown's leftover of an interrupted start.

    That is: the lock file; a temporary file of one of ``names`` (:func:`is_temporary`);
    a part folder of one of ``names`` holding only part files; or one of ``folders``
    (a name and what may be written in it) holding nothing but leftovers of its own
    names (their temporaries, part folders and part locks).

    Examples
    --------
    >>> import os, re, tempfile
    >>> from pathlib import Path
    >>> from drawdown.results import is_leftover
    >>> d = Path(tempfile.mkdtemp()); (d / "blocks").mkdir(); (d / "mine").mkdir()
    >>> _ = (d / "blocks" / ".000000.npz.abcdefgh.tmp").write_text("")
    >>> blocks = {"blocks": re.compile(r"\d{6}\.npz")}
    >>> is_leftover(d / "blocks", [], blocks), is_leftover(d / "mine", [], blocks)
    (True, False)
    >>> _ = (d / "blocks" / ".thesis.backup01.tmp").write_text("mine")
    >>> is_leftover(d / "blocks", [], blocks)
    False
    """
    name = path.name
    if path.is_symlink():
        return False
    if path.is_dir():
        if is_temporary(name, names) and name.endswith(".parts"):
            return _holds_only_parts(path)
        if folders is None or name not in folders:
            return False
        try:
            return all(is_leftover(p, folders[name]) for p in path.iterdir())
        except OSError:
            return False
    return name == LOCK_FILE or _is_part_lock(name, names) or (is_temporary(name, names) and name.endswith(".tmp"))


def remove_temporaries(directory: StrPath, names: Targets) -> list[Path]:
    """Remove the leftovers of interrupted writes in ``directory`` (not in its folders):
    temporary files and part folders (:func:`is_temporary`) of ``names`` (exact names or
    a pattern; None: of any name). A part folder goes only if it holds nothing but part
    files: a folder of someone else's that happens to be named like one stays.

    Call it only holding the directory's lock (:func:`lock_directory`): another
    command's temporaries are files it is writing.

    Returns
    -------
    list of Path
        What was removed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from drawdown.results import remove_temporaries
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in (".a.npz.x1abcdef.tmp", ".b.npz.x2abcdef.tmp", "a.npz"):
    ...     _ = (d / name).write_text("")
    >>> (d / ".replications.npz.x3abcdef.parts").mkdir()
    >>> [p.name for p in remove_temporaries(d, ["a.npz", "replications.npz"])]
    ['.a.npz.x1abcdef.tmp', '.replications.npz.x3abcdef.parts']
    >>> sorted(p.name for p in d.iterdir())
    ['.b.npz.x2abcdef.tmp', 'a.npz']
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    wanted = names if names is None or isinstance(names, re.Pattern) else set(names)
    removed = []
    for p in sorted(directory.iterdir()):
        if not is_temporary(p.name, wanted):
            continue
        try:
            if p.is_dir() and not p.is_symlink():
                if not (p.name.endswith(".parts") and _holds_only_parts(p)):
                    continue
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            continue
        removed.append(p)
    return removed
