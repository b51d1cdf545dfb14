"""Capacity calendars (MODEL-V2 §3, §7.11): periods with their own capacities on airfields,
crossings and legs, in both network engines, worked out by hand; and the loader's rules.

Every case starts on 2021-05-01 (day 0) with the order given that day, no delays, rear
guards of 10 %. A rear guard moves in the seat pass of the day its main body and its
liftable tonnes have left its place (docs/network.md), so on the same day when seats
are left over.
"""

from __future__ import annotations

import re

import drawdown
import network_cases as cases
import numpy as np
import pytest
from cli_helpers import invoke
from drawdown.engines import Outcomes, run_blocks
from drawdown.errors import ScenarioError

ENGINES = ["simpy", "numpy"]


def _run(scenario, engine: str, reps: int = 4, seed: int = 3) -> Outcomes:
    return Outcomes.concatenate(out for _, out in run_blocks(scenario, [(0, reps)], seed, engine=engine))


def _without_calendars(text: str) -> str:
    """The case with its ``[[...calendar]]`` periods taken out."""
    return re.sub(r"\[\[[^\n]*calendar\]\]\n(?:[^\[\n][^\n]*\n|\n)*", "", text)


def _all_rows(array, expected) -> None:
    np.testing.assert_array_equal(np.asarray(array), np.broadcast_to(expected, np.shape(array)))


#: One airfield of 100 seats a day, closed 2021-05-03..05 (days 2-4), a surge of 400 seats on days 5-6.
AIRFIELD = """
[bases.Alpha]
seats_per_day = 100
cargo_t_per_day = 100

[[bases.Alpha.calendar]]
from = 2021-05-03
to = 2021-05-05
seats_per_day = 0
assumption = "runway repairs: no flights"

[[bases.Alpha.calendar]]
from = 2021-05-06
to = 2021-05-07
seats_per_day = 400

[contingents."A@Alpha"]
troops = 1000
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_an_airfield_calendar_with_a_closed_period_and_a_surge(tmp_path, engine):
    # Main body 900, rear guard 100. Seats: day 0 100, day 1 100, days 2-4 none (closed),
    # day 5 400 (main 600 flown), day 6 400: the last 300 of the main body and the guard's
    # 100: exit day 6. Without the calendar: 1000 / 100 = 10 days, exit day 9.
    # At capacity: days 0, 1, 5, 6 (a day of zero capacity is never "at capacity").
    out = _run(cases.load_case(AIRFIELD, tmp_path), engine)
    _all_rows(out.exit_day, [6])
    _all_rows(out.troops_in_country[:, :8], [900, 800, 800, 800, 800, 400, 0, 0])
    _all_rows(out.carried_troops, [1000])
    _all_rows(out.days_at_capacity, [4])
    plain = _run(cases.load_case(_without_calendars(AIRFIELD), tmp_path), engine)
    _all_rows(plain.exit_day, [9])


#: A 1-day road leg to a crossing of 150 troops a day that is shut on days 1-2.
CROSSING = """
[bases.Outpost]
airfield = false

[crossings.Border]
troops_per_day = 150
cargo_t_per_day = 100

[[crossings.Border.calendar]]
from = 2021-05-02
to = 2021-05-03
troops_per_day = 0
cargo_t_per_day = 0

[legs.Outpost-Border]
from = "Outpost"
to = "Border"
mode = "road"
transit_days = 1
troops_per_day = 10000
cargo_t_per_day = 10000

[contingents."A@Outpost"]
troops = 300
route = ["Outpost-Border"]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_crossing_closed_for_a_period_passes_nothing_then_its_capacity(tmp_path, engine):
    # All 300 dispatched on day 0 (no cargo: the guard goes too), at the border on day 1;
    # shut days 1-2; day 3 passes 150 of the main 270, day 4 the last 120 and the guard's
    # 30: exit day 4 (day 2 without the period). The crossing is at capacity on days 3-4.
    out = _run(cases.load_case(CROSSING, tmp_path), engine)
    _all_rows(out.exit_day, [4])
    _all_rows(out.days_at_capacity, [0, 2])  # the leg never, the crossing on days 3-4
    _all_rows(out.troops_in_country[:, :6], [300, 300, 300, 150, 0, 0])


