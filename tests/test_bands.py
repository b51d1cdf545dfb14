"""Exact daily bands, quantiles with their Monte Carlo intervals, the bimodal warning and
seeds in the run's files (issue 14; docs/design.md §3)."""

from __future__ import annotations

import csv
import itertools
import json
import math

import drawdown
import numpy as np
import pytest
from cli_helpers import invoke
from drawdown.batch import summarize
from drawdown.engines import Outcomes, iter_chunks
from drawdown.errors import ResultError
from drawdown.results import Summary, quantile_rank
from drawdown.results import stats as st
from drawdown.results.store import write_summary_file

SEED = 14
QS = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def order_statistic(x: np.ndarray, q: float) -> np.ndarray:
    """Per column, the value of rank ``quantile_rank(n, q)`` of the sorted column."""
    return np.sort(x, axis=0)[quantile_rank(len(x), q) - 1]


@pytest.fixture(scope="module")
def doha():
    return drawdown.load("doha-2021-05-01")


@pytest.fixture(scope="module")
def run(doha):
    """Three blocks of 100 replications (one chunk each), their summaries and the whole."""
    chunks = list(iter_chunks(doha, 300, SEED, block_size=100, chunk_blocks=1))
    kw = dict(seed=SEED, engine="numpy", block_size=100)
    parts = [Summary.from_outcomes(doha, out, blocks=b, **kw) for b, out in chunks]
    raw = Outcomes.concatenate([out for _, out in chunks])
    return raw, parts, Summary.merge_all(parts)


# -- 1. daily bands exact ---------------------------------------------------------------------
def test_daily_bands_are_the_order_statistics_of_the_replications(doha, run):
    raw, _, whole = run
    troops = whole.daily_troops_quantiles(QS)
    tonnes = whole.daily_retrograde_tonnes_quantiles(QS)
    retro = whole.daily_retrograde_quantiles(QS)
    for i, q in enumerate(QS):
        want_troops = order_statistic(raw.troops_in_country, q)
        assert np.array_equal(troops[i], want_troops), q
        assert np.array_equal(troops[i], np.quantile(raw.troops_in_country, q, axis=0, method="inverted_cdf"))
        want_tonnes = order_statistic(raw.retrograde_lifted_t, q)
        assert np.array_equal(tonnes[i], want_tonnes), q
        assert np.array_equal(retro[i], want_tonnes / doha.liftable_t), q  # the fraction of the exact integer
    assert all(v.all() for v in whole.daily_bands_exact().values())
    # a band between the extremes that a binned summary would have printed as a bin's centre
    assert (np.mod(troops, 1) == 0).all() and ((troops > 0) & (troops < doha.total_troops)).any()


def test_day_tables_merge_exactly_in_any_order_and_grouping(run):
    _, parts, whole = run
    for perm in itertools.permutations(parts):
        assert Summary.merge_all(perm) == whole
    a, b, c = parts
    assert a.merge(b).merge(c) == c.merge(a.merge(b)) == whole
    assert whole.fingerprint() == Summary.merge_all(parts[::-1]).fingerprint()


def test_coarsened_days_are_merged_exactly_and_labelled_approximate(monkeypatch, doha, tmp_path):
    """With room for 3 distinct values a day, busy days keep bins of a power of two: still
    exactly mergeable, within half a bin, and flagged in daily.csv."""
    from drawdown.report import daily_rows

    monkeypatch.setattr(drawdown.results.Book, "day_value_cap", property(lambda self: 3))
    chunks = list(iter_chunks(doha, 300, SEED, block_size=100, chunk_blocks=1))
    kw = dict(seed=SEED, engine="numpy", block_size=100)
    parts = [Summary.from_outcomes(doha, out, blocks=b, **kw) for b, out in chunks]
    raw = Outcomes.concatenate([out for _, out in chunks])
    whole = Summary.from_outcomes(doha, raw, blocks=[b for b, _ in chunks for b in b], **kw)
    for perm in itertools.permutations(parts):
        assert Summary.merge_all(perm) == whole
    exact = whole.daily_bands_exact()
    assert not exact["troops"].all() and exact["troops"].any() and not exact["retrograde"].all()
    level = whole.daily["troops_level"]
    bands = whole.daily_troops_quantiles(QS)
    for i, q in enumerate(QS):
        want = order_statistic(raw.troops_in_country, q)
        assert np.array_equal(bands[i][exact["troops"]], want[exact["troops"]])
        assert (np.abs(bands[i] - want) <= 2.0**level / 2).all()
    rows = daily_rows(doha, whole)
    assert [r["troops_exact"] for r in rows] == exact["troops"].tolist()
    assert [r["retrograde_exact"] for r in rows] == exact["retrograde"].tolist()
    path = whole.to_npz(tmp_path / "coarse.npz")
    assert Summary.from_npz(path) == whole


