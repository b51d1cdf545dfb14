"""The pieces of a run's JSON document (``drawdown run --json``, ``summary.json``).

:meth:`drawdown.results.Summary.to_json_dict` puts the document together from these
pieces, key by key in a fixed order; :func:`drawdown.report.run_json` adds the precision
and the warnings. Every number is plain JSON: a float that is not finite (a standard
error of fewer than two replications) is ``None``, and so is a quantile among
replications not out by the horizon.

Example
-------
>>> import drawdown
>>> from drawdown.results import json_number, proportion, quantile_days
>>> quantile_days([3, 7, None])
{'p5': 3, 'p50': 7, 'p95': None}
>>> json_number(proportion(0, 0).value) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..draws import seed_text
from ..scenario import Scenario
from .book import Book
from .stats import Estimate, Probability

__all__ = [
    "QUANTILES",
    "QUANTILE_KEYS",
    "SCHEMA_VERSION",
    "contingent_entries",
    "estimate_entry",
    "json_number",
    "probability_entry",
    "quantile_dates",
    "quantile_days",
    "run_entries",
]

#: Version of the ``--json`` document made by :meth:`drawdown.results.Summary.to_json_dict`.
SCHEMA_VERSION = 1
#: The quantiles of the document, and their keys.
QUANTILES = (0.05, 0.5, 0.95)
QUANTILE_KEYS = ("p5", "p50", "p95")


def json_number(x: float | None) -> float | None:
    """``x`` as a JSON number: ``None`` for ``None``, ``nan`` or an infinity.

    >>> json_number(2), json_number(float("nan")), json_number(None)
    (2.0, None, None)
    """
    return None if x is None or not math.isfinite(x) else float(x)


def quantile_days(values: Sequence[int | None]) -> dict[str, int | None]:
    """Days of the :data:`QUANTILES`, by key (``None``: not out by the horizon)."""
    return dict(zip(QUANTILE_KEYS, values, strict=True))


def quantile_dates(scenario: Scenario, values: Sequence[int | None]) -> dict[str, str | None]:
    """Dates (ISO) of the days of the :data:`QUANTILES`, by key.

    >>> import drawdown
    >>> quantile_dates(drawdown.load("doha-2021-05-01"), [0, 1, None])
    {'p5': '2021-02-15', 'p50': '2021-02-16', 'p95': None}
    """
    return {
        k: None if v is None else scenario.date_of(v).isoformat() for k, v in zip(QUANTILE_KEYS, values, strict=True)
    }


def probability_entry(p: Probability | None) -> dict | None:
    """A probability as JSON: ``value``, ``se``, ``wilson_low``, ``wilson_high`` and
    ``count`` (``None`` for no probability: no deadline).

    >>> import drawdown
    >>> from drawdown.results import proportion
    >>> entry = probability_entry(proportion(1, 4))
    >>> entry["value"], entry["count"], sorted(entry)
    (0.25, 1, ['count', 'se', 'value', 'wilson_high', 'wilson_low'])
    """
    if p is None:
        return None
    return {
        "value": json_number(p.value),
        "se": json_number(p.se),
        "wilson_low": json_number(p.low),
        "wilson_high": json_number(p.high),
        "count": p.k,
    }


def estimate_entry(e: Estimate) -> dict:
    """A mean as JSON: ``mean`` and ``se`` (``None`` for fewer than two replications).

    >>> import drawdown
    >>> from drawdown.results import mean_estimate
    >>> estimate_entry(mean_estimate(1, 5, 25))
    {'mean': 5.0, 'se': None}
    """
    return {"mean": json_number(e.mean), "se": json_number(e.se)}


def run_entries(book: Book, scenario: Scenario, n: int) -> dict:
    """What the document says of the run, from ``scenario`` to ``deadline_day``.

    Parameters
    ----------
    book : Book
        The summary's book.
    scenario : Scenario
        The scenario summarised (for its name and dates).
    n : int
        Replications.

    Returns
    -------
    dict
        ``scenario``, ``scenario_hash``, ``seed``, ``replications``, ``engine``,
        ``version``, ``numpy_version``, ``scipy_version``, ``block_size``, ``start``,
        ``horizon_days``, ``horizon_date``, ``deadline`` (``None`` without one) and
        ``deadline_day``, in this order. The seed is its decimal digits, a string
        (:func:`drawdown.draws.seed_text`; :func:`drawdown.draws.read_seed` reads it, or
        the number older files hold).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.results import book_of
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = run_entries(book_of(s, seed=2, engine="numpy", block_size=100), s, 100)
    >>> d["seed"], d["replications"], d["horizon_date"], d["deadline"]
    ('2', 100, '2022-08-08', '2021-05-01')
    """
    deadline = scenario.deadline if book.deadline_day is not None else None
    return {
        "scenario": scenario.name,
        "scenario_hash": book.scenario_hash,
        "seed": seed_text(book.seed),  # a string: a 128-bit seed is no JSON number most readers keep
        "replications": n,
        "engine": book.engine,
        "version": book.version,
        "numpy_version": book.numpy_version,
        "scipy_version": book.scipy_version,
        "block_size": book.block_size,
        "start": scenario.start.isoformat(),
        "horizon_days": book.horizon_days,
        "horizon_date": scenario.date_of(book.horizon_days - 1).isoformat(),
        "deadline": None if deadline is None else deadline.isoformat(),
        "deadline_day": book.deadline_day,
    }


def contingent_entries(scenario: Scenario, exit_quantiles: Sequence[Sequence[int | None]]) -> list[dict]:
    """One entry per contingent, in scenario order: ``id``, ``nation``, ``base`` (its
    name), ``troops`` and the exit days and dates of the :data:`QUANTILES`.

    Parameters
    ----------
    scenario : Scenario
    exit_quantiles : sequence of sequences
        Per contingent, the exit days of the quantiles
        (:meth:`drawdown.results.Summary.contingent_exit_quantiles`).

    Examples
    --------
    >>> import drawdown
    >>> s = drawdown.load("doha-2021-05-01")
    >>> first = contingent_entries(s, [[10, 20, None]] * len(s.contingents))[0]
    >>> first["id"], first["exit_day"], first["exit_date"]["p50"]
    ('US@Bagram', {'p5': 10, 'p50': 20, 'p95': None}, '2021-03-07')
    """
    return [
        {
            "id": c.id,
            "nation": c.nation,
            "base": scenario.bases[c.base].name,
            "troops": int(c.troops),
            "exit_day": quantile_days(ex),
            "exit_date": quantile_dates(scenario, ex),
        }
        for c, ex in zip(scenario.contingents, exit_quantiles, strict=False)
    ]
