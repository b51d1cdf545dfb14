"""The threat: attack rates, attack means and the draws of counts (docs/design.md §1.6).

Both engines call these helpers with arrays, so every floating-point value that
decides an integer outcome is computed by the same code on the same inputs.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import bdtr, ndtri, pdtr

from ..scenario import Scenario

__all__ = [
    "CasualtyTable",
    "HitTable",
    "attack_mean",
    "attack_rates",
    "attacks_before_order",
    "base_factors",
    "binomial_inv",
    "killed_and_wounded",
    "poisson_inv",
]


def attack_rates(scenario: Scenario, V: np.ndarray | None = None) -> np.ndarray:
    """The force-wide attack rate of each day, attacks per day.

    With a deadline ``D``: ``attack_rate_before`` while ``t <= D``, then
    ``attack_rate_after * (1 + escalation_per_week * ((t - D - 1) // 7))``; shape ``(H,)``.
    Without a deadline: ``attack_rate_before + violence_coupling * max(V[t], 0)``,
    shape ``(H, R)`` (``V`` from :func:`drawdown.draws.violence_index`). With
    ``attack_rate_max``, either is at most the cap (``np.minimum``: exact, so a rate
    below the cap keeps its bits).

    >>> import drawdown
    >>> s = drawdown.load("doha-2021-05-01").replace(**{"threat.attack_rate_max": 2.0})
    >>> r = attack_rates(s)
    >>> D = s.deadline_day
    >>> float(r[D]), float(r[D + 1]), float(r[D + 8]), float(r[D + 15]), float(r.max())
    (0.007, 1.5, 1.875, 2.0, 2.0)
    """
    th = scenario.threat
    H = scenario.horizon_days
    t = np.arange(H)
    D = scenario.deadline_day
    if D is not None:
        weeks = (t - D - 1) // 7
        after = th.attack_rate_after * (1.0 + th.escalation_per_week * weeks)
        return _capped(np.where(t <= D, th.attack_rate_before, after), th.attack_rate_max)
    if V is None:
        raise ValueError("a scenario without a deadline needs the violence index V")
    return _capped(th.attack_rate_before + th.violence_coupling * np.maximum(V, 0.0), th.attack_rate_max)


def _capped(rate: np.ndarray, cap: float | None) -> np.ndarray:
    """``rate`` at most ``cap`` (none: as it is)."""
    return rate if cap is None else np.minimum(rate, cap)


def base_factors(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Each base's attack multiplier, nominal and with the enablers gone (exposed)."""
    mult = np.array([b.attack_multiplier for b in scenario.bases], dtype=np.float64)
    return mult, mult * scenario.enablers.exposure_without_enablers


def attack_mean(
    rate: float | np.ndarray, factor: float | np.ndarray, troops: float | np.ndarray, total: int
) -> np.ndarray:
    """Mean attacks on a base in a day: ``rate * factor * troops / total``."""
    return rate * factor * np.asarray(troops, dtype=np.float64) / float(total)


def attacks_before_order(
    scenario: Scenario, rate: np.ndarray, first_drawn: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Attacks and casualties of the days before each replication's first drawn day.

    Before that day every contingent is at its home base with all its troops, so the
    day's mean over the force is ``rate[t] * w / initial_force`` with the constant
    ``w = sum(attack_multiplier[base] * troops at base)``. The total over days
    ``0 .. a-1`` is Poisson with the summed mean, drawn by inverse CDF from ``u[:, 0]``;
    its casualties from ``u[:, 1]`` (docs/design.md §1.6 summed over days and bases).

    Parameters
    ----------
    rate : ndarray (H,) or (H, R)
        From :func:`attack_rates`.
    first_drawn : ndarray (R,)
        From :func:`drawdown.draws.first_drawn_days` (``H`` when no order is given).
    u : ndarray (R, 2)
        The ``before_order`` stream.

    Returns
    -------
    attacks, casualties : ndarray (R,) int64
    """
    mult, _ = base_factors(scenario)
    at_home = [0] * len(scenario.bases)
    for c in scenario.contingents:
        at_home[c.base] += c.troops
    weight = math.fsum(float(m) * t for m, t in zip(mult, at_home))
    daily = attack_mean(rate, 1.0, weight, scenario.total_troops)
    cum = np.cumsum(daily, axis=0)
    cum = np.concatenate((np.zeros((1,) + cum.shape[1:]), cum))
    first_drawn = np.asarray(first_drawn, dtype=np.int64)
    mean = cum[first_drawn] if cum.ndim == 1 else cum[first_drawn, np.arange(first_drawn.size)]
    attacks = poisson_inv(u[:, 0], mean)
    casualties = poisson_inv(u[:, 1], scenario.threat.casualties_per_attack * attacks)
    return attacks, casualties


def killed_and_wounded(share: float, casualties: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each replication's casualties into killed and wounded.

    Each casualty is killed with probability ``share = killed_per_attack /
    (killed_per_attack + wounded_per_attack)``, independently, so the replication's
    killed count given its casualties ``n`` is Binomial(``n``, ``share``), drawn by
    inverse CDF from one uniform ``u`` (stream ``killed``): :func:`binomial_inv`.
    Given the attacks, killed and wounded are then independent Poisson counts with
    means ``killed_per_attack`` and ``wounded_per_attack`` per attack (the thinning
    of a Poisson count), whatever the days and places the casualties came from.

    Returns
    -------
    killed, wounded : ndarray (R,) int64
        ``killed + wounded == casualties``.

    >>> killed_and_wounded(0.25, np.array([0, 4, 4]), np.array([0.5, 0.01, 0.99]))
    (array([0, 0, 3]), array([0, 4, 1]))
    """
    casualties = np.asarray(casualties, dtype=np.int64)
    killed = binomial_inv(u, casualties, share)
    return killed, casualties - killed


def binomial_inv(u: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """Binomial counts by inverse CDF: the smallest ``k >= 0`` with ``bdtr(k, n, p) >= u``.

    0 where ``n`` is 0 or ``p`` is 0; ``n`` where ``p`` is 1. Elementwise on arrays (int64),
    stepping on :func:`scipy.special.bdtr` from a normal-approximation guess, so the
    result is the definition's whatever the guess.

    >>> binomial_inv(np.array([0.0, 0.5, 0.999, 0.3]), np.array([10, 10, 10, 0]), 0.5)
    array([0, 5, 9, 0])
    """
    u = np.asarray(u, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), u.shape)
    p = float(p)
    if p <= 0.0:
        return np.zeros(u.shape, dtype=np.int64)
    if p >= 1.0:
        return n.copy()
    nf = n.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.floor(nf * p + ndtri(u) * np.sqrt(nf * p * (1.0 - p)))
    k = np.fmin(np.fmax(guess, 0.0), nf).astype(np.int64)  # fmax passes over a NaN guess (u = 0)
    down = (k > 0) & (bdtr(np.maximum(k - 1, 0), n, p) >= u)
    while down.any():
        k = np.where(down, k - 1, k)
        down = (k > 0) & (bdtr(np.maximum(k - 1, 0), n, p) >= u)
    up = (k < n) & (bdtr(k, n, p) < u)
    while up.any():
        k = np.where(up, k + 1, k)
        up = (k < n) & (bdtr(k, n, p) < u)
    return k


_TOLERANCE = 1e-11  # far above the recurrence's rounding, far below any probability that matters
_RECURRENCE_MAX_MEAN = 50.0
_SUMMED_TERMS = 8  # counts 0 to 7 from the sums (nearly all); larger ones from pdtr


def poisson_inv(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson counts by inverse CDF: the smallest ``k >= 0`` with ``pdtr(k, mean) >= u``.

    0 where the mean is 0. Takes and returns arrays (int64), elementwise, so the result
    of an element never depends on the array it came in.

    The CDF's first eight terms are summed by the recurrence ``p[k] = p[k-1] * mean / k``;
    where ``u`` is further than ``1e-11`` from every partial sum, the sums are on the same
    side of ``u`` as ``pdtr`` itself and decide. Elsewhere (a count above 7, ``u`` within
    the tolerance of a sum, a mean above 50) the answer comes from ``pdtr`` directly. The
    result is the definition's in every case, at a fraction of ``pdtr``'s cost.

    >>> poisson_inv(np.array([0.0, 0.3, 0.5, 0.99]), np.array([2.0, 2.0, 0.0, 2.0]))
    array([0, 1, 0, 6])
    """
    u = np.asarray(u, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    if mean.shape != u.shape:
        mean = np.broadcast_to(mean, u.shape)
    flat_u, flat_m = u.ravel(), mean.ravel()
    out = np.zeros(flat_u.size, dtype=np.int64)
    summed = (flat_m > 0) & (flat_m <= _RECURRENCE_MAX_MEAN)
    exact = flat_m > _RECURRENCE_MAX_MEAN
    if summed.all():
        pos, us, ms = None, flat_u, flat_m
    else:
        pos = np.flatnonzero(summed)
        us, ms = flat_u[pos], flat_m[pos]
    if us.size:
        found, near = _poisson_inv_sums(us, ms)
        if pos is None:
            out[:] = found
            exact |= near
        else:
            out[pos] = found
            exact[pos[near]] = True
    if exact.any():
        ei = np.flatnonzero(exact)
        out[ei] = _poisson_inv_pdtr(flat_u[ei], flat_m[ei])
    return out.reshape(u.shape)


def _poisson_inv_sums(u: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The count from the recurrence's first partial sums, and where they cannot say.

    The sums rise with ``k``, so the count is how many of them fall below ``u``. They
    cannot say where ``u`` is within the tolerance of one (fewer fall below ``u - tol``
    than below ``u + tol``), or where all of them fall below ``u`` (the count is beyond
    the terms summed). The terms are summed over every element at once: stepping only
    the unfinished ones costs more in index bookkeeping than it saves.
    """
    below_lo = u - _TOLERANCE
    below_hi = u + _TOLERANCE
    p = np.exp(-mean)
    cdf = p.copy()
    found = (cdf < below_lo).astype(np.int64)
    found_hi = (cdf < below_hi).astype(np.int64)
    for k in range(1, _SUMMED_TERMS):
        p *= mean
        p /= k
        cdf += p
        found += cdf < below_lo
        found_hi += cdf < below_hi
    return found, (found != found_hi) | (found == _SUMMED_TERMS)


def _poisson_inv_pdtr(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The definition itself: step ``k`` on ``pdtr`` from a first guess."""
    # Any start gives the same answer (the steps below find it from anywhere); a close
    # one takes few steps. The guess is the Cornish-Fisher quantile (normal quantile
    # with the skewness term), within a step or two; the cap keeps a wild one (u near
    # 0 or 1) from costing many steps.
    with np.errstate(divide="ignore", invalid="ignore"):
        z = ndtri(u)
        guess = np.floor(mean + z * np.sqrt(mean) + (z * z - 1.0) / 6.0) - 1.0
    # fmax and fmin pass over a NaN guess (u = 0): it starts from 0
    k = np.fmin(np.fmax(guess, 0.0), np.ceil(mean + 10.0 * np.sqrt(mean) + 10.0))
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

    def __init__(self, p_hit: float, size: int = 64) -> None:
        self.p = float(p_hit)
        self.q = np.cumprod(np.concatenate(([1.0], np.full(size - 1, 1.0 - self.p))))

    def threshold(self, attacks: np.ndarray) -> np.ndarray:
        attacks = np.asarray(attacks)
        top = int(attacks.max(initial=0))
        if top >= len(self.q):
            n = max(top + 1, 2 * len(self.q)) - len(self.q)
            ext = np.cumprod(np.concatenate(([self.q[-1]], np.full(n, 1.0 - self.p))))[1:]
            self.q = np.concatenate((self.q, ext))
        return 1.0 - self.q[attacks]


class CasualtyTable:
    """Casualties of a base's attacks in a day, ``poisson_inv(u, c * attacks)``, by table.

    The casualty mean takes one value per attack count, so its CDF is computed once per
    count with ``pdtr`` itself, for casualties ``0 .. terms - 1``, and looked up: the
    count is the first at or above ``u``, which is the definition. A ``u`` beyond the
    table goes to :func:`poisson_inv`. Rows are added on demand, each from its own count
    alone, so the result never depends on what was asked before.

    >>> table = CasualtyTable(0.5)
    >>> u = np.array([0.1, 0.7, 0.999999])
    >>> table.casualties(u, np.array([1, 2, 3]))
    array([ 0,  1, 10])
    >>> poisson_inv(u, 0.5 * np.array([1, 2, 3]))
    array([ 0,  1, 10])
    """

    #: Attack counts with a row in the table, at most (``rows * terms`` float64: 384 KiB);
    #: larger counts (a mean of attacks far above what the table's terms can answer
    #: for) go to :func:`poisson_inv` directly, so the table never grows with the counts.
    rows = 4096

    def __init__(self, casualties_per_attack: float, terms: int = 12) -> None:
        self.c = float(casualties_per_attack)
        self.terms = int(terms)
        self.cdf = np.empty((0, self.terms))

    def casualties(self, u: np.ndarray, attacks: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        attacks = np.asarray(attacks, dtype=np.int64)
        top = min(int(attacks.max(initial=0)), self.rows - 1)
        if top >= len(self.cdf):
            a = np.arange(len(self.cdf), min(max(top + 1, 2 * len(self.cdf)), self.rows))
            rows = pdtr(np.arange(self.terms)[None, :], self.c * a.astype(np.float64)[:, None])
            self.cdf = np.concatenate((self.cdf, rows))
        at_or_above = np.take(self.cdf, np.minimum(attacks, self.rows - 1), axis=0) >= u[..., None]
        out = at_or_above.argmax(axis=-1)
        beyond = ~at_or_above[..., -1] | (attacks >= self.rows)
        if beyond.any():
            out[beyond] = poisson_inv(u[beyond], self.c * attacks[beyond])
        return out.astype(np.int64, copy=False)
