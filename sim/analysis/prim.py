"""Scenario discovery with PRIM: the factor ranges where a condition of interest holds.

Given the points of a sweep and a condition on an outcome at each point ("the deadline is
missed": ``p_met_deadline < 0.5``), the Patient Rule Induction Method (Friedman and
Fisher 1999; Bryant and Lempert 2010 for its use in scenario discovery) starts from the
box of every point and **peels** it: at each step it removes the slice (the ``alpha``
share of the points in the box at one end of one factor's range, or one value of a
factor with a list of values) that leaves the box with the highest share of points where
the condition holds. The sequence of boxes is the **peeling trajectory**; each box has

* its **coverage**: the share of all the points where the condition holds that it holds;
* its **density**: the share of its points where the condition holds;
* its **mass**: its share of all the points;

and the analyst picks the box that trades coverage for density as the question needs
(by default, the densest box still covering at least ``min_coverage`` of the cases).
Peeling stops when a step would leave fewer than ``min_mass`` of the points, or when
the box holds cases only (density 1: nothing is left to gain).

Why not a package: the ``prim`` package (1.0.0) and EMA Workbench's ``prim`` module do
this and more (pasting, quasi-p-values), but the first is little maintained and the
second brings pandas, SALib, scikit-learn and its own model interface for a few dozen
lines of numpy on the sweep's own table. Pasting (growing the box back) is not done: on
the few hundred points of a sweep it rarely changes the box, and the trajectory shows
what each step cost.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Condition", "PrimBox", "PrimResult", "limits_text", "parse_condition", "prim_boxes"]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_CONDITION = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """``outcome op threshold``: where a point counts as a case of interest."""

    outcome: str
    op: str
    threshold: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Whether the condition holds at each value (False where the value is missing)."""
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.isfinite(values) & _OPS[self.op](values, self.threshold)

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.threshold:g}"


def parse_condition(text: str, outcomes: Sequence[str]) -> Condition:
    """A condition from its text, ``OUTCOME OP NUMBER`` (``<``, ``<=``, ``>``, ``>=``).

    Parsed, never evaluated. A ``ValueError`` names what is wrong, with the outcomes known.

    >>> parse_condition("p_met_deadline < 0.5", ["p_met_deadline"])
    Condition(outcome='p_met_deadline', op='<', threshold=0.5)
    """
    m = _CONDITION.match(text)
    if m is None:
        raise ValueError(f"condition {text!r}: expected OUTCOME OP NUMBER, such as 'p_met_deadline < 0.5'")
    outcome, op, number = m.groups()
    if outcome not in outcomes:
        close = difflib.get_close_matches(outcome, outcomes, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"condition {text!r}: unknown outcome {outcome!r}; {hint}expected one of {', '.join(outcomes)}"
        )
    return Condition(outcome, op, float(number))


