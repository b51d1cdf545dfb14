"""Per-nation, per-base, per-phase and per-leg outputs (MODEL-V2 §5, ``drawdown run --by``).

Recording (``record_nations``) in both v1 engines, the exact mergeable breakdown
(:mod:`drawdown.results.breakdown`), its text and files (:mod:`drawdown.report.breakdown`),
the API (``Result.nations()``...) and the command line. Every quantile is checked
against ``np.quantile(..., method="inverted_cdf")`` of the per-replication arrays.
"""

from __future__ import annotations

import dataclasses
import json

import drawdown
import numpy as np
import pytest
from click.testing import CliRunner
from drawdown.cli.main import main as cli
from drawdown.engines import Outcomes, run_blocks, run_numpy, run_simpy
from drawdown.engines.numpy_engine import chunk_blocks_for, day_bytes
from drawdown.results.breakdown import Breakdown, check_by, leg_names, nation_exit_days
from drawdown.scenario.network import Exit, Leg, Network, Phase, Plan

DOHA = "doha-2021-05-01"
QS = (0.05, 0.25, 0.5, 0.75, 0.95)


@pytest.fixture(scope="module")
def doha():
    return drawdown.load(DOHA)


@pytest.fixture(scope="module")
def recorded(doha):
    """300 replications in 3 blocks, per-nation days recorded, chunk by chunk."""
    blocks = [(0, 100), (1, 100), (2, 100)]
    return list(run_blocks(doha, blocks, seed=5, block_size=100, chunk_blocks=1, record_nations=True))


def _inverted_cdf(x: np.ndarray, qs=QS) -> np.ndarray:
    """numpy's quantiles of the replications (axis 0): the definition the breakdown must meet."""
    return np.quantile(x, qs, axis=0, method="inverted_cdf")


# -- engines ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [DOHA, "enablers-leave-first"])
def test_both_engines_record_the_same_nation_days(name):
    s = drawdown.load(name)
    a = run_numpy(s, 24, seed=11, block_size=12, record_daily=True, record_nations=True)
    b = run_simpy(s, 24, seed=11, block_size=12, record_daily=True, record_nations=True)
    assert a.nation_troops.shape == (24, s.horizon_days, len(s.nations)) and a.nation_troops.dtype == np.int32
    assert a.nation_out_t.dtype == np.int64
    assert np.array_equal(a.nation_troops, b.nation_troops)
    assert np.array_equal(a.nation_out_t, b.nation_out_t)
    # the nations make up the force, day by day
    assert np.array_equal(a.nation_troops.sum(axis=2), a.troops_in_country)
    assert np.array_equal(a.nation_out_t.sum(axis=2), a.retrograde_lifted_t)


def test_a_nation_has_all_its_troops_before_anyone_is_ready_and_none_after_its_exit(doha):
    out = run_numpy(doha, 20, seed=2, block_size=20, record_nations=True)
    us = doha.nations.index("US")
    us_troops = sum(c.troops for c in doha.contingents if c.nation == "US")  # 1600 + ... = 2500
    assert us_troops == 2500
    assert (out.nation_troops[:, 0, us] == 2500).all()  # day 0: long before any order
    exit_day = nation_exit_days(doha, out.exit_day)[:, us]
    for r in np.flatnonzero(exit_day >= 0):
        assert out.nation_troops[r, exit_day[r], us] == 0 and out.nation_troops[r, exit_day[r] - 1, us] > 0


def test_without_record_nations_nothing_changes(doha):
    plain = run_numpy(doha, 30, seed=4, block_size=10, record_daily=True)
    recorded = run_numpy(doha, 30, seed=4, block_size=10, record_daily=True, record_nations=True)
    assert plain.nation_troops is None and plain.nation_out_t is None
    for name, array in plain.arrays(daily=True).items():
        assert np.array_equal(array, recorded.arrays(daily=True)[name]), name
    [(_, out)] = run_blocks(doha, [(0, 10)], seed=4, block_size=10)
    assert out.nation_troops is None


def test_recording_nations_runs_fewer_blocks_at_once(doha):
    # 12 bytes a replication-day (troops int32 + tonnes int64), 12 more per nation: 12 + 36 * 12 = 444
    assert day_bytes(doha, record_nations=True) == 444
    # a block of 1,000 over 540 days: 444 * 1000 * 540 = 240 MB > the 207 MB bound: one block a chunk
    assert chunk_blocks_for(doha, record_nations=True) == 1
    assert chunk_blocks_for(doha) == 32  # unchanged without


