"""Equipment as its own process (MODEL-V2 §3, §7.9, §7.12): its own start, disposal in
place at a rate (a contingent's own or its nation's, shared in priority order), hub
pooling along an equipment route, ``equipment_complete_day``; in both network engines,
worked out by hand; conservation of tonnes; and the loader's rules.

Every case starts on 2021-05-01 (day 0) with the order given that day unless it says
otherwise, no delays, rear guards of 10 %. Step 5 of a day disposes first, then the
cargo pass, then the seat pass; a rear guard waits for its liftable tonnes only.
"""

from __future__ import annotations

from pathlib import Path

import drawdown
import network_cases as cases
import numpy as np
import pytest
from cli_helpers import invoke
from drawdown.draws import BlockInputs
from drawdown.engines import Outcomes, run_blocks
from drawdown.engines.network_numpy import run_network_numpy
from drawdown.engines.network_simpy import simulate_network_replication
from drawdown.errors import ScenarioError

ENGINES = ["simpy", "numpy"]
#: Every equipment key in one small scenario (also the fuzzer's base of edits).
EXAMPLE = Path(__file__).parent / "data" / "equipment-first.toml"


def _run(scenario, engine: str, reps: int = 4, seed: int = 3) -> Outcomes:
    return Outcomes.concatenate(out for _, out in run_blocks(scenario, [(0, reps)], seed, engine=engine))


def _all_rows(array, expected) -> None:
    np.testing.assert_array_equal(np.asarray(array), np.broadcast_to(expected, np.shape(array)))


#: 100 troops and 1000 t at one airfield of 1000 seats and 100 t a day: 20 % handed over
#: (200 t), half disposed of in place at 100 t a day (500 t), 300 t to fly.
DISPOSAL = """
[bases.Alpha]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."A@Alpha"]
troops = 100
equipment_t = 1000
handover_fraction = 0.2
disposal_share = 0.5
disposal_t_per_day = 100
"""


def test_the_tonnes_split_into_handover_disposal_and_liftable(tmp_path):
    c = cases.load_case(DISPOSAL, tmp_path).contingents[0]
    assert (c.equipment_t, c.handover_t, c.disposal_t, c.liftable_t, c.disposal_t_per_day) == (1000, 200, 500, 300, 100)


@pytest.mark.parametrize("engine", ENGINES)
def test_disposal_at_a_rate_outlasts_the_troops_and_the_rear_guard_waits_for_liftable_tonnes_only(tmp_path, engine):
    # Cargo 100 t a day on days 0, 1, 2 (300 t): the main body (90) flies on day 0, the
    # rear guard (10) on day 2 once the liftable tonnes are out: exit day 2. Disposal of
    # 100 t a day from day 0: 500 t by the end of day 4, so the equipment is complete on
    # day 4 (the handover's 200 t went on day 0); the run ends then.
    out = _run(cases.load_case(DISPOSAL, tmp_path), engine)
    _all_rows(out.exit_day, [2])
    _all_rows(out.equipment_complete_day, [4])
    _all_rows(out.troops_in_country[:, :4], [10, 10, 0, 0])
    _all_rows(out.retrograde_lifted_t[:, :5], [100, 200, 300, 300, 300])
    _all_rows(out.carried_t, [300])


