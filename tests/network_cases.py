"""Scenario texts of model v2 (docs/network.md) shared by the tests: small theatres whose
outcomes are worked out by hand in tests/test_network_mechanisms.py.

Every case starts on 2021-05-01 with the order given that day (day 0), no national
delay and no preparation unless it says so, and rear guards of 10 % of the troops.
"""

from __future__ import annotations

from pathlib import Path

import drawdown
import numpy as np

#: The minimal network scenario of the loader's tests, also run by the engines' tests.
NETWORK_MINIMAL = Path(__file__).parent / "data" / "network-minimal.toml"

#: The shipped v1 scenarios, whose outcomes the network engines must give.
V1_SCENARIOS = [
    "base-force-2021-02",
    "doha-2021-05-01",
    "announced-2021-09-11",
    "conditions-based",
    "enablers-leave-first",
    "escalation",
    "no-consensus",
    "study-group-delay",
]

HEADER = """\
start = 2021-05-01
horizon_days = 60
enablers_last = true

[decision]
rule = "fixed"
date = 2021-05-01
"""


def wide_airfields(*names: str) -> str:
    """Bases with airfields that seat a whole contingent in a day (1000 seats, 100 t a day)."""
    return "".join(f"\n[bases.{name}]\nseats_per_day = 1000\ncargo_t_per_day = 100\n" for name in names) + "\n"


#: One road leg, 3 days, 300 troops a day, to a wide crossing; 1000 troops, rear guard 100.
ROAD_LEG = """
[bases.Outpost]
airfield = false

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000

[legs.Outpost-Border]
from = "Outpost"
to = "Border"
mode = "road"
transit_days = 3
troops_per_day = 300
cargo_t_per_day = 1000

[contingents."A@Outpost"]
troops = 1000
rear_guard_fraction = 0.1
route = ["Outpost-Border"]
"""

#: Two road legs: 500 a day for 1 day, then a 200-a-day bottleneck of 2 days.
TWO_LEGS = """
[bases.Outpost]
airfield = false

[bases.Hub]
airfield = false

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000

[legs.Outpost-Hub]
from = "Outpost"
to = "Hub"
mode = "road"
transit_days = 1
troops_per_day = 500
cargo_t_per_day = 1000

[legs.Hub-Border]
from = "Hub"
to = "Border"
mode = "road"
transit_days = 2
troops_per_day = 200
cargo_t_per_day = 1000

[contingents."A@Outpost"]
troops = 1000
rear_guard_fraction = 0.1
route = ["Outpost-Hub", "Hub-Border"]
"""

#: A crossing of 150 troops a day at the end of a one-day leg; 300 troops.
CROSSING = """
[bases.Hub]
airfield = false

[crossings.Border]
troops_per_day = 150
cargo_t_per_day = 1000

[legs.Hub-Border]
from = "Hub"
to = "Border"
mode = "road"
transit_days = 1
troops_per_day = 1000
cargo_t_per_day = 1000

[contingents."A@Hub"]
troops = 300
rear_guard_fraction = 0.1
route = ["Hub-Border"]
"""

#: Two airfields; phase two starts 4 days after phase one is complete.
PAUSE = """
[bases.Alpha]
seats_per_day = 100
cargo_t_per_day = 100

[bases.Bravo]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."A@Alpha"]
troops = 200
rear_guard_fraction = 0.1

[contingents."B@Bravo"]
troops = 100
rear_guard_fraction = 0.1
prep_days = 2

[phases.one]
members = ["A"]

[phases.two]
members = ["B"]
start = "one"
days_after = 4
"""

#: A force ceiling of 450 held until phase two starts, 2 days after it is reached.
CEILING = """
[bases.Alpha]
seats_per_day = 300
cargo_t_per_day = 100

[bases.Bravo]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."A@Alpha"]
troops = 1000
rear_guard_fraction = 0.1

[contingents."B@Bravo"]
troops = 100
rear_guard_fraction = 0.1

[phases.one]
members = ["A"]
ceiling = 450

[phases.two]
members = ["B"]
start = "one"
days_after = 2
"""

#: A ceiling of 150 on nation US only (200 US at Alpha, 100 GE beside them), released on a date.
NATION_CEILING = """
[bases.Alpha]
seats_per_day = 1000
cargo_t_per_day = 100

[contingents."US@Alpha"]
troops = 200

[contingents."GE@Alpha"]
troops = 100

[phases.one]
members = ["US", "GE"]
ceiling = 150
ceiling_nation = "US"
until = 2021-05-11
"""

#: Followers of the framework nation US: at a base where US is, and at one where it is not.
LEAVE_WITH = (
    wide_airfields("Alpha", "Bravo", "Charlie")
    + """
[contingents."US@Alpha"]
troops = 100
prep_days = 5

[contingents."US@Bravo"]
troops = 100
prep_days = 3

[contingents."GE@Alpha"]
troops = 100
prep_days = 1
leave_with = "US"

[contingents."GE@Charlie"]
troops = 100
prep_days = 1
leave_with = "US"
"""
)

