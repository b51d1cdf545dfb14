"""Reading a finished sweep back for its analysis.

Sensitivity: the design says which. ``design = "saltelli"`` gives Sobol' indices
(:mod:`drawdown.analysis.sobol`), ``design = "morris"`` elementary effects
(:mod:`drawdown.analysis.morris`), of every outcome of
:data:`~drawdown.analysis.sobol.OUTCOMES`. Scenario discovery (:mod:`drawdown.analysis.prim`)
reads a sweep of any design.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..batch import MANIFEST, SweepSpec, morris_design, read_record, read_results
from ..errors import DrawdownError
from .morris import MorrisEffects, morris_effects
from .prim import PrimResult, parse_condition, prim_boxes
from .sobol import OUTCOMES, SobolIndices, sobol_indices
from .trees import CartLeaf, FeatureScores, cart_leaves, feature_scores

__all__ = [
    "ANALYSED_DESIGNS",
    "DISCOVERY_OUTCOMES",
    "analyze_sweep",
    "cart_sweep",
    "discover_sweep",
    "factor_value",
    "finished_spec",
    "score_sweep",
]

#: The designs a sweep can be analysed from, and the method each gives.
ANALYSED_DESIGNS = {"saltelli": "Sobol' indices", "morris": "Morris elementary effects"}
#: The outcomes of ``results.csv`` a discovery condition may test.
DISCOVERY_OUTCOMES = (*OUTCOMES, "censored_fraction")


def analyze_sweep(
    directory: str | Path,
    *,
    confidence: float = 0.95,
    n_resamples: int = 999,
    noise_draws: int = 200,
) -> tuple[SweepSpec, dict[str, SobolIndices] | dict[str, MorrisEffects]]:
    """The sensitivity of every outcome of a finished sweep: Sobol' indices of a
    ``design = "saltelli"`` sweep, Morris elementary effects of a ``design = "morris"`` one.

    Parameters
    ----------
    directory : str or Path
        The sweep's ``--out`` directory.
    confidence, n_resamples, noise_draws : optional
        As in :func:`sobol_indices` (the spec's seed seeds the analysis stream).

    Returns
    -------
    spec : SweepSpec
        The sweep's spec, as its manifest records it.
    indices : dict of str to SobolIndices or MorrisEffects
        By outcome (:data:`~drawdown.analysis.sobol.OUTCOMES`).

    Raises
    ------
    DrawdownError
        When ``directory`` holds no finished sweep, or one of another design.
    """
    directory = Path(directory)
    spec = finished_spec(directory)
    rows = read_results(directory)
    k = len(spec.factors)
    n = spec.points or 0
    want = n * (k + 1) if spec.design == "morris" else n * (k + 2)
    if len(rows) != want:
        shape = f"{n} x ({k} + 1)" if spec.design == "morris" else f"{n} x ({k} + 2)"
        raise DrawdownError(f"{directory}: results.csv has {len(rows)} rows, not the design's {shape}")
    values = {o: np.array([_float(r[o]) for r in rows]) for o in OUTCOMES}
    errors = {o: None if c is None else np.array([_float(r[c]) for r in rows]) for o, c in OUTCOMES.items()}
    options: dict[str, Any] = dict(
        confidence=confidence, n_resamples=n_resamples, noise_draws=noise_draws, seed=spec.seed
    )
    factors = [f.key for f in spec.factors]
    if spec.design == "morris":
        return spec, morris_effects(values, factors=factors, design=morris_design(spec), errors=errors, **options)
    return spec, sobol_indices(values, factors=factors, n=n, errors=errors, **options)


def discover_sweep(
    directory: str | Path,
    condition: str,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
) -> tuple[SweepSpec, PrimResult]:
    """PRIM scenario discovery on a finished sweep of any design: the factor ranges where
    ``condition`` (``OUTCOME OP NUMBER``, an outcome of :data:`DISCOVERY_OUTCOMES`) holds.

    Parameters
    ----------
    directory : str or Path
        The sweep's ``--out`` directory.
    condition : str
        Such as ``"p_met_deadline < 0.5"`` (the deadline is missed more often than not).
    alpha, min_mass, min_coverage : float, optional
        As in :func:`drawdown.analysis.prim.prim_boxes`.

    Raises
    ------
    DrawdownError
        When ``directory`` holds no finished sweep, or the condition cannot be read.
    """
    directory = Path(directory)
    spec = finished_spec(directory, any_design=True)
    try:
        cond = parse_condition(condition, DISCOVERY_OUTCOMES)
    except ValueError as e:
        raise DrawdownError(str(e)) from None
    rows = read_results(directory)
    columns = {f.key: [factor_value(f.kind, r[f.key]) for r in rows] for f in spec.factors}
    cases = cond.holds(np.array([_float(r[cond.outcome]) for r in rows]))
    try:
        options = dict(alpha=alpha, min_mass=min_mass, min_coverage=min_coverage)
        result = prim_boxes(columns, cases, condition=str(cond), **options)
    except ValueError as e:
        raise DrawdownError(f"{directory}: {e}") from None
    return spec, result


def _columns_and_rows(directory: Path, spec: SweepSpec) -> tuple[dict[str, list[Any]], list[dict[str, str]]]:
    rows = read_results(directory)
    return {f.key: [factor_value(f.kind, r[f.key]) for r in rows] for f in spec.factors}, rows


def score_sweep(directory: str | Path) -> tuple[SweepSpec, dict[str, FeatureScores]]:
    """Extra-trees feature scores of every outcome (:data:`~drawdown.analysis.sobol.OUTCOMES`)
    of a finished sweep of any design (:func:`drawdown.analysis.trees.feature_scores`,
    seeded by the spec's seed). Needs scikit-learn (``drawdown[analysis]``)."""
    directory = Path(directory)
    spec = finished_spec(directory, any_design=True)
    columns, rows = _columns_and_rows(directory, spec)
    outcomes = {o: np.array([_float(r[o]) for r in rows]) for o in OUTCOMES}
    return spec, feature_scores(columns, outcomes, seed=spec.seed)


def cart_sweep(directory: str | Path, condition: str, *, max_depth: int = 3, min_mass: float = 0.05) -> list[CartLeaf]:
    """The leaves of a CART tree separating the points of a finished sweep where
    ``condition`` holds (as :func:`discover_sweep`), densest first. Needs scikit-learn."""
    directory = Path(directory)
    spec = finished_spec(directory, any_design=True)
    try:
        cond = parse_condition(condition, DISCOVERY_OUTCOMES)
    except ValueError as e:
        raise DrawdownError(str(e)) from None
    columns, rows = _columns_and_rows(directory, spec)
    cases = cond.holds(np.array([_float(r[cond.outcome]) for r in rows]))
    return cart_leaves(columns, cases, max_depth=max_depth, min_mass=min_mass, seed=spec.seed)


def factor_value(kind: str, text: str) -> Any:
    """A factor's value as results.csv writes it: a number, a date, or the text itself."""
    if kind in ("int", "number"):
        return float(text)
    if kind == "date":
        return _dt.date.fromisoformat(text)
    return text


def finished_spec(directory: Path, *, any_design: bool = False) -> SweepSpec:
    """The spec of the finished sweep in ``directory``, or a :class:`DrawdownError` saying why not."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        raise DrawdownError(f"{directory}: not a sweep directory (no {MANIFEST}); run `drawdown sweep SPEC --out DIR`")
    record = read_record(manifest)
    if "spec" not in record:
        raise DrawdownError(f"{directory}: holds a run, not a sweep")
    if not record.get("complete"):
        raise DrawdownError(f"{directory}: the sweep is not finished; run it again with --resume (or merge its shards)")
    spec = SweepSpec.from_json(record["spec"], file=str(manifest))
    if not any_design and spec.design not in ANALYSED_DESIGNS:
        raise DrawdownError(
            f"{directory}: sensitivity needs a saltelli design (Sobol' indices) or a morris design "
            f"(elementary effects); this sweep's design is {spec.design!r}"
        )
    return spec


def _float(text: str) -> float:
    return float(text) if text != "" else math.nan
