"""Runs at scale (issue 6): executors, run directories, resume, shards and merge.

Every comparison is of bytes: text files byte for byte, ``.npz`` files array by array
(their zip entries carry the time they were written). Runs are small: 400 replications
in 4 blocks of 100 (``--block-size``, a hidden option of ``run``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import drawdown
import pytest
from batch_helpers import RUN_ARRAYS, RUN_TEXT, assert_same_files, cli_process, fails, invoke
from drawdown.batch import (
    MANIFEST,
    DaskExecutor,
    InProcess,
    ProcessPool,
    RunBatch,
    Shard,
    file_sha256,
    make_executor,
    make_units,
    merge_dir,
    merge_results,
    read_record,
    run_batch,
    summarize,
    write_record,
)
from drawdown.errors import DrawdownError, ResultError
from drawdown.results import Summary

SCENARIO = "doha-2021-05-01"
REPS, BLOCK, SEED = 400, 100, 5
ARGS = ("run", SCENARIO, "--reps", REPS, "--block-size", BLOCK, "--seed", SEED, "--quiet")

try:
    import distributed  # noqa: F401
    import psutil  # noqa: F401

    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False
needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="dask[distributed] and psutil are not installed (pip install 'drawdown[cluster]' psutil)"
)


@pytest.fixture(scope="module")
def scenario():
    return drawdown.load(SCENARIO)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, scenario):
    """The in-process run with --out: the directory every other way must reproduce."""
    out = tmp_path_factory.mktemp("ref") / "run"
    r = invoke(*ARGS, "--json", "--out", out)
    return out, r.stdout


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The same run as 4 shards (one block each), not yet merged."""
    out = tmp_path_factory.mktemp("sharded") / "run"
    for i in (3, 1, 4, 2):  # any order
        r = invoke(*ARGS, "--shard", f"{i}/4", "--out", out)
        assert f"shard {i}/4: blocks {i - 1}..{i - 1}, 100 replications" in r.stdout
    return out


def test_reference_is_the_plain_run(reference, scenario):
    out, stdout = reference
    # --out writes the --json document, and it is the in-memory run's (no run directory)
    plain = invoke(*ARGS, "--json")
    assert plain.stdout == stdout
    assert (out / "summary.json").read_text() == stdout
    assert Summary.from_npz(out / "summary.npz") == summarize(scenario, REPS, seed=SEED, block_size=BLOCK)
    m = read_record(out / MANIFEST)
    assert m["complete"] and m["seed"] == str(SEED) and m["scenario"]["hash"] == scenario.hash
    assert m["block_size"] == BLOCK and m["blocks_done"] == m["blocks_planned"] == 4
    assert set(m["environment"]) == {"version", "numpy_version", "scipy_version", "simd"}
    # the outcomes are kept once: joined into replications.npz (recorded), the units' copies gone
    assert m["replications_file"] == {"file": "replications.npz", "sha256": file_sha256(out / "replications.npz")}
    assert sorted(p.name for p in (out / "blocks").iterdir()) == sorted(
        f"{e['blocks'][0][0]:06d}.npz" for e in m["done"]
    )


def test_workers_give_the_same_bits(reference, tmp_path):
    out = tmp_path / "run"
    r = invoke(*ARGS, "--json", "--workers", 2, "--out", out)
    assert r.stdout == reference[1]
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)
    assert invoke(*ARGS, "--json", "--workers", 2).stdout == reference[1]  # no run directory


@needs_dask
def test_dask_local_gives_the_same_bits(reference, tmp_path):
    out = tmp_path / "run"
    r = invoke(*ARGS, "--json", "--dask-local", 2, "--out", out)
    assert r.stdout == reference[1]
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)


def test_four_shards_merged_give_the_same_bits(reference, sharded, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(sharded, out)
    r = invoke("merge", out)
    assert "merged 4 blocks (400 replications)" in r.stdout
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)
    m = read_record(out / MANIFEST)
    assert m["complete"] and m["merged_from_shards"] == 4
    invoke("merge", out)  # merging again gives the same files
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)


