"""The breakdown folded in the run's own pass (``drawdown run --by``, ``run(..., by=...)``).

Every folded breakdown is compared with the second pass it replaces
(:func:`drawdown.api.breakdown_of`: the same blocks run again), and every summary and
file with those of the same run without ``by``: folding must change no bit of either.
"""

from __future__ import annotations

import json
from pathlib import Path

import drawdown
import drawdown.api
import numpy as np
import pytest
from click.testing import CliRunner
from drawdown.api import breakdown_of, complete_breakdown
from drawdown.batch import InProcess, ProcessPool, RunBatch, fold_chunks, make_units, run_to_precision, run_unit
from drawdown.cli.main import main as cli
from drawdown.results import Summary
from drawdown.results.breakdown import BreakdownFold

DOHA = "doha-2021-05-01"
NETWORK = str(Path(__file__).parent / "data" / "network-minimal.toml")
#: Three blocks of 50 and 30 replications, given out of block order, two blocks a chunk.
BLOCKS = [(2, 30), (0, 50), (1, 50)]


@pytest.fixture(scope="module", params=[DOHA, NETWORK], ids=["v1", "network"])
def scenario(request):
    return drawdown.load(request.param)


def _no_engine(*args, **kwargs):
    raise AssertionError("the engines ran again")


def _npz_bytes(summary: Summary, path: Path) -> bytes:
    summary.to_npz(path)
    return path.read_bytes()


# -- the fold ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("daily", [True, False], ids=["daily", "plain"])
def test_folded_breakdown_is_the_second_pass_one_numpy(scenario, daily):
    fold = BreakdownFold(daily=daily)
    summary = fold_chunks(scenario, BLOCKS, 3, block_size=50, chunk_blocks=2, breakdown=fold)
    assert fold.total.blocks == ((0, 50), (1, 50), (2, 30)) and fold.total.n == 130
    assert fold.total.has_daily is daily
    assert (fold.total.sums is not None) is (scenario.network is not None)
    assert fold.total == breakdown_of(scenario, summary, daily=daily)


def test_folded_breakdown_is_the_second_pass_one_simpy(scenario):
    blocks = [(1, 4), (0, 6)]
    fold = BreakdownFold(daily=True)
    summary = fold_chunks(scenario, blocks, 8, engine="simpy", block_size=6, breakdown=fold)
    assert fold.total.n == 10 and fold.total.has_daily
    assert fold.total == breakdown_of(scenario, summary, daily=True)
    # the engines agree replication by replication, so the numpy breakdown is the same
    numpy_fold = BreakdownFold(daily=True)
    fold_chunks(scenario, blocks, 8, block_size=6, breakdown=numpy_fold)
    assert numpy_fold.total == fold.total


