"""Model v2's mechanisms (docs/network.md) on small theatres worked out by hand, in both
engines: legs, bottlenecks, crossings, phases, ceilings, framework nations, the enabler
hold's scope, interdiction of a road leg and split contingents. And the v1 check: the
network SimPy engine gives the v1 SimPy engine's outcomes on every shipped v1 scenario.

Each case's expected numbers are derived in its comment (tests/network_cases.py holds the
scenarios). The order is given on day 0; ways are legs in file order, then exits.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import drawdown
import network_cases as cases
import numpy as np
import pytest
from drawdown.engines import Outcomes, run_blocks, run_numpy
from drawdown.engines.network_simpy import as_network_scenario, run_network_simpy, trace_network_replication
from drawdown.engines.simpy_engine import run_simpy

_NO_NUMPY = importlib.util.find_spec("drawdown.engines.network_numpy") is None
ENGINES = [
    "simpy",
    pytest.param(
        "numpy",
        marks=pytest.mark.xfail(_NO_NUMPY, reason="the numpy network engine is not written yet", strict=False),
    ),
]
SCENARIOS = sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.toml"))


def _run(scenario, engine: str, reps: int = 3, seed: int = 1) -> Outcomes:
    return Outcomes.concatenate(out for _, out in run_blocks(scenario, [(0, reps)], seed, engine=engine))


def _case(tmp_path, body: str, **fmt) -> drawdown.Scenario:
    return cases.load_case(body.format(**fmt) if fmt else body, tmp_path)


def _all_rows(array, expected) -> None:
    np.testing.assert_array_equal(np.asarray(array), np.broadcast_to(expected, np.shape(array)))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_road_leg_carries_its_capacity_a_day_and_arrives_after_its_transit(tmp_path, engine):
    # 1000 troops (main 900, rear guard 100), 300 a day on a 3-day leg: dispatched on days
    # 0, 1, 2 (300 each: the guard waits for the main body, day 2 takes the last 300 of
    # it) and 3 (the guard's 100); the day-3 convoy arrives on 3 + 3 = 6 and crosses at
    # once: exit day 6 = ceil(1000 / 300) - 1 + 3. Leg at capacity 3 days (days 0-2), the
    # crossing (10000 a day) never. Outpost's last troops leave on day 3.
    out = _run(_case(tmp_path, cases.ROAD_LEG), engine)
    _all_rows(out.exit_day, [6])
    _all_rows(out.carried_troops, [1000, 1000])
    _all_rows(out.days_at_capacity, [3, 0])
    _all_rows(out.base_closed_day, [3])
    _all_rows(out.troops_in_country[:, :8], [1000, 1000, 1000, 700, 400, 100, 0, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_two_leg_route_runs_at_its_bottleneck(tmp_path, engine):
    # Leg 1 (500 a day, 1 day): days 0 (500 of the main 900) and 1 (400 + the guard's 100).
    # Hub receives 500 on day 1 and 500 on day 2. Leg 2 (200 a day, 2 days) is the
    # bottleneck: 200 a day on days 1..5 (1000 / 200 = 5 days; the guard goes on day 5
    # with the last 100 of the main body, none of which is still to pass Hub), arriving
    # 3..7: exit day 7 = 1 + 5 - 1 + 2. At capacity: leg 1 days 0-1 (2), leg 2 days 1-5 (5).
    # Outpost closes on day 1, Hub on day 5.
    out = _run(_case(tmp_path, cases.TWO_LEGS), engine)
    _all_rows(out.exit_day, [7])
    _all_rows(out.carried_troops, [1000, 1000, 1000])
    _all_rows(out.days_at_capacity, [2, 5, 0])
    _all_rows(out.base_closed_day, [1, 5])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_crossing_passes_its_capacity_a_day(tmp_path, engine):
    # 300 troops drive (1 day) to a crossing of 150 a day: all 300 dispatched on day 0
    # (no cargo, so the guard goes too), arrive day 1; the crossing passes 150 on day 1
    # (main body) and 120 + the guard's 30 on day 2: exit day 2, crossing at capacity 2 days.
    out = _run(_case(tmp_path, cases.CROSSING), engine)
    _all_rows(out.exit_day, [2])
    _all_rows(out.days_at_capacity, [0, 2])
    _all_rows(out.base_closed_day, [0])
    _all_rows(out.troops_in_country[:, :3], [300, 150, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_equipment_on_its_own_route_frees_the_rear_guard_once_it_has_left_the_base(tmp_path, engine):
    # The main body (90) flies on day 0. The 300 t drive 100 a day on days 0, 1, 2: after
    # day 2's cargo pass none is at Alpha or still to pass it, so the guard (10) flies on
    # day 2: exit day 2. The tonnes arrive at the crossing on days 2, 3, 4 and pass at
    # once: 100, 200, 300 t out by the ends of days 2, 3, 4 (the run goes on after the
    # last troop, until the last tonne). Ways: the leg, Alpha's airfield, the crossing.
    out = _run(_case(tmp_path, cases.EQUIPMENT_ROUTE), engine)
    _all_rows(out.exit_day, [2])
    _all_rows(out.troops_in_country[:, :4], [10, 10, 0, 0])
    _all_rows(out.retrograde_lifted_t[:, :6], [0, 0, 100, 200, 300, 300])
    _all_rows(out.carried_troops, [0, 100, 0])
    _all_rows(out.carried_t, [300, 0, 300])
    _all_rows(out.days_at_capacity, [3, 0, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_phase_after_another_starts_after_a_pause(tmp_path, engine):
    # A (200, main 180 + guard 20) flies 100 a day: days 0 and 1; phase one complete on
    # day 1. Phase two starts 1 + 1 + 4 = 6; B's preparation of 2 days runs from its
    # phase start: ready max(6 + 2, 0 + 0 + 2) = 8, out that day (1000 seats).
    out = _run(_case(tmp_path, cases.PAUSE), engine)
    _all_rows(out.exit_day, [1, 8])
    _all_rows(out.phase_complete_day, [1, 8])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ceiling_is_landed_on_exactly_and_held_until_released(tmp_path, engine):
    # 1100 in country (A 1000 at 300 seats a day, B 100 in phase two), ceiling 450.
    # Budget: day 0 650 -> 300 fly; day 1 350 -> 300; day 2 50 -> 50: 450 in country,
    # phase one complete on day 2. Phase two starts 2 + 1 + 2 = 5, which releases the
    # ceiling: days 3-4 nobody leaves; day 5 A flies 300 (its last 250 of main body and
    # 50 of its guard), B its 100; day 6 A's last 50.
    out = _run(_case(tmp_path, cases.CEILING), engine)
    _all_rows(out.troops_in_country[:, :8], [800, 500, 450, 450, 450, 50, 0, 0])
    _all_rows(out.phase_complete_day, [2, 5])
    _all_rows(out.exit_day, [6, 5])
    _all_rows(out.days_at_capacity, [3, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_nation_ceiling_holds_that_nation_only_until_its_date(tmp_path, engine):
    # US budget on day 0: 200 - 150 = 50: US flies 50 (priority order: US first), GE all
    # its 100 (GE is not counted). Released on 2021-05-11 = day 10: US's last 150 fly
    # then. Phase one complete on day 0 (US 150 <= 150 at dusk). Per nation, in country:
    # US 150 on days 0-9, 0 from day 10; GE 0 from day 0.
    out = Outcomes.concatenate(
        o for _, o in run_blocks(_case(tmp_path, cases.NATION_CEILING), [(0, 2)], 1, engine=engine, record_nations=True)
    )
    _all_rows(out.exit_day, [10, 0])
    _all_rows(out.phase_complete_day, [0])
    _all_rows(out.nation_troops[:, 9], [150, 0])
    _all_rows(out.nation_troops[:, 10], [0, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_leave_with_waits_for_the_framework_nation_at_the_base_or_anywhere(tmp_path, engine):
    # US@Alpha ready 5, US@Bravo ready 3. GE@Alpha (prep 1) waits for US at Alpha: 5;
    # GE@Charlie has no US at its base: the earliest US anywhere, min(5, 3) = 3. Every
    # airfield seats all at once, so each exits on its ready day.
    out = _run(_case(tmp_path, cases.LEAVE_WITH), engine)
    _all_rows(out.exit_day, [5, 3, 5, 3])


@pytest.mark.parametrize("engine", ENGINES)
def test_leave_with_counts_a_leader_who_is_never_ready_as_never(tmp_path, engine):
    # GE@Delta's leaders: US@Alpha ready 5, US@Charlie ready 100 (past the 60-day horizon:
    # never), US@Bravo in phase "late" after phase "stuck", which never completes (its
    # member is never ready): min(5, never, never) = 5, so GE@Delta is ready and out on 5.
    out = _run(_case(tmp_path, cases.LEAVE_WITH_NEVER), engine, reps=2)
    _all_rows(out.exit_day, [5, -1, -1, 5])
    _all_rows(out.phase_complete_day, [-1, -1])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_follower_waiting_for_a_leader_not_yet_known_is_ready_on_the_first_day_anything_moves(tmp_path, engine):
    # GE@Delta (own ready 0 + 1 = 1) follows US: US@Alpha ready 5, US@Charlie in phase
    # "early" (starts on its date, 2021-05-11 = day 10: ready 10, out 10, "early" complete
    # on 10), US@Bravo in phase "late" after "early": unknown until the end of day 10, then
    # 10 + 1 = 11. Day 5 is the first day anything moves, and GE@Delta's ready day is
    # max(1, min(5, 11, 10)) = 5, though US@Bravo's is not known until day 10: ready and out
    # on day 5 with US@Alpha. In country: 400 on days 0-4, 200 on 5-9, 100 on 10, 0 from 11.
    out = _run(_case(tmp_path, cases.LEAVE_WITH_LATE), engine, reps=2)
    _all_rows(out.exit_day, [5, 11, 10, 5])
    _all_rows(out.phase_complete_day, [10, 11])
    _all_rows(out.troops_in_country[:, :12], [400] * 5 + [200] * 5 + [100, 0])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("scope", "enabler_exit"), [("base", 3), ("theatre", 11)])
def test_a_base_scoped_hold_lets_the_hub_close_first(tmp_path, engine, scope, enabler_exit):
    # E@Hub (main 90, guard 10) is the enabler of D@Outpost (drives 2 days to Hub, out on
    # day 2) and D@Far (ready 10, out on day 10). E's main body flies on day 0.
    # base scope: E's guard is held at Hub while D@Outpost is on its way to Hub (days
    # 0, 1) or there (day 2); it flies on day 3 and Hub closes on day 3, while D@Far is
    # still in country. theatre scope (v1): held while any dependent is in country, so
    # until the day after D@Far's exit: 11.
    out = _run(_case(tmp_path, cases.ENABLER_SCOPE, scope=scope), engine)
    _all_rows(out.exit_day, [enabler_exit, 10, 2])
    _all_rows(out.base_closed_day, [enabler_exit, 10, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_road_leg_shut_by_hits_delays_the_exit_exactly(tmp_path, engine):
    # 300 troops, 100 a day on a 3-day leg; only the leg can be attacked, with a mean of
    # 300 * 1 * 100 / 300 = 100 attacks a day while a convoy is on it (P(0) = e^-100), and
    # every attack shuts it (p_hit = 1) for 4 days. Convoy of day 0 is on the leg days 1-2:
    # shut 1..4, then 2..5; next dispatch day 6 (on the leg 7-8, shut to 11), then day 12
    # (the last 70 + guard 30; on the leg 13-14), arriving 15: exit day 15 (15 without hits
    # would be 5). At least 6 attacks; casualties (50 per attack) surely > 0.
    out = _run(_case(tmp_path, cases.INTERDICTION), engine)
    _all_rows(out.exit_day, [15])
    _all_rows(out.days_at_capacity, [3, 0])
    _all_rows(out.base_closed_day, [12])
    assert (out.attacks >= 6).all() and (out.casualties > 0).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_one_day_road_leg_is_never_attacked(tmp_path, engine):
    # Dispatched on day t, arrived at step 3 of day t + 1: never on the leg at THREAT.
    out = _run(_case(tmp_path, cases.ROAD_ATTACKS, rate=300, days=1), engine, reps=20)
    _all_rows(out.attacks, 0)
    _all_rows(out.exit_day, [3])


def test_road_attacks_have_the_mean_of_the_troops_on_the_leg(tmp_path):
    # Convoys of 100 on days 0, 1, 2 (the last: 70 of the main body, then the 30 of the
    # rear guard), each on the 3-day leg on days t+1 and t+2: 100, 200, 200, 100 troops on
    # days 1-4, 600 troop-days. Mean attacks = 0.3 * 600 / 300 = 0.6 a replication.
    out = run_numpy(_case(tmp_path, cases.ROAD_ATTACKS, rate=0.3, days=3), 8000, 1)
    _all_rows(out.exit_day, [5])
    se = np.sqrt(0.6 / out.attacks.size)
    assert abs(out.attacks.mean() - 0.6) < 5 * se, out.attacks.mean()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_parts_of_a_split_contingent_share_their_draws(tmp_path, engine):
    # Both parts draw their preparation from column 0 (US@Alpha): without phases the same
    # ready (= exit) day; with the rear part in a phase starting 30 days after the order,
    # max(30 + p, 0 + 0 + p) = 30 + p: exactly 30 days after the main part.
    alone = _run(_case(tmp_path, cases.SPLIT, phases=""), engine, reps=20)
    np.testing.assert_array_equal(alone.exit_day[:, 0], alone.exit_day[:, 1])
    assert len(set(alone.exit_day[:, 0].tolist())) > 1, "the preparation should vary between replications"
    phased = _run(_case(tmp_path, cases.SPLIT, phases=cases.SPLIT_PHASES), engine, reps=20)
    np.testing.assert_array_equal(phased.exit_day[:, 1], phased.exit_day[:, 0] + 30)
    np.testing.assert_array_equal(phased.exit_day[:, 0], alone.exit_day[:, 0])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_network_simpy_engine_gives_v1_outcomes_on_shipped_scenarios(path):
    v1 = drawdown.load(path)
    if v1.network is not None:
        pytest.skip("a network scenario")
    a = run_simpy(v1, 8, 3, record_daily=True, record_nations=True)
    b = run_network_simpy(as_network_scenario(v1), 8, 3, record_daily=True, record_nations=True)
    for name, want in {
        **a.arrays(daily=True),
        "nation_troops": a.nation_troops,
        "nation_out_t": a.nation_out_t,
    }.items():
        np.testing.assert_array_equal(getattr(b, name), want, err_msg=name)


def test_the_story_tells_convoys_phases_and_closures(tmp_path):
    kinds = {e["kind"] for e in trace_network_replication(_case(tmp_path, cases.INTERDICTION), 1, 0)}
    assert {"decision", "ready", "depart", "arrive", "attack", "closure", "shut", "exit", "end"} <= kinds
    story = trace_network_replication(_case(tmp_path, cases.CEILING), 1, 0)
    told = [(e["day"], e["kind"]) for e in story]
    assert (2, "ceiling") in told and (2, "phase-complete") in told and (5, "phase-start") in told
