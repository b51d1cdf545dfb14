"""Both engines against hand-computed cases (DESIGN §1-§3).

Each analytic test writes a small scenario in ``tmp_path`` with deterministic
durations (a fixed number of days), no closures and no attacks unless the test is
about them, and asserts the exact days and counts worked out by hand in its comments.
Day numbers count from ``start = 2021-01-01`` (day 0); "day 5" is 2021-01-06.

Every test that runs an engine takes the ``run`` fixture (or ``one``, built on it) and
runs once on the SimPy reference engine and once on the numpy engine, with the same
assertions. Event traces (``trace_replication``) come from the SimPy engine only; where
a test checks a numpy run against a trace, it checks the two engines against each other.
"""

from __future__ import annotations

import drawdown
import numpy as np
import pytest
from drawdown.draws import BlockInputs, attack_rates, conditions_met_day, poisson_inv, violence_index
from drawdown.engines import OUTCOME_DTYPES, Moment, run_simpy, trace_replication
from drawdown.engines.simpy_engine import Theatre, surely_no_attack

# The scenario and run fixtures (both engines) come from engine_cases through conftest.py.
from engine_cases import ENGINES, START, date, one_contingent


@pytest.fixture
def one(run):
    """Run replication 0 of a scenario, with the daily records, on the engine under test."""

    def one_(s, seed=1, **kw):
        return run(s, 1, seed, record_daily=True, **kw)

    return one_


def events_of(s, kind, seed=1):
    return [e for e in trace_replication(s, seed, 0) if e["kind"] == kind]


# -- one contingent ---------------------------------------------------------------------


def test_one_contingent_exits_on_the_hand_computed_day(scenario, one):
    # 1,000 troops, rear guard 100 (10%), main body 900; 300 t liftable; 100 t and
    # 400 seats a day. Order day 5; ready = 5 + 2 (national delay) + 3 (prep) = day 10.
    #   day 10: cargo 100 (200 t left); seats: main body 400 (500 left, rear guard waits)
    #   day 11: cargo 100 (100 t left); main body 400 (100 left)
    #   day 12: cargo 100 (0 t left: cargo done in this step, so the rear guard may fly
    #           the same day); seats: main body 100 + rear guard 100 = 200 -> exit day 12
    s = scenario(one_contingent())
    c = s.contingents[0]
    assert (c.troops, c.rear_guard, c.liftable_t) == (1000, 100, 300)
    out = one(s)
    assert out.decision_day.tolist() == [5]
    assert out.exit_day.tolist() == [[12]]
    assert out.final_exit_day.tolist() == [12]
    assert out.base_closed_day.tolist() == [[12]]
    assert not out.censored[0]
    expected = [1000] * 10 + [600, 200] + [0] * 48
    assert out.troops_in_country[0].tolist() == expected
    assert out.retrograde_lifted_t[0, 9:14].tolist() == [0, 100, 200, 300, 300]
    # No deadline: never "met", nothing counted past it.
    assert not out.met_deadline[0]
    assert out.troop_days_past_deadline.tolist() == [0]
    assert out.troops_at_deadline.tolist() == [0]


def test_day_zero_flights_leave_before_the_first_count(scenario, one):
    # Order on day 0 and no delays: ready on day 0 itself; 400 fly on day 0, so the
    # first end-of-day count is 1,000 - 400 = 600. 300 t at 100 t/day: cargo done day
    # 2, main body 900 = 400 + 400 + 100, rear guard on day 2 -> exit day 2.
    text = one_contingent(decision='rule = "fixed"\ndate = 2021-01-01')
    text = text.replace("national_delay_days = 2", "national_delay_days = 0").replace("prep_days = 3", "prep_days = 0")
    out = one(scenario(text))
    assert out.troops_in_country[0, :4].tolist() == [600, 200, 0, 0]
    assert out.exit_day.tolist() == [[2]]


def test_rear_guard_waits_for_the_equipment(scenario, one):
    # Seats are plentiful (2,000 a day), cargo is not (100 t a day, 300 t liftable, from
    # 500 t with 40% handed over). Ready day 10: the main body of 900 flies on day 10,
    # the rear guard of 100 waits for the last ton (days 10, 11, 12) and flies on day
    # 12, the day the cargo is done (cargo is lifted before seats are allocated).
    s = scenario(one_contingent(seats=2000, equipment="equipment_t = 500\nhandover_fraction = 0.4"))
    assert s.contingents[0].liftable_t == 300
    out = one(s)
    assert out.troops_in_country[0, 9:14].tolist() == [1000, 100, 100, 0, 0]
    assert out.exit_day.tolist() == [[12]]
    cargo = events_of(s, "cargo")
    assert [e["day"] for e in cargo] == [12]
    # With 300 t a day the equipment is out on day 10 and everyone flies that day.
    out = one(s.replace(**{"bases.A.cargo_t_per_day": 300}))
    assert out.exit_day.tolist() == [[10]]
    # No liftable equipment: cargo is done on the ready day.
    out = one(s.replace(**{'contingents."X@A".handover_fraction': 1}))
    assert out.exit_day.tolist() == [[10]]
    assert out.retrograde_lifted_t[0].max() == 0


