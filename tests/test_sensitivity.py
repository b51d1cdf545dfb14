"""Sobol' sensitivity of sweep outcomes (issue 17): known indices, a factor that cannot
matter, the two kinds of error, and ``drawdown analyze``.

The Ishigami function goes through the same path as a scenario outcome: the points of a
``design = "saltelli"`` spec (``design_points``), an outcome computed at each, and
:func:`drawdown.analysis.sobol_indices`. Its indices are known in closed form (a = 7, b
= 0.1: Saltelli et al., Global Sensitivity Analysis, 2008, section 4.9); each must lie in
its 99% bootstrap interval (a fixed seed: the check is deterministic, and at 99% six
intervals all hold with probability 0.94 for a seed picked blindly).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from batch_helpers import fails, invoke
from drawdown.analysis import analyze_sweep, sobol_indices
from drawdown.batch import design_points, parse_spec
from drawdown.errors import ScenarioError

A, B = 7.0, 0.1
_V = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
_V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
_V2 = A**2 / 8
_V13 = 8 * B**2 * math.pi**8 / 225
ISHIGAMI_FIRST = [_V1 / _V, _V2 / _V, 0.0]
ISHIGAMI_TOTAL = [(_V1 + _V13) / _V, _V2 / _V, _V13 / _V]

ISHIGAMI_SPEC = """\
base = "doha-2021-05-01"
seed = 3
replications = 10
design = "saltelli"
points = 1024
[factors.'threat.attack_rate_after']
low = -3.141592653589793
high = 3.141592653589793
[factors.'threat.escalation_per_week']
low = -3.141592653589793
high = 3.141592653589793
[factors.'decision.p_no_consensus']
low = -3.141592653589793
high = 3.141592653589793
"""


def test_the_ishigami_indices_are_inside_their_intervals():
    spec = parse_spec(ISHIGAMI_SPEC, file="ishigami.toml")
    points, _ = design_points(spec)
    keys = [f.key for f in spec.factors]
    x = np.array([[p[k] for k in keys] for p in points])
    assert x.shape == (1024 * 5, 3)
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])
    r = sobol_indices({"ishigami": y}, factors=keys, n=1024, confidence=0.99, seed=spec.seed)["ishigami"]
    for est, ci, truth in ((r.first, r.first_ci, ISHIGAMI_FIRST), (r.total, r.total_ci, ISHIGAMI_TOTAL)):
        for i in range(3):
            assert ci[i, 0] <= truth[i] <= ci[i, 1], (i, est[i], ci[i], truth[i])
            assert abs(est[i] - truth[i]) < 0.06, (i, est[i], truth[i])
    assert r.first_noise_sd is None and r.notes == []  # no standard errors given: no replication noise


def test_the_estimators_are_scipys():
    from drawdown.batch import saltelli_matrix
    from scipy.stats import qmc
    from scipy.stats import sobol_indices as scipy_sobol

    u = saltelli_matrix(qmc.Sobol(6, seed=5).random(64), 3)
    y = np.exp(u[:, 0]) + u[:, 1] * u[:, 2]
    ours = sobol_indices({"y": y}, factors=["a", "b", "c"], n=64)["y"]
    theirs = scipy_sobol(func={"f_A": y[:64], "f_B": y[64:128], "f_AB": y[128:].reshape(3, 64)}, n=64)
    np.testing.assert_allclose(ours.first, theirs.first_order, rtol=1e-12)
    np.testing.assert_allclose(ours.total, theirs.total_order, rtol=1e-12)


def test_replication_noise_is_measured_apart_and_warned_about():
    rng = np.random.default_rng(0)
    from drawdown.batch import saltelli_matrix
    from scipy.stats import qmc

    u = saltelli_matrix(qmc.Sobol(4, seed=2).random(256), 2)
    y = 2 * u[:, 0] + u[:, 1]  # variance 5/12 across points
    quiet = sobol_indices({"y": y}, factors=["a", "b"], n=256, errors={"y": np.full(y.size, 0.01)})["y"]
    assert quiet.noise_share == pytest.approx(0.01**2 / np.var(y)) and quiet.notes == []
    assert (quiet.first_noise_sd < 0.01).all()
    noisy_y = y + 0.5 * rng.standard_normal(y.size)
    noisy = sobol_indices({"y": noisy_y}, factors=["a", "b"], n=256, errors={"y": np.full(y.size, 0.5)})["y"]
    assert noisy.noise_share > 0.1 and any("raise replications" in n for n in noisy.notes)
    assert (noisy.first_noise_sd > 5 * quiet.first_noise_sd).all()
    again = sobol_indices({"y": noisy_y}, factors=["a", "b"], n=256, errors={"y": np.full(y.size, 0.5)})["y"]
    assert np.array_equal(again.first_ci, noisy.first_ci) and np.array_equal(again.first_noise_sd, noisy.first_noise_sd)


def test_an_outcome_that_does_not_vary_or_is_missing_is_said_so():
    r = sobol_indices({"flat": np.ones(8), "gap": np.r_[np.ones(7), np.nan]}, factors=["a", "b"], n=2)
    assert np.isnan(r["flat"].first).all() and "the same at every point" in r["flat"].notes[0]
    assert "missing at some points" in r["gap"].notes[0]
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices({"y": np.ones(15)}, factors=["a", "b", "c"], n=3)


SWEEP = """\
base = "doha-2021-05-01"
seed = 4
replications = 100
block_size = 50
design = "saltelli"
points = 8

