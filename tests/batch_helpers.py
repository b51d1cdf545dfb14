"""Helpers of the batch tests (issue 6): invoking the CLI, comparing result directories byte by byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from cli_helpers import invoke, make_runner  # noqa: F401  (invoke is re-exported to the batch tests)
from drawdown.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
#: Files of a run directory compared byte for byte.
RUN_TEXT = [
    "summary.json",
    "contingents.csv",
    "daily.csv",
    "drawdown.png",
    "exit-dates.png",
    "contingents.png",
    "casualties.png",
]
#: .npz files of a run compared array by array (their zip entries carry the time they were written).
RUN_ARRAYS = ["summary.npz", "replications.npz"]


def fails(*args, status=2):
    r = make_runner().invoke(main, [str(a) for a in args], prog_name="drawdown")
    assert r.exit_code == status, (r.exit_code, r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    return r


def cli_process(*args, env_extra=None, **kw) -> subprocess.Popen:
    """``drawdown ARGS`` as a separate process (python -m drawdown.cli.main), from the repository root."""
    env = dict(os.environ, **(env_extra or {}))
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **kw}
    return subprocess.Popen([sys.executable, "-m", "drawdown.cli.main", *map(str, args)], cwd=ROOT, env=env, **kw)


def npz_arrays(path) -> dict:
    """Every array of an .npz as (dtype, shape, bytes)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: (z[k].dtype.str, z[k].shape, z[k].tobytes()) for k in z.files}


def assert_same_files(a, b, text=(), arrays=()):
    """Byte-identical text files; .npz files with byte-identical arrays (names, dtypes, shapes)."""
    a, b = Path(a), Path(b)
    for name in text:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between {a} and {b}"
    for name in arrays:
        assert npz_arrays(a / name) == npz_arrays(b / name), f"{name}: arrays differ between {a} and {b}"


def assert_same_sweep(a, b, points: int):
    names = [f"points/{i:04d}.json" for i in range(points)]
    assert_same_files(a, b, text=["results.csv", *names], arrays=[f"points/{i:04d}.npz" for i in range(points)])


def assert_sigkill_resume(spec, reference, out, points: int, design: str) -> None:
    """SIGKILL ``drawdown sweep SPEC --out OUT`` once a point is recorded; ``--resume``
    then redoes no finished point and gives the reference's files, the design recorded."""
    import signal
    import time

    from drawdown.batch import MANIFEST, read_record
    from drawdown.errors import ResultError

    proc = cli_process("sweep", spec, "--out", out, "--quiet")
    manifest = out / MANIFEST
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if read_record(manifest)["points_done"] >= 1:
                    break
            except (ResultError, KeyError):
                pass
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    finished = [e["point"] for e in read_record(manifest)["done"]]
    assert 1 <= len(finished) < points, "the sweep was not killed midway"
    stamps = {i: (out / "points" / f"{i:04d}.npz").stat().st_mtime_ns for i in finished}
    r = invoke("sweep", spec, "--out", out, "--resume")
    assert f"resuming: {len(finished)} of {points} points done" in r.stdout
    assert_same_sweep(reference, out, points)
    assert {i: (out / "points" / f"{i:04d}.npz").stat().st_mtime_ns for i in finished} == stamps
    assert read_record(manifest)["spec"]["design"] == design  # the output records the design