def test_horizon_too_short_censors(scenario, one):
    # Same force as the first test, exit day 12; with a 12-day horizon (days 0-11) the
    # rear guard is still in country at the end of day 11.
    out = one(scenario(one_contingent(horizon=12)))
    assert out.censored.tolist() == [True]
    assert out.exit_day.tolist() == [[-1]]
    assert out.final_exit_day.tolist() == [-1]
    assert out.base_closed_day.tolist() == [[-1]]
    assert out.troops_in_country[0, -2:].tolist() == [600, 200]
    assert not out.met_deadline[0] and not out.left_before_conditions[0]
    # 13 days is just enough.
    assert one(scenario(one_contingent(horizon=13))).final_exit_day.tolist() == [12]


def test_zero_seats_is_rejected_not_simulated(scenario):
    # A scenario that could never finish is refused by the validator (DESIGN §1.8), so
    # censoring is tested with a short horizon and a shut airfield instead.
    with pytest.raises(drawdown.ScenarioError, match="seats_per_day"):
        scenario(one_contingent(seats=0))


def test_airfield_always_shut_censors(scenario, one):
    # p_closed_day = 1: every uniform is below 1, the airfield is shut every day.
    s = scenario(one_contingent().replace("cargo_t_per_day = 100", "cargo_t_per_day = 100\np_closed_day = 1"))
    out = one(s)
    assert out.censored.tolist() == [True]
    assert (out.troops_in_country[0] == 1000).all()
    assert (out.retrograde_lifted_t[0] == 0).all()
    shut = events_of(s, "shut")
    assert [e["day"] for e in shut] == list(range(10, 60))


# -- deadline outcomes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "deadline, met, at_deadline, past",
    [
        # End-of-day troops: day 10: 600, day 11: 200, day 12: 0 (first test).
        (12, True, 0, 0),  # exit on the deadline day itself: inside
        (11, False, 200, 200),  # 200 at the end of day 11, 0 on day 12
        (10, False, 600, 800),  # 600 + 200
        (30, True, 0, 0),
        (5, False, 1000, 1000 * 5 + 600 + 200),  # days 5-9 at 1,000
    ],
)
def test_deadline_day_is_inside(scenario, deadline, met, at_deadline, past, one):
    s = scenario(one_contingent()).replace(deadline=date(deadline))
    assert s.deadline_day == deadline
    out = one(s)
    assert out.final_exit_day.tolist() == [12]
    assert out.met_deadline.tolist() == [met]
    assert out.troops_at_deadline.tolist() == [at_deadline]
    assert out.troop_days_past_deadline.tolist() == [past]


@pytest.mark.parametrize("hold, met_day, early", [(10, 12, False), (11, 13, True)])
def test_left_before_conditions(scenario, hold, met_day, early, one):
    # Index 0.5 ** t, at or below 0.2 from day 3: met on day 3 + hold - 1. The force
    # exits on day 12: "leaving too early" only when that is before the met day.
    s = scenario(
        one_contingent()
        + f"""
[conditions]
initial = 1.0
target = 0.0
reversion = 0.5
volatility = 0.0
threshold = 0.2
hold_days = {hold}
tracked = true    # no rule reads the index: tracked so that leaving early is an outcome
"""
    )
    out = one(s)
    assert (out.final_exit_day[0], out.met_day[0]) == (12, met_day)
    assert out.left_before_conditions.tolist() == [early]
    # Never met: leaving is always too early, unless censored.
    never = s.replace(**{"conditions.target": 0.5, "conditions.initial": 0.5})
    assert one(never).met_day.tolist() == [-1]
    assert one(never).left_before_conditions.tolist() == [True]
    short = never.replace(horizon_days=12)
    assert one(short).left_before_conditions.tolist() == [False]
    # Untracked, no rule reads the index: it is not modelled, no one leaves before it.
    untracked = one(s.replace(**{"conditions.tracked": False}))
    assert (untracked.met_day.tolist(), untracked.left_before_conditions.tolist()) == ([-1], [False])