[factors.'decision.p_no_consensus']
low = 0.2
high = 0.8

[factors.'conditions.volatility']
low = 0.01
high = 0.2
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    spec = tmp_path_factory.mktemp("sens") / "sens.toml"
    spec.write_text(SWEEP)
    out = spec.parent / "out"
    invoke("sweep", spec, "--out", out, "--quiet")
    return out


def test_a_factor_that_cannot_matter_has_indices_whose_intervals_hold_zero(sweep_dir):
    spec, indices = analyze_sweep(sweep_dir, n_resamples=199, noise_draws=50)
    assert spec.design == "saltelli" and spec.points == 8 and len(spec.factors) == 2
    r = indices["p_met_deadline"]
    volatility = r.factors.index("conditions.volatility")
    # nothing in doha reads the conditions: the points that differ only there give the same outcome
    assert r.first[volatility] == 0.0 and r.total[volatility] == 0.0
    assert r.first_ci[volatility, 0] <= 0.0 <= r.first_ci[volatility, 1]
    assert r.total_ci[volatility, 0] <= 0.0 <= r.total_ci[volatility, 1]
    council = r.factors.index("decision.p_no_consensus")
    assert r.total[council] > 0.5  # the council's consensus carries the deadline
    assert r.first_noise_sd is not None and r.noise_share is not None


def test_analyze_prints_the_indices_and_their_json(sweep_dir):
    r = invoke("analyze", sweep_dir, "--resamples", 199)
    assert "saltelli design, 8 base samples x (2 factors + 2) = 32 points" in r.stdout
    assert "common random numbers make it smaller" in r.stdout
    assert "conditions.volatility" in r.stdout and "p_met_deadline" in r.stdout
    doc = json.loads(invoke("analyze", sweep_dir, "--resamples", 199, "--json").stdout)
    assert doc["design"] == "saltelli" and doc["points"] == 32 and doc["seed"] == "4"
    (met,) = [o for o in doc["outcomes"] if o["outcome"] == "p_met_deadline"]
    assert [f["factor"] for f in met["factors"]] == ["decision.p_no_consensus", "conditions.volatility"]
    assert doc == json.loads(invoke("analyze", sweep_dir, "--resamples", 199, "--json").stdout)  # same bits


def test_analyze_names_what_is_wrong_with_the_directory(sweep_dir, tmp_path):
    assert "not a sweep directory" in fails("analyze", tmp_path).stderr
    grid = tmp_path / "grid.toml"
    grid.write_text(
        SWEEP.replace('design = "saltelli"\npoints = 8', 'design = "grid"')
        .replace("high = 0.8", "high = 0.8\nsteps = 2")
        .replace("high = 0.2", "high = 0.2\nsteps = 1")
    )
    out = tmp_path / "g"
    invoke("sweep", grid, "--out", out, "--quiet")
    r = fails("analyze", out)
    assert (
        "sensitivity needs a saltelli design (Sobol' indices) or a morris design (elementary effects); "
        "this sweep's design is 'grid'" in r.stderr
    )
    assert "Traceback" not in r.stderr


def test_a_saltelli_spec_checks_the_points_it_implies():
    with pytest.raises(ScenarioError, match="expected a power of 2"):
        parse_spec(SWEEP.replace("points = 8", "points = 12"), file="s.toml")
    points, _ = design_points(parse_spec(SWEEP, file="s.toml"))
    assert len(points) == 8 * (2 + 2)
    a, b, ab0 = points[:8], points[8:16], points[16:24]
    assert all(x["conditions.volatility"] == y["conditions.volatility"] for x, y in zip(a, ab0, strict=True))
    assert all(y["decision.p_no_consensus"] == z["decision.p_no_consensus"] for y, z in zip(b, ab0, strict=True))


def test_the_shipped_sensitivity_spec_plans_its_points():
    from drawdown.batch import load_spec, plan_points

    spec = load_spec("sensitivity")
    base, points, notes = plan_points(spec)
    assert base.name == "doha-2021-05-01" and spec.design == "saltelli" and notes == []
    assert len(points) == spec.points * (len(spec.factors) + 2) == 384
    assert spec.factors[-1].key == "conditions.volatility"  # the factor that cannot matter