#: A leg whose cargo capacity surges to 300 t a day on days 0-1 (100 t a day after).
LEG_CARGO = """
[bases.Outpost]
airfield = false

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000

[legs.Outpost-Border]
from = "Outpost"
to = "Border"
mode = "road"
transit_days = 1
troops_per_day = 1000
cargo_t_per_day = 100

[[legs.Outpost-Border.calendar]]
from = 2021-05-01
to = 2021-05-02
cargo_t_per_day = 300
source = "two chartered heavy-lift convoys"

[contingents."A@Outpost"]
troops = 100
equipment_t = 700
route = ["Outpost-Border"]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_leg_cargo_surge_lets_the_rear_guard_go_sooner(tmp_path, engine):
    # Cargo on the leg: 300 t on day 0, 300 on day 1, the last 100 on day 2 (at capacity
    # all three days); the main 90 go on day 0, the guard of 10 waits for the tonnes to
    # leave Outpost, goes on day 2, crosses on day 3: exit day 3. The troop capacity is
    # the base value (the period gives cargo only). Without the surge: 7 days of cargo,
    # the guard on day 6, exit day 7.
    out = _run(cases.load_case(LEG_CARGO, tmp_path), engine)
    _all_rows(out.exit_day, [3])
    _all_rows(out.days_at_capacity[:, 0], [3])
    _all_rows(out.retrograde_lifted_t[:, :4], [0, 300, 600, 700])
    plain = _run(cases.load_case(_without_calendars(LEG_CARGO), tmp_path), engine)
    _all_rows(plain.exit_day, [7])


#: An enabler nation E leaves first (``enablers_last = false``); D's airfield capacity is then cut by half.
ENABLER_CUT = """
[enablers]
capacity_without_enablers = 0.5

[bases.Alpha]
seats_per_day = 100
cargo_t_per_day = 100

[[bases.Alpha.calendar]]
from = 2021-05-04
to = 2021-05-31
seats_per_day = 300

[contingents."E@Alpha"]
troops = 100

[contingents."D@Alpha"]
troops = 1000
depend_on = ["E"]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_the_enabler_cut_applies_to_a_period_rounded_per_period(tmp_path, engine):
    # E (fewer troops: first in priority) takes day 0's 100 seats and is out on day 0;
    # the cut starts on day 1. D gets 50 seats on days 1 and 2, then the period's reduced
    # 150 a day from day 3: 900 more in 6 days, exit day 8. (With the period's nominal 300
    # it would be day 5; with the base's reduced 50, day 20.)
    s = cases.load_case(ENABLER_CUT.replace("enablers_last = true", ""), tmp_path).replace(enablers_last=False)
    assert s.bases[0].calendar[0].troops_reduced == 150
    out = _run(s, engine)
    _all_rows(out.exit_day, [[0, 8]])


def test_a_period_keeps_the_base_value_of_a_key_it_does_not_give_and_rounds_its_own(tmp_path):
    text = AIRFIELD.replace("seats_per_day = 400", "seats_per_day = 400\ncargo_t_per_day = 12.5")
    s = cases.load_case(text, tmp_path)
    closed, surge = s.bases[0].calendar
    assert (closed.first_day, closed.last_day, closed.capacities) == (2, 4, (0, 100, 0, 50))
    assert (surge.first_day, surge.last_day, surge.capacities) == (5, 6, (400, 13, 200, 7))  # 6.5 rounds to 7
    assert closed.assumption == "runway repairs: no flights"
    assert s.is_network  # a base calendar runs in the network engines
    assert "bases.Alpha.calendar" in {path.rsplit("[", 1)[0] for path, _, _ in s.provenance}


def test_a_period_past_the_horizon_is_cut_at_its_last_day(tmp_path):
    text = AIRFIELD.replace("to = 2021-05-07", "to = 2030-01-01")
    s = cases.load_case(text, tmp_path)
    assert s.bases[0].calendar[1].last_day == s.horizon_days - 1