#: Five days of preparation; the equipment may start before the troops.
EARLY = """
[bases.Alpha]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."A@Alpha"]
troops = 100
equipment_t = 300
prep_days = 5
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_equipment_starting_at_the_order_leaves_before_the_troops(tmp_path, engine):
    # With the troops (ready day 5): cargo on days 5, 6, 7, the rear guard waits: exit day 7.
    # At the order (day 0): cargo on days 0, 1, 2 (complete day 2); on day 5 main body and
    # rear guard fly together: exit day 5.
    plain = _run(cases.load_case(EARLY + 'equipment_start = "ready"\n', tmp_path, name="plain"), engine)
    _all_rows(plain.exit_day, [7])
    _all_rows(plain.equipment_complete_day, [7])
    early = _run(cases.load_case(EARLY + 'equipment_start = "order"\n', tmp_path, name="early"), engine)
    _all_rows(early.exit_day, [5])
    _all_rows(early.equipment_complete_day, [2])
    _all_rows(early.retrograde_lifted_t[:, :4], [100, 200, 300, 300])


def _dated(order: str = "2021-05-11") -> str:
    """EARLY without preparation, its equipment starting on day 2 and the order on ``order``."""
    body = EARLY.replace("prep_days = 5\n", "equipment_start = 2021-05-03\n")
    return body.replace("[bases.Alpha]\n", "[bases.Alpha]\np_closed_day = 0.3\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_equipment_starting_on_a_date_before_the_order(tmp_path, engine):
    # The order on day 10; the equipment from day 2 at 100 t a day unless the weather shuts
    # the airfield (p 0.3): the per-day draws start on day 2 (MODEL-V2 §7.12), so both
    # engines read the same weather. With an open airfield the equipment is out before the
    # order and the troops fly on day 10 or the next open day.
    s = cases.load_case(_dated(), tmp_path).replace({"decision.date": "2021-05-11"})
    inputs = BlockInputs(s, 3, 0, rows=50)
    assert (inputs.first_drawn_day == 2).all()
    out = _run(s, engine, reps=50)
    assert (out.equipment_complete_day >= 4).all() and (out.exit_day >= 10).all()
    assert (out.retrograde_lifted_t[:, 1] == 0).all()  # nothing before its start


def test_equipment_starting_on_a_date_agrees_across_engines(tmp_path):
    s = cases.load_case(_dated(), tmp_path).replace({"decision.date": "2021-05-11"})
    a, b = _run(s, "simpy", reps=60), _run(s, "numpy", reps=60)
    cases.assert_same_outcomes(a, b, ["exit_day", "equipment_complete_day", "retrograde_lifted_t", "final_exit_day"])
    assert len(set(a.equipment_complete_day[:, 0].tolist())) > 1  # the weather made a difference


#: Two US contingents disposing of everything at the nation's 150 t a day; no liftable tonnes.
POOL = """
[bases.Alpha]
seats_per_day = 1000
cargo_t_per_day = 100

[bases.Bravo]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."US@Alpha"]
troops = 100
equipment_t = 300
disposal_share = 1

[contingents."US@Bravo"]
troops = 200
equipment_t = 200
disposal_share = 1

[nations."US"]
disposal_t_per_day = 150
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_nation_rate_is_shared_in_priority_order(tmp_path, engine):
    # Priority troops ascending: US@Alpha (100) first. Day 0: Alpha 150; day 1: Alpha 150
    # (done); day 2: Bravo 150; day 3: Bravo 50 (done). The troops are out on day 0.
    out = _run(cases.load_case(POOL, tmp_path), engine)
    _all_rows(out.exit_day, [0, 0])
    _all_rows(out.equipment_complete_day, [1, 3])
    reversed_priority = cases.load_case(POOL + "\n", tmp_path, name="rev").replace(
        {"priority": ["US@Bravo", "US@Alpha"]}
    )
    # Bravo first: day 0 Bravo 150, day 1 Bravo 50 + Alpha 100, day 2 Alpha 150, day 3 Alpha 50.
    _all_rows(_run(reversed_priority, engine).equipment_complete_day, [3, 1])


