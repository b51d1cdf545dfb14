"""Run directories: manifest, resume, shards and merge (docs/design.md §6).

``drawdown run --out DIR`` makes DIR a run directory::

    DIR/manifest.json                 the run: scenario (name, file, hash), seed, engine,
                                      block size, replications (or the precision target),
                                      versions (package, numpy, scipy, SIMD), the units
                                      planned and, as each finishes, the units done
    DIR/blocks/NNNNNN.npz             the summary of one unit of work (its first block is
                                      NNNNNN), checksummed (Summary.to_npz)
    DIR/blocks/NNNNNN.replications.npz   its per-replication outcomes (compressed), until
                                      they are joined into replications.npz
    DIR/summary.json, summary.npz, replications.npz, contingents.csv, daily.csv, *.png
                                      the results, written when every unit is done

Per-replication outcomes are kept once. Each unit's are written to its own compressed
file, so an interrupted run resumes without computing a finished unit again; once every
unit is done, :func:`drawdown.results.join_replications` joins them, member by member,
into ``replications.npz``, the manifest records that file (``replications_file``: its
name and sha256), and only then are the units' files removed. A run stopped between
those steps resumes too: a unit whose replications file is gone is done when the
recorded ``replications.npz`` is there and intact, and the joined file is then kept,
not made again. Directories of older versions (``replications.npz`` stored, not
compressed, beside the units' files) still read, resume and merge; finishing one joins
the units again, compressed, and removes their files.

Seeds are written as their decimal digits, strings (:func:`drawdown.draws.seed_text`:
a 128-bit seed is no JSON number that most readers keep exactly), and read back from
either form (:func:`drawdown.draws.read_seed`): a manifest of an older version, which
holds a number, is the same run as this version's string of the same seed.

Every file is written to a temporary name in its directory and renamed, so an
interrupted run (Ctrl-C, a killed process, a lost node) leaves only whole files, and the
manifest records a unit only after its files are in place. ``--resume``
(``resume=True``) reads the manifest, checks that the scenario, seed, engine, block layout and versions are those
of the run it continues (anything else is an error, never a silent mix), accepts every
finished unit (its checksum verified) and runs only what is missing: a finished unit is
never computed or written again.

``--shard I/N`` (``shard="I/N"``) runs the I-th of N shards, a contiguous share of the blocks (shard
``I`` of ``N`` holds blocks ``floor((I-1) B / N) .. floor(I B / N) - 1`` of ``B``). Its
manifest is ``DIR/shards/shard-IIII-of-NNNN.json`` and, when it is complete, its
summary ``DIR/shards/shard-IIII-of-NNNN.npz`` (checksummed; the manifest records its
sha256 too). Shards of one run can share DIR (each writes its own files) and be resumed
each with ``--resume``. :func:`merge_dir` (``drawdown merge DIR``) checks that every
shard 1..N is there once, complete, intact and made with the same versions, and writes
the same results as an unsharded run, with a ``manifest.json`` saying so.

Every JSON record (manifests, shard manifests) carries the sha256 of its own content
(``"sha256"``), so a damaged record is an error naming the file too. A checksum anyone
can recompute proves nothing against a crafted record, so no name read from a record
becomes a path: every file is named from what it is (a unit's from its first block,
a shard's from its index and count), and a record naming another is refused.

One command at a time: a run directory is checked (:func:`check_dir_kind`: new, empty,
or a run's; never someone's files, a sweep or a comparison) before anything is written
in it, then made and locked (:func:`claim_out_dir`,
:func:`drawdown.results.lock_directory`) for as long as the batch works there (a shard
shares the directory with the other shards); the manifest is read, and the leftovers of
interrupted writes removed, only under the lock.

Memory: units run one at a time in this process (or one a worker) and each unit's
result is folded, in block order, into one running summary as soon as it can be, then
dropped; a run holds one chunk of outcomes and a few summaries, whatever its size.

Example
-------
>>> import drawdown, tempfile
>>> from drawdown.batch import RunBatch, summarize
>>> s = drawdown.load("doha-2021-05-01")
>>> d = tempfile.mkdtemp()
>>> batch = RunBatch(s, 1, reps=250, block_size=100, out_dir=d, plots=False)
>>> [u.label for u in batch.units], batch.todo_reps
(['blocks 0-1', 'block 2'], 250)
>>> r = batch.run()
>>> r.summary == summarize(s, 250, seed=1, block_size=100), sorted(p.name for p in r.written)[:3]
(True, ['contingents.csv', 'daily.csv', 'replications.npz'])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..draws import BLOCK_SIZE, LAYOUT_VERSION, blocks_for, read_seed, seed_text
from ..engines import DEFAULT_CHUNK_BLOCKS, OUTCOME_DTYPES, Outcomes, outcome_dtypes, outcome_widths
from ..errors import DrawdownError, ResultError
from ..report import (
    COMPARE_JSON,
    COMPARE_PLOT,
    CONTINGENTS_CSV,
    DAILY_CSV,
    DEFAULT_PLOT_FORMAT,
    PLOT_FILES,
    SUMMARY_JSON,
    SUMMARY_NPZ,
    check_plot_format,
    write_run_dir,
)
from ..report.breakdown import BREAKDOWN_FILES, write_breakdown
from ..results import (
    REPLICATIONS_FILE,
    DirectoryLock,
    Summary,
    Targets,
    atomic_write,
    claim_directory,
    environment,
    is_leftover,
    lock_directory,
    precision_se,
    precision_status,
    read_replications,
    remove_temporaries,
    write_replications,
)
from ..results.breakdown import Breakdown, check_by
from ..results.store import join_replications, read_replications_meta
from ..scenario import Scenario, load
from .executors import Executor, InProcess, Unit, UnitResult, make_units, unit_blocks_for
from .fold import DEFAULT_MAX_REPS, Progress, check_reps

__all__ = [
    "MANIFEST",
    "BLOCKS_DIR",
    "SHARDS_DIR",
    "Shard",
    "RunBatch",
    "RunResult",
    "run_batch",
    "recorded_run",
    "read_record",
    "write_record",
    "atomic_write",
    "file_sha256",
    "read_shard_records",
    "DirContents",
    "dir_contents",
    "check_dir_kind",
    "check_out_dir",
    "claim_out_dir",
    "claim_merge_dir",
    "check_environment",
    "clean_temporaries",
    "LEFTOVER_FOLDERS",
    "TOP_TARGETS",
    "environment_mismatch",
    "joined_entry",
    "merge_run_shards",
    "remove_unit_replications",
    "shard_kinds",
    "write_results",
    "write_breakdown_files",
]

MANIFEST = "manifest.json"
BLOCKS_DIR = "blocks"
SHARDS_DIR = "shards"
RECORD_FORMAT_VERSION = 1
_RUN = "drawdown-run"
_FORMATS = {"drawdown-run": "run", "drawdown-sweep": "sweep"}
#: A sweep's folder of points (drawdown.batch.sweep.POINTS_DIR), which this module cannot import.
_POINTS_DIR = "points"
#: The files a run writes at the top of its directory.
RUN_FILES = (MANIFEST, SUMMARY_JSON, SUMMARY_NPZ, REPLICATIONS_FILE, CONTINGENTS_CSV, DAILY_CSV, *PLOT_FILES)
#: The names drawdown writes at the top of a run, sweep or comparison directory, and in
#: its folders: only their temporaries, part folders and part locks are leftovers (that
#: count as nothing and are removed under the lock); a name of someone else's never is.
TOP_TARGETS = frozenset((*RUN_FILES, *BREAKDOWN_FILES, "results.csv", COMPARE_JSON, COMPARE_PLOT))
LEFTOVER_FOLDERS: dict[str, Targets] = {
    BLOCKS_DIR: re.compile(r"\d{6,}(\.replications)?\.npz"),
    _POINTS_DIR: re.compile(r"\d{4,}\.(npz|json)"),
    SHARDS_DIR: re.compile(r"shard-\d{4,}-of-\d{4,}(\.json|\.npz)?"),
}

StrPath = str | os.PathLike[str]
Record = dict[str, Any]
Blocks = list[tuple[int, int]]


# -- small file helpers ------------------------------------------------------------------------
def file_sha256(path: StrPath) -> str:
    """sha256 of a file's bytes (hex).

    Examples
    --------
    >>> import drawdown, tempfile, os
    >>> from drawdown.batch import file_sha256
    >>> p = os.path.join(tempfile.mkdtemp(), "x")
    >>> _ = open(p, "wb").write(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _canonical(doc: Record) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def write_record(path: StrPath, doc: Record) -> Path:
    """Write a JSON record with the sha256 of its content under ``"sha256"``, atomically.

    Parameters
    ----------
    path : str or Path
    doc : dict
        Plain JSON data; a ``"sha256"`` key in it is replaced.

    Returns
    -------
    Path

    Examples
    --------
    >>> import drawdown, tempfile, os
    >>> from drawdown.batch import read_record, write_record
    >>> p = write_record(os.path.join(tempfile.mkdtemp(), "r.json"), {"a": 1})
    >>> read_record(p)
    {'a': 1}
    """
    body = {k: v for k, v in doc.items() if k != "sha256"}
    body["sha256"] = hashlib.sha256(_canonical(body)).hexdigest()
    return atomic_write(path, json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n")


def read_record(path: StrPath, what: str = "record") -> Record:
    """Read a record written by :func:`write_record`, checking its sha256.

    Parameters
    ----------
    path : str or Path
    what : str, optional
        What messages call the file (``"run manifest"``).

    Returns
    -------
    dict
        The record without its ``"sha256"``.

    Raises
    ------
    ResultError
        Naming the file, when it cannot be read, is not JSON, or its checksum fails.

    Examples
    --------
    >>> import drawdown, tempfile, os
    >>> from drawdown.batch import read_record, write_record
    >>> p = write_record(os.path.join(tempfile.mkdtemp(), "r.json"), {"a": 1})
    >>> _ = p.write_text(p.read_text().replace("1", "2"))
    >>> read_record(p, "manifest")
    Traceback (most recent call last):
    ...
    drawdown.errors.ResultError: ...r.json: checksum mismatch: the manifest is corrupt
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except OSError as e:
        raise ResultError(f"{path}: cannot read the {what}: {e.strerror or e}") from e
    except (ValueError, RecursionError) as e:  # RecursionError: nested beyond what json reads
        raise ResultError(f"{path}: the {what} is truncated or corrupt (not JSON: {e})") from e
    if not isinstance(doc, dict) or "sha256" not in doc:
        raise ResultError(f"{path}: not a drawdown {what} (no checksum)")
    body = {k: v for k, v in doc.items() if k != "sha256"}
    if hashlib.sha256(_canonical(body)).hexdigest() != doc["sha256"]:
        raise ResultError(f"{path}: checksum mismatch: the {what} is corrupt")
    return body


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


@dataclass(frozen=True)
class DirContents:
    """What a directory holds, as drawdown sees it (:func:`dir_contents`).

    Attributes
    ----------
    kind : str
        ``"missing"``, ``"empty"`` (nothing, or only drawdown's leftovers of an
        interrupted start: a lock file, empty ``blocks/``, ``shards/`` or ``points/``,
        temporaries), ``"run"``, ``"sweep"``, ``"comparison"``, or ``"other"`` (files
        drawdown did not write).
    evidence : str
        The names that say so, relative to the directory (``"manifest.json"``).
    sharded : bool
        A run or sweep seen by its shards (``shards/shard-I-of-N.json``), not by a manifest.
    """

    kind: str
    evidence: str = ""
    sharded: bool = False

    def describe(self) -> str:
        """``"a run (manifest.json)"``, ``"shards of a sweep (shards/...)"``, ``"files ... (notes.txt)"``."""
        if self.kind == "other":
            return f"files that drawdown did not write ({self.evidence})"
        if self.kind in ("missing", "empty"):
            return "nothing"
        return f"{'shards of ' if self.sharded else ''}a {self.kind} ({self.evidence})"


def _peek_json(path: Path) -> Any:
    """The JSON document in ``path`` (checksum unchecked), or None."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return None


def dir_contents(out: StrPath) -> DirContents:
    """What ``out`` holds: a run, a sweep, a comparison, nothing, or files of someone else's.

    Reads names and the format of a manifest, writes nothing.

    Raises
    ------
    DrawdownError
        When ``out`` exists and is not a directory.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from pathlib import Path
    >>> from drawdown.batch import dir_contents, run_batch
    >>> d = Path(tempfile.mkdtemp())
    >>> dir_contents(d / "new").kind, dir_contents(d).kind
    ('missing', 'empty')
    >>> _ = run_batch(drawdown.load("doha-2021-05-01"), 1, reps=100, block_size=100, out_dir=d / "run", plots=False)
    >>> dir_contents(d / "run").describe()
    'a run (manifest.json)'
    >>> _ = (d / "notes.txt").write_text("mine"); dir_contents(d).describe()
    'files that drawdown did not write (notes.txt, run/)'
    """
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return DirContents("missing")
    if not out.is_dir():
        raise DrawdownError(f"{out}: exists and is not a directory")
    entries = sorted(p for p in out.iterdir() if not is_leftover(p, TOP_TARGETS, LEFTOVER_FOLDERS))
    if not entries:
        return DirContents("empty")
    names = {p.name for p in entries}
    if MANIFEST in names:
        doc = _peek_json(out / MANIFEST)
        kind = _FORMATS.get(str(doc.get("format"))) if isinstance(doc, dict) else None
        if kind is not None:
            return DirContents(kind, MANIFEST)
        if doc is None and names & {BLOCKS_DIR, _POINTS_DIR}:  # ours, damaged: read_record says how
            return DirContents("run" if BLOCKS_DIR in names else "sweep", f"{MANIFEST}, damaged")
    shard_files = sorted(p for p in (out / SHARDS_DIR).glob("shard-*.json") if _SHARD_FILE.match(p.name))
    kinds = {str(doc.get("kind")) if isinstance(doc := _peek_json(p), dict) else "" for p in shard_files}
    if len(kinds) == 1 and kinds <= {"run", "sweep"}:
        return DirContents(kinds.pop(), _relative(shard_files[0], out), sharded=True)
    if COMPARE_JSON in names:
        return DirContents("comparison", COMPARE_JSON)
    for folder, kind in ((BLOCKS_DIR, "run"), (_POINTS_DIR, "sweep")):
        if folder in names and (out / folder).is_dir():
            return DirContents(kind, f"{folder}/")
    shown = [p.name + ("/" if p.is_dir() else "") for p in entries[:3]]
    return DirContents("other", ", ".join(shown) + (", ..." if len(entries) > 3 else ""))


def check_dir_kind(out: StrPath, kind: str) -> DirContents:
    """Refuse an output directory that holds something else than ``kind``'s work.

    Parameters
    ----------
    out : str or Path
    kind : {"run", "sweep", "comparison"}

    Returns
    -------
    DirContents
        What ``out`` holds: nothing, or work of ``kind``.

    Raises
    ------
    DrawdownError
        When ``out`` is a file, or holds files drawdown did not write, or another kind
        of work (naming what it holds).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from drawdown.batch import check_dir_kind
    >>> d = Path(tempfile.mkdtemp())
    >>> check_dir_kind(d, "run").kind
    'empty'
    >>> _ = (d / "summary.json").write_text("mine")
    >>> check_dir_kind(d, "run")
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: ...: holds files that drawdown did not write (summary.json): a run goes ...
    """
    found = dir_contents(out)
    if found.kind in ("missing", "empty", kind):
        return found
    if found.kind == "other":
        finish = f" (or one holding a {kind} to finish)" if kind in ("run", "sweep") else ""
        raise DrawdownError(
            f"{out}: holds {found.describe()}: a {kind} goes into a new or empty directory{finish}; "
            "give another out_dir"
        )
    raise DrawdownError(f"{out}: holds {found.describe()}, not a {kind}: give another out_dir")


def check_out_dir(
    out: Path,
    manifest: Path,
    *,
    kind: str,
    sharded: bool,
    resume: bool,
    shards_merged: Callable[[], bool] = lambda: False,
) -> bool:
    """Refuse an output directory that holds something else than this work can continue.

    Parameters
    ----------
    out : Path
        The output directory (it need not exist).
    manifest : Path
        The manifest this work writes (``out/manifest.json`` or a shard's).
    kind : str
        What messages call the work (``"run"``, ``"sweep"``).
    sharded : bool
        Whether this work is one shard.
    resume : bool
        Whether an existing ``manifest`` may be continued.
    shards_merged : callable, optional
        Says whether leftover shards were already merged into this directory.

    Returns
    -------
    bool
        Whether ``manifest`` exists (and ``resume`` asks to continue it).

    Raises
    ------
    DrawdownError
        When ``out`` is a file, holds files drawdown did not write or another kind of
        work (:func:`check_dir_kind`), holds the other layout (shards or an unsharded
        manifest), or holds work that ``resume`` was not asked to finish.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from pathlib import Path
    >>> from drawdown.batch import check_out_dir, write_record
    >>> out = Path(tempfile.mkdtemp())
    >>> check_out_dir(out, out / "manifest.json", kind="run", sharded=False, resume=False)
    False
    >>> _ = write_record(out / "manifest.json", {"format": "drawdown-run"})
    >>> check_out_dir(out, out / "manifest.json", kind="run", sharded=False, resume=False)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: ...: already holds a run (manifest.json); resume=True finishes it, ...
    >>> check_out_dir(out, out / "manifest.json", kind="sweep", sharded=False, resume=True)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: ...: holds a run (manifest.json), not a sweep: give another out_dir
    """
    if check_dir_kind(out, kind).kind in ("missing", "empty"):
        return False
    shards = out / SHARDS_DIR
    if not sharded and any(_SHARD_FILE.match(p.name) for p in _listing(shards)) and not shards_merged():
        raise DrawdownError(
            f"{out}: holds shards of a {kind}: run the other shards (shard='I/N'), or join them with merge_dir('{out}')"
        )
    if sharded and (out / MANIFEST).exists():
        raise DrawdownError(f"{out}: holds an unsharded {kind} ({MANIFEST}); give the shards another out_dir")
    if not manifest.exists():
        return False
    if not resume:
        raise DrawdownError(
            f"{out}: already holds a {kind} ({_relative(manifest, out)}); resume=True finishes it, "
            "or give another out_dir"
        )
    return True


def _listing(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def claim_out_dir(out_dir: StrPath, *, kind: str, shard: Shard | None = None) -> DirectoryLock:
    """Check a run's or sweep's output directory, make it and take its lock.

    :func:`check_dir_kind` first, before anything is made (a refused directory gets
    nothing written, not even a lock file); then the directory is made and locked
    (:func:`drawdown.results.lock_directory`: exclusively, or for a shard, the
    directory shared and the shard's own lock ``shards/.shard-IIII-of-NNNN.lock``) and
    checked again. The caller runs :func:`check_out_dir` under the lock.

    Parameters
    ----------
    out_dir : str or Path
        Not ``""``.
    kind : {"run", "sweep"}
    shard : Shard, optional

    Returns
    -------
    DirectoryLock

    Raises
    ------
    DrawdownError
        As :func:`check_dir_kind`; for ``out_dir=""``;
        :class:`drawdown.results.DirectoryInUse` when another process holds the lock.

    Examples
    --------
    >>> import os, tempfile
    >>> from drawdown.batch import claim_out_dir
    >>> d = os.path.join(tempfile.mkdtemp(), "run")
    >>> with claim_out_dir(d, kind="run") as lock:
    ...     lock.held, os.listdir(d)
    (True, ['.drawdown.lock'])
    >>> os.listdir(d)
    []
    >>> claim_out_dir("", kind="run")
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: out_dir is empty: give a directory ('.' for the current one)
    """
    out = Path(out_dir)
    part = None if shard is None else f"{SHARDS_DIR}/{shard.stem}"
    what = kind if shard is None else f"{kind} shard {shard}"
    folders = [] if shard is None else [SHARDS_DIR]
    return claim_directory(out_dir, lambda: check_dir_kind(out, kind), what=what, part=part, folders=folders)


def claim_merge_dir(directory: StrPath, names: Iterable[str]) -> DirectoryLock:
    """Lock the directory of shards to merge (exclusively: no shard runs meanwhile) and
    remove the leftovers of interrupted writes: temporaries of ``names`` at its top,
    every temporary in ``blocks/``, ``points/`` and ``shards/``.

    Raises
    ------
    ResultError
        When ``directory`` is not a directory.
    DrawdownError
        :class:`drawdown.results.DirectoryInUse` when another process works there.

    Examples
    --------
    >>> import os, tempfile
    >>> from drawdown.batch import claim_merge_dir
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, ".summary.json.abcd1234.tmp"), "w").close()
    >>> with claim_merge_dir(d, ["summary.json"]):
    ...     os.listdir(d)
    ['.drawdown.lock']
    """
    if os.fspath(directory) == "" or not Path(directory).is_dir():
        raise ResultError(f"{directory!s}: no such directory (the directory of the shards to merge)")
    directory = Path(directory)
    lock = lock_directory(directory, what="merge")
    try:
        clean_temporaries(directory, names)
        for folder, targets in LEFTOVER_FOLDERS.items():
            clean_temporaries(directory / folder, targets)
    except BaseException:
        lock.release()
        raise
    return lock


def clean_temporaries(directory: Path, names: Targets) -> None:
    r"""Delete the leftovers of interrupted writes (``.NAME.*.tmp`` files, ``.NAME.*.parts``
    folders) in ``directory`` of ``names`` (exact names, or a pattern such as
    ``LEFTOVER_FOLDERS["blocks"]``); only holding its lock.

    Examples
    --------
    >>> import drawdown, re, tempfile
    >>> from pathlib import Path
    >>> from drawdown.batch import clean_temporaries
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in (".a.npz.x1abcdef.tmp", ".b.npz.x2abcdef.tmp", "a.npz"):
    ...     _ = (d / name).write_text("")
    >>> clean_temporaries(d, ["a.npz"])
    >>> sorted(p.name for p in d.iterdir())
    ['.b.npz.x2abcdef.tmp', 'a.npz']
    >>> clean_temporaries(d, re.compile(r"[ab]\.npz")); sorted(p.name for p in d.iterdir())
    ['a.npz']
    """
    remove_temporaries(directory, names)


# -- shards ------------------------------------------------------------------------------------
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SHARD_FILE = re.compile(r"^shard-(\d+)-of-(\d+)\.json$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as ``--shard I/N`` and job array ids).

    Raises
    ------
    DrawdownError
        Unless ``1 <= index <= count``.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import Shard
    >>> s = Shard.parse("2/4"); s, s.stem, s.range(10)
    (Shard(index=2, count=4), 'shard-0002-of-0004', (2, 5))
    >>> [Shard(i, 4).range(10) for i in (1, 2, 3, 4)]
    [(0, 2), (2, 5), (5, 7), (7, 10)]
    >>> Shard.parse("5/4")
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: shard 5/4: expected I/N with 1 <= I <= N
    """

    index: int
    count: int

    def __post_init__(self) -> None:
        if not (isinstance(self.index, int) and isinstance(self.count, int) and 1 <= self.index <= self.count):
            raise DrawdownError(f"shard {self.index}/{self.count}: expected I/N with 1 <= I <= N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` (spaces allowed) as a shard.

        Raises
        ------
        DrawdownError
            When ``text`` is not ``I/N`` with ``1 <= I <= N``.
        """
        m = _SHARD.match(str(text))
        if not m:
            raise DrawdownError(f"shard {text!r}: expected I/N, the I-th of N shards (1 <= I <= N), e.g. 3/8")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def stem(self) -> str:
        """The name of the shard's files, without suffix: ``shard-IIII-of-NNNN``."""
        return f"shard-{self.index:04d}-of-{self.count:04d}"

    def range(self, n: int) -> tuple[int, int]:
        """Items ``start .. stop - 1`` of ``n`` belong to this shard."""
        return (self.index - 1) * n // self.count, self.index * n // self.count


def _shard_file_numbers(path: Path) -> tuple[int, int]:
    m = _SHARD_FILE.match(path.name)
    if m is None:
        raise ResultError(f"{path}: not a shard file (shard-I-of-N.json)")
    return int(m.group(1)), int(m.group(2))


def _read_shard_files(sdir: Path, kind: str) -> list[tuple[int, int, Path, Record]]:
    """``(i, n, path, record)`` of every shard manifest in ``sdir``, each checked alone."""
    files = sorted(p for p in sdir.iterdir() if _SHARD_FILE.match(p.name)) if sdir.is_dir() else []
    if not files:
        raise ResultError(f"{sdir.parent}: no shard files ({SHARDS_DIR}/shard-I-of-N.json) to merge")
    records = []
    for p in files:
        rec = read_record(p, "shard manifest")
        if rec.get("kind") != kind:
            raise ResultError(f"{p}: a {rec.get('kind')!r} shard, not a {kind!r} shard")
        i, n = _shard_file_numbers(p)
        sh = rec.get("shard") or {}
        if (sh.get("index"), sh.get("count")) != (i, n):
            raise ResultError(
                f"{p}: the file name says shard {i}/{n} but it holds shard {sh.get('index')}/{sh.get('count')}"
            )
        records.append((i, n, p, rec))
    return records


def read_shard_records(directory: StrPath, kind: str) -> list[tuple[Shard, Path, Record]]:
    """The shard manifests of ``directory/shards``, checked as a set.

    Parameters
    ----------
    directory : str or Path
    kind : {"run", "sweep"}

    Returns
    -------
    list of (Shard, Path, dict)
        ``(shard, path, record)`` for shards 1..N in order.

    Raises
    ------
    ResultError
        When there are none, a record is damaged or of another kind, the files do not
        agree on N, a shard is missing or present twice, or one is not complete.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import read_shard_records, run_batch
    >>> s, d = drawdown.load("doha-2021-05-01"), tempfile.mkdtemp()
    >>> for i in (1, 2):
    ...     _ = run_batch(s, 1, reps=200, block_size=100, out_dir=d, shard=f"{i}/2", plots=False)
    >>> [(str(sh), rec["complete"]) for sh, _, rec in read_shard_records(d, "run")]
    [('1/2', True), ('2/2', True)]
    """
    directory = Path(directory)
    sdir = directory / SHARDS_DIR
    records = _read_shard_files(sdir, kind)
    counts: dict[int, list[Path]] = {}
    for _, n, p, _ in records:
        counts.setdefault(n, []).append(p)
    if len(counts) > 1:
        odd = sorted(counts.items(), key=lambda kv: (len(kv[1]), kv[0]))[0][1]
        raise ResultError(
            f"shard files of different shard counts ({', '.join(str(n) for n in sorted(counts))}): "
            f"{', '.join(str(p) for p in odd)}"
        )
    (n,) = counts
    found: dict[int, tuple[Shard, Path, Record]] = {}
    for i, _, p, rec in records:
        if i in found:
            raise ResultError(f"shard {i} is present twice: {found[i][1]} and {p}")
        found[i] = (Shard(i, n), p, rec)
    missing = [i for i in range(1, n + 1) if i not in found]
    if missing:
        raise ResultError("missing " + ", ".join(f"shard {i}/{n} ({sdir / Shard(i, n).stem}.json)" for i in missing))
    for i in range(1, n + 1):
        _, p, rec = found[i]
        if not rec.get("complete"):
            raise ResultError(f"{p}: shard {i}/{n} is not finished (run it again with shard='{i}/{n}', resume=True)")
    first_env = found[1][2]["environment"]
    for i in range(2, n + 1):
        _, p, rec = found[i]
        diff = environment_mismatch(first_env, rec["environment"])
        if diff:
            raise ResultError(f"{p}: shard {i}/{n} was made with other versions than shard 1/{n}: {diff}")
    return [found[i] for i in range(1, n + 1)]


def environment_mismatch(a: Record, b: Record) -> str:
    """How two environments (:func:`drawdown.results.environment`) differ; empty when they do not.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import environment_mismatch
    >>> environment_mismatch({"numpy_version": "2.1"}, {"numpy_version": "2.2"})
    "numpy_version '2.1' != '2.2'"
    """
    keys = sorted(set(a) | set(b))
    return "; ".join(f"{k} {a.get(k)!r} != {b.get(k)!r}" for k in keys if a.get(k) != b.get(k))


def check_environment(recorded: Record, where: object) -> None:
    """Refuse to continue a run made under other versions (docs/design.md §2).

    Raises
    ------
    ResultError
        Naming ``where`` and what differs, when ``recorded`` is not this process's
        :func:`drawdown.results.environment`.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import check_environment
    >>> from drawdown.results import environment
    >>> check_environment(environment(), "manifest.json")
    >>> check_environment({**environment(), "numpy_version": "0.1"}, "manifest.json")
    Traceback (most recent call last):
    ...
    drawdown.errors.ResultError: manifest.json: made with other versions than this drawdown has (numpy_version ...
    """
    diff = environment_mismatch(recorded, environment())
    if diff:
        raise ResultError(
            f"{where}: made with other versions than this drawdown has ({diff}); results made "
            "under different numpy, scipy, SIMD features or drawdown versions are never mixed"
        )


# -- the run ------------------------------------------------------------------------------------
def run_identity(
    scenario: Scenario,
    *,
    seed: int,
    engine: str,
    block_size: int,
    reps: int | None,
    precision: float | None,
    max_reps: int | None,
) -> Record:
    """What makes two runs the same run (the manifest's identity fields).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch.rundir import run_identity
    >>> ident = run_identity(drawdown.load("doha-2021-05-01"), seed=1, engine="numpy", block_size=1000,
    ...                      reps=5000, precision=None, max_reps=None)
    >>> ident["seed"], ident["replications"], ident["precision"]
    ('1', 5000, None)
    """
    return {
        "scenario": {"name": scenario.name, "file": str(Path(scenario.file).resolve()), "hash": scenario.hash},
        "seed": seed_text(seed),
        "engine": engine,
        "block_size": int(block_size),
        "layout_version": LAYOUT_VERSION,
        "replications": None if reps is None else int(reps),
        "precision": None
        if precision is None
        else {"target": float(precision), "max_replications": int(DEFAULT_MAX_REPS if max_reps is None else max_reps)},
    }


def _same_seed(recorded: object, wanted: object) -> bool:
    """Whether two recorded seeds are one seed: a number and its decimal string are."""
    try:
        return read_seed(recorded) == read_seed(wanted)
    except ValueError:
        return False


def _identity_mismatch(recorded: Record, wanted: Record) -> list[str]:
    out = []
    for k, v in wanted.items():
        w = recorded.get(k)
        if k == "scenario":
            w = {kk: vv for kk, vv in (w or {}).items() if kk != "file"}
            v = {kk: vv for kk, vv in v.items() if kk != "file"}
        if k == "seed":  # a number (older manifests) or its digits: shown as digits either way
            if _same_seed(w, v):
                continue
            out.append(f"seed: {w} recorded, {v} asked for")
            continue
        if w != v:
            out.append(f"{k}: {w!r} recorded, {v!r} asked for")
    return out


def _plan_blocks(identity: Record) -> Blocks:
    bs = identity["block_size"]
    if identity["precision"] is not None:
        return blocks_for(identity["precision"]["max_replications"], bs)
    return blocks_for(identity["replications"], bs)


def unit_file(first_block: int) -> str:
    """The summary file of the unit whose first block is ``first_block``, relative to the run directory.

    >>> from drawdown.batch.rundir import unit_file
    >>> unit_file(32)
    'blocks/000032.npz'
    """
    return f"{BLOCKS_DIR}/{first_block:06d}.npz"


def replications_file(first_block: int) -> str:
    """The per-replication outcomes of that unit, relative to the run directory.

    >>> from drawdown.batch.rundir import replications_file
    >>> replications_file(32)
    'blocks/000032.replications.npz'
    """
    return f"{BLOCKS_DIR}/{first_block:06d}.replications.npz"


def _field(entry: object, key: str, where: object) -> Any:
    """``entry[key]`` of a record read from ``where``; a :class:`ResultError` naming both if it is not there."""
    if not isinstance(entry, dict) or key not in entry:
        raise ResultError(f"{where}: a record without {key!r} where drawdown writes one: the record was altered")
    return entry[key]


def _list_of(record: Record, key: str, where: object) -> list[Any]:
    value = _field(record, key, where)
    if not isinstance(value, list):
        raise ResultError(f"{where}: {key} is not a list: the record was altered")
    return value


def _blocks_of(value: object, where: object, field: str) -> tuple[tuple[int, int], ...]:
    """A unit's blocks as a record lists them (``[[block, reps], ...]``), checked."""
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(b, list) and len(b) == 2 and all(type(x) is int and x >= 0 for x in b) for b in value)
    ):
        raise ResultError(f"{where}: {field}: {value!r} is not a list of [block, replications]")
    return tuple((int(b), int(r)) for b, r in value)


def _check_done_names(entry: Record, first: int, where: object) -> None:
    """A done entry's file names must be those drawdown gives its unit (they are never taken from the record)."""
    want = {"file": unit_file(first), "replications": replications_file(first)}
    for key, name in want.items():
        got = entry.get(key, name if key == "replications" else None)
        if got != name:
            raise ResultError(
                f"{where}: {key} {got!r} of the unit of block {first}: drawdown writes it as {name!r}; "
                "the record was altered: not used"
            )


@dataclass
class RunResult:
    """What :meth:`RunBatch.run` did.

    Attributes
    ----------
    summary : Summary or None
        The merged summary (of the shard, for a shard; None for a shard without blocks).
    precision : dict or None
        :func:`drawdown.results.precision_status` of a precision run.
    written : list of Path
        The files written at the end (results, or a shard's summary and manifest).
    units_total, units_done_before, units_run : int
        Units planned, found finished, and run now.
    complete : bool
    breakdown : Breakdown or None
        With ``by``: the breakdown folded, in the same pass, from the units run now (of
        the merged blocks only); None when no unit merged was run now.
    breakdown_missing : list of (int, int)
        With ``by``: the merged blocks it lacks, those of units found finished (a unit's
        file holds its summary only); run them again for them (the second pass,
        :func:`drawdown.api.breakdown_of` with ``blocks``) and merge.
    """

    summary: Summary | None
    precision: Record | None
    written: list[Path] = field(default_factory=list)
    units_total: int = 0
    units_done_before: int = 0
    units_run: int = 0
    complete: bool = True
    breakdown: Breakdown | None = None
    breakdown_missing: Blocks = field(default_factory=list)


class RunBatch:
    """A run of blocks, in a run directory or in memory, by any executor.

    Parameters
    ----------
    scenario : Scenario
    seed : int
    reps : int, optional
        Replications (blocks ``blocks_for(reps, block_size)``).
    precision, max_reps : optional
        Instead of ``reps``: add blocks in block order until the standard error of the
        headline probability is at most ``precision`` (:func:`drawdown.results.precision_se`),
        at most ``max_reps`` replications; the same blocks as
        :func:`drawdown.batch.run_to_precision` whatever the executor.
    engine, block_size
    out_dir : path, optional
        The run directory; without it nothing is written and nothing can be resumed.
    resume : bool
        Continue the run in ``out_dir`` (see the module documentation).
    shard : Shard or str, optional
        Run only this shard of the blocks (needs ``out_dir``).
    parallelism : int
        Units the executor runs at once (sizes the units of a new run).
    replications : bool
        Keep per-replication outcomes (``replications.npz``) in a run directory.
    plots : bool
        Draw the plots with the results.
    plot_format : {"png", "svg", "pdf"}
        Their file format (:data:`drawdown.report.PLOT_FORMATS`).
    by : iterable of str, optional
        Also fold the breakdowns (:data:`drawdown.results.breakdown.BY`) of the units
        run, in the same pass (:attr:`RunResult.breakdown`); nothing written changes.
        Not with ``shard``.

    Attributes
    ----------
    total_reps, done_reps, todo_reps : int
        Replications planned, finished before :meth:`run`, and at most still to run.

    Raises
    ------
    ValueError
        Unless exactly one of ``reps`` and ``precision`` is given.
    DrawdownError
        When ``shard`` or ``resume`` is given without ``out_dir``, or ``shard`` with
        ``precision`` or ``by``; when ``out_dir`` holds something this run cannot continue
        (nothing is written then); :class:`drawdown.results.DirectoryInUse` when
        another process works in ``out_dir``: the batch holds the directory's lock from
        its creation until :meth:`run` ends (or :meth:`close`).
    ResultError
        When ``resume`` finds another run, other versions or damaged files.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import InProcess, RunBatch, summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> batch = RunBatch(s, 1, reps=3000)
    >>> [u.label for u in batch.units]
    ['blocks 0-1', 'block 2']
    >>> batch.run(InProcess()).summary == summarize(s, 3000, seed=1)
    True
    >>> RunBatch(s, 1, reps=3000, resume=True)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: resume needs out_dir: the run directory to finish
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        *,
        reps: int | None = None,
        precision: float | None = None,
        max_reps: int | None = None,
        engine: str = "numpy",
        block_size: int = BLOCK_SIZE,
        out_dir: StrPath | None = None,
        resume: bool = False,
        shard: Shard | str | None = None,
        parallelism: int = 1,
        replications: bool = True,
        plots: bool = True,
        plot_format: str = DEFAULT_PLOT_FORMAT,
        by: Iterable[str] = (),
    ):
        check_plot_format(plot_format)
        self.by = check_by(scenario, by)
        if (reps is None) == (precision is None):
            raise ValueError("give reps or precision")
        if precision is not None and max_reps is None:
            max_reps = DEFAULT_MAX_REPS
        planned = max_reps if reps is None else reps  # a precision run's cap is set just above
        check_reps(planned or 0, block_size, name="reps" if precision is None else "max_reps")
        if isinstance(shard, str):
            shard = Shard.parse(shard)
        if shard is not None and out_dir is None:
            raise DrawdownError("shard needs out_dir: the directory the shards of the run share")
        if resume and out_dir is None:
            raise DrawdownError("resume needs out_dir: the run directory to finish")
        if shard is not None and precision is not None:
            raise DrawdownError(
                "precision decides block by block in block order: it cannot be split into shards; give reps"
            )
        if shard is not None and self.by:
            raise DrawdownError("by needs the whole run: merge the shards, then break the merged run down")
        self.scenario = scenario
        self.seed = int(seed)
        self.engine = engine
        self.block_size = int(block_size)
        self.shard = shard
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.keep = bool(replications) and self.out_dir is not None
        self.plots = plots
        self.plot_format = plot_format
        self.identity = run_identity(
            scenario, seed=seed, engine=engine, block_size=block_size, reps=reps, precision=precision, max_reps=max_reps
        )
        self.environment = environment()
        blocks = _plan_blocks(self.identity)
        if shard is not None:
            start, stop = shard.range(len(blocks))
            blocks = blocks[start:stop]
        self.blocks = blocks
        self.manifest_path: Path | None = None
        self.done: dict[int, Record] = {}  # unit index -> done entry
        self.joined: Record | None = None  # the manifest's replications_file: replications.npz, joined
        self._lock: DirectoryLock | None = None
        if out_dir is not None:
            self._lock = claim_out_dir(out_dir, kind="run", shard=shard)  # held until run() ends
        try:
            self.units = self._plan(blocks, parallelism, resume)
        except BaseException:
            if self._lock is not None:
                self._lock.abandon()  # a refused run leaves nothing behind
            raise
        self.done_before = len(self.done)

    # -- setting up ----------------------------------------------------------------------------
    def _new_units(self, blocks: Blocks, parallelism: int) -> list[Unit]:
        """A new plan: one block a unit for a precision run (it decides block by block), else
        units sized for the executor's parallelism."""
        n = 1 if self.identity["precision"] is not None else unit_blocks_for(len(blocks), parallelism)
        return make_units(self.scenario, self.seed, blocks, engine=self.engine, block_size=self.block_size,
                          unit_blocks=n, keep_outcomes=self.keep, **self._breakdown_args())  # fmt: skip

    def _breakdown_args(self) -> dict[str, bool]:
        """A unit's breakdown fields: fold one with ``by``, recording nations for ``nation``."""
        return {"breakdown": bool(self.by), "record_nations": "nation" in self.by}

    def _plan(self, blocks: Blocks, parallelism: int, resume: bool) -> list[Unit]:
        """The units: a new plan, or the one recorded in the run directory (``resume``)."""
        if self.out_dir is None:
            return self._new_units(blocks, parallelism)
        out = self.out_dir
        self.manifest_path = out / MANIFEST if self.shard is None else out / SHARDS_DIR / f"{self.shard.stem}.json"
        record = self._existing(out, self.manifest_path, resume)
        if record is not None:
            self.keep = bool(record.get("keep_replications"))
            self.joined = _joined_entry(record, self.manifest_path)
            plan = [_blocks_of(u, self.manifest_path, "units") for u in _list_of(record, "units", self.manifest_path)]
            if sorted(bl for u in plan for bl in u) != sorted(blocks):
                raise ResultError(f"{self.manifest_path}: its units do not cover the blocks of this run")
            units = [self._unit(u) for u in plan]
        else:
            units = self._new_units(blocks, parallelism)
        self.units = units
        self._collect_done(out, record)
        self._write_manifest(complete=False)
        return units

    def _unit(self, blocks: tuple[tuple[int, int], ...]) -> Unit:
        return Unit(
            self.scenario,
            self.seed,
            tuple(blocks),
            engine=self.engine,
            block_size=self.block_size,
            keep_outcomes=self.keep,
            breakdown=bool(self.by),
            record_nations="nation" in self.by,
        )

    def close(self) -> None:
        """Let go of the run directory's lock (:meth:`run` does when it ends); again: nothing."""
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> RunBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dir(self) -> Path:
        if self.out_dir is None:
            raise DrawdownError("this run has no out_dir")
        return self.out_dir

    def _manifest(self) -> Path:
        if self.manifest_path is None:
            raise DrawdownError("this run has no out_dir")
        return self.manifest_path

    def _existing(self, out: Path, path: Path, resume: bool) -> Record | None:
        """The manifest of the run in ``out`` that this run continues, checked; None for a new run."""

        def merged() -> bool:
            return path.exists() and bool(read_record(path, "run manifest").get("merged_from_shards"))

        if not check_out_dir(
            out, path, kind="run", sharded=self.shard is not None, resume=resume, shards_merged=merged
        ):
            return None
        record = read_record(path, "run manifest")
        if record.get("format") != _RUN or record.get("format_version") != RECORD_FORMAT_VERSION:
            raise ResultError(f"{path}: not a drawdown run manifest of format {RECORD_FORMAT_VERSION}")
        if record.get("merged_from_shards"):
            raise DrawdownError(f"{out}: was merged from shards: nothing to resume")
        diff = _identity_mismatch(record, self.identity)
        if diff:
            raise ResultError(f"{path}: resume=True continues the same run, but this one differs: " + "; ".join(diff))
        shard = record.get("shard")
        if shard != (None if self.shard is None else {"index": self.shard.index, "count": self.shard.count}):
            raise ResultError(f"{path}: records shard {shard}, not {self.shard}")
        check_environment(record["environment"], path)
        return record

    def _collect_done(self, out: Path, record: Record | None) -> None:
        """Accept every unit whose files are there and verify; clean the leftovers of interrupted writes.

        Under the directory's lock: an unsharded run owns the whole directory and removes
        every temporary in it and in ``blocks/``; a shard only those of its own files."""
        (out / BLOCKS_DIR).mkdir(parents=True, exist_ok=True)
        if self.shard is not None:
            (out / SHARDS_DIR).mkdir(parents=True, exist_ok=True)
        recorded = {}
        for entry in _list_of(record or {"done": []}, "done", self._manifest()):
            recorded[_blocks_of(_field(entry, "blocks", self._manifest()), self._manifest(), "done")] = entry
        names = []
        for k, unit in enumerate(self.units):
            first = unit.blocks[0][0]
            names += [Path(unit_file(first)).name, Path(replications_file(first)).name]
            if (out / unit_file(first)).exists():  # else not finished (or deleted by hand to be computed again)
                self.done[k] = self._verify_done(out, unit, recorded.get(unit.blocks))
        if self.shard is None:
            clean_temporaries(out, RUN_FILES)
            clean_temporaries(out / BLOCKS_DIR, LEFTOVER_FOLDERS[BLOCKS_DIR])
        else:
            clean_temporaries(out / BLOCKS_DIR, names)
            clean_temporaries(out / SHARDS_DIR, [f"{self.shard.stem}.json", f"{self.shard.stem}.npz"])

    def _verify_done(self, out: Path, unit: Unit, entry: Record | None) -> Record:
        """The done entry of a unit whose summary file is there, once its files verify."""
        first = unit.blocks[0][0]
        path = out / unit_file(first)
        if entry is not None:
            _check_done_names(entry, first, self._manifest())
        summary = Summary.from_npz(path)  # checks its checksums: a damaged file is an error
        self._check_summary(summary, unit, path)
        if entry is not None and entry["sha256"] != file_sha256(path):
            raise ResultError(
                f"{path}: not the file the manifest recorded (sha256 differs); delete it and "
                "resume=True computes it again"
            )
        rpath = out / replications_file(first)
        if unit.keep_outcomes and not rpath.exists() and _joined_file_ok(out, self.joined):
            return entry or self._entry(unit, joined=True)  # its outcomes are in replications.npz already
        if unit.keep_outcomes:
            if not rpath.exists():
                raise ResultError(
                    f"{rpath}: missing, but its unit's summary {path.name} is there; delete "
                    f"{path} and resume=True computes the unit again"
                )
            if entry is not None and entry.get("replications_sha256") not in (None, file_sha256(rpath)):
                raise ResultError(f"{rpath}: not the file the manifest recorded (sha256 differs)")
            _read_unit_replications(rpath, unit)  # zip CRCs: a damaged file is an error
        return entry or self._entry(unit)

    def _entry(self, unit: Unit, *, joined: bool = False) -> Record:
        """A unit's done entry; ``joined``: its replications file is gone, joined into
        ``replications.npz`` (recorded without its sha256, which the manifest lost)."""
        out = self._dir()
        first = unit.blocks[0][0]
        entry: Record = {
            "blocks": [list(b) for b in unit.blocks],
            "file": unit_file(first),
            "sha256": file_sha256(out / unit_file(first)),
        }
        if unit.keep_outcomes and joined:
            entry["replications"] = replications_file(first)
        elif unit.keep_outcomes:
            entry["replications"] = replications_file(first)
            entry["replications_sha256"] = file_sha256(out / replications_file(first))
        return entry

    def _check_summary(self, summary: Summary, unit: Unit, where: object) -> None:
        """A unit's summary must be of this run: blocks, scenario, seed, engine, versions."""
        b = summary.book
        want = {
            "scenario_hash": self.scenario.hash,
            "seed": self.seed,
            "engine": self.engine,
            "block_size": self.block_size,
            "layout_version": LAYOUT_VERSION,
            **self.environment,
        }
        diff = [f"{k} {getattr(b, k)!r} != {v!r}" for k, v in want.items() if getattr(b, k) != v]
        if tuple(summary.blocks) != unit.blocks:
            diff.insert(0, f"blocks {list(summary.blocks)} != {list(unit.blocks)}")
        if diff:
            raise ResultError(f"{where}: not a result of this run ({'; '.join(diff)})")

    def _write_manifest(self, *, complete: bool, extra: Record | None = None) -> None:
        doc = {
            "format": _RUN,
            "format_version": RECORD_FORMAT_VERSION,
            "kind": "run",
            **self.identity,
            "environment": self.environment,
            "shard": None if self.shard is None else {"index": self.shard.index, "count": self.shard.count},
            "keep_replications": self.keep,
            "blocks_planned": len(self.blocks),
            "blocks_done": sum(len(self.units[k].blocks) for k in self.done),
            "units": [[list(b) for b in u.blocks] for u in self.units],
            "done": [self.done[k] for k in sorted(self.done)],
            "complete": bool(complete),
        }
        if self.joined is not None:
            doc["replications_file"] = self.joined
        doc.update(extra or {})
        write_record(self._manifest(), doc)

    # -- figures -------------------------------------------------------------------------------
    @property
    def total_reps(self) -> int:
        """Replications planned (of the shard, for a shard)."""
        return sum(u.reps for u in self.units)

    @property
    def done_reps(self) -> int:
        """Replications of the units found finished."""
        return sum(self.units[k].reps for k in self.done)

    @property
    def todo_reps(self) -> int:
        """Replications still to run, at most (a precision run may stop before)."""
        return self.total_reps - self.done_reps

    # -- running -------------------------------------------------------------------------------
    def _store(self, k: int, result: UnitResult) -> None:
        """Check a fresh unit result and, in a run directory, write it and record it."""
        unit = self.units[k]
        self._check_summary(result.summary, unit, f"{unit.label} (computed by process {result.pid})")
        if self.out_dir is None:
            return
        first = unit.blocks[0][0]
        if unit.keep_outcomes:
            if result.outcomes is None:
                raise ResultError(f"{unit.label} (computed by process {result.pid}): came without its outcomes")
            write_replications(
                self.out_dir / replications_file(first),
                result.outcomes,
                meta={
                    "scenario_hash": self.scenario.hash,
                    "seed": self.seed,
                    "engine": self.engine,
                    "block_size": self.block_size,
                    "blocks": json.dumps([list(b) for b in unit.blocks]),
                },
            )
        result.summary.to_npz(self.out_dir / unit_file(first))  # the unit is done once this file is there
        self.done[k] = self._entry(unit)
        self._write_manifest(complete=False)

    def _load(self, k: int) -> Summary:
        return Summary.from_npz(self._dir() / unit_file(self.units[k].blocks[0][0]))

    def run(self, executor: Executor | None = None, *, progress: Progress = None) -> RunResult:
        """Run what is missing with ``executor`` (default: in-process) and write the results.

        Each unit's summary is folded into the running total, in unit order, as soon as
        the units before it are in; nothing else of a unit is kept once it is stored.
        The run directory's lock, taken when the batch was made, is let go at the end
        (a second call takes it again).

        Parameters
        ----------
        executor : Executor, optional
            Where the units run; :class:`InProcess` (closed again) by default.
        progress : callable, optional
            Called with the replications finished since the last call.

        Returns
        -------
        RunResult
        """
        if self.out_dir is not None and (self._lock is None or not self._lock.held):
            self._lock = claim_out_dir(self.out_dir, kind="run", shard=self.shard)
        own = executor is None
        ex = InProcess() if executor is None else executor
        try:
            folded = _InOrder(self)
            ran = 0
            while not folded.finished:
                todo = [i for i in range(folded.k, len(self.units)) if i not in self.done and i not in folded.fresh]
                if self.identity["precision"] is not None:
                    todo = todo[: self._wave(folded.merged, ex.parallelism)]
                for j, result in ex.run([self.units[i] for i in todo], progress=progress):
                    self._store(todo[j], result)
                    folded.add(todo[j], result.summary, result.breakdown)
                    del result  # not held while the next unit runs
                    ran += 1
                    if folded.stop:
                        break
            done = self._finish(folded.merged, folded.k, ran)
            if self.by:
                done.breakdown, done.breakdown_missing = folded.breakdown, folded.breakdown_missing
            return done
        finally:
            if own:
                ex.close()
            self.close()

    def _wave(self, merged: Summary | None, parallelism: int) -> int:
        """Blocks to run next in a precision run (as :func:`drawdown.batch.run_to_precision`)."""
        if merged is None:
            batch = 1
        else:
            se = precision_se(merged)
            wanted = merged.n * (se / self.identity["precision"]["target"]) ** 2 - merged.n
            batch = min(max(1, math.ceil(wanted / self.block_size)), DEFAULT_CHUNK_BLOCKS)
        return max(batch, parallelism)

    def _finish(self, merged: Summary | None, k: int, ran: int) -> RunResult:
        result = RunResult(
            summary=merged,
            precision=None,
            units_total=len(self.units),
            units_done_before=self.done_before,
            units_run=ran,
        )
        precision = self.identity["precision"]
        if precision is not None and merged is not None:
            result.precision = precision_status(merged, precision["target"], cap_reps=precision["max_replications"])
        if self.out_dir is None:
            return result
        if self.shard is not None:
            extra = {}
            if merged is not None:
                spath = self.out_dir / SHARDS_DIR / f"{self.shard.stem}.npz"
                merged.to_npz(spath)
                extra = {"summary": _relative(spath, self.out_dir), "summary_sha256": file_sha256(spath)}
                result.written.append(spath)
            self._write_manifest(complete=True, extra=extra)
            result.written.append(self._manifest())
            return result
        if merged is None:
            raise ValueError("nothing to run: no replications")
        used = [self.done[i] for i in range(k)]
        result.written = write_results(
            self.out_dir,
            self.scenario,
            merged,
            used if self.keep else None,
            precision=result.precision,
            plots=self.plots,
            plot_format=self.plot_format,
            joined=self.joined,
        )
        if self.keep:
            self.joined = joined_entry(self.out_dir)
        self._write_manifest(complete=True, extra={"units_merged": k, "blocks_merged": len(merged.blocks)})
        if self.keep:  # recorded: the units' copies can go
            remove_unit_replications(self.out_dir, used)
        return result


class _InOrder:
    """The units' summaries folded in unit order, each as soon as those before it are in.

    Units finished before (in ``batch.done``) are read from their files when their turn
    comes; a summary that comes early waits in ``fresh``. For a precision run, folding
    stops at the first unit after which the standard error meets the target (``stop``).
    A unit's breakdown (``by``) is folded with its summary, so it covers the same units;
    those read from files have none: their blocks go to ``breakdown_missing``.
    """

    def __init__(self, batch: RunBatch):
        self.batch = batch
        precision = batch.identity["precision"]
        self.target: float | None = None if precision is None else precision["target"]
        self.merged: Summary | None = None
        self.k = 0  # units folded: 0 .. k-1
        self.stop = False
        self.fresh: dict[int, Summary] = {}  # unit index -> summary, until folded
        self.fresh_breakdowns: dict[int, Breakdown] = {}  # unit index -> breakdown, until folded
        self.breakdown: Breakdown | None = None
        self.breakdown_missing: Blocks = []
        self.fold()

    @property
    def finished(self) -> bool:
        return self.stop or self.k >= len(self.batch.units)

    def add(self, k: int, summary: Summary, breakdown: Breakdown | None = None) -> None:
        self.fresh[k] = summary
        if breakdown is not None:
            self.fresh_breakdowns[k] = breakdown
        self.fold()

    def fold(self) -> None:
        b = self.batch
        while not self.finished and (self.k in self.fresh or self.k in b.done):
            part = self.fresh.pop(self.k) if self.k in self.fresh else b._load(self.k)
            self.merged = part if self.merged is None else Summary.merge_all([self.merged, part])
            del part
            self._fold_breakdown(self.fresh_breakdowns.pop(self.k, None))
            self.k += 1
            if self.target is not None and precision_se(self.merged) <= self.target:
                self.stop = True

    def _fold_breakdown(self, part: Breakdown | None) -> None:
        """Fold unit ``k``'s breakdown, or note its blocks as missing (a unit read from its file)."""
        if not self.batch.by:
            return
        if part is None:
            self.breakdown_missing += list(self.batch.units[self.k].blocks)
            return
        self.breakdown = part if self.breakdown is None else Breakdown.merge_all([self.breakdown, part])


def recorded_run(out_dir: StrPath | None, shard: Shard | str | None = None) -> Record | None:
    """The manifest of the run in ``out_dir`` (of ``shard``), checked; None if there is none.

    Raises
    ------
    ResultError
        When the manifest is damaged or not a run manifest.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import recorded_run, run_batch
    >>> d = tempfile.mkdtemp()
    >>> recorded_run(d) is None
    True
    >>> _ = run_batch(drawdown.load("doha-2021-05-01"), 1, reps=100, block_size=100, out_dir=d, plots=False)
    >>> recorded_run(d)["replications"], recorded_run(d)["complete"]
    (100, True)
    """
    if out_dir is None:
        return None
    if isinstance(shard, str):
        shard = Shard.parse(shard)
    path = Path(out_dir) / (MANIFEST if shard is None else f"{SHARDS_DIR}/{shard.stem}.json")
    if not path.exists():
        return None
    record = read_record(path, "run manifest")
    if record.get("format") != _RUN:
        raise ResultError(f"{path}: not a drawdown run manifest")
    try:
        record["seed"] = read_seed(record.get("seed"), "seed")
    except ValueError as e:
        raise ResultError(f"{path}: {e}") from e
    return record


def run_batch(
    scenario: Scenario, seed: int, *, executor: Executor | None = None, progress: Progress = None, **kw: Any
) -> RunResult:
    """:class:`RunBatch` and :meth:`RunBatch.run` in one call.

    Parameters
    ----------
    scenario : Scenario
    seed : int
    executor : Executor, optional
        Where the units run (its parallelism sizes the units); in this process by default.
    progress : callable, optional
        Called with the replications finished since the last call.
    **kw
        The other parameters of :class:`RunBatch`.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import run_batch, summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = tempfile.mkdtemp()
    >>> r = run_batch(s, 1, reps=250, block_size=100, out_dir=d, plots=False)
    >>> r.summary == summarize(s, 250, seed=1, block_size=100), r.units_run
    (True, 2)
    >>> run_batch(s, 1, reps=250, block_size=100, out_dir=d, resume=True, plots=False).units_run
    0
    """
    parallelism = getattr(executor, "parallelism", 1)
    batch = RunBatch(scenario, seed, parallelism=parallelism, **kw)
    return batch.run(executor, progress=progress)


# -- results --------------------------------------------------------------------------------------
def _read_unit_replications(path: Path, unit: Unit) -> Outcomes:
    try:
        arrays, meta = read_replications(path)
    except Exception as e:  # BadZipFile, a CRC error, EOFError, ValueError: whatever the damage raises
        raise ResultError(f"{path}: truncated or corrupt replications file ({type(e).__name__}: {e})") from e
    if json.loads(meta.get("blocks", "null")) != [list(b) for b in unit.blocks] or not set(OUTCOME_DTYPES) <= set(
        arrays
    ):
        raise ResultError(f"{path}: not the replications of {unit.label}")
    out = Outcomes(**arrays)
    if len(out) != unit.reps:
        raise ResultError(f"{path}: {len(out)} replications, expected {unit.reps}")
    return out


def write_results(
    out_dir: StrPath,
    scenario: Scenario,
    summary: Summary,
    units: list[Record] | None,
    *,
    precision: Record | None = None,
    plots: bool = True,
    plot_format: str = DEFAULT_PLOT_FORMAT,
    joined: Record | None = None,
) -> list[Path]:
    """Write a run's results: :func:`drawdown.report.write_run_dir`'s files, with
    ``replications.npz`` joined from the units' files, member by member
    (:func:`drawdown.results.join_replications`: memory bounded by one array of a unit).

    The units' files stay: the caller removes them (:func:`remove_unit_replications`)
    once its manifest records the joined file (:func:`joined_entry`).

    Parameters
    ----------
    out_dir : str or Path
        The run directory.
    scenario : Scenario
    summary : Summary
        The run's merged summary.
    units : list of dict, or None
        The done entries of the manifest, in block order, whose ``replications.npz``
        files make the run's; None for no ``replications.npz``.
    precision : dict, optional
        :func:`drawdown.results.precision_status` of a precision run.
    plots : bool, optional
    plot_format : {"png", "svg", "pdf"}, optional
        The plots' file format.
    joined : dict, optional
        The manifest's ``replications_file``: when ``replications.npz`` is that file
        (its sha256), it is kept, not joined again (the units' files may be gone).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ResultError
        When a unit's replications file changed since it was recorded, is damaged, or
        is gone without a recorded ``replications.npz``.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import summarize, write_results
    >>> s = drawdown.load("doha-2021-05-01")
    >>> files = write_results(tempfile.mkdtemp(), s, summarize(s, 100, seed=1), None, plots=False)
    >>> sorted(p.name for p in files)
    ['contingents.csv', 'daily.csv', 'summary.json', 'summary.npz']
    """
    out_dir = Path(out_dir)
    written = write_run_dir(
        out_dir, scenario, summary, outcomes=None, precision=precision, plots=plots, plot_format=plot_format
    )
    if units is not None:
        if not _joined_file_ok(out_dir, joined):
            parts = list(_unit_replications(out_dir, scenario, summary.seed, summary.book.block_size, units))
            if sum(rows for _, rows in parts) != summary.n:
                raise ResultError(f"{out_dir}: the units' replications files do not hold the run's {summary.n} rows")
            widths = outcome_widths(scenario)
            join_replications(
                out_dir / REPLICATIONS_FILE,
                parts,
                widths=widths,
                meta=summary.replications_meta(),
                dtypes=outcome_dtypes(scenario),
            )
        written.insert(2, out_dir / REPLICATIONS_FILE)
    return written


def write_breakdown_files(
    out_dir: StrPath,
    scenario: Scenario,
    breakdown: Breakdown,
    by: Iterable[str],
    *,
    plots: bool = True,
    plot_format: str = DEFAULT_PLOT_FORMAT,
) -> list[Path]:
    """Write a run's breakdown files (``drawdown run --by ... --out DIR``) beside its other
    files: new files only (:data:`drawdown.report.breakdown.BREAKDOWN_FILES`), each
    atomically, after the leftovers of an interrupted write of them are cleaned up; the
    run's own files and its manifest are not touched. The caller holds the directory's lock.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.api import breakdown_of
    >>> from drawdown.batch import run_batch
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = tempfile.mkdtemp()
    >>> r = run_batch(s, 1, reps=100, block_size=100, out_dir=d, plots=False)
    >>> paths = write_breakdown_files(d, s, breakdown_of(s, r.summary, daily=False), ["base"])
    >>> [p.name for p in paths]
    ['bases.csv']
    """
    clean_temporaries(Path(out_dir), BREAKDOWN_FILES)
    return write_breakdown(out_dir, scenario, breakdown, by, plots=plots, plot_format=plot_format)


def _unit_replications(
    out_dir: Path, scenario: Scenario, seed: int, block_size: int, units: list[Record]
) -> Iterator[tuple[Path, int]]:
    """Each unit's replications file and rows in turn, once its recorded sha256 and its blocks are checked."""
    for entry in units:
        blocks = _blocks_of(entry["blocks"], out_dir / MANIFEST, "done")
        path = out_dir / replications_file(blocks[0][0])  # computed: never a name read from a record
        if not path.exists():
            raise ResultError(
                f"{path}: missing: its unit is recorded done but its outcomes are neither in this file "
                f"nor in a recorded {REPLICATIONS_FILE}; delete {out_dir / unit_file(blocks[0][0])} to compute it again"
            )
        if file_sha256(path) != entry.get("replications_sha256"):
            raise ResultError(f"{path}: changed since it was recorded (sha256 differs): not merged")
        unit = Unit(scenario, seed, blocks, block_size=block_size)
        _check_unit_part(path, unit)
        yield path, unit.reps


def _check_unit_part(path: Path, unit: Unit) -> None:
    """A unit's replications file must say it holds that unit's blocks (reads that member only)."""
    try:
        blocks = json.loads(read_replications_meta(path).get("blocks", "null"))
    except Exception as e:  # BadZipFile, a CRC error, EOFError, ValueError: whatever the damage raises
        raise ResultError(f"{path}: truncated or corrupt replications file ({type(e).__name__}: {e})") from e
    if blocks != [list(b) for b in unit.blocks]:
        raise ResultError(f"{path}: not the replications of {unit.label}")


def joined_entry(out_dir: StrPath) -> Record:
    """The manifest's record of a run's joined ``replications.npz``: its name and sha256.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import run_batch
    >>> from drawdown.batch.rundir import joined_entry, recorded_run
    >>> d = tempfile.mkdtemp()
    >>> _ = run_batch(drawdown.load("doha-2021-05-01"), 1, reps=100, block_size=100, out_dir=d, plots=False)
    >>> recorded_run(d)["replications_file"] == joined_entry(d)
    True
    """
    return {"file": REPLICATIONS_FILE, "sha256": file_sha256(Path(out_dir) / REPLICATIONS_FILE)}


def _joined_entry(record: Record, where: object) -> Record | None:
    """A manifest's ``replications_file``, checked to name the file drawdown writes; None without one."""
    entry = record.get("replications_file")
    if entry is None:
        return None
    named = isinstance(entry, dict) and entry.get("file") == REPLICATIONS_FILE
    if not (named and isinstance(entry.get("sha256"), str)):
        raise ResultError(
            f"{where}: replications_file {entry!r}: drawdown records {REPLICATIONS_FILE!r} and its sha256; "
            "the record was altered: not used"
        )
    return entry


def _joined_file_ok(out_dir: Path, joined: Record | None) -> bool:
    """Whether ``out_dir/replications.npz`` is the joined file ``joined`` records."""
    path = out_dir / REPLICATIONS_FILE  # computed: never a name read from a record
    return joined is not None and path.is_file() and file_sha256(path) == joined["sha256"]


def remove_unit_replications(out_dir: StrPath, units: Iterable[Record]) -> None:
    """Remove the units' replications files, once ``replications.npz`` joins them and
    the manifest records it (a finished directory keeps the outcomes once).

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.batch import run_batch
    >>> d = tempfile.mkdtemp()
    >>> _ = run_batch(drawdown.load("doha-2021-05-01"), 1, reps=200, block_size=100, out_dir=d, plots=False)
    >>> sorted(os.listdir(os.path.join(d, "blocks")))   # unit summaries only: the outcomes are in replications.npz
    ['000000.npz', '000001.npz']
    """
    out_dir = Path(out_dir)
    for entry in units:
        first = _blocks_of(_field(entry, "blocks", out_dir / MANIFEST), out_dir / MANIFEST, "done")[0][0]
        (out_dir / replications_file(first)).unlink(missing_ok=True)  # computed: never a name read from a record


def _load_recorded_scenario(record: Record, where: object) -> Scenario:
    """The scenario a record names, checked against its hash."""
    info = record["scenario"]
    try:
        s = load(info["file"])
    except DrawdownError as e:
        raise ResultError(f"{where}: cannot load the run's scenario {info['file']} ({e})") from e
    if s.hash != info["hash"]:
        raise ResultError(
            f"{where}: the scenario file {info['file']} changed since the run (hash {s.hash[:12]}, "
            f"the run used {info['hash'][:12]})"
        )
    name = info.get("name")
    if isinstance(name, str) and name and name != s.name:  # a run named with --name keeps its name
        s = s.replace(name=name)
    return s


def shard_kinds(directory: StrPath) -> set[str]:
    """The kinds (``"run"``, ``"sweep"``) of the shard records in ``directory/shards``.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import run_batch, shard_kinds
    >>> d = tempfile.mkdtemp()
    >>> shard_kinds(d)
    set()
    >>> _ = run_batch(drawdown.load("doha-2021-05-01"), 1, reps=100, block_size=100, out_dir=d, shard="1/2")
    >>> shard_kinds(d)
    {'run'}
    """
    sdir = Path(directory) / SHARDS_DIR
    kinds = set()
    if sdir.is_dir():
        for p in sdir.iterdir():
            if _SHARD_FILE.match(p.name):
                try:
                    kinds.add(json.loads(p.read_text()).get("kind"))
                except (OSError, ValueError, RecursionError, AttributeError):
                    pass
    return kinds


def _shard_summary(directory: Path, sh: Shard, p: Path, rec: Record, want: Blocks) -> Summary:
    """A complete shard's summary, checked against its manifest's sha256 and blocks."""
    name = f"{SHARDS_DIR}/{sh.stem}.npz"  # computed: never a name read from a record
    if rec.get("summary") != name:
        raise ResultError(
            f"{p}: summary {rec.get('summary')!r}: drawdown writes shard {sh}'s summary as {name!r}; "
            "the record was altered: not merged"
        )
    spath = directory / name
    if not spath.exists():
        raise ResultError(f"{spath}: shard {sh}'s summary is missing")
    if file_sha256(spath) != rec["summary_sha256"]:
        raise ResultError(
            f"{spath}: shard {sh}'s summary is corrupt (its sha256 is not the one recorded in {p.name}): not merged"
        )
    s = Summary.from_npz(spath)
    if tuple(s.blocks) != tuple(want):
        raise ResultError(f"{spath}: shard {sh}'s summary covers other blocks than its manifest")
    return s


def merge_run_shards(directory: StrPath, *, plots: bool = True) -> tuple[Summary, list[Path]]:
    """Join the shards of a run in ``directory``: ``(summary, written)`` (see :func:`drawdown.batch.merge_dir`).

    Raises
    ------
    ResultError
        Naming the shard or file, as :func:`read_shard_records`; also for shards of
        different runs, a summary that is missing, corrupt or of other blocks, and a
        scenario file changed since the run.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import run_batch, summarize
    >>> from drawdown.batch.rundir import merge_run_shards
    >>> s, d = drawdown.load("doha-2021-05-01"), tempfile.mkdtemp()
    >>> for i in (1, 2):
    ...     _ = run_batch(s, 1, reps=200, block_size=100, out_dir=d, shard=f"{i}/2")
    >>> summary, written = merge_run_shards(d, plots=False)
    >>> summary == summarize(s, 200, seed=1, block_size=100)
    True
    """
    directory = Path(directory)
    with claim_merge_dir(directory, RUN_FILES):
        return _merge_run_shards(directory, plots)


def _merge_run_shards(directory: Path, plots: bool) -> tuple[Summary, list[Path]]:
    """:func:`merge_run_shards` under the directory's lock."""
    shards = read_shard_records(directory, "run")
    first = shards[0][2]
    ident_keys = ("scenario", "seed", "engine", "block_size", "layout_version", "replications", "precision")
    for sh, p, rec in shards[1:]:
        diff = _identity_mismatch(rec, {k: first[k] for k in ident_keys})
        if diff:
            raise ResultError(f"{p}: shard {sh} is of another run than shard 1/{sh.count}: " + "; ".join(diff))
    scenario = _load_recorded_scenario(first, shards[0][1])
    plan = _plan_blocks(first)
    joined = _merged_before(directory, first, ident_keys)
    parts, units, keep = [], [], True
    for sh, p, rec in shards:
        start, stop = sh.range(len(plan))
        want = plan[start:stop]
        done = sorted(_list_of(rec, "done", p), key=lambda e: _blocks_of(_field(e, "blocks", p), p, "done"))
        got = sorted(b for e in done for b in _blocks_of(e["blocks"], p, "done"))
        if got != want:
            raise ResultError(f"{p}: shard {sh} should hold blocks {start}..{stop - 1} but records others")
        if not want:
            continue
        for e in done:
            _check_done_names(e, e["blocks"][0][0], p)
        parts.append(_shard_summary(directory, sh, p, rec, want))
        keep = keep and all("replications" in e for e in done)
        units.extend(done)
    summary = Summary.merge_all(parts)
    if list(summary.blocks) != plan:
        raise ResultError(f"{directory}: the shards do not cover the run's blocks")
    written = write_results(directory, scenario, summary, units if keep else None, plots=plots, joined=joined)
    doc = {
        "format": _RUN,
        "format_version": RECORD_FORMAT_VERSION,
        "kind": "run",
        **{k: first[k] for k in ident_keys},
        "seed": seed_text(read_seed(first["seed"], f"{shards[0][1]}: seed")),
        "environment": first["environment"],
        "shard": None,
        "keep_replications": keep,
        "blocks_planned": len(plan),
        "blocks_done": len(plan),
        "units": [e["blocks"] for e in units],
        "done": units,
        "complete": True,
        "merged_from_shards": len(shards),
    }
    if keep:
        doc["replications_file"] = joined_entry(directory)
    write_record(directory / MANIFEST, doc)
    written.append(directory / MANIFEST)
    if keep:  # recorded: the units' copies can go
        remove_unit_replications(directory, units)
    return summary, written


def _merged_before(directory: Path, first: Record, ident_keys: Iterable[str]) -> Record | None:
    """The ``replications_file`` of an earlier merge of these shards in ``directory``
    (whose units' replications files are gone), or None."""
    path = directory / MANIFEST
    if not path.is_file():
        return None
    record = read_record(path, "run manifest")
    if not record.get("merged_from_shards") or _identity_mismatch(record, {k: first[k] for k in ident_keys}):
        return None
    return _joined_entry(record, path)
