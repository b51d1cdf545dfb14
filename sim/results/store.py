"""Per-replication outcome files: ``replications.npz``.

One ``.npz`` archive holds the outcome arrays of :class:`drawdown.engines.Outcomes` (one
row per replication, dtypes as in :data:`drawdown.engines.OUTCOME_DTYPES`, ``-1`` for
"never") and metadata as 0-d string arrays (scenario hash, seed, engine, versions).
Nothing in it needs pickle: read it with ``numpy.load(path, allow_pickle=False)``.

**Compressed, stored once.** Every member is deflated (``ZIP_DEFLATED`` at zlib's
fastest level, :data:`REPLICATIONS_LEVEL`): the arrays are small integers and flags,
which deflate to about 30% of their bytes (a run of 200,000 replications: 45 MB of
arrays, about 14 MB on disk). The
format is npz compressed rather than Parquet because it needs no new dependency
(``numpy.load`` reads it, as it reads the uncompressed files of older versions), it is
written member by member through :mod:`zipfile` with memory bounded by one piece, and
its bytes are a function of its contents alone (fixed dates, fixed pieces), where a
Parquet file records the writer's version and its row-group layout. A run directory
keeps these outcomes once: :func:`join_replications` assembles ``replications.npz``
from the units' files (``blocks/NNNNNN.replications.npz``, compressed too), and the run
directory removes those once the joined file is in place and recorded
(:mod:`drawdown.batch.rundir`).

The file is written to a temporary name in the same directory and renamed, so a reader
never sees a half-written file. Its bytes depend on its contents only: every zip entry
carries the fixed date :data:`ZIP_DATE_TIME`, and every member reaches the compressor
in pieces of :data:`PIECE_BYTES` whatever the chunks it is made of, so identical runs
give identical files however their outcomes were computed or stored.

Three writers make the same file, byte for byte, for the same outcomes and metadata.
:func:`write_replications` takes all the outcomes at once. :func:`join_replications`
takes them from files of consecutive rows (each unit's), one member at a time: the
memory it needs is one member of one file. :class:`ReplicationWriter` takes them chunk
by chunk, in any order, as the numpy engine yields them, into ``.npy`` files beside the
target (their space reserved when they are made, then written with ordinary writes,
never through a memory map: a full disk is an ``OSError``, not a ``SIGBUS``), and
deflates those into the ``.npz`` when closed: the memory it needs is bounded by a
chunk, not by the number of replications.

Every write names the file it was writing when it fails (``OSError.filename``), and
leaves no temporary file behind.

The summary file (``summary.npz`` and every unit's ``blocks/NNNNNN.npz``) is also made
and read here: :func:`write_summary_file` and :func:`read_summary_file` keep its format
(docs/design.md §3), :func:`summary_digest` its content checksum. What goes into the
file (the metadata and the arrays of a :class:`drawdown.results.Summary`) is the
summary's business; the envelope around it (format name and version, the ``__meta__``
and ``__sha256__`` members, the trailing checksum of the file's bytes) is this module's.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import itertools
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from ..engines import ALL_OUTCOME_DTYPES, OUTCOME_DTYPES, Outcomes, outcome_dtypes, outcome_widths
from ..errors import ResultError
from ..scenario import Scenario

__all__ = [
    "join_replications",
    "read_replications_meta",
    "write_replications",
    "read_replications",
    "ReplicationWriter",
    "REPLICATIONS_FILE",
    "ZIP_DATE_TIME",
    "SUMMARY_FORMAT",
    "SUMMARY_FORMAT_VERSION",
    "atomic_write",
    "read_summary_file",
    "summary_digest",
    "write_summary_file",
]

REPLICATIONS_FILE = "replications.npz"
#: The date and time of every entry of the ``.npz`` files drawdown writes (the earliest
#: a zip file can hold): the files' bytes do not depend on when they were written.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Bytes copied at a time from a part file into ``replications.npz``.
_COPY_BYTES = 1 << 20
#: Bytes handed to the compressor at a time, whatever the chunks a member is made of
#: (so the compressed bytes cannot depend on how the rows were split into units).
PIECE_BYTES = 1 << 20
#: How ``replications.npz`` members are stored: deflated, at :data:`REPLICATIONS_LEVEL`.
REPLICATIONS_COMPRESSION = zipfile.ZIP_DEFLATED
#: zlib's fastest level: on outcome arrays it deflates about 6 times faster than the
#: default level 6 for files a fifth larger (about 30% of the arrays' bytes against
#: 25%); every unit's outcomes are deflated twice (their own file, then the joined one).
REPLICATIONS_LEVEL = 1


def _zip_entry(name: str, compression: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A zip entry of ``name`` dated :data:`ZIP_DATE_TIME`, with a plain file's mode."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = compression
    info.external_attr = 0o600 << 16
    return info


def _write_npz(fh: IO[bytes], arrays: Mapping[str, np.ndarray], compression: int = zipfile.ZIP_STORED) -> None:
    """``arrays`` as an ``.npz`` archive (``NAME.npy`` entries, in order, no pickles) on ``fh``.

    The bytes are those of :func:`numpy.savez` (:func:`numpy.savez_compressed` with
    ``ZIP_DEFLATED``), every entry dated :data:`ZIP_DATE_TIME`.
    """
    with _zip_for_writing(fh, compression) as zf:
        for name, array in arrays.items():
            with zf.open(_zip_entry(f"{name}.npy", compression), mode="w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


def write_replications(path: str | os.PathLike[str], outcomes: Outcomes, *, meta: dict) -> Path:
    """Write ``outcomes`` and ``meta`` to the compressed ``.npz`` file ``path``, atomically.

    Parameters
    ----------
    path : str or Path
        The file to write (its directory must exist).
    outcomes : Outcomes
    meta : dict
        Metadata, name to value; each value is stored as a 0-d ``numpy.str_`` array
        (a seed is 128 bits: it is stored as its decimal string).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a metadata name is also an outcome's name.

    Examples
    --------
    >>> import drawdown, os, tempfile, zipfile
    >>> from drawdown.engines import run_numpy
    >>> from drawdown.results import read_replications, write_replications
    >>> path = os.path.join(tempfile.mkdtemp(), "r.npz")
    >>> _ = write_replications(path, run_numpy(drawdown.load("doha-2021-05-01"), 20, 1), meta={"seed": 1})
    >>> arrays, meta = read_replications(path)
    >>> arrays["exit_day"].shape, meta["seed"]
    ((20, 40), '1')
    >>> {i.compress_type for i in zipfile.ZipFile(path).infolist()} == {zipfile.ZIP_DEFLATED}
    True
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {
        k: np.ascontiguousarray(v, dtype=ALL_OUTCOME_DTYPES[k]) for k, v in outcomes.arrays().items()
    }
    meta_arrays = _meta_arrays(meta)

    def write(fh: IO[bytes]) -> None:
        with _replications_zip(fh) as zf:
            for k, a in arrays.items():
                _put_member(zf, k, [_npy_header(a.dtype, a.shape), _raw(a)])
            _put_meta(zf, meta_arrays)

    return atomic_write(path, write)


