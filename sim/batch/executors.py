"""Executors: where units of work run (docs/design.md §6).

A :class:`Unit` is one unit of work: a scenario, a seed, an engine and a list of
``(block, rows)`` pairs. :func:`run_unit` turns it into a :class:`UnitResult` (the
unit's :class:`~drawdown.results.Summary`, and optionally its per-replication outcomes). It
is a pure function of the unit: the same unit gives the same bits in any process, on
any machine with the same numpy, scipy and SIMD features, however often it runs. So an
executor may run units in any order, in parallel, and run one again after a worker
died; the caller merges the summaries in block order (:meth:`Summary.merge_all`) and
gets the same bits as one run in the calling process.

Executors, all with the same interface (:meth:`Executor.run` yields ``(index,
result)`` pairs as units finish; use them as context managers so they clean up):

* :class:`InProcess`: in the calling process, in order (the default);
* :class:`ProcessPool`: a local pool of ``workers`` processes
  (:mod:`concurrent.futures`, started with ``forkserver`` where the platform has it,
  else ``spawn``: never ``fork``, which does not mix with threads);
* :class:`DaskExecutor`: a Dask cluster, either an existing one (``address`` of its
  scheduler) or a local one started for the run (``local_workers`` worker processes,
  one thread each, bound to the loopback interface, TLS with a credential of its own:
  :func:`local_security`), closed again by :meth:`close`. Dask is an optional extra:
  ``pip install 'drawdown[cluster]'``. When a worker dies, Dask runs its tasks again
  on another worker; units are pure, so the result does not change.

Stopping: while an executor waits on its workers, SIGINT and SIGTERM are deferred to
the next safe point and handed to the handlers they had (:class:`_DeferredSignals`);
the run's generator then cancels what is pending and :meth:`Executor.close` stops the
workers. A pool's workers also exit by themselves as soon as the process that owns the
pool is gone, however it went (SIGKILL included), so none outlives a run or holds its
pipes open.

Example
-------
>>> import drawdown
>>> from drawdown.batch import InProcess, make_units, merge_results, summarize
>>> from drawdown.draws import blocks_for
>>> s = drawdown.load("doha-2021-05-01")
>>> units = make_units(s, 1, blocks_for(300, 100), block_size=100, unit_blocks=2)
>>> [u.blocks for u in units]
[((0, 100), (1, 100)), ((2, 100),)]
>>> with InProcess() as ex:
...     merged = merge_results(r for _, r in ex.run(units))
>>> merged == summarize(s, 300, seed=1, block_size=100)
True
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import signal
import threading
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from ..draws import BLOCK_SIZE
from ..engines import Outcomes
from ..errors import DrawdownError
from ..results import Summary, remove_writes_under_way
from ..results.breakdown import Breakdown, BreakdownFold
from ..scenario import Scenario
from . import quiet_worker
from .fold import Progress, fold_chunks

__all__ = [
    "Unit",
    "UnitResult",
    "run_unit",
    "make_units",
    "merge_results",
    "Executor",
    "InProcess",
    "ProcessPool",
    "DaskExecutor",
    "make_executor",
    "local_security",
    "CLUSTER_HINT",
    "MAX_UNIT_BLOCKS",
]

#: What to tell a user who asks for Dask without it.
CLUSTER_HINT = "pip install 'drawdown[cluster]'"
#: Most blocks in one unit of work (the numpy engine runs them as one vectorised chunk,
#: so this is its chunk size, :data:`drawdown.engines.DEFAULT_CHUNK_BLOCKS`).
MAX_UNIT_BLOCKS = 32
#: What a message about lost work says to do (``RunBatch(..., resume=True)``; the command
#: line's ``--resume``).
_RESUME_HINT = "finished units are kept in a run directory: resume=True runs only the others"
#: Seconds between two looks at a Dask cluster's finished tasks (and at signals noted).
_POLL_S = 0.05


# -- the unit of work ------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """One unit of work: ``blocks`` of ``scenario`` with ``seed`` and ``engine``.

    Attributes
    ----------
    scenario : Scenario
        Pickles (a frozen dataclass of plain data), so it travels to any worker.
    seed : int
    blocks : tuple of (int, int)
        ``(block, rows)`` pairs, in block order.
    engine : {"numpy", "simpy"}
    block_size : int
    keep_outcomes : bool
        Also return the per-replication outcomes (without per-day arrays).
    breakdown : bool
        Also fold the unit's :class:`~drawdown.results.breakdown.Breakdown` (``--by``).
    record_nations : bool
        With ``breakdown``: record the per-nation daily arrays for it (``--by nation``).
    label : str
        What messages call the unit (``"blocks 0-7"``, ``"point 3"``).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import Unit
    >>> u = Unit(drawdown.load("doha-2021-05-01"), 1, ((0, 100), (1, 50)), block_size=100)
    >>> u.label, u.reps
    ('blocks 0-1', 150)
    """

    scenario: Scenario
    seed: int
    blocks: tuple[tuple[int, int], ...]
    engine: str = "numpy"
    block_size: int = BLOCK_SIZE
    keep_outcomes: bool = False
    label: str = ""
    breakdown: bool = False
    record_nations: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple((int(b), int(r)) for b, r in self.blocks))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "block_size", int(self.block_size))
        if not self.blocks:
            raise ValueError("a unit needs at least one block")
        if not self.label:
            object.__setattr__(self, "label", blocks_label(self.blocks))

    @property
    def reps(self) -> int:
        """Replications of the unit (the rows of its blocks)."""
        return sum(r for _, r in self.blocks)


@dataclass
class UnitResult:
    """What a unit gives: its summary and, when asked for, its outcomes.

    Attributes
    ----------
    summary : Summary
        Of the unit's blocks, with per-day data.
    outcomes : Outcomes or None
        With ``Unit.keep_outcomes``: per replication, without the per-day arrays.
    breakdown : Breakdown or None
        With ``Unit.breakdown``: the breakdown of the unit's blocks, folded in the same pass.
    pid : int
        The process that ran it (for tests and messages; not compared).
    """

    summary: Summary
    outcomes: Outcomes | None = None
    pid: int = field(default=0, compare=False)
    breakdown: Breakdown | None = None


def blocks_label(blocks: Iterable[tuple[int, int]]) -> str:
    """``"block 3"`` or ``"blocks 0-7"``.

    Examples
    --------
    >>> from drawdown.batch.executors import blocks_label
    >>> blocks_label([(0, 10), (1, 10)]), blocks_label([(4, 5)])
    ('blocks 0-1', 'block 4')
    """
    blocks = list(blocks)
    if len(blocks) == 1:
        return f"block {blocks[0][0]}"
    return f"blocks {blocks[0][0]}-{blocks[-1][0]}"


def run_unit(unit: Unit, progress: Progress = None) -> UnitResult:
    """Run one unit of work: a pure function of ``unit``.

    The unit's blocks run as one chunk of the numpy engine (one block at a time with
    SimPy), through :func:`drawdown.batch.fold_chunks`.

    Parameters
    ----------
    unit : Unit
    progress : callable, optional
        Called with replications finished (in the calling process only).

    Returns
    -------
    UnitResult
        The summary of ``unit.blocks`` (with per-day data), with
        ``unit.keep_outcomes`` their outcomes without per-day arrays, and with
        ``unit.breakdown`` their breakdown.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import Unit, run_unit
    >>> s = drawdown.load("doha-2021-05-01")
    >>> r = run_unit(Unit(s, 1, ((0, 100), (1, 100)), block_size=100, keep_outcomes=True))
    >>> r.summary.n, len(r.outcomes), r.outcomes.troops_in_country is None
    (200, 200, True)
    """
    kept: list[Outcomes] = []
    breakdown = BreakdownFold(daily=unit.record_nations) if unit.breakdown else None
    total = fold_chunks(
        unit.scenario,
        unit.blocks,
        unit.seed,
        engine=unit.engine,
        block_size=unit.block_size,
        chunk_blocks=max(len(unit.blocks), 1),
        progress=progress,
        on_outcomes=(lambda chunk, out: kept.append(out)) if unit.keep_outcomes else None,
        breakdown=breakdown,
    )
    outcomes = None
    if unit.keep_outcomes:  # one chunk with numpy; one a block with SimPy
        outcomes = kept[0] if len(kept) == 1 else Outcomes.concatenate(kept)
    return UnitResult(total, outcomes, os.getpid(), None if breakdown is None else breakdown.result())


def unit_blocks_for(n_blocks: int, parallelism: int = 1) -> int:
    """Blocks per unit: at most :data:`MAX_UNIT_BLOCKS`, and small enough to give
    every worker about two units.

    Examples
    --------
    >>> from drawdown.batch import unit_blocks_for
    >>> unit_blocks_for(1000), unit_blocks_for(100), unit_blocks_for(10, 2), unit_blocks_for(3, 4)
    (32, 32, 3, 1)
    """
    return max(1, min(MAX_UNIT_BLOCKS, math.ceil(n_blocks / (2 * max(1, parallelism)))))


def make_units(
    scenario: Scenario,
    seed: int,
    blocks: Iterable[tuple[int, int]],
    *,
    engine: str = "numpy",
    block_size: int = BLOCK_SIZE,
    unit_blocks: int = MAX_UNIT_BLOCKS,
    keep_outcomes: bool = False,
    breakdown: bool = False,
    record_nations: bool = False,
) -> list[Unit]:
    """Split ``blocks`` into units of at most ``unit_blocks`` consecutive blocks.

    Parameters
    ----------
    scenario : Scenario
    seed : int
    blocks : iterable of (int, int)
        ``(block, rows)`` pairs, in block order.
    engine, block_size, keep_outcomes, breakdown, record_nations
        As :class:`Unit`.
    unit_blocks : int, optional
        Blocks per unit (the last may have fewer).

    Returns
    -------
    list of Unit

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import make_units
    >>> units = make_units(drawdown.load("doha-2021-05-01"), 1, [(0, 10), (1, 10), (2, 5)], unit_blocks=2)
    >>> [u.label for u in units]
    ['blocks 0-1', 'block 2']
    """
    blocks = [(int(b), int(r)) for b, r in blocks]
    n = max(1, int(unit_blocks))
    return [
        Unit(
            scenario,
            seed,
            tuple(blocks[k : k + n]),
            engine=engine,
            block_size=block_size,
            keep_outcomes=keep_outcomes,
            breakdown=breakdown,
            record_nations=record_nations,
        )
        for k in range(0, len(blocks), n)
    ]


def merge_results(results: Iterable[UnitResult]) -> Summary:
    """Merge the summaries of unit results (in block order, whatever order they come in).

    Parameters
    ----------
    results : iterable of UnitResult

    Returns
    -------
    Summary

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import make_units, merge_results, run_unit, summarize
    >>> s = drawdown.load("doha-2021-05-01")
    >>> units = make_units(s, 2, [(0, 50), (1, 50)], block_size=50, unit_blocks=1)
    >>> merge_results(run_unit(u) for u in reversed(units)) == summarize(s, 100, seed=2, block_size=50)
    True
    """
    return Summary.merge_all(r.summary for r in results)


# -- executors -------------------------------------------------------------------------------
class Executor:
    """Runs units of work; use as a context manager.

    Attributes
    ----------
    name : str
        How messages name it (``"in-process"``, ``"2 worker processes"``, ...).
    parallelism : int
        How many units it runs at once (for sizing units).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import InProcess, make_units
    >>> units = make_units(drawdown.load("doha-2021-05-01"), 1, [(0, 20), (1, 20)], block_size=20, unit_blocks=1)
    >>> with InProcess() as ex:
    ...     [(i, r.summary.blocks) for i, r in ex.run(units)]
    [(0, ((0, 20),)), (1, ((1, 20),))]
    """

    name = "executor"
    parallelism = 1

    def run(self, units: Iterable[Unit], *, progress: Progress = None) -> Iterator[tuple[int, UnitResult]]:
        """Run ``units``; yield ``(index, UnitResult)`` as each finishes.

        Parameters
        ----------
        units : iterable of Unit
        progress : callable, optional
            Called with the replications finished.

        Yields
        ------
        index : int
            The unit's position in ``units``.
        result : UnitResult

        Closing the generator early cancels the units not yet started. A result is
        the caller's: the executor keeps no reference to it once yielded.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release what the executor started (processes, a local cluster)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}>"


