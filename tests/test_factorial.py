"""Two-level full and fractional factorial designs (issue 17).

The resolutions are checked on the designs themselves, not on the generators that made
them: a design has resolution R when no product of fewer than R of its columns is
constant and some product of R columns is.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from drawdown.batch import design_points, load_spec, parse_spec
from drawdown.batch.factorial import factorial, factorial_generators, resolution
from drawdown.errors import ScenarioError


def design_resolution(d: np.ndarray) -> int | None:
    """The shortest set of columns whose product is constant (None: there is none)."""
    k = d.shape[1]
    for n in range(1, k + 1):
        for cols in itertools.combinations(range(k), n):
            if np.all(d[:, list(cols)].prod(axis=1) == d[0, list(cols)].prod()):
                return n
    return None


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_the_full_factorial_is_every_combination_once(k):
    d = factorial(k)
    assert d.shape == (2**k, k)
    assert sorted(map(tuple, d.tolist())) == sorted(itertools.product((-1, 1), repeat=k))
    assert np.array_equal(d[0], -np.ones(k)) and np.array_equal(d[-1], np.ones(k))  # the first factor slowest
    assert design_resolution(d) is None and resolution(k, 0) is None


@pytest.mark.parametrize(
    ("k", "p", "textbook"),
    # the highest resolutions of the common designs (Montgomery, Design and Analysis of Experiments, table 8.14)
    [(3, 1, 3), (4, 1, 4), (5, 1, 5), (5, 2, 3), (6, 1, 6), (6, 2, 4), (6, 3, 3), (7, 1, 7), (7, 2, 4),
     (7, 3, 4), (7, 4, 3), (8, 4, 4), (9, 5, 3), (12, 4, 6), (15, 11, 3)],
)  # fmt: skip
def test_a_fractional_factorial_has_the_textbook_resolution(k, p, textbook):
    d = factorial(k, p)
    assert d.shape == (2 ** (k - p), k)
    assert design_resolution(d) == resolution(k, p) == textbook
    assert np.array_equal(d.T @ d, 2 ** (k - p) * np.eye(k, dtype=np.int64))  # main effects orthogonal, balanced


@pytest.mark.parametrize(("k", "p"), [(2, 1), (3, 2), (4, 3), (1, 1), (3, -1)])
def test_a_fraction_that_would_alias_main_effects_is_refused(k, p):
    with pytest.raises(ValueError):
        factorial_generators(k, p)


SPEC = """\
base = "doha-2021-05-01"
seed = 2
replications = 10
design = "factorial"
{extra}
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


def test_a_factorial_sweep_takes_each_factor_at_its_two_levels():
    points, notes = design_points(parse_spec(SPEC.format(extra=""), file="f.toml"))
    assert len(points) == 16 and notes == []
    assert {p["threat.attack_rate_after"] for p in points} == {0.5, 2.5}
    assert {p["decision.special_meeting_delay_days"] for p in points} == {3, 20}
    assert {p["deadline"].isoformat() for p in points} == {"2021-05-01", "2021-09-11"}
    assert {p["decision.allow_special_meetings"] for p in points} == {True, False}
    assert len({tuple(sorted(p.items())) for p in points}) == 16


def test_a_fractional_sweep_says_when_it_aliases_main_effects_with_interactions():
    half, notes = design_points(parse_spec(SPEC.format(extra="fraction = 1"), file="f.toml"))
    assert len(half) == 8 and notes == []  # 2^(4-1), resolution IV
    spec = parse_spec(
        SPEC.format(extra="fraction = 2") + "\n[factors.'decision.p_no_consensus']\nlow = 0.1\nhigh = 0.9\n",
        file="f.toml",
    )
    quarter, notes = design_points(spec)
    assert len(quarter) == 8 and len(notes) == 1 and "resolution III" in notes[0]
    assert spec.to_json()["fraction"] == 2 and "fraction" not in load_spec("deadline-and-threat").to_json()


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        ("fraction = 3", "fraction", "2^(4-3) would alias main effects"),
        ("fraction = -1", "fraction", "expected a whole number >= 0"),
        ("points = 8", "points", "a factorial design has 2**(factors - fraction) points"),
    ],
)
def test_a_factorial_spec_that_cannot_be_built_is_refused(edit, key, message):
    with pytest.raises(ScenarioError) as e:
        parse_spec(SPEC.format(extra=edit), file="f.toml")
    assert [(p.key, p.message[: len(message)]) for p in e.value.problems] == [(key, message)]


def test_a_factorial_factor_needs_two_levels_and_fraction_needs_a_factorial():
    three = SPEC.format(extra="").replace("values = [true, false]", "values = [true, false, true]")
    with pytest.raises(ScenarioError, match="two levels: give two values, not 3"):
        parse_spec(three, file="f.toml")
    with pytest.raises(ScenarioError, match="fraction is for a factorial design, not lhs"):
        parse_spec(SPEC.format(extra="fraction = 1\npoints = 8").replace('"factorial"', '"lhs"'), file="f.toml")
