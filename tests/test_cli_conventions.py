"""The command line's conventions (issue 14): completion, ``--quiet``, stderr, Ctrl-C, ``--name``, start-up.

* every scenario argument completes in the shell: the shipped names, the overlays in
  their folders, and the part after the last ``+`` of a composition;
* ``--quiet`` means one thing: no progress and no chatter (``wrote FILE``, ``resuming``,
  hints); the results are still printed on stdout;
* stderr carries only progress (on a terminal), warnings and errors;
* SIGINT stops ``run`` and ``sweep`` with exit status 130 and the ``--resume`` hint;
* ``run --name`` names the run's scenario in every output;
* ``drawdown --help``, every ``COMMAND --help``, ``drawdown list``, completion and a
  refused ``run`` import neither numpy, scipy, matplotlib nor simpy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import drawdown
import numpy as np
import pytest
from cli_helpers import invoke, make_runner
from drawdown.batch import read_record
from drawdown.cli.main import COMMANDS, main
from drawdown.cli.options import QUIET_HELP

ROOT = Path(__file__).resolve().parent.parent
DOHA = "doha-2021-05-01"


@pytest.fixture(autouse=True)
def no_plots(monkeypatch):
    """Run directories without their plots (seconds each on a busy machine; tests/test_cli_analyst.py draws them)."""
    monkeypatch.setattr("drawdown.report.directory.write_plots", lambda *a, **k: [])


# -- completion -------------------------------------------------------------------------------------
def complete(*words: str) -> list[tuple[str, str]]:
    """What bash completion offers for the last of ``drawdown WORDS...`` ('' for a new word)."""
    env = {
        "_DRAWDOWN_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(("drawdown", *words)),
        "COMP_CWORD": str(len(words)),
    }
    r = make_runner().invoke(main, [], env=env, prog_name="drawdown")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return [tuple(line.split(",", 1)) for line in r.stdout.splitlines()]  # type: ignore[misc]


def test_completion_of_show_lists_every_scenario_name():
    from drawdown.scenario import scenario_names

    offered = complete("show", "")
    assert offered == [("plain", name) for name in scenario_names("")]
    assert [v for _, v in offered[: len(drawdown.list_scenarios())]] == drawdown.list_scenarios()  # full ones first
    assert ("plain", "deadline-2021-09-11") in offered  # then the overlays
    assert complete("show", "doha") == [("plain", DOHA)]
    assert complete("show", "./my") == [("file", "./my")]  # a path: the shell's file completion
    assert complete("show", "zzz") == [("file", "zzz")]  # no name: perhaps a file of the user's


@pytest.mark.parametrize("command", ["run", "show", "trace", "compare"])
def test_every_scenario_argument_completes_and_so_do_compositions(command):
    assert ("plain", DOHA) in complete(command, "do")
    assert complete(command, "base-force-2021-02+deadline-2021-0") == [
        ("plain", "base-force-2021-02+deadline-2021-05-01"),
        ("plain", "base-force-2021-02+deadline-2021-09-11"),
    ]
    assert complete(command, "a+b+escal") == [("plain", "a+b+escalating-attacks")]  # after the last +: overlays
    assert complete(command, "x+./my") == [("file", "x+./my")]


def test_overlays_in_their_folders_complete_beside_the_scenarios():
    from drawdown.scenario import OVERLAY_FOLDERS, scenario_dir

    names = [v for _, v in complete("run", "")]
    for folder in OVERLAY_FOLDERS:
        stems = [p.stem for p in (scenario_dir() / folder).glob("*.toml")]
        assert stems and all(stem in names and f"{folder}/{stem}" in names for stem in stems), folder
    assert not any(p.stem in names for p in (scenario_dir() / "sweeps").glob("*.toml"))  # specs are no scenarios
    assert complete("compare", "threats/") == [("plain", "threats/escalating-attacks")]


def test_a_sweep_spec_and_directories_complete():
    assert complete("sweep", "dead") == [("plain", "deadline-and-threat")]
    assert complete("merge", "res") == [("dir", "res")]  # a directory: the shell's directory completion
    assert complete("run", DOHA, "--out", "res") == [("dir", "res")]


# -- --quiet and stderr -----------------------------------------------------------------------------
def test_every_quiet_flag_says_the_same():
    ctx = main.make_context("drawdown", ["list"])
    helps = {}
    for name in COMMANDS:
        cmd = main.get_command(ctx, name)
        for p in cmd.params:
            if p.name == "quiet":
                helps[name] = (tuple(p.opts), p.help)
    assert {"run", "sweep", "merge", "compare", "plot"} <= set(helps)
    assert set(helps.values()) == {(("--quiet", "-q"), QUIET_HELP)}, helps


def test_quiet_keeps_the_results_and_drops_the_chatter(tmp_path):
    args = ("run", DOHA, "--reps", 60, "--seed", 3)
    loud = invoke(*args, "--out", tmp_path / "a")
    warnings = loud.stderr
    assert all(line.startswith("warning: ") for line in warnings.splitlines())  # not a terminal: no progress
    table, _, tail = loud.stdout.partition("\nwrote ")
    assert f"{tmp_path / 'a' / 'summary.json'}" in tail  # chatter: the files written
    quiet = invoke(*args, "--out", tmp_path / "b", "--quiet")
    assert quiet.stderr == warnings and "wrote" not in quiet.stdout  # --quiet keeps the warnings
    assert quiet.stdout.replace(str(tmp_path / "b"), "D") == (table + "\n").replace(str(tmp_path / "a"), "D")
    as_json = invoke(*args, "--out", tmp_path / "c", "--json")  # --json: the document alone on stdout
    assert as_json.stderr == warnings and json.loads(as_json.stdout)["replications"] == 60


def test_merge_prints_what_it_merged_and_quiet_drops_the_file_list(tmp_path):
    out = tmp_path / "run"
    for i in (1, 2):
        r = invoke("run", DOHA, "--reps", 40, "--block-size", 20, "--seed", 2, "--out", out, "--shard", f"{i}/2")
        assert f"shard {i}/2: blocks" in r.stdout and f"when every shard is done: drawdown merge {out}" in r.stdout
    q = invoke(
        "run", DOHA, "--reps", 40, "--block-size", 20, "--seed", 2, "--out", out, "--shard", "2/2", "--resume", "-q"
    )
    assert q.stdout.splitlines() == ["shard 2/2: blocks 1..1, 20 replications"] and q.stderr == ""
    m = invoke("merge", out, "--no-plots", "--quiet")
    assert m.stdout == f"merged 2 blocks (40 replications) of {DOHA}\n" and m.stderr == ""


def test_stderr_holds_only_warnings_off_a_terminal(tmp_path):
    r = invoke("run", "conditions-based", "--reps", 30, "--seed", 1, "--out", tmp_path / "run")
    assert r.stderr and all(line.startswith("warning: ") for line in r.stderr.splitlines()), r.stderr
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP_SPEC)
    s = invoke("sweep", spec, "--out", tmp_path / "sweep")
    assert s.stderr == "" and "wrote" in s.stdout
    assert invoke("sweep", spec, "--out", tmp_path / "sweep", "--resume", "-q").stdout.count("wrote") == 0


# -- Ctrl-C -----------------------------------------------------------------------------------------
SWEEP_SPEC = """\
base = "doha-2021-05-01"
seed = 4
replications = 40
block_size = 20
design = "grid"

