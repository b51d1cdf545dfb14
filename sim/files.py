"""Per-replication outcome files: ``replications.npz``.

One ``.npz`` archive holds the outcome arrays of :class:`sim.outcomes.Outcomes` (one
row per replication, dtypes as in :data:`sim.outcomes.OUTCOME_DTYPES`, ``-1`` for
"never") and metadata as 0-d string arrays (scenario hash, seed, engine, versions).
Nothing in it needs pickle: read it with ``numpy.load(path, allow_pickle=False)``.

The file is written to a temporary name in the same directory and renamed, so a reader
never sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .outcomes import OUTCOME_DTYPES

__all__ = ["write_replications", "read_replications", "REPLICATIONS_FILE"]

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
    for key, value in meta.items():
        if key in arrays:
            raise ValueError(f"metadata {key!r} would overwrite an outcome array")
        arrays[key] = np.array(str(value), dtype=np.str_)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_replications(path) -> tuple[dict, dict]:
    """Read a file written by :func:`write_replications`.

    Returns ``(arrays, meta)``: the outcome arrays by name, and the metadata as strings.
    """
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k in OUTCOME_DTYPES}
        meta = {k: str(data[k]) for k in data.files if k not in OUTCOME_DTYPES}
    return arrays, meta
