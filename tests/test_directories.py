"""Directories drawdown owns (issue 13): one command at a time, writes kept inside, ``--out``
checked before anything is written, leftovers of interrupted writes cleaned.

* defect 1: a run directory had no lock: a ``--resume`` started while a run was going
  deleted its temporaries, and two runs on one directory left it mixed;
* defect 2: ``drawdown merge`` wrote (and read) wherever a shard record said, and
  ``drawdown plot`` wrote wherever ``compare.json`` said;
* defect 3: ``--out`` on a directory of the user's files overwrote them, ``--out ''``
  wrote into the current directory;
* defect 9 (directories): a sweep directory given to ``run`` was said to hold a run,
  and the reverse;
* defect 5 (cleanup): leftovers of interrupted writes survived a ``--resume``.

The concurrency tests start real processes (``python -m drawdown.cli.main``) and wait
until the first one's lock file names its PID before starting the second.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import drawdown
import pytest
from batch_helpers import ROOT, RUN_ARRAYS, RUN_TEXT, assert_same_files, cli_process, fails, invoke
from drawdown.batch import (
    MANIFEST,
    RunBatch,
    dir_contents,
    read_record,
    run_batch,
    run_sweep,
    write_record,
)
from drawdown.errors import DrawdownError, ResultError
from drawdown.results import LOCK_FILE, DirectoryInUse, lock_directory, lock_holder, plain_name

DOHA, ANNOUNCED = "doha-2021-05-01", "announced-2021-09-11"
SPEC = """\
base = "doha-2021-05-01"
seed = 3
replications = 100
block_size = 50
design = "grid"

[factors.deadline]
values = [2021-05-01, "2021-09-11"]
"""
#: A run slow enough to be caught holding its directory: 10 units of 32 blocks of 100.
BIG = ("run", DOHA, "--seed", 7, "--reps", 30000, "--block-size", 100, "--quiet")
BIG_UNITS = 10


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under ``root``, hidden ones too."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(Path(root).rglob("*"))}


def python(code: str, *args) -> subprocess.Popen:
    """Another Python process running ``code`` (drawdown importable), its output kept."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [sys.executable, "-c", code, *map(str, args)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_holder(directory: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until ``directory``'s lock file names ``proc`` (failing if ``proc`` ends first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        note = lock_holder(directory)
        if note is not None and note.get("pid") == proc.pid:
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process {proc.pid} ended ({proc.returncode}) without holding {directory}: {err[-2000:]}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"{directory}: process {proc.pid} did not take the lock within {timeout} s")


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def assert_refused_by(proc: subprocess.Popen, holder: subprocess.Popen, directory: Path) -> None:
    """``proc`` exited 2 at once, naming ``holder``'s PID, while ``holder`` still ran."""
    rc, out, err = finish(proc, timeout=120)
    assert holder.poll() is None, "the holder finished before the second command was refused"
    assert rc == 2, (rc, out, err)
    assert "Traceback" not in err and f"PID {holder.pid}" in err and "in use by another drawdown run" in err, err
    assert f"error: {directory}: " in err and "started 20" in err, err


@pytest.fixture(scope="module")
def big_reference(tmp_path_factory):
    """A clean run of :data:`BIG`, to compare the winners of the races with."""
    out = tmp_path_factory.mktemp("reference") / "run"
    invoke(*BIG, "--out", out)
    return out


def assert_same_run(a: Path, b: Path) -> None:
    """Two run directories with the same files, the same results, the same manifest but for
    where the scenario was read from."""
    assert sorted(tree(a)) == sorted(tree(b))
    blocks = sorted(p.name for p in (a / "blocks").iterdir())
    assert_same_files(a, b, text=RUN_TEXT, arrays=RUN_ARRAYS + [f"blocks/{n}" for n in blocks])
    ma, mb = read_record(a / MANIFEST), read_record(b / MANIFEST)
    for m in (ma, mb):
        m["scenario"].pop("file")
    assert ma == mb


