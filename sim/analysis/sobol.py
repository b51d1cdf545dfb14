"""Sobol' sensitivity indices of a sweep's outcomes, with their two kinds of error.

A sweep of ``design = "saltelli"`` runs ``n (k + 2)`` points (``n`` base samples, ``k``
factors: the blocks ``A``, ``B`` and ``AB_i`` of :func:`drawdown.batch.saltelli_matrix`).
From each outcome at those points, Saltelli 2010's first-order and Jansen's
total-order estimators (those of :func:`scipy.stats.sobol_indices`, which the tests
check them against) give each factor's **first-order index** (the share of the
outcome's variance its main effect explains) and **total index** (its share with every
interaction it takes part in). They are a few lines of numpy, so no new dependency:
SALib computes the same estimators but would bring nothing the sweep does not
already have (the design, the runs, the seed).

Each index has two errors, reported apart:

* **design sampling**: another ``n`` base samples would give other indices. The BCa
  bootstrap over the base samples (:func:`scipy.stats.bootstrap`, from the analysis'
  own stream) gives a confidence interval;
* **replication noise**: each point's outcome is itself an estimate from ``R``
  replications, with its standard error (``results.csv``). Redrawing every outcome
  from a normal with that standard error (``noise_draws`` times, a stream of its own)
  and recomputing the indices gives their standard deviation due to that noise alone.
  The redraws are independent from point to point, so this is an upper bound: every
  point runs the same seed (common random numbers), which makes the noise of two
  points alike, the more so the closer their scenarios (two points that differ only
  in a factor that changes nothing have the same outcome, and that factor's indices
  are exactly 0 however few the replications).

A warning says when the replication noise is too large for the indices to mean much:
when its share of the outcome's variance (the mean squared standard error over the
variance across points) is above :data:`NOISE_SHARE_WARNING`, or when it moves an index
more than design sampling does. Common random numbers (every point runs the same
seed) keep the noise correlated across points, so the indices are steadier than that
share alone would suggest; the warning is a lower bar, not a guarantee.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["NOISE_SHARE_WARNING", "OUTCOMES", "SobolIndices", "analysis_stream", "degenerate_warning", "sobol_indices"]

#: The outcomes of ``results.csv`` the indices are computed for, with their standard
#: error's column (None: the median exit day has none recorded).
OUTCOMES: dict[str, str | None] = {
    "p_met_deadline": "p_met_deadline_se",
    "p_out_by_horizon": "p_out_by_horizon_se",
    "final_exit_day_p50": None,
    "casualties_mean": "casualties_se",
    "troop_days_past_deadline_mean": "troop_days_past_deadline_se",
    "troops_at_deadline_mean": "troops_at_deadline_se",
}

#: Replication noise above this share of an outcome's variance across points warns.
NOISE_SHARE_WARNING = 0.1

#: The analysis' own random stream (bootstrap and noise draws): ``SeedSequence(seed,
#: spawn_key=(ANALYSIS_STREAM,))``, "sens", which no replication or design uses.
ANALYSIS_STREAM = 0x73656E73


@dataclass(frozen=True)
class SobolIndices:
    """The Sobol' indices of one outcome.

    Attributes
    ----------
    outcome : str
    factors : tuple of str
        The factors' key paths, in the spec's order.
    first, total : ndarray (k,)
        First-order and total indices.
    first_ci, total_ci : ndarray (k, 2)
        Their bootstrap confidence intervals (design sampling), at ``confidence``.
    first_noise_sd, total_noise_sd : ndarray (k,) or None
        Their standard deviations due to replication noise (None without standard errors).
    noise_share : float or None
        Mean squared standard error over the variance across points.
    confidence : float
    notes : list of str
        Warnings about these indices.
    """

    outcome: str
    factors: tuple[str, ...]
    first: np.ndarray
    total: np.ndarray
    first_ci: np.ndarray
    total_ci: np.ndarray
    first_noise_sd: np.ndarray | None
    total_noise_sd: np.ndarray | None
    noise_share: float | None
    confidence: float
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The indices as plain data, one entry per factor."""

        def num(x: Any) -> float | None:
            return None if x is None or not math.isfinite(float(x)) else float(x)

        rows = []
        for i, key in enumerate(self.factors):
            rows.append(
                {
                    "factor": key,
                    "first": num(self.first[i]),
                    "first_ci": [num(v) for v in self.first_ci[i]],
                    "first_noise_sd": None if self.first_noise_sd is None else num(self.first_noise_sd[i]),
                    "total": num(self.total[i]),
                    "total_ci": [num(v) for v in self.total_ci[i]],
                    "total_noise_sd": None if self.total_noise_sd is None else num(self.total_noise_sd[i]),
                }
            )
        return {
            "outcome": self.outcome,
            "confidence": self.confidence,
            "noise_share": num(self.noise_share),
            "factors": rows,
            "notes": list(self.notes),
        }


