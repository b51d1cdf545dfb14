"""The vectorised network engine (sim/engines/network_numpy.py): hand-computed days, the
v1 outcomes on every shipped v1 scenario, the SimPy reference's outcomes replication by
replication on hand-written network scenarios, and results that do not depend on the chunks.
"""

from __future__ import annotations

import drawdown
import network_cases as cases
import numpy as np
import pytest
from drawdown.engines import numpy_engine
from drawdown.engines.network_numpy import iter_network_chunks, run_network_numpy
from drawdown.engines.outcomes import Outcomes

V1_SCENARIOS = cases.V1_SCENARIOS
DAILY = ["troops_in_country", "retrograde_lifted_t"]
NATIONS = ["nation_troops", "nation_out_t"]

ONE_CONVOY = """
description = "One contingent drives to a crossing: every day by hand"
start = 2021-05-01
horizon_days = 30
[decision]
rule = "fixed"
date = 2021-05-01
[bases.Camp]
airfield = false
[crossings.Gate]
troops_per_day = 300
cargo_t_per_day = 100
[legs.Camp-Gate]
from = "Camp"
to = "Gate"
mode = "road"
transit_days = 2
troops_per_day = 250
cargo_t_per_day = 100
[contingents."US@Camp"]
troops = 500
route = ["Camp-Gate"]
"""

# Threat, airfields with weather, a crossing with its chance and hits, road legs hit,
# an air leg, a via base, split contingents, a ceiling released by a phase, phases
# after phases, leave_with, and the enabler hold by base.
RICH = """
description = "Rich: airfields, crossings, road and air legs, split contingents, ceilings, leave_with, base holds"
start = 2021-05-01
horizon_days = 150
enablers_last = true
[decision]
rule = "fixed"
date = 2021-05-03
[threat]
attack_rate_before = 3.0
casualties_per_attack = 0.5
p_airfield_hit = 0.2
closure_days = 2
[enablers]
scope = "base"
[bases.Hub]
seats_per_day = 400
cargo_t_per_day = 300
p_closed_day = 0.1
[bases.North]
airfield = false
attack_multiplier = 2.0
[bases.East]
seats_per_day = 150
cargo_t_per_day = 100
[bases.South]
airfield = false
via = "East"
road_days = 2
[crossings.Border]
troops_per_day = 300
cargo_t_per_day = 200
p_closed_day = 0.15
attack_multiplier = 1.5
p_hit = 0.3
closure_days = 3
[legs.North-Hub]
from = "North"
to = "Hub"
mode = "road"
transit_days = 2
troops_per_day = 200
cargo_t_per_day = 100
attack_multiplier = 3.0
p_hit = 0.2
closure_days = 2
[legs.Hub-Border]
from = "Hub"
to = "Border"
mode = "road"
transit_days = 3
troops_per_day = 250
cargo_t_per_day = 150
p_hit = 0.1
closure_days = 4
[legs.East-Hub]
from = "East"
to = "Hub"
mode = "air"
transit_days = 1
troops_per_day = 100
cargo_t_per_day = 50
[contingents."US@Hub"]
troops = 800
equipment_t = 500
route = ["Hub-Border"]
[contingents."US@Hub#rear"]
troops = 200
equipment_t = 100
[contingents."DE@North"]
troops = 400
equipment_t = 300
route = ["North-Hub"]
equipment_route = ["North-Hub", "Hub-Border"]
depend_on = ["US"]
national_delay_days = { min = 0, mode = 2, max = 6 }
prep_days = { min = 1, mode = 3, max = 8 }
[contingents."IT@East"]
troops = 300
equipment_t = 200
route = ["East-Hub"]
leave_with = "US"
depend_on = ["US"]
[contingents."FR@South"]
troops = 250
equipment_t = 100
depend_on = ["US"]
prep_days = { min = 0, mode = 1, max = 4 }
[phases.one]
members = ["North", "IT@East", "FR@South"]
ceiling = 1500
until = "two"
[phases.two]
members = ["US@Hub"]
start = "one"
days_after = 3
[phases.three]
members = ["US@Hub#rear"]
start = "two"
days_after = 1
"""

