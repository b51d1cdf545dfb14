"""Nearly orthogonal Latin hypercubes (NOLH), the data-farming designs of Cioppa and Lucas.

A NOLH of order ``m`` has ``n = 2**m + 1`` runs and up to ``m + (m - 1)(m - 2)/2``
columns (factors): 17 runs for up to 7 factors, 33 for 11, 65 for 16, 129 for 22 and
257 for 29, the standard sizes of data-farming practice (the NPS SEED Center's NOLH
designs). Each column is a permutation of the ``n`` levels ``-q .. q`` (``q = 2**(m -
1)``): a Latin hypercube that takes every level once. Its columns are nearly
orthogonal: the largest absolute correlation between two columns is below 0.03 for
every size here (``tests/test_nolh.py``), so a factor's effect is hardly confounded
with another's.

The construction is Ye's (1998) rotation method as Cioppa and Lucas (2007) extend it:
from one permutation ``e`` of ``1 .. q`` (the first column), the other columns are
``e`` permuted by the rotation matrices ``A_k`` (Kronecker products of the 2 x 2
identity and the exchange matrix) and by their pairwise products, each column with a
fixed pattern of signs; the design is those ``q`` rows, a centre row of zeros and the
``q`` rows negated. Which permutation ``e`` is the first column decides how nearly
orthogonal the columns are. No well-kept package on the index builds these designs
(``pynolh``, 2014, ships tables that are not permutations), so the first columns
below were found by a seeded search (``tests/data/nolh/search.py``: simulated
annealing over swaps of two entries, on a smooth stand-in for the largest
correlation) and are checked by the tests: each is a permutation, each design a Latin
hypercube with its correlations below 0.03 (0.000, 0.012, 0.009, 0.007 and 0.007 from
17 to 257 runs).

References
----------
K. Q. Ye, "Orthogonal column Latin hypercubes and their application in computer
experiments", JASA 93 (1998). T. M. Cioppa and T. W. Lucas, "Efficient nearly
orthogonal and space-filling Latin hypercubes", Technometrics 49 (2007).
"""

from __future__ import annotations

import numpy as np

__all__ = ["NOLH_SIZES", "nolh", "nolh_from", "nolh_order"]

#: Order ``m`` -> the first column ``e``, a permutation of ``1 .. 2**(m - 1)``.
_FIRST_COLUMNS: dict[int, tuple[int, ...]] = {
    # python tests/data/nolh/search.py M --seed 1 (M = 4 .. 8), with the largest correlation it reached
    4: (8, 1, 6, 2, 4, 5, 3, 7),  # 0.0000
    5: (15, 6, 12, 2, 3, 10, 11, 13, 8, 9, 5, 1, 4, 14, 7, 16),  # 0.0120
    6: (  # 0.0093
        *(2, 11, 32, 30, 4, 17, 23, 20, 8, 12, 26, 18, 16, 24, 29, 25),
        *(21, 9, 27, 7, 14, 3, 5, 1, 22, 10, 28, 13, 31, 15, 19, 6),
    ),
    7: (  # 0.0071
        *(12, 4, 8, 9, 11, 6, 20, 14, 25, 13, 33, 26, 23, 17, 28, 19),
        *(3, 38, 18, 40, 37, 52, 30, 57, 46, 49, 45, 54, 61, 36, 53, 55),
        *(35, 62, 5, 43, 31, 56, 7, 29, 32, 51, 16, 21, 22, 15, 10, 1),
        *(24, 60, 2, 59, 41, 63, 27, 64, 47, 48, 34, 58, 44, 50, 42, 39),
    ),
    8: (  # 0.0070
        *(66, 31, 100, 28, 1, 55, 20, 71, 107, 37, 52, 54, 88, 69, 11, 13),
        *(122, 86, 53, 92, 77, 64, 109, 73, 82, 110, 98, 91, 111, 99, 8, 74),
        *(116, 62, 95, 114, 128, 40, 105, 68, 118, 65, 94, 15, 72, 81, 38, 23),
        *(89, 29, 126, 84, 9, 112, 103, 35, 93, 85, 43, 32, 127, 4, 7, 75),
        *(17, 90, 119, 56, 67, 19, 76, 49, 123, 50, 60, 117, 24, 39, 41, 97),
        *(70, 12, 120, 108, 26, 6, 57, 121, 125, 80, 115, 46, 34, 113, 101, 30),
        *(104, 18, 96, 47, 10, 21, 102, 124, 63, 36, 87, 45, 78, 51, 79, 5),
        *(3, 42, 59, 44, 48, 25, 106, 16, 58, 22, 33, 61, 27, 2, 14, 83),
    ),
}

