"""Morris screening (issue 17): the design, elementary effects with known values, and a
``design = "morris"`` sweep analysed end to end, the same bits whatever the executor or
the shards, resumed after SIGKILL without redoing a finished point.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from batch_helpers import assert_same_sweep, assert_sigkill_resume, fails, invoke
from drawdown.analysis import MorrisEffects, analyze_sweep, morris_effects
from drawdown.batch import design_points, morris_design, parse_spec
from drawdown.batch.morris import morris_delta, morris_levels, morris_steps
from drawdown.errors import ScenarioError

MORRIS_SPEC = """\
base = "doha-2021-05-01"
seed = 3
replications = 40
block_size = 20
design = "morris"
points = 4

[factors.'decision.p_no_consensus']
low = 0.2
high = 0.8

[factors.'threat.attack_rate_after']
low = 0.5
high = 2.5

[factors.'conditions.volatility']
low = 0.01
high = 0.2
"""
POINTS = 4 * (3 + 1)


# -- the design -------------------------------------------------------------------------------
@pytest.mark.parametrize(("k", "r", "levels"), [(1, 3, 4), (3, 5, 4), (7, 10, 6), (12, 4, 2)])
def test_each_trajectory_moves_every_factor_once_by_delta(k, r, levels):
    x = morris_levels(k, r, np.random.default_rng(7), levels=levels)
    assert x.shape == (r * (k + 1), k)
    assert x.min() >= 0 and x.max() <= levels - 1
    steps = np.diff(x.reshape(r, k + 1, k), axis=1)
    assert (np.count_nonzero(steps, axis=2) == 1).all()  # one factor a step
    assert (np.abs(steps).sum(axis=2) == levels // 2).all()  # by p / 2 levels: delta of the range
    moved, sign = morris_steps(x, k)
    assert (np.sort(moved, axis=1) == np.arange(k)).all()  # each factor once a trajectory
    assert set(np.unique(sign).tolist()) <= {-1, 1}
    assert morris_delta(levels) == pytest.approx((levels // 2) / (levels - 1))


def test_steps_go_both_ways_and_start_anywhere():
    x = morris_levels(4, 200, np.random.default_rng(1))
    moved, sign = morris_steps(x, 4)
    assert 0.4 < (sign > 0).mean() < 0.6
    assert np.bincount(x.ravel(), minlength=4).min() > 0.2 * x.size / 4  # all four levels used


def test_the_design_comes_from_the_spec_seed_alone():
    spec = parse_spec(MORRIS_SPEC, file="m.toml")
    assert np.array_equal(morris_design(spec), morris_design(spec))
    other = parse_spec(MORRIS_SPEC.replace("seed = 3", "seed = 4"), file="m.toml")
    assert not np.array_equal(morris_design(spec), morris_design(other))
    points, _ = design_points(spec)
    assert len(points) == POINTS
    # level j of 4 is low + j (high - low) / 3
    first = morris_design(spec)[0]
    assert points[0]["decision.p_no_consensus"] == pytest.approx(0.2 + first[0] * 0.2)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("points = 4\n", ""), "a whole number >= 2 (the trajectories of the morris design)"),
        (("points = 4", "points = 1"), "expected a whole number >= 2, found 1"),
        (("points = 4", "points = 30000"), "morris: 30000 trajectories x (3 factors + 1) = 120000 points"),
    ],
)
def test_a_morris_spec_without_sensible_trajectories_is_refused(edit, message):
    """Refused when the spec is read, or for the points it implies, before anything runs."""
    with pytest.raises(ScenarioError) as e:
        design_points(parse_spec(MORRIS_SPEC.replace(*edit), file="m.toml"))
    assert any(p.key == "points" and message in p.message for p in e.value.problems), e.value.problems


# -- elementary effects with known values -----------------------------------------------------------
def _unit(x: np.ndarray) -> np.ndarray:
    return x / 3.0


def test_a_linear_model_has_its_coefficients_as_effects():
    """y = 4 u1 - 2 u2 + 0.5 u3 + 0 u4: every elementary effect of u_i is b_i, so mu = b,
    mu* = |b|, sigma = 0 and the interval is the one value; u4 changes nothing."""
    x = morris_levels(4, 12, np.random.default_rng(3))
    u = _unit(x)
    b = np.array([4.0, -2.0, 0.5, 0.0])
    se = np.full(len(u), 0.01)
    r = morris_effects({"y": u @ b}, factors=["a", "b", "c", "d"], design=x, errors={"y": se}, seed=1)["y"]
    np.testing.assert_allclose(r.mu, b, atol=1e-12)
    np.testing.assert_allclose(r.mu_star, np.abs(b), atol=1e-12)
    np.testing.assert_allclose(r.sigma, 0, atol=1e-12)
    np.testing.assert_allclose(r.mu_star_ci, np.column_stack([np.abs(b), np.abs(b)]), atol=1e-12)
    assert r.ranking() == ["a", "b", "c", "d"]
    assert r.mu_star_noise_sd is not None and (r.mu_star_noise_sd > 0).all()  # independent noise moves even d


def test_an_interaction_shows_in_sigma_and_the_intervals_cover_the_truth():
    """y = u1 u2 + u3 on four levels with delta 2/3: u1's effect is u2 (a level of
    {0, 1/3, 2/3, 1}), so its mu* is the mean of u2 where u1 steps, sigma > 0; u3's is 1."""
    x = morris_levels(3, 400, np.random.default_rng(5))
    u = _unit(x)
    y = u[:, 0] * u[:, 1] + u[:, 2]
    r = morris_effects({"y": y}, factors=["u1", "u2", "u3"], design=x, seed=2)["y"]
    assert r.sigma[0] > 0.2 and r.sigma[1] > 0.2 and r.sigma[2] == pytest.approx(0, abs=1e-12)
    # E|EE_1| = E[u2] = 1/2 over a uniform level of u2; the 95% interval holds it
    assert r.mu_star_ci[0, 0] < 0.5 < r.mu_star_ci[0, 1]
    assert r.mu_star_ci[1, 0] < 0.5 < r.mu_star_ci[1, 1]
    assert r.mu_star[2] == pytest.approx(1.0)