def sobol_indices(
    values: Mapping[str, np.ndarray],
    *,
    factors: Sequence[str],
    n: int,
    errors: Mapping[str, np.ndarray | None] | None = None,
    confidence: float = 0.95,
    n_resamples: int = 999,
    noise_draws: int = 200,
    seed: int = 0,
) -> dict[str, SobolIndices]:
    """The Sobol' indices of each outcome from its values at the points of a Saltelli design.

    Parameters
    ----------
    values : mapping of str to array (n (k + 2),)
        Each outcome at every point, in the design's order (``A``, ``B``, ``AB_1`` ..).
    factors : sequence of str
        The ``k`` factors' key paths.
    n : int
        Base samples (a power of 2).
    errors : mapping of str to array or None, optional
        Each outcome's standard error at every point (replication noise).
    confidence : float, optional
        Of the bootstrap intervals.
    n_resamples : int, optional
        Bootstrap resamples.
    noise_draws : int, optional
        Redraws of the outcomes for the replication noise.
    seed : int, optional
        Of the analysis' stream (:data:`ANALYSIS_STREAM`): the same seed, the same intervals.

    Returns
    -------
    dict of str to SobolIndices
        By outcome; an outcome that does not vary, or is missing at some point, has
        NaN indices and a note saying why.

    Examples
    --------
    A linear model ``y = 2 x1 + x2`` of two uniform factors: indices 0.8 and 0.2.

    >>> import numpy as np
    >>> from scipy.stats import qmc
    >>> from drawdown.batch import saltelli_matrix
    >>> u = saltelli_matrix(qmc.Sobol(4, seed=1).random(1024), 2)
    >>> r = sobol_indices({"y": 2 * u[:, 0] + u[:, 1]}, factors=["x1", "x2"], n=1024)["y"]
    >>> np.round(r.first, 1).tolist(), np.round(r.total, 1).tolist()
    ([0.8, 0.2], [0.8, 0.2])
    """
    k = len(factors)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 >= 2, not {n!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    errors = errors or {}
    out = {}
    for outcome, y in values.items():
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (n * (k + 2),):
            raise ValueError(f"{outcome}: expected {n * (k + 2)} values (n (k + 2)), found {y.shape}")
        se = errors.get(outcome)
        out[outcome] = _indices(outcome, y, None if se is None else np.asarray(se, float), tuple(factors), n,
                                confidence, n_resamples, noise_draws, seed)  # fmt: skip
    return out


def analysis_stream(seed: int, outcome: str) -> np.random.Generator:
    """The analysis stream of one outcome: its whole name's UTF-8 bytes, four to a word,
    as further spawn key words (two outcomes never share a stream)."""
    raw = outcome.encode()
    words = [int.from_bytes(raw[i : i + 4].ljust(4, b"\0"), "big") for i in range(0, len(raw), 4)]
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(ANALYSIS_STREAM, len(raw), *words)))