# Enablers leaving first (cut capacities, exposed places and legs), a deadline with
# escalation, a date start, a nation ceiling released on a date, a troop route and an
# equipment route to different exits.
CUTS = """
description = "Cuts: enablers leave first, a crossing and road legs, date starts, a nation ceiling"
start = 2021-05-01
horizon_days = 200
deadline = 2021-06-01
enablers_last = false
[decision]
rule = "fixed"
date = 2021-05-02
[threat]
attack_rate_before = 1.0
attack_rate_after = 4.0
escalation_per_week = 0.3
casualties_per_attack = 0.3
p_airfield_hit = 0.1
closure_days = 2
[enablers]
capacity_without_enablers = 0.5
exposure_without_enablers = 2.0
[bases.Hub]
seats_per_day = 300
cargo_t_per_day = 200
p_closed_day = 0.05
[bases.Far]
airfield = false
attack_multiplier = 1.5
[crossings.Gate]
troops_per_day = 200
cargo_t_per_day = 150
p_closed_day = 0.1
attack_multiplier = 2.0
p_hit = 0.2
closure_days = 2
[legs.Far-Gate]
from = "Far"
to = "Gate"
mode = "road"
transit_days = 4
troops_per_day = 150
cargo_t_per_day = 100
attack_multiplier = 2.0
p_hit = 0.1
closure_days = 3
[legs.Hub-Gate]
from = "Hub"
to = "Gate"
mode = "road"
transit_days = 2
troops_per_day = 100
cargo_t_per_day = 80
[contingents."US@Hub"]
troops = 500
equipment_t = 400
prep_days = { min = 0, mode = 2, max = 5 }
[contingents."UK@Far"]
troops = 600
equipment_t = 300
route = ["Far-Gate"]
depend_on = ["US"]
[contingents."PL@Hub"]
troops = 400
equipment_t = 300
route = ["Hub-Gate"]
equipment_route = []
depend_on = ["US"]
[contingents."UK@Hub"]
troops = 300
equipment_t = 200
[phases.first]
members = ["US"]
start = "order"
[phases.second]
members = ["UK@Far", "PL@Hub"]
start = 2021-05-10
days_after = 2
ceiling = 500
ceiling_nation = "UK"
until = 2021-06-10
[phases.third]
members = ["UK@Hub"]
start = "first"
"""

# A phase on conditions (the violence-coupled rate, no deadline), the theatre hold, a
# via base, an air leg feeding a road leg to a crossing, leave_with a later phase.
CONDITIONS = """
description = "Conditions: a phase on conditions, theatre hold, via base, an air leg to a road leg"
start = 2021-05-01
horizon_days = 240
enablers_last = true
[decision]
rule = "fixed"
date = 2021-05-05
[conditions]
initial = 0.8
target = 0.3
reversion = 0.05
volatility = 0.05
threshold = 0.5
hold_days = 5
[threat]
attack_rate_before = 0.5
violence_coupling = 2.0
casualties_per_attack = 1.0
p_airfield_hit = 0.3
closure_days = 1
[enablers]
scope = "theatre"
[bases.Main]
seats_per_day = 200
cargo_t_per_day = 150
p_closed_day = 0.2
[bases.Spoke]
seats_per_day = 50
cargo_t_per_day = 40
[bases.Valley]
airfield = false
via = "Spoke"
road_days = 1
[crossings.Pass]
troops_per_day = 120
cargo_t_per_day = 90
[legs.Spoke-Main]
from = "Spoke"
to = "Main"
mode = "air"
transit_days = 2
troops_per_day = 80
cargo_t_per_day = 60
[legs.Main-Pass]
from = "Main"
to = "Pass"
mode = "road"
transit_days = 1
troops_per_day = 150
cargo_t_per_day = 100
[contingents."US@Main"]
troops = 600
equipment_t = 600
route = ["Main-Pass"]
equipment_route = []
[contingents."CA@Spoke"]
troops = 200
equipment_t = 100
route = ["Spoke-Main", "Main-Pass"]
depend_on = ["US"]
[contingents."NO@Valley"]
troops = 150
equipment_t = 80
depend_on = ["US"]
national_delay_days = { min = 0, mode = 3, max = 10 }
[contingents."CA@Main"]
troops = 100
equipment_t = 50
leave_with = "US"
[phases.calm]
members = ["CA@Spoke", "NO@Valley"]
start = "conditions"
days_after = 2
[phases.last]
members = ["US"]
start = "calm"
"""

