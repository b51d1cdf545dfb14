"""Statistics in one place: exact sums, quantile ranks, estimates and binomial intervals.

Every mean, variance, probability and interval that drawdown reports is computed here,
from exact integer sums and counts, so the summaries, the paired comparisons and the
reports agree to the bit.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

__all__ = [
    "DENSE_COUNT_BINS",
    "Z95",
    "Estimate",
    "Probability",
    "bootstrap_se",
    "check_count_histogram",
    "count_histogram",
    "count_histogram_pairs",
    "count_histogram_quantile",
    "merge_count_histograms",
    "exact_sums",
    "histogram_quantile",
    "mean_estimate",
    "proportion",
    "quantile_bins",
    "quantile_rank",
    "sample_variance",
    "standard_error",
    "wilson",
    "wilson_se",
]

_INT63 = 2**63
#: A histogram of counts is dense (``bincount``: bin ``i`` holds the value ``i``) while its
#: largest count is below this, at most 512 KiB; from there on it is sparse, the values
#: that occur and how often (:func:`count_histogram`), at most 16 bytes a replication.
DENSE_COUNT_BINS = 1 << 16
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.96


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


def standard_error(variance: float, n: int) -> float:
    """Standard error of a mean of ``n`` values of variance ``variance``: ``sqrt(variance / n)``.

    ``nan`` when ``n < 2``. The variance is :func:`sample_variance` (or a sum of two, for
    the difference of two independent means).

    >>> standard_error(sample_variance(4, 10, 30), 4)
    0.6454972243679028
    >>> standard_error(1.0, 1)
    nan
    """
    if n < 2:
        return math.nan
    return math.sqrt(variance / n)


def mean_estimate(n: int, total: int, total_sq: int) -> Estimate:
    """The mean of ``n`` integers from their exact sum and sum of squares, with its
    standard error (:func:`sample_variance`, :func:`standard_error`).

    Parameters
    ----------
    n : int
        How many values (0 gives a ``nan`` mean).
    total, total_sq : int
        Their exact sum and sum of squares (:func:`exact_sums`).

    Returns
    -------
    Estimate
        ``se`` is ``nan`` when ``n < 2``.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.results import mean_estimate
    >>> mean_estimate(4, 10, 30)  # 1, 2, 3, 4
    Estimate(mean=2.5, se=0.6454972243679028, n=4)
    >>> mean_estimate(0, 0, 0)
    Estimate(mean=nan, se=nan, n=0)
    """
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    return Estimate(total / n, standard_error(sample_variance(n, total, total_sq), n), n)


def bootstrap_se(estimates: np.ndarray) -> float | None:
    """Standard error of a bootstrap estimate: the sample standard deviation
    (``ddof=1``) of its resampled values, ``None`` when one is not finite.

    The resampled values are floats (a median may be infinite when only one scenario
    is out by the horizon), not integers with exact sums, so this is numpy's
    ``std``; it is used only for the bootstrap of :mod:`drawdown.results.comparison`.

    >>> import numpy as np
    >>> bootstrap_se(np.array([1.0, 2.0, 3.0, 4.0]))
    1.2909944487358056
    >>> bootstrap_se(np.array([1.0, np.inf])) is None
    True
    """
    return float(np.std(estimates, ddof=1)) if np.isfinite(estimates).all() else None


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


def histogram_quantile(counts: np.ndarray, n: int, q: float) -> int:
    """The bin of the ``q`` quantile of ``n`` values counted in ``counts`` (bin ``i``
    holds the value ``i``): the first bin whose cumulative count reaches
    :func:`quantile_rank` ``(n, q)``.

    >>> import numpy as np
    >>> counts = np.array([2, 0, 3, 5])  # 0, 0, 2, 2, 2, 3, 3, 3, 3, 3
    >>> [histogram_quantile(counts, 10, q) for q in (0.0, 0.2, 0.21, 0.5, 1.0)]
    [0, 0, 2, 2, 3]
    """
    return int(np.searchsorted(np.cumsum(counts), quantile_rank(n, q), side="left"))


def quantile_bins(counts: np.ndarray, n: int, qs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per quantile and row of ``counts`` (one histogram of ``n`` values a row, such as a
    day): the rank of the quantile (:func:`quantile_rank`, shape ``(len(qs), 1)``) and the
    bin that holds it (``(len(qs), rows)``).

    >>> import numpy as np
    >>> ranks, bins = quantile_bins(np.array([[2, 0, 3, 5], [10, 0, 0, 0]]), 10, (0.2, 0.5))
    >>> ranks.ravel().tolist(), bins.tolist()
    ([2, 5], [[0, 0], [2, 0]])
    """
    ranks = np.array([quantile_rank(n, q) for q in qs], dtype=np.int64).reshape(-1, 1)
    c = np.cumsum(counts, axis=1)
    bins = (c[None, :, :] < ranks[:, :, None]).sum(axis=2) if len(qs) else np.zeros((0, counts.shape[0]), np.int64)
    return ranks, bins


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
    """The probability ``k / n`` with its binomial standard error and Wilson 95% interval.

    Parameters
    ----------
    k : int
        Replications where the event holds.
    n : int
        Replications (0 gives a ``nan`` value and the interval ``[0, 1]``).

    Returns
    -------
    Probability

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.results import proportion
    >>> p = proportion(5, 10)
    >>> p.value, round(p.se, 4), round(p.low, 4), round(p.high, 4)
    (0.5, 0.1581, 0.2366, 0.7634)
    """
    if n == 0:
        return Probability(math.nan, math.nan, 0.0, 1.0, k, n)
    p = k / n
    low, high = wilson(k, n)
    return Probability(p, math.sqrt(p * (1.0 - p) / n), low, high, k, n)