#: The standard designs: (order ``m``, runs, most factors).
NOLH_SIZES = tuple((m, 2**m + 1, m + (m - 1) * (m - 2) // 2) for m in range(4, 9))


def nolh_order(factors: int) -> int:
    """The order of the smallest standard NOLH with at least ``factors`` columns.

    >>> [nolh_order(k) for k in (1, 7, 8, 29)]
    [4, 4, 5, 8]
    """
    for m, _, most in NOLH_SIZES:
        if factors <= most:
            return m
    raise ValueError(f"a NOLH design has at most {NOLH_SIZES[-1][2]} factors, not {factors}")


def nolh(factors: int) -> np.ndarray:
    """The levels of the smallest standard NOLH with ``factors`` columns.

    Parameters
    ----------
    factors : int
        Number of columns, 1 to 29.

    Returns
    -------
    ndarray of int64, shape (2**m + 1, factors)
        Levels ``-q .. q`` (``q = 2**(m - 1)``), each once in each column: the first
        ``factors`` columns of the order-``m`` design, ``m`` = :func:`nolh_order`.

    Examples
    --------
    >>> d = nolh(3)
    >>> d.shape, sorted(d[:, 0].tolist()) == list(range(-8, 9))
    ((17, 3), True)
    >>> bool(abs(np.corrcoef(d.T)[0, 1]) < 0.03)
    True
    """
    if isinstance(factors, bool) or not isinstance(factors, int) or factors < 1:
        raise ValueError(f"factors must be a whole number >= 1, not {factors!r}")
    m = nolh_order(factors)
    return _design(np.array(_FIRST_COLUMNS[m], dtype=np.int64), m)[:, :factors]


def _rotations(m: int) -> list[np.ndarray]:
    """Ye's rotation permutations ``A_1 .. A_{m-1}`` of ``q = 2**(m - 1)`` positions, as index arrays."""
    identity = np.eye(2, dtype=np.int64)
    exchange = identity[::-1]
    out = []
    for k in range(1, m):
        a = np.ones((1, 1), dtype=np.int64)
        for j in range(1, m):
            a = np.kron(a, identity if j < m - k else exchange)
        out.append(a @ np.arange(2 ** (m - 1)))
    return out


def _columns(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each column takes its entries of ``e`` and its signs: two ``(q, s)`` arrays."""
    q = 2 ** (m - 1)
    rot = _rotations(m)
    pairs = [(i, j) for i in range(1, m - 1) for j in range(i + 1, m)]
    index = [np.arange(q), *rot, *(rot[i - 1][rot[j - 1]] for i, j in pairs)]
    rows = np.arange(q)
    signs = [np.ones(q, dtype=np.int64)]
    # column k's sign flips every 2**(k - 1) rows, starting negative
    signs += [np.where((rows // 2 ** (k - 1)) % 2 == 0, -1, 1) for k in range(1, m)]
    signs += [signs[i] * signs[j] for i, j in pairs]
    return np.stack(index, axis=1), np.stack(signs, axis=1)


def nolh_from(first: np.ndarray) -> np.ndarray:
    """The rotation design of first column ``first``, a permutation of ``1 .. q``.

    For searching first columns (``tests/data/nolh/search.py``); :func:`nolh` uses the
    ones found.

    Parameters
    ----------
    first : array of int, shape (q,)
        ``q = 2**(m - 1)``, ``m`` >= 3.

    Returns
    -------
    ndarray of int64, shape (2q + 1, m + (m - 1)(m - 2)/2)
        The ``q`` rows, a centre row of zeros, the ``q`` rows negated.

    Examples
    --------
    >>> nolh_from(np.array([1, 3, 2, 4]))[:, :3].tolist()[:4]
    [[1, -3, -4], [3, 1, -2], [2, -4, 3], [4, 2, 1]]
    """
    first = np.asarray(first, dtype=np.int64)
    q = first.size
    m = q.bit_length()
    if q < 4 or q != 2 ** (m - 1) or not np.array_equal(np.sort(first), np.arange(1, q + 1)):
        raise ValueError("the first column must be a permutation of 1 .. q, q a power of 2 and at least 4")
    return _design(first, m)


def _design(first: np.ndarray, m: int) -> np.ndarray:
    """The order-``m`` design of first column ``first``: ``(2q + 1, s)`` levels."""
    index, signs = _columns(m)
    half = first[index] * signs
    return np.concatenate([half, np.zeros((1, half.shape[1]), dtype=np.int64), -half])
