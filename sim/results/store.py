"""Per-replication outcome files: ``replications.npz``.

One ``.npz`` archive holds the outcome arrays of :class:`drawdown.engines.Outcomes` (one
row per replication, dtypes as in :data:`drawdown.engines.OUTCOME_DTYPES`, ``-1`` for
"never") and metadata as 0-d string arrays (scenario hash, seed, engine, versions).
Nothing in it needs pickle: read it with ``numpy.load(path, allow_pickle=False)``.

The file is written to a temporary name in the same directory and renamed, so a reader
never sees a half-written file.

Two writers make the same file. :func:`write_replications` takes all the outcomes at
once. :class:`ReplicationWriter` takes them chunk by chunk, as the numpy engine yields
them, into disk-backed ``.npy`` files (``numpy.lib.format.open_memmap``) beside the
target, and zips those into the ``.npz`` when closed: the memory it needs is bounded by
a chunk, not by the number of replications.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..engines import OUTCOME_DTYPES

__all__ = ["write_replications", "read_replications", "ReplicationWriter", "REPLICATIONS_FILE"]

REPLICATIONS_FILE = "replications.npz"


def write_replications(path, outcomes, *, meta: dict) -> Path:
    """Write ``outcomes`` and ``meta`` to the ``.npz`` file ``path``, atomically.

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
    """
    path = Path(path)
    arrays = {k: np.ascontiguousarray(v, dtype=OUTCOME_DTYPES[k]) for k, v in outcomes.arrays().items()}
    arrays.update(_meta_arrays(meta))
    return atomic_write(path, lambda fh: np.savez(fh, **arrays))


def _meta_arrays(meta: dict) -> dict:
    """Metadata as 0-d string arrays; a name may not be an outcome's."""
    out = {}
    for key, value in meta.items():
        if key in OUTCOME_DTYPES:
            raise ValueError(f"metadata {key!r} would overwrite an outcome array")
        out[key] = np.array(str(value), dtype=np.str_)
    return out


class ReplicationWriter:
    """Write ``replications.npz`` chunk by chunk, from disk-backed arrays.

    The file is the one :func:`write_replications` writes for the same outcomes and
    metadata (same arrays, names, shapes and dtypes). Each outcome array is a ``.npy``
    file in a hidden temporary folder beside ``path``, mapped into memory
    (``numpy.lib.format.open_memmap``) and filled row range by row range;
    :meth:`close` zips them (stored, not compressed) into a temporary file, renames it
    to ``path`` and deletes the folder. Until then ``path`` is untouched; on an error,
    or :meth:`abort`, nothing is left behind.

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
    """

    def __init__(self, path, scenario, reps: int, *, meta: dict):
        self._dir = self._arrays = None
        self.path = Path(path)
        self.reps = int(reps)
        if self.reps < 0:
            raise ValueError(f"reps must be >= 0, got {reps}")
        self._meta = _meta_arrays(meta)
        widths = {"exit_day": len(scenario.contingents), "base_closed_day": len(scenario.bases)}
        self._shapes = {k: (self.reps, widths[k]) if k in widths else (self.reps,) for k in OUTCOME_DTYPES}
        self._done = np.zeros(self.reps, dtype=bool)
        self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".parts", dir=self.path.parent))
        self._arrays = {}
        try:
            for k, dtype in OUTCOME_DTYPES.items():
                self._arrays[k] = np.lib.format.open_memmap(self._dir / f"{k}.npy", mode="w+", dtype=dtype,
                                                            shape=self._shapes[k])
        except BaseException:
            self.abort()
            raise

    @property
    def closed(self) -> bool:
        return self._arrays is None

    @property
    def rows_written(self) -> int:
        return int(self._done.sum())

    def add(self, start_row: int, outcomes) -> None:
        """Write ``outcomes`` to rows ``start_row .. start_row + len(outcomes) - 1``.

        Raises
        ------
        ValueError
            If the rows fall outside ``0 .. reps - 1`` or were written before, or an
            array does not have the shape of those rows.
        """
        if self.closed:
            raise ValueError("the writer is closed")
        start, n = int(start_row), len(outcomes)
        stop = start + n
        if start < 0 or stop > self.reps:
            raise ValueError(f"rows {start}..{stop - 1} outside 0..{self.reps - 1}")
        if self._done[start:stop].any():
            raise ValueError(f"rows {start}..{stop - 1}: some were written already")
        arrays = outcomes.arrays()
        for k, mm in self._arrays.items():
            v = np.asarray(arrays[k])
            if v.shape != (n,) + self._shapes[k][1:]:
                raise ValueError(f"{k}: shape {v.shape}, expected {(n,) + self._shapes[k][1:]}")
            mm[start:stop] = v.astype(OUTCOME_DTYPES[k], copy=False)
        self._done[start:stop] = True

    def close(self) -> Path:
        """Zip the arrays and the metadata into ``path`` (atomically) and clean up.

        Raises
        ------
        ValueError
            If some rows were never written (the writer is aborted: nothing is written).
        """
        if self.closed:
            raise ValueError("the writer is closed")
        missing = self.reps - self.rows_written
        if missing:
            first = int(np.flatnonzero(~self._done)[0])
            self.abort()
            raise ValueError(f"{missing} of {self.reps} rows never written (first: row {first})")
        try:
            for mm in self._arrays.values():
                mm.flush()
            self._arrays = None  # drop the maps before reading the files back

            def write_zip(f):
                with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                    for k in OUTCOME_DTYPES:
                        zf.write(self._dir / f"{k}.npy", arcname=f"{k}.npy")
                    for k, v in self._meta.items():
                        with zf.open(f"{k}.npy", mode="w", force_zip64=True) as entry:
                            np.lib.format.write_array(entry, v, allow_pickle=False)

            atomic_write(self.path, write_zip)
        finally:
            self.abort()
        return self.path

    def abort(self) -> None:
        """Forget everything written; delete the temporary files. ``path`` is untouched."""
        self._arrays = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> "ReplicationWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self.closed:
            self.close()

    def __del__(self):
        try:
            self.abort()
        except Exception:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, data) -> Path:
    """Write a file so that no reader ever sees it half written.

    ``data`` (str, bytes, or a callable that writes to a binary file) goes to a
    temporary file in the same directory, which is flushed to disk and renamed over
    ``path``; on any error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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
    return path


def read_replications(path) -> tuple[dict, dict]:
    """Read a file written by :func:`write_replications`.

    Returns ``(arrays, meta)``: the outcome arrays by name, and the metadata as strings.
    """
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k in OUTCOME_DTYPES}
        meta = {k: str(data[k]) for k in data.files if k not in OUTCOME_DTYPES}
    return arrays, meta
