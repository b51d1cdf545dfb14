"""``drawdown run`` and ``drawdown trace`` through click's test runner."""

from __future__ import annotations

import json

import drawdown
import numpy as np
import pytest
from cli_helpers import make_runner
from click.testing import CliRunner
from drawdown.cli.main import main
from drawdown.engines import OUTCOME_DTYPES, outcome_dtypes, run_simpy
from drawdown.results import read_replications, write_replications


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result


def test_run_simpy_prints_a_summary(runner):
    r = invoke(runner, "run", "announced-2021-09-11", "--engine", "simpy", "--reps", "5", "--seed", "3", "--quiet")
    assert r.exit_code == 0, r.output
    out = r.output
    s = drawdown.load("announced-2021-09-11")
    assert "announced-2021-09-11" in out and s.hash[:12] in out
    assert "engine simpy" in out and "seed 3" in out and "5 replications" in out
    assert "decision      median 2021-04-14 (day 58)" in out  # the fixed order
    assert "final exit" in out and "5%:" in out and "95%:" in out
    assert "out by 2021-09-11" in out and "P = " in out
    assert "casualties" in out and "censored      0 of 5" in out


def test_run_without_seed_prints_a_fresh_one(runner):
    r = invoke(runner, "run", "announced-2021-09-11", "--engine", "simpy", "--reps", "2", "--quiet")
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("run "))
    seed = int(line.split("seed ")[1].split()[0])
    assert seed > 0 and "fresh seed" in line


def test_run_conditions_based_has_no_deadline_probability(runner):
    r = invoke(runner, "run", "conditions-based", "--engine", "simpy", "--reps", "3", "--seed", "1", "--quiet")
    assert r.exit_code == 0, r.output
    assert "not applicable" in r.output


def test_run_unknown_scenario_is_an_error(runner):
    r = runner.invoke(main, ["run", "no-such-scenario", "--engine", "simpy", "--reps", "1", "--seed", "1"])
    assert r.exit_code == 2
    assert "no such scenario" in r.output
    assert "Traceback" not in r.output


def test_run_out_writes_npz(runner, tmp_path):
    out_dir = tmp_path / "results" / "doha"
    r = invoke(
        runner,
        "run",
        "doha-2021-05-01",
        "--engine",
        "simpy",
        "--reps",
        "4",
        "--seed",
        "7",
        "--out",
        str(out_dir),
    )
    assert r.exit_code == 0, r.output
    path = out_dir / "replications.npz"
    assert path.is_file() and f"wrote {path}" in r.output  # not --quiet: the files it wrote
    # issue 5: --out writes the summary, CSV files and plots too; no temporary file left
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        [
            "replications.npz",
            "summary.json",
            "summary.npz",
            "contingents.csv",
            "daily.csv",
            "drawdown.png",
            "exit-dates.png",
            "contingents.png",
            "casualties.png",
            "manifest.json",
            "blocks",
        ]
    )  # manifest, blocks/: issue 6
    s = drawdown.load("doha-2021-05-01")
    C, N = len(s.contingents), len(s.bases)
    dtypes = outcome_dtypes(s)  # v1's outcomes, and killed and wounded: doha splits casualties
    assert set(dtypes) == {*OUTCOME_DTYPES, "killed", "wounded"}
    with np.load(path, allow_pickle=False) as data:
        for k, dtype in dtypes.items():
            assert data[k].dtype == dtype, k
        shapes = {"exit_day": (4, C), "base_closed_day": (4, N)}
        for k in dtypes:
            assert data[k].shape == shapes.get(k, (4,)), k
        assert str(data["scenario_hash"]) == s.hash
        assert str(data["seed"]) == "7"
        assert str(data["engine"]) == "simpy"
        assert str(data["version"]) == drawdown.__version__
        assert data["seed"].dtype.kind == "U"
        expected = run_simpy(s, 4, 7)
        for k in dtypes:
            assert np.array_equal(data[k], getattr(expected, k)), k
    arrays, meta = read_replications(path)
    assert set(arrays) == set(dtypes)
    assert meta["engine"] == "simpy" and meta["scenario"] == "doha-2021-05-01"


def test_write_replications_keeps_huge_seeds_and_refuses_clashes(tmp_path):
    s = drawdown.load("announced-2021-09-11")
    out = run_simpy(s, 2, 1)
    seed = 2**127 + 12345
    path = write_replications(tmp_path / "r.npz", out, meta={"seed": seed, "engine": "simpy"})
    _, meta = read_replications(path)
    assert int(meta["seed"]) == seed
    with pytest.raises(ValueError):
        write_replications(tmp_path / "r.npz", out, meta={"censored": "x"})


def test_run_progress_goes_to_stderr_on_a_terminal_only(monkeypatch):
    runner = make_runner()
    args = ["run", "announced-2021-09-11", "--engine", "simpy", "--reps", "2", "--seed", "1"]
    r = runner.invoke(main, args)
    assert r.exit_code == 0
    assert "scenario" in r.stdout
    assert r.stderr == ""  # not a terminal: no progress, not even the bar's label (issue 14)
    monkeypatch.setattr("drawdown.cli.options._isatty", lambda stream: True)  # as on a terminal
    t = runner.invoke(main, args)
    assert t.exit_code == 0 and t.stdout == r.stdout
    assert "simpy: announced-2021-09-11" in t.stderr
    assert "simpy: announced-2021-09-11" not in t.stdout
    q = runner.invoke(main, [*args, "--quiet"])  # --quiet: no bar on a terminal either
    assert q.exit_code == 0 and q.stderr == "" and q.stdout == r.stdout


