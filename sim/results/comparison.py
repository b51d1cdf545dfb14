"""Comparing scenarios with common random numbers: paired differences (``drawdown compare``).

Every scenario runs the same blocks with the same seed, so replication ``i`` of each
sees the same draws (docs/design.md §2): the differences between scenarios are computed
replication by replication, and their Monte Carlo error is usually far smaller than
that of two independent runs. For each scenario after the first (the baseline) a
:class:`Comparison` reports, with a 95% confidence interval from the paired
replications and the standard error an unpaired comparison would have had:

* the difference in the probability of meeting the deadline (of being out by the
  horizon when a scenario has no deadline), from exact integer sums of the per-
  replication differences and their squares;
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
    "MEASURES",
    "Comparison",
    "Difference",
    "PairedSums",
    "folder_names",
    "headline_indicator",
    "probability_name",
]


#: Bootstrap resamples for the median's standard errors and interval.
BOOTSTRAP_RESAMPLES = 400
#: The outcomes compared: the headline probability, the median final exit day, mean
#: casualties, and the mean days from the order to the last troops out.
MEASURES = ("probability", "median_final_exit_day", "casualties", "withdrawal_days")
#: spawn_key of the bootstrap's generator: far from any block number.
_BOOTSTRAP_KEY = 2**32 - 1

Difference = namedtuple("Difference", "estimate low high se_paired se_unpaired n")
Difference.__doc__ = """A difference ``other - baseline`` with its 95% confidence interval
``[low, high]`` and standard error from the paired replications, and the standard error
an unpaired comparison (independent runs) would have had. ``None`` where undefined
(a median among replications not out by the horizon)."""


def probability_name(scenarios: Iterable[ScenarioLike]) -> str:
    """The headline probability of a comparison: ``met_deadline`` when every scenario has a deadline."""
    return "met_deadline" if all(facts_of(s).deadline_day is not None for s in scenarios) else "out_by_horizon"


def headline_indicator(out: Outcomes, name: str) -> np.ndarray:
    """Per replication, 1 where the headline probability's event holds, as int64."""
    return (out.met_deadline if name == "met_deadline" else ~out.censored).astype(np.int64)