# -- the lock, as the library takes it ---------------------------------------------------------------
HOLD = """
import sys, time
from drawdown.results import lock_directory
part = sys.argv[2] if len(sys.argv) > 2 else None
with lock_directory(sys.argv[1], what="run", part=part):
    print("held", flush=True)
    time.sleep(60)
"""


def test_lock_is_exclusive_reentrant_and_leaves_nothing(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    with lock_directory(d, what="sweep") as lock:
        note = lock_holder(d)
        assert note["pid"] == os.getpid() and note["what"] == "sweep" and note["started"].endswith("Z")
        with lock_directory(d, what="merge") as again:  # the same process: re-entrant
            assert again.held
        assert lock.held and (d / LOCK_FILE).exists()  # the inner release did not let go
        other = python("import sys\nfrom drawdown.results import lock_directory\nlock_directory(sys.argv[1])", d)
        rc, _, err = finish(other)
        assert rc == 1 and "DirectoryInUse" in err and f"PID {os.getpid()}" in err and "drawdown sweep" in err
    assert not lock.held and list(d.iterdir()) == []  # released: no lock file left behind
    lock.release()  # again: nothing
    python_ok = python("import sys\nfrom drawdown.results import lock_directory\nlock_directory(sys.argv[1])", d)
    assert finish(python_ok)[0] == 0


def test_a_killed_holder_releases_the_lock(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    holder = python(HOLD, d)
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(DirectoryInUse, match=f"PID {holder.pid}") as e:
        lock_directory(d)
    assert e.value.holders[0]["pid"] == holder.pid
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lock_holder(d)["pid"] == holder.pid  # its note stays, stale: the operating system dropped the lock
    with lock_directory(d, what="run"):
        assert lock_holder(d)["pid"] == os.getpid()
    assert list(d.iterdir()) == []


def test_shards_share_a_directory_but_not_with_a_merge(tmp_path):
    d = tmp_path / "d"
    (d / "shards").mkdir(parents=True)
    first = python(HOLD, d, "shards/shard-0001-of-0002")
    assert first.stdout.readline() == "held\n"
    try:
        with lock_directory(d, part="shards/shard-0002-of-0002"):  # another shard: side by side
            pass
        with pytest.raises(DirectoryInUse, match=f"PID {first.pid}"):  # the same shard twice: no
            lock_directory(d, part="shards/shard-0001-of-0002")
        with pytest.raises(DirectoryInUse, match=rf"PID {first.pid}.*shards/\.shard-0001-of-0002\.lock"):
            lock_directory(d, what="merge")  # a merge (or an unsharded run) waits for the shards
    finally:
        first.kill()
        first.wait()
    with lock_directory(d, what="merge"):
        pass


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../x", "/etc", "a\\b", "a\0b", 3, None])
def test_plain_names_refuse_paths(name):
    with pytest.raises(ResultError, match=r"^f\.json: scenarios\[0\]\.dir .* is not a plain file name"):
        plain_name(name, where="f.json", field="scenarios[0].dir")


# -- defect 1: two commands on one directory at once ----------------------------------------------------
def test_a_run_holds_its_directory_against_a_second_run_and_a_resume(tmp_path, big_reference):
    """Defect 1: the first run wins; a second run (another seed) and a --resume started while it
    works exit 2 at once naming its PID, and the directory is a clean run of the winner."""
    out = tmp_path / "d"
    winner = cli_process(*BIG, "--out", out)
    wait_for_holder(out, winner)
    other = cli_process("run", DOHA, "--seed", 8, "--reps", 2000, "--out", out, "--quiet")
    resume = cli_process("run", "--out", out, "--resume", "--quiet")
    assert_refused_by(other, winner, out)
    assert_refused_by(resume, winner, out)
    rc, _, err = finish(winner)
    assert rc == 0, err
    assert_same_run(out, big_reference)
    assert not (out / LOCK_FILE).exists()


def test_a_resume_holds_its_directory_and_keeps_every_finished_block(tmp_path, big_reference):
    """Defect 1, the other order: a run killed midway; its --resume wins against a plain run and
    a second --resume started meanwhile; no finished block is written again."""
    out = tmp_path / "d"
    first = cli_process(*BIG, "--out", out)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        try:
            if len(read_record(out / MANIFEST)["done"]) >= 3:
                break
        except (ResultError, KeyError):
            pass
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done = read_record(out / MANIFEST)["done"]
    assert 3 <= len(done) < BIG_UNITS, "the run ended before it could be killed midway"
    kept = {e["file"]: os.stat(out / e["file"]) for e in done}
    joined = {e["replications"]: os.stat(out / e["replications"]) for e in done}  # until they are joined
    winner = cli_process("run", "--out", out, "--resume")  # not quiet: it says what it resumes
    wait_for_holder(out, winner)
    plain = cli_process("run", DOHA, "--seed", 8, "--reps", 2000, "--out", out, "--quiet")
    again = cli_process("run", "--out", out, "--resume", "--quiet")
    assert_refused_by(plain, winner, out)
    assert_refused_by(again, winner, out)
    rc, stdout, err = finish(winner)
    assert rc == 0, err
    assert f"resuming: {len(done)} of {BIG_UNITS} units done" in stdout  # chatter: on stdout
    for name, st in kept.items():  # the same files, never written again
        now = os.stat(out / name)
        assert (now.st_ino, now.st_mtime_ns, now.st_size) == (st.st_ino, st.st_mtime_ns, st.st_size), name
    assert joined and not any((out / name).exists() for name in joined)  # in replications.npz, once
    assert_same_run(out, big_reference)


LOCKED = """
import sys, time
from drawdown.results import lock_directory
with lock_directory(sys.argv[1], what="run"):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.mark.parametrize("command", ["run", "run --resume", "sweep", "sweep --resume", "merge", "plot", "compare"])
def test_every_writer_refuses_a_directory_in_use(command, tmp_path):
    """Defect 1: every command that writes a directory takes its lock, and says who holds it."""
    out = tmp_path / "d"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    if command.startswith("run") or command == "plot":
        run_batch(drawdown.load(DOHA), 1, reps=100, block_size=50, out_dir=out, plots=False)
    elif command.startswith("sweep"):
        run_sweep(spec, out)
    elif command == "merge":
        for i in (1, 2):
            run_batch(drawdown.load(DOHA), 1, reps=100, block_size=50, out_dir=out, shard=f"{i}/2", plots=False)
    else:
        out.mkdir()
    args = {
        "run": ("run", DOHA, "--seed", 2, "--reps", 100, "--out", out, "-q"),
        "run --resume": ("run", "--out", out, "--resume", "-q"),
        "sweep": ("sweep", spec, "--out", out, "-q"),
        "sweep --resume": ("sweep", spec, "--out", out, "--resume", "-q"),
        "merge": ("merge", out, "--no-plots"),
        "plot": ("plot", out),
        "compare": ("compare", DOHA, ANNOUNCED, "--reps", 100, "--seed", 1, "--out", out, "-q"),
    }[command]
    before = tree(out)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCKED, str(out)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        during = tree(out)
        r = fails(*args)
        assert f"PID {holder.pid}" in r.stderr and "in use by another drawdown run" in r.stderr, r.stderr
        assert tree(out) == during  # nothing written
    finally:
        holder.communicate("")
    before.pop(LOCK_FILE, None)  # the empty lock file the shards shared, which the holder took over and removed
    assert tree(out) == before


# -- defect 3: --out is checked before anything is written ------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ("run", DOHA, "--seed", 1, "--reps", 100, "-q"),
        ("run", DOHA, "--seed", 1, "--reps", 100, "-q", "--resume"),
        ("sweep", "deadline-and-threat", "-q"),
        ("compare", DOHA, ANNOUNCED, "--reps", 100, "--seed", 1, "-q"),
    ],
    ids=["run", "run-resume", "sweep", "compare"],
)
def test_out_refuses_a_directory_of_the_users_files(command, tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "summary.json").write_text("mine\n")
    (out / "notes").mkdir()
    r = fails(*command, "--out", out)
    assert f"error: {out}: holds files that drawdown did not write (notes/, summary.json)" in r.stderr, r.stderr
    assert "give another --out DIR" in r.stderr
    assert tree(out) == {"notes": None, "summary.json": b"mine\n"}  # nothing written, not even a lock file


@pytest.mark.parametrize(
    "command",
    [
        ("run", DOHA, "--seed", 1, "--reps", 100, "-q"),
        ("sweep", "deadline-and-threat", "-q"),
        ("compare", DOHA, ANNOUNCED, "--reps", 100, "--seed", 1, "-q"),
        ("plot", "."),
    ],
    ids=["run", "sweep", "compare", "plot"],
)
def test_an_empty_out_is_a_usage_error(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = fails(*command, "--out", "")
    assert "Invalid value for '--out'" in r.stderr and "an empty path" in r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written in the current directory


def test_the_library_refuses_an_empty_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = drawdown.load(DOHA)
    for call in (
        lambda: RunBatch(s, 1, reps=100, out_dir=""),
        lambda: drawdown.run(s, reps=100, seed=1, out_dir=""),
        lambda: run_sweep("deadline-and-threat", ""),
        lambda: drawdown.compare(DOHA, ANNOUNCED, reps=100, seed=1).write(""),
        lambda: drawdown.run(s, reps=100, seed=1).write(""),
    ):
        with pytest.raises(DrawdownError, match="out_dir is empty"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_an_interrupted_start_count_as_nothing_and_go(tmp_path):
    out = tmp_path / "d"
    for folder in ("blocks", "shards"):
        (out / folder).mkdir(parents=True)
    (out / LOCK_FILE).write_text('{"pid": 999999999, "host": "gone", "started": "2021-01-01T00:00:00Z"}\n')
    (out / ".summary.json.abcd_123.tmp").write_text("half")
    (out / "blocks" / ".000000.npz.0123abcd.tmp").write_text("half")
    (out / ".replications.npz.zz00yy11.parts").mkdir()
    (out / ".replications.npz.zz00yy11.parts" / "day.npy").write_text("half")
    assert dir_contents(out).kind == "empty"
    invoke("run", DOHA, "--seed", 1, "--reps", 100, "--out", out, "-q")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert not [n for n in names if Path(n).name.startswith(".")], names  # no temporary, no lock file
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize(
    "planted",
    [
        "blocks/.thesis.backup01.parts/ch1.tex",  # a folder named like a part folder, of a name we never write
        ".replications.npz.backup01.parts/ch1.tex",  # of a name we write, but holding a user's file
        "blocks/.notes.txt.draft_v2.tmp",  # a file named like a temporary, of a name we never write
        ".env.lock",  # a hidden lock file of someone else's at the top
        "points/.thesis.backup01.parts/ch1.tex",
    ],
)
def test_a_users_files_named_like_leftovers_are_neither_nothing_nor_removed(tmp_path, planted):
    out = tmp_path / "d"
    path = out / planted
    path.parent.mkdir(parents=True)
    path.write_text("mine")
    assert dir_contents(out).kind != "empty"
    fails("merge", out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [planted]
    if planted.startswith("blocks/"):  # taken for a run's folder: the run goes on beside the file
        invoke("run", DOHA, "--seed", 1, "--reps", 100, "--out", out, "-q")
    else:
        fails("run", DOHA, "--seed", 1, "--reps", 100, "--out", out, "-q")
    assert path.read_text() == "mine"


# -- defect 9: a directory's kind is named as it is ----------------------------------------------------------
def test_a_directory_of_another_kind_is_named_for_what_it_holds(tmp_path):
    run_dir, sweep_dir, sharded, cmp = (tmp_path / n for n in ("run", "sweep", "sharded", "cmp"))
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    run_batch(drawdown.load(DOHA), 1, reps=100, block_size=50, out_dir=run_dir, plots=False)
    run_sweep(spec, sweep_dir)
    run_sweep(spec, sharded, shard="1/2")
    drawdown.compare(DOHA, ANNOUNCED, reps=100, seed=1).write(cmp)
    run = ("run", DOHA, "--seed", 1, "--reps", 100, "-q", "--out")
    for args, words in (
        ((*run, sweep_dir), f"{sweep_dir}: holds a sweep (manifest.json), not a run"),
        ((*run, sweep_dir, "--resume"), f"{sweep_dir}: holds a sweep (manifest.json), not a run"),
        ((*run, sharded), f"{sharded}: holds shards of a sweep (shards/shard-0001-of-0002.json), not a run"),
        ((*run, cmp), f"{cmp}: holds a comparison (compare.json), not a run"),
        (("sweep", spec, "-q", "--out", run_dir), f"{run_dir}: holds a run (manifest.json), not a sweep"),
        (("sweep", spec, "-q", "--resume", "--out", run_dir), f"{run_dir}: holds a run (manifest.json), not a sweep"),
        (("sweep", spec, "-q", "--shard", "1/2", "--out", run_dir), "holds a run (manifest.json), not a sweep"),
        (("compare", DOHA, ANNOUNCED, "--reps", 100, "-q", "--out", run_dir), "holds a run (manifest.json), not a"),
        (("compare", DOHA, ANNOUNCED, "--reps", 100, "-q", "--out", cmp), f"{cmp}: already holds a comparison"),
    ):
        before = {d: tree(d) for d in (run_dir, sweep_dir, sharded, cmp)}
        r = fails(*args)
        assert words in r.stderr and "give another --out DIR" in r.stderr, (args, r.stderr)
        assert {d: tree(d) for d in before} == before


# -- defect 2: names read from files never send a write (or a read) elsewhere -------------------------------
def _outside(tmp_path: Path, out: Path) -> dict:
    return {k: v for k, v in tree(tmp_path).items() if not k.startswith(out.name)}


def test_merge_refuses_a_shard_summary_named_outside(tmp_path):
    out = tmp_path / "run"
    for i in (1, 2):
        run_batch(drawdown.load(DOHA), 1, reps=200, block_size=50, out_dir=out, shard=f"{i}/2", plots=False)
    path = out / "shards" / "shard-0002-of-0002.json"
    shutil.copy(out / "shards" / "shard-0002-of-0002.npz", tmp_path / "planted.npz")
    write_record(path, {**read_record(path), "summary": "../planted.npz"})  # as an attacker would
    before = _outside(tmp_path, out)
    r = fails("merge", out, "--no-plots")
    assert f"{path}: summary '../planted.npz'" in r.stderr and "the record was altered" in r.stderr, r.stderr
    assert not (out / "summary.json").exists() and not (out / MANIFEST).exists()
    assert _outside(tmp_path, out) == before


def test_merge_refuses_unit_files_named_outside(tmp_path):
    out = tmp_path / "run"
    for i in (1, 2):
        run_batch(drawdown.load(DOHA), 1, reps=200, block_size=50, out_dir=out, shard=f"{i}/2", plots=False)
    path = out / "shards" / "shard-0001-of-0002.json"
    rec = read_record(path)
    entry = rec["done"][0]
    shutil.copy(out / entry["replications"], tmp_path / "planted.npz")  # shards keep their units' files until merged
    write_record(path, {**rec, "done": [{**entry, "replications": "../planted.npz"}, *rec["done"][1:]]})
    r = fails("merge", out, "--no-plots")
    assert f"{path}: replications '../planted.npz'" in r.stderr, r.stderr
    assert not (out / "replications.npz").exists()


def test_merge_never_writes_a_point_file_named_outside(tmp_path):
    out = tmp_path / "sweep"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    for i in (1, 2):
        run_sweep(spec, out, shard=f"{i}/2")
    path = out / "shards" / "shard-0002-of-0002.json"
    rec = read_record(path)
    (out / rec["done"][0]["json"]).unlink()  # the merge writes a point's JSON again when it is missing
    write_record(path, {**rec, "done": [{**rec["done"][0], "json": "../evil.json"}]})
    r = fails("merge", out)
    assert f"{path}: json '../evil.json' of point 1" in r.stderr, r.stderr
    assert not (tmp_path / "evil.json").exists()
    assert not (out / "results.csv").exists()


def test_resume_refuses_files_named_outside_in_its_manifest(tmp_path):
    out = tmp_path / "run"
    invoke("run", DOHA, "--seed", 1, "--reps", 200, "--block-size", 50, "--out", out, "-q")
    path = out / MANIFEST
    rec = read_record(path)
    entry = rec["done"][0]
    shutil.copy(out / "replications.npz", tmp_path / "planted.npz")  # the unit's own file is joined, gone
    write_record(path, {**rec, "done": [{**entry, "replications": "../planted.npz"}, *rec["done"][1:]]})
    r = fails("run", "--out", out, "--resume", "-q")
    assert f"{path}: replications '../planted.npz' of the unit of block 0" in r.stderr, r.stderr

    sweep = tmp_path / "sweep"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    run_sweep(spec, sweep)
    path = sweep / MANIFEST
    rec = read_record(path)
    shutil.copy(sweep / rec["done"][1]["summary"], tmp_path / "planted-point.npz")
    write_record(path, {**rec, "done": [rec["done"][0], {**rec["done"][1], "summary": "../planted-point.npz"}]})
    r = fails("sweep", spec, "--out", sweep, "--resume", "-q")
    assert f"{path}: summary '../planted-point.npz' of point 1" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def comparison_and_victim(tmp_path_factory):
    """A comparison directory, and a run directory without plots beside it."""
    root = tmp_path_factory.mktemp("plot")
    drawdown.compare(DOHA, ANNOUNCED, reps=100, seed=1).write(root / "cmp")
    drawdown.run(ANNOUNCED, reps=100, seed=1).write(root / "victim")
    for p in (root / "victim").glob("*.png"):
        p.unlink()
    return root


@pytest.mark.parametrize(
    "folder, elsewhere",
    [("../victim", False), ("../victim", True), ("/tmp", False), ("..", True), ("a/../../victim", False)],
)
def test_plot_refuses_folders_named_outside_by_compare_json(folder, elsewhere, comparison_and_victim, tmp_path):
    cmp, victim = tmp_path / "cmp", tmp_path / "victim"
    for name in ("cmp", "victim"):
        shutil.copytree(comparison_and_victim / name, tmp_path / name)
    doc = json.loads((cmp / "compare.json").read_text())
    doc["scenarios"][1]["dir"] = folder
    (cmp / "compare.json").write_text(json.dumps(doc))
    before = tree(victim)
    r = fails("plot", cmp, *(("--out", tmp_path / "figures") if elsewhere else ()))
    assert f"{cmp / 'compare.json'}: scenarios[1].dir {folder!r}" in r.stderr, r.stderr
    assert tree(victim) == before
    assert not list(victim.glob("*.png"))


# -- defect 5 (cleanup): leftovers of interrupted writes go on the next start ----------------------------------
def _plant(folder: Path, names: list[str]) -> list[Path]:
    planted = []
    for i, name in enumerate(names):
        p = folder / f".{name}.{i:02d}abcdef.tmp"
        p.write_bytes(b"half-written")
        planted.append(p)
    parts = folder / f".{names[0]}.zzzzzz{len(names):02d}.parts"
    parts.mkdir()
    (parts / "final_exit_day.npy").write_bytes(b"half")
    return [*planted, parts]


def test_resume_removes_the_leftovers_of_killed_writes(tmp_path):
    out = tmp_path / "run"
    invoke("run", DOHA, "--seed", 1, "--reps", 200, "--block-size", 50, "--out", out, "-q")
    clean = tree(out)
    planted = _plant(out, ["summary.json", "drawdown.png", "contingents.csv", "summary.npz", "replications.npz"])
    planted += _plant(out / "blocks", ["000000.npz", "000002.replications.npz"])
    invoke("run", "--out", out, "--resume", "-q")
    assert not [p for p in planted if p.exists()]
    assert sorted(tree(out)) == sorted(clean)

    sweep = tmp_path / "sweep"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    run_sweep(spec, sweep)
    planted = _plant(sweep, ["results.csv", "manifest.json"]) + _plant(sweep / "points", ["0000.json", "0001.npz"])
    invoke("sweep", spec, "--out", sweep, "--resume", "-q")
    assert not [p for p in planted if p.exists()]


def test_merge_removes_leftovers_and_a_shard_only_its_own(tmp_path):
    out = tmp_path / "run"
    run_batch(drawdown.load(DOHA), 1, reps=200, block_size=50, out_dir=out, shard="1/2", plots=False)
    others = _plant(out / "blocks", ["000002.npz"])  # shard 2's, which may be running
    mine = _plant(out / "blocks", ["000000.npz"])
    run_batch(drawdown.load(DOHA), 1, reps=200, block_size=50, out_dir=out, shard="1/2", resume=True, plots=False)
    assert not [p for p in mine if p.exists()] and all(p.exists() for p in others)
    run_batch(drawdown.load(DOHA), 1, reps=200, block_size=50, out_dir=out, shard="2/2", plots=False)
    top = _plant(out, ["summary.json", "exit-dates.png"])
    invoke("merge", out)
    assert not [p for p in [*others, *top] if p.exists()]
    assert not (out / LOCK_FILE).exists() and not list((out / "shards").glob(".*.lock"))


def test_two_identical_runs_leave_the_same_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        invoke("run", DOHA, "--seed", 5, "--reps", 300, "--out", d, "-q")
    assert sorted(tree(a)) == sorted(tree(b))  # hidden files too: no lock file, no temporary
    assert_same_run(a, b)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_lock_inherited_by_a_forked_child_does_not_release_the_childs_own(tmp_path):
    from drawdown.results import lock as lock_module

    (tmp_path / "shards").mkdir()
    inherited = lock_directory(tmp_path, part="shards/shard-0001-of-0002")
    pid = os.fork()
    if pid == 0:  # the child: its own shard, then the parent's copy let go of
        status = 1
        try:
            mine = lock_directory(tmp_path, part="shards/shard-0002-of-0002")
            inherited.release()
            key = str((tmp_path / LOCK_FILE).resolve())
            status = 0 if mine.held and key in lock_module._registry else 3
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    inherited.release()
    assert os.waitstatus_to_exitcode(status) == 0


def test_an_error_met_while_stopping_still_exits_with_the_signal(capsys):
    from drawdown.cli.signals import stopping_on_signals

    with pytest.raises(SystemExit) as stopped, stopping_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except KeyboardInterrupt:
            raise RuntimeError("clean-up failed") from None
    assert stopped.value.code == 143
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "terminated (SIGTERM)" in err and "clean-up failed" in err


def test_a_shared_lock_lost_while_converting_it_is_forgotten(tmp_path, monkeypatch):
    from drawdown.results import lock as lock_module

    (tmp_path / "shards").mkdir()
    shard = lock_directory(tmp_path, part="shards/shard-0001-of-0002")
    monkeypatch.setattr(lock_module, "_os_lock", lambda fd, exclusive: False)  # flock dropped it, and lost it
    with pytest.raises(DirectoryInUse):
        lock_directory(tmp_path)
    monkeypatch.undo()
    assert str((tmp_path / LOCK_FILE).resolve()) not in lock_module._registry  # not "held" while holding nothing
    shard.release()