# -- nations' exit days ------------------------------------------------------------------------------
def test_a_nation_exits_with_its_last_contingent_and_is_censored_with_any(doha):
    us = [i for i, c in enumerate(doha.contingents) if c.nation == "US"]  # four bases
    assert len(us) == 4
    days = np.full((3, len(doha.contingents)), 20, dtype=np.int32)
    days[0, us] = [5, 40, 7, 9]  # the last US contingent out on day 40
    days[1, us[2]] = -1  # one US contingent not out by the horizon: the US is not out
    days[2, :] = 3
    got = nation_exit_days(doha, days)[:, doha.nations.index("US")]
    assert got.tolist() == [40, -1, 3]


def test_nation_exit_quantiles_and_intervals_are_those_of_the_replications(doha, recorded):
    breakdown = Breakdown.merge_all(Breakdown.from_outcomes(doha, out, blocks=chunk) for chunk, out in recorded)
    outcomes = Outcomes.concatenate(out for _, out in recorded)
    exits = nation_exit_days(doha, outcomes.exit_day)
    H = doha.horizon_days
    never_last = np.where(exits < 0, H, exits)  # "not out" sorts after every day
    want = _inverted_cdf(never_last)
    for k, row in enumerate(breakdown.nations(doha)):
        got = breakdown.quantile_days("nation_exit_day", k, QS)
        assert [H if g is None else g for g in got] == want[:, k].tolist(), row.nation
        q = row.exit_day
        assert (q.p5, q.p50, q.p95) == (got[0], got[2], got[4])
        # P(out by the deadline) and its binomial standard error sqrt(p (1 - p) / n)
        out_in_time = (exits[:, k] >= 0) & (exits[:, k] <= doha.deadline_day)
        p = out_in_time.mean()
        assert row.p_out_by_deadline.value == pytest.approx(p)
        assert row.p_out_by_deadline.se == pytest.approx(np.sqrt(p * (1 - p) / len(exits)))


def test_a_one_contingent_nation_has_the_summarys_exit_quantiles_and_intervals(doha, recorded):
    from drawdown.results import Summary

    kw = dict(seed=5, engine="numpy", block_size=100)
    summary = Summary.merge_all(Summary.from_outcomes(doha, out, blocks=chunk, **kw) for chunk, out in recorded)
    breakdown = Breakdown.merge_all(Breakdown.from_outcomes(doha, out, blocks=chunk) for chunk, out in recorded)
    germany = doha.nations.index("Germany")
    [i] = [i for i, c in enumerate(doha.contingents) if c.nation == "Germany"]
    q = breakdown.nations(doha)[germany].exit_day
    assert [q.p5, q.p50, q.p95] == summary.quantiles("exit_day", index=i)
    assert [q.p5_ci, q.p50_ci, q.p95_ci] == summary.quantile_intervals("exit_day", index=i)
    for b, row in enumerate(breakdown.bases(doha)):
        c = row.closed_day
        assert [c.p5, c.p50, c.p95] == summary.quantiles("base_closed_day", index=b), row.base


# -- daily bands: exact ------------------------------------------------------------------------------------
def test_daily_bands_are_the_quantiles_of_the_per_replication_days(doha, recorded):
    breakdown = Breakdown.merge_all(Breakdown.from_outcomes(doha, out, blocks=chunk) for chunk, out in recorded)
    outcomes = Outcomes.concatenate(out for _, out in recorded)
    for nation in ("US", "UK", "Luxembourg"):
        k = doha.nations.index(nation)
        assert breakdown.nation_daily_exact(k)["troops"].all()
        troops = breakdown.nation_daily_troops(k, QS)
        assert np.array_equal(troops, _inverted_cdf(outcomes.nation_troops[:, :, k])), nation
        tonnes = breakdown.nation_daily_retrograde_t(k, QS)
        assert np.array_equal(tonnes, _inverted_cdf(outcomes.nation_out_t[:, :, k])), nation
        liftable = sum(c.liftable_t for c in doha.contingents if c.nation == nation)
        share = breakdown.nation_daily_retrograde(doha, k, QS)
        assert np.allclose(share, _inverted_cdf(outcomes.nation_out_t[:, :, k]) / liftable)