@pytest.mark.parametrize("name", drawdown.list_scenarios())
def test_trace_runs_on_every_shipped_scenario(runner, name):
    r = invoke(runner, "trace", name, "--seed", "1", "--replication", "2")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith(f"# {name}")
    body = lines[1:]
    assert body and all(len(x) > 12 and x[4] == "-" and x[10:12] == "  " for x in body)
    assert any("withdrawal ordered" in x for x in body) or any("no order" in x for x in body)

    r = invoke(runner, "trace", name, "--seed", "1", "--replication", "2", "--json")
    assert r.exit_code == 0
    events = [json.loads(x) for x in r.output.splitlines()]
    assert len(events) == len(body)
    assert all({"day", "date", "kind", "text"} <= set(e) for e in events)
    kinds = {e["kind"] for e in events}
    assert "exit" in kinds or "censored" in kinds
    if "censored" not in kinds:
        assert "decision" in kinds and "end" in kinds
        exits = [e for e in events if e["kind"] == "exit"]
        assert len(exits) == len(drawdown.load(name).contingents)
    assert [e["day"] for e in events] == sorted(e["day"] for e in events)


def test_trace_agrees_with_run(runner):
    # Replication 1001 is row 1 of block 1 (blocks of 1,000): the trace draws only that
    # block's first rows, and tells the story run_simpy computes for it.
    s = drawdown.load("announced-2021-09-11")
    block1 = run_simpy(s, 2, 4, first_block=1)
    r = invoke(runner, "trace", "announced-2021-09-11", "--seed", "4", "--replication", "1001", "--json")
    events = [json.loads(x) for x in r.output.splitlines()]
    exits = {e["contingent"]: e["day"] for e in events if e["kind"] == "exit"}
    assert [exits[c.id] for c in s.contingents] == block1.exit_day[1].tolist()


def test_trace_needs_a_seed(runner):
    r = runner.invoke(main, ["trace", "doha-2021-05-01"])
    assert r.exit_code == 2
    assert "--seed" in r.output


# -- the command line says its flags (issue 12) ------------------------------------------------------
def test_run_flag_errors_name_the_flags(tmp_path):
    runner = make_runner()

    def fails(*args):
        r = runner.invoke(main, [str(a) for a in args], prog_name="drawdown")
        assert r.exit_code == 2, (r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr
        return r.stderr

    args = ("run", "announced-2021-09-11", "--reps", "10", "--seed", "1", "--quiet")
    assert "'--workers'" in fails(*args, "--workers", 0)  # click's own range check
    assert "'--dask-local'" in fails(*args, "--dask-local", 0)
    err = fails(*args, "--shard", "5/4", "--out", tmp_path / "s")
    assert "'--shard'" in err and "expected I/N with 1 <= I <= N" in err and "--shard 5/4:" not in err
    err = fails(*args, "--shard", "x", "--out", tmp_path / "s")
    assert "'--shard'" in err and "expected I/N" in err and "'x':" not in err
    err = fails(
        "run",
        "announced-2021-09-11",
        "--seed",
        "1",
        "--precision",
        "0.01",
        "--shard",
        "1/2",
        "--out",
        tmp_path / "p",
        "--quiet",
    )
    assert "--precision" in err and "cannot be split into shards; give --reps" in err
    assert "--resume needs --out DIR" in fails(*args, "--resume")
    assert not (tmp_path / "s").exists() and not (tmp_path / "p").exists()


def test_dask_flags_without_dask_name_the_flag(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    runner = make_runner()
    for flag, value in (("--dask-local", "2"), ("--scheduler", "tcp://127.0.0.1:8786")):
        r = runner.invoke(
            main,
            ["run", "announced-2021-09-11", "--reps", "10", "--seed", "1", "--out", str(tmp_path / "run"), flag, value],
            prog_name="drawdown",
        )
        assert r.exit_code == 2, (r.stdout, r.stderr)
        assert f"{flag} needs Dask's distributed scheduler" in r.stderr
        assert "pip install 'drawdown[cluster]'" in r.stderr
    assert not (tmp_path / "run").exists()


def test_show_prints_every_section():
    from drawdown.cli.show import render

    s = drawdown.load("conditions-based")
    text = render(s)
    r = make_runner().invoke(main, ["show", "conditions-based"])
    assert r.exit_code == 0 and r.stdout == text + "\n"
    heads = [x.split(" [")[0] for x in text.splitlines() if x and not x.startswith(" ")]
    assert heads[:1] == [f"{s.name}: {s.description}"]
    for head in (
        "Calendar",
        "Decision",
        "Conditions",
        "Threat",
        "Enablers",
        "Bases",
        "Contingents (in scenario order; days as min/mode/max)",
        "Sources (figures from a published source)",
        "Assumptions (planning figures, not sourced)",
    ):
        assert head in heads, heads
    assert "  special meeting  yes, " in text and f"  hash     {s.hash}" in text.splitlines()
    assert "Warnings" not in heads
    doha = drawdown.load("doha-2021-05-01")
    late = doha.replace(
        {"decision.meetings": [*(doha.date_of(d).isoformat() for d in doha.decision.meeting_days), "2030-01-01"]}
    )
    lines = render(late).splitlines()
    assert lines[-2:] == ["Warnings", f"  {late.warnings[0]}"] and "after the horizon" in lines[-1]


def test_the_network_trace_tells_a_road_move_and_an_enabler_hold():
    out = CliRunner().invoke(main, ["trace", "consolidation", "--seed", "1"]).output
    assert "US@Laghman: moved by road to Bagram (1 day)" in out
    assert (
        "rear guard of US@Kandahar held at Bagram: as an enabler it waits for the dependants "
        "who count at Bagram or still have to pass it"
    ) in out
    assert "flight of 232 Romania troops leaves Kandahar for Bagram (1 day, arriving 2021-" in out