def _problems(tmp_path, body: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        cases.load_case(body, tmp_path)
    return [(p.key, p.message) for p in err.value.problems]


BAD = [
    ("to = 2021-05-05", "to = 2021-05-02", "bases.Alpha.calendar[0].to", "before from"),
    ("from = 2021-05-03", "from = 2021-04-01", "bases.Alpha.calendar[0].from", "before start"),
    (
        "from = 2021-05-06\nto = 2021-05-07",
        "from = 2021-09-01\nto = 2021-09-02",
        "bases.Alpha.calendar[1].from",
        "horizon",
    ),
    ("from = 2021-05-06", "from = 2021-05-05", "bases.Alpha.calendar[1].from", "overlaps calendar[0]"),
    ("seats_per_day = 400", "seats_per_dya = 400", "bases.Alpha.calendar[1].seats_per_dya", "did you mean"),
    ("seats_per_day = 400", "troops_per_day = 400", "bases.Alpha.calendar[1].troops_per_day", "seats_per_day"),
    ("seats_per_day = 400", "seats_per_day = -4", "bases.Alpha.calendar[1].seats_per_day", "out of range"),
    ("seats_per_day = 400", 'note = "x"', "bases.Alpha.calendar[1].note", "unknown key"),
    ("seats_per_day = 400", "", "bases.Alpha.calendar[1]", "changes nothing"),
    ("to = 2021-05-07", "to = 2021-06-30\nfrom_ = 1", "bases.Alpha.calendar[1].from_", "did you mean"),
]


@pytest.mark.parametrize(("old", "new", "key", "words"), BAD, ids=[b[3] for b in BAD])
def test_a_bad_period_is_named_by_its_key(tmp_path, old, new, key, words):
    found = _problems(tmp_path, AIRFIELD.replace(old, new, 1))
    assert any(k == key and words in m for k, m in found), found


def test_a_calendar_that_is_not_a_list_of_periods_or_is_empty_is_refused(tmp_path):
    for text, words in (("calendar = 5", "expected a list of periods"), ("calendar = []", "empty calendar")):
        body = "\n[bases.Alpha]\nseats_per_day = 100\ncargo_t_per_day = 10\n" + text + "\n"
        found = _problems(tmp_path, body + '[contingents."A@Alpha"]\ntroops = 10\n')
        assert any(k == "bases.Alpha.calendar" and words in m for k, m in found), found


def test_a_base_without_an_airfield_has_no_calendar(tmp_path):
    body = CROSSING.replace(
        "airfield = false", "airfield = false\ncalendar = [{from = 2021-05-02, to = 2021-05-03, seats_per_day = 9}]"
    )
    found = _problems(tmp_path, body)
    assert any(k == "bases.Outpost.calendar" and "without an airfield" in m for k, m in found), found


@pytest.mark.parametrize(
    ("body", "old", "new", "key"),
    [
        (AIRFIELD, "to = 2021-05-07\nseats_per_day = 400", "to = 2021-12-31\nseats_per_day = 0",
         "bases.Alpha.calendar[1].seats_per_day"),
        (LEG_CARGO.replace("equipment_t = 700", "equipment_t = 700"), "to = 2021-05-02\ncargo_t_per_day = 300",
         "to = 2021-12-31\ncargo_t_per_day = 0", "legs.Outpost-Border.calendar[0].cargo_t_per_day"),
        (CROSSING, "to = 2021-05-03", "to = 2022-01-01", "crossings.Border.calendar[0].troops_per_day"),
    ],
    ids=["airfield seats", "leg cargo", "crossing troops"],
)  # fmt: skip
def test_a_used_way_that_ends_the_horizon_closed_is_refused(tmp_path, body, old, new, key):
    found = _problems(tmp_path, body.replace(old, new, 1))
    assert any(k == key and "to the horizon's end" in m for k, m in found), found


def test_a_way_that_opens_in_a_period_to_the_horizons_end_is_accepted(tmp_path):
    # The base value is zero, but the period that covers the horizon's end has seats.
    body = AIRFIELD.replace("seats_per_day = 100", "seats_per_day = 0", 1).replace("to = 2021-05-07", "to = 2022-01-01")
    s = cases.load_case(body, tmp_path)
    out = _run(s, "numpy")
    # Nothing until day 5, then 400 a day: 400, 800, then the last 200: exit day 7.
    _all_rows(out.exit_day, [7])


def test_a_period_whose_cut_leaves_no_capacity_is_refused(tmp_path):
    # 0.4 of the period's 1 seat rounds to 0; the base's 100 keep 40.
    body = ENABLER_CUT.replace("seats_per_day = 300", "seats_per_day = 1")
    body = body.replace("capacity_without_enablers = 0.5", "capacity_without_enablers = 0.4")
    header = cases.HEADER.replace("enablers_last = true", "enablers_last = false")
    with pytest.raises(ScenarioError) as err:
        cases.load_text('description = "x"\n' + header + body, tmp_path, "cut")
    found = [(p.key, p.message) for p in err.value.problems]
    assert any(k == "enablers.capacity_without_enablers" and "calendar[0].seats_per_day" in m for k, m in found)


def test_an_overlay_replaces_a_calendar_whole(tmp_path):
    base = cases.load_case(AIRFIELD, tmp_path, name="base")
    child = tmp_path / "child.toml"
    child.write_text(
        'extends = "base.toml"\n\n[[bases.Alpha.calendar]]\nfrom = 2021-05-10\nto = 2021-05-12\nseats_per_day = 50\n'
    )
    s = drawdown.load(child)
    assert [p.first_day for p in s.bases[0].calendar] == [9]
    assert s.hash != base.hash


def test_a_period_can_be_changed_by_its_key_path(tmp_path):
    s = cases.load_case(AIRFIELD, tmp_path)
    more = s.replace({"bases.Alpha.calendar[1].seats_per_day": 500})
    assert more.bases[0].calendar[1].troops_per_day == 500 and more.hash != s.hash


def test_validate_names_the_period_and_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'description = "x"\n' + cases.HEADER + AIRFIELD.replace("from = 2021-05-06", "from = 2021-05-05", 1)
    )
    result = invoke("validate", path, ok=False)
    assert result.exit_code == 2
    assert "bases.Alpha.calendar[1].from" in result.stderr and "Traceback" not in result.stderr + result.stdout