def join_replications(
    path: str | os.PathLike[str],
    parts: Sequence[tuple[str | os.PathLike[str], int]],
    *,
    widths: Mapping[str, int],
    meta: dict,
    dtypes: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``replications.npz`` from files of consecutive rows, member by member, atomically.

    ``dtypes`` names the outcomes to join (:func:`drawdown.engines.outcome_dtypes` of the
    scenario); by default v1's and those ``widths`` names.

    The file is the one :func:`write_replications` writes for the rows of ``parts``
    one after another, byte for byte. Each outcome member is written in turn, from
    that array of every part in order, so the memory used is one array of one part
    (a unit's), whatever the number of replications. The parts may be compressed or
    not (files of older versions are stored); they are only read.

    Parameters
    ----------
    path : str or Path
        The file to write (its directory must exist).
    parts : sequence of (path, int)
        Files written by :func:`write_replications` and the rows each must hold, in row order.
    widths : mapping of str to int
        Columns of the two-dimensional outcomes (:func:`drawdown.engines.outcome_widths`):
        ``exit_day`` (contingents) and ``base_closed_day`` (bases); for a network
        scenario also its network outcomes, which are then written too.
    meta : dict
        Metadata, as in :func:`write_replications`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ResultError
        Naming the part, when one is damaged, lacks an outcome or holds other rows or
        columns than expected; nothing is written then.
    OSError
        When writing ``path`` fails (``filename`` is ``path``); nothing is left behind.

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.engines import outcome_dtypes, run_numpy
    >>> from drawdown.results import read_replications, write_replications
    >>> from drawdown.results.store import join_replications
    >>> s, d = drawdown.load("doha-2021-05-01"), tempfile.mkdtemp()
    >>> out = run_numpy(s, 30, 1, block_size=10)
    >>> a = write_replications(os.path.join(d, "a.npz"), out.rows(0, 10), meta={})
    >>> b = write_replications(os.path.join(d, "b.npz"), out.rows(10, 30), meta={})
    >>> widths = {"exit_day": len(s.contingents), "base_closed_day": len(s.bases)}
    >>> whole = join_replications(os.path.join(d, "r.npz"), [(a, 10), (b, 20)], widths=widths, meta={"seed": 1},
    ...                           dtypes=outcome_dtypes(s))
    >>> whole.read_bytes() == write_replications(os.path.join(d, "w.npz"), out, meta={"seed": 1}).read_bytes()
    True
    """
    path = Path(path)
    files = [(Path(p), int(rows)) for p, rows in parts]
    meta_arrays = _meta_arrays(meta)
    total = sum(rows for _, rows in files)

    def write(fh: IO[bytes]) -> None:
        with _replications_zip(fh) as zf:
            names = (
                {k: ALL_OUTCOME_DTYPES[k] for k in dtypes}
                if dtypes is not None
                else {k: t for k, t in ALL_OUTCOME_DTYPES.items() if k in OUTCOME_DTYPES or k in widths}
            )
            for name, dtype in names.items():
                tail = (int(widths[name]),) if name in widths else ()
                header = _npy_header(np.dtype(dtype), (total, *tail))
                _put_member(zf, name, itertools.chain([header], _member_rows(files, name, np.dtype(dtype), tail)))
            _put_meta(zf, meta_arrays)

    return atomic_write(path, write)


def _member_rows(
    parts: list[tuple[Path, int]], name: str, dtype: np.dtype, tail: tuple[int, ...]
) -> Iterator[memoryview]:
    """The bytes of array ``name`` of each part in turn, each checked (one part's array in memory)."""
    for part, rows in parts:
        try:
            with np.load(part, allow_pickle=False) as z:
                array = z[name]
        except KeyError:
            raise ResultError(f"{part}: not a replications file (no {name!r} array)") from None
        except OSError as e:
            if e.filename is None:  # a damaged archive, not a failing disk: name the part
                raise ResultError(f"{part}: truncated or corrupt replications file ({e})") from e
            raise
        except Exception as e:  # BadZipFile, a CRC error, zlib.error, EOFError, ValueError: whatever damage raises
            raise ResultError(f"{part}: truncated or corrupt replications file ({type(e).__name__}: {e})") from e
        if array.shape != (rows, *tail) or array.dtype != dtype:
            raise ResultError(
                f"{part}: {name}: {array.dtype} of shape {array.shape}, expected {dtype} of shape {(rows, *tail)}"
            )
        yield _raw(np.ascontiguousarray(array))
        del array  # not held while the next part is read


def _replications_zip(fh: IO[bytes]) -> contextlib.AbstractContextManager[zipfile.ZipFile]:
    return _zip_for_writing(fh, REPLICATIONS_COMPRESSION)


@contextlib.contextmanager
def _zip_for_writing(fh: IO[bytes], compression: int) -> Iterator[zipfile.ZipFile]:
    """A zip archive written on ``fh``, closed (its central directory written) only when the
    body finishes. On an error or a signal the archive is abandoned, not closed: the caller
    removes the file, and closing it could fail ("an open writing handle", when a signal
    came between opening a member and entering its ``with``) in place of the real error,
    or again from ``ZipFile.__del__`` once ``fh`` is closed."""
    zf = zipfile.ZipFile(fh, mode="w", compression=compression, allowZip64=True)
    try:
        yield zf
    except BaseException:
        zf.fp = None  # ZipFile.close (and __del__) then has nothing to do; fh stays the caller's
        raise
    zf.close()


def _npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """The ``.npy`` header of a C-order array (format 1.0, what :func:`numpy.save` writes)."""
    buf = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def _raw(array: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without a copy."""
    return memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)


def _put_member(zf: zipfile.ZipFile, name: str, pieces: Iterable[bytes | memoryview]) -> None:
    """Member ``NAME.npy`` made of ``pieces``, handed to the compressor in pieces of
    :data:`PIECE_BYTES` (the compressed bytes do not depend on how the data was split)."""
    info = _zip_entry(f"{name}.npy", REPLICATIONS_COMPRESSION)
    # the level of an entry opened by its ZipInfo ("compress_level" from Python 3.13)
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", REPLICATIONS_LEVEL)
    with zf.open(info, mode="w", force_zip64=True) as entry:
        pending = bytearray()
        for piece in pieces:
            pending += piece
            if len(pending) >= PIECE_BYTES:
                whole = len(pending) - len(pending) % PIECE_BYTES
                view = memoryview(pending)
                for start in range(0, whole, PIECE_BYTES):
                    entry.write(view[start : start + PIECE_BYTES])
                view.release()
                del pending[:whole]
        if pending:
            entry.write(pending)


def _put_meta(zf: zipfile.ZipFile, meta_arrays: Mapping[str, np.ndarray]) -> None:
    for k, v in meta_arrays.items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, v, allow_pickle=False)
        _put_member(zf, k, [buf.getvalue()])


def _meta_arrays(meta: dict) -> dict[str, np.ndarray]:
    """Metadata as 0-d string arrays; a name may not be an outcome's."""
    out = {}
    for key, value in meta.items():
        if key in ALL_OUTCOME_DTYPES:
            raise ValueError(f"metadata {key!r} would overwrite an outcome array")
        out[key] = np.array(str(value), dtype=np.str_)
    return out


class ReplicationWriter:
    """Write ``replications.npz`` chunk by chunk, from files on disk.

    The file is the one :func:`write_replications` writes for the same outcomes and
    metadata, byte for byte. Each outcome array is a ``.npy`` file in a hidden temporary
    folder beside ``path`` (``.replications.npz.XXXX.parts``), its space reserved when
    the writer is made (``os.posix_fallocate`` where the platform and file system have
    it), and filled row range by row range with ordinary writes (``os.pwrite``), never
    through a memory map: a disk that fills up is an ``OSError`` naming ``path``
    (``ENOSPC``, or ``EFBIG`` past a file size limit), never a ``SIGBUS``. :meth:`close`
    deflates the files into a temporary file, renames it to
    ``path`` and deletes the folder. Until then ``path`` is untouched; on an error, or
    :meth:`abort`, nothing is left behind.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file to write (its directory must exist).
    scenario : Scenario
        Gives the widths of ``exit_day`` (contingents) and ``base_closed_day`` (bases).
    reps : int
        Rows of every array; each must be written once before :meth:`close`.
    meta : dict
        Metadata, as in :func:`write_replications`.

    Raises
    ------
    OSError
        When the folder cannot be made or its space reserved (``filename`` is ``path``).

    Examples
    --------
    >>> import drawdown, tempfile, os
    >>> from drawdown.engines import iter_chunks
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = tempfile.mkdtemp()
    >>> with ReplicationWriter(os.path.join(d, REPLICATIONS_FILE), s, 120, meta={"seed": 1}) as w:
    ...     for chunk, out in iter_chunks(s, 120, 1, block_size=50, chunk_blocks=1):
    ...         w.add(chunk[0][0] * 50, out)
    >>> arrays, meta = read_replications(os.path.join(d, REPLICATIONS_FILE))
    >>> arrays["exit_day"].shape, meta["seed"]
    ((120, 40), '1')
    >>> os.listdir(d)
    ['replications.npz']
    """

    def __init__(self, path: str | os.PathLike[str], scenario: Scenario, reps: int, *, meta: dict) -> None:
        self._dir: Path | None = None
        self._parts: dict[str, _NpyPart] | None = None
        self.path = Path(path)
        self.reps = int(reps)
        if self.reps < 0:
            raise ValueError(f"reps must be >= 0, got {reps}")
        self._meta = _meta_arrays(meta)
        widths = outcome_widths(scenario)
        dtypes = outcome_dtypes(scenario)
        self._shapes = {k: (self.reps, widths[k]) if k in widths else (self.reps,) for k in dtypes}
        self._done = np.zeros(self.reps, dtype=bool)
        with _naming(self.path):
            self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".parts", dir=self.path.parent))
        self._parts = {}
        try:
            with _naming(self.path):
                for k, dtype in dtypes.items():
                    self._parts[k] = _NpyPart(self._dir / f"{k}.npy", np.dtype(dtype), self._shapes[k])
        except BaseException:
            self.abort()
            raise

    @property
    def closed(self) -> bool:
        return self._parts is None

    @property
    def rows_written(self) -> int:
        return int(self._done.sum())

    def add(self, start_row: int, outcomes: Outcomes) -> None:
        """Write ``outcomes`` to rows ``start_row .. start_row + len(outcomes) - 1``.

        Raises
        ------
        ValueError
            If the rows fall outside ``0 .. reps - 1`` or were written before, or an
            array does not have the shape of those rows.
        OSError
            When a write fails (a full disk: ``ENOSPC``); ``filename`` is ``path``. The
            writer is then aborted: nothing is left behind.
        """
        if self._parts is None:
            raise ValueError("the writer is closed")
        start, n = int(start_row), len(outcomes)
        stop = start + n
        if start < 0 or stop > self.reps:
            raise ValueError(f"rows {start}..{stop - 1} outside 0..{self.reps - 1}")
        if self._done[start:stop].any():
            raise ValueError(f"rows {start}..{stop - 1}: some were written already")
        arrays = outcomes.arrays()
        rows = {}
        for k in self._parts:
            v = np.asarray(arrays[k])
            if v.shape != (n,) + self._shapes[k][1:]:
                raise ValueError(f"{k}: shape {v.shape}, expected {(n,) + self._shapes[k][1:]}")
            rows[k] = v
        try:
            with _naming(self.path):
                for k, part in self._parts.items():
                    part.write_rows(start, rows[k])
        except BaseException:
            self.abort()
            raise
        self._done[start:stop] = True

    def close(self) -> Path:
        """Zip the arrays and the metadata into ``path`` (atomically) and clean up.

        Raises
        ------
        ValueError
            If some rows were never written (the writer is aborted: nothing is written).
        OSError
            When writing ``path`` fails (``filename`` is ``path``); nothing is left behind.
        """
        if self._parts is None or self._dir is None:
            raise ValueError("the writer is closed")
        missing = self.reps - self.rows_written
        if missing:
            first = int(np.flatnonzero(~self._done)[0])
            self.abort()
            raise ValueError(f"{missing} of {self.reps} rows never written (first: row {first})")
        parts = self._parts

        def write_zip(f: IO[bytes]) -> None:
            with _replications_zip(f) as zf:
                for k, part in parts.items():
                    _put_member(zf, k, part.pieces())
                _put_meta(zf, self._meta)

        try:
            atomic_write(self.path, write_zip)
        finally:
            self.abort()
        return self.path

    def abort(self) -> None:
        """Forget everything written; delete the temporary files. ``path`` is untouched."""
        parts, self._parts = self._parts, None
        for part in (parts or {}).values():
            part.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> ReplicationWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.abort()
        elif not self.closed:
            self.close()

    def __del__(self) -> None:
        try:
            self.abort()
        except Exception:
            pass


class _NpyPart:
    """One ``.npy`` file of a :class:`ReplicationWriter`: the header of an array of
    ``dtype`` and ``shape`` (C order), then its rows, written with ``os.pwrite``."""

    def __init__(self, path: Path, dtype: np.dtype, shape: tuple[int, ...]) -> None:
        self.dtype, self.shape = dtype, shape
        self.row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            header = io.BytesIO()
            header_data = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(header, header_data)
            self.offset = len(header.getvalue())
            self.size = self.offset + shape[0] * self.row_bytes
            _reserve(self.fd, self.size)
            _pwrite_all(self.fd, header.getvalue(), 0)
        except BaseException:
            self.close()
            raise

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        """Rows ``start ..`` of the array (``rows`` converted to the file's dtype)."""
        data = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1).view(np.uint8)
        _pwrite_all(self.fd, data.data, self.offset + start * self.row_bytes)

    def pieces(self) -> Iterator[bytes]:
        """The whole file, header and rows, a piece at a time."""
        done = 0
        while done < self.size:
            chunk = os.pread(self.fd, min(_COPY_BYTES, self.size - done), done)
            if not chunk:
                raise OSError(errno.EIO, f"unexpected end of a temporary file at byte {done} of {self.size}")
            yield chunk
            done += len(chunk)

    def close(self) -> None:
        fd, self.fd = getattr(self, "fd", -1), -1
        if fd >= 0:
            os.close(fd)


def _reserve(fd: int, size: int) -> None:
    """Allocate ``size`` bytes of the file now, so that a full disk is an ``OSError`` here,
    before any work; where the file system cannot (``EOPNOTSUPP``, ``EINVAL``) or the
    platform has no ``posix_fallocate``, only set the size: the writes still raise."""
    if size <= 0:
        return
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, size)
            return
        except OSError as e:
            if e.errno not in (errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOSYS):
                raise
    os.ftruncate(fd, size)