@pytest.mark.parametrize("engine", ["numpy", "simpy"])
def test_recording_nations_changes_no_bit_of_the_summary(scenario, engine, tmp_path):
    reps = 130 if engine == "numpy" else 10
    blocks = [(0, reps // 2), (1, reps - reps // 2)]
    seen = {"plain": [], "by": []}
    plain = fold_chunks(scenario, blocks, 4, engine=engine, block_size=reps // 2 + 1,
                        on_outcomes=lambda c, o: seen["plain"].append(o))  # fmt: skip
    by = fold_chunks(scenario, blocks, 4, engine=engine, block_size=reps // 2 + 1,
                     on_outcomes=lambda c, o: seen["by"].append(o), breakdown=BreakdownFold(daily=True))  # fmt: skip
    assert by == plain
    assert _npz_bytes(by, tmp_path / "by.npz") == _npz_bytes(plain, tmp_path / "plain.npz")
    # what replications.npz keeps: no per-nation arrays, every other one the same
    got = drawdown.engines.Outcomes.concatenate(seen["by"])
    want = drawdown.engines.Outcomes.concatenate(seen["plain"])
    assert got.nation_troops is None and got.nation_out_t is None and got.nation_gone_t is None
    for name, value in vars(want).items():
        other = getattr(got, name)
        assert (value is None and other is None) or np.array_equal(value, other), name


def test_a_precision_run_folds_the_blocks_it_keeps_only():
    s = drawdown.load(DOHA)
    fold = BreakdownFold(daily=True)
    summary = run_to_precision(s, 1, 0.03, block_size=100, max_reps=2000, breakdown=fold)
    assert 100 < summary.n < 2000  # it stopped before the cap, after more than one block
    assert fold.total.blocks == summary.blocks
    assert fold.total == breakdown_of(s, summary, daily=True)


def test_an_empty_fold_says_so():
    with pytest.raises(drawdown.ResultError, match="no replications were folded into the breakdown"):
        BreakdownFold().result()


# -- units, executors, run directories ---------------------------------------------------------------------------
def test_a_unit_carries_its_breakdown(scenario):
    units = make_units(scenario, 5, [(0, 40), (1, 40), (2, 20)], block_size=40, unit_blocks=2,
                       breakdown=True, record_nations=True)  # fmt: skip
    results = [run_unit(u) for u in reversed(units)]
    merged = drawdown.results.breakdown.Breakdown.merge_all(r.breakdown for r in results)
    summary = Summary.merge_all(r.summary for r in results)
    assert merged == breakdown_of(scenario, summary, daily=True)
    plain = [run_unit(u) for u in make_units(scenario, 5, [(0, 40), (1, 40), (2, 20)], block_size=40, unit_blocks=2)]
    assert all(p.breakdown is None for p in plain)
    assert [p.summary for p in plain] == [r.summary for r in reversed(results)]


def test_worker_processes_fold_the_same_breakdown(scenario):
    with ProcessPool(2) as ex:
        done = RunBatch(scenario, 6, reps=250, block_size=50, parallelism=2, by=["nation", "base"]).run(ex)
    assert len(done.breakdown.blocks) == 5 and not done.breakdown_missing
    assert done.breakdown == breakdown_of(scenario, done.summary, daily=True)
    plain = RunBatch(scenario, 6, reps=250, block_size=50, parallelism=2).run(InProcess())
    assert plain.summary == done.summary and plain.breakdown is None


def test_dask_workers_fold_the_same_breakdown():
    pytest.importorskip("distributed")
    from drawdown.batch import DaskExecutor

    s = drawdown.load(NETWORK)
    with DaskExecutor(local_workers=1) as ex:
        done = RunBatch(s, 6, reps=200, block_size=50, parallelism=2, by=["nation", "leg"]).run(ex)
    assert done.breakdown.n == 200 and not done.breakdown_missing
    assert done.breakdown == breakdown_of(s, done.summary, daily=True)


def test_a_batch_precision_run_folds_the_units_it_merges():
    s = drawdown.load(DOHA)
    done = RunBatch(s, 1, precision=0.03, max_reps=2000, block_size=100, by=["base"]).run(InProcess())
    assert done.summary == run_to_precision(s, 1, 0.03, block_size=100, max_reps=2000)
    assert done.breakdown.blocks == done.summary.blocks and not done.breakdown.has_daily
    assert done.breakdown == breakdown_of(s, done.summary, daily=False)


def test_a_resumed_run_runs_the_units_finished_before_again(scenario, tmp_path):
    out = tmp_path / "run"
    RunBatch(scenario, 7, reps=300, block_size=50, out_dir=out, plots=False).run()
    units = sorted((out / "blocks").glob("[0-9]*.npz"))
    assert len(units) == 2
    units[1].unlink()  # the second unit is computed again when the run resumes, the first is not
    done = RunBatch(scenario, 7, reps=300, block_size=50, out_dir=out, resume=True, plots=False,
                    by=["nation"]).run()  # fmt: skip
    assert done.units_run == 1 and done.breakdown_missing == [(0, 50), (1, 50), (2, 50)]
    assert done.breakdown.blocks == ((3, 50), (4, 50), (5, 50))
    assert complete_breakdown(scenario, done.summary, done) == breakdown_of(scenario, done.summary)


def test_by_needs_the_whole_run(tmp_path):
    with pytest.raises(drawdown.DrawdownError, match="by needs the whole run"):
        RunBatch(drawdown.load(DOHA), 1, reps=100, out_dir=tmp_path, shard="1/2", by=["nation"])
    with pytest.raises(ValueError, match="only a network scenario"):
        RunBatch(drawdown.load(DOHA), 1, reps=100, by=["leg"])


# -- the API --------------------------------------------------------------------------------------------------
def test_result_of_a_run_by_returns_the_folded_breakdown(scenario, monkeypatch):
    r = drawdown.run(scenario, reps=200, seed=9, by=["nation", "base"])
    plain = drawdown.run(scenario, reps=200, seed=9)
    assert r.summary() == plain.summary()
    monkeypatch.setattr(drawdown.api, "run_blocks", _no_engine)
    folded = r.breakdown()
    assert folded.has_daily and r.nations() and r.bases() and r.breakdown(daily=False) is folded
    monkeypatch.undo()
    assert folded == plain.breakdown()  # the second pass, lazily, for a run made without by


def test_a_run_by_base_runs_again_only_for_the_daily_bands(monkeypatch):
    r = drawdown.run(DOHA, reps=100, seed=2, by=["base"])
    monkeypatch.setattr(drawdown.api, "run_blocks", _no_engine)
    assert not r.breakdown(daily=False).has_daily
    with pytest.raises(AssertionError, match="the engines ran again"):
        r.breakdown()  # the per-nation daily bands were not recorded


def test_a_run_by_on_workers_and_in_a_directory_folds_too(monkeypatch, tmp_path):
    r = drawdown.run(DOHA, reps=300, seed=4, workers=2, out_dir=tmp_path / "w", by=["nation"])
    plain = drawdown.run(DOHA, reps=300, seed=4)
    monkeypatch.setattr(drawdown.api, "run_blocks", _no_engine)
    folded = r.breakdown()
    monkeypatch.undo()
    assert folded == plain.breakdown()


def test_a_result_refuses_a_breakdown_of_other_replications():
    s = drawdown.load(DOHA)
    r = drawdown.run(s, reps=100, seed=1, by=["base"])
    with pytest.raises(drawdown.DrawdownError, match="the breakdown is not of the summary's replications"):
        drawdown.api.Result(s, drawdown.run(s, reps=200, seed=1).stats, breakdown=r.breakdown(daily=False))


# -- the command line -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "by", "extra"),
    [(DOHA, "nation,base", []), (NETWORK, "phase,leg", []), (DOHA, "nation", ["--workers", "2"])],
    ids=["v1", "network", "workers"],
)
def test_run_by_runs_once_and_prints_what_the_second_pass_did(name, by, extra, monkeypatch):
    args = ["run", name, "--reps", "300", "--seed", "2", "-q", *extra]
    plain = CliRunner().invoke(cli, [*args, "--json"])
    # the second pass, as before: the plain run's Result broken down again
    s = drawdown.load(name)
    want = drawdown.api.breakdown_of(s, drawdown.run(s, reps=300, seed=2).stats).to_json_dict(s, by.split(","))
    monkeypatch.setattr(drawdown.api, "breakdown_of", _no_engine)
    res = CliRunner().invoke(cli, [*args, "--by", by, "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc.pop("breakdown") == json.loads(json.dumps(want))
    assert doc == json.loads(plain.stdout)


def test_run_by_after_resume_falls_back_to_the_second_pass_for_the_units_done(tmp_path):
    out = str(tmp_path / "run")
    args = ["run", DOHA, "--reps", "600", "--block-size", "200", "--seed", "2", "-q"]
    assert CliRunner().invoke(cli, [*args, "--out", out]).exit_code == 0
    (tmp_path / "run" / "blocks" / "000002.npz").unlink()  # units: blocks 0-1, block 2
    resumed = CliRunner().invoke(cli, ["run", "--out", out, "--resume", "--by", "nation,base", "-q", "--json"])
    direct = CliRunner().invoke(cli, [*args, "--by", "nation,base", "--json"])
    assert resumed.exit_code == 0 and direct.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["breakdown"] == json.loads(direct.stdout)["breakdown"]