@dataclass(frozen=True)
class PrimBox:
    """One box of the peeling trajectory.

    Attributes
    ----------
    coverage, density, mass : float
    points : int
        Points in the box.
    limits : dict
        Per factor the box restricts: ``(low, high)`` (both in the box) for a range, the
        tuple of the values kept for a factor with a list of values.
    """

    coverage: float
    density: float
    mass: float
    points: int
    limits: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The box as plain data (dates as ISO strings)."""
        return {
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "points": self.points,
            "limits": {k: [_plain(v) for v in lim] for k, lim in self.limits.items()},
        }


@dataclass(frozen=True)
class PrimResult:
    """A peeling trajectory and the box chosen on it.

    Attributes
    ----------
    condition : str
    factors : tuple of str
    cases : int
        Points where the condition holds.
    base_rate : float
        Their share of all points (the first box's density).
    trajectory : list of PrimBox
        From the box of every point to the last peel.
    chosen : int
        The chosen box's index: the densest with coverage >= ``min_coverage`` (on a tie,
        the one covering more).
    alpha, min_mass, min_coverage : float
    """

    condition: str
    factors: tuple[str, ...]
    cases: int
    base_rate: float
    trajectory: list[PrimBox]
    chosen: int
    alpha: float
    min_mass: float
    min_coverage: float

    @property
    def box(self) -> PrimBox:
        """The chosen box."""
        return self.trajectory[self.chosen]

    def to_json(self) -> dict[str, Any]:
        """The result as plain data."""
        return {
            "condition": self.condition,
            "method": "PRIM peeling (Friedman and Fisher 1999), no pasting",
            "alpha": self.alpha,
            "min_mass": self.min_mass,
            "min_coverage": self.min_coverage,
            "points": self.trajectory[0].points,
            "cases": self.cases,
            "base_rate": self.base_rate,
            "chosen": self.chosen,
            "trajectory": [b.to_json() for b in self.trajectory],
        }


def prim_boxes(
    columns: Mapping[str, Sequence[Any]],
    cases: np.ndarray,
    *,
    condition: str = "",
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
) -> PrimResult:
    """The PRIM peeling trajectory of ``cases`` over the factors' ``columns``.

    Parameters
    ----------
    columns : mapping of str to sequence
        Each factor's value at every point: numbers or dates (ranges, peeled at either
        end), or anything else (a list of values, peeled one value at a time).
    cases : array of bool (n,)
        Where the condition holds.
    condition : str, optional
        Its text, for the record.
    alpha : float, optional
        Share of the box's points a range's peel removes (at least one value's points).
    min_mass : float, optional
        No box holds fewer than this share of the points.
    min_coverage : float, optional
        The chosen box is the densest with at least this coverage.

    Returns
    -------
    PrimResult

    Examples
    --------
    Cases where ``x > 0.7``, on 400 points of two uniform factors: the last box keeps
    ``x`` above about 0.7 and leaves ``y`` alone.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x, y = rng.random(400), rng.random(400)
    >>> r = prim_boxes({"x": x, "y": y}, x > 0.7)
    >>> b = r.box
    >>> sorted(b.limits), round(b.limits["x"][0], 1), b.density
    (['x'], 0.7, 1.0)
    """
    cases = np.asarray(cases, dtype=bool)
    n = cases.size
    if not 0 < alpha < 0.5 or not 0 < min_mass <= 1 or not 0 <= min_coverage <= 1:
        raise ValueError("expected 0 < alpha < 0.5, 0 < min_mass <= 1 and 0 <= min_coverage <= 1")
    if n == 0 or any(len(v) != n for v in columns.values()):
        raise ValueError(f"expected a value of every factor at each of the {n} points")
    data = {k: _column(v) for k, v in columns.items()}
    inside = np.ones(n, dtype=bool)
    total = int(cases.sum())
    limits: dict[str, Any] = {}
    trajectory = [_box(limits, inside, cases, total)]
    while trajectory[-1].density < 1.0:  # a box of cases only has nothing left to gain
        peeled = _best_peel(data, inside, cases, alpha, math.ceil(min_mass * n))
        if peeled is None:
            break
        key, inside = peeled
        limits = {**limits, key: _limits(data[key], inside)}
        trajectory.append(_box(limits, inside, cases, total))
    return PrimResult(condition, tuple(columns), total, total / n, trajectory,
                      _choose(trajectory, min_coverage), alpha, min_mass, min_coverage)  # fmt: skip


def _column(values: Sequence[Any]) -> tuple[str, np.ndarray, list[Any]]:
    """A factor as ``("range", numbers, [])``, ``("date", ordinals, [])`` or
    ``("values", codes, the distinct values)``."""
    vals = list(values)
    if all(isinstance(v, _dt.date) for v in vals):
        return "date", np.array([v.toordinal() for v in vals], dtype=np.float64), []
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in vals):
        return "range", np.asarray(vals, dtype=np.float64), []
    distinct = sorted(set(vals), key=str)
    codes = np.array([distinct.index(v) for v in vals], dtype=np.int64)
    return "values", codes, distinct


def _candidates(column, inside: np.ndarray, alpha: float):
    """The peels of one factor: masks of the points each would remove from the box."""
    kind, x, distinct = column
    xs = x[inside]
    if kind == "values":
        present = np.unique(xs)
        if present.size > 1:
            for code in present:
                yield inside & (x == code)
        return
    low, high = xs.min(), xs.max()
    if low == high:
        return
    cut_low, cut_high = np.quantile(xs, alpha), np.quantile(xs, 1 - alpha)
    below = inside & (x < cut_low)
    yield below if below.any() else inside & (x == low)
    above = inside & (x > cut_high)
    yield above if above.any() else inside & (x == high)


def _best_peel(data, inside, cases, alpha, least) -> tuple[str, np.ndarray] | None:
    """The factor peeled and the box after the best peel (the highest density, then the
    most points, then the first factor), or None when every peel leaves too few points."""
    best, best_key = None, None
    for name, column in data.items():
        for removed in _candidates(column, inside, alpha):
            kept = inside & ~removed
            count = int(kept.sum())
            if count < least or count == 0:
                continue
            key = (float(cases[kept].mean()), count)
            if best_key is None or key > best_key:
                best, best_key = (name, kept), key
    return best


def _limits(column, inside: np.ndarray) -> Any:
    """A peeled factor's limits: the range of its values left in the box, or those values."""
    kind, x, distinct = column
    xs = x[inside]
    if kind == "values":
        return tuple(distinct[c] for c in sorted(set(xs.tolist())))
    lo, hi = float(xs.min()), float(xs.max())
    return (_dt.date.fromordinal(int(lo)), _dt.date.fromordinal(int(hi))) if kind == "date" else (lo, hi)


def _box(limits: dict[str, Any], inside, cases, total) -> PrimBox:
    n_in = int(inside.sum())
    hits = int(cases[inside].sum())
    coverage = hits / total if total else math.nan
    return PrimBox(coverage, hits / n_in, n_in / cases.size, n_in, dict(limits))


def _choose(trajectory: list[PrimBox], min_coverage: float) -> int:
    """The densest box with at least ``min_coverage`` (the one covering more on a tie)."""
    ok = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage] or [0]
    return max(ok, key=lambda i: (trajectory[i].density, trajectory[i].coverage))


def _plain(v: Any) -> Any:
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    return v


def limits_text(limits: Any) -> str:
    """A box's limits on one factor as text: ``low .. high`` or ``one of a, b``.

    >>> limits_text((0.25, 0.5)), limits_text(("fixed",))
    ('0.25 .. 0.5', 'one of fixed')
    """
    if len(limits) == 2 and all(isinstance(v, float) for v in limits):
        return f"{limits[0]:.4g} .. {limits[1]:.4g}"
    if len(limits) == 2 and all(isinstance(v, _dt.date) for v in limits):
        return f"{limits[0].isoformat()} .. {limits[1].isoformat()}"
    return "one of " + ", ".join(str(v) for v in limits)