def test_merging_is_exact_in_any_order_and_grouping(doha, recorded):
    parts = [Breakdown.from_outcomes(doha, out, blocks=chunk) for chunk, out in recorded]
    assert len(parts) == 3  # one block a chunk
    whole = Outcomes.concatenate(out for _, out in recorded)
    at_once = Breakdown.from_outcomes(doha, whole, blocks=[(0, 100), (1, 100), (2, 100)])
    assert Breakdown.merge_all(parts) == Breakdown.merge_all(parts[::-1]) == at_once
    assert Breakdown.merge_all([Breakdown.merge_all(parts[:2]), parts[2]]) == at_once
    with pytest.raises(drawdown.ResultError, match="share block"):
        Breakdown.merge_all([parts[0], parts[0]])


def test_a_different_day_changes_the_breakdown(doha, recorded):
    """The comparisons above can fail: one replication's day moved is another breakdown."""
    (chunk, out) = recorded[0]
    moved = dataclasses.replace(out, nation_troops=out.nation_troops.copy())
    moved.nation_troops[0, 100, 0] += 1
    assert Breakdown.from_outcomes(doha, moved, blocks=chunk) != Breakdown.from_outcomes(doha, out, blocks=chunk)


# -- phases and legs (network outcomes, faked until the network engines run) ----------------------------------
def _fake_network_scenario(s):
    """doha with a two-leg, two-exit network and two phases (only the names and counts matter here)."""
    legs = tuple(
        Leg(name, "road", 0, 1, 2, 100, 50, 100, 50, 1.0, 0.0, 0) for name in ("Bagram-Kabul", "Kabul-Torkham")
    )
    network = Network(
        places=tuple(b.name for b in s.bases) + ("Torkham",),
        crossings=(),
        legs=legs,
        exits=(Exit("air", 1, 1), Exit("ground", len(s.bases), 0)),
        routes=(),
        enabler_scope="theatre",
        cut_legs=(),
        cut_exits=(),
        exposed_places=(),
        exposed_legs=(),
    )
    phases = tuple(Phase(name, (), "order", -1, None, 0, None) for name in ("one", "two"))
    plan = Plan(phases=phases, phase_of=(), leave_with=(), parent=(), parents=0)
    return dataclasses.replace(s, network=network, plan=plan)


def test_phases_and_legs_from_network_outcomes(doha):
    s = _fake_network_scenario(doha)
    [(chunk, out)] = list(run_blocks(doha, [(0, 4)], seed=1, block_size=4))
    # four replications: phase "one" complete on days 10, 12, 14, -1; "two" on 20, 20, 30, 40
    complete = np.array([[10, 20], [12, 20], [14, 30], [-1, 40]], dtype=np.int32)
    carried = np.array([[100, 0, 50, 7], [300, 10, 50, 1], [200, 20, 50, 0], [0, 30, 50, 0]], dtype=np.int64)
    fake = dataclasses.replace(
        out, phase_complete_day=complete, carried_troops=carried, carried_t=2 * carried, days_at_capacity=carried // 10
    )
    b = Breakdown.from_outcomes(s, fake, blocks=chunk)
    one, two = b.phases(s)
    # inverted_cdf of 4 values: 5% and 25% -> rank 1, 50% -> rank 2, 95% -> rank 4
    assert (one.complete_day.p5, one.complete_day.p50, one.complete_day.p95) == (10, 12, None)
    assert (two.complete_day.p5, two.complete_day.p50, two.complete_day.p95) == (20, 20, 40)
    assert one.p_complete_by_horizon.value == 0.75  # 3 of 4
    legs = b.legs(s)
    assert (
        [(r.name, r.kind) for r in legs]
        == leg_names(s)
        == [
            ("Bagram-Kabul", "road leg"),
            ("Kabul-Torkham", "road leg"),
            (doha.bases[1].name, "air exit"),
            ("Torkham", "ground exit"),
        ]
    )
    # means over 4 replications: (100 + 300 + 200 + 0) / 4 = 150 troops, twice that in tonnes;
    # days at capacity (10 + 30 + 20 + 0) / 4 = 15
    assert (legs[0].mean_troops, legs[0].mean_t, legs[0].mean_days_at_capacity) == (150.0, 300.0, 15.0)
    assert legs[3].mean_troops == 2.0  # (7 + 1 + 0 + 0) / 4
    doc = b.to_json_dict(s, ["phase", "leg"])
    assert doc["phases"][0]["complete_day"]["p95"] is None and doc["legs"][2]["kind"] == "air exit"