[factors.'threat.attack_rate_after']
values = [0.5, 1.0, 1.5, 2.0]
"""


def _interrupted(out: Path, *args) -> tuple:
    """``drawdown ARGS --out OUT`` in this process, sent SIGINT once its manifest records a finished unit."""
    stop = threading.Event()

    def interrupt() -> None:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                if read_record(out / "manifest.json").get("done"):
                    os.kill(os.getpid(), signal.SIGINT)
                    return
            except Exception:  # not written yet, or being replaced
                pass
            time.sleep(0.002)

    # A SIGINT that arrives once the command is over must not stop the tests: the command's
    # own handler is in place while it runs, and this one around it.
    previous = signal.signal(signal.SIGINT, lambda *a: None)
    watcher = threading.Thread(target=interrupt)
    watcher.start()
    try:
        r = make_runner().invoke(main, [str(a) for a in (*args, "--out", out)], prog_name="drawdown")
    finally:
        stop.set()
        watcher.join()
        signal.signal(signal.SIGINT, previous)
    if read_record(out / "manifest.json").get("complete"):
        pytest.skip("the command finished before the signal arrived")
    return r


def test_ctrl_c_stops_run_with_130_and_the_resume_hint(tmp_path):
    out = tmp_path / "run"
    args = ("run", DOHA, "--reps", 1000, "--block-size", 20, "--seed", 5, "--quiet")
    r = _interrupted(out, *args)
    assert r.exit_code == 130, (r.exit_code, r.stdout, r.stderr)
    hint = f"`drawdown run --out {out} --resume` finishes the run"
    assert r.stderr == f"interrupted: the finished units are kept in {out}; {hint}\n"
    assert r.stdout == ""
    done = invoke("run", "--out", out, "--resume", "--quiet", "--json")
    assert json.loads(done.stdout)["replications"] == 1000


def test_ctrl_c_stops_sweep_with_130_and_the_resume_hint(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP_SPEC.replace("replications = 40", "replications = 300"))
    out = tmp_path / "sweep"
    r = _interrupted(out, "sweep", spec)
    assert r.exit_code == 130, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"interrupted: the finished points are kept in {out}")
    assert "--resume finishes the sweep" in lines[0]
    resumed = invoke("sweep", spec, "--out", out, "--resume")
    assert resumed.stdout.startswith("resuming: ")  # chatter, on stdout


# -- --name -----------------------------------------------------------------------------------------
def test_run_name_names_the_scenario_in_every_output(tmp_path):
    name = "doha, slow airlift"
    args = ("run", DOHA, "--reps", 50, "--seed", 9)
    plain = json.loads(invoke(*args, "--json").stdout)
    named = json.loads(invoke(*args, "--json", "--name", name).stdout)
    assert named["scenario"] == name and plain["scenario"] == DOHA
    assert {**named, "scenario": DOHA} == plain  # the same run, by another name
    table = invoke(*args, "--name", name).stdout
    assert table.splitlines()[0].startswith(f"scenario      {name}  (hash ")
    out = tmp_path / "run"
    invoke(*args, "--name", name, "--out", out, "--quiet")
    assert json.loads((out / "summary.json").read_text())["scenario"] == name
    assert read_record(out / "manifest.json")["scenario"]["name"] == name
    with np.load(out / "replications.npz") as z:
        assert str(z["scenario"]) == name
    # --resume without --name keeps the name the run was given
    again = invoke("run", "--out", out, "--resume", "--json")
    assert json.loads(again.stdout)["scenario"] == name


@pytest.mark.parametrize("bad", ["", "  ", "two\nlines"])
def test_run_name_refuses_an_empty_or_multi_line_name(bad):
    r = make_runner().invoke(main, ["run", DOHA, "--reps", 5, "--name", bad], prog_name="drawdown")
    assert r.exit_code == 2 and "Invalid value for '--name'" in r.stderr and "Traceback" not in r.stderr


# -- start-up: no numpy for --help, list, completion or a refused command ------------------------------
HEAVY = ("numpy", "scipy", "matplotlib", "simpy", "dask", "distributed", "pandas")

START_UP = r"""
import contextlib, io, json, os, sys
from drawdown.cli.main import COMMANDS, main