def wilson_se(k: int, n: int) -> float:
    """The half-width of the Wilson 95% interval of ``k / n`` over :data:`Z95`.

    A standard error that, unlike the binomial ``sqrt(p (1 - p) / n)``, does not vanish
    at ``k = 0`` or ``k = n`` (what ``--precision`` controls, docs/design.md §3).

    >>> round(wilson_se(0, 1000), 5), round(wilson_se(500, 1000), 5)
    (0.00098, 0.01578)
    """
    low, high = wilson(k, n)
    return (high - low) / (2 * Z95)


# -- histograms of counts: dense or sparse, exactly mergeable ---------------------------------------


def count_histogram(x: np.ndarray) -> np.ndarray:
    """The histogram of counts ``>= 0``, int64, in its one canonical form.

    Dense, ``np.bincount(x)`` (1-D, as long as the largest count plus one), while the
    largest count is below :data:`DENSE_COUNT_BINS`; otherwise sparse, the ``(2, K)``
    array of the distinct values (ascending) over how many times each occurs. The form
    follows from the values alone, so histograms of the same counts are equal however
    they were merged, and memory stays bounded whatever the counts' size: 512 KiB dense,
    16 bytes a distinct value sparse.

    Examples
    --------
    >>> import numpy as np
    >>> count_histogram(np.array([2, 0, 2])).tolist()
    [1, 0, 2]
    >>> count_histogram(np.array([10**9, 3, 10**9])).tolist()
    [[3, 1000000000], [1, 2]]
    """
    x = np.asarray(x)
    if x.size and x.min() < 0:
        raise ValueError(f"counts must be >= 0, got {x.min()}")
    x = x.astype(np.int64, copy=False)
    if not x.size or int(x.max()) < DENSE_COUNT_BINS:
        return np.bincount(x, minlength=0).astype(np.int64)
    values, counts = np.unique(x, return_counts=True)
    return np.stack([values, counts.astype(np.int64)])


