"""Statistics in one place: exact sums, quantile ranks, estimates and binomial intervals.

Every mean, variance, probability and interval that drawdown reports is computed here,
from exact integer sums and counts, so the summaries, the paired comparisons and the
reports agree to the bit.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "DENSE_COUNT_BINS",
    "Z95",
    "Estimate",
    "Probability",
    "binomial_quantile",
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


# -- order-statistic intervals of quantiles ----------------------------------------------------
#: The confidence of the intervals of quantiles (:func:`quantile_interval_ranks`).
QUANTILE_CONFIDENCE = 0.95


def quantile_interval_ranks(n: int, q: float, confidence: float = QUANTILE_CONFIDENCE) -> tuple[int, int]:
    """The ranks ``(low, high)`` (1-based, of ``n`` sorted values) of a distribution-free
    ``confidence`` interval of the ``q`` quantile: ``[x_(low), x_(high)]``.

    The number of the ``n`` replications at or below the true quantile is binomial
    ``(n, q)`` whatever the distribution, so ``P(x_(low) <= xi_q <= x_(high)) >=
    F(high - 1) - F(low - 1)``, ``F`` the binomial CDF. ``low`` is
    ``binom.ppf(a / 2, n, q)`` and ``high`` is ``binom.ppf(1 - a / 2, n, q) + 1`` with
    ``a = 1 - confidence`` (exact binomial quantiles, :func:`binomial_quantile`, at
    any ``n``, no normal approximation), which keeps at most ``a / 2`` on either side;
    both are then clipped to ``1 .. n`` (where a rank falls outside, the interval is the
    sample's extreme and covers less). For integer outcomes with ties the interval
    only gets wider, so it stays conservative.

    Parameters
    ----------
    n : int
        Replications (at least 1).
    q : float
        In [0, 1].
    confidence : float, optional
        In (0, 1); 0.95 by default.

    Returns
    -------
    (int, int)

    Examples
    --------
    The median of 10 values: ``F(1) = 11/1024 < 0.025 <= F(2) = 56/1024`` and
    ``F(7) = 968/1024 < 0.975 <= F(8) = 1013/1024``, so ranks 2 and 8 + 1 = 9, an
    interval that covers with probability ``F(8) - F(1) = 1002/1024``:

    >>> quantile_interval_ranks(10, 0.5)
    (2, 9)
    >>> quantile_interval_ranks(10, 0.05)  # F(0) = 0.95**10 = 0.599 >= 0.025: rank 0, clipped
    (1, 3)
    """
    n, q = int(n), float(q)
    if n < 1:
        raise ValueError(f"an interval of a quantile needs at least one value, got n={n}")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be in [0, 1], got {q}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    tail = (1.0 - confidence) / 2
    low = binomial_quantile(tail, n, q)
    high = binomial_quantile(1.0 - tail, n, q) + 1
    return min(max(low, 1), n), min(max(high, 1), n)


def binomial_quantile(level: float, n: int, p: float) -> int:
    """The smallest ``k`` in ``0..n`` with ``P(Binomial(n, p) <= k) >= level``:
    ``scipy.stats.binom.ppf(level, n, p)`` for ``0 < level < 1``, found by bisection on
    the binomial CDF ``scipy.special.bdtr`` (scipy.stats takes over a second to import, and
    every run's table needs these intervals).

    >>> binomial_quantile(0.025, 10, 0.5), binomial_quantile(0.975, 10, 0.5)
    (2, 8)
    """
    from scipy.special import bdtr

    lo, hi = 0, int(n)  # bdtr(n, n, p) = 1 >= level: the answer is in lo..hi
    while lo < hi:
        mid = (lo + hi) // 2
        if bdtr(mid, n, p) >= level * (1 - 1e-12):  # a CDF equal to the level, up to rounding, reaches it
            hi = mid
        else:
            lo = mid + 1
    return lo


def histogram_rank_bin(counts: np.ndarray, rank: int) -> int:
    """The bin of the value of rank ``rank`` (1-based) among the values counted in
    ``counts``: the first bin whose cumulative count reaches it.

    >>> import numpy as np
    >>> [histogram_rank_bin(np.array([2, 0, 3, 5]), r) for r in (1, 2, 3, 5, 6, 10)]
    [0, 0, 2, 2, 3, 3]
    """
    return int(np.searchsorted(np.cumsum(counts), int(rank), side="left"))


def count_histogram_rank_value(hist: np.ndarray, rank: int) -> int:
    """The value of rank ``rank`` (1-based) among the counts of a count histogram of
    either form (:func:`count_histogram`).

    >>> import numpy as np
    >>> h = count_histogram(np.array([5, 0, 10**8, 5, 7]))
    >>> [count_histogram_rank_value(h, r) for r in (1, 2, 3, 5)]
    [0, 5, 5, 100000000]
    """
    if hist.ndim == 1:
        return histogram_rank_bin(hist, rank)
    i = int(np.searchsorted(np.cumsum(hist[1]), int(rank), side="left"))
    return int(hist[0][min(i, hist.shape[1] - 1)])


# -- a median between two modes ------------------------------------------------------------------
#: Days of the window a day histogram is smoothed with before modes are looked for.
MODE_WINDOW_DAYS = 7
#: A median is between two modes when the smoothed mass around it is below this fraction
#: of the smoothed peak on each side of it.
MODE_DIP_FRACTION = 0.5
#: ... and each side's peak window holds at least this fraction of the replications.
MODE_MIN_PEAK_FRACTION = 0.05


def median_between_modes(
    counts: np.ndarray,
    n: int,
    *,
    window: int = MODE_WINDOW_DAYS,
    dip: float = MODE_DIP_FRACTION,
    min_peak: float = MODE_MIN_PEAK_FRACTION,
) -> tuple[int, int, int] | None:
    """``(left_mode, median, right_mode)`` when the median of the ``n`` values counted in
    ``counts`` (bin ``i`` holds the day ``i``) sits between two modes, else ``None``.

    The criterion: smooth the histogram with a centred moving sum over ``window`` days
    (``s[t]``, the replications within ``window // 2`` days of ``t``). Look for a valley
    within the median's 95% interval (:func:`quantile_interval_ranks`; the median itself
    included): a day ``t`` there with ``s[t] < dip * min(max(s[:t + 1]), max(s[t:]))``,
    both of those peaks holding at least ``max(min_peak * n, 10)`` replications. So the
    median is between two modes when it falls in a dip between two real regions of mass,
    and also when it sits on one of two separated spikes of about equal mass (council
    meetings): the interval then reaches across the gap to the other, and another seed
    can move the median there. A single mode, a skewed distribution or a plateau never
    pass (``s`` rises to the mode and falls after it). The modes returned are the days of
    most replications on either side of the deepest such valley.

    Parameters
    ----------
    counts : ndarray
        A day histogram without its "never" bin.
    n : int
        Replications counted, "never" included (the median's rank is of ``n``).
    window : int, optional
        Days of the smoothing window (made odd: ``2 * (window // 2) + 1``).
    dip, min_peak : float, optional
        See above.

    Examples
    --------
    A dip at the median (day 48) between two humps, then two spikes of almost equal mass
    (the median is the first, day 3; its interval reaches the second, day 36), then one
    hump:

    >>> import numpy as np
    >>> two = np.zeros(100, dtype=np.int64)
    >>> two[20:26] = 80; two[48] = 30; two[70:76] = 80  # 960 + 30 replications
    >>> median_between_modes(two, 990)
    (20, 48, 70)
    >>> spikes = np.zeros(100, dtype=np.int64); spikes[3] = 505; spikes[36] = 495
    >>> median_between_modes(spikes, 1000)
    (3, 3, 36)
    >>> one = np.zeros(100, dtype=np.int64); one[40:60] = 50
    >>> median_between_modes(one, 1000) is None
    True
    """
    counts = np.asarray(counts, dtype=np.int64)
    half = max(int(window), 1) // 2
    width = 2 * half + 1
    total = int(counts.sum())
    if n < 1 or total * 2 < n:  # no median among the days
        return None
    m = histogram_quantile(counts, n, 0.5)
    low, high = (min(histogram_rank_bin(counts, r), len(counts) - 1) for r in quantile_interval_ranks(n, 0.5))
    padded = np.concatenate((np.zeros(half + 1, np.int64), np.cumsum(counts), np.full(half, total)))
    smooth = padded[width:] - padded[:-width]  # s[t] = sum of counts[t - half .. t + half]
    left_peak = np.maximum.accumulate(smooth)
    right_peak = np.maximum.accumulate(smooth[::-1])[::-1]
    days = np.arange(min(low, m), max(high, m) + 1)
    peaks = np.minimum(left_peak[days], right_peak[days])
    valley = (smooth[days] < dip * peaks) & (peaks >= max(min_peak * n, 10))
    if not valley.any():
        return None
    t = int(days[valley][np.argmin(smooth[days][valley])])
    return int(np.argmax(counts[: t + 1])), int(m), int(t + np.argmax(counts[t:]))


# -- per-day histograms at integer resolution: day tables ------------------------------------------
class DayTable(NamedTuple):
    """The per-day histograms of an integer quantity (troops, tonnes) over ``H`` days,
    sparse, in one canonical form (:func:`day_table`).

    Day ``t``'s entries are ``values[start[t]:start[t + 1]]`` (ascending) with how often
    each occurs, ``counts[...]`` (each at least 1, adding up to the replications). At
    ``level[t] = 0`` (the rule) a value is the quantity itself, exact; a day with more
    than ``cap`` distinct values keeps ``quantity >> level[t]`` for the smallest level
    that leaves at most ``cap``: bins ``2**level`` wide (:func:`day_table`). All int64.
    """

    level: np.ndarray
    start: np.ndarray
    values: np.ndarray
    counts: np.ndarray


#: Entries :func:`merge_day_tables` merges at a time.
_MERGE_ENTRIES = 1 << 18
#: :func:`day_table` counts into a dense array while the values' range is at most this
#: many per replication, and sorts beyond.
_DENSE_SPAN_PER_ROW = 4


def _reduced(day: np.ndarray, value: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, ...]:
    """Entries sorted by (day, value) with equal neighbours added up."""
    if not len(value):
        return day, value, count
    new = np.empty(len(value), dtype=bool)
    new[0] = True
    np.not_equal(day[1:], day[:-1], out=new[1:])
    new[1:] |= value[1:] != value[:-1]
    starts = np.flatnonzero(new)
    return day[starts], value[starts], np.add.reduceat(count, starts)


def _canonical(level: np.ndarray, day: np.ndarray, value: np.ndarray, count: np.ndarray, cap: int) -> DayTable:
    """The table of reduced entries, each day over ``cap`` distinct values coarsened by
    halving its values until it is not (a right shift keeps the order)."""
    H = len(level)
    level = level.astype(np.int64, copy=True)
    while True:
        per_day = np.bincount(day, minlength=H)
        over = per_day > cap
        if not over.any():
            break
        value = np.where(over[day], value >> 1, value)
        level += over
        day, value, count = _reduced(day, value, count)
    start = np.zeros(H + 1, dtype=np.int64)
    np.cumsum(per_day, out=start[1:])
    return DayTable(level, start, value.astype(np.int64), count.astype(np.int64))


def same_day_tables(a: DayTable, b: DayTable) -> bool:
    """Whether two day tables are equal, array by array (dtypes and shapes included)."""
    return all(x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _entry_days(table: DayTable) -> np.ndarray:
    """The day of each entry."""
    return np.repeat(np.arange(len(table.level), dtype=np.int64), np.diff(table.start))


def day_table(x: np.ndarray, cap: int) -> DayTable:
    """The day table (:class:`DayTable`) of ``x``, ``(replications, days)`` integers ``>= 0``.

    Each day's distinct values and how often each occurs; a day with more than ``cap``
    distinct values is coarsened to the smallest level that leaves at most ``cap``
    (values ``x >> level``). The form depends on the values alone, so tables of the same
    replications are equal however they were merged (:func:`merge_day_tables`), and a
    table holds at most ``cap`` entries a day, 16 bytes each.

    Examples
    --------
    >>> import numpy as np
    >>> t = day_table(np.array([[5, 0], [3, 0], [5, 1]]), cap=4)
    >>> t.start.tolist(), t.values.tolist(), t.counts.tolist(), t.level.tolist()
    ([0, 2, 4], [3, 5, 0, 1], [1, 2, 2, 1], [0, 0])
    >>> day_table(np.array([[0], [1], [2], [3]]), cap=2).values.tolist()  # 4 values > 2: bins of 2
    [0, 1]
    """
    x = np.asarray(x)
    R, H = x.shape
    if R == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DayTable(np.zeros(H, np.int64), np.zeros(H + 1, np.int64), empty, empty)
    low, high = int(x.min()), int(x.max())
    if low < 0:
        raise ValueError(f"a day table counts values >= 0, got {low}")
    span = high - low + 1
    if span <= _DENSE_SPAN_PER_ROW * R:  # counting beats sorting: at most 4 int64 cells a value of x
        flat = (x.astype(np.int64) - low) + span * np.arange(H, dtype=np.int64)[None, :]
        dense = np.bincount(flat.ravel(), minlength=span * H).reshape(H, span)
        day, offset = np.nonzero(dense)  # row-major: by day, then value
        return _canonical(np.zeros(H, np.int64), day, offset + low, dense[day, offset], cap)
    ordered = np.sort(np.ascontiguousarray(x.T, dtype=np.int64), axis=1)  # (H, R), each day ascending
    new = np.ones(ordered.shape, dtype=bool)
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=new[:, 1:])
    first = np.flatnonzero(new.ravel())
    count = np.diff(np.append(first, ordered.size))
    return _canonical(np.zeros(H, np.int64), first // R, ordered.ravel()[first], count, cap)


def join_day_tables(tables: Sequence[DayTable]) -> DayTable:
    """Tables of consecutive runs of days (of the same replications), as one table.

    >>> import numpy as np
    >>> x = np.array([[5, 0, 2], [3, 0, 2]])
    >>> same_day_tables(join_day_tables([day_table(x[:, :2], 4), day_table(x[:, 2:], 4)]), day_table(x, 4))
    True
    """
    offsets = np.cumsum([0] + [len(t.values) for t in tables[:-1]])
    start = np.concatenate([[0]] + [t.start[1:] + o for t, o in zip(tables, offsets, strict=True)])
    return DayTable(
        np.concatenate([t.level for t in tables]),
        start.astype(np.int64),
        np.concatenate([t.values for t in tables]),
        np.concatenate([t.counts for t in tables]),
    )


def merge_day_tables(tables: Sequence[DayTable], cap: int) -> DayTable:
    """The day table of the replications of all of ``tables`` (the same days), exactly.

    Each day is brought to the largest of its levels, the entries added up, and a day
    left over ``cap`` distinct values coarsened further. The result is the table of all
    the replications at once, bit for bit, in whatever order or grouping the tables come:
    a part's level is never above the whole's (a part has no more distinct values), and
    the whole's is the smallest level at or above the parts' that fits ``cap``.

    >>> import numpy as np
    >>> x = np.array([[0], [1], [2], [3], [1]])
    >>> same_day_tables(merge_day_tables([day_table(x[:2], 2), day_table(x[2:], 2)], 2), day_table(x, 2))
    True
    """
    combined = np.sum([t.start for t in tables], axis=0)  # entries of all tables up to each day
    H, parts, lo = len(combined) - 1, [], 0
    while lo < H:  # a few days at a time: the working copies stay at _MERGE_ENTRIES entries
        hi = int(np.searchsorted(combined, combined[lo] + _MERGE_ENTRIES, side="right")) - 1
        hi = min(max(hi, lo + 1), H)
        parts.append(_merged_days([_days_of(t, lo, hi) for t in tables], cap))
        lo = hi
    return join_day_tables(parts)


def _days_of(table: DayTable, lo: int, hi: int) -> DayTable:
    """Days ``lo .. hi - 1`` of a table (views)."""
    a, b = int(table.start[lo]), int(table.start[hi])
    return DayTable(table.level[lo:hi], table.start[lo : hi + 1] - a, table.values[a:b], table.counts[a:b])


def _merged_days(tables: Sequence[DayTable], cap: int) -> DayTable:
    """:func:`merge_day_tables` of the same few days."""
    level = np.max([t.level for t in tables], axis=0)
    days, values, counts = [], [], []
    for t in tables:
        day = _entry_days(t)
        days.append(day)
        values.append(t.values >> (level - t.level)[day])
        counts.append(t.counts)
    day, value, count = np.concatenate(days), np.concatenate(values), np.concatenate(counts)
    order = np.lexsort((value, day))
    day, value, count = _reduced(day[order], value[order], count[order])
    return _canonical(level, day, value, count, cap)


def check_day_table(table: DayTable, n: int, days: int, cap: int) -> None:
    """A day table of ``n`` replications over ``days`` days in its canonical form, or a ValueError.

    >>> import numpy as np
    >>> check_day_table(day_table(np.array([[5, 0], [3, 0]]), 4), 2, 2, 4)
    >>> bad = DayTable(np.zeros(1, np.int64), np.array([0, 2]), np.array([3, 3]), np.array([1, 1]))
    >>> check_day_table(bad, 2, 1, 4)
    Traceback (most recent call last):
    ...
    ValueError: a day table's values must ascend within each day
    """
    level, start, value, count = table
    if any(a.dtype != np.int64 or a.ndim != 1 for a in table):
        raise ValueError("a day table's arrays must be 1-D int64")
    if level.shape != (days,) or start.shape != (days + 1,) or value.shape != count.shape:
        raise ValueError(f"a day table of {days} days: level {level.shape}, start {start.shape}, values {value.shape}")
    if start[0] != 0 or start[-1] != len(value) or (np.diff(start) < 0).any() or (np.diff(start) > cap).any():
        raise ValueError(f"a day table's offsets must ascend from 0 to {len(value)}, at most {cap} a day")
    if (level < 0).any() or (level > 62).any() or (len(value) and (value.min() < 0 or count.min() < 1)):
        raise ValueError("a day table's levels must be in 0..62, values >= 0 and counts >= 1")
    day = _entry_days(table)
    same_day = day[1:] == day[:-1]
    if (value[1:][same_day] <= value[:-1][same_day]).any():
        raise ValueError("a day table's values must ascend within each day")
    if not np.array_equal(np.bincount(day, weights=count, minlength=days), np.full(days, float(n))):
        raise ValueError(f"each day of a day table must count {n} replications")


def day_table_ranks(table: DayTable, ranks: Sequence[int]) -> np.ndarray:
    """The stored value of each rank (1-based) on each day: ``(len(ranks), H)`` int64,
    ``quantity >> level`` (the quantity itself where the level is 0).

    >>> import numpy as np
    >>> t = day_table(np.array([[5, 0], [3, 0], [5, 1]]), cap=4)
    >>> day_table_ranks(t, [1, 2, 3]).tolist()
    [[3, 0], [5, 0], [5, 1]]
    """
    cumulative = np.cumsum(table.counts)
    before = np.concatenate(([0], cumulative))[table.start[:-1]]
    out = np.empty((len(ranks), len(table.level)), dtype=np.int64)
    for i, r in enumerate(ranks):
        out[i] = table.values[np.searchsorted(cumulative, before + int(r), side="left")]
    return out