# -- the council ----------------------------------------------------------------------------


def test_fixed_decision_and_start_on(scenario, one):
    # Fixed order on day 5; ready would be day 10 but start_on is day 20: the first
    # flights are on day 20 and the exit two days later (as in the first test).
    s = scenario(one_contingent(decision='rule = "fixed"\ndate = 2021-01-06\nstart_on = 2021-01-21'))
    assert (s.decision.day, s.decision.start_on_day) == (5, 20)
    out = one(s)
    assert out.decision_day.tolist() == [5]
    assert out.troops_in_country[0, 19:23].tolist() == [1000, 600, 200, 0]
    assert out.exit_day.tolist() == [[22]]
    ready = events_of(s, "ready")
    assert [e["ready_day"] for e in ready] == [20]
    assert "start date" in ready[0]["text"]
    # A start_on before the computed ready day changes nothing.
    assert one(s.replace(**{"decision.start_on": date(8)})).exit_day.tolist() == [[12]]


def test_next_meeting_takes_the_first_meeting(scenario, one):
    # p_no_consensus = 0: the first meeting (day 3) decides; ready 3 + 5 = 8, exit 10.
    s = scenario(one_contingent(decision='rule = "next_meeting"\nmeetings = [2021-01-04, 2021-01-09]'))
    out = one(s)
    assert out.decision_day.tolist() == [3]
    assert out.exit_day.tolist() == [[10]]
    # A meeting before start_on decides; only readiness waits for start_on (day 15).
    out = one(s.replace(**{"decision.start_on": date(15)}))
    assert out.decision_day.tolist() == [3]
    assert out.exit_day.tolist() == [[17]]


def test_no_consensus_orders_at_the_latest_decision(scenario, run):
    # p_no_consensus = 1: meetings on days 3 and 8 fail, the order comes on the latest
    # decision date, day 15; ready 20, exit 22.
    s = scenario(
        one_contingent(
            decision=(
                'rule = "next_meeting"\nmeetings = [2021-01-04, 2021-01-09]\np_no_consensus = 1\n'
                "latest_decision = 2021-01-16"
            )
        )
    )
    out = run(s, 20, seed=3)
    assert (out.decision_day == 15).all()
    assert (out.exit_day == 22).all()
    events = trace_replication(s, 3, 0)
    council = [(e["day"], e["kind"]) for e in events if e["kind"] in ("meeting", "decision")]
    assert council == [(3, "meeting"), (8, "meeting"), (15, "decision")]
    assert "without consensus" in events_of(s, "decision", seed=3)[0]["text"]
    # A meeting on the latest decision day that fails still ends in the order that day.
    s2 = s.replace(**{"decision.meetings": [date(3), date(15)]})
    out = run(s2, 5, seed=3)
    assert (out.decision_day == 15).all()
    assert [e["kind"] for e in trace_replication(s2, 3, 0) if e["day"] == 15][:2] == ["meeting", "decision"]


def conditions_case(meetings, special="", extra_conditions=""):
    # The index with volatility 0: V[t] = V[t-1] + 0.5 * (0 - V[t-1]) = 0.5 ** t, exact
    # in binary: 1, 0.5, 0.25, 0.125, 0.0625, ... At or below 0.2 from day 3; held for 3
    # days (3, 4, 5): conditions met on day 5.
    dates = ", ".join(date(m) for m in meetings)
    return (
        one_contingent(decision=f'rule = "conditions"\nmeetings = [{dates}]\n{special}')
        + f"""
[conditions]
initial = 1.0
target = 0.0
reversion = 0.5
volatility = 0.0
threshold = 0.2
hold_days = 3
{extra_conditions}
"""
    )


def test_conditions_index_by_hand(scenario):
    s = scenario(conditions_case([9]))
    V = violence_index(s.conditions, np.random.default_rng(0).standard_normal((8, 3)))
    assert V[:, 0].tolist() == [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125]
    assert conditions_met_day(s.conditions, V).tolist() == [5, 5, 5]
    # Never met within the horizon: -1.
    high = s.replace(**{"conditions.target": 0.5})
    assert conditions_met_day(high.conditions, violence_index(high.conditions, np.zeros((60, 1)))).tolist() == [-1]


