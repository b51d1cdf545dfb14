"""The engines: one model, two implementations, and the one function that runs them.

The third stage of the pipeline. :func:`run_blocks` is the only way the stages above
(results, reports, batches, the API) run replications: it picks the engine, runs the
blocks in block order and yields their :class:`Outcomes` chunk by chunk. The numpy
engine (:mod:`.numpy_engine`) is the fast core; the SimPy engine (:mod:`.simpy_engine`,
imported only when used) is the readable reference. For one seed both give the same
outcomes, replication by replication.

A network scenario (model v2, docs/network.md: ``scenario.network`` is set) runs in
the network engines, :mod:`.network_numpy` and :mod:`.network_simpy`; a v1 scenario
in the v1 engines, unchanged. The functions here choose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..draws import BLOCK_SIZE
from ..scenario import Scenario
from . import numpy_engine
from .moments import Moment, ready_day
from .numpy_engine import DEFAULT_CHUNK_BLOCKS
from .outcomes import (
    ALL_OUTCOME_DTYPES,
    NATION_DAILY,
    NETWORK_OUTCOME_DTYPES,
    OUTCOME_DTYPES,
    SPLIT_OUTCOME_DTYPES,
    Outcomes,
    finish_outcomes,
    outcome_dtypes,
    outcome_widths,
)

__all__ = [
    "ALL_OUTCOME_DTYPES",
    "outcome_dtypes",
    "outcome_widths",
    "DEFAULT_CHUNK_BLOCKS",
    "ENGINES",
    "check_engine",
    "OUTCOME_DTYPES",
    "Moment",
    "NATION_DAILY",
    "NETWORK_OUTCOME_DTYPES",
    "SPLIT_OUTCOME_DTYPES",
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
    """Run the SimPy reference engine (:func:`.simpy_engine.run_simpy`, or for a network
    scenario :func:`.network_simpy.run_network_simpy`; SimPy is imported here)."""
    if scenario.network is not None:
        from .network_simpy import run_network_simpy as run
    else:
        from .simpy_engine import run_simpy as run
    return run(scenario, reps, seed, **options)


def run_numpy(scenario: Scenario, reps: int, seed: int, **options: Any) -> Outcomes:
    """Run the numpy engine (:func:`.numpy_engine.run_numpy`, or for a network scenario
    :func:`.network_numpy.run_network_numpy`).

    >>> import drawdown
    >>> len(run_numpy(drawdown.load("doha-2021-05-01"), 5, seed=1))
    5
    """
    if scenario.network is not None:
        from .network_numpy import run_network_numpy

        return run_network_numpy(scenario, reps, seed, **options)
    return numpy_engine.run_numpy(scenario, reps, seed, **options)


def iter_chunks(scenario: Scenario, reps: int, seed: int, **options: Any) -> Iterator[tuple[Blocks, Outcomes]]:
    """The numpy engine's outcomes chunk by chunk (:func:`.numpy_engine.iter_chunks`, or
    :func:`.network_numpy.iter_network_chunks` for a network scenario)."""
    if scenario.network is not None:
        from .network_numpy import iter_network_chunks

        return iter_network_chunks(scenario, reps, seed, **options)
    return numpy_engine.iter_chunks(scenario, reps, seed, **options)


def trace_replication(scenario: Scenario, seed: int, replication: int) -> list[dict]:
    """The story of one replication, day by day (:func:`.simpy_engine.trace_replication`,
    or :func:`.network_simpy.trace_network_replication`)."""
    if scenario.network is not None:
        from .network_simpy import trace_network_replication as trace
    else:
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
    record_nations: bool = False,
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
    record_nations : bool, optional
        Also record the per-nation daily arrays (``Outcomes.nation_troops``,
        ``nation_out_t``): large, so only when asked.

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
        return _simpy_chunks(scenario, blocks, seed, block_size, progress, record_nations)
    return _numpy_chunks(scenario, blocks, seed, block_size, chunk_blocks, progress, record_nations)


def _numpy_chunks(scenario, blocks, seed, block_size, chunk_blocks, progress, record_nations):
    kw: dict[str, Any] = {} if chunk_blocks is None else {"chunk_blocks": int(chunk_blocks)}
    if record_nations:
        kw["record_nations"] = True
    chunks = iter_chunks(scenario, sum(r for _, r in blocks), seed, block_size=block_size, blocks=blocks, **kw)
    for chunk, out in chunks:
        if progress is not None:
            progress(sum(r for _, r in chunk))
        handed = [out]
        del out  # held by the caller alone: it can free the chunk (its per-day arrays) at once
        yield list(chunk), handed.pop()


def _simpy_chunks(scenario, blocks, seed, block_size, progress, record_nations):
    kw: dict[str, Any] = {"record_nations": True} if record_nations else {}
    for b, rows in blocks:
        yield (
            [(b, rows)],
            run_simpy(
                scenario, rows, seed, first_block=b, record_daily=True, block_size=block_size, progress=progress, **kw
            ),
        )
