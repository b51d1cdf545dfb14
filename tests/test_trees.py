"""Feature scoring (extra trees) and CART scenario discovery (issue 17): known rankings and
planted boxes, the same scores and tree for the same seed, the shipped discovery sweep,
and a clear error without scikit-learn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys

import numpy as np
import pytest
from batch_helpers import fails, invoke
from drawdown.analysis import cart_leaves, cart_sweep, feature_scores, score_sweep
from drawdown.batch import load_spec, run_sweep
from drawdown.errors import DrawdownError


def test_scores_rank_a_known_model_and_sum_to_one():
    rng = np.random.default_rng(4)
    x = rng.random((400, 4))
    y = 5 * x[:, 0] + 2 * np.sin(3 * x[:, 1]) + x[:, 0] * x[:, 2]  # x3 plays no part
    cols = {f"x{i}": x[:, i] for i in range(4)}
    r = feature_scores(cols, {"y": y, "flat": np.ones(400)}, seed=1)
    assert r["y"].ranking()[:2] == ["x0", "x1"] and r["y"].ranking()[-1] == "x3"
    assert r["y"].scores.sum() == pytest.approx(1.0)
    assert r["y"].scores[3] < 0.05
    assert r["flat"].scores.tolist() == [0.0] * 4  # an outcome that does not vary
    again = feature_scores(cols, {"y": y}, seed=1)["y"].scores
    assert np.array_equal(again, r["y"].scores)  # the same seed, the same scores
    assert not np.array_equal(feature_scores(cols, {"y": y}, seed=2)["y"].scores, again)


def test_cart_recovers_a_planted_box_with_lists_and_dates():
    rng = np.random.default_rng(6)
    n = 800
    rule = rng.choice(["fixed", "next_meeting"], size=n).tolist()
    start = dt.date(2021, 5, 1)
    deadline = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 120, size=n)]
    cases = (np.array(rule) == "next_meeting") & np.array([d > dt.date(2021, 7, 1) for d in deadline])
    leaves = cart_leaves({"decision.rule": rule, "deadline": deadline}, cases, seed=1)
    best = leaves[0]
    assert best.density == 1.0 and best.coverage > 0.95
    assert "decision.rule in {next_meeting}" in best.rule
    assert any(r.startswith("deadline > 2021-07-0") for r in best.rule)
    assert sum(leaf.points for leaf in leaves) == n  # the leaves partition the points
    assert [leaf.density for leaf in leaves] == sorted((leaf.density for leaf in leaves), reverse=True)


@pytest.fixture(scope="module")
def discovery(tmp_path_factory):
    out = tmp_path_factory.mktemp("trees") / "discovery"
    run_sweep(dataclasses.replace(load_spec("discovery"), points=100, replications=50), out)
    return out


def test_the_council_scores_first_on_the_shipped_sweep(discovery):
    spec, scores = score_sweep(discovery)
    p = scores["p_met_deadline"]
    assert p.ranking()[0] == "decision.p_no_consensus" and p.scores.max() > 0.5
    leaves = cart_sweep(discovery, "p_met_deadline < 0.5")
    base_rate = sum(leaf.density * leaf.points for leaf in leaves) / sum(leaf.points for leaf in leaves)
    assert leaves[0].density > base_rate and "decision.p_no_consensus" in leaves[0].rule[0]


def test_analyze_scores_and_the_cart_section_of_discover(discovery):
    text = invoke("analyze", discovery, "--scores").stdout
    assert text.startswith("Feature scores: extra-trees") and "\np_met_deadline\n  decision.p_no_consensus" in text
    doc = json.loads(invoke("analyze", discovery, "--scores", "--json").stdout)
    assert doc["seed"] == "1" and doc["outcomes"][0]["outcome"] == "p_met_deadline"
    assert sum(doc["outcomes"][0]["scores"].values()) == pytest.approx(1.0)
    text = invoke("analyze", discovery, "--discover", "p_met_deadline < 0.5").stdout
    assert "CART leaves (a tree of depth 3, densest first):" in text
    doc = json.loads(invoke("analyze", discovery, "--discover", "p_met_deadline < 0.5", "--json").stdout)
    assert doc["cart"][0]["density"] >= doc["cart"][-1]["density"]


def test_without_scikit_learn_the_error_says_how_to_install_it(discovery, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError
    with pytest.raises(DrawdownError, match=r"pip install 'drawdown\[analysis\]'"):
        score_sweep(discovery)
    r = fails("analyze", discovery, "--scores")
    assert "scikit-learn" in r.stderr and "Traceback" not in r.stderr
    r = invoke("analyze", discovery, "--discover", "p_met_deadline < 0.5")  # PRIM still, CART left out
    assert "PRIM scenario discovery" in r.stdout and "CART" not in r.stdout
    assert "the CART tree is left out" in r.stderr
