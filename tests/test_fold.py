"""The run-and-fold loop (issue 12): what the user's path keeps, and what its library errors say.

``drawdown run`` goes through :func:`drawdown.batch.fold_chunks`, directly (in this
process) or through units of work and :class:`drawdown.batch.RunBatch`. No chunk of
outcomes may be alive while the next one runs: these tests watch every array the
engines yield (weak references, so holding a view counts too) and fail when one is
still referenced once the next chunk has been computed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import drawdown
import drawdown.batch.fold as fold
import pytest
from drawdown.batch import (
    InProcess,
    ProcessPool,
    RunBatch,
    Shard,
    check_out_dir,
    compare,
    fold_chunks,
    make_executor,
    make_units,
    merge_results,
    read_record,
    read_shard_records,
    run_batch,
    run_to_precision,
    run_unit,
    summarize,
    write_record,
)
from drawdown.errors import DrawdownError, ResultError

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "doha-2021-05-01"
SEED, BLOCK = 3, 50


@pytest.fixture(scope="module")
def scenario():
    return drawdown.load(SCENARIO)


@pytest.fixture
def watch(monkeypatch):
    """Replace the engines' ``run_blocks`` seen by the fold with one that checks, before
    handing out each chunk, that no chunk handed out before is still referenced.

    ``watch.per_replication = True`` also watches the per-replication arrays (which a
    unit that keeps its outcomes holds until it is stored)."""
    real = fold.run_blocks

    class Watch:
        per_replication = False
        chunks = 0
        alive: list = []

        def check(self):
            held = [name for name, ref in self.alive if ref() is not None]
            assert not held, f"still referenced while the next chunk runs: {held}"

    w = Watch()
    w.alive = []

    def run_blocks(*args, **kw):
        for chunk, out in real(*args, **kw):
            w.check()
            w.alive.append((f"chunk {chunk} troops_in_country", weakref.ref(out.troops_in_country)))
            w.alive.append((f"chunk {chunk} retrograde_lifted_t", weakref.ref(out.retrograde_lifted_t)))
            if w.per_replication:
                w.alive.append((f"chunk {chunk} exit_day", weakref.ref(out.exit_day)))
            w.chunks += 1
            yield chunk, out
            del out

    monkeypatch.setattr(fold, "run_blocks", run_blocks)
    return w


# -- nothing of a chunk outlives its fold ------------------------------------------------------------
def test_the_watch_sees_a_chunk_held_too_long(scenario, watch):
    held = []
    with pytest.raises(AssertionError, match="still referenced while the next chunk runs"):
        for _, out in fold.run_blocks(scenario, [(0, BLOCK), (1, BLOCK)], SEED, block_size=BLOCK, chunk_blocks=1):
            held.append(out.troops_in_country[:1])  # a view keeps the whole array
    held.clear()


def test_fold_chunks_holds_no_chunk_while_the_next_runs(scenario, watch):
    seen = []
    total = fold_chunks(
        scenario,
        [(b, BLOCK) for b in range(5)],
        SEED,
        block_size=BLOCK,
        chunk_blocks=2,
        on_outcomes=lambda chunk, out: seen.append(len(out)),
    )
    assert watch.chunks == 3 and seen == [100, 100, 50]
    watch.check()
    assert total == summarize(scenario, 250, SEED, block_size=BLOCK, chunk_blocks=5)


def test_summarize_and_precision_runs_hold_no_chunk(scenario, watch):
    summarize(scenario, 300, SEED, block_size=BLOCK, chunk_blocks=1)
    run_to_precision(scenario, SEED, 0.05, block_size=BLOCK, max_reps=400)
    assert watch.chunks >= 7
    watch.check()


def test_units_and_in_memory_runs_hold_no_chunk(scenario, watch):
    units = make_units(scenario, SEED, [(b, BLOCK) for b in range(4)], block_size=BLOCK, unit_blocks=1)
    with InProcess() as ex:
        merged = merge_results(r for _, r in ex.run(units))
    batch = RunBatch(scenario, SEED, reps=4 * BLOCK, block_size=BLOCK)
    r = batch.run(InProcess())
    assert len(batch.units) == 2 and watch.chunks == 4 + 2
    watch.check()
    assert r.summary == merged == summarize(scenario, 4 * BLOCK, SEED, block_size=BLOCK)


def test_a_run_directory_holds_no_unit_past_its_store(scenario, watch, tmp_path):
    watch.per_replication = True  # its units keep their outcomes for replications.npz
    r = run_batch(scenario, SEED, reps=4 * BLOCK, block_size=BLOCK, out_dir=tmp_path / "run", plots=False)
    assert r.units_run == 2 and watch.chunks == 2
    watch.check()
    assert r.summary == summarize(scenario, 4 * BLOCK, SEED, block_size=BLOCK)


def test_compare_holds_no_chunk(scenario, watch):
    other = drawdown.load("announced-2021-09-11")
    c = compare([scenario, other], 3 * BLOCK, SEED, block_size=BLOCK, group_blocks=1)
    assert watch.chunks == 6
    watch.check()
    assert c.summaries[0] == summarize(scenario, 3 * BLOCK, SEED, block_size=BLOCK)


def test_the_fold_does_not_depend_on_chunks_or_units(scenario):
    want = summarize(scenario, 7 * BLOCK - 20, SEED, block_size=BLOCK)
    for k in (1, 3, 32):
        assert summarize(scenario, 7 * BLOCK - 20, SEED, block_size=BLOCK, chunk_blocks=k) == want
    units = make_units(
        scenario,
        SEED,
        [(b, BLOCK) for b in range(6)] + [(6, BLOCK - 20)],
        block_size=BLOCK,
        unit_blocks=3,
        keep_outcomes=True,
    )
    results = [run_unit(u) for u in reversed(units)]
    assert merge_results(results) == want
    assert [len(r.outcomes) for r in results] == [BLOCK - 20, 3 * BLOCK, 3 * BLOCK]
    assert all(r.outcomes.troops_in_country is None for r in results)


def test_fold_chunks_refuses_nothing_to_run(scenario):
    with pytest.raises(ValueError, match="nothing to run"):
        fold_chunks(scenario, [], SEED)
    with pytest.raises(ValueError, match="engine"):
        fold_chunks(scenario, [(0, 10)], SEED, engine="fortran")


# -- the library's errors speak of parameters, not of command-line flags ------------------------------
def test_library_errors_name_parameters(scenario, tmp_path):
    with pytest.raises(DrawdownError, match="^workers must be at least 1, got 0$"):
        ProcessPool(0)
    with pytest.raises(DrawdownError, match="^give at most one of workers, scheduler$"):
        make_executor(workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(DrawdownError, match="^resume needs out_dir"):
        RunBatch(scenario, SEED, reps=10, resume=True)
    with pytest.raises(DrawdownError, match="^shard needs out_dir"):
        RunBatch(scenario, SEED, reps=10, shard="1/2")
    with pytest.raises(DrawdownError, match="cannot be split into shards; give reps$"):
        RunBatch(scenario, SEED, precision=0.01, shard="1/2", out_dir=tmp_path / "p")
    with pytest.raises(DrawdownError, match="^shard 5/4: expected I/N"):
        Shard.parse("5/4")
    with pytest.raises(DrawdownError, match="^shard 'x/4': expected I/N"):
        Shard.parse("x/4")
    out = tmp_path / "run"
    run_batch(scenario, SEED, reps=2 * BLOCK, block_size=BLOCK, out_dir=out, plots=False)
    with pytest.raises(
        DrawdownError,
        match=r"already holds a run \(manifest.json\); resume=True finishes it, "
        "or give another out_dir",
    ):
        RunBatch(scenario, SEED, reps=2 * BLOCK, block_size=BLOCK, out_dir=out)
    with pytest.raises(ResultError, match="resume=True continues the same run, but this one differs: seed"):
        RunBatch(scenario, SEED + 1, reps=2 * BLOCK, block_size=BLOCK, out_dir=out, resume=True)
    with pytest.raises(DrawdownError, match="give the shards another out_dir"):
        check_out_dir(out, out / "shards" / "shard-0001-of-0002.json", kind="run", sharded=True, resume=False)


def test_unfinished_and_stray_shards_say_what_to_call(scenario, tmp_path):
    out = tmp_path / "run"
    run_batch(scenario, SEED, reps=2 * BLOCK, block_size=BLOCK, out_dir=out, shard="1/2", plots=False)
    with pytest.raises(
        DrawdownError,
        match=r"holds shards of a run: run the other shards \(shard='I/N'\), "
        r"or join them with merge_dir\(",
    ):
        RunBatch(scenario, SEED, reps=2 * BLOCK, block_size=BLOCK, out_dir=out)
    run_batch(scenario, SEED, reps=2 * BLOCK, block_size=BLOCK, out_dir=out, shard="2/2", plots=False)
    path = out / "shards" / "shard-0002-of-0002.json"
    write_record(path, {**read_record(path), "complete": False})
    with pytest.raises(
        ResultError,
        match=r"shard 2/2 is not finished \(run it again with shard='2/2', "
        r"resume=True\)",
    ):
        read_shard_records(out, "run")


MODULES = ["executors", "rundir", "fold", "compare", "merge", "__init__"]


def _message_strings(path: Path) -> list[tuple[int, str]]:
    """The text of every string in a ``raise`` statement of ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    found.append((sub.lineno, sub.value))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_error_message_names_a_flag(module):
    """The command line maps the library's parameter names to its flags; the library never names a flag."""
    import re

    path = ROOT / "sim" / "batch" / f"{module}.py"
    flags = [(line, text) for line, text in _message_strings(path) if re.search(r"(^|\W)--[a-z]", text)]
    assert not flags, f"{path.name}: error messages naming flags: {flags}"


# -- the benchmark of the user's path ----------------------------------------------------------------------
@pytest.mark.skipif(not (ROOT / "benchmarks" / "run_path.py").exists(), reason="no benchmarks/ here")
def test_run_path_benchmark_runs_quickly_and_writes_its_json(tmp_path):
    out = tmp_path / "run_path.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run_path.py"),
            "--quick",
            "--reps",
            "300",
            "--memory-reps",
            "300",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True and data["reps"] == 300 and len(data["rounds"]) == 1
    for key in (
        "api_over_engine_plus_histograms_cpu",
        "cli_over_engine_daily_plus_histograms_wall",
        "batch_over_engine_plus_histograms_wall",
    ):
        assert set(data[key]) == {"min", "median", "max"} and data[key]["median"] > 0, key
    assert set(data["memory"]) == {"summarize", "cli", "batch"}
    assert data["peak_cli_over_summarize"] > 0
