"""Invoking the ``drawdown`` command line in tests, with stdout and stderr kept apart."""

from __future__ import annotations

from click.testing import CliRunner
from drawdown.cli.main import main


def make_runner() -> CliRunner:
    """A runner whose results have ``stdout`` and ``stderr`` separately, on any click 8."""
    if "mix_stderr" in CliRunner.__init__.__code__.co_varnames:  # click < 8.2
        return CliRunner(mix_stderr=False)
    return CliRunner()


def invoke(*args, ok=True):
    """Run ``drawdown ARGS...``; with ``ok``, assert it exited 0."""
    r = make_runner().invoke(main, [str(a) for a in args], catch_exceptions=False, prog_name="drawdown")
    if ok:
        assert r.exit_code == 0, (r.stdout, r.stderr)
    return r
