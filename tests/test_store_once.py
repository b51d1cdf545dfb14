"""Issue 14: per-replication outcomes stored once, compressed; seeds as strings in run and sweep files.

* A finished run directory holds its per-replication outcomes once, deflated: the units'
  files (``blocks/NNNNNN.replications.npz``, kept while a run can still be resumed) are
  joined member by member into ``replications.npz`` and removed once the manifest records
  it. The size is measured against what the old layout held (two stored copies).
* An interruption between the join, its record and the removal resumes to the files of
  an uninterrupted run; directories of the old layout (stored files, a numeric seed)
  still read, resume and merge.
* Seeds are strings in every JSON record, read back from either form: a 128-bit seed
  round-trips through ``summary.json`` and ``--seed`` of ``drawdown run --resume``.

Runs are small (a few hundred to 2,000 replications, plots off where the CLI allows).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import drawdown
import drawdown.batch.rundir as rundir
import numpy as np
import pytest
from batch_helpers import invoke, npz_arrays
from drawdown.batch import MANIFEST, merge_dir, parse_spec, read_record, run_batch, run_sweep, write_record
from drawdown.engines import outcome_dtypes, run_numpy
from drawdown.errors import ScenarioError
from drawdown.report import read_run_dir
from drawdown.results import read_replications, write_replications
from drawdown.results.store import join_replications

SCENARIO = "doha-2021-05-01"
BIG_SEED = 322317756165976151290113232113617463342  # 128 bits: past what JSON readers keep as a number
assert BIG_SEED.bit_length() == 128


@pytest.fixture(scope="module")
def doha():
    return drawdown.load(SCENARIO)


def stored_copy(path: Path) -> bytes:
    """The bytes ``path`` had in the old layout: the same members, stored, not compressed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info))
    return buf.getvalue()


def sizes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_size for p in directory.rglob("*") if p.is_file()}


def units_kept(monkeypatch) -> None:
    """Runs in this test leave the units' replications files in place (as a crash before their removal)."""
    monkeypatch.setattr(rundir, "remove_unit_replications", lambda out_dir, units: None)


# -- stored once, compressed ----------------------------------------------------------------------------
def test_a_run_directory_is_at_most_half_its_old_size(doha, tmp_path):
    """2,000 replications in 2 units; the old layout held each unit's outcomes stored and the
    joined file stored again: the directory is now at most half that (the target: a run
    of 200,000 replications at most half its old size; the larger, the smaller the ratio)."""
    out = tmp_path / "run"
    run_batch(doha, 7, reps=2000, block_size=500, out_dir=out, plots=False)
    now = sizes(out)
    assert not [name for name in now if name.endswith(".replications.npz")]  # the units' copies are gone
    done = read_record(out / MANIFEST)["done"]
    assert len(done) == 2 and sorted(n for n in now if n.startswith("blocks/")) == [
        "blocks/000000.npz",
        "blocks/000002.npz",
    ]
    with zipfile.ZipFile(out / "replications.npz") as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
    # the old layout: the joined file stored, and every unit's rows stored once more
    joined_old = len(stored_copy(out / "replications.npz"))
    arrays, meta = read_replications(out / "replications.npz")
    unit_old, row = 0, 0
    for entry in done:
        rows = sum(r for _, r in entry["blocks"])
        part = {k: v[row : row + rows] for k, v in arrays.items()}
        buf = io.BytesIO()
        np.savez(buf, **part, seed=np.array("7"), blocks=np.array(json.dumps(entry["blocks"])))
        unit_old += len(buf.getvalue())
        row += rows
    others = sum(n for name, n in now.items() if name != "replications.npz")
    old_total = others + joined_old + unit_old
    new_total = sum(now.values())
    assert new_total <= 0.5 * old_total, (new_total, old_total)
    # the outcomes alone: one deflated copy against two stored ones
    assert now["replications.npz"] <= 0.25 * (joined_old + unit_old), (now["replications.npz"], joined_old, unit_old)
    assert meta["seed"] == "7" and arrays["exit_day"].shape == (2000, len(doha.contingents))


