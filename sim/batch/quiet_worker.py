"""Keep a local Dask worker's own log lines off the user's terminal.

A local cluster's worker processes inherit the command's stderr. When the command stops
(a signal, an error, or the end of a run), the scheduler may close while a worker is still
sending its heartbeat, and the worker logs that traceback at ERROR level *after* the
command's own last line. ``LocalCluster(silence_logs=...)`` quiets the nanny but not the
worker process, so the worker loads this module as a Dask *preload* (``preload=[__name__]``)
and raises its ``distributed`` loggers to CRITICAL. What fails in a task still reaches the
command, through the task's future, and is reported there in drawdown's words.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    """Called by Dask as the worker starts, before it first talks to the scheduler."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