def test_a_v1_scenario_has_no_phases_or_legs(doha):
    assert check_by(doha, ["base", "nation", "base"]) == ("nation", "base")
    for network_only in ("phase", "leg"):
        with pytest.raises(ValueError, match="only a network scenario"):
            check_by(doha, ["nation", network_only])
    with pytest.raises(ValueError, match="cannot break a run down by country"):
        check_by(doha, ["country"])


# -- API ---------------------------------------------------------------------------------------------------------
def test_result_nations_reruns_the_same_replications(doha):
    r = drawdown.run(doha, reps=200, seed=9)
    rows = r.nations()
    assert [row.nation for row in rows] == list(doha.nations)
    exits = nation_exit_days(doha, r.replications.exit_day)
    us = doha.nations.index("US")
    H = doha.horizon_days
    assert rows[us].exit_day.p50 == int(np.quantile(np.where(exits < 0, H, exits)[:, us], 0.5, method="inverted_cdf"))
    dates, troops, retro = r.nation_daily("US")
    assert troops.shape == (3, H) and float(troops[1, 0]) == 2500.0 and len(dates) == H
    assert [b.base for b in r.bases()] == [b.name for b in doha.bases]
    with pytest.raises(ValueError, match="only a network scenario"):
        r.legs()


def test_result_data_frames_of_nations(doha):
    pytest.importorskip("pandas")
    r = drawdown.run(doha, reps=100, seed=3)
    frame = r.to_dataframe("nations")
    assert list(frame["nation"]) == list(doha.nations) and frame.attrs["kind"] == "nations"
    daily = r.to_dataframe("nations_daily")
    assert len(daily) == doha.horizon_days * len(doha.nations)


# -- command line ---------------------------------------------------------------------------------------------------
def test_run_by_nation_prints_a_table_ordered_by_median_exit():
    res = CliRunner().invoke(cli, ["run", DOHA, "--reps", "200", "--seed", "1", "--by", "nation", "-q"])
    assert res.exit_code == 0, res.output
    lines = res.output.split("nations (36), by median exit:")[1].strip().splitlines()
    assert lines[0].split()[:4] == ["nation", "troops", "median", "exit"]
    # "... 2021-04-10   2021-03-11 .. 2021-11-14  0.753 ± 0.010": the median is 7th from the end
    medians = [line.split()[-7] for line in lines[1:]]
    assert medians == sorted(medians) and len(medians) == 36


def test_the_command_line_knows_every_breakdown():
    from drawdown.cli.options import BY_CHOICES
    from drawdown.results.breakdown import BY

    assert BY_CHOICES == BY


def test_run_by_phase_of_a_v1_scenario_is_a_usage_error():
    res = CliRunner().invoke(cli, ["run", DOHA, "--reps", "10", "--seed", "1", "--by", "phase"])
    assert res.exit_code == 2 and "only a network scenario" in res.output


def test_run_by_phase_of_a_plan_without_phases_says_so():
    res = CliRunner().invoke(cli, ["run", "framework-nations", "--reps", "20", "--seed", "1", "--by", "phase", "-q"])
    assert res.exit_code == 0, res.output
    assert "phases: none (the plan has no phases: every contingent starts with the order)" in res.output


def test_run_by_with_out_adds_files_and_changes_none(tmp_path):
    args = ["run", DOHA, "--reps", "200", "--seed", "3", "-q"]
    plain = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "plain")])
    by = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "by"), "--by", "nation,base", "--json"])
    assert plain.exit_code == 0 and by.exit_code == 0, by.output
    before = {p.name for p in (tmp_path / "plain").iterdir()}
    after = {p.name for p in (tmp_path / "by").iterdir()}
    assert after - before == {"nations.csv", "nations_daily.csv", "nations.png", "bases.csv"}
    for name in before - {"blocks"}:
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "by" / name).read_bytes(), name
    doc = json.loads(by.stdout)
    assert [n["nation"] for n in doc["breakdown"]["nations"]] == list(drawdown.load(DOHA).nations)
    assert "bases" in doc["breakdown"] and "breakdown" not in json.loads((tmp_path / "by" / "summary.json").read_text())