def test_joined_file_is_the_one_shot_file_from_old_and_new_parts(doha, tmp_path):
    """join_replications reads compressed parts and the stored parts of older versions alike,
    and makes the file write_replications makes for all the rows at once, byte for byte."""
    out = run_numpy(doha, 250, 3, block_size=50)
    new_part = write_replications(tmp_path / "a.npz", out.rows(0, 100), meta={"blocks": "[[0, 50], [1, 50]]"})
    old_part = tmp_path / "b.npz"
    old_part.write_bytes(stored_copy(write_replications(tmp_path / "b0.npz", out.rows(100, 250), meta={})))
    widths = {"exit_day": len(doha.contingents), "base_closed_day": len(doha.bases)}
    dtypes = outcome_dtypes(doha)  # v1's outcomes with killed and wounded: doha splits casualties
    joined = join_replications(
        tmp_path / "r.npz", [(new_part, 100), (old_part, 150)], widths=widths, meta={"seed": 3}, dtypes=dtypes
    )
    assert joined.read_bytes() == write_replications(tmp_path / "w.npz", out, meta={"seed": 3}).read_bytes()
    # a part with other rows than it should hold is named, and nothing is written
    with pytest.raises(drawdown.errors.ResultError, match=r"b\.npz: decision_day: int32 of shape \(150,\)"):
        join_replications(tmp_path / "x.npz", [(new_part, 100), (old_part, 140)], widths=widths, meta={}, dtypes=dtypes)
    assert not (tmp_path / "x.npz").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("stop", ["before_record", "before_removal"])
def test_a_run_stopped_between_join_record_and_removal_resumes(doha, tmp_path, monkeypatch, stop):
    reference = tmp_path / "ref"
    run_batch(doha, 5, reps=400, block_size=100, out_dir=reference, plots=False)
    out = tmp_path / "run"

    def stopped(*args, **kw):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(rundir, "joined_entry" if stop == "before_record" else "remove_unit_replications", stopped)
        with pytest.raises(KeyboardInterrupt):
            run_batch(doha, 5, reps=400, block_size=100, out_dir=out, plots=False)
    assert sorted(p.name for p in (out / "blocks").glob("*.replications.npz")) == [
        "000000.replications.npz",
        "000002.replications.npz",
    ]
    if stop == "before_removal":  # a crash that removed one of them already
        (out / "blocks" / "000000.replications.npz").unlink()
    r = run_batch(doha, 5, reps=400, block_size=100, out_dir=out, resume=True, plots=False)
    assert r.units_run == 0
    assert sizes(out) == sizes(reference)
    for name in sizes(reference):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    # resuming the finished run keeps replications.npz as it is (its units' files are gone)
    stamp = (out / "replications.npz").stat().st_mtime_ns
    assert run_batch(doha, 5, reps=400, block_size=100, out_dir=out, resume=True, plots=False).units_run == 0
    assert (out / "replications.npz").stat().st_mtime_ns == stamp


