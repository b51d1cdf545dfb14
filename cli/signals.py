"""SIGINT and SIGTERM: a command stops cleanly and exits 130 or 143 (128 + the signal).

While a command runs (:func:`stopping_on_signals`, around every subcommand), the first
SIGINT or SIGTERM raises ``KeyboardInterrupt`` in the main thread, so the command's own
clean-up runs: executors cancel what is pending and stop their workers, temporary files
are removed, a run or sweep directory keeps every finished unit for ``--resume``. An
executor that waits on its workers defers the signal to a safe point
(:mod:`drawdown.batch.executors`). A second signal while the command cleans up is noted,
not raised, so the clean-up finishes; SIGKILL still stops everything at once (the
workers then exit by themselves, and ``--resume`` finishes the run).

The exit status is 128 + the signal's number whatever the command was doing when it
stopped (an error it met on the way out included), with one line on stderr: the
command's own (``interrupted: ... --resume finishes the run``) or, when it says nothing,
``interrupted (SIGINT)`` / ``terminated (SIGTERM)``. A signal that was ignored when the
command started (``nohup``, a background job) stays ignored.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import click

#: The signals a command stops on, and what its message calls them.
STOP_SIGNALS = {signal.SIGINT: "interrupted (SIGINT)", signal.SIGTERM: "terminated (SIGTERM)"}

_received: list[int] = []


def received() -> int | None:
    """The first stop signal received since the command started, or None.

    Examples
    --------
    >>> from drawdown.cli.signals import received
    >>> received() is None
    True
    """
    return _received[0] if _received else None


def exit_status(signum: int) -> int:
    """The exit status of a command stopped by ``signum``: 128 + its number, as a shell reports it.

    Examples
    --------
    >>> import signal
    >>> from drawdown.cli.signals import exit_status
    >>> exit_status(signal.SIGINT), exit_status(signal.SIGTERM)
    (130, 143)
    """
    return 128 + int(signum)


def _stop(signum: int, frame: FrameType | None) -> None:
    first = not _received
    _received.append(signum)
    if first:
        raise KeyboardInterrupt
    # a second signal while the command cleans up: noted, not raised (the clean-up finishes)


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Run a command so that SIGINT and SIGTERM stop it cleanly, with exit status 130 or 143.

    Examples
    --------
    >>> import os, signal
    >>> from drawdown.cli.signals import stopping_on_signals
    >>> try:
    ...     with stopping_on_signals():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ...         signal.pause()  # not reached: the signal raised KeyboardInterrupt
    ... except SystemExit as e:
    ...     print(e.code)
    143
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous: dict[int, Any] = {}
    for stop in STOP_SIGNALS:
        if signal.getsignal(stop) is not signal.SIG_IGN:
            previous[int(stop)] = signal.signal(stop, _stop)
    try:
        yield
    except (KeyboardInterrupt, click.Abort) as exc:
        _exit_stopped(exc)
    except SystemExit as exc:
        signum = received()
        if signum is not None and exc.code not in (0, None):
            sys.exit(exit_status(signum))
        raise
    except Exception as exc:  # an error met while stopping is part of stopping: one line, 128 + the signal
        signum = received()
        if signum is None:
            raise
        click.echo(f"{STOP_SIGNALS[signal.Signals(signum)]}; while stopping: {exc}", err=True)
        sys.exit(exit_status(signum))
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _received.clear()


def _exit_stopped(exc: BaseException) -> None:
    """Exit 128 + the signal that stopped the command; say so unless the command did."""
    got = received()
    if got is None:
        if isinstance(exc, click.Abort) and not isinstance(exc.__context__, KeyboardInterrupt):
            raise exc  # click's own Abort (a prompt answered no): not a signal
        got = signal.SIGINT  # Ctrl-C under a handler other than ours
    if isinstance(exc, KeyboardInterrupt):  # the command said nothing about it
        click.echo(("\n" if sys.stderr.isatty() else "") + STOP_SIGNALS[signal.Signals(got)], err=True)
    sys.exit(exit_status(got))