def test_conditions_rule_decides_at_first_meeting_on_or_after_met_day(scenario, one):
    # Met on day 5. Meetings on days 2 and 4 come too early; day 9 decides.
    s = scenario(conditions_case([2, 4, 9, 15]))
    out = one(s)
    assert out.met_day.tolist() == [5]
    assert out.decision_day.tolist() == [9]
    assert out.exit_day.tolist() == [[16]]  # ready 9 + 5 = 14, exit 14 + 2
    assert not out.left_before_conditions[0]
    meetings = [(e["day"], e["text"]) for e in trace_replication(s, 1, 0) if e["kind"] in ("meeting", "decision")]
    assert [d for d, _ in meetings] == [2, 4, 9]
    assert "conditions not met" in meetings[0][1]
    # A meeting on the met day itself decides ("on or after").
    assert one(s.replace(**{"decision.meetings": [date(2), date(5)]})).decision_day.tolist() == [5]


def test_special_meeting_after_conditions_are_met(scenario, one):
    # Special meeting at met day 5 + delay 2 = day 7, before the scheduled day 9.
    s = scenario(conditions_case([2, 4, 9, 15], "allow_special_meetings = true\nspecial_meeting_delay_days = 2"))
    out = one(s)
    assert out.decision_day.tolist() == [7]
    decision = events_of(s, "decision")
    assert decision[0]["day"] == 7 and "special meeting" in decision[0]["text"]
    # Delay 4 falls on the scheduled meeting of day 9: one meeting, no extra one.
    s4 = s.replace(**{"decision.special_meeting_delay_days": 4})
    assert one(s4).decision_day.tolist() == [9]
    assert "special" not in events_of(s4, "decision")[0]["text"]
    # Delay past the horizon: no special meeting; the scheduled day 9 decides.
    assert one(s.replace(**{"decision.special_meeting_delay_days": 100})).decision_day.tolist() == [9]
    # Special meetings fail like any other: with p_no_consensus = 1 the latest decision.
    s1 = s.replace(**{"decision.p_no_consensus": 1, "decision.latest_decision": date(30)})
    assert one(s1).decision_day.tolist() == [30]


# -- via, enablers ----------------------------------------------------------------------------

VIA = f"""
start = {START}
horizon_days = 30
deadline = {START}

[bases.A]
seats_per_day = 50
cargo_t_per_day = 10
attack_multiplier = 1.0

[bases.L]
airfield = false
via = "A"
road_days = 2
attack_multiplier = 0.0

[contingents."Y@L"]
troops = 100
national_delay_days = 1
prep_days = 1

[decision]
rule = "fixed"
date = {START}

[threat]
attack_rate_before = 0.0
attack_rate_after = 50.0
"""


def test_via_contingent_moves_by_road_and_counts_at_home_until_ready(scenario, one):
    # Order day 0; ready = 0 + 1 + 1 + 2 (road) = day 4. 100 troops, rear guard 10, no
    # equipment, 50 seats a day at A: 50 on day 4, 50 on day 5 -> exit day 5.
    # Attacks come only after the deadline (day 0) and only where troops count: L has
    # multiplier 0, A multiplier 1 and mean 50 * 100 / 100 = 50 (an attack is sure).
    # The contingent counts at L until it moves in step 3 of day 4, then at A: attacks
    # on days 4 and 5 (troops at the start of day 5 are 50), none after.
    s = scenario(VIA)
    c = s.contingents[0]
    assert (c.road_days, s.bases[c.flies_from].name) == (2, "A")
    out = one(s)
    assert out.exit_day.tolist() == [[5]]
    # base_closed_day in file order: A (its last user exits day 5), L (left on day 4).
    assert out.base_closed_day.tolist() == [[5, 4]]
    events = trace_replication(s, 1, 0)
    attacks = [e for e in events if e["kind"] == "attack"]
    assert [(e["day"], e["base"]) for e in attacks] == [(4, "A"), (5, "A")]
    assert sum(e["attacks"] for e in attacks) == out.attacks[0]
    assert [e["day"] for e in events if e["kind"] == "move"] == [4]


ENABLERS = f"""
start = {START}
horizon_days = 30
enablers_last = {{last}}
{{priority}}

[bases.A]
seats_per_day = 100
cargo_t_per_day = 10

[bases.B]
seats_per_day = 100
cargo_t_per_day = 10

[contingents."US@A"]
troops = {{us}}
rear_guard_fraction = 0.1

[contingents."Y@A"]
troops = 300
rear_guard_fraction = 0.1
depend_on = ["US"]

[contingents."Z@B"]
troops = 300
rear_guard_fraction = 0.1

[decision]
rule = "fixed"
date = {START}

[enablers]
capacity_without_enablers = 0.5
"""