def test_library_executors_and_unit_sizes(scenario):
    whole = summarize(scenario, REPS, seed=SEED, block_size=BLOCK)
    from drawdown.draws import blocks_for

    for n in (1, 3):
        units = make_units(scenario, SEED, blocks_for(REPS, BLOCK), block_size=BLOCK, unit_blocks=n)
        with InProcess() as ex:
            assert merge_results(r for _, r in ex.run(units)) == whole
    with ProcessPool(2) as ex:
        results = dict(ex.run(units))
    assert sorted(results) == list(range(len(units)))
    assert merge_results(results.values()) == whole
    assert {r.pid for r in results.values()} != {os.getpid()}


# -- resume ----------------------------------------------------------------------------------------
class Interrupt(BaseException):
    pass


def test_interrupted_run_resumes_without_recomputing(reference, scenario, tmp_path):
    out = tmp_path / "run"
    seen = []

    def interrupt_the_third_unit(n):  # in-process, progress comes from inside a unit's computation
        seen.append(n)
        if len(seen) == 3:
            raise Interrupt  # like Ctrl-C

    batch = RunBatch(scenario, SEED, reps=REPS, block_size=BLOCK, out_dir=out, parallelism=2)
    assert [u.blocks for u in batch.units] == [((0, 100),), ((1, 100),), ((2, 100),), ((3, 100),)]
    with pytest.raises(Interrupt):
        batch.run(InProcess(), progress=interrupt_the_third_unit)
    m = read_record(out / MANIFEST)
    assert not m["complete"] and [e["blocks"] for e in m["done"]] == [[[0, 100]], [[1, 100]]]
    assert not (out / "summary.json").exists()
    assert sorted(p.name for p in (out / "blocks").iterdir()) == [
        "000000.npz",
        "000000.replications.npz",
        "000001.npz",
        "000001.replications.npz",
    ]  # no temporary file
    # a kill between writing a unit's files and recording them: --resume takes the files as they are
    write_record(out / MANIFEST, {**m, "done": m["done"][:1]})
    stamps = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in (out / "blocks").glob("??????.npz")}
    r = invoke(*ARGS, "--json", "--out", out, "--resume")
    assert r.stdout == reference[1]
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)
    assert not list((out / "blocks").glob("*.replications.npz"))  # joined, then removed
    for name, stamp in stamps.items():  # never rewritten
        p = out / "blocks" / name
        assert (p.stat().st_mtime_ns, p.stat().st_ino) == stamp, name
    m = read_record(out / MANIFEST)
    assert m["complete"] and len(m["done"]) == 4
    # resuming a finished run runs nothing
    assert run_batch(scenario, SEED, reps=REPS, block_size=BLOCK, out_dir=out, resume=True).units_run == 0


def test_ctrl_c_then_resume(reference, tmp_path):
    """SIGINT to `drawdown run --workers 2` once a unit is recorded: it stops, says how to
    finish, and --resume gives the uninterrupted run's files."""
    import time

    out = tmp_path / "run"
    proc = cli_process(*ARGS, "--workers", 2, "--out", out, env_extra={"PYTHONFAULTHANDLER": "1"})
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if read_record(out / MANIFEST)["done"]:
                    break
            except (ResultError, KeyError):
                pass
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: the stacks of every thread
            _, err = proc.communicate(timeout=60)
            pytest.fail(f"drawdown run did not stop after SIGINT:\n{err[-8000:]}")
    finally:
        proc.kill()
    m = read_record(out / MANIFEST)
    if m["complete"]:
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, err  # 128 + SIGINT
    assert "interrupted: the finished units are kept in" in err and "--resume" in err
    assert "Traceback" not in err
    assert not [p.name for p in (out / "blocks").iterdir() if p.name.startswith(".")]  # no temporary file
    r = invoke(*ARGS, "--json", "--out", out, "--resume")
    assert r.stdout == reference[1]
    assert_same_files(reference[0], out, RUN_TEXT, RUN_ARRAYS)


