"""Two-level full and fractional factorial designs.

A full factorial takes every factor at its two levels in every combination: ``2**k``
points for ``k`` factors, from which every main effect and every interaction can be
estimated apart. A fractional factorial ``2**(k - p)`` runs the full factorial of the
first ``k - p`` factors (the base factors) and sets each of the ``p`` others to a
product of base factors (its generator), so it takes ``2**p`` times fewer points and
confounds some effects with others. Its **resolution** (the shortest word of its
defining relation) says which: III keeps main effects apart from one another, IV keeps
them apart from two-factor interactions too, V keeps two-factor interactions apart
from one another.

Generators are chosen for the highest resolution: for each resolution from the
highest down, a depth-first search over products of base factors (the shortest first)
takes the first set whose defining relation has no shorter word. For the common
designs this gives the textbook resolutions (2^(5-1) V, 2^(6-2) IV, 2^(7-3) IV,
2^(8-4) IV, 2^(7-4) III; tested).
Levels are coded -1 (low) and +1 (high); the first factor varies slowest, as in a grid.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["factorial", "factorial_generators", "resolution"]


def factorial(factors: int, fraction: int = 0) -> np.ndarray:
    """The coded levels of a ``2**(factors - fraction)`` two-level factorial design.

    Parameters
    ----------
    factors : int
        Number of factors ``k`` >= 1.
    fraction : int, optional
        ``p``: how many factors are generated from the others (0: the full factorial).

    Returns
    -------
    ndarray of int64, shape (2**(k - p), k)
        -1 and +1; the base factors' columns in full-factorial order (first slowest),
        then the generated ones.

    Raises
    ------
    ValueError
        When ``p`` leaves a design of resolution below III (two main effects aliased).

    Examples
    --------
    >>> factorial(2).tolist()
    [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    >>> d = factorial(4, 1)
    >>> d.shape, d[:, 3].tolist() == (d[:, 0] * d[:, 1] * d[:, 2]).tolist()
    ((8, 4), True)
    """
    generators = factorial_generators(factors, fraction)
    base = factors - fraction
    full = np.array(list(itertools.product((-1, 1), repeat=base)), dtype=np.int64).reshape(2**base, base)
    added = [full[:, list(word)].prod(axis=1) for word in generators]
    return np.column_stack([full, *added]) if added else full


def factorial_generators(factors: int, fraction: int) -> list[tuple[int, ...]]:
    """The base factors (0-based) whose product sets each generated factor.

    >>> factorial_generators(5, 1), factorial_generators(7, 3)
    ([(0, 1, 2, 3)], [(0, 1, 2), (0, 1, 3), (0, 2, 3)])
    """
    for name, v, least in (("factors", factors, 1), ("fraction", fraction, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise ValueError(f"{name} must be a whole number >= {least}, not {v!r}")
    base = factors - fraction
    if base < 1:
        raise ValueError(f"a fraction of {fraction} leaves no base factor among {factors}")
    if fraction == 0:
        return []
    words = [w for n in range(2, base + 1) for w in itertools.combinations(range(base), n)]
    for least in range(base + 1, 2, -1):  # the highest resolution first
        found = _pick(base, [w for w in words if len(w) >= least - 1], fraction, least)
        if found is not None:
            return found
    raise ValueError(f"2^({factors}-{fraction}) would alias main effects (resolution below III)")


#: Search nodes tried for one resolution before a lower one is tried.
_SEARCH_NODES = 200_000


def _pick(base: int, words: list[tuple[int, ...]], count: int, least: int) -> list[tuple[int, ...]] | None:
    """``count`` of ``words`` whose defining relation has no word shorter than ``least``
    (depth first, the shortest words first; None when there are none within the budget)."""
    nodes = 0

    def extend(chosen: list[tuple[int, ...]], group: list[frozenset[int]], start: int) -> list | None:
        nonlocal nodes
        if len(chosen) == count:
            return chosen
        for k in range(start, len(words)):
            nodes += 1
            if nodes > _SEARCH_NODES:
                return None
            defining = frozenset(words[k]) | {base + len(chosen)}
            new = [g ^ defining for g in group]
            if all(len(w) >= least for w in new):
                found = extend([*chosen, words[k]], group + new, k + 1)
                if found is not None:
                    return found
        return None

    return extend([], [frozenset()], 0)


def resolution(factors: int, fraction: int) -> int | None:
    """The resolution of :func:`factorial` ``(factors, fraction)``; None for a full factorial.

    >>> resolution(5, 1), resolution(7, 3), resolution(3, 0)
    (5, 4, None)
    """
    if fraction == 0:
        return None
    return _resolution(factors - fraction, factorial_generators(factors, fraction))


def _resolution(base: int, generators: list[tuple[int, ...]]) -> int:
    """The shortest word of the defining relation of ``generators`` (factor ``base + i``
    is the product of ``generators[i]``): each word is a product of some generators'
    defining words ``I = (word) x (its factor)``."""
    defining = [frozenset(w) | {base + i} for i, w in enumerate(generators)]
    shortest = base + len(generators)
    for n in range(1, len(defining) + 1):
        for combo in itertools.combinations(defining, n):
            word: frozenset[int] = frozenset()
            for d in combo:
                word = word ^ d
            shortest = min(shortest, len(word))
    return shortest
