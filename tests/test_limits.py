"""Integer widths the validator guarantees, and resource bounds (issue 13, defects 4 and 6).

* Defect 4: every bound of a valid scenario follows from the integer types the engines
  hold its quantities in (``drawdown.limits``); totals beyond them are refused with the
  file, the key, what was found and the most allowed; the largest valid scenario of each
  kind (troops, tonnes, seats, cargo, horizon, days, attack counts) runs in both engines
  with the same outcomes and no overflow (troops and tonnes conserved day by day).
* Defect 6: count histograms stay bounded for large counts (sparse beyond a threshold,
  still exact and exactly mergeable); replications, blocks and sweep points are checked
  against documented maxima before any work; a long horizon runs in chunks whose per-day
  arrays stay within the default chunk's, without changing a result.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import drawdown
import numpy as np
import pytest
from drawdown.draws import inputs as inputs_module
from drawdown.engines import OUTCOME_DTYPES, iter_chunks, run_numpy, run_simpy
from drawdown.engines import numpy_engine as ne
from drawdown.limits import (
    COUNT_DTYPE,
    DAY_DTYPE,
    MAX_TOTAL_TONNES,
    MAX_TOTAL_TROOPS,
    TONNES_DTYPE,
    TROOPS_DTYPE,
    dtype_max,
)
from drawdown.results import (
    DENSE_COUNT_BINS,
    RETRO_BINS,
    Summary,
    count_histogram,
    count_histogram_quantile,
    merge_count_histograms,
)
from drawdown.scenario.schema import MAX_DAYS, MAX_HORIZON, MAX_TONNES, MAX_TROOPS
from test_engine_agreement import assert_same_outcomes

ROOT_CMD = [sys.executable, "-m", "drawdown.cli.main"]


def write(tmp_path, text: str, name: str = "case") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def force(contingents: list[tuple[str, int, str]], *, horizon=400, seats=MAX_TROOPS, cargo=MAX_TONNES, extra=""):
    """One airfield ``A``; contingents ``(id, troops, extra lines)``, all ordered on day 1, ready at once."""
    body = "".join(f'\n[contingents."{cid}"]\ntroops = {troops}\n{more}\n' for cid, troops, more in contingents)
    return f"""
start = 2021-01-01
horizon_days = {horizon}
{extra}

[decision]
rule = "fixed"
date = 2021-01-02

[bases.A]
seats_per_day = {seats}
cargo_t_per_day = {cargo}
{body}"""


def both_engines(s, reps=2, seed=1):
    """Both engines' outcomes (per-day arrays included), checked to be the same."""
    ref = run_simpy(s, reps, seed, record_daily=True)
    out = run_numpy(s, reps, seed, record_daily=True)
    assert_same_outcomes(ref, out, s.name)
    return out


def check_conserved(s, out) -> None:
    """Troops in country and tonnes lifted stay within the force, day by day, and move one way."""
    troops, lifted = out.troops_in_country.astype(object), out.retrograde_lifted_t.astype(object)
    assert (troops >= 0).all() and (troops <= s.total_troops).all()
    assert (lifted >= 0).all() and (lifted <= s.liftable_t).all()
    assert (np.diff(troops, axis=1) <= 0).all() and (np.diff(lifted, axis=1) >= 0).all()
    done = ~out.censored
    assert (troops[done, -1] == 0).all() and (lifted[done, -1] == s.liftable_t).all()


# -- the types and the bounds ---------------------------------------------------------------------------