def test_day_table_by_hand():
    x = np.array([[5, 0, 9], [3, 0, 9], [5, 1, 9], [4, 0, 9]])
    t = st.day_table(x, cap=8)
    assert t.start.tolist() == [0, 3, 5, 6]
    assert t.values.tolist() == [3, 4, 5, 0, 1, 9] and t.counts.tolist() == [1, 1, 2, 3, 1, 4]
    assert st.day_table_ranks(t, [1, 2, 3, 4]).tolist() == [[3, 0, 9], [4, 0, 9], [5, 0, 9], [5, 1, 9]]
    coarse = st.day_table(x, cap=2)  # day 0 has 3 values: 3, 4, 5 >> 1 = 1, 2, 2
    assert coarse.level.tolist() == [1, 0, 0] and coarse.values[:2].tolist() == [1, 2]
    # the sorting path and the counting path give the same table
    wide = np.array([[10**12, 7], [3, 7], [10**12, 8]])
    monkey = st._DENSE_SPAN_PER_ROW
    try:
        st._DENSE_SPAN_PER_ROW = 10**9
        dense = st.day_table(x, 8)
    finally:
        st._DENSE_SPAN_PER_ROW = monkey
    assert st.same_day_tables(dense, t)
    assert st.day_table(wide, 8).values.tolist() == [3, 10**12, 7, 8]


def test_old_summary_files_with_binned_bands_are_refused_and_without_are_read(tmp_path, run):
    _, parts, _ = run
    meta = parts[0]._meta()
    arrays = parts[0]._arrays()
    old = {k: v for k, v in meta.items() if k != "content_version"}
    old["book"] = {**old["book"], "seed": SEED}  # version 1 wrote the seed as a number
    path = write_summary_file(tmp_path / "old.npz", old, arrays)
    with pytest.raises(ResultError, match=r"old\.npz: .*content version 1.*run it again"):
        Summary.from_npz(path)
    bare = parts[0].without_daily()
    meta = {k: v for k, v in bare._meta().items() if k != "content_version"}
    meta["book"] = {**meta["book"], "seed": SEED}
    path = write_summary_file(tmp_path / "old-bare.npz", meta, bare._arrays())
    assert Summary.from_npz(path).hist["final_exit_day"].tolist() == bare.hist["final_exit_day"].tolist()


# -- 2. quantiles with their Monte Carlo intervals --------------------------------------------------
def binomial_cdf(k: int, n: int, q: float) -> float:
    return sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k + 1)) if k >= 0 else 0.0


@pytest.mark.parametrize("n, q", [(10, 0.5), (25, 0.05), (40, 0.95), (101, 0.5), (300, 0.25)])
def test_interval_ranks_are_the_binomial_quantiles(n, q):
    low, high = st.quantile_interval_ranks(n, q)
    # low: the smallest rank with F(low) >= 2.5% (so F(low - 1) < 2.5%); high - 1 likewise at 97.5%
    assert binomial_cdf(low - 1, n, q) < 0.025 or low == 1
    assert binomial_cdf(low, n, q) >= 0.025 or low == 1
    assert binomial_cdf(high - 1, n, q) >= 0.975 or high == n
    assert binomial_cdf(high - 2, n, q) < 0.975
    if 1 < low and high < n:
        assert binomial_cdf(high - 1, n, q) - binomial_cdf(low - 1, n, q) >= 0.95