def _estimate(y: np.ndarray, n: int, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """First-order (Saltelli 2010) and total (Jansen) indices of ``y``, from the base
    samples ``rows`` (all by default): the estimators of :func:`scipy.stats.sobol_indices`
    (``method="saltelli_2010"``), computed here so that the bootstrap can draw from the
    analysis' own stream (scipy's ``SobolResult.bootstrap`` takes no generator)."""
    # centred by the mean of A and B (Sobol' and Levitan 1999), as scipy does: less variance
    y = y - np.mean(y[: 2 * n])
    f_a, f_b, f_ab = y[:n], y[n : 2 * n], y[2 * n :].reshape(k, n)
    if rows is not None:
        f_a, f_b, f_ab = f_a[rows], f_b[rows], f_ab[:, rows]
    var = np.var(np.concatenate([f_a, f_b]))
    if var == 0:
        return np.zeros(k), np.zeros(k)  # no variance: no factor explains any (scipy's convention)
    first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return first, total


def _bootstrap(y, n, k, confidence, n_resamples, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BCa bootstrap intervals of the indices over the base samples, ``(k, 2)`` each, and
    the bootstrap standard errors of all ``2k`` (first, then total); an index the same in
    every resample (a factor that changes nothing) has the interval of that one value."""
    from scipy.stats import bootstrap

    def statistic(rows: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.concatenate(_estimate(y, n, k, rows.astype(np.int64)))

    kwargs = dict(method="BCa", n_resamples=n_resamples, confidence_level=confidence, vectorized=False)
    # BCa of an index the same in every resample is NaN (scipy warns): replaced below
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", degenerate_warning())
        try:
            res = bootstrap((np.arange(n),), statistic, rng=rng, **kwargs)
        except TypeError:  # scipy < 1.15 calls it random_state
            res = bootstrap((np.arange(n),), statistic, random_state=rng, **kwargs)
    low, high = np.array(res.confidence_interval.low), np.array(res.confidence_interval.high)
    point = np.concatenate(_estimate(y, n, k))
    fixed = np.asarray(res.standard_error) == 0
    low, high = np.where(fixed, point, low), np.where(fixed, point, high)
    ci = np.column_stack([low, high])
    return ci[:k], ci[k:], np.asarray(res.standard_error, dtype=np.float64)


def degenerate_warning() -> type[Warning]:
    try:
        from scipy.stats import DegenerateDataWarning
    except ImportError:  # older scipy: a plain RuntimeWarning
        return RuntimeWarning
    return DegenerateDataWarning


def _indices(outcome, y, se, factors, n, confidence, n_resamples, noise_draws, seed) -> SobolIndices:
    k = len(factors)
    nan_k, nan_ci = np.full(k, np.nan), np.full((k, 2), np.nan)
    blank = SobolIndices(outcome, factors, nan_k, nan_k, nan_ci, nan_ci, None, None, None, confidence)
    if not np.isfinite(y).all():
        return _with_note(blank, f"{outcome}: missing at some points (no deadline, or censored medians)")
    if float(np.var(y)) == 0.0:
        return _with_note(blank, f"{outcome}: the same at every point; no factor moves it")
    rng = analysis_stream(seed, outcome)
    first, total = _estimate(y, n, k)
    first_ci, total_ci, design_sd = _bootstrap(y, n, k, confidence, n_resamples, rng)
    result = SobolIndices(outcome, factors, first, total, first_ci, total_ci, None, None, None, confidence)
    if se is None or not np.isfinite(se).all():
        return result
    return _with_noise(result, y, se, design_sd, noise_draws, rng)


def _with_noise(result: SobolIndices, y, se, design_sd, noise_draws, rng) -> SobolIndices:
    """``result`` with the indices' spread under replication noise, and its warnings
    (``design_sd``: the bootstrap standard errors of the ``2k`` indices)."""
    k = len(result.factors)
    n = y.size // (k + 2)
    draws = [_estimate(y + se * rng.standard_normal(y.size), n, k) for _ in range(noise_draws)]
    first_sd = np.std([d[0] for d in draws], axis=0, ddof=1)
    total_sd = np.std([d[1] for d in draws], axis=0, ddof=1)
    share = float(np.mean(se**2) / np.var(y))
    notes = list(result.notes)
    if share > NOISE_SHARE_WARNING:
        notes.append(
            f"{result.outcome}: replication noise is {share:.0%} of the variance across points; "
            "raise replications for indices that mean something"
        )
    noise_sd = np.concatenate([first_sd, total_sd])
    if ((noise_sd > design_sd) & (design_sd > 0)).any():  # an exact 0 (a factor that changes nothing) has no noise
        notes.append(
            f"{result.outcome}: replication noise moves some indices more than design sampling does; "
            "raise replications before points"
        )
    return dataclasses.replace(result, first_noise_sd=first_sd, total_noise_sd=total_sd, noise_share=share, notes=notes)


def _with_note(r: SobolIndices, note: str) -> SobolIndices:
    return dataclasses.replace(r, notes=[*r.notes, note])