class InProcess(Executor):
    """Run units one after the other in the calling process.

    Examples
    --------
    >>> from drawdown.batch import InProcess
    >>> InProcess().name, InProcess().parallelism
    ('in-process', 1)
    """

    name = "in-process"

    def run(self, units: Iterable[Unit], *, progress: Progress = None) -> Iterator[tuple[int, UnitResult]]:
        """Run ``units`` here, in order (see :meth:`Executor.run`)."""
        for i, unit in enumerate(units):
            yield i, run_unit(unit, progress)


def _worker_init(alive: Any) -> None:
    """Set up a pool worker: Ctrl-C is left to the process that owns the run, and the
    worker exits as soon as that process is gone (however it went: an exception, a
    signal, SIGKILL): a worker never outlives the run, nor keeps its pipes open.

    ``alive`` is the read end of a pipe whose only write end the owner holds; nothing is
    ever sent on it, so reading it returns only at end of file, when the owner is gone
    (or closed the pool). A worker stopped either way, or by SIGTERM (:meth:`ProcessPool.close`),
    first removes the temporary files of the writes it has under way (a unit's outcomes
    file), which its exit would otherwise leave in the run directory."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    threading.Thread(target=_exit_with_owner, args=(alive,), name="drawdown-owner-watch", daemon=True).start()


def _exit_with_owner(alive: Any) -> None:
    try:
        alive.recv_bytes()
    except (EOFError, OSError):
        pass
    remove_writes_under_way()
    os._exit(1)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    remove_writes_under_way()
    os._exit(128 + signum)


def _mp_context() -> Any:

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(
            ["numpy", "scipy.special", "drawdown.results.summary", "drawdown.engines.numpy_engine"]
        )
    return ctx


#: The signals an executor defers while it waits on its workers (Ctrl-C, and what
#: ``kill``, ``timeout``, batch schedulers and service managers send).
_DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _DeferredSignals:
    """While an executor waits on its workers, SIGINT and SIGTERM are noted and handed to
    the handlers they had at the next safe point (:meth:`check`): never inside
    :mod:`concurrent.futures` or Dask's client, whose locks a KeyboardInterrupt at the
    wrong moment leaves held (and the shutdown hanging).

    Only in the main thread, and only over a handler that is a Python function (Python's
    default SIGINT handler, which raises KeyboardInterrupt, or the application's own,
    e.g. the command line's, which makes SIGTERM a KeyboardInterrupt too); a signal left
    to the system (``SIG_DFL``, ``SIG_IGN``) is left alone. A pool's workers exit by
    themselves when their owner is gone (:func:`_worker_init`).

    The caller's code between two results runs under its own handlers (:meth:`pause`
    before a result is yielded, :meth:`resume` after): a signal it gets is its own, and
    an executor's generator closed at a ``yield`` has nothing noted to hand on."""

    def __init__(self) -> None:

        self.noted: list[int] = []
        self.handlers: dict[int, Any] = {}  # the handlers deferred to, by signal
        if threading.current_thread() is threading.main_thread():
            for signum in _DEFERRED_SIGNALS:
                handler = signal.getsignal(signum)
                if callable(handler):
                    self.handlers[signum] = handler
        self.resume()

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.noted.append(signum)

    def resume(self) -> None:
        """Defer the signals (again)."""
        for signum in self.handlers:
            signal.signal(signum, self._note)

    def check(self) -> None:
        """Hand the first signal noted since the last check to its handler (which raises,
        as a rule: KeyboardInterrupt)."""
        if self.noted:
            signum = self.noted[0]
            self.noted.clear()
            self.handlers[signum](signum, None)

    def pause(self) -> None:
        """Put the handlers back until :meth:`resume`, handing them what was noted."""
        for signum, handler in self.handlers.items():
            signal.signal(signum, handler)
        self.check()

    def restore(self) -> None:
        """Put the handlers back for good, handing them what was noted."""
        self.pause()
        self.handlers = {}


