"""Comparing scenarios with common random numbers: paired differences (``drawdown compare``).

Every scenario runs the same blocks with the same seed, so replication ``i`` of each
sees the same draws (docs/design.md §2): the differences between scenarios are computed
replication by replication, and their Monte Carlo error is usually far smaller than
that of two independent runs. For each scenario after the first (the baseline) a
:class:`Comparison` reports, with a 95% confidence interval from the paired
replications and the standard error an unpaired comparison would have had:

* the difference in the probability of being out by each scenario's own deadline
  (``p_met_deadline``; undefined, ``None``, where either scenario has no deadline), and
  in the probability of being out by the horizon (``p_out_by_horizon``, defined for
  every scenario), each from exact integer sums of the per-replication differences and
  their squares. Each measure keeps its meaning on every row: a scenario without a
  deadline leaves its ``p_met_deadline`` blank, it never switches another measure in;
* the difference in mean casualties, likewise;
* the difference in the mean duration of the withdrawal, days from the order to the last
  troops out, over the replications where both scenarios give the order and finish
  within the horizon, likewise. Where the scenarios differ in *when* the order comes
  (a council that must agree against a fixed date), the calendar outcomes share little
  randomness and pairing gains little on them; the withdrawal itself (national delays,
  preparation, airlift) shares its draws, and there pairing gains most;
* the difference in median final exit day, from the joint histogram of the two final
  exit days (an exact integer count, censored replications in a last bin) by a
  bootstrap seeded from the run's seed: resampling replication pairs for the paired
  error, each scenario's replications independently for the unpaired one.

Like :class:`~drawdown.results.Summary`, a comparison holds integers only and merges
exactly: the comparisons of disjoint sets of blocks merge into the comparison of all.

Example
-------
>>> import drawdown
>>> from drawdown.batch import compare
>>> a, b = drawdown.load("doha-2021-05-01"), drawdown.load("announced-2021-09-11")
>>> c = compare([a, b], 500, seed=1)
>>> d = c.difference(1, "withdrawal_days")  # order to last out: the same draws
>>> d.se_paired < d.se_unpaired
True
"""

from __future__ import annotations

import math
import re
from collections import namedtuple
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np

from ..draws import seed_text
from ..engines import Outcomes
from ..errors import ResultError
from ..scenario import Scenario
from .document import SCHEMA_VERSION, json_number
from .facts import ScenarioLike, facts_of
from .stats import (
    Z95,
    Estimate,
    Probability,
    bootstrap_se,
    exact_sums,
    mean_estimate,
    quantile_rank,
    sample_variance,
    standard_error,
)
from .summary import Summary

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "COMPARE_COLUMNS",
    "MEASURES",
    "MEASURE_LABELS",
    "SPLIT_MEASURES",
    "Comparison",
    "Difference",
    "PairedSums",
    "folder_names",
    "headline_indicator",
    "headline_measure",
    "paired_se_for_precision",
    "probability_name",
]


#: Bootstrap resamples for the median's standard errors and interval.
BOOTSTRAP_RESAMPLES = 400
#: The outcomes compared, each with one meaning on every row: P(out by the scenario's own
#: deadline) (none without a deadline), P(out by the horizon), the median final exit day,
#: mean casualties, mean killed and mean wounded (none unless both scenarios split their
#: casualties, ``threat.killed_per_attack``), and the mean days from the order to the
#: last troops out.
MEASURES = (
    "p_met_deadline",
    "p_out_by_horizon",
    "median_final_exit_day",
    "casualties",
    "killed",
    "wounded",
    "withdrawal_days",
)
#: The measures only scenarios that split casualties into killed and wounded have.
SPLIT_MEASURES = ("killed", "wounded")
#: How tables and plots name each measure.
MEASURE_LABELS = {
    "p_met_deadline": "P(out by deadline)",
    "p_out_by_horizon": "P(out by horizon)",
    "median_final_exit_day": "median final exit",
    "casualties": "mean casualties",
    "killed": "mean killed",
    "wounded": "mean wounded",
    "withdrawal_days": "mean withdrawal",
}
#: The event of each probability measure (:meth:`Summary.probability`).
_EVENTS = {"p_met_deadline": "met_deadline", "p_out_by_horizon": "out_by_horizon"}
#: spawn_key of the bootstrap's generator: far from any block number.
_BOOTSTRAP_KEY = 2**32 - 1

