"""Statistics in one place: exact sums, quantile ranks, estimates and binomial intervals.

Every mean, variance, probability and interval that drawdown reports is computed here,
from exact integer sums and counts, so the summaries, the paired comparisons and the
reports agree to the bit.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

__all__ = ["Estimate", "Probability", "exact_sums", "proportion", "quantile_rank", "sample_variance", "wilson"]

_INT63 = 2**63


Estimate = namedtuple("Estimate", "mean se n")


Probability = namedtuple("Probability", "value se low high k n")
Estimate.__doc__ = """A mean with its Monte Carlo standard error (``nan`` when ``n < 2``)."""

Probability.__doc__ = """A probability ``k / n`` with its binomial standard error
``sqrt(p (1 - p) / n)`` and its Wilson 95% interval ``[low, high]``."""


def sample_variance(n: int, total: int, total_sq: int) -> float:
    """Unbiased sample variance from a count, an exact sum and an exact sum of squares.

    The numerator ``n * total_sq - total**2`` is exact integer arithmetic; ``nan`` when
    ``n < 2``.

    >>> sample_variance(4, 10, 30)  # 1, 2, 3, 4
    1.6666666666666667
    """
    if n < 2:
        return math.nan
    return (n * total_sq - total * total) / (n * (n - 1))


def exact_sums(x: np.ndarray) -> tuple[int, int]:
    """Sum and sum of squares of an integer array, exactly, as Python ints."""
    x = np.asarray(x)
    if x.size == 0:
        return 0, 0
    if x.dtype.kind not in "iub":
        raise ValueError(f"expected integers, got {x.dtype}")
    x = x.astype(np.int64, copy=False)
    m = max(abs(int(x.max())), abs(int(x.min())))
    if m < 2**31 and m * m * x.size < _INT63:
        return int(x.sum()), int(np.dot(x, x))
    values = x.tolist()
    return sum(values), sum(v * v for v in values)


def quantile_rank(n: int, q: float) -> int:
    """How many of ``n`` sorted values the ``q`` quantile needs: numpy's ``inverted_cdf``.

    The quantile is the smallest ``v`` with ``count(x <= v) >= q * n``; the rank is
    computed with the very float operations of :func:`numpy.quantile`.
    """
    q = float(q)
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be in [0, 1], got {q}")
    index = n * q - 1.0
    prev = math.floor(index)
    idx = prev + 1 if index - prev > 0 else prev
    return min(max(idx, 0), n - 1) + 1


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n``.

    It stays inside [0, 1] and keeps a positive width when ``k`` is 0 or ``n``, where
    the normal interval collapses to a point. ``n == 0`` gives ``(0.0, 1.0)``.

    Parameters
    ----------
    k : int
        Successes.
    n : int
        Trials.
    z : float, optional
        Normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> [round(x, 4) for x in wilson(5, 10)]
    [0.2366, 0.7634]
    >>> [round(x, 4) for x in wilson(0, 10)]
    [0.0, 0.2775]
    """
    k, n = int(k), int(n)
    if n == 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def proportion(k: int, n: int) -> Probability:
    if n == 0:
        return Probability(math.nan, math.nan, 0.0, 1.0, k, n)
    p = k / n
    low, high = wilson(k, n)
    return Probability(p, math.sqrt(p * (1.0 - p) / n), low, high, k, n)