def test_resume_takes_the_run_from_the_manifest(reference, tmp_path):
    out = tmp_path / "run"
    invoke(*ARGS, "--out", out)
    r = invoke("run", "--out", out, "--resume", "--json", "--quiet")  # scenario, seed, reps from the manifest
    assert r.stdout == reference[1]


def test_resume_refuses_another_run(scenario, tmp_path):
    out = tmp_path / "run"
    run_batch(scenario, SEED, reps=200, block_size=BLOCK, out_dir=out, plots=False)
    r = fails(*ARGS, "--out", out)  # not without --resume
    # The library says resume=True (tests/test_fold.py); the command line says its flag.
    assert "already holds a run" in r.stderr and "--resume" in r.stderr
    r = fails("run", SCENARIO, "--reps", 200, "--block-size", BLOCK, "--seed", SEED + 1, "--out", out, "--resume")
    assert "seed: 5 recorded, 6 asked for" in r.stderr
    r = fails("run", "announced-2021-09-11", "--out", out, "--resume")
    assert "scenario:" in r.stderr
    # a manifest made under other versions
    m = read_record(out / MANIFEST)
    m["environment"]["numpy_version"] = "0.0.1"
    write_record(out / MANIFEST, m)
    r = fails("run", "--out", out, "--resume")
    assert "numpy_version '0.0.1'" in r.stderr and "never mixed" in r.stderr


def test_damaged_unit_file_is_reported_not_merged(scenario, tmp_path):
    out = tmp_path / "run"
    run_batch(scenario, SEED, reps=200, block_size=BLOCK, out_dir=out, plots=False)
    unit = out / "blocks" / "000000.npz"
    data = unit.read_bytes()
    unit.write_bytes(data[: len(data) // 2])  # truncated
    r = fails("run", "--out", out, "--resume")
    assert f"{unit}: truncated" in r.stderr
    unit.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])  # one bit flipped
    r = fails("run", "--out", out, "--resume")
    assert f"{unit}: checksum mismatch" in r.stderr
    manifest = out / MANIFEST
    text = manifest.read_text()
    manifest.write_text(text.replace('"complete": true', '"complete": false'))
    r = fails("run", "--out", out, "--resume")
    assert f"{manifest}: checksum mismatch" in r.stderr
    # deleting a damaged unit has --resume compute it again
    manifest.write_text(text)
    unit.unlink()
    assert run_batch(scenario, SEED, reps=200, block_size=BLOCK, out_dir=out, resume=True, plots=False).units_run == 1
    assert Summary.from_npz(out / "summary.npz") == summarize(scenario, 200, seed=SEED, block_size=BLOCK)


def test_precision_runs_decide_in_block_order(tmp_path):
    from drawdown.batch import run_to_precision

    s = drawdown.load("announced-2021-09-11")
    want = run_to_precision(s, SEED, 0.02, block_size=50, max_reps=1000)
    with ProcessPool(2) as ex:
        got = run_batch(
            s, SEED, precision=0.02, max_reps=1000, block_size=50, out_dir=tmp_path / "p", executor=ex, plots=False
        )
    assert got.summary == want and got.precision["met"]
    assert read_record(tmp_path / "p" / MANIFEST)["blocks_merged"] == len(want.blocks)


# -- shards and merge --------------------------------------------------------------------------------
def test_shard_parsing():
    assert Shard.parse(" 3 / 8 ") == Shard(3, 8)
    for bad in ("0/4", "5/4", "x/4", "3", "1/0"):
        with pytest.raises(DrawdownError):
            Shard.parse(bad)
    r = fails(*ARGS, "--shard", "5/4", "--out", "x")
    assert "--shard" in r.stderr
    r = fails("run", SCENARIO, "--shard", "1/4", "--out", "x")
    assert "--shard needs --seed" in r.stderr


