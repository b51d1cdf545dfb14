"""The defaults a user sees, and the most a run or a sweep may ask for.

Kept apart from the stages that use them (:mod:`drawdown.batch`, the API, the command
line) and free of heavy imports, so that ``drawdown COMMAND --help`` can show them
without loading numpy.
"""

__all__ = [
    "DEFAULT_MAX_REPS",
    "DEFAULT_REPS",
    "DEFAULT_SIMPY_REPS",
    "MAX_BLOCKS",
    "MAX_BLOCK_SIZE",
    "MAX_REPS",
    "MAX_SWEEP_POINTS",
    "default_reps",
]

#: Replications of ``drawdown run`` without ``--reps``: a stable answer in a few seconds
#: (numpy engine; see :func:`default_reps`).
DEFAULT_REPS = 4000
#: The same for the SimPy engine, one replication at a time (milliseconds each).
DEFAULT_SIMPY_REPS = 200
#: Cap of ``--precision`` runs without ``--max-reps`` (200 blocks of 1,000 replications).
DEFAULT_MAX_REPS = 200_000

# The most a run or a sweep may ask for, checked before any work (docs/design.md §6). A
# run is planned block by block: its manifest lists every block and is written again
# after each unit of work, so its size and the work of keeping it grow with the blocks;
# block files are named by six digits. At 10^8 replications (10^5 blocks of 1,000) the
# manifest is about 1.5 MB, the plan a few MB of memory, the run some three hours of one
# core with the numpy engine, and the standard error of any probability below 5e-5; the
# summary's exact per-day sums of troops (at most 2**31 - 1 a day and replication) stay
# inside int64 up to 2**32 replications.
#: Replications of one run (``--reps``, ``--max-reps``, ``reps=``, a sweep's replications per point).
MAX_REPS = 100_000_000
#: Blocks of one run (replications over the block size, rounded up).
MAX_BLOCKS = 100_000
#: Replications per block (part of the draw layout): a chunk of the numpy engine holds at
#: least one block, whose per-day draws and arrays grow with it.
MAX_BLOCK_SIZE = 10_000
#: Points of a sweep (given ``points``, or a grid's product of values): each is validated
#: and planned before anything runs (about 10 ms and 90 KiB each), and point files are
#: named by four digits.
MAX_SWEEP_POINTS = 10_000


def default_reps(engine: str = "numpy") -> int:
    """Replications for a stable answer in a few seconds with ``engine``.

    >>> default_reps("numpy"), default_reps("simpy")
    (4000, 200)
    """
    return DEFAULT_SIMPY_REPS if engine == "simpy" else DEFAULT_REPS