def test_a_design_that_is_not_a_morris_one_is_refused():
    x = morris_levels(2, 3, np.random.default_rng(1))
    x[1] = x[0]  # a step that moves nothing
    with pytest.raises(ValueError, match="moves no factor or more than one"):
        morris_effects({"y": np.zeros(len(x))}, factors=["a", "b"], design=x)
    with pytest.raises(ValueError, match="r >= 2"):
        morris_effects({"y": np.zeros(3)}, factors=["a", "b"], design=x[:3])


# -- a sweep, end to end ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def morris_spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("morris") / "morris.toml"
    path.write_text(MORRIS_SPEC)
    return path


@pytest.fixture(scope="module")
def morris_reference(tmp_path_factory, morris_spec):
    out = tmp_path_factory.mktemp("morris-ref") / "sweep"
    invoke("sweep", morris_spec, "--out", out, "--quiet")
    return out


def test_a_factor_that_cannot_matter_has_no_effect(morris_reference):
    """Nothing in the Doha scenario reads the conditions index: with common random
    numbers every step of conditions.volatility changes no outcome, so its mu* is 0 and
    its interval [0, 0], however few the replications; the council's odds matter."""
    spec, effects = analyze_sweep(morris_reference, n_resamples=99, noise_draws=10)
    assert spec.design == "morris"
    p = effects["p_met_deadline"]
    assert isinstance(p, MorrisEffects) and p.trajectories == 4
    i = p.factors.index("conditions.volatility")
    assert p.mu_star[i] == 0 and p.mu_star_ci[i].tolist() == [0.0, 0.0] and p.sigma[i] == 0
    assert p.ranking()[0] == "decision.p_no_consensus" and p.mu[0] < 0  # more failed meetings, less often out


def test_analyze_prints_the_ranking_and_the_json_records_the_method(morris_reference):
    text = invoke("analyze", morris_reference, "--resamples", 99).stdout
    assert "Morris elementary effects: 4 trajectories x (3 factors + 1) = 16 points" in text
    table = text.split("p_met_deadline")[1].splitlines()
    assert table[2].split()[0] == "decision.p_no_consensus"  # most influential first
    doc = json.loads(invoke("analyze", morris_reference, "--resamples", 99, "--json").stdout)
    assert doc["design"] == "morris" and doc["trajectories"] == 4 and doc["points"] == POINTS
    assert doc["method"].startswith("Morris 1991") and doc["seed"] == "3"
    names = [f["factor"] for f in doc["outcomes"][0]["factors"]]
    assert names == ["decision.p_no_consensus", "threat.attack_rate_after", "conditions.volatility"]


def test_a_morris_sweep_gives_the_same_bits_with_workers_and_shards(morris_reference, morris_spec, tmp_path):
    invoke("sweep", morris_spec, "--out", tmp_path / "w", "--workers", 2, "--quiet")
    assert_same_sweep(morris_reference, tmp_path / "w", POINTS)
    shards = tmp_path / "s"
    for i in (2, 1):
        invoke("sweep", morris_spec, "--out", shards, "--shard", f"{i}/2", "--quiet")
    assert f"merged {POINTS} sweep points" in invoke("merge", shards).stdout
    assert_same_sweep(morris_reference, shards, POINTS)


def test_a_morris_sweep_killed_midway_resumes_without_recomputing(morris_reference, morris_spec, tmp_path):
    assert_sigkill_resume(morris_spec, morris_reference, tmp_path / "k", POINTS, "morris")


def test_another_design_is_refused_with_the_two_that_can_be_analysed(tmp_path):
    spec = tmp_path / "lhs.toml"
    spec.write_text(MORRIS_SPEC.replace('design = "morris"', 'design = "lhs"'))
    invoke("sweep", spec, "--out", tmp_path / "l", "--quiet")
    r = fails("analyze", tmp_path / "l")
    assert "saltelli design (Sobol' indices) or a morris design (elementary effects)" in r.stderr