def test_enablers_last_holds_the_enabler_rear_guard(scenario, one):
    # US@A 200 troops (rear guard 20) flies first at A (priority list), Y@A 300
    # (rear guard 30) depends on the US; 100 seats a day at A, ready day 0, no cargo.
    #   day 0: US 100 (main body 80 left + rear guard 20)
    #   day 1: US main body 80; US rear guard held (Y in country); Y 20 (280 left)
    #   day 2: US held; Y 100 (180)     day 3: US held; Y 100 (80)
    #   day 4: US held (the day began with Y in country); Y 80 -> Y exits day 4
    #   day 5: US rear guard 20 -> US exits day 5, the day after its last dependent.
    # Z@B depends on no one and has its own airfield: 100 a day, exits day 2.
    s = scenario(ENABLERS.format(last="true", us=200, priority='priority = ["US@A", "Y@A", "Z@B"]'))
    assert s.enablers.nations == ("US",)
    out = one(s)
    assert out.exit_day.tolist() == [[5, 4, 2]]
    held = [e["day"] for e in events_of(s, "flights") if "held" in e["text"]]
    assert held == [1, 2, 3, 4]
    # Default priority (troops ascending, enablers last): Y first at A, 100 a day on
    # days 0-2, exits day 2. Days 3 and 4 begin with Y out, so nothing holds the US
    # rear guard: US 100 on day 3, the last 100 on day 4.
    out = one(scenario(ENABLERS.format(last="true", us=200, priority="")))
    assert out.exit_day.tolist() == [[4, 2, 2]]


def test_enablers_leave_first_and_cut_their_dependents_capacity(scenario, one):
    # enablers_last = false, default priority puts the enabler first. US@A 150 (rear
    # guard 15, no hold), Y@A 300 depends on the US, 100 seats a day at A.
    #   day 0: US 100 (50 left)          day 1: US 50 -> US exits, E = 1; Y 50 (250)
    #   from day E + 1 = 2, A (used by a dependent) has round(100 * 0.5) = 50 seats:
    #   days 2-6: Y 50 a day -> Y exits day 6.
    # B serves no dependent: not cut; Z@B 300 at 100 a day exits day 2.
    s = scenario(ENABLERS.format(last="false", us=150, priority=""))
    assert s.bases[0].seats_reduced == 50
    assert s.enablers.cut_airfields == ((0,),)
    out = one(s)
    assert out.exit_day.tolist() == [[1, 6, 2]]
    assert out.troops_in_country[0, :8].tolist() == [
        750 - 100 - 100,  # day 0: US 100 at A, Z 100 at B
        550 - 100 - 100,  # day 1: US 50 + Y 50 at A, Z 100
        350 - 50 - 100,  # day 2: Y 50 (cut), Z 100 -> Z out
        150,
        100,
        50,
        0,
        0,
    ]
    reduced = [e["day"] for e in events_of(s, "flights") if "reduced" in e["text"]]
    assert reduced == [2, 3, 4, 5, 6]
    # With enablers last the same force: the US rear guard waits, Y gets full seats.
    #   day 0: Y 100; day 1: Y 100; day 2: Y 100 -> exit 2; US 135 main body on days 3-4
    #   (100 + 35), then its rear guard 15 on day 4 too (65 seats left): exit 4.
    out = one(scenario(ENABLERS.format(last="true", us=150, priority="")))
    assert out.exit_day.tolist() == [[4, 2, 2]]


def test_cuts_from_several_enabler_nations_do_not_compound(scenario, one):
    # Y@A depends on the US and the UK, which each leave from their own airfield on
    # day 0. Y: 100 on day 0, then A has round(100 * 0.5) = 50 seats (not 25): days
    # 1-4 -> exit day 4.
    text = f"""
start = {START}
horizon_days = 20
enablers_last = false
[bases.A]
seats_per_day = 100
cargo_t_per_day = 10
[bases.B]
seats_per_day = 100
cargo_t_per_day = 10
[bases.C]
seats_per_day = 100
cargo_t_per_day = 10
[contingents."US@B"]
troops = 100
[contingents."UK@C"]
troops = 100
[contingents."Y@A"]
troops = 300
depend_on = ["US", "UK"]
[decision]
rule = "fixed"
date = {START}
[enablers]
capacity_without_enablers = 0.5
"""
    s = scenario(text)
    assert s.enablers.nations == ("US", "UK")
    assert one(s).exit_day.tolist() == [[0, 0, 4]]