def test_quantile_intervals_are_order_statistics_of_the_replications(run):
    raw, _, whole = run
    final = np.where(raw.final_exit_day < 0, 10**9, raw.final_exit_day)
    for q in (0.05, 0.5, 0.95):
        ranks = st.quantile_interval_ranks(whole.n, q)
        want = [int(np.sort(final)[r - 1]) for r in ranks]
        got = whole.quantile_interval("final_exit_day", q)
        assert list(got) == [None if w == 10**9 else w for w in want]
        cas = [int(np.sort(raw.casualties)[r - 1]) for r in ranks]
        assert list(whole.quantile_interval("casualties", q)) == cas
        exit0 = np.where(raw.exit_day[:, 0] < 0, 10**9, raw.exit_day[:, 0])
        want0 = [int(np.sort(exit0)[r - 1]) for r in ranks]
        assert list(whole.quantile_interval("exit_day", q, index=0)) == [None if w == 10**9 else w for w in want0]


# -- 3. a median between two modes ------------------------------------------------------------------
def test_bimodal_criterion_on_hand_built_histograms():
    H = 200
    humps = np.zeros(H, np.int64)
    humps[30:40] = 100
    humps[120:130] = 100
    humps[80] = 5  # the median: rank 1,003 of 2,005
    assert st.median_between_modes(humps, 2005) == (30, 80, 120)
    spikes = np.zeros(H, np.int64)
    spikes[3], spikes[36], spikes[58] = 4990, 4900, 110  # council meetings: P(day <= 3) = 0.499
    assert st.median_between_modes(spikes, 10_000) == (3, 36, 36)  # its interval reaches day 3
    spikes[3], spikes[36], spikes[58] = 4000, 3900, 2100  # P(day <= 3) = 0.4: the median is day 36, firmly
    assert st.median_between_modes(spikes, 10_000) is None
    skewed = np.zeros(H, np.int64)
    skewed[10:100] = np.arange(90, 0, -1) * 3  # one mode, a long right tail
    assert st.median_between_modes(skewed, int(skewed.sum())) is None
    plateau = np.zeros(H, np.int64)
    plateau[50:150] = 40
    assert st.median_between_modes(plateau, 4000) is None
    normal = np.bincount(np.random.default_rng(1).normal(100, 15, 5000).astype(int), minlength=H)[:H]
    assert st.median_between_modes(normal, 5000) is None
    small = np.zeros(H, np.int64)
    small[[3, 90]] = 4  # two modes of 4 replications are not evidence
    assert st.median_between_modes(small, 8) is None


def test_doha_medians_are_between_two_modes_and_announced_is_not():
    s = drawdown.load("doha-2021-05-01")
    summary = summarize(s, 2000, seed=2)  # P(decided on 2021-02-18) is about 0.5: here 0.4985
    found = summary.warnings()
    assert any(w.startswith("the decision day has two modes") and "two modes" in w for w in found), found
    assert any(w.startswith("the final exit day has two modes") and "two modes" in w for w in found), found
    left, median, right = summary.median_between_modes("decision_day")
    assert (left, right) == (3, 36) and median in (3, 36)  # 2021-02-18 and 2021-03-23
    clear = summarize(drawdown.load("announced-2021-09-11"), 2000, seed=SEED)
    assert not any("two modes" in w for w in clear.warnings())


