"""Find the first columns of drawdown's NOLH designs (``drawdown.batch.nolh``).

Simulated annealing over the first column ``e`` (a permutation of ``1 .. q``, ``q = 2**(m
- 1)``): a move swaps two entries of ``e``; its cost is the 16-norm of the design's
column correlations (a smooth stand-in for the largest one), updated from the two rows
of each column that change; a worse move is taken with probability ``exp(-increase /
temperature)``, the temperature falling geometrically from 5% of the first cost to a
thousandth of that over the ``moves``. The column of the lowest largest correlation
seen is printed. Deterministic: the same arguments print the same column.

    python tests/data/nolh/search.py 7 --seed 1
"""

from __future__ import annotations

import argparse

import numpy as np
from drawdown.batch.nolh import nolh_from

P = 16


def anneal(m: int, seed: int, moves: int) -> tuple[float, np.ndarray]:
    q = 2 ** (m - 1)
    plain = nolh_from(np.arange(1, q + 1))[:q]  # entry (r, j) = sign * (position of e + 1)
    index, signs = np.abs(plain) - 1, np.sign(plain)
    s = index.shape[1]
    row_of = np.argsort(index, axis=0)  # row_of[p, j]: the row where column j takes e[p]
    sign_of = np.take_along_axis(signs, row_of, axis=0)
    norm = float((np.arange(1, q + 1) ** 2).sum())  # each column's sum of squares over one half
    upper = np.triu_indices(s, 1)
    cols = np.arange(s)

    def cost(gram: np.ndarray) -> tuple[float, float]:
        c = np.abs(gram[upper]) / norm
        return float((c**P).sum() ** (1 / P)), float(c.max())

    rng = np.random.default_rng(seed)
    e = rng.permutation(q) + 1
    half = (e[index] * signs).astype(float)
    gram = half.T @ half
    current, worst = cost(gram)
    best = (worst, e.copy())
    temperature = 0.05 * current
    cooling = 1e-3 ** (1 / moves)
    for _ in range(moves):
        a, b = rng.choice(q, 2, replace=False)
        step = float(e[b] - e[a])
        change = np.zeros((q, s))
        change[row_of[a], cols] += step * sign_of[a]
        change[row_of[b], cols] -= step * sign_of[b]
        trial = gram + change.T @ half + half.T @ change + change.T @ change
        new, new_worst = cost(trial)
        if new < current or rng.random() < np.exp((current - new) / temperature):
            e[a], e[b] = e[b], e[a]
            half += change
            gram, current, worst = trial, new, new_worst
            if worst < best[0]:
                best = (worst, e.copy())
        temperature *= cooling
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("m", type=int, help="the order: 4 to 8 (17 to 257 runs)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--moves", type=int, default=None, help="default 20,000 per order above 3")
    a = p.parse_args()
    worst, first = anneal(a.m, a.seed, a.moves or 20_000 * (a.m - 3))
    print(f"m={a.m} max|corr|={worst:.4f}")
    print(", ".join(map(str, first.tolist())))


if __name__ == "__main__":
    main()