Difference = namedtuple("Difference", "estimate low high se_paired se_unpaired n")
Difference.__doc__ = """A difference ``other - baseline`` with its 95% confidence interval
``[low, high]`` and standard error from the paired replications, and the standard error
an unpaired comparison (independent runs) would have had. ``None`` where undefined
(a median among replications not out by the horizon)."""


def probability_name(scenarios: Iterable[ScenarioLike]) -> str:
    """``met_deadline`` when every scenario has a deadline, else ``out_by_horizon``.

    Kept for callers of earlier versions: a :class:`Comparison` no longer has one
    headline for all rows (each measure has its own column, :data:`MEASURES`).
    """
    return "met_deadline" if all(facts_of(s).deadline_day is not None for s in scenarios) else "out_by_horizon"


def headline_indicator(out: Outcomes, name: str) -> np.ndarray:
    """Per replication, 1 where event ``name`` (``met_deadline`` or ``out_by_horizon``) holds, as int64."""
    return (out.met_deadline if name == "met_deadline" else ~out.censored).astype(np.int64)


def headline_measure(baseline: ScenarioLike, other: ScenarioLike) -> str:
    """The measure ``--precision`` controls for a pair: ``p_met_deadline`` where both
    scenarios have a deadline, else ``p_out_by_horizon`` (the one both have).

    >>> import drawdown
    >>> a, c = drawdown.load("doha-2021-05-01"), drawdown.load("conditions-based")
    >>> headline_measure(a, a), headline_measure(a, c)
    ('p_met_deadline', 'p_out_by_horizon')
    """
    both = facts_of(baseline).deadline_day is not None and facts_of(other).deadline_day is not None
    return "p_met_deadline" if both else "p_out_by_horizon"


def paired_se_for_precision(n: int, s: int, s2: int) -> float:
    """The standard error ``--precision`` compares with its target, for ``n`` paired
    differences of two probabilities (exact sums ``s`` of the differences and ``s2`` of
    their squares).

    The paired standard error as if two more pairs, of differences +1 and -1, had been
    seen (in the spirit of Agresti and Caffo's interval): two scenarios that agree on
    every replication of a first block have a paired error of 0, which would stop a
    comparison after one block; this one is about ``1 / n`` there and the plain paired
    error for large ``n``.

    >>> round(paired_se_for_precision(1000, 0, 0), 5)
    0.00141
    >>> round(paired_se_for_precision(10**6, 1000, 300_000), 6)
    0.000548
    """
    m = n + 2
    return standard_error(sample_variance(m, s, s2 + 2), m)


class PairedSums:
    """Integer sums of the paired differences of scenario ``j`` and the baseline."""

    def __init__(self, H0: int, H1: int) -> None:
        # sum d, sum d^2 of each event's indicator and of casualties
        self.sums = {k: [0, 0] for k in ("met_deadline", "out_by_horizon", "casualties", "killed", "wounded")}
        # replications where both have a withdrawal duration: count, sums and sums of
        # squares of the baseline's, the other's and their differences
        self.durations = [0, 0, 0, 0, 0, 0, 0]
        self.joint = np.zeros((H0 + 1, H1 + 1), dtype=np.int64)

    def add(self, base: dict, other: dict) -> None:
        for k in self.sums:
            s, s2 = exact_sums(other[k] - base[k])
            self.sums[k][0] += s
            self.sums[k][1] += s2
        both = (base["duration"] >= 0) & (other["duration"] >= 0)
        x, y = base["duration"][both], other["duration"][both]
        acc = [int(both.sum()), *exact_sums(x), *exact_sums(y), *exact_sums(y - x)]
        self.durations = [u + v for u, v in zip(self.durations, acc, strict=True)]
        H0, H1 = self.joint.shape[0] - 1, self.joint.shape[1] - 1
        a = np.where(base["final"] < 0, H0, base["final"]).astype(np.int64)
        b = np.where(other["final"] < 0, H1, other["final"]).astype(np.int64)
        self.joint += np.bincount(a * (H1 + 1) + b, minlength=self.joint.size).reshape(self.joint.shape)

    def merged(self, other: PairedSums) -> PairedSums:
        out = PairedSums(self.joint.shape[0] - 1, self.joint.shape[1] - 1)
        for k in out.sums:
            out.sums[k] = [self.sums[k][0] + other.sums[k][0], self.sums[k][1] + other.sums[k][1]]
        out.durations = [u + v for u, v in zip(self.durations, other.durations, strict=True)]
        out.joint = self.joint + other.joint
        return out