class ProcessPool(Executor):
    """A local pool of ``workers`` processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Started with ``forkserver`` where available, else ``spawn``. A worker that dies
    (killed, out of memory) stops the run with a :class:`DrawdownError`; a run
    directory keeps every unit finished before, for ``resume=True``.

    Parameters
    ----------
    workers : int
        Processes, at least 1.

    Raises
    ------
    DrawdownError
        When ``workers`` is less than 1.

    Examples
    --------
    >>> from drawdown.batch import ProcessPool
    >>> with ProcessPool(2) as pool:
    ...     pool.name, pool.parallelism
    ('2 worker processes', 2)
    >>> ProcessPool(0)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: workers must be at least 1, got 0
    """

    def __init__(self, workers: int):

        self._pool: ProcessPoolExecutor | None = None
        self._alive_r: Any = None
        self._alive_w: Any = None
        workers = int(workers)
        if workers < 1:
            raise DrawdownError(f"workers must be at least 1, got {workers}")
        self.parallelism = workers
        self.name = f"{workers} worker process{'es' if workers != 1 else ''}"
        ctx = _mp_context()
        # The workers' way to know the pool's owner is gone (_worker_init): they hold the
        # read end, only this process the write end.
        self._alive_r, self._alive_w = ctx.Pipe(duplex=False)
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(self._alive_r,)
        )

    def run(self, units: Iterable[Unit], *, progress: Progress = None) -> Iterator[tuple[int, UnitResult]]:
        """Submit every unit to the pool; yield results in the order they finish (see :meth:`Executor.run`)."""

        if self._pool is None:
            raise DrawdownError("the process pool is closed")
        units = list(units)
        interrupted = _DeferredSignals()
        pending: dict[Any, int] = {}
        try:
            for i, u in enumerate(units):
                pending[self._pool.submit(run_unit, u)] = i
            while pending:
                done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                interrupted.check()
                ready = sorted(done, key=pending.__getitem__)
                del done
                while ready:
                    future = ready.pop(0)
                    i = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as e:
                        raise DrawdownError(
                            f"a worker process died while running {units[i].label} ({e}); {_RESUME_HINT}"
                        ) from e
                    del future  # it holds the result too
                    if progress is not None:
                        progress(units[i].reps)
                    interrupted.pause()
                    yield i, result
                    interrupted.resume()
                    del result  # the caller's now: not held while the next unit runs
        finally:
            for f in pending:
                f.cancel()
            interrupted.restore()

    def close(self) -> None:
        """Stop the workers (running units are abandoned) and wait for them to exit."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # What shutdown() lets go of, kept to finish the job: the workers, the pool's
        # manager thread and the pipe the workers send their results on.
        workers = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for end in (self._alive_w, self._alive_r):  # every worker now exits (_worker_init)
            if end is not None:
                end.close()
        self._alive_w = self._alive_r = None
        for p in workers:  # and is told to, in case it is stuck in C code
            try:
                p.terminate()
            except Exception:
                pass
        for p in workers:
            try:
                p.join(timeout=10)
            except Exception:
                pass
        # A worker stopped while sending a result leaves half a message in the result
        # pipe, on which the manager thread would wait for ever (and the interpreter's
        # exit with it). With every worker gone the last write end is this process's:
        # closing it ends that wait (the pool is then broken, as it should be).
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
        if manager is not None:
            manager.join(timeout=10)


def import_distributed() -> Any:
    """``distributed``, or a :class:`DrawdownError` saying how to install it.

    Returns
    -------
    module
        :mod:`distributed`.

    Raises
    ------
    DrawdownError
        When Dask's distributed scheduler is not installed; the message ends with
        :data:`CLUSTER_HINT`.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import import_distributed
    >>> try:
    ...     import_distributed().Client is not None
    ... except drawdown.DrawdownError as e:
    ...     str(e).endswith("pip install 'drawdown[cluster]'")
    True
    """
    try:
        import distributed
    except ImportError as e:
        raise DrawdownError(
            f"the Dask executor needs Dask's distributed scheduler, which is not installed: {CLUSTER_HINT}"
        ) from e
    return distributed


def local_security() -> Any:
    """A TLS credential for one local Dask cluster: ``distributed.Security.temporary()``.

    A self-signed key and certificate made now, kept in this process's memory (and
    handed to the cluster's worker processes when they start), never written where
    another process could read them. Every connection of the cluster is TLS with mutual
    authentication: the scheduler, its workers and the client each present the
    certificate and accept only peers that present it, so a process that does not hold
    it, of this user or another, can neither join the cluster nor submit work to it.

    Returns
    -------
    distributed.Security
        With ``require_encryption=True``.

    Raises
    ------
    DrawdownError
        When Dask or the ``cryptography`` package (which makes the credential) is not
        installed; the message ends with :data:`CLUSTER_HINT`.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch.executors import local_security
    >>> try:
    ...     local_security().require_encryption
    ... except drawdown.DrawdownError as e:
    ...     str(e).endswith("pip install 'drawdown[cluster]'")
    True
    """
    distributed = import_distributed()
    try:
        return distributed.Security.temporary()
    except ImportError as e:
        raise DrawdownError(
            "the local Dask cluster's TLS credential needs the cryptography package, which is not installed: "
            f"{CLUSTER_HINT}"
        ) from e


class DaskExecutor(Executor):
    """Run units on a Dask cluster.

    Parameters
    ----------
    address : str, optional
        Address of an existing scheduler (``tcp://host:8786``); drawdown must be
        installed on its workers, with the same numpy, scipy and SIMD features
        (results made under different ones are refused when merged).
    local_workers : int, optional
        Instead: start a local cluster of this many worker processes (one thread
        each), scheduler and workers bound to 127.0.0.1 and speaking TLS with a
        credential made for this cluster alone (:func:`local_security`): no other
        process, of this user or another, can join it or submit work to it. No
        dashboard, and no other HTTP routes. :meth:`close` shuts it down.
    timeout : float
        Seconds to wait for the scheduler.
    dashboard : bool
        With ``local_workers``: serve the scheduler's dashboard on a free port of
        127.0.0.1 (:attr:`dashboard_link`; it needs ``bokeh``, and has no
        authentication: anyone on this machine can read it).

    Raises
    ------
    ValueError
        Unless exactly one of ``address`` and ``local_workers`` is given.
    DrawdownError
        When Dask is not installed (:func:`import_distributed`), ``local_workers`` is
        less than 1, ``address`` is malformed (:func:`check_scheduler_address`), or the
        scheduler cannot be reached.

    Each unit is one task, a pure function of its arguments: when a worker dies, the
    scheduler runs its tasks again elsewhere (up to Dask's
    ``distributed.scheduler.allowed-failures`` times per task).

    Examples
    --------
    >>> from drawdown.batch import DaskExecutor
    >>> DaskExecutor()
    Traceback (most recent call last):
    ...
    ValueError: give address or local_workers, not both or neither
    """

    def __init__(
        self,
        address: str | None = None,
        local_workers: int | None = None,
        *,
        timeout: float = 30,
        dashboard: bool = False,
    ):
        if (address is None) == (local_workers is None):
            raise ValueError("give address or local_workers, not both or neither")
        if address is not None:
            address = check_scheduler_address(address)
        distributed = import_distributed()
        self.cluster: Any = None
        self.client: Any = None
        self._dashboard = bool(dashboard and local_workers is not None)
        try:
            if local_workers is not None:
                self._start_local(distributed, int(local_workers), timeout, dashboard)
            else:
                try:
                    self.client = distributed.Client(address, timeout=timeout)
                except (OSError, TimeoutError) as e:
                    raise DrawdownError(f"cannot reach the Dask scheduler at {address}: {e}") from e
                self.name = f"Dask scheduler {address}"
        except BaseException:
            self.close()
            raise
        self.parallelism = max(1, sum(self.client.nthreads().values()))

    def _start_local(self, distributed: Any, n: int, timeout: float, dashboard: bool) -> None:

        if n < 1:
            raise DrawdownError(f"local_workers must be at least 1, got {n}")
        import dask

        security = local_security()
        # Without the dashboard, the scheduler and workers still start their HTTP servers:
        # on a free loopback port, serving nothing (no routes), not on 8787.
        http = "127.0.0.1:0"
        routes: dict[str, list[str]] = {}
        if not dashboard:
            routes = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
        deferred = _DeferredSignals()  # a cluster half started is not a cluster one can close
        try:
            with dask.config.set(routes), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Port 8787 is already in use")
                self.cluster = distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    security=security,
                    dashboard_address=http if dashboard else None,
                    scheduler_kwargs={"dashboard": dashboard, "dashboard_address": http},
                    silence_logs=logging.CRITICAL,  # our errors say what failed, in our words
                    preload=[quiet_worker.__name__],  # and the worker processes' logs too
                )
            self.client = distributed.Client(self.cluster, timeout=timeout)
        finally:
            deferred.restore()
        self.name = f"local Dask cluster of {n} worker{'s' if n != 1 else ''}"

    @property
    def dashboard_link(self) -> str | None:
        """The dashboard's address (a local cluster started with ``dashboard=True``), or None."""
        if self.cluster is None or not self._dashboard:
            return None
        return str(self.cluster.dashboard_link)

    def _client(self) -> Any:
        if self.client is None:
            raise DrawdownError("the Dask executor is closed")
        return self.client

    def worker_pids(self) -> dict[str, int]:
        """``{worker address: pid}`` of the workers now connected.

        Returns
        -------
        dict of str to int
        """
        return self._client().run(os.getpid)

    def run(self, units: Iterable[Unit], *, progress: Progress = None) -> Iterator[tuple[int, UnitResult]]:
        """Submit every unit as a task; yield results as they finish (see :meth:`Executor.run`).

        Raises
        ------
        DrawdownError
            When workers keep dying on a unit (Dask's ``KilledWorker``) or the cluster is lost.
        """
        distributed = import_distributed()
        client = self._client()
        units = list(units)
        tag = uuid.uuid4().hex[:12]
        interrupted = _DeferredSignals()
        futures: list[Any] = []
        try:
            futures = [
                client.submit(run_unit, u, key=f"drawdown-unit-{tag}-{i}", pure=False) for i, u in enumerate(units)
            ]
            index = {f.key: i for i, f in enumerate(futures)}
            finished = distributed.as_completed(futures)
            while not finished.is_empty():
                interrupted.check()
                ready = finished.next_batch(block=False)
                if not ready:
                    time.sleep(_POLL_S)
                    continue
                for f in sorted(ready, key=lambda f: index[f.key]):
                    i = index[f.key]
                    result = self._result(distributed, f, units[i])
                    f.release()
                    if progress is not None:
                        progress(units[i].reps)
                    interrupted.pause()
                    yield i, result
                    interrupted.resume()
                    del result  # the caller's now
        finally:
            pending = [f for f in futures if not f.done()]
            if pending and self.client is not None and self.client.status == "running":
                try:
                    self.client.cancel(pending)
                except Exception:
                    pass
            interrupted.restore()

    @staticmethod
    def _result(distributed: Any, future: Any, unit: Unit) -> UnitResult:
        """A finished task's result, or the error that says what went wrong."""
        try:
            return future.result()
        except distributed.KilledWorker as e:
            raise DrawdownError(f"Dask workers kept dying while running {unit.label} ({e}); {_RESUME_HINT}") from e
        except (OSError, distributed.client.FutureCancelledError) as e:  # lost the scheduler
            raise DrawdownError(f"lost the Dask cluster while running {unit.label}: {e}") from e

    def close(self) -> None:
        """Close the client and, for a local cluster, the cluster."""
        client, self.client = getattr(self, "client", None), None
        cluster, self.cluster = getattr(self, "cluster", None), None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass
        if cluster is not None:
            cluster.close()


def make_executor(
    *, workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Executor:
    """The executor the options ask for: at most one of ``workers``, ``scheduler``,
    ``dask_local``; none gives :class:`InProcess`.

    Parameters
    ----------
    workers : int, optional
        A :class:`ProcessPool` of this many processes.
    scheduler : str, optional
        A :class:`DaskExecutor` on the scheduler at this address.
    dask_local : int, optional
        A :class:`DaskExecutor` on a local cluster of this many workers.

    Returns
    -------
    Executor

    Raises
    ------
    DrawdownError
        When more than one is given, or the executor cannot start.

    Examples
    --------
    >>> from drawdown.batch import make_executor
    >>> make_executor().name
    'in-process'
    >>> make_executor(workers=2, dask_local=2)
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: give at most one of workers, dask_local
    """
    given = [
        k for k, v in (("workers", workers), ("scheduler", scheduler), ("dask_local", dask_local)) if v is not None
    ]
    if len(given) > 1:
        raise DrawdownError(f"give at most one of {', '.join(given)}")
    if workers is not None:
        return ProcessPool(workers)
    if scheduler is not None:
        return DaskExecutor(address=scheduler)
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local)
    return InProcess()


#: Address schemes of Dask's comms whose location is ``HOST:PORT``.
_HOST_PORT_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler's address, checked before anything connects: ``[SCHEME://]HOST:PORT``.

    The scheme is one of tcp (the default), tls, ws, wss, ucx (``inproc://`` and schemes
    that an installed Dask comms plugin registers are passed on as they are).

    Returns
    -------
    str
        ``address``, unchanged.

    Raises
    ------
    DrawdownError
        Naming ``scheduler='ADDRESS'`` (the command line's ``--scheduler``) and what is
        wrong: no host, no port, a port that is not a number from 1 to 65535, an
        unknown scheme.

    Examples
    --------
    >>> from drawdown.batch.executors import check_scheduler_address
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler_address("localhost")
    Traceback (most recent call last):
    ...
    drawdown.errors.DrawdownError: scheduler='localhost': no port; expected HOST:PORT, e.g. tcp://localhost:8786
    """
    if not isinstance(address, str) or not address.strip():
        raise DrawdownError(f"scheduler={address!r}: expected a Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    scheme, sep, location = address.strip().rpartition("://")
    scheme = scheme.lower() if sep else "tcp"
    if scheme not in _HOST_PORT_SCHEMES:
        if scheme == "inproc" or _registered_scheme(scheme):
            return address
        known = ", ".join(_HOST_PORT_SCHEMES + ("inproc",))
        raise DrawdownError(f"scheduler={address!r}: unknown scheme {scheme!r}; expected one of {known}")
    problem = _host_port_problem(location)
    if problem is not None:
        example = f"{scheme}://{location}:8786" if problem == "no port" else f"{scheme}://10.0.0.5:8786"
        raise DrawdownError(f"scheduler={address!r}: {problem}; expected HOST:PORT, e.g. {example}")
    return address


def _host_port_problem(location: str) -> str | None:
    """What is wrong with ``HOST:PORT`` (``[V6]:PORT``), or None."""
    if location.startswith("["):
        host, sep, tail = location[1:].partition("]")
        if not sep:
            return "an IPv6 host without its closing ]"
        if not tail:
            return "no port"
        if not tail.startswith(":"):
            return f"{tail!r} after the IPv6 host"
        port = tail[1:]
    else:
        host, sep, port = location.rpartition(":")
        if not sep:
            return "no port"
        if ":" in host:
            return "an IPv6 host without brackets (write [::1]:8786)"
    if not host:
        return "no host"
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        return f"port {port!r} is not a number from 1 to 65535"
    return None


def _registered_scheme(scheme: str) -> bool:
    """Whether an installed Dask comms backend serves ``scheme``."""
    try:
        from distributed.comm.registry import get_backend

        get_backend(scheme)
    except Exception:  # no Dask, or no such backend
        return False
    return True
