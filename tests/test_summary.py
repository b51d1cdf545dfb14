"""Mergeable summaries (docs/design.md §3, §6): exact merging, exact quantiles, files."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import types

import drawdown
import numpy as np
import pytest
from drawdown.batch import summarize
from drawdown.engines import Outcomes, iter_chunks
from drawdown.errors import ResultError
from drawdown.results import COUNT_HISTOGRAMS, EVENTS, MOMENTS, Summary, wilson
from drawdown.results import exact_sums as _exact_sums

QS = [0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0]
SEED = 20210501
BS = 100


def assert_same(a: Summary, b: Summary) -> None:
    """Every integer and every array equal, with the same dtypes and shapes."""
    assert a.book == b.book
    assert a.scenario_name == b.scenario_name
    assert a.n == b.n and type(a.n) is int
    assert a.blocks == b.blocks
    assert a.sums == b.sums and a.sumsq == b.sumsq and a.events == b.events
    assert all(type(v) is int for d in (a.sums, a.sumsq, a.events) for v in d.values())
    assert a.hist.keys() == b.hist.keys()
    for k in a.hist:
        assert a.hist[k].dtype == b.hist[k].dtype == np.int64, k
        assert a.hist[k].shape == b.hist[k].shape, k
        assert np.array_equal(a.hist[k], b.hist[k]), k
    assert (a.daily is None) == (b.daily is None)
    if a.daily is not None:
        assert a.daily.keys() == b.daily.keys()
        for k in a.daily:
            assert a.daily[k].dtype == b.daily[k].dtype == np.int64, k
            assert a.daily[k].shape == b.daily[k].shape, k
            assert np.array_equal(a.daily[k], b.daily[k]), k
    assert a.fingerprint() == b.fingerprint()
    assert a == b


@pytest.fixture(scope="module")
def doha():
    return drawdown.load("doha-2021-05-01")


@pytest.fixture(scope="module")
def chunks(doha):
    """Four blocks of 100 replications, one chunk each."""
    return list(iter_chunks(doha, 4 * BS, SEED, block_size=BS, chunk_blocks=1))


@pytest.fixture(scope="module")
def raw(chunks):
    return Outcomes.concatenate([out for _, out in chunks])


@pytest.fixture(scope="module")
def whole(doha, chunks, raw):
    blocks = [b for chunk, _ in chunks for b in chunk]
    return Summary.from_outcomes(doha, raw, blocks=blocks, seed=SEED, engine="numpy", block_size=BS)


@pytest.fixture(scope="module")
def per_block(doha, chunks):
    return [
        Summary.from_outcomes(doha, out, blocks=chunk, seed=SEED, engine="numpy", block_size=BS)
        for chunk, out in chunks
    ]


@pytest.fixture(scope="module")
def censored_run():
    s = drawdown.load("conditions-based")  # no deadline, ~10% not out by the horizon
    [(blocks, out)] = list(iter_chunks(s, 300, 7, block_size=300))
    return s, out, Summary.from_outcomes(s, out, blocks=blocks, seed=7, engine="numpy", block_size=300)


# -- exact merging ---------------------------------------------------------------------------
def test_halves_merged_equal_whole_bit_for_bit(doha, chunks, whole):
    first = Outcomes.concatenate([chunks[0][1], chunks[1][1]])
    second = Outcomes.concatenate([chunks[2][1], chunks[3][1]])
    a = Summary.from_outcomes(doha, first, blocks=[(0, BS), (1, BS)], seed=SEED, engine="numpy", block_size=BS)
    b = Summary.from_outcomes(doha, second, blocks=[(2, BS), (3, BS)], seed=SEED, engine="numpy", block_size=BS)
    assert a.n == b.n == 2 * BS
    assert_same(a.merge(b), whole)
    assert_same(Summary.merge_all([a, b]), whole)
    assert whole.n == 4 * BS
    assert whole.blocks == ((0, BS), (1, BS), (2, BS), (3, BS))


def test_summarize_is_the_same_whatever_the_chunk_size(doha, whole):
    for chunk_blocks in (3, 8):
        assert_same(summarize(doha, 4 * BS, SEED, block_size=BS, chunk_blocks=chunk_blocks), whole)


def test_per_day_part_is_the_same_whatever_rows_are_summarised_at_a_time(doha, chunks, raw, whole, monkeypatch):
    import drawdown.results.summary as summary_module

    blocks = [b for chunk, _ in chunks for b in chunk]
    troops, lifted = raw.troops_in_country.astype(np.int64), raw.retrograde_lifted_t.astype(np.int64)
    for rows in (1, 7, raw.exit_day.shape[0] - 1, 4096):
        monkeypatch.setattr(summary_module, "_DAILY_CELLS", rows * doha.horizon_days)
        part = Summary.from_outcomes(doha, raw, blocks=blocks, seed=SEED, engine="numpy", block_size=BS)
        assert_same(part, whole)
        # and each merged quantity is the whole's, computed directly
        assert np.array_equal(part.daily["troops_min"], troops.min(axis=0))
        assert np.array_equal(part.daily["troops_max"], troops.max(axis=0))
        assert np.array_equal(part.daily["retro_min"], lifted.min(axis=0))
        assert np.array_equal(part.daily["troops_sum"], troops.sum(axis=0))
        assert np.array_equal(part.daily["retro_zero"], (lifted == 0).sum(axis=0))
        assert (np.add.reduceat(part.daily["troops_counts"], part.daily["troops_start"][:-1]) == len(troops)).all()


def test_merge_order_does_not_matter(per_block, whole):
    for perm in itertools.permutations(per_block):
        assert_same(Summary.merge_all(perm), whole)
    a, b, c, d = per_block
    assert_same(d.merge(b).merge(c.merge(a)), whole)
    assert_same(a.merge(b.merge(c.merge(d))), whole)
    assert_same(b.merge(a), a.merge(b))


def test_merge_does_not_change_its_operands(per_block):
    a, b = per_block[:2]
    before = a.fingerprint(), b.fingerprint()
    a.merge(b)
    assert (a.fingerprint(), b.fingerprint()) == before
    assert_same(Summary.merge_all([a]), a)


def test_growing_histograms_are_padded(doha, raw):
    big = raw.casualties.argmax()
    rest = np.arange(len(raw)) != big
    assert raw.casualties[rest].max() < raw.casualties[big]  # one replication holds the maximum
    # split the same rows two ways: the histograms of the parts differ in length
    one = Outcomes(**{k: v[[big]] if v is not None else None for k, v in vars(raw).items()})
    assert Summary.from_outcomes(doha, one, blocks=[(9, 1)], seed=1, engine="numpy", block_size=BS).hist[
        "casualties"
    ].shape == (raw.casualties[big] + 1,)


def test_refuses_to_merge_different_runs(doha, per_block):
    a, b = per_block[:2]
    for field, value in [
        ("seed", SEED + 1),
        ("engine", "simpy"),
        ("block_size", 50),
        ("scenario_hash", "0" * 64),
        ("version", "9.9.9"),
        ("numpy_version", "1.0.0"),
        ("scipy_version", "0.1"),
        ("simd", "baseline:;dispatch:"),
    ]:
        other = b.copy()
        other.book = dataclasses.replace(b.book, **{field: value})
        with pytest.raises(ResultError, match=field):
            a.merge(other)
    with pytest.raises(ResultError, match="share block 0"):
        a.merge(a)
    with pytest.raises(ResultError, match="share block 1"):
        Summary.merge_all([per_block[0].merge(per_block[1]), per_block[1].merge(per_block[2])])
    no_daily = b.copy()
    no_daily.daily = None
    with pytest.raises(ResultError, match="per-day"):
        a.merge(no_daily)
    with pytest.raises(ResultError):
        Summary.merge_all([])


def test_different_seeds_do_not_merge(doha):
    a = summarize(doha, 20, seed=1, block_size=20, blocks=[(0, 20)])
    b = summarize(doha, 20, seed=2, block_size=20, blocks=[(1, 20)])
    with pytest.raises(ResultError, match="seed"):
        a.merge(b)


def test_simpy_and_numpy_summaries_agree(doha):
    a = summarize(doha, 3, seed=11, engine="simpy")
    b = summarize(doha, 3, seed=11, engine="numpy")
    assert a.engine == "simpy" and b.engine == "numpy"
    b.book = dataclasses.replace(b.book, engine="simpy")
    assert_same(a, b)


# -- exact reports -------------------------------------------------------------------------------
def numpy_quantile(x, q, *, never_last=False):
    x = np.asarray(x, dtype=np.int64)
    if never_last:
        x = np.where(x < 0, np.iinfo(np.int64).max, x)
    v = int(np.quantile(x, q, method="inverted_cdf"))
    return None if never_last and v == np.iinfo(np.int64).max else v


@pytest.mark.parametrize("run", ["doha", "censored"])
def test_quantiles_are_exact(run, whole, raw, censored_run):
    summary, out = (whole, raw) if run == "doha" else (censored_run[2], censored_run[1])
    rng = np.random.default_rng(0)
    qs = QS + list(rng.random(20))
    for q in qs:
        for name in ("decision_day", "met_day", "final_exit_day"):
            assert summary.quantile(name, q) == numpy_quantile(getattr(out, name), q, never_last=True), (name, q)
        for i in range(out.exit_day.shape[1]):
            assert summary.quantile("exit_day", q, index=i) == numpy_quantile(out.exit_day[:, i], q, never_last=True)
        for b in range(out.base_closed_day.shape[1]):
            assert summary.quantile("base_closed_day", q, index=b) == numpy_quantile(
                out.base_closed_day[:, b], q, never_last=True
            )
        for name in COUNT_HISTOGRAMS:
            assert summary.quantile(name, q) == numpy_quantile(getattr(out, name), q), (name, q)
    assert summary.contingent_exit_quantiles((0.05, 0.5)) == [
        [numpy_quantile(out.exit_day[:, i], q, never_last=True) for q in (0.05, 0.5)]
        for i in range(out.exit_day.shape[1])
    ]


def test_censored_quantile_is_none(censored_run):
    s, out, summary = censored_run
    frac = out.censored.mean()
    assert 0.02 < frac < 0.5
    assert summary.censored == int(out.censored.sum())
    assert summary.censored_fraction == frac
    assert summary.quantile("final_exit_day", 0.99) is None
    assert summary.quantile("final_exit_day", 1.0) is None
    assert isinstance(summary.quantile("final_exit_day", 0.5), int)
    assert summary.quantile("final_exit_day", 1 - frac) is not None
    assert summary.warnings() and "not out by the horizon" in summary.warnings()[0]
    assert summary.quantile("final_exit_day", 0.0) == int(out.final_exit_day[out.final_exit_day >= 0].min())


def test_quantile_arguments(whole):
    with pytest.raises(ValueError):
        whole.quantile("final_exit_day", 1.5)
    with pytest.raises(ValueError):
        whole.quantile("exit_day", 0.5)
    with pytest.raises(KeyError):
        whole.quantile("no_such_thing", 0.5)


def test_means_and_probabilities(whole, raw):
    n = len(raw)
    for name in MOMENTS:
        x = getattr(raw, name)
        assert whole.sums[name] == int(x.sum()) and whole.sumsq[name] == int((x.astype(object) ** 2).sum())
        e = whole.estimate(name)
        assert e.n == n
        assert e.mean == pytest.approx(x.mean(), rel=1e-12)
        assert e.se == pytest.approx(x.std(ddof=1) / math.sqrt(n), rel=1e-9, abs=1e-12)
        assert whole.mean(name) == e.mean
    assert whole.probability("left_before_conditions") is None  # doha does not model the conditions
    assert not raw.left_before_conditions.any()
    for name in EVENTS:
        p = whole.probability(name)
        if name == "left_before_conditions":
            continue
        k = int(getattr(raw, name).sum())
        assert (p.k, p.n, p.value) == (k, n, k / n)
        assert p.se == pytest.approx(math.sqrt(p.value * (1 - p.value) / n))
        assert (p.low, p.high) == wilson(k, n)
    out = whole.probability("out_by_horizon")
    assert out.k == n - int(raw.censored.sum())


def test_p_out_by_curve(whole, raw, doha):
    curve = whole.p_out_by()
    assert curve.shape == (doha.horizon_days,)
    final = np.where(raw.final_exit_day < 0, 10**9, raw.final_exit_day)
    for day in (0, 50, doha.deadline_day, 200, doha.horizon_days - 1):
        assert curve[day] == np.count_nonzero(final <= day) / len(raw)
        assert whole.p_out_by(day) == curve[day]
    assert curve[doha.deadline_day] == whole.probability("met_deadline").value
    assert curve[-1] == whole.probability("out_by_horizon").value
    assert whole.p_out_by(-1) == 0.0


def test_no_deadline_means_no_probability_of_meeting_it(censored_run):
    s, out, summary = censored_run
    assert s.deadline_day is None
    assert summary.probability("met_deadline") is None
    assert summary.sums["troop_days_past_deadline"] == 0


def test_daily_bands(whole, raw, doha):
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    bands = whole.daily_troops_quantiles(qs)
    assert bands.shape == (len(qs), doha.horizon_days)
    assert (np.diff(bands, axis=0) >= 0).all()
    exact = np.quantile(raw.troops_in_country, qs, axis=0, method="inverted_cdf")
    assert np.array_equal(bands, exact)  # exact: tests/test_bands.py has more
    assert np.array_equal(whole.daily_troops_mean(), raw.troops_in_country.astype(np.int64).sum(axis=0) / len(raw))

    retro = whole.daily_retrograde_quantiles(qs)
    assert retro.shape == bands.shape and (np.diff(retro, axis=0) >= 0).all()
    assert retro.min() >= 0 and retro.max() <= 1
    frac = np.quantile(raw.retrograde_lifted_t, qs, axis=0, method="inverted_cdf") / doha.liftable_t
    assert np.array_equal(retro, frac)


def fake_scenario(total_troops=200, liftable_t=7, horizon=30, deadline_day=10):
    return types.SimpleNamespace(
        name="fake",
        hash="f" * 64,
        horizon_days=horizon,
        deadline_day=deadline_day,
        total_troops=total_troops,
        liftable_t=liftable_t,
        contingents=(1, 2),
        bases=(1,),
        # the conditions are read (a tracked index): leaving early is an outcome here
        decision=types.SimpleNamespace(rule="conditions"),
        conditions=types.SimpleNamespace(tracked=True),
    )


def fake_outcomes(s, R, rng):
    H = s.horizon_days
    exit_day = rng.integers(-1, H, size=(R, 2)).astype(np.int32)
    final = np.where((exit_day < 0).any(axis=1), -1, exit_day.max(axis=1)).astype(np.int32)
    return Outcomes(
        decision_day=rng.integers(-1, H, R).astype(np.int32),
        met_day=rng.integers(-1, H, R).astype(np.int32),
        final_exit_day=final,
        exit_day=exit_day,
        base_closed_day=rng.integers(-1, H, (R, 1)).astype(np.int32),
        attacks=rng.integers(0, 50, R),
        casualties=rng.integers(0, 5, R),
        troop_days_past_deadline=rng.integers(0, 3000, R),
        troops_at_deadline=rng.integers(0, s.total_troops + 1, R),
        met_deadline=rng.random(R) < 0.5,
        left_before_conditions=rng.random(R) < 0.1,
        censored=final < 0,
        troops_in_country=rng.integers(0, s.total_troops + 1, (R, H)).astype(np.int32),
        retrograde_lifted_t=rng.integers(0, s.liftable_t + 1, (R, H)).astype(np.int64),
    )


def test_daily_troop_bands_are_exact_for_small_forces():
    s = fake_scenario(total_troops=200)
    out = fake_outcomes(s, 501, np.random.default_rng(3))
    summary = Summary.from_outcomes(s, out, blocks=[(0, 501)], seed=1, engine="numpy", block_size=1000)
    qs = (0.0, 0.05, 0.5, 0.95, 1.0)
    assert np.array_equal(
        summary.daily_troops_quantiles(qs), np.quantile(out.troops_in_country, qs, axis=0, method="inverted_cdf")
    )


def test_nothing_liftable_is_complete():
    s = fake_scenario(liftable_t=0)
    out = fake_outcomes(s, 10, np.random.default_rng(4))
    summary = Summary.from_outcomes(s, out, blocks=[(0, 10)], seed=1, engine="numpy", block_size=10)
    assert (summary.daily["retro_full"] == 10).all()
    assert (summary.daily_retrograde_quantiles((0.05, 0.5)) == 1.0).all()


def test_exact_sums_of_squares_beyond_int64():
    x = np.array([3_000_000_000, -3_000_000_000, 2**62, 5], dtype=np.int64)
    assert _exact_sums(x) == (sum(int(v) for v in x), sum(int(v) ** 2 for v in x))
    assert _exact_sums(np.arange(10)) == (45, 285)


def test_wilson_known_values():
    z = 1.959963984540054  # the 97.5% normal quantile, as statsmodels' proportion_confint(method="wilson")
    assert wilson(5, 10, z) == pytest.approx((0.2365931, 0.7634069), abs=1e-7)
    assert wilson(50, 100, z) == pytest.approx((0.4038315, 0.5961685), abs=1e-7)
    assert wilson(0, 10, z) == pytest.approx((0.0, 0.2775328), abs=1e-7)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 10)[1] == pytest.approx(1.96**2 / (10 + 1.96**2))  # k = 0: z^2 / (n + z^2)
    assert wilson(10, 10)[0] == pytest.approx(10 / (10 + 1.96**2))
    # the interval's ends are the roots of (k/n - p)^2 = z^2 p (1 - p) / n
    for k, n, zz in [(1, 20, 2.576), (37, 263, 1.96), (999, 1000, 1.96)]:
        for p in wilson(k, n, zz):
            assert (k / n - p) ** 2 == pytest.approx(zz * zz * p * (1 - p) / n, rel=1e-9)
    assert wilson(0, 0) == (0.0, 1.0)


def test_outcomes_must_match_blocks(doha, chunks):
    blocks, out = chunks[0]
    with pytest.raises(ValueError):
        Summary.from_outcomes(doha, out, blocks=[(0, 50)], seed=SEED, engine="numpy", block_size=BS)
    with pytest.raises(ValueError):
        Summary.from_outcomes(doha, out, blocks=[(0, 200)], seed=SEED, engine="numpy", block_size=BS)


def test_outcomes_without_daily_arrays(doha, chunks):
    blocks, out = chunks[0]
    bare = Outcomes(**{**vars(out), "troops_in_country": None, "retrograde_lifted_t": None})
    summary = Summary.from_outcomes(doha, bare, blocks=blocks, seed=SEED, engine="numpy", block_size=BS)
    assert summary.daily is None and not summary.has_daily
    with pytest.raises(ResultError, match="per-day"):
        summary.daily_troops_quantiles()
    assert summary.quantile("final_exit_day", 0.5) is not None


# -- files -------------------------------------------------------------------------------------
def test_npz_round_trip(tmp_path, whole, doha, chunks):
    path = tmp_path / "summary.npz"
    assert whole.to_npz(path) == path
    assert_same(Summary.from_npz(path), whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.npz"]  # no temporary left behind
    whole.to_npz(path)  # overwrite in place
    assert_same(Summary.from_npz(str(path)), whole)
    bare_out = Outcomes(**{**vars(chunks[0][1]), "troops_in_country": None, "retrograde_lifted_t": None})
    bare = Summary.from_outcomes(doha, bare_out, blocks=chunks[0][0], seed=SEED, engine="numpy", block_size=BS)
    other = bare.to_npz(tmp_path / "shard-0")  # no extension appended
    assert other.name == "shard-0"
    assert_same(Summary.from_npz(other), bare)
    with np.load(path, allow_pickle=False) as z:  # readable without pickles
        assert "hist.final_exit_day" in z.files


def test_big_seed_round_trip(tmp_path, doha):
    seed = 2**127 + 12345
    summary = summarize(doha, 5, seed=seed, block_size=5)
    assert Summary.from_npz(summary.to_npz(tmp_path / "s.npz")).seed == seed
    d = json.loads(json.dumps(summary.to_json_dict(doha)))
    assert d["seed"] == str(seed) and drawdown.draws.read_seed(d["seed"]) == seed  # a string: exact in any reader
    meta = json.loads(str(np.load(tmp_path / "s.npz")["__meta__"]))
    assert meta["book"]["seed"] == str(seed) and meta["content_version"] == 2


def test_truncated_file_raises(tmp_path, whole):
    path = whole.to_npz(tmp_path / "summary.npz")
    data = path.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        bad = tmp_path / f"cut-{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ResultError, match=f"cut-{cut}.npz"):
            Summary.from_npz(bad)


def test_flipped_byte_raises(tmp_path, whole):
    path = whole.to_npz(tmp_path / "summary.npz")
    data = path.read_bytes()
    for pos in sorted(
        {0, 5, 40, 300, len(data) // 3, len(data) // 2, len(data) - 200, len(data) - 70, len(data) - 30, len(data) - 1}
    ):
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        bad = tmp_path / f"flip-{pos}.npz"
        bad.write_bytes(bytes(flipped))
        with pytest.raises(ResultError, match=f"flip-{pos}.npz"):
            Summary.from_npz(bad)


def test_missing_or_foreign_file_raises(tmp_path):
    with pytest.raises(ResultError, match="nope.npz"):
        Summary.from_npz(tmp_path / "nope.npz")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3))
    with pytest.raises(ResultError, match="foreign.npz"):
        Summary.from_npz(foreign)


# -- JSON -----------------------------------------------------------------------------------------
def test_json_dict(whole, doha, raw):
    d = whole.to_json_dict(doha)
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert d["schema_version"] == 1
    assert (d["scenario"], d["scenario_hash"], d["seed"], d["replications"], d["engine"]) == (
        doha.name,
        doha.hash,
        str(SEED),
        len(raw),
        "numpy",
    )
    assert d["version"] == drawdown.__version__ and d["numpy_version"] == np.__version__
    assert d["deadline"] == "2021-05-01"
    p = d["p_met_deadline"]
    assert 0 <= p["wilson_low"] <= p["value"] <= p["wilson_high"] <= 1 and p["se"] > 0
    assert p["value"] == raw.met_deadline.mean()
    f = d["final_exit_day"]
    assert f["p5"] <= f["p50"] <= f["p95"]
    assert d["final_exit_date"]["p50"] == doha.date_of(f["p50"]).isoformat()
    assert d["final_exit_date"]["p5"] > doha.start.isoformat()
    assert d["decision_date"]["p50"] == doha.date_of(d["decision_day"]["p50"]).isoformat()
    assert d["censored"] == {"count": int(raw.censored.sum()), "fraction": raw.censored.mean()}
    assert set(d["casualties"]) == {"mean", "se", "p95", "p95_ci", "p50", "p50_ci"}
    assert d["casualties"]["mean"] == raw.casualties.mean()
    assert d["casualties"]["p50"] == numpy_quantile(raw.casualties, 0.5)
    assert d["troops_at_deadline"]["p95"] == numpy_quantile(raw.troops_at_deadline, 0.95)
    assert set(d["troop_days_past_deadline"]) == {"mean", "se"}
    assert d["p_left_before_conditions"] is None  # doha does not model the conditions
    cs = d["contingents"]
    assert [c["id"] for c in cs] == [c.id for c in doha.contingents]
    assert cs[0]["base"] == doha.bases[doha.contingents[0].base].name
    assert cs[0]["troops"] == doha.contingents[0].troops
    assert set(cs[0]["exit_day"]) == {"p5", "p50", "p95", "p5_ci", "p50_ci", "p95_ci"}
    for key in ("p5", "p50", "p95"):  # each interval holds its quantile
        low, high = f[f"{key}_ci"]
        assert low <= f[key] <= high
        assert d["final_exit_date"][f"{key}_ci"] == [doha.date_of(low).isoformat(), doha.date_of(high).isoformat()]
    with pytest.raises(ResultError):
        whole.to_json_dict(drawdown.load("announced-2021-09-11"))


def test_json_dict_without_deadline_and_with_censoring(censored_run):
    s, out, summary = censored_run
    d = summary.to_json_dict(s)
    json.dumps(d, allow_nan=False)
    assert d["deadline"] is None and d["p_met_deadline"] is None
    assert d["troops_at_deadline"] is None and d["troop_days_past_deadline"] is None
    assert d["final_exit_day"]["p95"] is None and d["final_exit_date"]["p95"] is None
    assert d["censored"]["count"] == int(out.censored.sum())
    assert d["p_out_by_horizon"]["value"] == 1 - out.censored.mean()


# -- the pieces the summary is made of ----------------------------------------------------------
def test_every_standard_error_comes_from_one_variance_formula(whole):
    from drawdown.results import mean_estimate, sample_variance, standard_error

    for name in MOMENTS:
        n, s, s2 = whole.n, whole.sums[name], whole.sumsq[name]
        e = whole.estimate(name)
        assert e == mean_estimate(n, s, s2)
        assert e.se == standard_error(sample_variance(n, s, s2), n) == math.sqrt((n * s2 - s * s) / (n * (n - 1)) / n)
    one = mean_estimate(1, 7, 49)
    assert one.mean == 7.0 and math.isnan(one.se) and one.n == 1
    none = mean_estimate(0, 0, 0)
    assert math.isnan(none.mean) and math.isnan(none.se) and none.n == 0
    assert math.isnan(standard_error(2.0, 1))


def test_precision_se_is_the_wilson_half_width(whole, censored_run):
    from drawdown.results import Z95, headline_probability, precision_se, wilson_se

    for summary in (whole, censored_run[2]):
        _, p = headline_probability(summary)
        assert precision_se(summary) == wilson_se(p.k, p.n) == (p.high - p.low) / (2 * Z95)
    assert wilson_se(0, 10) > 0 and wilson_se(10, 10) > 0


def test_bootstrap_se_is_the_spread_of_the_resamples():
    from drawdown.results import bootstrap_se

    x = np.array([3.0, 5.0, 4.0, 10.0, -2.0])
    assert bootstrap_se(x) == float(np.std(x, ddof=1))
    assert bootstrap_se(np.array([1.0, np.inf])) is None
    assert bootstrap_se(np.array([1.0, np.nan])) is None


def test_histogram_quantiles_are_numpys_inverted_cdf():
    from drawdown.results import histogram_quantile, quantile_bins

    rng = np.random.default_rng(3)
    x = rng.integers(0, 12, size=(37, 5))
    counts = np.stack([np.bincount(x[:, j], minlength=12) for j in range(5)])
    for q in QS:
        want = [numpy_quantile(x[:, j], q) for j in range(5)]
        assert [histogram_quantile(counts[j], 37, q) for j in range(5)] == want
        ranks, bins = quantile_bins(counts, 37, [q])
        assert bins[0].tolist() == want and ranks.shape == (1, 1)
    ranks, bins = quantile_bins(counts, 37, [])
    assert ranks.shape == (0, 1) and bins.shape == (0, 5)


def test_the_book_of_a_run(doha, whole):
    from drawdown.results import Book, book_of

    assert book_of(doha, seed=SEED, engine="numpy", block_size=BS) == whole.book
    assert isinstance(whole.book, Book) and drawdown.results.summary.Book is Book
    other = book_of(doha, seed=SEED + 1, engine="simpy", block_size=BS)
    assert whole.book.mismatch(other) == [f"seed: {SEED} != {SEED + 1}", "engine: 'numpy' != 'simpy'"]


def test_merge_all_takes_any_iterable_of_summaries_only(per_block, whole):
    assert_same(Summary.merge_all(p for p in reversed(per_block)), whole)
    with pytest.raises(ResultError, match="no summaries"):
        Summary.merge_all([])
    with pytest.raises(ResultError, match="no summaries"):
        Summary.merge_all(iter(()))
    with pytest.raises(TypeError, match="cannot merge int"):
        Summary.merge_all([whole, 1])
    with pytest.raises(TypeError, match="cannot merge NoneType"):
        Summary.merge_all([None])


def test_json_dict_is_made_of_the_document_pieces_in_a_fixed_order(whole, doha):
    from drawdown.results import (
        contingent_entries,
        estimate_entry,
        probability_entry,
        quantile_dates,
        quantile_days,
        run_entries,
    )

    d = whole.to_json_dict(doha)
    assert list(d) == [
        "schema_version",
        "scenario",
        "scenario_hash",
        "seed",
        "replications",
        "engine",
        "version",
        "numpy_version",
        "scipy_version",
        "block_size",
        "start",
        "horizon_days",
        "horizon_date",
        "deadline",
        "deadline_day",
        "p_met_deadline",
        "p_out_by_horizon",
        "decision_day",
        "decision_date",
        "final_exit_day",
        "final_exit_date",
        "censored",
        "troops_at_deadline",
        "troop_days_past_deadline",
        "casualties",
        "killed",  # doha splits its casualties (threat.killed_per_attack)
        "wounded",
        "attacks",
        "p_left_before_conditions",
        "contingents",
    ]
    run = {**run_entries(whole.book, doha, whole.n), "seed": str(SEED)}
    assert {k: d[k] for k in run} == run and list(d)[1:15] == list(run)
    for name in ("casualties", "killed", "wounded", "attacks", "troops_at_deadline"):
        intervals = [list(i) for i in whole.quantile_intervals(name, (0.5, 0.95))]
        assert d[name] == {
            **estimate_entry(whole.estimate(name)),
            "p95": whole.quantile(name, 0.95),
            "p95_ci": intervals[1],
            "p50": whole.quantile(name, 0.5),
            "p50_ci": intervals[0],
        }
    assert d["troop_days_past_deadline"] == estimate_entry(whole.estimate("troop_days_past_deadline"))
    for key, event in (
        ("p_met_deadline", "met_deadline"),
        ("p_out_by_horizon", "out_by_horizon"),
        ("p_left_before_conditions", "left_before_conditions"),
    ):
        assert d[key] == probability_entry(whole.probability(event))
    final = whole.quantiles("final_exit_day")
    keys = ("p5", "p50", "p95")
    assert {k: d["final_exit_day"][k] for k in keys} == quantile_days(final)
    assert {k: d["final_exit_date"][k] for k in keys} == quantile_dates(doha, final)
    plain = contingent_entries(doha, whole.contingent_exit_quantiles())
    for entry, c in zip(d["contingents"], plain, strict=True):
        assert {k: v for k, v in entry.items() if k not in ("exit_day", "exit_date")} == {
            k: v for k, v in c.items() if k not in ("exit_day", "exit_date")
        }
        assert {k: entry["exit_day"][k] for k in keys} == c["exit_day"]
    assert list(d["contingents"][0]) == ["id", "nation", "base", "troops", "exit_day", "exit_date"]
    assert probability_entry(None) is None


def test_comparison_statistics_use_the_shared_formulas(doha):
    from drawdown.batch import compare
    from drawdown.results import mean_estimate, sample_variance, standard_error

    c = compare([doha, drawdown.load("announced-2021-09-11")], 200, seed=4)
    for k in range(2):
        assert c.withdrawal_days(k) == mean_estimate(*c._durations[k])
    m, sx, sx2, sy, sy2, sd, sd2 = c._pairs[0].durations
    d = c.difference(1, "withdrawal_days")
    assert d.se_paired == standard_error(sample_variance(m, sd, sd2), m)
    assert d.se_unpaired == standard_error(sample_variance(m, sx, sx2) + sample_variance(m, sy, sy2), m)
    assert d.estimate == sd / m
