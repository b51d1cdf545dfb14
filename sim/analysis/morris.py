"""Morris elementary effects of a sweep's outcomes: cheap screening of many factors.

A sweep of ``design = "morris"`` runs ``r`` trajectories of ``k + 1`` points
(:mod:`drawdown.batch.morris`): each step of a trajectory moves one factor by
``delta`` (two thirds of its range) and gives that factor one **elementary effect**,
the change of the outcome over ``delta``. Over the ``r`` trajectories each factor has
``r`` of them, summarised as (Morris 1991; Campolongo, Cariboni and Saltelli 2007):

* ``mu_star``, the mean absolute effect: how much the factor matters (the ranking to read);
* ``mu``, the mean effect: its sign, when effects do not cancel;
* ``sigma``, their standard deviation: how much the effect depends on where the others
  are (interactions, or a non-linear effect).

The effects are in the outcome's units per whole range of the factor (an outcome that
moves by 0.2 when a factor goes from ``low`` to ``high`` has ``mu_star`` 0.2 if linear).
A screening needs ``r (k + 1)`` points, where Sobol' indices need ``n (k + 2)`` with ``n``
in the hundreds: ``r`` of 10 to 50 ranks factors; it does not apportion the variance.

As for Sobol' indices (:mod:`drawdown.analysis.sobol`), each ``mu_star`` has two errors
reported apart: a bootstrap interval over the trajectories (design sampling, from the
analysis' own stream), and its standard deviation when each point's outcome is redrawn
from a normal with its standard error (replication noise; independent redraws, so an
upper bound under the common random numbers every point shares). The same warnings
apply. SALib's ``morris`` module computes the same statistics; a few lines of numpy on
the sweep's own design need no new dependency.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..batch.morris import MORRIS_LEVELS, morris_delta, morris_steps
from .sobol import NOISE_SHARE_WARNING, analysis_stream, degenerate_warning

__all__ = ["MorrisEffects", "morris_effects"]


@dataclass(frozen=True)
class MorrisEffects:
    """The elementary-effect statistics of one outcome.

    Attributes
    ----------
    outcome : str
    factors : tuple of str
    mu_star, mu, sigma : ndarray (k,)
        Mean absolute effect, mean effect and their standard deviation, in the outcome's
        units per whole range of each factor.
    mu_star_ci : ndarray (k, 2)
        Bootstrap interval of ``mu_star`` over the trajectories (design sampling).
    mu_star_noise_sd : ndarray (k,) or None
        Its standard deviation under replication noise (None without standard errors).
    noise_share : float or None
        Mean squared standard error over the variance across points.
    trajectories : int
    confidence : float
    notes : list of str
    """

    outcome: str
    factors: tuple[str, ...]
    mu_star: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    mu_star_ci: np.ndarray
    mu_star_noise_sd: np.ndarray | None
    noise_share: float | None
    trajectories: int
    confidence: float
    notes: list[str] = field(default_factory=list)

    def ranking(self) -> list[str]:
        """The factors, most influential first (by ``mu_star``)."""
        order = np.argsort(-np.nan_to_num(self.mu_star, nan=-1.0), kind="stable")
        return [self.factors[i] for i in order]

    def to_json(self) -> dict[str, Any]:
        """The statistics as plain data, one entry per factor."""

        def num(x: Any) -> float | None:
            return None if x is None or not math.isfinite(float(x)) else float(x)

        rows = [
            {
                "factor": key,
                "mu_star": num(self.mu_star[i]),
                "mu_star_ci": [num(v) for v in self.mu_star_ci[i]],
                "mu_star_noise_sd": None if self.mu_star_noise_sd is None else num(self.mu_star_noise_sd[i]),
                "mu": num(self.mu[i]),
                "sigma": num(self.sigma[i]),
            }
            for i, key in enumerate(self.factors)
        ]
        return {
            "outcome": self.outcome,
            "trajectories": self.trajectories,
            "confidence": self.confidence,
            "noise_share": num(self.noise_share),
            "factors": rows,
            "notes": list(self.notes),
        }


def morris_effects(
    values: Mapping[str, np.ndarray],
    *,
    factors: Sequence[str],
    design: np.ndarray,
    errors: Mapping[str, np.ndarray | None] | None = None,
    levels: int = MORRIS_LEVELS,
    confidence: float = 0.95,
    n_resamples: int = 999,
    noise_draws: int = 200,
    seed: int = 0,
) -> dict[str, MorrisEffects]:
    """The Morris statistics of each outcome from its values at the points of a Morris design.

    Parameters
    ----------
    values : mapping of str to array (r (k + 1),)
        Each outcome at every point, in the design's order.
    factors : sequence of str
        The ``k`` factors' key paths.
    design : ndarray (r (k + 1), k) of int
        The design's level numbers (:func:`drawdown.batch.morris.morris_levels`).
    errors : mapping of str to array or None, optional
        Each outcome's standard error at every point (replication noise).
    levels : int, optional
        Of the design's grid.
    confidence, n_resamples, noise_draws, seed : optional
        As in :func:`drawdown.analysis.sobol_indices`.

    Returns
    -------
    dict of str to MorrisEffects
        By outcome; one missing at some point has NaN statistics and a note.

    Examples
    --------
    ``y = 3 x1 - x2`` on the unit square, ``x3`` unused: ``mu_star`` 3, 1 and 0.

    >>> import numpy as np
    >>> from drawdown.batch.morris import morris_levels
    >>> x = morris_levels(3, 20, np.random.default_rng(2))
    >>> u = x / 3
    >>> r = morris_effects({"y": 3 * u[:, 0] - u[:, 1]}, factors=["x1", "x2", "x3"], design=x)["y"]
    >>> np.round(r.mu_star, 6).tolist(), np.round(r.mu, 6).tolist(), r.ranking()
    ([3.0, 1.0, 0.0], [3.0, -1.0, 0.0], ['x1', 'x2', 'x3'])
    """
    k = len(factors)
    design = np.asarray(design)
    if design.ndim != 2 or design.shape[1] != k or design.shape[0] % (k + 1) or design.shape[0] < 2 * (k + 1):
        raise ValueError(f"design: expected r (k + 1) rows of {k} levels with r >= 2, found {design.shape}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    moved, sign = morris_steps(design, k)
    step = sign * morris_delta(levels)
    errors = errors or {}
    out = {}
    for outcome, y in values.items():
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (design.shape[0],):
            raise ValueError(f"{outcome}: expected {design.shape[0]} values (r (k + 1)), found {y.shape}")
        se = errors.get(outcome)
        out[outcome] = _effects(outcome, y, None if se is None else np.asarray(se, float), tuple(factors),
                                moved, step, confidence, n_resamples, noise_draws, seed)  # fmt: skip
    return out


def _elementary(y: np.ndarray, moved: np.ndarray, step: np.ndarray) -> np.ndarray:
    """The ``(r, k)`` elementary effects, column ``i`` those of factor ``i``."""
    r, k = moved.shape
    ee = np.diff(y.reshape(r, k + 1), axis=1) / step  # (r, k): step m's effect
    out = np.empty_like(ee)
    np.put_along_axis(out, moved, ee, axis=1)
    return out


def _effects(outcome, y, se, factors, moved, step, confidence, n_resamples, noise_draws, seed) -> MorrisEffects:
    r, k = moved.shape
    nan_k = np.full(k, np.nan)
    blank = MorrisEffects(outcome, factors, nan_k, nan_k, nan_k, np.full((k, 2), np.nan), None, None, r, confidence)
    if not np.isfinite(y).all():
        note = f"{outcome}: missing at some points (no deadline, or censored medians)"
        return dataclasses.replace(blank, notes=[note])
    ee = _elementary(y, moved, step)
    mu_star = np.abs(ee).mean(axis=0)
    rng = analysis_stream(seed, outcome)
    ci, design_sd = _bootstrap(np.abs(ee), confidence, n_resamples, rng)
    result = MorrisEffects(outcome, factors, mu_star, ee.mean(axis=0), ee.std(axis=0, ddof=1), ci, None, None, r,
                           confidence)  # fmt: skip
    if se is None or not np.isfinite(se).all():
        return result
    noisy = [np.abs(_elementary(y + se * rng.standard_normal(y.size), moved, step)).mean(axis=0)
             for _ in range(noise_draws)]  # fmt: skip
    noise_sd = np.std(noisy, axis=0, ddof=1)
    var = float(np.var(y))
    share = float(np.mean(se**2) / var) if var > 0 else None
    notes = []
    if share is not None and share > NOISE_SHARE_WARNING:
        notes.append(
            f"{outcome}: replication noise is {share:.0%} of the variance across points; "
            "raise replications for effects that mean something"
        )
    if ((noise_sd > design_sd) & (design_sd > 0)).any():
        notes.append(f"{outcome}: replication noise moves some effects more than design sampling does; "
                     "raise replications before trajectories")  # fmt: skip
    return dataclasses.replace(result, mu_star_noise_sd=noise_sd, noise_share=share, notes=notes)


def _bootstrap(abs_ee: np.ndarray, confidence, n_resamples, rng) -> tuple[np.ndarray, np.ndarray]:
    """BCa intervals of each factor's mean absolute effect over the trajectories, and
    their bootstrap standard errors; a factor whose effects are all alike has the
    interval of that one value."""
    from scipy.stats import bootstrap

    kwargs = dict(method="BCa", n_resamples=n_resamples, confidence_level=confidence, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", degenerate_warning())
        try:
            res = bootstrap((abs_ee,), np.mean, rng=rng, **kwargs)
        except TypeError:  # scipy < 1.15 calls it random_state
            res = bootstrap((abs_ee,), np.mean, random_state=rng, **kwargs)
    point = abs_ee.mean(axis=0)
    sd = np.asarray(res.standard_error, dtype=np.float64)
    fixed = (sd == 0) | ~np.isfinite(np.asarray(res.confidence_interval.low))
    low = np.where(fixed, point, res.confidence_interval.low)
    high = np.where(fixed, point, res.confidence_interval.high)
    return np.column_stack([low, high]), sd
