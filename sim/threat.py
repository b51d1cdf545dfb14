"""The threat: attack rates, attack means and the draws of counts (DESIGN §1.6).

Both engines call these helpers with arrays, so every floating-point value that
decides an integer outcome is computed by the same code on the same inputs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import pdtr, pdtrik

__all__ = ["attack_rates", "base_factors", "attack_mean", "poisson_inv", "HitTable"]


def attack_rates(scenario, V: np.ndarray | None = None) -> np.ndarray:
    """The force-wide attack rate of each day, attacks per day.

    With a deadline ``D``: ``attack_rate_before`` while ``t <= D``, then
    ``attack_rate_after * (1 + escalation_per_week * ((t - D - 1) // 7))``; shape ``(H,)``.
    Without a deadline: ``attack_rate_before + violence_coupling * max(V[t], 0)``,
    shape ``(H, R)`` (``V`` from :func:`sim.council.violence_index`).
    """
    th = scenario.threat
    H = scenario.horizon_days
    t = np.arange(H)
    D = scenario.deadline_day
    if D is not None:
        weeks = (t - D - 1) // 7
        after = th.attack_rate_after * (1.0 + th.escalation_per_week * weeks)
        return np.where(t <= D, th.attack_rate_before, after)
    return th.attack_rate_before + th.violence_coupling * np.maximum(V, 0.0)


def base_factors(scenario) -> tuple[np.ndarray, np.ndarray]:
    """Each base's attack multiplier, nominal and with the enablers gone (exposed)."""
    mult = np.array([b.attack_multiplier for b in scenario.bases], dtype=np.float64)
    return mult, mult * scenario.enablers.exposure_without_enablers


def attack_mean(rate, factor, troops, total: int) -> np.ndarray:
    """Mean attacks on a base in a day: ``rate * factor * troops / total``."""
    return rate * factor * np.asarray(troops, dtype=np.float64) / float(total)


_TOLERANCE = 1e-11  # far above the recurrence's rounding, far below any probability that matters
_RECURRENCE_MAX_MEAN = 50.0


def poisson_inv(u, mean) -> np.ndarray:
    """Poisson counts by inverse CDF: the smallest ``k >= 0`` with ``pdtr(k, mean) >= u``.

    0 where the mean is 0. Takes and returns arrays (int64), elementwise, so the result
    of an element never depends on the array it came in.

    The CDF is first summed by the recurrence ``p[k] = p[k-1] * mean / k``; where ``u``
    is further than ``1e-11`` from every partial sum it compares with, that sum is on
    the same side of ``u`` as ``pdtr`` itself and decides. Elsewhere (and for means
    above 50) the answer comes from ``pdtr`` directly. The result is the definition's
    in every case, at a fraction of ``pdtr``'s cost.

    >>> poisson_inv(np.array([0.0, 0.3, 0.5, 0.99]), np.array([2.0, 2.0, 0.0, 2.0]))
    array([0, 1, 0, 6])
    """
    u = np.asarray(u, dtype=np.float64)
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    idx = np.flatnonzero(mean > 0)
    if idx.size == 0:
        return out
    uu = u.ravel()[idx]
    mm = mean.ravel()[idx]
    small = mm <= _RECURRENCE_MAX_MEAN
    exact = ~small
    if small.any():
        si = np.flatnonzero(small)
        us, ms = uu[si], mm[si]
        p = np.exp(-ms)
        cdf = p.copy()
        k = np.zeros(si.size)
        near = np.abs(us - cdf) <= _TOLERANCE
        need = (cdf < us) & ~near
        while need.any():
            # Whole-array steps: cheaper than subsetting for the short arrays seen here.
            k += need
            p = np.where(need, p * ms / np.maximum(k, 1.0), p)
            cdf = np.where(need, cdf + p, cdf)
            near |= need & (np.abs(us - cdf) <= _TOLERANCE)
            need &= (cdf < us) & ~near
        out.ravel()[idx[si]] = k.astype(np.int64)
        exact[si[near]] = True
    if exact.any():
        ei = np.flatnonzero(exact)
        out.ravel()[idx[ei]] = _poisson_inv_pdtr(uu[ei], mm[ei])
    return out


def _poisson_inv_pdtr(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The definition itself: step ``k`` on ``pdtr`` from a continuous first guess."""
    guess = np.where(mean > 20, np.floor(np.nan_to_num(pdtrik(u, mean), nan=0.0)) - 2, 0.0)
    k = np.maximum(guess, 0.0)
    down = (k > 0) & (pdtr(k - 1, mean) >= u)
    while down.any():
        k = np.where(down, k - 1, k)
        down = (k > 0) & (pdtr(k - 1, mean) >= u)
    up = pdtr(k, mean) < u
    while up.any():
        k = np.where(up, k + 1, k)
        up = pdtr(k, mean) < u
    return k.astype(np.int64)


class HitTable:
    """``1 - q[a]``: the chance that ``a`` attacks close an airfield.

    ``q[0] = 1``, ``q[a+1] = q[a] * (1 - p_airfield_hit)``, built by sequential products
    and extended on demand (the same bits however it grows).

    >>> HitTable(0.5).threshold(np.array([0, 1, 2]))
    array([0.  , 0.5 , 0.75])
    """

    def __init__(self, p_hit: float, size: int = 64):
        self.p = float(p_hit)
        self.q = np.cumprod(np.concatenate(([1.0], np.full(size - 1, 1.0 - self.p))))

    def threshold(self, attacks) -> np.ndarray:
        attacks = np.asarray(attacks)
        top = int(attacks.max(initial=0))
        if top >= len(self.q):
            n = max(top + 1, 2 * len(self.q)) - len(self.q)
            ext = np.cumprod(np.concatenate(([self.q[-1]], np.full(n, 1.0 - self.p))))[1:]
            self.q = np.concatenate((self.q, ext))
        return 1.0 - self.q[attacks]