def count_histogram_pairs(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values that occur in a count histogram (ascending) and how often, either form.

    >>> import numpy as np
    >>> [a.tolist() for a in count_histogram_pairs(np.array([1, 0, 2]))]
    [[0, 2], [1, 2]]
    """
    if hist.ndim == 2:
        return hist[0], hist[1]
    values = np.flatnonzero(hist).astype(np.int64)
    return values, hist[values]


def merge_count_histograms(hists: Sequence[np.ndarray]) -> np.ndarray:
    """The histogram of the counts of all of ``hists`` (exact integer sums), in its canonical form.

    Dense histograms are padded to the longest and added, as always; a sparse one among
    them makes the result sparse (its largest count is at least :data:`DENSE_COUNT_BINS`).

    >>> import numpy as np
    >>> a, b = count_histogram(np.array([1, 1])), count_histogram(np.array([70_000, 1]))
    >>> merge_count_histograms([a, b]).tolist()
    [[1, 70000], [3, 1]]
    >>> merge_count_histograms([a, count_histogram(np.array([3]))]).tolist()
    [0, 2, 0, 1]
    """
    if all(h.ndim == 1 for h in hists):
        out = np.zeros(max((len(h) for h in hists), default=0), dtype=np.int64)
        for h in hists:
            out[: len(h)] += h
        return out
    pairs = [count_histogram_pairs(h) for h in hists]
    values = np.concatenate([v for v, _ in pairs])
    counts = np.concatenate([c for _, c in pairs])
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return np.stack([values[starts], np.add.reduceat(counts, starts)]).astype(np.int64)


def count_histogram_quantile(hist: np.ndarray, n: int, q: float) -> int:
    """The ``q`` quantile of the ``n`` counts of a histogram of either form, exactly.

    The value that :func:`histogram_quantile` gives for the dense form.

    >>> import numpy as np
    >>> x = np.array([5, 0, 10**8, 5, 7])
    >>> [count_histogram_quantile(count_histogram(x), 5, q) for q in (0.0, 0.5, 0.95)]
    [0, 5, 100000000]
    >>> [count_histogram_quantile(count_histogram(x % 100), 5, q) for q in (0.0, 0.5, 0.95)]
    [0, 5, 7]
    """
    if hist.ndim == 1:
        return histogram_quantile(hist, n, q)
    i = int(np.searchsorted(np.cumsum(hist[1]), quantile_rank(n, q), side="left"))
    return int(hist[0][min(i, hist.shape[1] - 1)])


def check_count_histogram(hist: np.ndarray, n: int) -> None:
    """A histogram of ``n`` counts in its canonical form (:func:`count_histogram`), or a ValueError.

    >>> import numpy as np
    >>> check_count_histogram(np.array([[1, 70_000], [3, 1]]), 4)
    >>> check_count_histogram(np.array([[1, 7], [3, 1]]), 4)
    Traceback (most recent call last):
    ...
    ValueError: a sparse count histogram's largest value is 7, expected at least 65536
    """
    if hist.dtype != np.int64 or hist.ndim not in (1, 2) or (hist.ndim == 2 and hist.shape[0] != 2):
        raise ValueError(f"expected a count histogram (int64, (bins,) or (2, values)), got {hist.dtype} {hist.shape}")
    values, counts = count_histogram_pairs(hist)
    if int(counts.sum()) != n or (counts.size and int(counts.min()) <= 0):
        raise ValueError(f"a count histogram must hold {n} counts, each value at least once")
    if hist.ndim == 1:
        if len(hist) > DENSE_COUNT_BINS or (len(hist) and hist[-1] == 0):
            raise ValueError(f"a dense count histogram has {len(hist)} bins, the last empty or over {DENSE_COUNT_BINS}")
        return
    if values.size and (values.min() < 0 or (values.size > 1 and not (np.diff(values) > 0).all())):
        raise ValueError("a sparse count histogram's values must be distinct counts >= 0, ascending")
    top = int(values.max()) if values.size else -1
    if top < DENSE_COUNT_BINS:
        raise ValueError(f"a sparse count histogram's largest value is {top}, expected at least {DENSE_COUNT_BINS}")
