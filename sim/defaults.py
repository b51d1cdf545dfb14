"""The defaults a user sees: replications of a run and the cap of a ``--precision`` run.

Kept apart from the stages that use them (:mod:`drawdown.batch`, the API, the command
line) and free of heavy imports, so that ``drawdown COMMAND --help`` can show them
without loading numpy.
"""

__all__ = ["DEFAULT_MAX_REPS", "DEFAULT_REPS", "DEFAULT_SIMPY_REPS", "default_reps"]

#: Replications of ``drawdown run`` without ``--reps``: a stable answer in a few seconds
#: (numpy engine; see :func:`default_reps`).
DEFAULT_REPS = 4000
#: The same for the SimPy engine, one replication at a time (milliseconds each).
DEFAULT_SIMPY_REPS = 200
#: Cap of ``--precision`` runs without ``--max-reps`` (200 blocks of 1,000 replications).
DEFAULT_MAX_REPS = 200_000


def default_reps(engine: str = "numpy") -> int:
    """Replications for a stable answer in a few seconds with ``engine``.

    >>> default_reps("numpy"), default_reps("simpy")
    (4000, 200)
    """
    return DEFAULT_SIMPY_REPS if engine == "simpy" else DEFAULT_REPS
