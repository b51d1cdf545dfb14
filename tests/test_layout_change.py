"""Layout 3 changes the draws, not the model: its outcome distributions match layout 2's.

For the v1 scenarios as they were before issue 16 (copies in ``tests/data/layout2/``),
``tests/data/layout2/reference.json`` holds how many of 10^5 replications took each
value of four outcomes under draw layout 2 (seed 20210215, made at commit 3f3b177 by
``tests/data/layout2/make_reference.py``). Here the same scenarios run 10^5 replications
under this checkout's layout with another seed, and each outcome's two samples are
compared by a binned chi-square test of homogeneity.

Thresholds, reasoned:

- **Bins**: adjacent values are merged, in value order, until the two samples together
  have at least :data:`MIN_PER_BIN` replications in the bin (at least 40 expected in each
  sample, far above the usual 5 for the chi-square approximation to hold), the last bin
  absorbing any remainder. An outcome with one bin (a fixed decision day, no deadline's
  troops) must then be the same value in both samples.
- **Significance**: 8 scenarios by 4 outcomes are :data:`TESTS` tests; with a family-wise
  false-alarm rate of :data:`FAMILY_ALPHA` (1%) Bonferroni's correction rejects a test
  whose p-value is below ``FAMILY_ALPHA / TESTS`` (3.1e-4). Under the null hypothesis
  (the layouts draw the same distributions) the file fails in at most 1% of seeds; the
  seeds are fixed, so it either passes or fails every time.
- **Power**: at 10^5 replications a sample, a bin of probability 0.1 has a standard error
  of about 0.001, so a layout that moved a bin's probability by about half a percentage
  point (a biased stream, a draw read on the wrong day) is found; a few days' shift of
  the exit-day distribution of a scenario (whose days spread over weeks) is far above
  that.

It runs 8 x 10^5 replications of the numpy engine: about a minute on the 2-core machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import drawdown
import numpy as np
import pytest
from drawdown.draws import blocks_for
from drawdown.engines import Outcomes, run_blocks
from scipy.stats import chi2_contingency

HERE = Path(__file__).resolve().parent / "data" / "layout2"
REFERENCE = json.loads((HERE / "reference.json").read_text())
OUTCOMES = ("final_exit_day", "decision_day", "attacks", "troops_at_deadline")
SCENARIOS = tuple(REFERENCE["scenarios"])
TESTS = len(SCENARIOS) * len(OUTCOMES)
FAMILY_ALPHA = 0.01
MIN_PER_BIN = 80
SEED = 20210501  # not the reference's: the two samples are independent


def bins(a: dict[int, int], b: dict[int, int], min_per_bin: int = MIN_PER_BIN) -> np.ndarray:
    """A 2 x k table of counts: adjacent values merged until each bin holds ``min_per_bin``
    replications of the two samples together (the last bin takes any remainder).

    >>> bins({0: 50, 1: 50, 2: 5}, {0: 40, 1: 60, 2: 3}, min_per_bin=80)
    array([[ 50,  55],
           [ 40,  63]])
    """
    values = sorted(set(a) | set(b))
    table: list[list[int]] = []
    here = [0, 0]
    for v in values:
        here[0] += a.get(v, 0)
        here[1] += b.get(v, 0)
        if sum(here) >= min_per_bin:
            table.append(here)
            here = [0, 0]
    if sum(here):
        if table:
            table[-1] = [table[-1][0] + here[0], table[-1][1] + here[1]]
        else:
            table.append(here)
    return np.array(table, dtype=np.int64).T


def test_bins_keep_every_replication_and_fill_every_bin():
    a, b = {0: 10, 3: 200, 7: 1, 9: 90}, {0: 5, 3: 190, 8: 4, 9: 100}
    table = bins(a, b, min_per_bin=50)
    assert table.sum(axis=1).tolist() == [sum(a.values()), sum(b.values())]
    assert (table.sum(axis=0) >= 50).all()


@pytest.fixture(scope="module", params=SCENARIOS)
def samples(request):
    name = request.param
    reps = REFERENCE["replications"]
    s = drawdown.load(HERE / f"{name}.toml")
    out = Outcomes.concatenate([o for _, o in run_blocks(s, blocks_for(reps), SEED)])
    ours = {k: dict(zip(*np.unique(getattr(out, k), return_counts=True))) for k in OUTCOMES}
    theirs = {k: {v: n for v, n in REFERENCE["scenarios"][name][k]} for k in OUTCOMES}
    return name, ours, theirs


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_layout_3_outcomes_match_layout_2(samples, outcome):
    name, ours, theirs = samples
    a = {int(v): int(n) for v, n in ours[outcome].items()}
    b = theirs[outcome]
    assert sum(a.values()) == sum(b.values()) == REFERENCE["replications"]
    table = bins(a, b)
    if table.shape[1] == 1:  # one value (or too few apart to bin): the same in both
        assert sorted(a) == sorted(b), (name, outcome)
        return
    p = chi2_contingency(table, correction=False).pvalue
    assert p >= FAMILY_ALPHA / TESTS, f"{name} {outcome}: p = {p:.2e} over {table.shape[1]} bins"