# -- 4. seeds and the repeat line; the run's files ------------------------------------------------
def test_run_files_carry_intervals_exact_bands_and_a_string_seed(tmp_path, doha):
    seed = 2**128 - 1
    out = tmp_path / "run"
    r = invoke("run", "doha-2021-05-01", "--reps", "300", "--seed", seed, "--out", out, "--quiet")
    line = next(x for x in r.stdout.splitlines() if x.startswith("run "))
    assert f"seed {seed}" in line and f"repeat with --seed {seed} --reps 300" in line
    assert "95% c.i." in r.stdout
    d = json.loads((out / "summary.json").read_text())
    assert d["seed"] == str(seed) and d["repeat"] == f"--seed {seed} --reps 300"
    assert d["final_exit_day"]["p50_ci"][0] <= d["final_exit_day"]["p50"] <= d["final_exit_day"]["p50_ci"][1]
    again = invoke("run", "doha-2021-05-01", *d["repeat"].split(), "--json", "--quiet")
    assert json.loads(again.stdout)["final_exit_day"] == d["final_exit_day"]

    # daily.csv: each band the order statistic of the per-replication per-day arrays
    raw = Outcomes.concatenate([o for _, o in iter_chunks(doha, 300, seed)])
    rows = list(csv.DictReader((out / "daily.csv").open()))
    assert len(rows) == doha.horizon_days and {r["troops_exact"] for r in rows} == {"True"}
    for key, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
        assert [int(r[f"troops_{key}"]) for r in rows] == order_statistic(raw.troops_in_country, q).tolist()
        tonnes = order_statistic(raw.retrograde_lifted_t, q)
        assert [float(r[f"retrograde_{key}"]) for r in rows] == (tonnes / doha.liftable_t).tolist()

    contingents = list(csv.DictReader((out / "contingents.csv").open()))
    first = contingents[0]
    assert int(first["exit_day_p50_ci_low"]) <= int(first["exit_day_p50"]) <= int(first["exit_day_p50_ci_high"])
    assert first["exit_date_p50_ci_low"] == doha.date_of(int(first["exit_day_p50_ci_low"])).isoformat()


def test_repeat_options_of_a_precision_run(doha):
    from drawdown.report import repeat_options

    summary = summarize(doha, 100, seed=3, block_size=50)
    status = {"target": 0.02, "cap_replications": 5000}
    assert repeat_options(summary, status) == "--seed 3 --precision 0.02 --max-reps 5000 --block-size 50"


@pytest.mark.parametrize("cap", [3, 10, 100])
def test_day_tables_merge_to_the_whole_in_any_grouping_and_window(monkeypatch, cap):
    monkeypatch.setattr(st, "_MERGE_ENTRIES", 7)  # merge a few days at a time
    x = np.random.default_rng(cap).integers(0, 50, (300, 40))
    whole = st.day_table(x, cap)
    parts = [st.day_table(x[i : i + 50], cap) for i in range(0, 300, 50)]
    assert st.same_day_tables(st.merge_day_tables(parts, cap), whole)
    assert st.same_day_tables(st.merge_day_tables(parts[::-1], cap), whole)
    halves = [st.merge_day_tables(parts[:2], cap), st.merge_day_tables(parts[2:], cap)]
    assert st.same_day_tables(st.merge_day_tables(halves, cap), whole)
    st.check_day_table(whole, 300, 40, cap)


def test_binomial_quantile_is_scipys_binom_ppf():
    """The intervals' ranks come from scipy.special (scipy.stats takes a second to import):
    the same integers as scipy.stats.binom.ppf over replication counts from 1 to 10^8."""
    from drawdown.results.stats import binomial_quantile
    from scipy.stats import binom

    for n in (1, 2, 3, 7, 10, 99, 1000, 4000, 20_000, 64_000, 10**6, 10**8):
        for p in (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0):
            for level in (0.025, 0.975, 0.001, 0.999):  # not 0.5: at p = 0.5 a CDF hits it exactly, and
                # binom.ppf rounds such ties either way (n = 7 gives 3, n = 99 gives 50); the levels used are no ties
                assert binomial_quantile(level, n, p) == int(binom.ppf(level, n, p)), (level, n, p)
    assert binomial_quantile(0.5, 7, 0.5) == 3 and binomial_quantile(0.5, 99, 0.5) == 49  # a tie reaches the level