def _mean_difference(n: int, s: int, s2: int, var0: float, var1: float) -> Difference:
    """The mean of ``n`` paired differences (exact sums ``s``, ``s2``), its 95% interval
    and standard error, and the standard error of two independent means of variances
    ``var0`` and ``var1``."""
    mean = s / n
    if n < 2:
        return Difference(mean, None, None, None, None, n)
    se = standard_error(sample_variance(n, s, s2), n)  # >= 0: n * s2 >= s**2 exactly
    unpaired = standard_error(var0 + var1, n)
    return Difference(mean, mean - Z95 * se, mean + Z95 * se, se, unpaired, n)


def _binary_var(k: int, n: int) -> float:
    return sample_variance(n, k, k)  # the sum of squares of 0/1 values is their sum


def _count_var(summary: Summary, name: str) -> float:
    return sample_variance(summary.n, summary.sums[name], summary.sumsq[name])


def _present(summary: Summary | None) -> Summary:
    """A scenario's summary; an error where a scenario has none (nothing was run)."""
    if summary is None:
        raise ResultError("a comparison needs a summary of every scenario")
    return summary


def _medians(counts: np.ndarray, bins: np.ndarray, k: int) -> np.ndarray:
    """Per resample (row of ``counts``, cells in ``bins`` order, ``bins`` ascending), the
    bin holding the ``k``-th smallest value."""
    cum = np.cumsum(counts, axis=1)
    return bins[np.argmax(cum >= k, axis=1)]


def _bootstrap_median_difference(
    joint: np.ndarray, n: int, point: int | None, rng: np.random.Generator, resamples: int
) -> Difference:
    H0, H1 = joint.shape[0] - 1, joint.shape[1] - 1
    if point is None:
        return Difference(None, None, None, None, None, n)
    k = quantile_rank(n, 0.5)
    rows, cols = np.nonzero(joint)
    cells = joint[rows, cols].astype(np.float64)
    draws = rng.multinomial(n, cells / cells.sum(), size=resamples)
    oa, ob = np.argsort(rows, kind="stable"), np.argsort(cols, kind="stable")
    ma = _medians(draws[:, oa], rows[oa], k)
    mb = _medians(draws[:, ob], cols[ob], k)
    paired = _differences(ma, mb, H0, H1)
    # Unpaired: the baseline's resample is the row margin of the paired one (itself a
    # multinomial resample of the baseline alone), the other's an independent one; so
    # the two errors differ by the pairing, not by the noise of separate resamples.
    m1 = joint.sum(axis=0)
    ub = _medians(rng.multinomial(n, m1 / n, size=resamples), np.arange(H1 + 1), k)
    unpaired = _differences(ma, ub, H0, H1)
    s = np.sort(paired)
    lo, hi = s[int(math.floor(0.025 * (resamples - 1)))], s[int(math.ceil(0.975 * (resamples - 1)))]
    return Difference(
        point,
        float(lo) if np.isfinite(lo) else None,
        float(hi) if np.isfinite(hi) else None,
        bootstrap_se(paired),
        bootstrap_se(unpaired),
        n,
    )


def _differences(a: np.ndarray, b: np.ndarray, H0: int, H1: int) -> np.ndarray:
    """``b - a`` in days; +inf when only ``b`` is not out by the horizon, -inf when only
    ``a``, nan when neither is."""
    a_never, b_never = a == H0, b == H1
    d = (b - a).astype(np.float64)
    d[b_never & ~a_never] = np.inf
    d[a_never & ~b_never] = -np.inf
    d[a_never & b_never] = np.nan
    return d


