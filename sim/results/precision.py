"""The precision of a run: its headline probability and the standard error ``--precision`` controls."""

from __future__ import annotations

from .stats import Probability, wilson_se
from .summary import Summary

__all__ = ["headline_probability", "precision_se", "precision_status"]


def headline_probability(summary: Summary) -> tuple[str, Probability]:
    """The probability a run is about: ``("met_deadline", p)`` or, for a scenario
    without a deadline, ``("out_by_horizon", p)`` (docs/design.md §3).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> name, p = headline_probability(summarize(drawdown.load("conditions-based"), 100, seed=1))
    >>> name, p.n
    ('out_by_horizon', 100)
    """
    name = "out_by_horizon" if summary.deadline_day is None else "met_deadline"
    p = summary.probability(name)
    assert p is not None  # met_deadline is None only without a deadline
    return name, p


def precision_se(summary: Summary) -> float:
    """The standard error ``--precision`` controls: the half-width of the Wilson 95%
    interval of :func:`headline_probability`, over 1.96 (:func:`drawdown.results.wilson_se`).

    Unlike the binomial ``sqrt(p (1 - p) / n)`` it does not vanish when no replication
    (or every one) meets the deadline, so a run cannot stop on a lucky first block of
    a handful of replications; for ``p`` away from 0 and 1 the two agree.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.batch import summarize
    >>> summary = summarize(drawdown.load("announced-2021-09-11"), 1000, seed=1)
    >>> summary.probability("met_deadline").value, round(precision_se(summary), 5)
    (1.0, 0.00098)
    """
    _, p = headline_probability(summary)
    return wilson_se(p.k, p.n)


def precision_status(summary: Summary, precision: float, *, cap_reps: int | None = None) -> dict:
    """What a ``--precision`` run achieved, as plain data (the JSON ``precision`` object).

    Keys: ``target``, ``probability`` (``"met_deadline"`` or ``"out_by_horizon"``),
    ``se`` (:func:`precision_se`), ``met`` (bool), ``blocks``, ``replications`` and
    ``cap_replications``.
    """
    name, _ = headline_probability(summary)
    se = precision_se(summary)
    return {
        "target": float(precision),
        "probability": name,
        "se": se,
        "met": bool(se <= precision),
        "blocks": len(summary.blocks),
        "replications": summary.n,
        "cap_replications": None if cap_reps is None else int(cap_reps),
    }