def test_enablers_gone_expose_their_dependents_bases(scenario, one):
    # No deadline: the rate is attack_rate_before + coupling * max(V, 0); with V = 0
    # throughout (initial 0, target 0, volatility 0) it is 20 attacks a day.
    # exposure_without_enablers = 0 silences every exposed base from day E + 1.
    # US@B 100 leaves on day 0 (100 seats at B): E = 0. Y@A 300 depends on the US, 100
    # seats at A, not cut (capacity 1.0): days 0, 1, 2 -> exit 2. Attacks on A: day 0
    # only (mean 20 * 300 / 400 = 15, sure); from day 1 A is exposed and silent.
    text = f"""
start = {START}
horizon_days = 20
enablers_last = false
[bases.A]
seats_per_day = 100
cargo_t_per_day = 10
[bases.B]
seats_per_day = 100
cargo_t_per_day = 10
attack_multiplier = 0.0
[contingents."US@B"]
troops = 100
[contingents."Y@A"]
troops = 300
depend_on = ["US"]
[decision]
rule = "fixed"
date = {START}
[conditions]
initial = 0.0
target = 0.0
volatility = 0.0
[threat]
attack_rate_before = 20.0
[enablers]
capacity_without_enablers = 1.0
exposure_without_enablers = 0.0
"""
    s = scenario(text)
    out = one(s)
    assert out.exit_day.tolist() == [[0, 2]]
    assert [(e["day"], e["base"]) for e in events_of(s, "attack")] == [(0, "A")]


# -- the threat -------------------------------------------------------------------------------


