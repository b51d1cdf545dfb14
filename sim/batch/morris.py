"""Morris' one-at-a-time design: trajectories through a grid of levels, for screening.

Each of ``r`` trajectories starts at a random point of a ``p``-level grid in the unit
hypercube and moves one factor at a time by ``delta = p / (2 (p - 1))``, each factor
once, in a random order and direction: ``k + 1`` points per trajectory, ``r (k + 1)``
in all (Morris 1991; Saltelli et al., *Global Sensitivity Analysis: The Primer*, 2008,
§3.3). The difference of the outcome between two consecutive points, over ``delta``,
is one **elementary effect** of the factor that moved (:mod:`drawdown.analysis.morris`).

With the usual ``p = 4`` levels (:data:`MORRIS_LEVELS`), ``delta = 2/3``: a factor
steps from level 0 to 2 or from 1 to 3 (or back), two thirds of its range.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MORRIS_LEVELS", "morris_delta", "morris_levels", "morris_steps"]

#: Levels of each factor's grid (Morris 1991 and the Primer recommend 4).
MORRIS_LEVELS = 4


def morris_delta(levels: int = MORRIS_LEVELS) -> float:
    """The step of a trajectory, as a share of a factor's range: ``p / (2 (p - 1))``."""
    return levels / (2 * (levels - 1))


def morris_levels(k: int, trajectories: int, rng: np.random.Generator, *, levels: int = MORRIS_LEVELS) -> np.ndarray:
    """The ``trajectories (k + 1)`` points of a Morris design, as level numbers (0 .. levels - 1).

    Parameters
    ----------
    k : int
        Factors.
    trajectories : int
        Trajectories ``r``.
    rng : numpy.random.Generator
        The design's stream (a sweep's ``design_rng``).
    levels : int, optional
        Grid levels ``p`` (even, >= 2).

    Returns
    -------
    ndarray (trajectories (k + 1), k) of int
        Trajectory after trajectory; within one, consecutive rows differ in one factor by
        ``levels // 2`` levels (``delta`` of the range).

    Examples
    --------
    >>> import numpy as np
    >>> x = morris_levels(3, 2, np.random.default_rng(1))
    >>> x.shape
    (8, 3)
    >>> steps = np.abs(np.diff(x[:4], axis=0))  # one factor moves 2 levels at each step
    >>> sorted(steps.sum(axis=1).tolist()), sorted(steps.argmax(axis=1).tolist())
    ([2, 2, 2], [0, 1, 2])
    """
    if levels < 2 or levels % 2:
        raise ValueError(f"levels must be even and >= 2, not {levels!r}")
    if k < 1 or trajectories < 1:
        raise ValueError("a Morris design needs at least one factor and one trajectory")
    jump = levels // 2
    lower = np.tril(np.ones((k + 1, k), dtype=np.int64), -1)  # B: row m has moved factors 0 .. m - 1
    out = []
    for _ in range(trajectories):
        # A start from which every factor can step up by `jump` levels; a factor that
        # steps down starts `jump` levels higher (the Primer's B* = (J x* + delta/2 ((2B - J) D* + J)) P*).
        start = rng.integers(0, levels - jump, size=k)
        up = rng.integers(0, 2, size=k).astype(bool)
        order = rng.permutation(k)
        moved = lower[:, np.argsort(order)]  # factor order[m] moves at step m
        x = start + jump * np.where(up, moved, 1 - moved)
        out.append(x)
    return np.concatenate(out)


def morris_steps(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each step of each trajectory of a design (:func:`morris_levels`), the factor
    that moved and its direction (+1 up, -1 down): two ``(r, k)`` arrays.

    >>> import numpy as np
    >>> x = np.array([[0, 0], [2, 0], [2, 2]])
    >>> [a.tolist() for a in morris_steps(x, 2)]
    [[[0, 1]], [[1, 1]]]
    """
    r = x.shape[0] // (k + 1)
    diff = np.diff(x.reshape(r, k + 1, k), axis=1)  # (r, k, k): one nonzero per step
    factor = np.abs(diff).argmax(axis=2)
    sign = np.sign(np.take_along_axis(diff, factor[..., None], axis=2)[..., 0])
    if (np.count_nonzero(diff, axis=2) != 1).any():
        raise ValueError("not a Morris design: a step moves no factor or more than one")
    return factor, sign