#: A follower of US whose leaders are ready on day 5, never (preparation past the horizon)
#: and never (a phase after a phase that never completes).
LEAVE_WITH_NEVER = (
    wide_airfields("Alpha", "Bravo", "Charlie", "Delta")
    + """
[contingents."US@Alpha"]
troops = 100
prep_days = 5

[contingents."US@Bravo"]
troops = 100

[contingents."US@Charlie"]
troops = 100
prep_days = 100

[contingents."GE@Delta"]
troops = 100
prep_days = 1
leave_with = "US"

[phases.stuck]
members = ["US@Charlie"]

[phases.late]
members = ["US@Bravo"]
start = "stuck"
"""
)

#: A follower of US whose earliest leader (ready on day 5) is the first thing to happen, while
#: another leader waits for a phase that starts only after another phase is complete.
LEAVE_WITH_LATE = (
    wide_airfields("Alpha", "Bravo", "Charlie", "Delta")
    + """
[contingents."US@Alpha"]
troops = 100
prep_days = 5

[contingents."US@Bravo"]
troops = 100

[contingents."US@Charlie"]
troops = 100

[contingents."GE@Delta"]
troops = 100
prep_days = 1
leave_with = "US"

[phases.early]
members = ["US@Charlie"]
start = 2021-05-11

[phases.late]
members = ["US@Bravo"]
start = "early"
"""
)

#: An enabler at a hub; one dependent drives through the hub, one flies from afar 10 days later.
ENABLER_SCOPE = """
[bases.Hub]
seats_per_day = 1000
cargo_t_per_day = 100

[bases.Far]
seats_per_day = 1000
cargo_t_per_day = 100

[bases.Outpost]
airfield = false

[legs.Outpost-Hub]
from = "Outpost"
to = "Hub"
mode = "road"
transit_days = 2
troops_per_day = 1000
cargo_t_per_day = 1000

[contingents."E@Hub"]
troops = 100
rear_guard_fraction = 0.1

[contingents."D@Far"]
troops = 100
prep_days = 10
depend_on = ["E"]

[contingents."D@Outpost"]
troops = 100
rear_guard_fraction = 0.1
route = ["Outpost-Hub"]
depend_on = ["E"]

[enablers]
scope = "{scope}"
"""

#: A road leg attacked for sure (mean 100 attacks a day) and shut by every hit for 4 days.
INTERDICTION = """
[threat]
attack_rate_before = 300
casualties_per_attack = 50

[bases.Outpost]
airfield = false
attack_multiplier = 0

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000
attack_multiplier = 0

[legs.Outpost-Border]
from = "Outpost"
to = "Border"
mode = "road"
transit_days = 3
troops_per_day = 100
cargo_t_per_day = 1000
p_hit = 1.0
closure_days = 4

[contingents."A@Outpost"]
troops = 300
rear_guard_fraction = 0.1
route = ["Outpost-Border"]
"""

#: Troops fly from their base's airfield; their 300 t drive 2 days to a crossing, 100 t a day.
EQUIPMENT_ROUTE = """
[bases.Alpha]
seats_per_day = 1000
cargo_t_per_day = 0

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000

[legs.Alpha-Border]
from = "Alpha"
to = "Border"
mode = "road"
transit_days = 2
troops_per_day = 1000
cargo_t_per_day = 100

[contingents."A@Alpha"]
troops = 100
rear_guard_fraction = 0.1
equipment_t = 300
equipment_route = ["Alpha-Border"]
"""

#: US@Alpha in two parts with a random preparation; the rear part may wait for a phase.
SPLIT = """
[bases.Alpha]
seats_per_day = 10000
cargo_t_per_day = 100

[contingents."US@Alpha"]
troops = 600
prep_days = {{ min = 2, mode = 5, max = 20 }}

[contingents."US@Alpha#rear"]
troops = 400
prep_days = {{ min = 2, mode = 5, max = 20 }}
{phases}
"""

SPLIT_PHASES = """
[phases.main]
members = ["US@Alpha"]

[phases.rear]
members = ["US@Alpha#rear"]
start = "order"
days_after = 30
"""


def load_case(body: str, folder: Path, name: str = "case") -> drawdown.Scenario:
    """Load ``HEADER + body`` as a scenario file written in ``folder``."""
    return load_text(f'description = "test case {name}"\n' + HEADER + body, folder, name)


def load_text(text: str, folder: Path, name: str) -> drawdown.Scenario:
    """Load ``text`` as the scenario file ``name.toml`` written in ``folder``."""
    path = Path(folder) / f"{name}.toml"
    path.write_text(text)
    return drawdown.load(path)


def assert_same_outcomes(a, b, names, *, atol: float = 0.0) -> None:
    """Outcomes ``names`` of ``a`` and ``b`` are the same: integers exactly, floats to ``atol``."""
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is None:
            continue
        if np.asarray(x).dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=0, atol=atol, err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)


#: Only a road leg can be attacked (the base and the crossing have multiplier 0): 300
#: troops, 100 a day on a leg of ``{days}`` days, ``{rate}`` attacks a day on the whole force.
ROAD_ATTACKS = """
[threat]
attack_rate_before = {rate}
casualties_per_attack = 0

[bases.Outpost]
airfield = false
attack_multiplier = 0

[crossings.Border]
troops_per_day = 10000
cargo_t_per_day = 10000
attack_multiplier = 0

[legs.Outpost-Border]
from = "Outpost"
to = "Border"
mode = "road"
transit_days = {days}
troops_per_day = 100
cargo_t_per_day = 1000

[contingents."A@Outpost"]
troops = 300
rear_guard_fraction = 0.1
route = ["Outpost-Border"]
"""