def test_the_bounds_are_those_of_the_engines_types():
    for name in ("int8", "int16", "int32", "int64"):
        assert dtype_max(name) == np.iinfo(name).max
    with pytest.raises(ValueError, match="signed integer type"):
        dtype_max("uint32")
    assert MAX_TOTAL_TROOPS == np.iinfo(TROOPS_DTYPE).max
    # the engines' outcomes are built with the named types
    days = {k for k in OUTCOME_DTYPES if k.endswith("_day")}
    assert {np.dtype(OUTCOME_DTYPES[k]) for k in days} == {np.dtype(DAY_DTYPE)}
    counts = {"attacks", "casualties", "troop_days_past_deadline", "troops_at_deadline"}
    assert {np.dtype(OUTCOME_DTYPES[k]) for k in counts} == {np.dtype(COUNT_DTYPE)}
    # every day a scenario can reach (horizon, delays, a closure's end) is a day the engines hold
    assert MAX_HORIZON + 4 * MAX_DAYS < np.iinfo(DAY_DTYPE).max
    # troop-days of a replication, tonnes as fractions and in the per-day bins
    assert MAX_TOTAL_TROOPS * MAX_HORIZON < np.iinfo(COUNT_DTYPE).max
    assert MAX_TOTAL_TONNES <= 2**53 and MAX_TOTAL_TONNES * RETRO_BINS < np.iinfo(TONNES_DTYPE).max
    assert float(MAX_TOTAL_TONNES) == MAX_TOTAL_TONNES
    # the numpy engine widens its counts to the tonnes type for totals past int32
    assert [ne.count_type(n) for n in (2**15 - 1, 2**15, 2**31 - 1, 2**31)] == [np.int16, np.int32, np.int32, np.int64]
    assert ne.count_type(MAX_TOTAL_TONNES) is np.dtype(TONNES_DTYPE).type


