"""Model v2 scenario keys: the frozen network and plan the loader builds, and its rules (docs/network.md)."""

import drawdown
import network_cases as cases
import pytest
from drawdown.errors import ScenarioError

MINIMAL = cases.NETWORK_MINIMAL


def test_minimal_network_indices():
    s = drawdown.load(MINIMAL)
    net, plan = s.network, s.plan
    # places: bases (Hub, Outpost) then crossings (Border); no airfield, so the only exit is the crossing
    assert net.places == ("Hub", "Outpost", "Border")
    assert [(e.kind, e.place, e.index) for e in net.exits] == [("ground", 2, 0)]
    # A@Outpost drives Outpost-Hub (leg 0) then Hub-Border (leg 1); equipment_route defaults to route
    assert net.routes[0].troop_legs == (0, 1) and net.routes[0].cargo_legs == (0, 1)
    # reduced capacity = round_half_up(250 * 0.5) = 125
    assert net.legs[1].troops_reduced == 125
    assert plan.phase_of == (0, 1) and plan.phases[1].after_phase == 0 and plan.phases[1].days_after == 5
    assert plan.parent == (0, 1) and plan.parents == 2


def test_v1_scenario_has_no_network():
    s = drawdown.load("doha-2021-05-01")
    assert s.network is None and s.plan is None


def _load(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL.read_text() + text)
    return path


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        (
            '[contingents."C@Outpost#bad part"]\ntroops = 5\nroute = ["Outpost-Hub", "Hub-Border"]\n',
            'contingents."C@Outpost#bad part"',
            "plain name",
        ),
        (
            '[legs.Loop]\nfrom = "Hub"\nto = "Hub"\nmode = "road"\ntransit_days = 1\ntroops_per_day = 1\n'
            "cargo_t_per_day = 1\n",
            "legs.Loop.to",
            "expected another place",
        ),
        ("[phases.three]\nmembers = []\n", "phases.three.members", "no members"),
        ('[phases.three]\nmembers = ["Hubb"]\n', "phases.three.members[0]", "did you mean 'Hub'"),
    ],
)
def test_rule_names_file_key_and_expectation(tmp_path, extra, key, expected):
    path = _load(tmp_path, extra)
    with pytest.raises(ScenarioError) as err:
        drawdown.load(path)
    problems = [p for p in err.value.problems if p.key == key]
    assert problems and problems[0].file == str(path) and expected in problems[0].message, err.value.problems


def test_show_tells_the_hold_scope_and_who_leaves_with_whom():
    from click.testing import CliRunner
    from drawdown.cli.main import main

    out = CliRunner().invoke(main, ["show", "framework-nations"]).output
    assert "hold scope       base (each base, for the dependants who use it)" in out
    assert "Plan (no phases: everyone starts with the order)" in out
    assert "leave with US@Bagram (not ready before it is): Georgia@Bagram, Poland@Bagram" in out
    assert "leave with Italy@Herat (not ready before it is): Albania@Herat" in out
    v1 = CliRunner().invoke(main, ["show", "base-force-2021-02"]).output
    assert "hold scope" not in v1 and "Plan (" not in v1