class Comparison:
    """Scenarios run with common random numbers, and their paired differences from the first.

    Attributes
    ----------
    scenarios : list
        The scenarios (Scenario objects, or facts for a stored comparison), baseline first.
    summaries : list of Summary
        Each scenario's summary (the same blocks and seed).
    precision : dict or None
        With ``precision=``: what the stopping rule achieved (:meth:`precision_status`).
    """

    def __init__(
        self,
        scenarios: Iterable[ScenarioLike],
        summaries: Iterable[Summary | None],
        pairs: Iterable[PairedSums],
        durations: Iterable[Sequence[int]],
        *,
        precision: dict | None = None,
    ) -> None:
        self.scenarios = list(scenarios)
        self.summaries = [_present(s) for s in summaries]
        self._pairs = list(pairs)
        self._durations = [list(d) for d in durations]  # per scenario: count, sum, sum of squares
        self.precision = precision

    @property
    def n(self) -> int:
        return self.summaries[0].n

    @property
    def seed(self) -> int:
        return self.summaries[0].seed

    @property
    def engine(self) -> str:
        return self.summaries[0].engine

    @property
    def names(self) -> list[str]:
        return [facts_of(s).name for s in self.scenarios]

    def merge(self, other: Comparison) -> Comparison:
        """The comparison of both sets of blocks (exact, like :meth:`Summary.merge`)."""
        if [s.scenario_hash for s in self.summaries] != [s.scenario_hash for s in other.summaries]:
            raise ResultError("cannot merge comparisons of different scenarios")
        summaries = [a.merge(b) for a, b in zip(self.summaries, other.summaries, strict=False)]
        pairs = [a.merged(b) for a, b in zip(self._pairs, other._pairs, strict=False)]
        durations = [
            [u + v for u, v in zip(a, b, strict=False)] for a, b in zip(self._durations, other._durations, strict=False)
        ]
        return Comparison(self.scenarios, summaries, pairs, durations)

    def withdrawal_days(self, k: int) -> Estimate:
        """Mean days from the order to the last troops out in scenario ``k``, over its
        replications with an order that finish within the horizon: an
        :class:`~drawdown.results.Estimate` (``nan`` mean when there are none)."""
        m, s, s2 = self._durations[k]
        return mean_estimate(m, s, s2)

    def has_deadline(self, k: int) -> bool:
        """Whether scenario ``k`` has a deadline (so a ``p_met_deadline``)."""
        return facts_of(self.scenarios[k]).deadline_day is not None

    def headline(self, j: int) -> str:
        """The measure ``--precision`` controls for scenario ``j`` against the baseline
        (:func:`headline_measure`)."""
        return headline_measure(self.scenarios[0], self.scenarios[j])

    def precision_se(self, j: int) -> float:
        """The standard error of the paired difference in :meth:`headline` of scenario
        ``j`` from the baseline, as ``--precision`` measures it (:func:`paired_se_for_precision`)."""
        s, s2 = self._pairs[j - 1].sums[_EVENTS[self.headline(j)]]
        return paired_se_for_precision(self.n, s, s2)

    def difference(self, j: int, measure: str, *, resamples: int = BOOTSTRAP_RESAMPLES) -> Difference:
        """Difference of scenario ``j`` (1, 2, ...) from the baseline in ``measure``.

        Parameters
        ----------
        j : int
            Index of the scenario (not 0: the baseline).
        measure : {"p_met_deadline", "p_out_by_horizon", "median_final_exit_day", "casualties", "killed", \
"wounded", "withdrawal_days"}
            ``p_met_deadline`` is each scenario's probability of being out by its own
            deadline: every field ``None`` where either has no deadline. ``killed`` and
            ``wounded`` likewise where either does not split its casualties.
            ``withdrawal_days`` is over the replications where both scenarios give the
            order and finish within the horizon (``n`` of the result says how many).

        Examples
        --------
        >>> import drawdown
        >>> from drawdown.batch import compare
        >>> c = compare([drawdown.load("doha-2021-05-01"), drawdown.load("conditions-based")], 200, seed=1)
        >>> c.difference(1, "p_met_deadline").estimate is None, c.difference(1, "p_out_by_horizon").n
        (True, 200)
        """
        if not 1 <= j < len(self.summaries):
            raise IndexError(f"scenario {j}: compare 1 .. {len(self.summaries) - 1} with the baseline")
        base, other, pair = self.summaries[0], self.summaries[j], self._pairs[j - 1]
        n = base.n
        if measure in _EVENTS:
            if measure == "p_met_deadline" and not (self.has_deadline(0) and self.has_deadline(j)):
                return Difference(None, None, None, None, None, n)
            s, s2 = pair.sums[_EVENTS[measure]]
            k0, k1 = _probability(base, measure).k, _probability(other, measure).k
            return _mean_difference(n, s, s2, _binary_var(k0, n), _binary_var(k1, n))
        if measure in SPLIT_MEASURES and not (base.splits_casualties and other.splits_casualties):
            return Difference(None, None, None, None, None, n)
        if measure in ("casualties", *SPLIT_MEASURES):
            s, s2 = pair.sums[measure]
            return _mean_difference(n, s, s2, _count_var(base, measure), _count_var(other, measure))
        if measure == "withdrawal_days":
            m, sx, sx2, sy, sy2, sd, sd2 = pair.durations
            if m == 0:
                return Difference(None, None, None, None, None, 0)
            return _mean_difference(m, sd, sd2, sample_variance(m, sx, sx2), sample_variance(m, sy, sy2))
        if measure == "median_final_exit_day":
            m0, m1 = base.quantile("final_exit_day", 0.5), other.quantile("final_exit_day", 0.5)
            point = None if m0 is None or m1 is None else m1 - m0
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_BOOTSTRAP_KEY, j)))
            return _bootstrap_median_difference(pair.joint, n, point, rng, resamples)
        if measure == "probability":
            raise KeyError(
                "no measure 'probability': each probability has its own, 'p_met_deadline' (out by the "
                "scenario's own deadline) and 'p_out_by_horizon'"
            )
        raise KeyError(f"no measure {measure!r}; have {list(MEASURES)}")

    # -- reports --------------------------------------------------------------------------
    def to_json_dict(self) -> dict:
        """The comparison as plain JSON data (``drawdown compare --json``).

        Every scenario has ``p_met_deadline`` (``null`` without a deadline) and
        ``p_out_by_horizon``; every row of ``differences`` has one entry per measure of
        :data:`MEASURES`, ``null`` fields where a measure is undefined. The seed is a
        string of decimal digits (:func:`drawdown.draws.seed_text`).
        """
        first = self.summaries[0]
        scen = []
        for k, (s, summary, folder) in enumerate(
            zip(self.scenarios, self.summaries, folder_names(self.names), strict=False)
        ):
            d = summary.to_json_dict(cast(Scenario, s))  # a stored comparison's facts cannot make one
            entry = {k2: d[k2] for k2 in _SCENARIO_KEYS}
            entry.update({m: d.get(m) for m in SPLIT_MEASURES})  # null unless it splits casualties
            entry["dir"] = folder
            w = self.withdrawal_days(k)
            entry["withdrawal_days"] = {"mean": json_number(w.mean), "se": json_number(w.se), "count": w.n}
            entry["warnings"] = summary.warnings()
            scen.append(entry)
        diffs = []
        for j in range(1, len(self.summaries)):
            row: dict[str, Any] = {"scenario": self.names[j], "baseline": self.names[0]}
            for m in MEASURES:
                diff = self.difference(j, m)
                row[m] = {
                    "difference": json_number(diff.estimate),
                    "ci_low": json_number(diff.low),
                    "ci_high": json_number(diff.high),
                    "se_paired": json_number(diff.se_paired),
                    "se_unpaired": json_number(diff.se_unpaired),
                }
            row["withdrawal_days"]["count"] = self.difference(j, "withdrawal_days").n
            row["median_final_exit_day"]["method"] = f"bootstrap, {BOOTSTRAP_RESAMPLES} resamples"
            diffs.append(row)
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "comparison",
            "seed": seed_text(first.seed),
            "replications": first.n,
            "engine": first.engine,
            "version": first.book.version,
            "block_size": first.block_size,
            "measures": dict(_MEASURE_MEANINGS),
            "precision": None if self.precision is None else dict(self.precision),
            "baseline": self.names[0],
            "scenarios": scen,
            "differences": diffs,
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per scenario, columns :data:`COMPARE_COLUMNS` (``compare.csv``):
        each measure in its own column, ``None`` (an empty cell) where it is undefined
        (``p_met_deadline`` without a deadline, the differences of the baseline)."""
        doc = self.to_json_dict()
        rows = []
        for k, s in enumerate(doc["scenarios"]):
            row: dict[str, Any] = {
                "scenario": s["scenario"],
                "dir": s["dir"],
                "baseline": doc["baseline"],
                "seed": doc["seed"],
                "replications": doc["replications"],
                "engine": doc["engine"],
                "deadline": s["deadline"],
            }
            for m in _EVENTS:
                p = s[m]
                row[m] = None if p is None else p["value"]
                row[f"{m}_se"] = None if p is None else p["se"]
            row["median_final_exit_day"] = s["final_exit_day"]["p50"]
            row["median_final_exit_date"] = s["final_exit_date"]["p50"]
            row["casualties_mean"] = s["casualties"]["mean"]
            row["casualties_se"] = s["casualties"]["se"]
            for m in SPLIT_MEASURES:
                row[f"{m}_mean"] = s[m]["mean"] if s.get(m) else None
                row[f"{m}_se"] = s[m]["se"] if s.get(m) else None
            row["withdrawal_days_mean"] = s["withdrawal_days"]["mean"]
            row["censored_fraction"] = s["censored"]["fraction"]
            diff = doc["differences"][k - 1] if k else None
            for m in MEASURES:
                for field in _DIFF_FIELDS:
                    row[f"diff_{m}_{field}"] = None if diff is None else diff[m][field]
            rows.append(row)
        return rows

    def table(self, *, fresh_seed: bool = False) -> str:
        """The comparison as text (what ``drawdown compare`` prints): a column for each
        measure, "—" where a scenario has none (P(out by deadline) without a deadline)."""
        first = self.summaries[0]
        reps = f"{first.n} replication{'' if first.n == 1 else 's'}"
        lines = [
            f"compare       {len(self.summaries)} scenarios, {reps} each, engine {first.engine}, "
            f"seed {first.seed}  (common random numbers)"
            + (f"\n              fresh seed: pass --seed {first.seed} to repeat" if fresh_seed else ""),
        ]
        if self.precision is not None:
            lines.append(_precision_line(self.precision))
        lines.append("")
        width = max(len("scenario"), *(len(x) for x in self.names))
        lines.append("P(out by deadline): by the scenario's own deadline (— without one)")
        lines.append("mean withdrawal: days from the order to the last troops out, where both happen")
        lines.append(
            f"{'scenario':<{width}}  {'deadline':<10}  {'P(out by deadline)':<18}  {'P(out by horizon)':<17}  "
            f"{'median final exit':<21}  {'mean casualties':<16}  {'mean withdrawal':<15}  censored"
        )
        for k, (s, summary) in enumerate(zip(self.scenarios, self.summaries, strict=False)):
            f = facts_of(s)
            met, out = summary.probability("met_deadline"), _probability(summary, "p_out_by_horizon")
            met_text = "—" if met is None or not self.has_deadline(k) else f"{met.value:.3f} ± {met.se:.3f}"
            med = summary.quantile("final_exit_day", 0.5)
            med_text = "not out by horizon" if med is None else f"{f.date_of(med).isoformat()} (day {med})"
            cas = summary.estimate("casualties")
            dl = f.deadline.isoformat() if f.deadline else "none"
            w = self.withdrawal_days(k)
            w_text = "n/a" if w.n == 0 else f"{w.mean:.1f} days"
            lines.append(
                f"{f.name:<{width}}  {dl:<10}  {met_text:<18}  {out.value:.3f} ± {out.se:.3f}      "
                f"{med_text:<21}  {cas.mean:>7.2f} ± {_fmt(cas.se, '{:.2f}', 'n/a'):<6}  {w_text:<15}  "
                f"{100 * summary.censored_fraction:.1f}%"
            )
        if len(self.summaries) > 1:
            lines += [
                "",
                f"difference from {self.names[0]}: estimate [95% CI from the paired replications]; "
                "s.e. paired / unpaired",
            ]
            for j in range(1, len(self.summaries)):
                lines.append(self.names[j])
                lines.extend(self._difference_lines(j))
        return "\n".join(lines)

    def _difference_lines(self, j: int) -> list[str]:
        """The table's lines of scenario ``j``'s differences, one a measure."""
        lines = []
        split = self.summaries[0].splits_casualties and self.summaries[j].splits_casualties
        for m, fmt, unit in (
            ("p_met_deadline", "{:+.3f}", ""),
            ("p_out_by_horizon", "{:+.3f}", ""),
            ("median_final_exit_day", "{:+.0f}", " days"),
            ("casualties", "{:+.2f}", ""),
            ("killed", "{:+.2f}", ""),
            ("wounded", "{:+.2f}", ""),
            ("withdrawal_days", "{:+.2f}", " days"),
        ):
            label = MEASURE_LABELS[m]
            if m in SPLIT_MEASURES and not split:
                continue  # v1's casualties are not split: no line rather than a line of n/a
            if m == "p_met_deadline" and not (self.has_deadline(0) and self.has_deadline(j)):
                without = [self.names[k] for k in (0, j) if not self.has_deadline(k)]
                lines.append(f"  {label:<19}  —  ({' and '.join(without)}: no deadline)")
                continue
            d = self.difference(j, m)
            est = _fmt(d.estimate, fmt, "n/a") + ("" if d.estimate is None else unit)
            ci = f"[{_fmt(d.low, fmt, '?')}, {_fmt(d.high, fmt, '?')}]"
            lines.append(
                f"  {label:<19}  {est:<12}  {ci:<18}  "
                f"s.e. {_fmt(d.se_paired, '{:.4g}', 'n/a')} / {_fmt(d.se_unpaired, '{:.4g}', 'n/a')}"
            )
        return lines


#: What each measure means (the JSON document's ``measures``).
_MEASURE_MEANINGS = {
    "p_met_deadline": "probability of being out by the scenario's own deadline (null without a deadline)",
    "p_out_by_horizon": "probability of being out by the horizon",
    "median_final_exit_day": "median day of the last troops out (null: not out by the horizon)",
    "casualties": "mean casualties (killed and wounded)",
    "killed": "mean killed (null unless both scenarios split casualties into killed and wounded)",
    "wounded": "mean wounded (likewise)",
    "withdrawal_days": "mean days from the order to the last troops out, where both happen",
}
#: The entries of each scenario in the JSON document, from its summary's document.
_SCENARIO_KEYS = (
    "scenario",
    "scenario_hash",
    "deadline",
    "p_met_deadline",
    "p_out_by_horizon",
    "decision_date",
    "final_exit_day",
    "final_exit_date",
    "casualties",
    "censored",
)
_DIFF_FIELDS = ("difference", "ci_low", "ci_high", "se_paired", "se_unpaired")
#: The columns of ``compare.csv`` (:meth:`Comparison.csv_rows`).
COMPARE_COLUMNS = (
    "scenario",
    "dir",
    "baseline",
    "seed",
    "replications",
    "engine",
    "deadline",
    "p_met_deadline",
    "p_met_deadline_se",
    "p_out_by_horizon",
    "p_out_by_horizon_se",
    "median_final_exit_day",
    "median_final_exit_date",
    "casualties_mean",
    "casualties_se",
    "killed_mean",
    "killed_se",
    "wounded_mean",
    "wounded_se",
    "withdrawal_days_mean",
    "censored_fraction",
    *(f"diff_{m}_{f}" for m in MEASURES for f in _DIFF_FIELDS),
)


def _probability(summary: Summary, measure: str) -> Probability:
    p = summary.probability(_EVENTS[measure])
    if p is None:  # only met_deadline is ever missing, and callers check for a deadline first
        raise ResultError(f"{summary.scenario_name!r} has no probability {_EVENTS[measure]!r}")
    return p


def _precision_line(status: dict) -> str:
    """The table's line on what ``--precision`` achieved."""
    verdict = "reached" if status["met"] else "NOT reached (the cap)"
    return (
        f"precision     s.e. of each paired difference in {status['measure_text']} at most "
        f"{status['target']:g}: {verdict}, largest {status['se']:.4g} ({status['worst']})"
    )


def _fmt(x: float | None, fmt: str, none: str) -> str:
    return none if x is None or not math.isfinite(x) else fmt.format(x)


def folder_names(names: Iterable[str]) -> list[str]:
    """A folder name per scenario, unique, safe in a path: ``["doha-2021-05-01", ...]``.

    >>> folder_names(["a", "b/c", "a"])
    ['a', 'b_c', 'a-2']
    """
    out, seen = [], set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", str(name)).lstrip(".") or "scenario"
        folder, k = base, 1
        while folder in seen:
            k += 1
            folder = f"{base}-{k}"
        seen.add(folder)
        out.append(folder)
    return out
