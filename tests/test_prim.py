"""Scenario discovery with PRIM (issue 17): planted boxes recovered on synthetic data,
conditions read (never evaluated), and on the shipped discovery sweep a box whose
density for "deadline missed" is above the base rate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest
from batch_helpers import fails, invoke
from drawdown.analysis import DISCOVERY_OUTCOMES, discover_sweep, parse_condition, prim_boxes
from drawdown.batch import load_spec, run_sweep


def test_a_planted_box_in_two_of_three_factors_is_recovered():
    rng = np.random.default_rng(11)
    x = rng.random((1000, 3))
    cases = (x[:, 0] > 0.6) & (x[:, 1] < 0.3)
    r = prim_boxes({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}, cases, min_coverage=0.8)
    box = r.box
    assert r.base_rate == pytest.approx(cases.mean())
    assert box.density >= 0.95 and box.coverage >= 0.8
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["b"][1] == pytest.approx(0.3, abs=0.05)
    c = box.limits.get("c", (0.0, 1.0))
    assert c[1] - c[0] > 0.8  # the factor that plays no part is left (nearly) whole
    # the trajectory: density never falls, coverage never rises, mass falls at each peel
    d = [b.density for b in r.trajectory]
    cov = [b.coverage for b in r.trajectory]
    mass = [b.mass for b in r.trajectory]
    assert d == sorted(d) and cov == sorted(cov, reverse=True) and all(m1 > m2 for m1, m2 in zip(mass, mass[1:]))


def test_a_list_factor_is_peeled_a_value_at_a_time_and_dates_as_ranges():
    rng = np.random.default_rng(3)
    n = 900
    rule = rng.choice(["fixed", "next_meeting", "conditions"], size=n).tolist()
    start = dt.date(2021, 5, 1)
    deadline = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 134, size=n)]
    cases = (np.array(rule) == "next_meeting") & (np.array([d > dt.date(2021, 7, 1) for d in deadline]))
    r = prim_boxes({"decision.rule": rule, "deadline": deadline}, cases, min_coverage=0.8)
    assert r.box.limits["decision.rule"] == ("next_meeting",)
    low, high = r.box.limits["deadline"]
    assert isinstance(low, dt.date) and abs((low - dt.date(2021, 7, 2)).days) <= 7
    assert r.box.density >= 0.95
    assert r.box.to_json()["limits"]["deadline"][0] == low.isoformat()


def test_no_case_and_all_cases_give_the_whole_design():
    x = np.linspace(0, 1, 50)
    none = prim_boxes({"x": x}, np.zeros(50, dtype=bool))
    assert none.cases == 0 and none.box.density == 0.0
    every = prim_boxes({"x": x}, np.ones(50, dtype=bool))
    assert every.chosen == 0 and len(every.trajectory) == 1 and every.box.limits == {}


def test_a_box_never_holds_fewer_than_min_mass():
    rng = np.random.default_rng(5)
    x = rng.random(400)
    r = prim_boxes({"x": x}, x > 0.97, min_mass=0.1)
    assert min(b.points for b in r.trajectory) >= 40


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p_met_deadlin < 0.5", "unknown outcome 'p_met_deadlin'; did you mean 'p_met_deadline'?"),
        ("p_met_deadline == 0.5", "expected OUTCOME OP NUMBER"),
        ("__import__('os').system('true') < 1", "expected OUTCOME OP NUMBER"),
        ("p_met_deadline < 1/2", "expected OUTCOME OP NUMBER"),
    ],
)
def test_a_condition_is_read_not_evaluated(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_condition(text, DISCOVERY_OUTCOMES)


def test_a_condition_holds_nowhere_a_value_is_missing():
    c = parse_condition("final_exit_day_p50 >= 90", DISCOVERY_OUTCOMES)
    assert c.holds(np.array([89.0, 90.0, np.nan, 120.0])).tolist() == [False, True, False, True]
    assert str(c) == "final_exit_day_p50 >= 90"


# -- the shipped discovery sweep ------------------------------------------------------------------
@pytest.fixture(scope="module")
def discovery(tmp_path_factory):
    """The shipped spec with fewer replications a point (the points and seed as shipped)."""
    spec = dataclasses.replace(load_spec("discovery"), replications=50)
    out = tmp_path_factory.mktemp("discovery") / "sweep"
    run_sweep(spec, out)
    return out


def test_the_shipped_sweep_gives_a_box_denser_than_the_base_rate(discovery):
    spec, r = discover_sweep(discovery, "p_met_deadline < 0.5")
    assert spec.design == "lhs" and r.trajectory[0].points == 200
    assert 0 < r.base_rate < 1
    assert r.box.density > r.base_rate + 0.2 and r.box.coverage >= 0.5
    assert "decision.p_no_consensus" in r.box.limits  # the council, as the screening ranks it
    assert "conditions.volatility" not in r.box.limits  # nothing reads it


def test_analyze_discover_prints_the_trajectory_and_the_box(discovery):
    text = invoke("analyze", discovery, "--discover", "p_met_deadline < 0.5").stdout
    assert text.startswith("PRIM scenario discovery: p_met_deadline < 0.5 at ")
    assert "  box  coverage  density   mass  points  factors restricted" in text
    assert "decision.p_no_consensus" in text.split("\nbox ")[1]
    doc = json.loads(invoke("analyze", discovery, "--discover", "p_met_deadline<0.5", "--json").stdout)
    assert doc["condition"] == "p_met_deadline < 0.5" and doc["design"] == "lhs" and doc["alpha"] == 0.05
    assert doc["method"].startswith("PRIM") and doc["seed"] == "1" and len(doc["trajectory"]) > 1
    assert doc["trajectory"][doc["chosen"]]["density"] > doc["base_rate"]


def test_analyze_discover_names_a_bad_condition(discovery):
    r = fails("analyze", discovery, "--discover", "casualtys_mean > 10")
    assert "did you mean 'casualties_mean'?" in r.stderr
