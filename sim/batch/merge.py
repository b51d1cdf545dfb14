"""``drawdown merge``: join the shards of a job array, of a run or of a sweep."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .rundir import RUN_FILES, StrPath, claim_merge_dir, merge_run_shards, shard_kinds
from .sweep import RESULTS_CSV, merge_sweep

__all__ = ["merge_dir"]


def merge_dir(
    directory: StrPath, *, plots: bool = True, progress: Callable[[int], None] | None = None
) -> tuple[str, Any, list[Path]]:
    """Join the shards in ``directory/shards`` into the results of an unsharded run.

    Works for runs and sweeps (:func:`drawdown.batch.merge_sweep`).

    Parameters
    ----------
    directory : str or Path
        The directory the shards share.
    plots : bool, optional
        Draw a run's plots.
    progress : callable, optional
        For a sweep: called as its points are read.

    Returns
    -------
    tuple
        ``(kind, result, written)``: ``("run", Summary, paths)`` or ``("sweep", rows, paths)``.

    The directory's lock is held exclusively while merging (:func:`drawdown.batch.claim_merge_dir`):
    a shard still running there, or another command, makes it an error; the leftovers of
    interrupted writes are removed under the lock.

    Raises
    ------
    ResultError
        Naming the shard or file: missing, duplicate, unfinished or corrupt shards,
        shards of different runs or made with different versions, records naming other
        files than drawdown writes for them.
    DrawdownError
        :class:`drawdown.results.DirectoryInUse` when another process works in ``directory``.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import merge_dir, run_batch, summarize
    >>> s, d = drawdown.load("doha-2021-05-01"), tempfile.mkdtemp()
    >>> for i in (1, 2):
    ...     _ = run_batch(s, 1, reps=200, block_size=100, out_dir=d, shard=f"{i}/2")
    >>> kind, summary, written = merge_dir(d, plots=False)
    >>> kind, summary == summarize(s, 200, seed=1, block_size=100)
    ('run', True)
    """
    directory = Path(directory)
    with claim_merge_dir(directory, [*RUN_FILES, RESULTS_CSV]):  # the kinds are read under the lock too
        kinds = shard_kinds(directory)
        if "sweep" in kinds and "run" not in kinds:
            rows, written = merge_sweep(directory, progress=progress)
            return "sweep", rows, written
        summary, written = merge_run_shards(directory, plots=plots)
        return "run", summary, written
