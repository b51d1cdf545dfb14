"""Tree-based analysis of a sweep: feature scoring (extra trees) and a CART tree.

* **Feature scoring** ranks the factors by their influence on each outcome, as EMA
  Workbench does: an ensemble of extremely randomised trees (Geurts, Ernst and Wehenkel
  2006; :class:`sklearn.ensemble.ExtraTreesRegressor`) is fitted to the outcome at the
  sweep's points, and each factor's score is its share of the ensemble's impurity
  decrease (the scores of an outcome sum to 1). It needs no particular design and sees
  non-linear effects and interactions, but it is a ranking, not a variance share: a
  factor that changes nothing scores near, not exactly, 0.
* **CART** (:class:`sklearn.tree.DecisionTreeClassifier`) splits the points, one factor
  threshold at a time, into leaves where a condition mostly holds or mostly does not: the
  same question as PRIM (:mod:`drawdown.analysis.prim`), answered as a tree. Each leaf
  is a box with its coverage, density and mass.

scikit-learn is an optional dependency (``pip install 'drawdown[analysis]'``): it does
this better than code we would write, and nothing else in drawdown needs it. The trees'
randomness comes from the analysis stream of the spec's seed: the same sweep gives the
same scores and the same tree.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DrawdownError
from .sobol import analysis_stream

__all__ = ["CartLeaf", "FeatureScores", "cart_leaves", "feature_scores"]

#: Trees in the extra-trees ensemble.
N_TREES = 250


def _sklearn() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise DrawdownError("feature scoring and CART need scikit-learn: pip install 'drawdown[analysis]'") from None
    import sklearn.ensemble
    import sklearn.tree

    return sklearn


def _matrix(columns: Mapping[str, Sequence[Any]]) -> tuple[np.ndarray, list[list[Any] | None]]:
    """The factors as a number matrix: numbers as they are, dates as day ordinals, other
    values as their rank among the distinct values (and those values, to name a split)."""
    cols: list[list[float]] = []
    values: list[list[Any] | None] = []
    for v in columns.values():
        v = list(v)
        if all(isinstance(x, _dt.date) for x in v):
            cols.append([x.toordinal() for x in v])
            values.append(None)
        elif all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in v):
            cols.append([float(x) for x in v])
            values.append(None)
        else:
            distinct = sorted(set(v), key=str)
            cols.append([distinct.index(x) for x in v])
            values.append(distinct)
    return np.array(cols, dtype=np.float64).T, values


def _random_state(seed: int, what: str) -> int:
    return int(analysis_stream(seed, what).integers(2**31 - 1))


@dataclass(frozen=True)
class FeatureScores:
    """One outcome's factor scores (extra-trees impurity importances, summing to 1)."""

    outcome: str
    factors: tuple[str, ...]
    scores: np.ndarray

    def ranking(self) -> list[str]:
        """The factors, highest score first."""
        return [self.factors[i] for i in np.argsort(-self.scores, kind="stable")]

    def to_json(self) -> dict[str, Any]:
        """The scores as plain data, in the factors' order."""
        return {
            "outcome": self.outcome,
            "scores": {f: float(s) for f, s in zip(self.factors, self.scores, strict=True)},
        }


def feature_scores(
    columns: Mapping[str, Sequence[Any]], outcomes: Mapping[str, np.ndarray], *, seed: int = 0
) -> dict[str, FeatureScores]:
    """Each outcome's factor scores from the factors' ``columns`` at the sweep's points.

    Points where an outcome is missing are left out of its fit; an outcome that does not
    vary scores every factor 0.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.random((300, 3))
    >>> r = feature_scores({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}, {"y": 4 * x[:, 0] + x[:, 1]})["y"]
    >>> r.ranking()
    ['a', 'b', 'c']
    """
    sk = _sklearn()
    X, _ = _matrix(columns)
    factors = tuple(columns)
    out = {}
    for outcome, y in outcomes.items():
        y = np.asarray(y, dtype=np.float64)
        ok = np.isfinite(y)
        if ok.sum() < 2 or np.ptp(y[ok]) == 0:
            out[outcome] = FeatureScores(outcome, factors, np.zeros(len(factors)))
            continue
        model = sk.ensemble.ExtraTreesRegressor(
            n_estimators=N_TREES, random_state=_random_state(seed, "scores " + outcome), n_jobs=1
        )
        model.fit(X[ok], y[ok])
        out[outcome] = FeatureScores(outcome, factors, np.asarray(model.feature_importances_, dtype=np.float64))
    return out


@dataclass(frozen=True)
class CartLeaf:
    """A leaf of the CART tree: its rule (the splits that lead to it) and its box."""

    rule: tuple[str, ...]
    coverage: float
    density: float
    mass: float
    points: int

    def to_json(self) -> dict[str, Any]:
        return {"rule": list(self.rule), "coverage": self.coverage, "density": self.density, "mass": self.mass,
                "points": self.points}  # fmt: skip


def cart_leaves(
    columns: Mapping[str, Sequence[Any]],
    cases: np.ndarray,
    *,
    max_depth: int = 3,
    min_mass: float = 0.05,
    seed: int = 0,
) -> list[CartLeaf]:
    """The leaves of a CART tree separating the ``cases`` (densest first).

    Parameters
    ----------
    columns : mapping of str to sequence
        Each factor's value at every point.
    cases : array of bool
        Where the condition holds.
    max_depth : int, optional
        Splits from the root to a leaf, at most.
    min_mass : float, optional
        Each leaf holds at least this share of the points.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> x, y = rng.random(500), rng.random(500)
    >>> best = cart_leaves({"x": x, "y": y}, (x > 0.6) & (y < 0.5))[0]
    >>> best.density, best.rule
    (1.0, ('x > 0.602', 'y <= 0.4989'))
    """
    sk = _sklearn()
    X, values = _matrix(columns)
    cases = np.asarray(cases, dtype=bool)
    names = list(columns)
    tree = sk.tree.DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(1, int(np.ceil(min_mass * len(cases)))),
        random_state=_random_state(seed, "cart"),
    )
    tree.fit(X, cases)
    t = tree.tree_
    leaf_of = tree.apply(X)
    total = int(cases.sum())
    leaves = []

    def walk(node: int, rule: tuple[str, ...]) -> None:
        if t.children_left[node] < 0:
            inside = leaf_of == node
            hits = int(cases[inside].sum())
            n_in = int(inside.sum())
            leaves.append(CartLeaf(rule, hits / total if total else float("nan"), hits / n_in, n_in / len(cases), n_in))
            return
        f, threshold = int(t.feature[node]), float(t.threshold[node])
        low, high = _split_text(names[f], values[f], threshold)
        walk(int(t.children_left[node]), (*rule, low))
        walk(int(t.children_right[node]), (*rule, high))

    walk(0, ())
    return sorted(leaves, key=lambda leaf: (-leaf.density, -leaf.coverage))


def _split_text(name: str, values: list[Any] | None, threshold: float) -> tuple[str, str]:
    if values is not None:
        below = [str(v) for i, v in enumerate(values) if i <= threshold]
        above = [str(v) for i, v in enumerate(values) if i > threshold]
        return f"{name} in {{{', '.join(below)}}}", f"{name} in {{{', '.join(above)}}}"
    if threshold > 700_000:  # a date's ordinal (year 1917 on): say the date
        day = _dt.date.fromordinal(int(np.floor(threshold)))
        return f"{name} <= {day.isoformat()}", f"{name} > {day.isoformat()}"
    return f"{name} <= {threshold:.4g}", f"{name} > {threshold:.4g}"