def make_old_layout(out: Path) -> None:
    """Turn a run directory that kept its units' files into one of the old layout: every
    replications file stored, the seed a JSON number, no record of the joined file."""
    m = read_record(out / MANIFEST)
    for p in [out / "replications.npz", *(out / "blocks").glob("*.replications.npz")]:
        p.write_bytes(stored_copy(p))
    for e in m["done"]:
        e["replications_sha256"] = rundir.file_sha256(out / e["replications"])
    m.pop("replications_file")
    m["seed"] = int(m["seed"])
    write_record(out / MANIFEST, m)
    doc = json.loads((out / "summary.json").read_text())
    doc["seed"] = int(doc["seed"])
    (out / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")


def test_an_old_layout_run_reads_plots_and_resumes_to_the_new_layout(doha, tmp_path, monkeypatch):
    reference = tmp_path / "ref"
    run_batch(doha, 11, reps=300, block_size=100, out_dir=reference, plots=False)
    out = tmp_path / "old"
    with monkeypatch.context() as m:
        units_kept(m)
        run_batch(doha, 11, reps=300, block_size=100, out_dir=out, plots=False)
    make_old_layout(out)
    assert npz_arrays(out / "replications.npz") == npz_arrays(reference / "replications.npz")  # reads as before
    _, summary, doc = read_run_dir(out)  # what `drawdown plot DIR` reads: summary.json with a numeric seed
    assert summary.seed == doc["seed"] == 11
    # resume: the numeric seed of the old manifest is this run's; the outcomes end up stored once, deflated
    assert run_batch(doha, 11, reps=300, block_size=100, out_dir=out, resume=True, plots=False).units_run == 0
    assert (out / "replications.npz").read_bytes() == (reference / "replications.npz").read_bytes()
    assert not list((out / "blocks").glob("*.replications.npz"))
    m = read_record(out / MANIFEST)
    assert m["seed"] == "11" and m["replications_file"]["sha256"] == rundir.file_sha256(out / "replications.npz")


def test_shards_merge_into_one_copy_and_merge_again(doha, tmp_path):
    out = tmp_path / "shards"
    for i in (1, 2):
        run_batch(doha, BIG_SEED, reps=300, block_size=100, out_dir=out, shard=f"{i}/2", plots=False)
    assert len(list((out / "blocks").glob("*.replications.npz"))) == 3  # kept until the merge
    kind, summary, _ = merge_dir(out, plots=False)
    assert kind == "run" and summary.seed == BIG_SEED
    assert not list((out / "blocks").glob("*.replications.npz"))
    m = read_record(out / MANIFEST)
    assert m["seed"] == str(BIG_SEED) and m["merged_from_shards"] == 2
    whole = tmp_path / "whole"
    run_batch(doha, BIG_SEED, reps=300, block_size=100, out_dir=whole, plots=False)
    assert (out / "replications.npz").read_bytes() == (whole / "replications.npz").read_bytes()
    first = (out / "replications.npz").read_bytes()
    merge_dir(out, plots=False)  # the units' files are gone: the recorded joined file is kept
    assert (out / "replications.npz").read_bytes() == first


# -- seeds as strings ------------------------------------------------------------------------------------
def test_a_128_bit_seed_round_trips_through_summary_json_and_resume(tmp_path):
    out = tmp_path / "run"
    args = ("run", SCENARIO, "--reps", 200, "--block-size", 100, "--seed", BIG_SEED, "--out", out, "--quiet")
    invoke(*args)
    doc = json.loads((out / "summary.json").read_text())
    assert isinstance(doc["seed"], str) and int(doc["seed"]) == BIG_SEED
    assert read_record(out / MANIFEST)["seed"] == str(BIG_SEED)
    _, meta = read_replications(out / "replications.npz")
    assert int(meta["seed"]) == BIG_SEED
    # the seed read back from the summary repeats the run: --resume accepts it as the same run
    before = (out / "summary.json").read_bytes()
    r = invoke(*args[:-3], "--seed", doc["seed"], "--out", out, "--resume", "--quiet")
    assert "Traceback" not in r.stderr
    assert (out / "summary.json").read_bytes() == before
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_json(io.StringIO((out / "summary.json").read_text()), typ="series", dtype=False)
    assert int(frame["seed"]) == BIG_SEED


SWEEP = """\
base = "doha-2021-05-01"
seed = {seed}
replications = 100
block_size = 50
design = "grid"

[factors.'threat.attack_rate_after']
values = [0.5, 1.5]
"""


def test_a_sweep_takes_its_seed_as_a_number_or_a_string(tmp_path):
    as_number = parse_spec(SWEEP.format(seed=7))
    as_string = parse_spec(SWEEP.format(seed='"7"'))
    assert as_number.seed == as_string.seed == 7 and as_number.hash == as_string.hash
    big = parse_spec(SWEEP.format(seed=f'"{BIG_SEED}"'))
    assert big.seed == BIG_SEED
    for bad in ('"-1"', "1.5", '"seven"', "-3", f'"{2**128}"'):
        with pytest.raises(ScenarioError) as e:
            parse_spec(SWEEP.format(seed=bad), file="spec.toml")
        assert [(p.file, p.key) for p in e.value.problems] == [("spec.toml", "seed")], bad
        assert "decimal digits as a string" in str(e.value)
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP.format(seed=f'"{BIG_SEED}"'))
    out = tmp_path / "sweep"
    run_sweep(spec, out_dir=out)
    m = read_record(out / MANIFEST)
    assert m["seed"] == str(BIG_SEED) and m["spec"]["seed"] == str(BIG_SEED)
    point = json.loads((out / "points" / "0000.json").read_text())
    assert point["seed"] == str(BIG_SEED)
    # an older manifest holds the seed as a number: the same sweep, resumed without running a point
    m["seed"] = m["spec"]["seed"] = int(m["seed"])
    write_record(out / MANIFEST, m)
    assert run_sweep(spec, out_dir=out, resume=True).points_run == 0


