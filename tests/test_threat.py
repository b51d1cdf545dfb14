"""The threat's counts: poisson_inv and the casualty table give the definition's count.

The definition is the smallest ``k`` with ``pdtr(k, mean) >= u``. Both engines rely on
these helpers giving it exactly, including where ``u`` equals a CDF value or sits one
ulp beside it, for counts beyond the recurrence's summed terms and for large means.
"""

import numpy as np
import pytest
from drawdown.draws import CasualtyTable, poisson_inv
from scipy.special import pdtr


def definition(u, mean):
    """Smallest k with pdtr(k, mean) >= u, by stepping k on pdtr itself (0 for mean 0)."""
    k = np.zeros(u.size)
    while True:
        below = (pdtr(k, mean) < u) & (mean > 0)
        if not below.any():
            return k.astype(np.int64)
        k += below


def with_ties(rng, u, mean, kmax=14):
    """Set a tenth of ``u`` to a CDF value exactly and a twentieth one ulp beside one."""
    n = u.size
    k = rng.integers(0, kmax, n)
    tie = rng.choice(n, n // 10, replace=False)
    u[tie] = pdtr(k[tie], mean[tie])
    beside = rng.choice(n, n // 20, replace=False)
    u[beside] = np.nextafter(pdtr(k[beside], mean[beside]), rng.choice([0.0, 1.0], beside.size))
    return u


@pytest.mark.parametrize("kind", ["small", "engine-like", "wide", "round"])
def test_poisson_inv_is_the_definition(kind):
    rng = np.random.default_rng(["small", "engine-like", "wide", "round"].index(kind))
    n = 20_000
    mean = {
        "small": lambda: rng.uniform(0.0, 1.0, n),
        "engine-like": lambda: rng.exponential(1.5, n),
        "wide": lambda: rng.uniform(0.0, 80.0, n),  # across the 50 where pdtr takes over
        "round": lambda: rng.choice([0.0, 0.4, 2.0, 7.5, 50.0, 50.000001, 300.0], n),
    }[kind]()
    u = with_ties(rng, rng.random(n), mean)
    got = poisson_inv(u, mean)
    assert got.dtype == np.int64
    assert np.array_equal(got, definition(u, mean))
    # counts past the summed terms (8) are there to be checked
    assert (got >= 8).sum() > 100 or kind == "small"


def test_poisson_inv_elementwise_and_shapes():
    rng = np.random.default_rng(7)
    u, mean = rng.random((30, 4)), rng.exponential(2.0, (30, 4))
    whole = poisson_inv(u, mean)
    assert whole.shape == (30, 4)
    assert all(np.array_equal(whole[i], poisson_inv(u[i], mean[i])) for i in range(30))
    assert np.array_equal(poisson_inv(u[:, 0], 2.5), poisson_inv(u[:, 0], np.full(30, 2.5)))
    assert poisson_inv(np.array([0.0, 0.999]), np.array([0.0, 0.0])).tolist() == [0, 0]


@pytest.mark.parametrize("c", [0.4, 0.0, 1e-9, 2.5, 7.0, 1 / 3])
def test_casualty_table_is_poisson_inv(c):
    rng = np.random.default_rng(int(c * 1000))
    table = CasualtyTable(c)
    for top in (3, 40, 9):  # the table grows, then is read below its size
        attacks = rng.integers(0, top, 30_000)
        mean = c * attacks
        u = with_ties(rng, rng.random(attacks.size), mean)
        got = table.casualties(u, attacks)
        assert got.dtype == np.int64
        assert np.array_equal(got, poisson_inv(u, mean))
        assert np.array_equal(got, definition(u, mean))
