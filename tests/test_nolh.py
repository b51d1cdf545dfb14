"""Nearly orthogonal Latin hypercubes (issue 17): the designs and the sweeps that use them.

The standard sizes (17, 33, 65, 129 and 257 runs for 7, 11, 16, 22 and 29 factors) are
Latin hypercubes, their columns correlated by less than 0.03 (the issue's bound, the
one data-farming practice quotes for these designs), and a sweep with ``design =
"nolh"`` gives the same bits whatever the executor or the shards, and resumes after
SIGKILL without redoing a finished point.
"""

from __future__ import annotations

import numpy as np
import pytest
from batch_helpers import assert_same_sweep, assert_sigkill_resume, invoke
from drawdown.batch import design_points, parse_spec
from drawdown.batch.nolh import NOLH_SIZES, nolh, nolh_order
from drawdown.errors import ScenarioError

NOLH_SPEC = """\
base = "doha-2021-05-01"
seed = 5
replications = 20
block_size = 10
design = "nolh"

[factors.'threat.attack_rate_after']
low = 0.5
high = 2.5

[factors.'decision.special_meeting_delay_days']
low = 3
high = 20

[factors.deadline]
low = 2021-05-01
high = 2021-09-11

[factors.'decision.allow_special_meetings']
values = [true, false]
"""
POINTS = 17


@pytest.mark.parametrize(("m", "runs", "most"), NOLH_SIZES)
def test_each_standard_size_is_a_latin_hypercube_with_columns_correlated_below_003(m, runs, most):
    d = nolh(most)
    q = 2 ** (m - 1)
    assert d.shape == (runs, most) and runs == 2 * q + 1 and nolh_order(most) == m
    levels = np.arange(-q, q + 1)
    for j in range(most):
        assert np.array_equal(np.sort(d[:, j]), levels), j  # every level once in every column
    c = np.corrcoef(d.T.astype(float))
    np.fill_diagonal(c, 0.0)
    assert np.abs(c).max() < 0.03, np.abs(c).max()
    assert np.array_equal(d[q], np.zeros(most)) and np.array_equal(d[:q], -d[q + 1 :])  # centre, then the mirror
    # fewer factors: the first columns of the same design
    assert np.array_equal(nolh(max(1, most - 3)), d[:, : max(1, most - 3)]) or nolh_order(most - 3) != m


@pytest.mark.parametrize("bad", [0, -1, 30, 2.0, True])
def test_a_size_no_design_has_is_refused(bad):
    with pytest.raises(ValueError):
        nolh(bad)


def test_a_nolh_sweep_takes_each_level_once_and_both_ends():
    points, notes = design_points(parse_spec(NOLH_SPEC, file="n.toml"))
    assert len(points) == POINTS and notes == []
    rates = sorted(p["threat.attack_rate_after"] for p in points)
    assert rates == [0.5 + 2.0 * j / 16 for j in range(17)]
    delays = sorted(p["decision.special_meeting_delay_days"] for p in points)
    assert delays[0] == 3 and delays[-1] == 20 and all(isinstance(x, int) for x in delays)
    deadlines = sorted(p["deadline"] for p in points)
    assert deadlines[0].isoformat() == "2021-05-01" and deadlines[-1].isoformat() == "2021-09-11"
    special = [p["decision.allow_special_meetings"] for p in points]
    assert sorted(special) == [False] * 8 + [True] * 9
    # the design is fixed: the seed does not move it
    assert design_points(parse_spec(NOLH_SPEC.replace("seed = 5", "seed = 6"), file="n.toml"))[0] == points


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            ('design = "nolh"', 'design = "nolh"\npoints = 20'),
            "points",
            "a nolh design has 17, 33, 65, 129, 257 points",
        ),
        (
            (
                "[factors.deadline]\nlow = 2021-05-01\nhigh = 2021-09-11",
                "[factors.deadline]\nlow = 2021-05-01\nhigh = 2021-09-11\nsteps = 3",
            ),
            "factors.deadline.steps",
            "steps is for a grid",
        ),
    ],
)
def test_a_nolh_spec_that_asks_for_what_the_design_fixes_is_refused(edit, key, message):
    with pytest.raises(ScenarioError) as e:
        parse_spec(NOLH_SPEC.replace(*edit), file="n.toml")
    (problem,) = e.value.problems
    assert problem.key == key and problem.message.startswith(message), problem


def test_more_factors_than_the_largest_design_are_refused():
    many = "".join(f"\n[factors.'bases.Bagram.calendar[{i}].seats_per_day']\nlow = 1\nhigh = 2\n" for i in range(30))
    with pytest.raises(ScenarioError) as e:
        parse_spec(NOLH_SPEC.split("[factors.")[0] + many, file="n.toml")
    assert [(p.key, p.message) for p in e.value.problems] == [
        ("factors", "30 factors: a nolh design has at most 29; use lhs or sobol")
    ]


# -- the sweep's layouts ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nolh_spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("nolh") / "nolh.toml"
    path.write_text(NOLH_SPEC)
    return path


@pytest.fixture(scope="module")
def nolh_reference(tmp_path_factory, nolh_spec):
    out = tmp_path_factory.mktemp("nolh-ref") / "sweep"
    invoke("sweep", nolh_spec, "--out", out, "--quiet")
    return out


def test_a_nolh_sweep_gives_the_same_bits_with_workers_and_shards(nolh_reference, nolh_spec, tmp_path):
    invoke("sweep", nolh_spec, "--out", tmp_path / "w", "--workers", 2, "--quiet")
    assert_same_sweep(nolh_reference, tmp_path / "w", POINTS)
    shards = tmp_path / "s"
    for i in (3, 1, 2):
        invoke("sweep", nolh_spec, "--out", shards, "--shard", f"{i}/3", "--quiet")
    assert "merged 17 sweep points" in invoke("merge", shards).stdout
    assert_same_sweep(nolh_reference, shards, POINTS)


def test_a_nolh_sweep_killed_midway_resumes_without_recomputing(nolh_reference, nolh_spec, tmp_path):
    assert_sigkill_resume(nolh_spec, nolh_reference, tmp_path / "k", POINTS, "nolh")


def test_the_shipped_first_columns_are_what_the_search_finds():
    """The search script (tests/data/nolh/search.py) reproduces the first columns the
    module ships, for the smallest order (it runs in about 2 s; the largest in 15 s)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "data" / "nolh" / "search.py"
    spec = importlib.util.spec_from_file_location("nolh_search", path)
    assert spec is not None and spec.loader is not None
    search = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search)
    worst, first = search.anneal(4, 1, 20_000)
    assert np.array_equal(nolh(7)[:8, 0], first) and worst == 0.0  # 17 runs, 7 factors: orthogonal