#: Kit pooled at the hub: Kandahar's equipment drives 2 days to Bagram's heavy lift (200 t a day).
HUB = """
[bases.Kandahar]
seats_per_day = 1000
cargo_t_per_day = 0

[bases.Bagram]
seats_per_day = 1000
cargo_t_per_day = 200

[legs.Kandahar-Bagram]
from = "Kandahar"
to = "Bagram"
mode = "road"
transit_days = 2
troops_per_day = 0
cargo_t_per_day = 1000

[contingents."A@Kandahar"]
troops = 100
equipment_t = 400
equipment_route = ["Kandahar-Bagram"]

[contingents."B@Bagram"]
troops = 150
equipment_t = 200
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_equipment_pooled_at_a_hub_shares_its_heavy_lift(tmp_path, engine):
    # Day 0: A's 400 t leave Kandahar by road (arriving day 2), B's 200 t fly from Bagram;
    # both contingents' troops fly the same day (their tonnes have left their bases).
    # Bagram then flies A's tonnes: 200 on day 2, 200 on day 3: A's equipment complete on
    # day 3, B's on day 0. Bagram's cargo is at capacity on days 0, 2 and 3.
    out = _run(cases.load_case(HUB, tmp_path), engine)
    _all_rows(out.exit_day, [0, 0])
    _all_rows(out.equipment_complete_day, [3, 0])
    _all_rows(out.retrograde_lifted_t[:, :4], [200, 200, 400, 600])
    _all_rows(out.carried_t, [400, 0, 600])  # the leg, Kandahar, Bagram
    _all_rows(out.days_at_capacity, [0, 0, 3])


def test_tonnes_are_conserved_in_every_replication(tmp_path):
    # Handed over + disposed of + on the way (at a place or on a leg) + out == equipment, per
    # contingent, at the end of a replication, in a scenario with every way of leaving.
    body = HUB.replace('equipment_route = ["Kandahar-Bagram"]', 'equipment_route = ["Kandahar-Bagram"]\n'
                       'handover_fraction = 0.25\ndisposal_share = 0.25\ndisposal_t_per_day = 30\n'
                       'equipment_start = "order"\nprep_days = { min = 0, mode = 3, max = 9 }')  # fmt: skip
    s = cases.load_case(body.replace("cargo_t_per_day = 200", "cargo_t_per_day = 60\np_closed_day = 0.2"), tmp_path)
    inputs = BlockInputs(s, 5, 0, rows=20)
    slabs = inputs.draws.slabs()
    for row in range(20):
        th = simulate_network_replication(s, inputs, row, slabs)
        for c in th.contingents:
            spec = c.spec
            moving = sum(c.cargo) + sum(c.cargo_moving) + c.cargo_out_t
            assert moving == spec.liftable_t
            assert spec.handover_t + spec.disposal_t + spec.liftable_t == spec.equipment_t
            assert 0 <= c.disposed_t <= spec.disposal_t
            assert (c.equipment_day >= 0) == (c.disposed_t == spec.disposal_t and c.cargo_out_t == spec.liftable_t)


def test_in_a_v1_scenario_equipment_is_complete_by_its_contingents_exit():
    # v1: the equipment starts with the troops, nothing is disposed of, and a rear guard
    # waits for its tonnes, so a contingent's equipment is gone on or before its exit day.
    s = drawdown.load("doha-2021-05-01")
    out = run_network_numpy(s, 200, 11)
    done, exited = out.equipment_complete_day, out.exit_day
    assert ((done <= exited) | (exited < 0)).all() and (done[exited >= 0] >= 0).all()
    assert (done[done >= 0] > 0).any()


# -- the loader's rules ----------------------------------------------------------------------


def _problem(tmp_path, body: str) -> str:
    with pytest.raises(ScenarioError) as e:
        cases.load_case(body, tmp_path)
    return str(e.value)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ("disposal_share = 0.9", 'contingents."A@Alpha".disposal_share', "add up to 1.1"),
        ("disposal_t_per_day = 0.4", 'contingents."A@Alpha".disposal_t_per_day', "rounds to 0"),
        ('equipment_start = "odrer"', 'contingents."A@Alpha".equipment_start', "did you mean 'order'"),
        ("equipment_start = 2021-04-30", 'contingents."A@Alpha".equipment_start', "before"),
        ("equipment_start = 2021-07-30", 'contingents."A@Alpha".equipment_start', "horizon"),
    ],
)
def test_a_bad_equipment_key_is_named(tmp_path, change, key, words):
    body = DISPOSAL.replace("disposal_share = 0.5", "disposal_share = 0.5\n" + change, 1)
    if change.startswith("disposal_share"):
        body = DISPOSAL.replace("disposal_share = 0.5", change)
    if change.startswith("disposal_t_per_day"):
        body = DISPOSAL.replace("disposal_t_per_day = 100", change)
    text = _problem(tmp_path, body)
    assert key in text and words in text, text


def test_disposal_needs_a_rate_and_only_one(tmp_path):
    text = _problem(tmp_path, DISPOSAL.replace("disposal_t_per_day = 100\n", ""))
    assert 'contingents."A@Alpha".disposal_share' in text and "500 t to dispose of" in text
    both = DISPOSAL.replace("[contingents.", '[nations."A"]\ndisposal_t_per_day = 50\n\n[contingents.')
    text = _problem(tmp_path, both)
    assert 'contingents."A@Alpha".disposal_t_per_day' in text and "one of the two" in text


def test_a_nation_table_names_a_nation_of_the_scenario(tmp_path):
    text = _problem(tmp_path, POOL.replace('[nations."US"]', '[nations."UK"]'))
    assert "nations.UK" in text and "unknown nation 'UK'" in text
    text = _problem(tmp_path, POOL.replace("disposal_t_per_day = 150", "disposal_t_per_dya = 150"))
    assert "did you mean 'disposal_t_per_day'" in text


def test_contingent_defaults_carry_the_equipment_keys(tmp_path):
    body = EARLY + '\n[contingent_defaults]\nequipment_start = "order"\ndisposal_share = 0.5\ndisposal_t_per_day = 10\n'
    c = cases.load_case(body, tmp_path).contingents[0]
    assert (c.equipment_start, c.disposal_t, c.liftable_t) == ("order", 150, 150)


def test_the_equipment_keys_make_a_network_scenario_and_change_the_hash(tmp_path):
    plain = cases.load_case(EARLY, tmp_path, name="plain")
    early = cases.load_case(EARLY + 'equipment_start = "ready"\n', tmp_path, name="early")
    assert plain.network is None and early.network is not None and plain.hash != early.hash


def test_validate_names_the_key_and_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'description = "x"\n' + cases.HEADER + DISPOSAL.replace("disposal_share = 0.5", "disposal_share = 0.95")
    )
    result = invoke("validate", path, ok=False)
    assert result.exit_code == 2
    assert 'contingents."A@Alpha".disposal_share' in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_equipment_keys_can_be_changed_by_their_key_paths():
    # What a sweep factor does: the nation's rate and a contingent's share, each reached by its path.
    s = drawdown.load(EXAMPLE)
    t = s.replace({"nations.US.disposal_t_per_day": 50, 'contingents."UK@Bagram".disposal_share': 0.25})
    assert t.plan.disposal_pools[0].t_per_day == 50 and t.contingents[2].disposal_t == 100
    assert t.hash != s.hash


def test_the_shipped_equipment_example_agrees_across_engines_and_disposal_outlasts_troops():
    s = drawdown.load(EXAMPLE)
    a, b = _run(s, "simpy", reps=40, seed=9), _run(s, "numpy", reps=40, seed=9)
    cases.assert_same_outcomes(a, b, list(a.arrays(daily=True)))
    uk = 2
    assert (a.equipment_complete_day[:, uk] > a.exit_day[:, uk]).any()


def test_equipment_on_a_date_leaves_when_no_order_ever_comes(tmp_path):
    # The conditions are never met (threshold out of reach), so the council never gives
    # the order: the troops stay to the horizon (censored), yet the equipment that starts
    # on day 2 flies out at 100 t a day (days 2, 3, 4) on both engines, with the weather's
    # per-day draws counted from its start.
    body = _dated().replace("equipment_start = 2021-05-03", "equipment_start = 2021-05-03\nhandover_fraction = 0")
    s = cases.load_case(body, tmp_path).replace(
        {"decision.rule": "conditions", "decision.meetings": ["2021-05-20"], "conditions.threshold": -5}
    )
    a, b = _run(s, "simpy", reps=30), _run(s, "numpy", reps=30)
    cases.assert_same_outcomes(a, b, list(a.arrays(daily=True)))
    assert (a.decision_day == -1).all() and a.censored.all()
    assert (a.equipment_complete_day[:, 0] >= 4).all() and (a.retrograde_lifted_t[:, -1] == 300).all()


# -- outputs ---------------------------------------------------------------------------------


def test_the_summary_keeps_the_day_the_force_s_equipment_is_all_gone(tmp_path):
    # The force's day is the latest contingent's; the histogram merges exactly, survives
    # the summary file, and reaches the JSON document and the report; a v1 summary has none.
    from drawdown.batch import summarize
    from drawdown.report.text import summary_table
    from drawdown.results import Summary

    s = drawdown.load(EXAMPLE)
    whole = summarize(s, 400, seed=2, block_size=100)
    out = run_network_numpy(s, 400, 2, block_size=100)
    force = np.where((out.equipment_complete_day < 0).any(axis=1), -1, out.equipment_complete_day.max(axis=1))
    assert whole.quantile("equipment_complete_day", 0.5) == int(np.quantile(force, 0.5, method="inverted_cdf"))
    assert whole.p_equipment_by(s.deadline_day).k == int(((force >= 0) & (force <= s.deadline_day)).sum())
    parts = [summarize(s, 400, seed=2, block_size=100, first_block=b, blocks=[(b, 100)]) for b in range(4)]
    assert Summary.merge_all(parts) == whole
    again = Summary.from_npz(whole.to_npz(tmp_path / "s.npz"))
    assert again == whole and again.has_equipment_day
    doc = whole.to_json_dict(s)
    assert doc["equipment_complete_day"]["p50"] == whole.quantile("equipment_complete_day", 0.5)
    assert doc["p_equipment_complete_by_deadline"]["value"] == whole.p_equipment_by(s.deadline_day).value
    assert "equipment     all gone" in summary_table(s, whole)
    v1 = summarize(drawdown.load("doha-2021-05-01"), 100, seed=2, block_size=100)
    assert not v1.has_equipment_day and "equipment_complete_day" not in v1.to_json_dict(
        drawdown.load("doha-2021-05-01")
    )


def test_the_nation_breakdown_gives_each_nation_s_equipment_day(tmp_path):
    from drawdown.results.breakdown import Breakdown, nation_exit_days

    s = drawdown.load(EXAMPLE)
    out = run_network_numpy(s, 300, 4, block_size=100)
    b = Breakdown.from_outcomes(s, out, blocks=[(0, 100), (1, 100), (2, 100)])
    rows = {r.nation: r for r in b.nations(s)}
    days = nation_exit_days(s, out.equipment_complete_day)
    uk = s.nations.index("UK")
    assert rows["UK"].equipment_day.p50 == int(np.quantile(days[:, uk], 0.5, method="inverted_cdf"))
    assert rows["US"].equipment_t == sum(c.equipment_t for c in s.contingents if c.nation == "US")
    assert rows["UK"].p_equipment_by_deadline.k == int(((days[:, uk] >= 0) & (days[:, uk] <= s.deadline_day)).sum())


@pytest.mark.parametrize("engine", ENGINES)
def test_each_nation_s_equipment_complete_by_day(tmp_path, engine):
    # DISPOSAL: 200 t handed over on day 0; disposal 100 t a day (days 0-4); cargo 100 t a
    # day (days 0-2). Gone by each day's end: 400, 600, 800, 900, 1000 of 1000 t; the
    # nation's band (all replications alike) says the same as shares.
    s = cases.load_case(DISPOSAL, tmp_path)
    blocks = [(0, 4)]
    out = Outcomes.concatenate(o for _, o in run_blocks(s, blocks, 3, engine=engine, record_nations=True))
    _all_rows(out.nation_gone_t[:, :6, 0], [400, 600, 800, 900, 1000, 1000])
    from drawdown.report.breakdown import nation_daily_rows
    from drawdown.results.breakdown import Breakdown

    b = Breakdown.from_outcomes(s, out, blocks=blocks)
    np.testing.assert_array_equal(b.nation_daily_equipment(s, 0, (0.5,))[0, :5], [0.4, 0.6, 0.8, 0.9, 1.0])
    rows = nation_daily_rows(s, b)
    assert [r["equipment_p50"] for r in rows[:3]] == [0.4, 0.6, 0.8]


def test_the_api_gives_a_nation_s_equipment_bands_and_refuses_a_v1_scenario():
    from drawdown.errors import ResultError

    r = drawdown.run(str(EXAMPLE), reps=100, seed=3)
    dates, kit = r.nation_daily_equipment("UK")
    assert kit.shape == (3, len(dates)) and (np.diff(kit, axis=1) >= 0).all() and kit[:, -1].tolist() == [1.0] * 3
    with pytest.raises(ValueError, match="no nation 'France'"):
        r.nation_daily_equipment("France")
    with pytest.raises(ResultError, match="network engines"):
        drawdown.run("doha-2021-05-01", reps=20, seed=3).nation_daily_equipment("US")