def _broken(sharded, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(sharded, out)
    return out, out / "shards"


def _merge_fails(out, *needles):
    r = fails("merge", out)
    for n in needles:
        assert n in r.stderr, r.stderr
    assert not (out / "summary.json").exists() and not (out / MANIFEST).exists()


def test_merge_refuses_a_truncated_or_corrupt_shard(sharded, tmp_path):
    out, sdir = _broken(sharded, tmp_path)
    npz = sdir / "shard-0002-of-0004.npz"
    data = npz.read_bytes()
    npz.write_bytes(data[:-10])
    _merge_fails(out, str(npz), "shard 2/4", "corrupt")
    npz.write_bytes(data[:200] + bytes([data[200] ^ 0x40]) + data[201:])
    _merge_fails(out, str(npz), "corrupt")
    npz.write_bytes(data)
    rec = sdir / "shard-0003-of-0004.json"
    rec.write_text(rec.read_text()[:-30])
    _merge_fails(out, str(rec), "truncated or corrupt")


def test_merge_refuses_missing_duplicate_and_unfinished_shards(sharded, tmp_path):
    out, sdir = _broken(sharded, tmp_path)
    (sdir / "shard-0003-of-0004.json").unlink()
    _merge_fails(out, "missing shard 3/4", "shard-0003-of-0004.json")
    shutil.copy(sharded / "shards" / "shard-0003-of-0004.json", sdir / "shard-0003-of-0004.json")
    shutil.copy(sdir / "shard-0001-of-0004.json", sdir / "shard-1-of-4.json")
    _merge_fails(out, "shard 1 is present twice", "shard-1-of-4.json")
    (sdir / "shard-1-of-4.json").unlink()
    rec = read_record(sdir / "shard-0004-of-0004.json")
    write_record(sdir / "shard-0004-of-0004.json", {**rec, "complete": False})
    _merge_fails(out, "shard 4/4 is not finished", "--shard 4/4 --resume")  # the library: shard='4/4', resume=True
    write_record(sdir / "shard-0004-of-0004.json", rec)
    other = read_record(sdir / "shard-0001-of-0004.json")
    write_record(sdir / "shard-0001-of-0005.json", {**other, "shard": {"index": 1, "count": 5}})
    _merge_fails(out, "different shard counts", "shard-0001-of-0005.json")


def test_merge_refuses_shards_of_other_versions_or_runs(sharded, tmp_path):
    out, sdir = _broken(sharded, tmp_path)
    path = sdir / "shard-0003-of-0004.json"
    rec = read_record(path)
    write_record(path, {**rec, "environment": {**rec["environment"], "simd": "baseline:;dispatch:"}})
    _merge_fails(out, str(path), "shard 3/4 was made with other versions", "simd")
    write_record(path, {**rec, "environment": {**rec["environment"], "numpy_version": "1.0"}})
    _merge_fails(out, "numpy_version")
    write_record(path, {**rec, "seed": 99})
    _merge_fails(out, str(path), "another run", "seed")
    write_record(path, rec)
    unit = out / "blocks" / "000002.replications.npz"  # shard 3's per-replication outcomes
    unit.write_bytes(unit.read_bytes()[:-5])
    r = fails("merge", out)
    assert str(unit) in r.stderr


def test_shards_and_unsharded_runs_do_not_mix(sharded, tmp_path, scenario):
    out, _ = _broken(sharded, tmp_path)
    r = fails(*ARGS, "--out", out)
    assert "holds shards" in r.stderr and "drawdown merge" in r.stderr  # the library: merge_dir(...)
    r = fails(*ARGS, "--out", out, "--shard", "2/4")  # the shard is done: only with --resume
    assert "already holds a run" in r.stderr
    r = invoke(*[a for a in ARGS if a not in ("-q", "--quiet")], "--out", out, "--shard", "2/4", "--resume")
    assert "wrote" in r.stdout  # not --quiet: the files written are chatter
    with pytest.raises(ResultError, match="no shard files"):
        merge_dir(tmp_path)


def test_more_shards_than_blocks(tmp_path, scenario):
    out = tmp_path / "run"
    for i in range(1, 7):
        invoke(
            "run",
            SCENARIO,
            "--reps",
            200,
            "--block-size",
            BLOCK,
            "--seed",
            SEED,
            "--quiet",
            "--shard",
            f"{i}/6",
            "--out",
            out,
        )
    invoke("merge", out, "--no-plots")
    assert Summary.from_npz(out / "summary.npz") == summarize(scenario, 200, seed=SEED, block_size=BLOCK)


# -- executors' options -------------------------------------------------------------------------------
def test_one_executor_at_a_time():
    r = fails(*ARGS, "--workers", 2, "--dask-local", 2)
    assert "--workers" in r.stderr and "--dask-local" in r.stderr and "not several" in r.stderr
    with pytest.raises(DrawdownError, match="at most one"):
        make_executor(workers=2, scheduler="tcp://127.0.0.1:1")


def test_dask_options_without_dask_say_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(DrawdownError, match=r"pip install 'drawdown\[cluster\]'"):
        DaskExecutor(local_workers=1)
    for opt in (("--dask-local", 2), ("--scheduler", "tcp://127.0.0.1:8786")):
        r = fails(*ARGS, *opt)
        assert "pip install 'drawdown[cluster]'" in r.stderr
    r = fails("sweep", "deadline-and-threat", "--out", tmp_path / "sweep", "--dask-local", 1)
    assert "pip install 'drawdown[cluster]'" in r.stderr
    r = fails(*ARGS, "--out", tmp_path / "run", "--dask-local", 1)
    assert not (tmp_path / "sweep").exists() and not (tmp_path / "run").exists()  # nothing written


# -- Dask ------------------------------------------------------------------------------------------------
@needs_dask
def test_dask_worker_killed_during_a_run(scenario, tmp_path):
    """SIGKILL a worker that is running a unit: Dask runs it again elsewhere, same bits."""
    import psutil

    whole = summarize(scenario, 800, seed=SEED, block_size=BLOCK)
    killed = []
    with DaskExecutor(local_workers=2) as ex:
        assert ex.cluster.scheduler_address.startswith("tls://127.0.0.1:")  # TLS: tests/test_runtime.py
        pids = ex.worker_pids()
        assert len(pids) == 2 and all(a.startswith("tls://127.0.0.1:") for a in pids)
        batch = RunBatch(
            scenario, SEED, reps=800, block_size=BLOCK, out_dir=tmp_path / "run", parallelism=2, plots=False
        )
        assert len(batch.units) == 4

        def kill_a_busy_worker(_):
            if killed:
                return
            processing = ex.client.processing()
            busy = [w for w, keys in processing.items() if keys] or list(processing)
            pid = ex.worker_pids()[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        result = batch.run(ex, progress=kill_a_busy_worker)
        assert result.summary == whole
        assert killed and killed[0] not in ex.worker_pids().values()
        workers = [psutil.Process(p) for p in ex.worker_pids().values()]
    assert Summary.from_npz(tmp_path / "run" / "summary.npz") == whole
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, "the local cluster's workers outlived close()"


@needs_dask
def test_dask_local_listens_on_loopback_only_and_is_closed_after_an_error(scenario):
    import psutil

    me = psutil.Process()
    with pytest.raises(ZeroDivisionError):
        with DaskExecutor(local_workers=1) as ex:
            procs = [me, *me.children(recursive=True)]  # the scheduler runs here; nannies and workers below
            workers = [psutil.Process(p) for p in ex.worker_pids().values()]
            listening = [c.laddr for p in procs for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
            assert listening and all(a.ip == "127.0.0.1" for a in listening), listening
            raise ZeroDivisionError("an error while the cluster runs")
    assert ex.client is None and ex.cluster is None
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive


def _distributed_log_level() -> int:
    import logging

    return logging.getLogger("distributed").getEffectiveLevel()


@needs_dask
def test_dask_local_workers_keep_their_logs_to_themselves():
    """A worker racing the closing scheduler logs its heartbeat traceback at ERROR level, after
    the command's last line (seen once in CI on SIGTERM); the workers log nothing below CRITICAL."""
    import logging

    with DaskExecutor(local_workers=1) as ex:
        levels = ex.client.run(_distributed_log_level)
    assert levels and set(levels.values()) == {logging.CRITICAL}, levels