class PairedSums:
    """Integer sums of the paired differences of scenario ``j`` and the baseline."""

    def __init__(self, H0: int, H1: int) -> None:
        self.sums = {"probability": [0, 0], "casualties": [0, 0]}  # sum d, sum d^2
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
    probability : str
        ``"met_deadline"`` when every scenario has a deadline, else ``"out_by_horizon"``.
    """

    def __init__(
        self,
        scenarios: Iterable[ScenarioLike],
        summaries: Iterable[Summary | None],
        pairs: Iterable[PairedSums],
        probability: str,
        durations: Iterable[Sequence[int]],
    ) -> None:
        self.scenarios = list(scenarios)
        self.summaries = [_present(s) for s in summaries]
        self._pairs = list(pairs)
        self.probability = probability
        self._durations = [list(d) for d in durations]  # per scenario: count, sum, sum of squares

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
        return Comparison(self.scenarios, summaries, pairs, self.probability, durations)

    def withdrawal_days(self, k: int) -> Estimate:
        """Mean days from the order to the last troops out in scenario ``k``, over its
        replications with an order that finish within the horizon: an
        :class:`~drawdown.results.Estimate` (``nan`` mean when there are none)."""
        m, s, s2 = self._durations[k]
        return mean_estimate(m, s, s2)

    def _p(self, summary: Summary) -> Probability:
        p = summary.probability(self.probability)
        if p is None:  # met_deadline is the comparison's only when every scenario has a deadline
            raise ResultError(f"{summary.scenario_name!r} has no probability {self.probability!r}")
        return p

    def difference(self, j: int, measure: str, *, resamples: int = BOOTSTRAP_RESAMPLES) -> Difference:
        """Difference of scenario ``j`` (1, 2, ...) from the baseline in ``measure``.

        Parameters
        ----------
        j : int
            Index of the scenario (not 0: the baseline).
        measure : {"probability", "median_final_exit_day", "casualties", "withdrawal_days"}
            ``withdrawal_days`` is over the replications where both scenarios give the
            order and finish within the horizon (``n`` of the result says how many).
        """
        if not 1 <= j < len(self.summaries):
            raise IndexError(f"scenario {j}: compare 1 .. {len(self.summaries) - 1} with the baseline")
        base, other, pair = self.summaries[0], self.summaries[j], self._pairs[j - 1]
        n = base.n
        if measure == "probability":
            s, s2 = pair.sums["probability"]
            k0, k1 = self._p(base).k, self._p(other).k
            return _mean_difference(n, s, s2, _binary_var(k0, n), _binary_var(k1, n))
        if measure == "casualties":
            s, s2 = pair.sums["casualties"]
            return _mean_difference(n, s, s2, _count_var(base, "casualties"), _count_var(other, "casualties"))
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
        raise KeyError(f"no measure {measure!r}; have {list(MEASURES)}")

    # -- reports --------------------------------------------------------------------------
    def to_json_dict(self) -> dict:
        """The comparison as plain JSON data (``drawdown compare --json``)."""
        first = self.summaries[0]
        scen = []
        for s, summary, folder in zip(self.scenarios, self.summaries, folder_names(self.names), strict=False):
            d = summary.to_json_dict(cast(Scenario, s))  # a stored comparison's facts cannot make one
            scen.append(
                {
                    k: d[k]
                    for k in (
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
                }
            )
            scen[-1]["dir"] = folder
            w = self.withdrawal_days(len(scen) - 1)
            scen[-1]["withdrawal_days"] = {"mean": json_number(w.mean), "se": json_number(w.se), "count": w.n}
            scen[-1]["warnings"] = summary.warnings()
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
            row["probability"]["name"] = self.probability
            row["median_final_exit_day"]["method"] = f"bootstrap, {BOOTSTRAP_RESAMPLES} resamples"
            diffs.append(row)
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "comparison",
            "seed": int(first.seed),
            "replications": first.n,
            "engine": first.engine,
            "version": first.book.version,
            "block_size": first.block_size,
            "probability": self.probability,
            "baseline": self.names[0],
            "scenarios": scen,
            "differences": diffs,
        }

    def table(self, *, fresh_seed: bool = False) -> str:
        """The comparison as text (what ``drawdown compare`` prints)."""
        first = self.summaries[0]
        pname = "P(met deadline)" if self.probability == "met_deadline" else "P(out by horizon)"
        reps = f"{first.n} replication{'' if first.n == 1 else 's'}"
        lines = [
            f"compare       {len(self.summaries)} scenarios, {reps} each, engine {first.engine}, "
            f"seed {first.seed}  (common random numbers)"
            + (f"\n              fresh seed: pass --seed {first.seed} to repeat" if fresh_seed else ""),
            "",
        ]
        width = max(len("scenario"), *(len(x) for x in self.names))
        lines.append("mean withdrawal: days from the order to the last troops out, where both happen")
        lines.append(
            f"{'scenario':<{width}}  {'deadline':<10}  {pname:<17}  {'median final exit':<21}  "
            f"{'mean casualties':<16}  {'mean withdrawal':<15}  censored"
        )
        for k, (s, summary) in enumerate(zip(self.scenarios, self.summaries, strict=False)):
            f = facts_of(s)
            p = self._p(summary)
            med = summary.quantile("final_exit_day", 0.5)
            med_text = "not out by horizon" if med is None else f"{f.date_of(med).isoformat()} (day {med})"
            cas = summary.estimate("casualties")
            dl = f.deadline.isoformat() if f.deadline else "none"
            w = self.withdrawal_days(k)
            w_text = "n/a" if w.n == 0 else f"{w.mean:.1f} days"
            lines.append(
                f"{f.name:<{width}}  {dl:<10}  {p.value:.3f} ± {p.se:.3f}      {med_text:<21}  "
                f"{cas.mean:>7.2f} ± {_fmt(cas.se, '{:.2f}', 'n/a'):<6}  {w_text:<15}  "
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
                for m, label, fmt, unit in (
                    ("probability", pname, "{:+.3f}", ""),
                    ("median_final_exit_day", "median final exit", "{:+.0f}", " days"),
                    ("casualties", "mean casualties", "{:+.2f}", ""),
                    ("withdrawal_days", "mean withdrawal", "{:+.2f}", " days"),
                ):
                    d = self.difference(j, m)
                    est = _fmt(d.estimate, fmt, "n/a") + ("" if d.estimate is None else unit)
                    ci = f"[{_fmt(d.low, fmt, '?')}, {_fmt(d.high, fmt, '?')}]"
                    lines.append(
                        f"  {label:<19}  {est:<12}  {ci:<18}  "
                        f"s.e. {_fmt(d.se_paired, '{:.4g}', 'n/a')} / {_fmt(d.se_unpaired, '{:.4g}', 'n/a')}"
                    )
        return "\n".join(lines)


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
