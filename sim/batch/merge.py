"""``drawdown merge``: join the shards of a job array, of a run or of a sweep."""

from __future__ import annotations

from pathlib import Path

from .rundir import merge_run_shards, shard_kinds
from .sweep import merge_sweep

__all__ = ["merge_dir"]


def merge_dir(directory, *, plots: bool = True, progress=None) -> tuple[str, object, list[Path]]:
    """Join the shards in ``directory/shards`` into the results of an unsharded run.

    Works for runs and sweeps (:func:`drawdown.batch.merge_sweep`). Returns ``(kind,
    result, written)``: ``("run", Summary, paths)`` or ``("sweep", rows, paths)``.

    Raises
    ------
    ResultError
        Naming the shard or file: missing, duplicate, unfinished or corrupt shards,
        shards of different runs or made with different versions.
    """
    directory = Path(directory)
    kinds = shard_kinds(directory)
    if "sweep" in kinds and "run" not in kinds:
        rows, written = merge_sweep(directory, progress=progress)
        return "sweep", rows, written
    summary, written = merge_run_shards(directory, plots=plots)
    return "run", summary, written
