"""``replications.npz``: the streamed and joining writers make the file the one-shot writer makes, compressed."""

from __future__ import annotations

import os
import tracemalloc
import zipfile

import drawdown
import numpy as np
import pytest
from drawdown.engines import Outcomes, iter_chunks, outcome_dtypes, run_numpy, run_simpy
from drawdown.results import REPLICATIONS_FILE, ReplicationWriter, read_replications, write_replications

META = {"scenario": "doha-2021-05-01", "seed": 2**100 + 3, "engine": "numpy", "reps": 450, "block_size": 100}


@pytest.fixture(scope="module")
def doha():
    return drawdown.load("doha-2021-05-01")


def loaded(path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def assert_same_file_contents(a, b):
    x, y = loaded(a), loaded(b)
    assert list(x) == list(y)  # same names, same order
    for k in x:
        assert x[k].dtype == y[k].dtype, k
        assert x[k].shape == y[k].shape, k
        assert np.array_equal(x[k], y[k]), k


def leftovers(directory, keep=(REPLICATIONS_FILE,)):
    return sorted(p for p in os.listdir(directory) if p not in keep)


def test_streamed_file_equals_write_replications(tmp_path, doha):
    # 450 replications in blocks of 100, chunks of 2 blocks (200, 200, 50), added out of order.
    chunks = list(iter_chunks(doha, 450, 2**100 + 3, block_size=100, chunk_blocks=2))
    assert [sum(r for _, r in c) for c, _ in chunks] == [200, 200, 50]
    whole = run_numpy(doha, 450, 2**100 + 3, block_size=100)
    one_shot = write_replications(tmp_path / "a.npz", whole, meta=META)

    streamed = tmp_path / "b.npz"
    w = ReplicationWriter(streamed, doha, 450, meta=META)
    for chunk, out in reversed(chunks):
        w.add(chunk[0][0] * 100, out)
    assert not streamed.exists()  # nothing at the target before close
    assert w.rows_written == 450
    assert w.close() == streamed
    assert w.closed
    assert_same_file_contents(one_shot, streamed)
    assert streamed.read_bytes() == one_shot.read_bytes()  # byte for byte, whatever the chunks
    assert leftovers(tmp_path, keep=("a.npz", "b.npz")) == []
    # The archive is what np.savez_compressed makes: deflated .npy members, readable without pickle.
    with zipfile.ZipFile(streamed) as zf:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        assert sorted(zf.namelist()) == sorted(f"{k}.npy" for k in [*outcome_dtypes(doha), *META])
    arrays, meta = read_replications(streamed)
    assert meta == {k: str(v) for k, v in META.items()}
    assert set(arrays) == set(outcome_dtypes(doha))  # with killed and wounded: doha splits casualties
    assert arrays["exit_day"].shape == (450, len(doha.contingents))
    assert arrays["base_closed_day"].shape == (450, len(doha.bases))


def test_streamed_numpy_file_equals_the_simpy_engines_file(tmp_path, doha):
    # "--out" files of the two engines compare file to file.
    meta = {"seed": 5}
    write_replications(tmp_path / "simpy.npz", run_simpy(doha, 12, 5), meta=meta)
    with ReplicationWriter(tmp_path / "numpy.npz", doha, 12, meta=meta) as w:
        for _chunk, out in iter_chunks(doha, 12, 5):
            w.add(0, out)
    assert_same_file_contents(tmp_path / "simpy.npz", tmp_path / "numpy.npz")


def test_context_manager_replaces_an_existing_file_atomically(tmp_path, doha):
    path = tmp_path / REPLICATIONS_FILE
    path.write_bytes(b"old")
    out = run_numpy(doha, 30, 1, block_size=10)
    with ReplicationWriter(path, doha, 30, meta={"seed": 1}) as w:
        w.add(0, out)
        assert path.read_bytes() == b"old"
    arrays, _ = read_replications(path)
    assert np.array_equal(arrays["final_exit_day"], out.final_exit_day)
    assert leftovers(tmp_path) == []


def test_errors_leave_nothing_behind(tmp_path, doha):
    path = tmp_path / REPLICATIONS_FILE
    out = run_numpy(doha, 20, 1, block_size=10)
    # Rows missing at close: refused, nothing written, temporary files gone.
    w = ReplicationWriter(path, doha, 30, meta={})
    w.add(0, out)
    with pytest.raises(ValueError, match="10 of 30 rows never written"):
        w.close()
    assert not path.exists() and leftovers(tmp_path) == []
    # Rows out of range, written twice, or of the wrong shape.
    w = ReplicationWriter(path, doha, 30, meta={})
    with pytest.raises(ValueError, match="outside"):
        w.add(15, out)
    w.add(10, out)
    with pytest.raises(ValueError, match="written already"):
        w.add(0, out)
    w.abort()
    assert leftovers(tmp_path) == []
    narrow = Outcomes(**{k: (v[:, :3] if k == "exit_day" else v) for k, v in vars(out).items()})
    w = ReplicationWriter(path, doha, 20, meta={})
    with pytest.raises(ValueError, match="exit_day: shape"):
        w.add(0, narrow)
    w.abort()
    # An exception inside the with block: the target is untouched.
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with ReplicationWriter(path, doha, 20, meta={}) as w:
            w.add(0, out)
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
    # Metadata may not shadow an outcome, in either writer.
    with pytest.raises(ValueError, match="overwrite"):
        ReplicationWriter(path, doha, 20, meta={"exit_day": 1})
    with pytest.raises(ValueError, match="overwrite"):
        write_replications(path, out, meta={"censored": 1})
    assert leftovers(tmp_path) == []


def test_memory_is_bounded_by_the_chunk_not_the_file(tmp_path, doha):
    # 200,000 rows (about 45 MB of arrays) in chunks of 5,000 rows (about 1.1 MB): what
    # Python allocates while writing stays near one chunk; the rows live on disk.
    rows, n = 200_000, 5_000
    C, N = len(doha.contingents), len(doha.bases)
    rng = np.random.default_rng(0)
    shapes = {"exit_day": (n, C), "base_closed_day": (n, N)}
    chunk = Outcomes(
        **{k: rng.integers(-1, 500, size=shapes.get(k, (n,))).astype(dt) for k, dt in outcome_dtypes(doha).items()}
    )
    path = tmp_path / REPLICATIONS_FILE
    tracemalloc.start()
    try:
        with ReplicationWriter(path, doha, rows, meta={"seed": 1}) as w:
            for start in range(0, rows, n):
                w.add(start, chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = sum(v.nbytes for v in chunk.arrays().values()) * (rows // n)
    assert total > 40e6
    assert peak < 8e6, f"peak {peak / 1e6:.1f} MB while writing {total / 1e6:.0f} MB"
    arrays, _ = read_replications(path)
    assert np.array_equal(arrays["exit_day"][-n:], chunk.exit_day)
    assert arrays["attacks"].shape == (rows,)
    assert leftovers(tmp_path) == []


# -- the summary file (docs/design.md §3) ---------------------------------------------------------
def zip_members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def summary(doha):
    from drawdown.batch import summarize

    return summarize(doha, 150, seed=8, block_size=100)


def test_summary_file_is_the_store_format(tmp_path, summary):
    import hashlib
    import json

    from drawdown.results import SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION, read_summary_file, summary_digest

    path = summary.to_npz(tmp_path / "summary.npz")
    data = path.read_bytes()
    assert data[-64 - 24 : -64] == b"drawdown-summary-sha256:"
    assert hashlib.sha256(data[:-64]).hexdigest().encode() == data[-64:]
    meta, arrays = read_summary_file(path, lambda meta, arrays: (meta, arrays))
    assert (meta["format"], meta["format_version"]) == (SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION)
    assert (SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION) == ("drawdown-summary", 1)
    assert meta["n"] == 150 and meta["blocks"] == [[0, 100], [1, 50]] and meta["daily"] is True
    assert sorted(arrays) == sorted([f"hist.{k}" for k in summary.hist] + [f"daily.{k}" for k in summary.daily])
    with np.load(path, allow_pickle=False) as z:
        meta_json = str(z["__meta__"][()])
        assert json.loads(meta_json) == meta and meta_json == json.dumps(meta, sort_keys=True)
        assert str(z["__sha256__"][()]) == summary_digest(meta_json, arrays) == summary.fingerprint()
    names = list(zip_members(path))
    assert names[-2:] == ["__meta__.npy", "__sha256__.npy"] and names[0] == "hist.decision_day.npy"


def test_write_summary_file_makes_the_members_to_npz_makes(tmp_path, summary):
    from drawdown.results import read_summary_file, write_summary_file

    path = summary.to_npz(tmp_path / "a.npz")
    order = [n[: -len(".npy")] for n in zip_members(path) if not n.startswith("__")]
    meta, arrays = read_summary_file(path, lambda meta, arrays: (meta, arrays))
    again = write_summary_file(tmp_path / "b.npz", meta, {k: arrays[k] for k in order})
    assert again == tmp_path / "b.npz"
    assert zip_members(again) == zip_members(path)


def test_read_summary_file_names_the_file_in_every_error(tmp_path):
    from drawdown.errors import ResultError
    from drawdown.results import read_summary_file, write_summary_file

    def made(name, meta):
        return write_summary_file(tmp_path / name, meta, {"hist.x": np.arange(3)})

    ok = {"format": "drawdown-summary", "format_version": 1}
    with pytest.raises(ResultError, match=r"other\.npz: not a drawdown summary$"):
        read_summary_file(made("other.npz", {**ok, "format": "something-else"}), dict)
    with pytest.raises(ResultError, match=r"v2\.npz: summary format version 2, this drawdown reads 1"):
        read_summary_file(made("v2.npz", {**ok, "format_version": 2}), dict)

    def build(meta, arrays):
        return meta["no such key"]

    with pytest.raises(ResultError, match=r"keys\.npz: malformed summary \(KeyError: 'no such key'\)"):
        read_summary_file(made("keys.npz", ok), build)

    def refuse(meta, arrays):
        raise ResultError("refused as it is")

    with pytest.raises(ResultError, match="^refused as it is$"):
        read_summary_file(tmp_path / "keys.npz", refuse)
    assert read_summary_file(tmp_path / "keys.npz", lambda meta, arrays: arrays["hist.x"].tolist()) == [0, 1, 2]
    with pytest.raises(ResultError, match=r"missing\.npz: cannot read summary"):
        read_summary_file(tmp_path / "missing.npz", dict)


def test_summary_digest_sees_names_dtypes_shapes_and_bytes():
    from drawdown.results import summary_digest

    a = np.arange(6, dtype=np.int64)
    base = summary_digest("{}", {"x": a})
    assert summary_digest("{}", {"x": a.copy()}) == base
    assert (
        len(
            {
                base,
                summary_digest("{} ", {"x": a}),
                summary_digest("{}", {"y": a}),
                summary_digest("{}", {"x": a.astype(np.int32)}),
                summary_digest("{}", {"x": a.reshape(2, 3)}),
                summary_digest("{}", {"x": a[::-1]}),
            }
        )
        == 6
    )
    assert summary_digest("{}", {"x": a[::2]}) == summary_digest("{}", {"x": np.ascontiguousarray(a[::2])})


def test_a_summary_read_back_writes_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Member order comes from the file, not from a set: no PYTHONHASHSEED changes it."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, drawdown\n"
        "from drawdown.batch import summarize\n"
        "from drawdown.results import Summary\n"
        "src, dst = sys.argv[1], sys.argv[2]\n"
        "if src == '-':\n"
        "    summarize(drawdown.load('doha-2021-05-01'), 200, seed=1).to_npz(dst)\n"
        "else:\n"
        "    Summary.from_npz(src).to_npz(dst)\n"
    )
    first = tmp_path / "first.npz"
    subprocess.run([sys.executable, "-c", code, "-", str(first)], check=True, env=dict(os.environ, PYTHONHASHSEED="1"))
    for seed in ("2", "3"):
        again = tmp_path / f"again-{seed}.npz"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", code, str(first), str(again)], check=True, env=env)
        assert again.read_bytes() == first.read_bytes()
