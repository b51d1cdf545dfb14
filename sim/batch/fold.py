"""Run and fold: the one loop that runs the engines and folds their chunks into a Summary.

Every level above (units of work, run directories, sweeps, comparisons, the API) runs
replications through :func:`fold_chunks`: it asks :func:`drawdown.engines.run_blocks`
for chunks of outcomes, in block order, and folds each into a running
:class:`~drawdown.results.Summary` at once. Merging is exact integer arithmetic, so the
bits do not depend on how chunks are grouped, and memory holds one chunk's outcomes and
one summary (the chunk's per-day arrays are summarised into the total's in place),
whatever the number of replications.

:func:`run_to_precision` adds blocks, in block order, until the Monte Carlo standard
error of the headline probability is small enough (docs/design.md §3, §6).

Given a :class:`~drawdown.results.breakdown.BreakdownFold` (``breakdown=``), each also
folds every chunk into the run's per-nation, per-base, per-phase and per-leg
:class:`~drawdown.results.breakdown.Breakdown` beside the summary, in the same pass
(``drawdown run --by``); the summary is the same bits with or without it.

Example
-------
>>> import drawdown
>>> from drawdown.batch import summarize
>>> from drawdown.results import Summary
>>> s = drawdown.load("doha-2021-05-01")
>>> a = summarize(s, 200, seed=3, block_size=100, blocks=[(0, 100)])
>>> b = summarize(s, 200, seed=3, block_size=100, blocks=[(1, 100)])
>>> whole = summarize(s, 200, seed=3, block_size=100)
>>> Summary.merge_all([b, a]) == whole
True
>>> whole.n, whole.blocks
(200, ((0, 100), (1, 100)))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ..defaults import (
    DEFAULT_MAX_REPS,
    DEFAULT_REPS,
    DEFAULT_SIMPY_REPS,
    MAX_BLOCK_SIZE,
    MAX_BLOCKS,
    MAX_REPS,
    default_reps,
)
from ..draws import BLOCK_SIZE, blocks_for
from ..engines import DEFAULT_CHUNK_BLOCKS, NATION_DAILY, Outcomes, check_engine, run_blocks
from ..errors import DrawdownError
from ..results import Summary, precision_se
from ..results.breakdown import BreakdownFold
from ..scenario import Scenario

__all__ = [
    "DEFAULT_MAX_REPS",
    "DEFAULT_REPS",
    "DEFAULT_SIMPY_REPS",
    "MAX_BLOCKS",
    "MAX_BLOCK_SIZE",
    "MAX_REPS",
    "check_reps",
    "default_reps",
    "fold_chunks",
    "outcome_rows",
    "run_to_precision",
    "summarize",
    "without_daily",
]

Blocks = list[tuple[int, int]]
#: ``progress(reps)``: called with the replications finished since the last call.
Progress = Callable[[int], object] | None
#: ``on_outcomes(chunk, outcomes)``: sees each chunk's ``(block, rows)`` pairs and outcomes.
OnOutcomes = Callable[[Blocks, Outcomes], object] | None


def check_reps(reps: int, block_size: int = BLOCK_SIZE, *, name: str = "reps") -> int:
    """``reps`` if a run can hold that many replications in blocks of ``block_size``.

    Checked before any work is planned: at most :data:`MAX_REPS` replications, in at
    most :data:`MAX_BLOCKS` blocks of at most :data:`MAX_BLOCK_SIZE` replications
    (docs/design.md §6 says why). ``name`` is the parameter the caller took ``reps`` from
    (``"reps"``, ``"max_reps"``), for the message.

    Raises
    ------
    DrawdownError
        Naming the parameter, the value found and the most allowed.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import check_reps
    >>> check_reps(2500)
    2500
    >>> try:
    ...     check_reps(10**12)
    ... except drawdown.DrawdownError as e:
    ...     print(e)
    reps=1000000000000 is more replications than a run can hold: expected at most 100000000
    """
    reps, block_size = int(reps), int(block_size)
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise DrawdownError(f"block_size={block_size} is not a block size: expected 1 to {MAX_BLOCK_SIZE}")
    if reps > MAX_REPS:
        raise DrawdownError(f"{name}={reps} is more replications than a run can hold: expected at most {MAX_REPS}")
    blocks = -(-reps // block_size)
    if blocks > MAX_BLOCKS:
        raise DrawdownError(
            f"{name}={reps} in blocks of block_size={block_size} make {blocks} blocks, more than a run can hold: "
            f"expected at most {MAX_BLOCKS} blocks (a larger block size, or fewer replications)"
        )
    return reps


def outcome_rows(outcomes: Outcomes, start: int, stop: int) -> Outcomes:
    """The replications ``start:stop`` of ``outcomes`` (views, per-day arrays included).

    Parameters
    ----------
    outcomes : Outcomes
    start, stop : int
        Row bounds, as a slice.

    Returns
    -------
    Outcomes
        Views of the arrays of ``outcomes``: no copy.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_numpy
    >>> out = run_numpy(drawdown.load("doha-2021-05-01"), 10, seed=1, record_daily=True)
    >>> from drawdown.batch import outcome_rows
    >>> part = outcome_rows(out, 2, 5)
    >>> len(part), part.troops_in_country.shape[0]
    (3, 3)
    """
    return outcomes.rows(start, stop)


def without_daily(outcomes: Outcomes) -> Outcomes:
    """``outcomes`` without the per-day arrays, the per-nation ones included (what
    ``replications.npz`` keeps).

    The other arrays are shared, not copied; once the caller drops ``outcomes``, the
    per-day arrays (most of a chunk's memory) are freed.

    Parameters
    ----------
    outcomes : Outcomes

    Returns
    -------
    Outcomes

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.engines import run_numpy
    >>> out = run_numpy(drawdown.load("doha-2021-05-01"), 10, seed=1, record_daily=True)
    >>> from drawdown.batch import without_daily
    >>> kept = without_daily(out)
    >>> kept.troops_in_country is None, kept.exit_day is out.exit_day
    (True, True)
    """
    per_nation: dict[str, Any] = dict.fromkeys(NATION_DAILY)
    return replace(outcomes, troops_in_country=None, retrograde_lifted_t=None, **per_nation)


def _hand_on(
    scenario: Scenario,
    chunk: list[tuple[int, int]],
    out: Outcomes,
    breakdown: BreakdownFold | None,
    on_outcomes: OnOutcomes,
    on_daily_outcomes: OnOutcomes,
) -> None:
    """A chunk's outcomes to the breakdown and the callbacks of :func:`fold_chunks`."""
    if breakdown is not None:
        breakdown.add(scenario, out, blocks=chunk)
    if on_daily_outcomes is not None:
        on_daily_outcomes(chunk, out)
    if on_outcomes is not None:
        on_outcomes(chunk, without_daily(out))


def fold_chunks(
    scenario: Scenario,
    blocks: Iterable[tuple[int, int]],
    seed: int,
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    chunk_blocks: int | None = None,
    progress: Progress = None,
    on_outcomes: OnOutcomes = None,
    on_daily_outcomes: OnOutcomes = None,
    breakdown: BreakdownFold | None = None,
) -> Summary:
    """Run ``blocks`` with one engine and fold every chunk into one :class:`Summary`.

    Each chunk is merged into the running total as soon as the engine yields it, then
    dropped: memory stays at one chunk (its per-day arrays) and one summary (the chunk's
    per-day arrays are summarised into the total's in place, :meth:`Summary.add_outcomes`).

    Parameters
    ----------
    scenario : Scenario
    blocks : iterable of (int, int)
        ``(block, rows)`` pairs, in block order.
    seed : int
    engine : {"numpy", "simpy"}
    block_size, chunk_blocks : int, optional
        The draw layout's block size; blocks per numpy chunk (memory only).
    progress : callable, optional
        Called with the number of replications finished since the last call.
    on_outcomes, on_daily_outcomes : callable, optional
        ``f(chunk, outcomes)`` for each chunk, in block order: without the per-day
        arrays (for ``replications.npz``), or with them. What they keep stays alive.
    breakdown : BreakdownFold, optional
        Also fold every chunk into ``breakdown.total`` (``--by``), the engines recording
        the per-nation daily arrays when ``breakdown.daily``. The summary, and what
        ``on_outcomes`` sees, are the same as without it.

    Returns
    -------
    Summary
        With per-day data.

    Raises
    ------
    ValueError
        When there is nothing to run, or the engine is unknown.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import fold_chunks
    >>> s = drawdown.load("doha-2021-05-01")
    >>> seen = []
    >>> total = fold_chunks(s, [(0, 100), (1, 100), (2, 50)], 1, block_size=100, chunk_blocks=2,
    ...                     on_outcomes=lambda chunk, out: seen.append((chunk, len(out))))
    >>> total.n, seen
    (250, [([(0, 100), (1, 100)], 200), ([(2, 50)], 50)])
    """
    check_engine(engine)
    blocks = [(int(b), int(r)) for b, r in blocks]
    if not blocks:
        raise ValueError("nothing to run: no replications")
    total: Summary | None = None
    record_nations = breakdown is not None and breakdown.daily
    for chunk, out in run_blocks(
        scenario, blocks, seed, engine=engine, block_size=block_size, chunk_blocks=chunk_blocks, progress=progress,
        record_nations=record_nations,
    ):  # fmt: skip
        # Merged into the running total in place: no second copy of its per-day histograms.
        if total is None:
            total = Summary.from_outcomes(scenario, out, blocks=chunk, seed=seed, engine=engine, block_size=block_size)
        else:
            total = total.add_outcomes(scenario, out, blocks=chunk, seed=seed, engine=engine, block_size=block_size)
        _hand_on(scenario, chunk, out, breakdown, on_outcomes, on_daily_outcomes)
        del out  # the per-day arrays are not held while the next chunk runs
    if total is None:  # run_blocks yields every block given
        raise ValueError("nothing to run: no replications")
    return total


def summarize(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    first_block: int = 0,
    blocks: Iterable[tuple[int, int]] | None = None,
    chunk_blocks: int | None = None,
    progress: Progress = None,
    on_outcomes: OnOutcomes = None,
    breakdown: BreakdownFold | None = None,
) -> Summary:
    """Run ``reps`` replications (blocks ``first_block, ...``) and summarise them chunk by chunk.

    Parameters
    ----------
    scenario : Scenario
    reps : int
        Replications: blocks ``first_block, ...`` of ``blocks_for(reps, block_size)``.
        Ignored when ``blocks`` is given.
    seed : int
    engine : {"numpy", "simpy"}, optional
    block_size : int, optional
    first_block : int, optional
    blocks : list of (int, int), optional
        Exactly which ``(block, rows)`` to run (one unit of work of an executor).
    chunk_blocks : int, optional
        Blocks per numpy chunk (memory only; never changes the result).
    progress : callable, optional
        Called with the number of replications finished since the last call.
    on_outcomes : callable, optional
        ``on_outcomes(chunk, outcomes)`` sees each chunk's per-replication outcomes
        (without the per-day arrays), in block order.
    breakdown : BreakdownFold, optional
        Also fold the run's breakdown into it, in the same pass (:func:`fold_chunks`).

    Returns
    -------
    Summary
        With per-day data.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> summarize(drawdown.load("doha-2021-05-01"), 2, seed=1, engine="simpy").n
    2
    """
    if blocks is None:
        check_reps(reps, block_size)
        blocks = [(first_block + b, rows) for b, rows in blocks_for(reps, block_size)]
    return fold_chunks(
        scenario,
        blocks,
        seed,
        engine=engine,
        block_size=block_size,
        chunk_blocks=chunk_blocks,
        progress=progress,
        on_outcomes=on_outcomes,
        breakdown=breakdown,
    )


def _precision_plan(block_size: int, max_blocks: int | None, max_reps: int | None) -> list[tuple[int, int]]:
    if max_blocks is not None and max_reps is not None:
        raise ValueError("give max_blocks or max_reps, not both")
    if max_blocks is not None:
        check_reps(int(max_blocks) * block_size, block_size, name="max_reps")
        plan = [(b, block_size) for b in range(int(max_blocks))]
    else:
        cap = check_reps(DEFAULT_MAX_REPS if max_reps is None else int(max_reps), block_size, name="max_reps")
        plan = blocks_for(cap, block_size)
    if not plan:
        raise ValueError("the cap allows no replications")
    return plan


def _next_batch(merged: Summary | None, precision: float, block_size: int) -> int:
    """Blocks to run next: as many as the current standard error says are still needed."""
    if merged is None:
        return 1
    se = precision_se(merged)
    wanted = merged.n * (se / precision) ** 2 - merged.n  # replications still needed, roughly
    return min(max(1, math.ceil(wanted / block_size)), DEFAULT_CHUNK_BLOCKS)


def run_to_precision(
    scenario: Scenario,
    seed: int,
    precision: float,
    *,
    engine: str = "numpy",
    max_blocks: int | None = None,
    max_reps: int | None = None,
    block_size: int = BLOCK_SIZE,
    progress: Progress = None,
    on_outcomes: OnOutcomes = None,
    breakdown: BreakdownFold | None = None,
) -> Summary:
    """Add blocks of replications, in block order, until :func:`~drawdown.results.precision_se`
    is at most ``precision`` or the cap is reached.

    The decision is taken after each block, in block order: the result is the summary
    of blocks ``0 .. k-1`` for the first ``k`` at which the standard error is small
    enough (or of every block of the cap), whatever chunks the engine ran. Blocks run
    in batches sized from the current standard error, so a run that stops early does
    little work it throws away. Whether the target was met: ``precision_se(summary)
    <= precision`` (see :func:`~drawdown.results.precision_status`).

    Parameters
    ----------
    scenario : Scenario
    seed : int
    precision : float
        Target standard error of the probability of meeting the deadline (of being out
        by the horizon, without a deadline), in (0, 0.5].
    engine : {"numpy", "simpy"}
    max_blocks, max_reps : int, optional
        The cap: ``max_reps`` replications (``blocks_for(max_reps)``; the last block may
        be partial) or ``max_blocks`` whole blocks; by default :data:`DEFAULT_MAX_REPS`.
    progress : callable, optional
        Called with the number of replications finished since the last call.
    on_outcomes : callable, optional
        ``on_outcomes(blocks, outcomes)`` for each block kept (without per-day arrays).
    breakdown : BreakdownFold, optional
        Also fold each block kept into it (:func:`fold_chunks`): the breakdown of the
        summary's blocks, not of those run past the stop.

    Returns
    -------
    Summary

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import run_to_precision
    >>> s = drawdown.load("announced-2021-09-11")  # out by its deadline in every replication
    >>> run_to_precision(s, 1, 0.01, block_size=500).n
    500
    """
    check_engine(engine)
    block_size = BLOCK_SIZE if block_size is None else int(block_size)
    if not (precision := float(precision)) > 0:
        raise ValueError(f"precision must be > 0, got {precision}")
    plan = _precision_plan(block_size, max_blocks, max_reps)
    # SimPy reports each replication and runs a block only when asked; numpy runs a batch, reported by block.
    inner, outer = (progress, None) if engine == "simpy" else (None, progress)
    fold = functools.partial(_fold_blocks, scenario, seed=seed, engine=engine, block_size=block_size,
                             precision=precision, progress=outer, on_outcomes=on_outcomes,
                             breakdown=breakdown)  # fmt: skip
    record_nations = breakdown is not None and breakdown.daily
    merged: Summary | None = None
    i = 0
    while i < len(plan):
        todo = plan[i : i + _next_batch(merged, precision, block_size)]
        for chunk, out in run_blocks(
            scenario, todo, seed, engine=engine, block_size=block_size, progress=inner, record_nations=record_nations
        ):
            merged, done = fold(chunk, out, merged)
            del out
            if done:
                return merged
        i += len(todo)
    if merged is None:  # the plan is never empty
        raise ValueError("the cap allows no replications")
    return merged


def _fold_blocks(
    scenario: Scenario,
    chunk: Blocks,
    out: Outcomes,
    merged: Summary | None,
    *,
    seed: int,
    engine: str,
    block_size: int,
    precision: float,
    progress: Progress,
    on_outcomes: OnOutcomes,
    breakdown: BreakdownFold | None,
) -> tuple[Summary, bool]:
    """Fold a chunk's blocks one at a time; stop at the first block that meets the precision."""
    row = 0
    for b, rows in chunk:
        part = outcome_rows(out, row, row + rows)
        row += rows
        s_b = Summary.from_outcomes(scenario, part, blocks=[(b, rows)], seed=seed, engine=engine, block_size=block_size)
        merged = s_b if merged is None else Summary.merge_all([merged, s_b])
        if progress is not None:
            progress(rows)
        if breakdown is not None:
            breakdown.add(scenario, part, blocks=[(b, rows)])
        if on_outcomes is not None:
            on_outcomes([(b, rows)], without_daily(part))
        if precision_se(merged) <= precision:
            return merged, True
    if merged is None:
        raise ValueError("a chunk without blocks")
    return merged, False
