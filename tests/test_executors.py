"""Pool workers stopped mid-unit: what they leave in the run directory."""

from __future__ import annotations

import pytest

_STOPPED_WORKER = """
import multiprocessing as mp, pathlib, sys, time
from drawdown.batch import executors
from drawdown.results import atomic_write

d = pathlib.Path(sys.argv[1])
owner_end, worker_end = mp.Pipe(duplex=False)
executors._worker_init(owner_end)

def slow(fh):
    fh.write(b"half a unit's outcomes")
    (d / "writing").write_text("")
    if sys.argv[2] == "owner-gone":
        worker_end.close()  # the owner's end of the pipe: as if the owner went away
    time.sleep(60)

atomic_write(d / "000001.replications.npz", slow)
"""


@pytest.mark.parametrize("how", ["sigterm", "owner-gone"])
def test_a_worker_stopped_mid_write_leaves_no_temporary_file(tmp_path, how):
    """A pool worker stopped while it writes a unit's file (SIGTERM from ProcessPool.close,
    or its owner gone) removes the temporary file first: the run directory holds only
    finished files, so an interrupted run leaves nothing behind for --resume to clean."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", _STOPPED_WORKER, str(tmp_path), how])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "writing").exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert (tmp_path / "writing").exists(), "the worker never started its write"
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
    assert code == (128 + signal.SIGTERM if how == "sigterm" else 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["writing"]