def test_attack_rates_switch_after_the_deadline(scenario):
    s = scenario(
        one_contingent(extra="deadline = 2021-01-11")
        + """
[threat]
attack_rate_before = 0.1
attack_rate_after = 2.0
escalation_per_week = 0.5
"""
    )
    D = s.deadline_day
    assert D == 10
    rate = attack_rates(s)
    assert rate.shape == (60,)
    assert (rate[: D + 1] == 0.1).all()  # the deadline day is inside: still "before"
    assert (rate[11:18] == 2.0).all()  # first week after: no escalation yet
    assert (rate[18:25] == 3.0).all()  # one full week: 2 * (1 + 0.5)
    assert (rate[25:32] == 4.0).all()
    assert rate[59] == 2.0 * (1 + 0.5 * ((59 - 11) // 7))
    # Without a deadline: before + coupling * max(V, 0), per replication.
    nd = s.replace(deadline="none", **{"threat.violence_coupling": 2.0})
    V = np.array([[1.0, -1.0], [0.5, 0.0]])
    assert attack_rates(nd, V).tolist() == [[2.1, 0.1], [1.1, 0.1]]


def test_attacks_only_after_the_deadline_while_troops_remain(scenario, run):
    # attack_rate_before = 0, after 200 (mean 200 * troops / 1000, at least 40 while 200
    # or more remain at the start of a day: an attack is sure). Deadline day 10, order day 15, ready day 20,
    # exit day 22 (as in the first test, shifted by 10). Attacks on days 11-22 exactly:
    # none on or before the deadline, none once the troops are gone. Days 0-14 come
    # before the order (the first drawn day is 15): their attacks, days 11-14 at mean
    # 200 on all 1,000 troops, are one total told on day 14 (a sure attack: mean 800).
    s = scenario(
        one_contingent(decision='rule = "fixed"\ndate = 2021-01-16', extra="deadline = 2021-01-11")
        + """
[threat]
attack_rate_before = 0.0
attack_rate_after = 200.0
casualties_per_attack = 0.5
"""
    )
    out = run(s, 5, seed=11)
    assert (out.exit_day == 22).all()
    for r in range(5):
        events = trace_replication(s, 11, r)
        attacks = [e for e in events if e["kind"] == "attack"]
        assert [e["day"] for e in attacks] == list(range(14, 23))
        assert attacks[0]["base"] is None and all(e["base"] == "A" for e in attacks[1:])
        assert sum(e["attacks"] for e in attacks) == out.attacks[r]
        assert sum(e["casualties"] for e in attacks) == out.casualties[r]
    assert (out.casualties > 0).all()
    assert out.troop_days_past_deadline.tolist() == [1000 * 10 + 600 + 200] * 5  # days 10-19, 20, 21


THREAT_CLOSURE = f"""
start = {START}
horizon_days = 20

[bases.A]
seats_per_day = 100
cargo_t_per_day = 10

[contingents."X@A"]
troops = 100

[decision]
rule = "fixed"
date = {START}

# V = 1, 0.25, -0.125, ... (exact): V[1] = 1 + 0.5 * (-0.5 - 1) = 0.25,
# V[2] = 0.25 + 0.5 * (-0.5 - 0.25) = -0.125 and below 0 from then on.
[conditions]
initial = 1.0
target = -0.5
reversion = 0.5
volatility = 0.0

[threat]
attack_rate_before = 0.0
violence_coupling = 400.0
p_airfield_hit = {{p_hit}}
closure_days = {{closure}}
"""


@pytest.mark.parametrize(
    "closure, exit_day",
    [
        # No deadline: rate = 400 * max(V, 0) = 400 on day 0, 100 on day 1, 0 after; all
        # 100 troops at A, so attacks are sure on days 0 and 1 and never again.
        # p_airfield_hit = 1: each attack day shuts A for days t .. t + closure - 1.
        (1, 2),  # shut day 0 and day 1; 100 seats on day 2: all fly (no cargo)
        (3, 4),  # shut 0-2, then 1-3: the later end (day 3) holds; exit day 4
        (5, 6),  # shut 0-4, then 1-5
    ],
)
def test_airfield_hit_closes_it_for_closure_days(scenario, closure, exit_day, one):
    s = scenario(THREAT_CLOSURE.format(p_hit=1, closure=closure))
    V = violence_index(s.conditions, np.zeros((4, 1)))[:, 0]
    assert V.tolist() == [1.0, 0.25, -0.125, -0.3125]
    out = one(s)
    assert out.exit_day.tolist() == [[exit_day]]
    events = trace_replication(s, 1, 0)
    assert [e["day"] for e in events if e["kind"] == "attack"] == [0, 1]
    closures = [(e["day"], e["until_day"]) for e in events if e["kind"] == "closure"]
    assert closures == [(0, closure - 1), (1, closure)]
    assert [e["day"] for e in events if e["kind"] == "shut"] == list(range(exit_day))
    # Without hits the troops fly on day 0 (the attacks do not stop the airlift).
    assert one(scenario(THREAT_CLOSURE.format(p_hit=0, closure=closure))).exit_day.tolist() == [[0]]


# -- conservation, determinism, shipped scenarios ----------------------------------------------


@pytest.fixture(scope="module", params=list(ENGINES))
def shipped_runs(request):
    names = ["doha-2021-05-01", "enablers-leave-first", "escalation", "announced-2021-09-11"]
    run = ENGINES[request.param]
    return {n: (drawdown.load(n), run(drawdown.load(n), 12, seed=5, record_daily=True)) for n in names}


def test_conservation_on_shipped_scenarios(shipped_runs):
    for name, (s, out) in shipped_runs.items():
        troops = out.troops_in_country.astype(np.int64)
        lifted = out.retrograde_lifted_t
        assert (np.diff(troops, axis=1) <= 0).all(), name
        assert (troops[:, 0] <= s.total_troops).all(), name
        # Every order is given after day 0 here: nobody flies on day 0.
        assert (out.decision_day > 0).all(), name
        assert (troops[:, 0] == s.total_troops).all(), name
        done = ~out.censored
        assert (troops[done, -1] == 0).all(), name
        assert (troops[out.censored, -1] > 0).all(), name
        assert (np.diff(lifted, axis=1) >= 0).all() and (lifted <= s.liftable_t).all(), name
        assert (lifted[done, -1] == s.liftable_t).all(), name
        # Troops in country are 0 from the final exit day on, positive before it.
        for r in np.flatnonzero(done):
            f = out.final_exit_day[r]
            assert troops[r, f] == 0 and (f == 0 or troops[r, f - 1] > 0), name
        assert (out.final_exit_day[done] == out.exit_day[done].max(axis=1)).all(), name


def test_same_seed_same_outcomes_different_seed_different(run):
    s = drawdown.load("doha-2021-05-01")
    a = run(s, 8, seed=42)
    b = run(s, 8, seed=42)
    c = run(s, 8, seed=43)
    for k, v in a.arrays().items():
        assert np.array_equal(v, getattr(b, k)), k
    assert not all(np.array_equal(v, getattr(c, k)) for k, v in a.arrays().items())
    assert not np.array_equal(a.exit_day, c.exit_day)
    # A replication's outcome does not depend on how many run.
    d = run(s, 3, seed=42)
    for k, v in d.arrays().items():
        assert np.array_equal(v, getattr(a, k)[:3]), k


def test_trace_matches_the_run(run):
    s = drawdown.load("no-consensus")
    out = run(s, 3, seed=9)
    for r in range(3):
        events = trace_replication(s, 9, r)
        exits = {e["contingent"]: e["day"] for e in events if e["kind"] == "exit"}
        assert [exits.get(c.id, -1) for c in s.contingents] == out.exit_day[r].tolist()
        decision = [e for e in events if e["kind"] == "decision"]
        assert [e["decision_day"] for e in decision] == [out.decision_day[r]]


@pytest.mark.parametrize("name", drawdown.list_scenarios())
def test_every_shipped_scenario_runs(name, run):
    s = drawdown.load(name)
    out = run(s, 20, seed=2)
    R, C, N = 20, len(s.contingents), len(s.bases)
    shapes = {"exit_day": (R, C), "base_closed_day": (R, N)}
    for k, dtype in OUTCOME_DTYPES.items():
        v = getattr(out, k)
        assert v.dtype == dtype, k
        assert v.shape == shapes.get(k, (R,)), k
    done = ~out.censored
    assert (out.final_exit_day[done] >= out.decision_day[done]).all()
    assert (out.final_exit_day[~done] == -1).all()
    assert (out.attacks >= 0).all() and (out.casualties >= 0).all()
    if s.deadline_day is None:
        assert not out.met_deadline.any()
        assert (out.troop_days_past_deadline == 0).all()
    else:
        assert (out.met_deadline == (done & (out.final_exit_day <= s.deadline_day))).all()


# -- the SimPy engine itself --------------------------------------------------------------------


def test_the_zero_attack_screen_never_hides_an_attack():
    # surely_no_attack(u, mean) says 0 without an exponential; wherever it does,
    # the shared poisson_inv says 0 too: random means (small ones, where it screens
    # most, and large ones), uniforms spread over [0, 1) and packed just below exp(-mean).
    rng = np.random.default_rng(12)
    mean = np.concatenate((rng.random(20_000) * 0.05, rng.random(20_000) * 2.0, rng.random(2_000) * 60.0, [0.0]))
    u = np.concatenate((rng.random(mean.size), np.exp(-mean) * (1.0 - rng.random(mean.size) * 1e-9)))
    mean = np.concatenate((mean, mean))
    screened = np.array([surely_no_attack(float(x), float(m)) for x, m in zip(u, mean, strict=True)])
    assert screened[:20_000].mean() > 0.95  # small means (most days): it spares nearly every call
    assert screened[mean.size // 2 :].any()  # and it screens right up to the edge of some
    assert (poisson_inv(u[screened], mean[screened]) == 0).all()


def test_the_story_is_built_only_when_told(monkeypatch):
    # Without a trace, no event is added and no text is built: the story's helpers fail
    # if called, and every shipped scenario still runs; with one, the story is there.
    def untold(*args, **kwargs):
        raise AssertionError("story work in a run that tells no story")

    for helper in ("log", "name", "date"):
        monkeypatch.setattr(Theatre, helper, untold)
    for name in drawdown.list_scenarios():
        out = run_simpy(drawdown.load(name), 8, seed=3)
        assert len(out) == 8
    monkeypatch.undo()
    assert events_of(drawdown.load("doha-2021-05-01"), "decision", seed=3)


def test_no_day_is_simulated_before_anything_can_happen(monkeypatch):
    # The adversary starts the day before the first drawn day (with the total of the days
    # before), the airfields and the day book on the first ready day: no process wakes
    # on an earlier day, except the council at its meetings (and the day book once at
    # the order, to read the ready days).
    import drawdown.engines.simpy_engine as engine

    woken = []
    real = engine.wait_until

    def recording(env, day, moment):
        woken.append((day, moment))
        return real(env, day, moment)

    monkeypatch.setattr(engine, "wait_until", recording)
    s = drawdown.load("doha-2021-05-01")
    inputs = BlockInputs(s, 2, 0, rows=5)
    slabs = inputs.draws.slabs()
    for r in range(5):
        woken.clear()
        th = engine.simulate_replication(s, inputs, r, slabs)
        first_drawn, first_ready = int(inputs.first_drawn_day[r]), min(th.ready_day)
        assert th.decision_day > first_drawn > 0 and first_ready > th.decision_day
        days = {m: sorted(d for d, mm in woken if mm == m) for m in Moment}
        assert days[Moment.THREAT][:2] == [first_drawn - 1, first_drawn]
        assert min(days[Moment.AIRLIFT]) == first_ready
        dusks = sorted(set(days[Moment.DUSK]) - {s.deadline_day})  # the deadline is kept at its dusk
        assert dusks[:2] == [first_ready, first_ready + 1]  # and the horizon's end
        assert days[Moment.DAWN] == []  # the conditions are told only in a story