def test_total_troops_past_int32_are_refused_naming_file_key_found_and_most(tmp_path):
    # 2.2e9 troops at one base (220 contingents at the per-key maximum): the numpy engine
    # used to censor every replication while SimPy finished on day 220
    path = write(tmp_path, force([(f"N{i}@A", MAX_TROOPS, "") for i in range(220)]), "huge")
    with pytest.raises(drawdown.ScenarioError) as e:
        drawdown.load(path)
    [problem] = e.value.problems
    assert problem.file == path and problem.key == "contingents"
    assert "2200000000" in problem.message and str(MAX_TOTAL_TROOPS) in problem.message
    r = subprocess.run([*ROOT_CMD, "validate", path], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{path}: contingents: total troops across contingents 2200000000 exceeds 2147483647" in r.stderr


def test_total_troops_key_is_bounded_by_the_troops_type(tmp_path):
    text = force([("X@A", 10, "")]).replace("horizon_days", f"total_troops = {MAX_TOTAL_TROOPS + 1}\nhorizon_days")
    with pytest.raises(drawdown.ScenarioError, match=f"total_troops: out of range: found {MAX_TOTAL_TROOPS + 1}"):
        drawdown.load(write(tmp_path, text))


def test_total_tonnes_are_bounded_by_what_the_engines_hold_exactly():
    from drawdown.scenario.problems import Problems
    from drawdown.scenario.rules import total_tonnes_fit_engines

    found = Problems({}, "s.toml")
    total_tonnes_fit_engines(found, MAX_TOTAL_TONNES)
    assert not found.items
    total_tonnes_fit_engines(found, MAX_TOTAL_TONNES + 1)
    [problem] = found.items
    assert problem.key == "contingents" and str(MAX_TOTAL_TONNES + 1) in problem.message


# -- the largest valid scenarios in both engines ----------------------------------------------------------


def test_three_contingents_at_the_per_key_maximum_of_tonnes(tmp_path):
    # 3 x 10^9 t: the numpy engine reported -1.29e9 t lifted and `drawdown run` died of a ValueError
    path = write(tmp_path, force([(f"{n}@A", 1000, f"equipment_t = {MAX_TONNES}") for n in "XYZ"]), "tonnes")
    s = drawdown.load(path)
    assert s.liftable_t == 3 * 10**9 > np.iinfo(np.int32).max
    out = both_engines(s)
    check_conserved(s, out)
    # cargo 10^9 t a day from the ready day (day 1): every day lifts exactly that much
    lifted = out.retrograde_lifted_t[0]
    assert lifted[:4].tolist() == [0, 10**9, 2 * 10**9, 3 * 10**9]
    r = subprocess.run([*ROOT_CMD, "run", path, "--seed", "1", "--reps", "10", "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


def test_the_largest_valid_force_at_the_largest_seats(tmp_path):
    # troops summed to the troops type's largest value, all at one base, 10^7 seats a day
    n, rest = divmod(MAX_TOTAL_TROOPS, MAX_TROOPS)
    contingents = [(f"N{i}@A", MAX_TROOPS, "") for i in range(n)] + [("Last@A", rest, "")]
    s = drawdown.load(write(tmp_path, force(contingents, horizon=300), "troops"))
    assert s.total_troops == MAX_TOTAL_TROOPS
    out = both_engines(s)
    check_conserved(s, out)
    # every day from the ready day flies exactly a day's seats until the last troops
    flown = -np.diff(out.troops_in_country[0].astype(np.int64))
    flying = flown[flown > 0]
    assert (flying[:-1] == MAX_TROOPS).all() and 0 < flying[-1] <= MAX_TROOPS
    assert int(flown.sum()) == MAX_TOTAL_TROOPS and not out.censored.any()


def test_the_most_tonnes_a_contingent_can_have(tmp_path):
    # 10^7 troops at 10^4 t a troop: 10^11 t a contingent, three of them, cargo 10^9 t a day
    per_troop = "equipment_t_per_troop = 10000"
    s = drawdown.load(write(tmp_path, force([(f"{n}@A", MAX_TROOPS, per_troop) for n in "XYZ"], horizon=500)))
    assert s.liftable_t == 3 * 10**11
    out = both_engines(s)
    check_conserved(s, out)
    gained = np.diff(out.retrograde_lifted_t[0])
    assert set(gained[gained > 0].tolist()) == {MAX_TONNES} and int(out.retrograde_lifted_t[0, -1]) == 3 * 10**11


def test_the_longest_horizon(tmp_path):
    s = drawdown.load(write(tmp_path, force([("X@A", 1000, "equipment_t = 10")], horizon=MAX_HORIZON, seats=100)))
    assert s.horizon_days == MAX_HORIZON
    out = both_engines(s)
    check_conserved(s, out)
    assert out.troops_in_country.shape == (2, MAX_HORIZON) and (out.final_exit_day == 10).all()


def test_the_longest_delays_and_closures(tmp_path):
    # a closure's end far past the horizon (the numpy engine's days in int32), delays past it
    extra = """
[threat]
attack_rate_before = 5
p_airfield_hit = 1
closure_days = 100000
"""
    slow = f"national_delay_days = {MAX_DAYS}\nprep_days = {MAX_DAYS}"
    contingents = [("X@A", 1000, "equipment_t = 10"), ("Y@A", 1000, slow)]
    s = drawdown.load(write(tmp_path, force(contingents, horizon=400, seats=100, cargo=5, extra=extra)))
    assert ne._Plan(s).day_dtype is np.int32
    out = both_engines(s)
    check_conserved(s, out)
    assert out.censored.all() and (out.exit_day[:, 1] == -1).all()


CAP = """
start = 2021-01-01
horizon_days = 540

[decision]
rule = "fixed"
date = 2021-01-02

[threat]
attack_rate_before = 990000
casualties_per_attack = 0.99

[enablers]
exposure_without_enablers = 1.0

[bases.A]
seats_per_day = {seats}
cargo_t_per_day = 10

[contingents."X@A"]
troops = 10000
"""


def test_attack_counts_at_the_cap_in_both_engines_and_a_bounded_histogram(tmp_path):
    # a daily attack mean of 990,000 (the cap is 10^6) for the 500 days the force takes to leave
    s = drawdown.load(write(tmp_path, CAP.format(seats=20), "cap"))
    out = both_engines(s, reps=3)
    assert (out.attacks > 10**8).all() and (out.casualties > 10**8).all()
    summary = Summary.from_outcomes(s, out, blocks=[(0, 3)], seed=1, engine="numpy")
    for name in ("attacks", "casualties"):
        h = summary.hist[name]
        # bounded by the replications, not by the counts (a dense one had 2.5e8 bins: 2 GB)
        assert h.shape == (2, 3) and h.nbytes <= 16 * 3
        x = getattr(out, name)
        for q in (0.0, 0.05, 0.5, 0.95, 1.0):
            assert summary.quantile(name, q) == int(np.quantile(x, q, method="inverted_cdf"))
        assert summary.sums[name] == int(x.sum())


def test_the_casualty_table_does_not_grow_with_the_attack_counts():
    from drawdown.draws import CasualtyTable, poisson_inv

    table = CasualtyTable(0.5)
    u = np.linspace(0.001, 0.999, 7)
    attacks = np.array([0, 3, 40, 4095, 4096, 10**6, 2 * 10**6])
    assert table.casualties(u, attacks).tolist() == poisson_inv(u, 0.5 * attacks).tolist()
    assert table.cdf.shape[0] <= CasualtyTable.rows


# -- count histograms: dense or sparse, exact --------------------------------------------------------------


def test_count_histograms_are_dense_below_the_threshold_and_sparse_from_it():
    small = np.array([0, 3, 3, DENSE_COUNT_BINS - 1])
    assert count_histogram(small).shape == (DENSE_COUNT_BINS,)
    assert np.array_equal(count_histogram(small), np.bincount(small))
    big = np.array([5, DENSE_COUNT_BINS, 10**15, 5])
    assert count_histogram(big).tolist() == [[5, DENSE_COUNT_BINS, 10**15], [2, 1, 1]]


@pytest.mark.parametrize("seed", range(5))
def test_count_histograms_merge_exactly_in_any_order_and_give_exact_quantiles(seed):
    rng = np.random.default_rng(seed)
    parts = [
        rng.integers(0, 50, 30),
        rng.integers(0, DENSE_COUNT_BINS, 30),
        rng.integers(0, 10**12, 5),
        rng.integers(DENSE_COUNT_BINS - 3, DENSE_COUNT_BINS + 3, 20),
    ][: 2 + seed % 3]
    whole = np.concatenate(parts)
    expected = count_histogram(whole)
    hists = [count_histogram(p) for p in parts]
    for order in (hists, hists[::-1], hists[1:] + hists[:1]):
        merged = merge_count_histograms(order)
        assert merged.dtype == np.int64 and np.array_equal(merged, expected)
    pairwise = hists[0]
    for h in hists[1:]:
        pairwise = merge_count_histograms([pairwise, h])
    assert np.array_equal(pairwise, expected)
    for q in (0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 1.0):
        assert count_histogram_quantile(expected, whole.size, q) == int(np.quantile(whole, q, method="inverted_cdf"))


def test_a_summary_with_sparse_histograms_merges_and_round_trips(tmp_path):
    s = drawdown.load(write(tmp_path, CAP.format(seats=2000), "cap"))
    parts = [drawdown.batch.summarize(s, 4, seed=3, block_size=2, blocks=[(b, 2)]) for b in (1, 0)]
    whole = drawdown.batch.summarize(s, 4, seed=3, block_size=2)
    assert whole.hist["attacks"].ndim == 2
    assert Summary.merge_all(parts) == whole
    assert Summary.from_npz(whole.to_npz(tmp_path / "s.npz")) == whole
    # a file's count histogram must be in its canonical form
    bad = whole.copy()
    bad.hist["attacks"] = np.array([[1, 2], [3, 1]])
    with pytest.raises(drawdown.ResultError, match="attacks"):
        Summary.from_npz(bad.to_npz(tmp_path / "bad.npz"))


# -- replications, blocks and sweep points ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--reps", str(10**12)], "--reps 1000000000000 is more replications than a run can hold"),
        (["--precision", "0.01", "--max-reps", str(10**9)], "--max-reps 1000000000 is more replications"),
        (["--reps", "100001", "--block-size", "1"], "--reps 100001 in blocks of --block-size 1 make 100001 blocks"),
        (["--reps", "10", "--block-size", "100000"], "--block-size 100000 is not a block size"),
    ],
)
def test_too_many_replications_exit_2_before_any_work(tmp_path, args, words):
    out = tmp_path / "out"
    r = subprocess.run(
        [*ROOT_CMD, "run", "--seed", "1", "-q", *args, "--out", str(out)], capture_output=True, text=True
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"error: {words}" in r.stderr
    assert not out.exists()  # nothing written


def test_the_library_checks_replications_before_any_work():
    from drawdown.batch import MAX_REPS, RunBatch, check_reps, run_to_precision, summarize

    doha = drawdown.load("doha-2021-05-01")
    assert check_reps(MAX_REPS) == MAX_REPS
    for call in (
        lambda: drawdown.run(doha, reps=10**12, seed=1),
        lambda: drawdown.compare(doha, doha.replace(deadline="2021-09-11"), reps=10**12, seed=1),
        lambda: summarize(doha, 10**12, 1),
        lambda: run_to_precision(doha, 1, 0.01, max_reps=10**12),
        lambda: RunBatch(doha, 1, reps=10**12),
    ):
        with pytest.raises(drawdown.DrawdownError, match="1000000000000 is more replications than a run can hold"):
            call()


SWEEP = """
base = "doha-2021-05-01"
seed = 1
replications = {reps}
design = "{design}"
{points}
[factors.'threat.attack_rate_after']
low = 0.1
high = 0.5
{steps}
[factors.'threat.attack_rate_before']
low = 0.1
high = 0.5
{steps}
"""


@pytest.mark.parametrize(
    "reps, design, points, steps, key, words",
    [
        (100, "lhs", "points = 1000000000", "", "points", "1000000000 points are more than a sweep can hold"),
        (100, "grid", "", "steps = 100000", "factors", "a grid of 100000 x 100000 = 10000000000 points"),
        (10**12, "sobol", "points = 4", "", "replications", "replications=1000000000000 is more replications"),
    ],
)
def test_too_many_sweep_points_exit_2_before_any_design_is_built(tmp_path, reps, design, points, steps, key, words):
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP.format(reps=reps, design=design, points=points, steps=steps))
    out = tmp_path / "out"
    r = subprocess.run([*ROOT_CMD, "sweep", str(spec), "--out", str(out), "-q"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"error: {spec}: {key}: {words}" in r.stderr
    assert not out.exists()


# -- long horizons in bounded chunks ---------------------------------------------------------------------------


def test_chunks_of_a_long_horizon_hold_no_more_per_day_arrays_than_a_default_chunk():
    doha = drawdown.load("doha-2021-05-01")
    assert ne.chunk_blocks_for(doha) == ne.DEFAULT_CHUNK_BLOCKS  # the default run as it was
    assert ne.CHUNK_DAY_BYTES == ne.DEFAULT_CHUNK_BLOCKS * 1000 * 540 * 12
    longest = doha.replace({"horizon_days": MAX_HORIZON})
    assert ne.chunk_blocks_for(longest) == 1
    # 20 blocks of 50 replications over 20,000 days: chunks of 17 blocks at most
    sizes = []
    for chunk, out in iter_chunks(longest, 1000, 1, block_size=50):
        sizes.append(len(chunk))
        assert out.troops_in_country.nbytes + out.retrograde_lifted_t.nbytes <= ne.CHUNK_DAY_BYTES
    assert sum(sizes) == 20 and max(sizes) <= ne.chunk_blocks_for(longest, 50) == 17


def test_chunking_and_day_windows_change_no_result(monkeypatch):
    s = drawdown.load("conditions-based").replace({"horizon_days": 900})
    whole = run_numpy(s, 300, 5, record_daily=True, block_size=100)
    monkeypatch.setattr(ne, "CHUNK_DAY_BYTES", 20 * 100 * 900)  # one block a chunk
    monkeypatch.setattr(ne, "STATE_FREE_CELLS", 7 * 900)  # whole-horizon streams by day windows
    monkeypatch.setattr(inputs_module, "DAY_WINDOW_CELLS", 100 * 37)  # of 37 days
    assert ne.chunk_blocks_for(s, 100) == 1
    sliced = run_numpy(s, 300, 5, record_daily=True, block_size=100)
    assert_same_outcomes(whole, sliced, "sliced")


def test_a_block_of_the_longest_horizon_never_holds_its_whole_horizon_draws():
    """The violence normals of a block (160 MB at 20,000 days; the conditions rule reads
    them) are drawn a window of days at a time: the state-free inputs' largest simultaneous
    allocation is a few windows (8 MiB each) and the block's per-replication results."""
    import tracemalloc

    from drawdown.draws import DAY_WINDOW_CELLS, BlockDraws, StateFree

    # the conditions rule reads the index; a deadline keeps the attack rate one per day, not per row
    longest = drawdown.load("conditions-based").replace({"horizon_days": MAX_HORIZON, "deadline": "2021-09-11"})
    assert ne.STATE_FREE_CELLS < MAX_HORIZON * 1000  # the engine takes this path (below)
    tracemalloc.start()
    try:
        draws = BlockDraws(longest, 1, 0, whole_horizon=False)
        sf = StateFree.by_days(longest, draws)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole_horizon = MAX_HORIZON * 1000 * 8  # what drawing the normals whole would hold
    assert draws.violence.size == 0 and draws.meeting_u.size <= 1000 * len(longest.decision.meeting_days)
    assert peak <= 4 * DAY_WINDOW_CELLS * 8 < whole_horizon // 4
    assert sf.decision_day.shape == (1000,) and sf.rate.shape == (MAX_HORIZON,)


def test_the_engine_draws_a_long_horizon_by_day_windows_and_a_default_one_whole(monkeypatch):
    from drawdown.draws import StateFree

    calls = []
    by_days = StateFree.by_days.__func__  # type: ignore[attr-defined]

    def counted(cls, *args, **kwargs):
        calls.append(1)
        return by_days(cls, *args, **kwargs)

    monkeypatch.setattr(StateFree, "by_days", classmethod(counted))
    assert ne.STATE_FREE_CELLS == 10 * 1000 * 540  # by day windows past 5,400 days of blocks of 1,000
    monkeypatch.setattr(ne, "STATE_FREE_CELLS", 20 * 600)  # past 600 days of blocks of 20
    s = drawdown.load("conditions-based").replace({"horizon_days": 601})
    run_numpy(s.replace({"horizon_days": 600}), 20, 1, block_size=20)
    assert calls == []
    windows = run_numpy(s, 40, 1, block_size=20, record_daily=True)
    assert calls == [1, 1]  # one per block
    monkeypatch.setattr(ne, "STATE_FREE_CELLS", 10**9)
    whole = run_numpy(s, 40, 1, block_size=20, record_daily=True)
    assert calls == [1, 1]
    assert_same_outcomes(whole, windows, "by day windows")


def test_folding_a_chunk_into_the_total_stays_small_at_the_longest_horizon(monkeypatch):
    """Folding a chunk into the running total at 20,000 days: the per-day day tables are a
    few MB (the binned per-day histograms before them were 73 MB), and the fold costs one
    chunk's histograms and windows, measured at 27.7 MB both before and after the tables;
    summarising the chunk alone went from 89.9 MB to 13.3 MB."""
    import tracemalloc

    from drawdown.results import summary as summary_module

    # Windows of 650 days for these 100 replications (those of 1,000 are 262 days wide).
    monkeypatch.setattr(summary_module, "_DAILY_CELLS", 1 << 16)
    longest = drawdown.load("doha-2021-05-01").replace({"horizon_days": MAX_HORIZON})
    (b0, o0), (b1, o1) = iter_chunks(longest, 200, 3, block_size=100, chunk_blocks=1)
    kw = dict(seed=3, engine="numpy", block_size=100)
    total = Summary.from_outcomes(longest, o0, blocks=b0, **kw)
    expected = total.copy().merge(Summary.from_outcomes(longest, o1, blocks=b1, **kw))
    daily_bytes = sum(a.nbytes for a in total.daily.values())
    tracemalloc.start()
    try:
        merged = total.add_outcomes(longest, o1, blocks=b1, **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert merged == expected and merged.daily is not None and total.daily is None
    assert daily_bytes < 8 << 20  # exact day tables, not binned histograms of every troop count
    assert peak < 36 << 20, peak  # half of the old per-day histograms alone
