"""Run scenarios over the same blocks with one seed and compare them (``drawdown compare``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..draws import BLOCK_SIZE, blocks_for
from ..engines import DEFAULT_CHUNK_BLOCKS, Outcomes
from ..errors import DrawdownError
from ..report import COMPARE_JSON, COMPARE_PLOT
from ..results import (
    Comparison,
    DirectoryLock,
    PairedSums,
    Summary,
    claim_directory,
    exact_sums,
    headline_indicator,
    probability_name,
    remove_temporaries,
)
from ..scenario import Scenario
from .fold import Blocks, Progress, check_reps, fold_chunks
from .rundir import check_dir_kind

__all__ = ["claim_compare_dir", "compare"]


def compare(
    scenarios: Iterable[Scenario],
    reps: int,
    seed: int,
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    group_blocks: int | None = None,
    progress: Progress = None,
) -> Comparison:
    """Run ``scenarios`` over the same blocks with the same seed and compare them.

    Blocks run in groups; each group runs every scenario, summarises it and adds the
    paired differences of its replications, so memory is bounded by a group.

    Parameters
    ----------
    scenarios : list of Scenario
        Two or more (one gives a comparison with no differences); the first is the baseline.
    reps : int
    seed : int
    engine : {"numpy", "simpy"}
    block_size : int, optional
    group_blocks : int, optional
        Blocks per group (memory only; never changes the result).
    progress : callable, optional
        Called with the number of replications finished since the last call (over all
        scenarios: ``reps * len(scenarios)`` in all).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Without scenarios or replications.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import compare
    >>> a, b = drawdown.load("doha-2021-05-01"), drawdown.load("announced-2021-09-11")
    >>> c = compare([a, b], 500, seed=1)
    >>> d = c.difference(1, "withdrawal_days")  # order to last out: the same draws
    >>> d.se_paired < d.se_unpaired
    True
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("nothing to compare")
    blocks = blocks_for(check_reps(reps, block_size), block_size)
    if not blocks:
        raise ValueError("nothing to run: no replications")
    probability = probability_name(scenarios)
    g = int(group_blocks or DEFAULT_CHUNK_BLOCKS)
    totals: list[Summary] = []
    pairs = [PairedSums(scenarios[0].horizon_days, s.horizon_days) for s in scenarios[1:]]
    durations = [[0, 0, 0] for _ in scenarios]
    for i in range(0, len(blocks), g):
        group = blocks[i : i + g]
        parts, values = [], []
        for s in scenarios:
            part, v = _run_group(
                s, group, seed, probability, engine=engine, block_size=block_size, chunk_blocks=g, progress=progress
            )
            parts.append(part)
            values.append(v)
        totals = parts if not totals else [Summary.merge_all([t, p]) for t, p in zip(totals, parts, strict=True)]
        for pair, other in zip(pairs, values[1:], strict=True):
            pair.add(values[0], other)
        for acc, v in zip(durations, values, strict=True):
            d = v["duration"][v["duration"] >= 0]
            for j, x in enumerate((len(d), *exact_sums(d))):
                acc[j] += x
        del parts, values  # not held while the next group runs
    return Comparison(scenarios, totals, pairs, probability, durations)


def _run_group(
    scenario: Scenario,
    group: Blocks,
    seed: int,
    probability: str,
    *,
    engine: str,
    block_size: int,
    chunk_blocks: int,
    progress: Progress,
) -> tuple[Summary, dict[str, np.ndarray]]:
    """One scenario over one group of blocks: its summary and what the paired differences need."""
    chunks: list[dict[str, np.ndarray]] = []

    def keep(chunk: Blocks, out: Outcomes) -> None:
        chunks.append(_paired_values(out, probability))

    part = fold_chunks(
        scenario,
        group,
        seed,
        engine=engine,
        block_size=block_size,
        chunk_blocks=chunk_blocks,
        progress=progress,
        on_daily_outcomes=keep,
    )
    if len(chunks) == 1:
        return part, chunks[0]
    return part, {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}


def _paired_values(out: Outcomes, probability: str) -> dict[str, np.ndarray]:
    """What the paired differences need of one chunk's outcomes."""
    duration = np.where(
        (out.final_exit_day >= 0) & (out.decision_day >= 0), out.final_exit_day.astype(np.int64) - out.decision_day, -1
    )
    return {
        "probability": headline_indicator(out, probability),
        "casualties": out.casualties,
        "final": out.final_exit_day,
        "duration": duration,
    }


def claim_compare_dir(out_dir: str | os.PathLike[str]) -> DirectoryLock:
    """Check a comparison's output directory, make it and take its lock (``compare --out``).

    A new or empty directory is taken (temporaries of an interrupted start count as
    nothing, and are removed under the lock); one that holds anything else is refused
    before anything is written (:func:`drawdown.batch.check_dir_kind`), a comparison
    too: a comparison has nothing to resume (remove it, or give another directory).

    Raises
    ------
    DrawdownError
        Naming what the directory holds; for ``out_dir=""``;
        :class:`drawdown.results.DirectoryInUse`.

    Examples
    --------
    >>> import drawdown, os, tempfile
    >>> from drawdown.batch import claim_compare_dir
    >>> d = os.path.join(tempfile.mkdtemp(), "cmp")
    >>> with claim_compare_dir(d):
    ...     _ = drawdown.compare("doha-2021-05-01", "announced-2021-09-11", reps=100, seed=1).write(d)
    >>> claim_compare_dir(d)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: ...cmp: already holds a comparison (compare.json): give another out_dir, ...
    """
    out = Path(out_dir)

    def check() -> None:
        found = check_dir_kind(out, "comparison")
        if found.kind == "comparison":
            raise DrawdownError(
                f"{out}: already holds a comparison ({found.evidence}): give another out_dir, or remove it first"
            )

    lock = claim_directory(out_dir, check, what="comparison")
    try:
        remove_temporaries(out, [COMPARE_JSON, COMPARE_PLOT])
    except BaseException:
        lock.release()
        raise
    return lock
