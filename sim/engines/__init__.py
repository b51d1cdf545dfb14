"""The engines: one model, two implementations, and the one function that runs them.

The third stage of the pipeline. :func:`run_blocks` is the only way the stages above
(results, reports, batches, the API) run replications: it picks the engine, runs the
blocks in block order and yields their :class:`Outcomes` chunk by chunk. The numpy
engine (:mod:`.numpy_engine`) is the fast core; the SimPy engine (:mod:`.simpy_engine`,
imported only when used) is the readable reference. For one seed both give the same
outcomes, replication by replication.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..draws import BLOCK_SIZE
from ..scenario import Scenario
from .moments import Moment, ready_day
from .numpy_engine import DEFAULT_CHUNK_BLOCKS, iter_chunks, run_numpy
from .outcomes import OUTCOME_DTYPES, Outcomes, finish_outcomes

__all__ = [
    "DEFAULT_CHUNK_BLOCKS",
    "ENGINES",
    "check_engine",
    "OUTCOME_DTYPES",
    "Moment",
    "Outcomes",
    "finish_outcomes",
    "iter_chunks",
    "ready_day",
    "run_blocks",
    "run_numpy",
    "run_simpy",
    "trace_replication",
]

#: The engines, by the name results record.
ENGINES = ("numpy", "simpy")

Blocks = list[tuple[int, int]]


def run_simpy(scenario: Scenario, reps: int, seed: int, **options: Any) -> Outcomes:
    """Run the SimPy reference engine (:func:`.simpy_engine.run_simpy`; SimPy is imported here)."""
    from .simpy_engine import run_simpy as run

    return run(scenario, reps, seed, **options)


def trace_replication(scenario: Scenario, seed: int, replication: int) -> list[dict]:
    """The story of one replication, day by day (:func:`.simpy_engine.trace_replication`)."""
    from .simpy_engine import trace_replication as trace

    return trace(scenario, seed, replication)


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine; a ValueError in the library's words otherwise.

    >>> check_engine("simpy")
    'simpy'
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: expected 'numpy' or 'simpy'")
    return engine


def run_blocks(
    scenario: Scenario,
    blocks: Iterable[tuple[int, int]],
    seed: int,
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    chunk_blocks: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Iterator[tuple[Blocks, Outcomes]]:
    """Run ``blocks`` of replications with one engine; yield ``(chunk, outcomes)`` in block order.

    Parameters
    ----------
    scenario : Scenario
    blocks : iterable of (int, int)
        ``(block, rows)`` pairs: the first ``rows`` replications of each block.
    seed : int
    engine : {"numpy", "simpy"}
    block_size : int, optional
        Replications per block of the draw layout (recorded with results).
    chunk_blocks : int, optional
        Blocks the numpy engine runs at once, at most (memory only, never the result;
        fewer over a long horizon, :func:`.numpy_engine.chunk_blocks_for`); the SimPy
        engine runs one block at a time.
    progress : callable, optional
        Called with the number of replications finished since the last call.

    Yields
    ------
    chunk : list of (int, int)
        The ``(block, rows)`` pairs the outcomes cover.
    outcomes : Outcomes
        Their outcomes, with the per-day arrays. Nothing here holds them once the
        caller asks for the next chunk, so a caller that drops them keeps memory to
        one chunk.

    Examples
    --------
    >>> import drawdown
    >>> s = drawdown.load("doha-2021-05-01")
    >>> [(chunk, len(out)) for chunk, out in run_blocks(s, [(0, 3), (1, 2)], seed=1, engine="simpy")]
    [([(0, 3)], 3), ([(1, 2)], 2)]
    """
    check_engine(engine)
    blocks = [(int(b), int(r)) for b, r in blocks]
    if engine == "simpy":
        return _simpy_chunks(scenario, blocks, seed, block_size, progress)
    return _numpy_chunks(scenario, blocks, seed, block_size, chunk_blocks, progress)


def _numpy_chunks(scenario, blocks, seed, block_size, chunk_blocks, progress):
    kw = {} if chunk_blocks is None else {"chunk_blocks": int(chunk_blocks)}
    chunks = iter_chunks(scenario, sum(r for _, r in blocks), seed, block_size=block_size, blocks=blocks, **kw)
    for chunk, out in chunks:
        if progress is not None:
            progress(sum(r for _, r in chunk))
        handed = [out]
        del out  # held by the caller alone: it can free the chunk (its per-day arrays) at once
        yield list(chunk), handed.pop()


def _simpy_chunks(scenario, blocks, seed, block_size, progress):
    from .simpy_engine import run_simpy as run

    for b, rows in blocks:
        yield (
            [(b, rows)],
            run(scenario, rows, seed, first_block=b, record_daily=True, block_size=block_size, progress=progress),
        )