NETWORK_SCENARIOS = {"rich": RICH, "cuts": CUTS, "conditions": CONDITIONS}


def _load(tmp_path, name: str, text: str):
    return cases.load_text(text, tmp_path, name)


def _assert_same(a: Outcomes, b: Outcomes, names) -> None:
    cases.assert_same_outcomes(a, b, names, atol=1e-9)


def test_one_convoy_by_hand(tmp_path):
    s = _load(tmp_path, "one-convoy", ONE_CONVOY)
    out = run_network_numpy(s, 3, seed=1, record_daily=True)
    # 500 troops, rear guard 50 (10%), main body 450, ready on day 0, no equipment.
    # Leg (250 a day, 2 days): day 0 takes 250 of the main body; day 1 the last 200 and,
    # the main body all gone and no cargo, the rear guard's 50. They land on days 2 and 3.
    # Crossing (300 a day): day 2 lets out 250, day 3 the last 250: exit on day 3.
    assert out.exit_day.tolist() == [[3]] * 3
    # Ways: the leg, then the crossing. The leg was full on days 0 and 1; the crossing never.
    assert out.carried_troops.tolist() == [[500, 500]] * 3
    assert out.days_at_capacity.tolist() == [[2, 0]] * 3
    # The camp had troops at the moves of days 0 and 1.
    assert out.base_closed_day.tolist() == [[1]] * 3
    # In country (camp, leg, crossing) at dusk: 500, 500, 500 - 250, 0.
    assert out.troops_in_country[0, :5].tolist() == [500, 500, 250, 0, 0]


@pytest.mark.parametrize("name", V1_SCENARIOS)
def test_v1_scenarios_give_the_v1_engine_outcomes(name):
    s = drawdown.load(name)
    v1 = numpy_engine.run_numpy(s, 150, seed=11, record_daily=True, record_nations=True)
    v2 = run_network_numpy(s, 150, seed=11, record_daily=True, record_nations=True)
    _assert_same(v1, v2, [*v1.arrays(daily=True), *NATIONS])


def test_network_minimal_matches_the_reference():
    from drawdown.engines.network_simpy import run_network_simpy

    s = drawdown.load(cases.NETWORK_MINIMAL)
    ref = run_network_simpy(s, 20, 5, record_daily=True, record_nations=True)
    ours = run_network_numpy(s, 20, 5, record_daily=True, record_nations=True)
    _assert_same(ref, ours, [*ref.arrays(daily=True), *NATIONS])


@pytest.mark.parametrize("name", sorted(NETWORK_SCENARIOS))
def test_network_scenarios_match_the_reference(tmp_path, name):
    from drawdown.engines.network_simpy import run_network_simpy

    s = _load(tmp_path, name, NETWORK_SCENARIOS[name])
    ref = run_network_simpy(s, 25, 3, record_daily=True, record_nations=True)
    ours = run_network_numpy(s, 25, 3, record_daily=True, record_nations=True)
    assert ref.phase_complete_day is not None and ours.phase_complete_day is not None
    _assert_same(ref, ours, [*ref.arrays(daily=True), *NATIONS])
    assert ours.attacks.sum() > 0  # the scenario exercises the threat