HEAVY = set(sys.argv[1].split(","))

def call(args, env=None, status=(0,)):
    os.environ.update(env or {})
    out, err = io.TextIOWrapper(io.BytesIO()), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args, prog_name="drawdown")
        except SystemExit as e:
            assert (e.code or 0) in status, (args, e.code, err.getvalue())
    for k in env or {}:
        del os.environ[k]
    loaded = sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
    print(json.dumps([" ".join(args) or env["COMP_WORDS"], loaded]))
    out.flush()
    return out.buffer.getvalue().decode()

call(["--help"])
for name in sorted(COMMANDS):
    call([name, "--help"])
assert "doha-2021-05-01" in call(["list"])
words = {"_DRAWDOWN_COMPLETE": "bash_complete", "COMP_WORDS": "drawdown show d", "COMP_CWORD": "2"}
assert "plain,doha-2021-05-01" in call([], words)
call(["run", "no-such-scenario", "--reps", "1"], status=(2,))
call(["run", "--workers", "0"], status=(2,))
"""


def test_help_list_completion_and_refusals_import_no_numpy():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-c", START_UP, ",".join(HEAVY)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    steps = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(steps) == len(COMMANDS) + 5
    assert [s for s in steps if s[1]] == []  # every step, and all of them together, loaded none


@pytest.mark.skipif(not (ROOT / "benchmarks" / "cli_start.py").exists(), reason="benchmarks/ is not installed")
def test_the_start_up_benchmark_runs_and_writes_its_json(tmp_path):
    out = tmp_path / "cli_start.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = ROOT / "benchmarks" / "cli_start.py"
    args = ["--quick", "--only", "help", "--out", str(out)]
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert set(doc["figures"]) == {"python", "help"} and doc["imports"]["help"] == {}
    assert {"min", "median", "max"} == set(doc["figures"]["help"]["wall_over_python"])
    assert "help: median" in proc.stdout