def _pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    """All of ``data`` at ``offset`` (a short write is continued; an error raises)."""
    view = memoryview(data)
    while view.nbytes:
        n = os.pwrite(fd, view, offset)
        if n <= 0:
            raise OSError(errno.EIO, "write made no progress")
        view, offset = view[n:], offset + n


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Give an ``OSError`` raised inside without a file name the name ``path`` (what a
    message about a full disk should name: the file being written), same class and errno."""
    try:
        yield
    except OSError as e:
        if e.filename is None:
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The temporary files of the writes under way in this process (:func:`atomic_write`).
_WRITING: set[str] = set()


def remove_writes_under_way() -> None:
    """Remove the temporary files of this process's writes under way.

    For a process about to end without unwinding (a batch worker told to stop, whose
    exit skips :func:`atomic_write`'s cleanup): the files it was writing never appear,
    and it leaves no temporary behind. Safe from a signal handler or another thread: a
    temporary already renamed into place is simply not there any more.
    """
    for tmp in list(_WRITING):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def atomic_write(path: str | os.PathLike[str], data: str | bytes | Callable[[IO[bytes]], object]) -> Path:
    """Write a file so that no reader ever sees it half written.

    ``data`` (str, bytes, or a callable that writes to a binary file) goes to a
    temporary file in the same directory, which is flushed to disk and renamed over
    ``path``; on any error or interrupt the temporary file is removed and ``path`` is
    untouched.

    Parameters
    ----------
    path : str or Path
        The file (its directory must exist).
    data : str, bytes or callable
        What to write; a callable is given the binary file to write to.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        When a write fails (a full disk: ``ENOSPC``; past a file size limit: ``EFBIG``);
        an error that names no file names ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> from drawdown.results import atomic_write
    >>> d = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(d, "a.txt"), "hello\\n").read_text()
    'hello\\n'
    >>> def fails(fh):
    ...     fh.write(b"half")
    ...     raise OSError(28, "No space left on device")
    >>> atomic_write(os.path.join(d, "b.txt"), fails)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OSError: [Errno 28] No space left on device: '...b.txt'
    >>> os.listdir(d)
    ['a.txt']
    """
    path = Path(path)
    with _naming(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    _WRITING.add(tmp)
    try:
        with _naming(path):
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
            with os.fdopen(fd, "wb") as fh:
                if callable(data):
                    data(fh)
                else:
                    fh.write(data.encode() if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        _WRITING.discard(tmp)
    return path


def read_replications(path: str | os.PathLike[str]) -> tuple[dict, dict]:
    """Read a file written by :func:`write_replications`, :func:`join_replications` or
    :class:`ReplicationWriter`, compressed or (written by older versions) not.

    Returns ``(arrays, meta)``: the outcome arrays by name, and the metadata as strings
    (a seed as its decimal digits: :func:`drawdown.draws.read_seed` reads it).
    """
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k in ALL_OUTCOME_DTYPES}
        meta = {k: str(data[k]) for k in data.files if k not in ALL_OUTCOME_DTYPES}
    return arrays, meta


def read_replications_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """The metadata of a replications file, as strings, without reading its outcome arrays.

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.engines import run_numpy
    >>> from drawdown.results import write_replications
    >>> from drawdown.results.store import read_replications_meta
    >>> path = os.path.join(tempfile.mkdtemp(), "r.npz")
    >>> _ = write_replications(path, run_numpy(drawdown.load("doha-2021-05-01"), 5, 1), meta={"seed": 2**127})
    >>> int(read_replications_meta(path)["seed"]) == 2**127
    True
    """
    with np.load(path, allow_pickle=False) as data:
        return {k: str(data[k]) for k in data.files if k not in ALL_OUTCOME_DTYPES}


# -- the summary file -------------------------------------------------------------------------

#: ``format`` of a summary file's metadata.
SUMMARY_FORMAT = "drawdown-summary"
#: Version of the summary file's layout (``format_version`` of its metadata).
SUMMARY_FORMAT_VERSION = 1
_META = "__meta__"
_CHECKSUM = "__sha256__"
_TRAILER = b"drawdown-summary-sha256:"
_HEX = 64  # characters of a sha256 in hex

T = TypeVar("T")


def summary_digest(meta_json: str, arrays: Mapping[str, np.ndarray]) -> str:
    """sha256 of a summary's contents: its metadata's JSON text and each array's name,
    dtype, shape and bytes, arrays in name order.

    Parameters
    ----------
    meta_json : str
        The metadata as JSON text (sorted keys).
    arrays : mapping of str to ndarray

    Returns
    -------
    str
        The digest in hex.

    Examples
    --------
    >>> import drawdown, numpy as np
    >>> from drawdown.results import summary_digest
    >>> a = summary_digest("{}", {"x": np.arange(3)})
    >>> a == summary_digest("{}", {"x": np.arange(3)}), len(a)
    (True, 64)
    >>> a == summary_digest("{}", {"x": np.arange(3).reshape(3, 1)})
    False
    """
    h = hashlib.sha256()
    h.update(meta_json.encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write_summary_file(path: str | os.PathLike[str], meta: dict, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write a summary file (``.npz``, no pickles) atomically (:func:`atomic_write`).

    The members are the arrays (in the order given), ``__meta__`` (the 0-d string
    of ``meta`` as JSON, sorted keys) and ``__sha256__`` (:func:`summary_digest` of
    both), deflated and dated :data:`ZIP_DATE_TIME`; the zip comment ends the file with
    ``drawdown-summary-sha256:`` and the hex sha256 of every byte before those 64
    characters.

    Parameters
    ----------
    path : str or Path
        The file; no ``.npz`` is appended.
    meta : dict
        The summary's metadata, ``format`` and ``format_version`` included.
    arrays : mapping of str to ndarray
        The summary's arrays by member name.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import drawdown, numpy as np, os, tempfile
    >>> from drawdown.results import SUMMARY_FORMAT, read_summary_file, write_summary_file
    >>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
    >>> meta = {"format": SUMMARY_FORMAT, "format_version": 1, "n": 3}
    >>> _ = write_summary_file(path, meta, {"hist.x": np.arange(3)})
    >>> read_summary_file(path, lambda meta, arrays: (meta["n"], sorted(arrays)))
    (3, ['hist.x'])
    """
    meta_json = json.dumps(meta, sort_keys=True)
    payload: dict[str, Any] = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    payload[_META] = np.array(meta_json)
    payload[_CHECKSUM] = np.array(summary_digest(meta_json, arrays))
    buf = io.BytesIO()
    _write_npz(buf, payload, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = _TRAILER + b"0" * _HEX
    body = buf.getvalue()[:-_HEX]
    return atomic_write(Path(path), body + hashlib.sha256(body).hexdigest().encode())


def read_summary_file(path: str | os.PathLike[str], build: Callable[[dict, dict[str, np.ndarray]], T]) -> T:
    """Read a file written by :func:`write_summary_file`, checking everything, and
    ``build`` what it holds.

    The checks, in order: the trailing checksum of the file's bytes, the zip archive,
    the ``__meta__`` and ``__sha256__`` members, the digest of the contents, the
    metadata's JSON, its ``format`` and its ``format_version``. Then
    ``build(meta, arrays)`` (``arrays`` without the two members); a ``KeyError``,
    ``TypeError`` or ``ValueError`` it raises is reported as a malformed summary.

    Parameters
    ----------
    path : str or Path
    build : callable
        ``build(meta, arrays)`` makes the result from the metadata and the arrays.

    Returns
    -------
    What ``build`` returns.

    Raises
    ------
    ResultError
        When the file is missing, truncated, corrupt, not a summary, of another format
        version, or malformed; the message names the file.

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.results import read_summary_file
    >>> path = os.path.join(tempfile.mkdtemp(), "nothing.npz")
    >>> read_summary_file(path, dict)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drawdown.errors.ResultError: ...nothing.npz: cannot read summary: No such file or directory
    """
    path = Path(path)
    meta_json, arrays = _summary_members(path, _checked_bytes(path))
    try:
        meta = json.loads(meta_json)
        if meta.get("format") != SUMMARY_FORMAT:
            raise ResultError(f"{path}: not a drawdown summary")
        if meta.get("format_version") != SUMMARY_FORMAT_VERSION:
            raise ResultError(
                f"{path}: summary format version {meta.get('format_version')}, "
                f"this drawdown reads {SUMMARY_FORMAT_VERSION}"
            )
        return build(meta, arrays)
    except ResultError:
        raise
    except (KeyError, TypeError, ValueError, RecursionError) as e:
        raise ResultError(f"{path}: malformed summary ({type(e).__name__}: {e})") from e


def _checked_bytes(path: Path) -> bytes:
    """The file's bytes, once its trailing checksum holds."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ResultError(f"{path}: cannot read summary: {e.strerror or e}") from e
    if len(data) < _HEX + len(_TRAILER) or data[-_HEX - len(_TRAILER) : -_HEX] != _TRAILER:
        raise ResultError(f"{path}: truncated or not a drawdown summary file (no checksum at its end)")
    if hashlib.sha256(data[:-_HEX]).hexdigest().encode() != data[-_HEX:]:
        raise ResultError(f"{path}: checksum mismatch: the summary file is corrupt")
    return data


def _summary_members(path: Path, data: bytes) -> tuple[str, dict[str, np.ndarray]]:
    """The metadata's JSON text and the arrays of a summary file's bytes, once their
    digest holds."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            names = set(z.files)
            if _META not in names or _CHECKSUM not in names:
                raise ResultError(f"{path}: not a drawdown summary (no metadata or checksum)")
            meta_json = str(z[_META][()])
            checksum = str(z[_CHECKSUM][()])
            # in the file's order, not a set's: a summary read back writes the same bytes
            arrays = {k: z[k] for k in z.files if k not in (_META, _CHECKSUM)}
    except ResultError:
        raise
    except Exception as e:  # BadZipFile, zlib.error, EOFError, ValueError...: whatever the damage raises
        raise ResultError(f"{path}: truncated or corrupt summary file ({type(e).__name__}: {e})") from e
    if summary_digest(meta_json, arrays) != checksum:
        raise ResultError(f"{path}: checksum mismatch: the summary file is corrupt")
    return meta_json, arrays