def test_results_do_not_depend_on_the_chunks(tmp_path):
    s = _load(tmp_path, "rich", RICH)
    reps = 16 * 5 + 7  # five whole blocks of 16 and a partial one

    def run(chunk_blocks):
        parts = [
            out
            for _, out in iter_network_chunks(
                s, reps, 9, block_size=16, chunk_blocks=chunk_blocks, record_daily=True, record_nations=True
            )
        ]
        return Outcomes.concatenate(parts)

    one, four = run(1), run(4)
    _assert_same(one, four, [*one.arrays(daily=True), *NATIONS])
    later = run_network_numpy(s, 16, 9, block_size=16, first_block=2)  # block 2 alone
    _assert_same(one.rows(32, 48), later, list(later.arrays()))


@pytest.mark.parametrize("name", ["rich", "cuts", "conditions", "doha-equipment-first"])
def test_dropping_finished_rows_changes_no_outcome(tmp_path, monkeypatch, name):
    """Rows dropped as soon as one finishes, or never, give the same outcomes, daily and
    per nation included: a dropped row's state is kept as it was when it finished."""
    from drawdown.engines import network_numpy

    if name in NETWORK_SCENARIOS:
        s = _load(tmp_path, name, NETWORK_SCENARIOS[name])
    else:  # rows finishing over weeks, and the rows without an order kept to the horizon
        s = drawdown.load("doha-2021-05-01").replace(**{"contingent_defaults.equipment_start": "order"})
    compactions = []
    compact = network_numpy._State.compact
    monkeypatch.setattr(network_numpy._State, "compact", lambda st, keep: compactions.append(1) or compact(st, keep))

    def run(one_in):
        # Rows are dropped once n_done * RETIRE_ONE_IN >= running rows: 0 never drops
        # one, 10**9 drops every row the day it finishes.
        monkeypatch.setattr(network_numpy, "RETIRE_ONE_IN", one_in)
        return run_network_numpy(s, 60, 4, block_size=20, record_daily=True, record_nations=True)

    never = run(0)
    assert not compactions
    always = run(10**9)
    assert len(compactions) >= 10  # the rows finish on many days
    _assert_same(never, always, [*never.arrays(daily=True), *NATIONS])


def test_every_row_array_of_the_state_is_dropped_with_its_row():
    """Every per-replication array of the engine's state is either compacted with the
    running rows (``_ROW_ARRAYS``, replications on the last axis) or a per-day record
    indexed by chunk row (``_DAY_ARRAYS``): an array added to the state and forgotten
    here would keep stale rows after a compaction."""
    from drawdown.engines import network_numpy
    from drawdown.engines.network_state import NetworkLayout

    s = drawdown.load(cases.NETWORK_MINIMAL)
    lay = NetworkLayout(s)
    R = 37  # a number of replications no other dimension of this scenario has
    _, inputs = network_numpy._state_free_inputs(lay, 1, [(0, R)], R)
    st = network_numpy._State(lay, inputs, record_daily=True, record_nations=True)
    with_rows = {
        name
        for name, value in vars(st).items()
        if isinstance(value, np.ndarray) and R in value.shape and name not in ("row",)
    }
    assert with_rows == set(network_numpy._ROW_ARRAYS) | set(network_numpy._DAY_ARRAYS)
    for name in network_numpy._ROW_ARRAYS:
        assert getattr(st, name).shape[-1] == R, name


@pytest.mark.parametrize("name", ["rich", "cuts"])
def test_serving_a_queue_at_once_is_serving_it_in_turn(tmp_path, monkeypatch, name):
    """The passes that serve a way's users all at once (cumulative sums capped by the
    capacity) give what serving them one by one in priority order gives."""
    from drawdown.engines import network_numpy

    s = _load(tmp_path, name, NETWORK_SCENARIOS[name])
    assert any(q.vector for pair in network_numpy._queues(network_numpy.NetworkLayout(s)) for q in pair)
    at_once = run_network_numpy(s, 40, 6, block_size=20, record_daily=True, record_nations=True)
    queue = network_numpy._queue
    monkeypatch.setattr(network_numpy, "_queue", lambda *a: queue(*a)._replace(vector=False))
    in_turn = run_network_numpy(s, 40, 6, block_size=20, record_daily=True, record_nations=True)
    _assert_same(at_once, in_turn, [*at_once.arrays(daily=True), *NATIONS])