# -- a full disk while the outcomes are joined ---------------------------------------------------------
DISK_ARGS = (
    "run",
    SCENARIO,
    "--reps",
    12000,
    "--block-size",
    1000,
    "--seed",
    3,
    "--quiet",
)  # outcomes the biggest file


def test_a_full_disk_while_joining_is_a_clear_error_and_resume_finishes(tmp_path):
    """A file size limit below replications.npz, above every other file (the units' files
    hold half the rows each): exit 1 naming replications.npz, nothing temporary left, the
    units' files kept; --resume then gives the files of a run that never stopped. (This
    replaces tests/test_runtime.py's "reserve" and "assemble" windows: nothing is reserved
    any more, the joined file's size is only known once it is written.)"""
    import resource
    import signal

    from batch_helpers import cli_process

    reference = tmp_path / "ref"
    invoke(*DISK_ARGS, "--out", reference)
    got = sizes(reference)
    final = got.pop("replications.npz")
    limit = (max(got.values()) + final) // 2
    assert max(got.values()) < limit < final and final // 2 + 4096 < limit, (got, final)

    def limit_writes() -> None:  # in the child: writes past `limit` fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "run"
    proc = cli_process(*DISK_ARGS, "--out", out, preexec_fn=limit_writes)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, (proc.returncode, err)
    assert err.strip().splitlines()[-1] == f"error: {out / 'replications.npz'}: File too large", err
    assert "Traceback" not in err
    assert not [p for p in out.rglob(".*") if p.suffix in (".tmp", ".parts")]
    assert len(list((out / "blocks").glob("*.replications.npz"))) == 2  # kept: nothing recorded them joined
    invoke(*DISK_ARGS, "--out", out, "--resume")
    assert sizes(out) == sizes(reference)
    for name in sizes(reference):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def test_a_signal_while_a_member_opens_stops_the_write_with_the_signal(tmp_path, monkeypatch):
    """Seen in CI: SIGINT between opening a zip member and entering its ``with`` left the
    archive "writing", and closing it raised ValueError in place of the KeyboardInterrupt
    (then again from ZipFile.__del__). The archive is abandoned; the file is not written."""
    import gc
    import sys

    from drawdown.engines import run_numpy
    from drawdown.results import write_replications

    out = run_numpy(drawdown.load("doha-2021-05-01"), 20, 1, block_size=20)
    real = zipfile._ZipWriteFile.__init__
    calls = []

    def interrupted(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:  # the second member: the archive already holds one
            raise KeyboardInterrupt
        real(self, *a, **k)

    monkeypatch.setattr(zipfile._ZipWriteFile, "__init__", interrupted)
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(KeyboardInterrupt):
        write_replications(tmp_path / "replications.npz", out, meta={"seed": "1"})
    gc.collect()
    assert not unraisable, unraisable  # nothing more from ZipFile.__del__
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary
