"""Per-replication outcomes (docs/design.md §3): one row per replication, the same in both engines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..draws import killed_and_wounded, reads_conditions
from ..limits import COUNT_DTYPE, DAY_DTYPE, TONNES_DTYPE, TROOPS_DTYPE
from ..scenario import Scenario

__all__ = [
    "Outcomes",
    "OUTCOME_DTYPES",
    "NETWORK_OUTCOME_DTYPES",
    "NATION_DAILY",
    "ALL_OUTCOME_DTYPES",
    "outcome_widths",
    "outcome_dtypes",
    "SPLIT_OUTCOME_DTYPES",
    "finish_outcomes",
    "DAY",
    "TROOPS",
    "TONNES",
    "COUNT",
]

#: The integer types of the outcomes, as :mod:`drawdown.limits` names them (the
#: validator's bounds are derived from the same names).
DAY: type[np.integer] = np.dtype(DAY_DTYPE).type
TROOPS: type[np.integer] = np.dtype(TROOPS_DTYPE).type
TONNES: type[np.integer] = np.dtype(TONNES_DTYPE).type
COUNT: type[np.integer] = np.dtype(COUNT_DTYPE).type

OUTCOME_DTYPES = {
    "decision_day": DAY,
    "met_day": DAY,
    "final_exit_day": DAY,
    "exit_day": DAY,
    "base_closed_day": DAY,
    "attacks": COUNT,
    "casualties": COUNT,
    "troop_days_past_deadline": COUNT,
    "troops_at_deadline": COUNT,
    "met_deadline": np.bool_,
    "left_before_conditions": np.bool_,
    "censored": np.bool_,
}

#: The outcomes only a network scenario has (model v2, docs/network.md "Outputs"):
#: phases (R, P); legs, then exits (R, L+E); contingents (R, C): the day at whose end
#: all of a contingent's equipment is gone, handed over, disposed of or out (-1 never).
NETWORK_OUTCOME_DTYPES = {
    "phase_complete_day": DAY,
    "carried_troops": COUNT,
    "carried_t": COUNT,
    "days_at_capacity": DAY,
    "equipment_complete_day": DAY,
}

#: The outcomes of a scenario that splits casualties (``threat.killed_per_attack``,
#: MODEL-V2 §4), per replication: ``killed + wounded == casualties``.
SPLIT_OUTCOME_DTYPES = {"killed": COUNT, "wounded": COUNT}

#: Every per-replication outcome a scenario may have: v1's, the network ones, killed and wounded.
ALL_OUTCOME_DTYPES = {**OUTCOME_DTYPES, **NETWORK_OUTCOME_DTYPES, **SPLIT_OUTCOME_DTYPES}


def outcome_widths(scenario: Scenario) -> dict[str, int]:
    """Columns of each two-dimensional outcome of ``scenario``; its outcomes are
    :data:`OUTCOME_DTYPES` and, for a network scenario, these network ones too.

    >>> import drawdown
    >>> outcome_widths(drawdown.load("doha-2021-05-01"))
    {'exit_day': 40, 'base_closed_day': 6}
    """
    widths = {"exit_day": len(scenario.contingents), "base_closed_day": len(scenario.bases)}
    if scenario.network is not None and scenario.plan is not None:
        ways = len(scenario.network.legs) + len(scenario.network.exits)
        widths["phase_complete_day"] = len(scenario.plan.phases)
        widths.update(carried_troops=ways, carried_t=ways, days_at_capacity=ways)
        widths["equipment_complete_day"] = len(scenario.contingents)
    return widths


def outcome_dtypes(scenario: Scenario) -> dict[str, type]:
    """The outcomes ``scenario`` has, with their types (:data:`ALL_OUTCOME_DTYPES`, in order)."""
    out = dict(OUTCOME_DTYPES)
    if scenario.network is not None:
        out.update(NETWORK_OUTCOME_DTYPES)
    if scenario.threat.splits_casualties:
        out.update(SPLIT_OUTCOME_DTYPES)
    return out


#: The per-nation daily arrays, recorded only when asked (``record_nations``):
#: (R, H, nations in ``Scenario.nations`` order).
NATION_DAILY = ("nation_troops", "nation_out_t", "nation_gone_t")


@dataclass
class Outcomes:
    """Outcomes of a set of replications, in replication order.

    Days are int32 counted from the scenario's start, ``-1`` for "never":
    ``decision_day``, ``met_day`` (conditions met), ``final_exit_day``, ``exit_day``
    (replications × contingents, scenario order), ``base_closed_day`` (replications ×
    bases). Counts are int64: ``attacks``, ``casualties``, ``troop_days_past_deadline``
    (end-of-day troops summed over days ``t >= deadline``), ``troops_at_deadline``
    (end of the deadline day; 0 without a deadline). Booleans: ``met_deadline``,
    ``left_before_conditions``, ``censored``.

    ``troops_in_country`` (int32) and ``retrograde_lifted_t`` (int64, cumulative
    tonnes) are per replication and day, ``(R, H)``, when the run recorded them.

    A network scenario (docs/network.md) also has ``phase_complete_day`` (R, P),
    ``carried_troops``, ``carried_t`` and ``days_at_capacity`` (R, legs + exits); they
    are None for a v1 scenario, as is ``equipment_complete_day`` (R, C: the day at whose
    end all of a contingent's equipment is gone: handed over, disposed of in place or
    out; -1 when not within the horizon). ``nation_troops`` (int32) and ``nation_out_t`` (int64,
    cumulative tonnes out) are per replication, day and nation, ``(R, H, N)``, when the
    run recorded them (``record_nations``); the network engines then also record
    ``nation_gone_t`` (int64, cumulative tonnes of equipment gone: handed over, disposed
    of in place or out; MODEL-V2 §3's ``equipment_complete`` is it over the nation's
    ``equipment_t``). ``killed`` and ``wounded`` (int64, ``killed +
    wounded == casualties``) are there when the scenario splits casualties
    (``threat.killed_per_attack``), else None.
    """

    decision_day: np.ndarray
    met_day: np.ndarray
    final_exit_day: np.ndarray
    exit_day: np.ndarray
    base_closed_day: np.ndarray
    attacks: np.ndarray
    casualties: np.ndarray
    troop_days_past_deadline: np.ndarray
    troops_at_deadline: np.ndarray
    met_deadline: np.ndarray
    left_before_conditions: np.ndarray
    censored: np.ndarray
    troops_in_country: np.ndarray | None = None
    retrograde_lifted_t: np.ndarray | None = None
    phase_complete_day: np.ndarray | None = None
    carried_troops: np.ndarray | None = None
    carried_t: np.ndarray | None = None
    days_at_capacity: np.ndarray | None = None
    equipment_complete_day: np.ndarray | None = None
    nation_troops: np.ndarray | None = None
    nation_out_t: np.ndarray | None = None
    nation_gone_t: np.ndarray | None = None
    killed: np.ndarray | None = None
    wounded: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.final_exit_day)

    def arrays(self, *, daily: bool = False) -> dict:
        """The outcome arrays by name (the per-day ones only with ``daily``).

        A network scenario's outcomes (:data:`NETWORK_OUTCOME_DTYPES`) follow the v1
        ones; the per-nation daily arrays are never among them (see :data:`NATION_DAILY`).
        """
        out = {k: getattr(self, k) for k in OUTCOME_DTYPES}
        out.update({k: getattr(self, k) for k in NETWORK_OUTCOME_DTYPES if getattr(self, k) is not None})
        out.update({k: getattr(self, k) for k in SPLIT_OUTCOME_DTYPES if getattr(self, k) is not None})
        if daily and self.troops_in_country is not None:
            out["troops_in_country"] = self.troops_in_country
            out["retrograde_lifted_t"] = self.retrograde_lifted_t
        return out

    def rows(self, start: int, stop: int) -> Outcomes:
        """The replications ``start:stop`` (views of these arrays, per-day ones included)."""
        kw: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            kw[f.name] = None if v is None else v[start:stop]
        return type(self)(**kw)

    @classmethod
    def concatenate(cls, parts: Iterable[Outcomes]) -> Outcomes:
        parts = list(parts)
        kw: dict[str, Any] = {}
        for f in fields(cls):
            values = [getattr(p, f.name) for p in parts]
            kw[f.name] = None if any(v is None for v in values) else np.concatenate(values)
        return cls(**kw)

    def retrograde_complete(self, liftable_t: int) -> np.ndarray:
        """Share of the liftable equipment out at the end of each day, ``(R, H)`` float64."""
        if self.retrograde_lifted_t is None:
            raise ValueError("these outcomes have no per-day arrays (run with record_daily)")
        if liftable_t == 0:
            return np.ones(self.retrograde_lifted_t.shape)
        return self.retrograde_lifted_t / float(liftable_t)


def base_closed_days(scenario: Scenario, ready_day: np.ndarray, exit_day: np.ndarray) -> np.ndarray:
    """First day after which no troops count at each base ever again; -1 if never.

    A ``via`` contingent leaves its home base on its ready day and its via base on its
    exit day; any other contingent leaves its base on its exit day.
    """
    R = exit_day.shape[0]
    out = np.zeros((R, len(scenario.bases)), dtype=np.int32)
    never = np.zeros((R, len(scenario.bases)), dtype=bool)
    for i, c in enumerate(scenario.contingents):
        leaves = [(c.base, ready_day[:, i] if c.flies_from != c.base else exit_day[:, i])]
        if c.flies_from != c.base:
            leaves.append((c.flies_from, exit_day[:, i]))
        for b, day in leaves:
            never[:, b] |= day < 0
            out[:, b] = np.maximum(out[:, b], day)
    return np.where(never, -1, out).astype(np.int32)


def finish_outcomes(
    scenario: Scenario,
    *,
    decision_day: np.ndarray,
    met_day: np.ndarray,
    ready_day: np.ndarray,
    exit_day: np.ndarray,
    attacks: np.ndarray,
    casualties: np.ndarray,
    troop_days_past_deadline: np.ndarray,
    troops_at_deadline: np.ndarray,
    troops_in_country: np.ndarray | None = None,
    retrograde_lifted_t: np.ndarray | None = None,
    base_closed_day: np.ndarray | None = None,
    killed_draw: np.ndarray | None = None,
    **network: np.ndarray | None,
) -> Outcomes:
    """Derive the summary outcomes of each replication from what an engine recorded.

    ``base_closed_day``, when given (the network engines), is taken as recorded instead
    of being derived from the ready and exit days (v1). ``network`` holds the
    network-only and per-nation arrays by their :class:`Outcomes` names
    (:data:`NETWORK_OUTCOME_DTYPES`, :data:`NATION_DAILY`), cast to their types.
    Where the scenario splits casualties, ``killed_draw`` (the ``killed`` stream's
    uniform of each replication) splits them into killed and wounded
    (:func:`drawdown.draws.killed_and_wounded`).
    """
    unknown = set(network) - set(NETWORK_OUTCOME_DTYPES) - set(NATION_DAILY)
    if unknown:
        raise TypeError(f"finish_outcomes got unknown outcomes {sorted(unknown)}")
    extra = {
        k: None if v is None else np.asarray(v, dtype=NETWORK_OUTCOME_DTYPES[k])
        for k, v in network.items()
        if k in NETWORK_OUTCOME_DTYPES
    }
    extra.update({k: v for k, v in network.items() if k in NATION_DAILY})
    exit_day = np.asarray(exit_day, dtype=np.int32)
    ready_day = np.asarray(ready_day)
    ready_day = np.where(ready_day < scenario.horizon_days, ready_day, -1)
    censored = (exit_day < 0).any(axis=1)
    final = np.where(censored, -1, exit_day.max(axis=1, initial=-1)).astype(np.int32)
    D = scenario.deadline_day
    met_deadline = ~censored & (final <= D) if D is not None else np.zeros(len(final), dtype=bool)
    met_day = np.asarray(met_day, dtype=np.int32)
    left_early = ~censored & ((met_day < 0) | (final < met_day))
    if not reads_conditions(scenario):  # the conditions are not modelled: no one leaves before them
        left_early = np.zeros(len(final), dtype=bool)
    casualties = np.asarray(casualties, dtype=np.int64)
    if scenario.threat.splits_casualties:
        if killed_draw is None:
            raise TypeError("a scenario that splits casualties needs killed_draw")
        assert scenario.threat.killed_share is not None
        extra["killed"], extra["wounded"] = killed_and_wounded(scenario.threat.killed_share, casualties, killed_draw)
    return Outcomes(
        decision_day=np.asarray(decision_day, dtype=np.int32),
        met_day=met_day,
        final_exit_day=final,
        exit_day=exit_day,
        base_closed_day=(
            base_closed_days(scenario, ready_day, exit_day)
            if base_closed_day is None
            else np.asarray(base_closed_day, dtype=np.int32)
        ),
        attacks=np.asarray(attacks, dtype=np.int64),
        casualties=casualties,
        troop_days_past_deadline=np.asarray(troop_days_past_deadline, dtype=np.int64),
        troops_at_deadline=np.asarray(troops_at_deadline, dtype=np.int64),
        met_deadline=np.asarray(met_deadline, dtype=bool),
        left_before_conditions=np.asarray(left_early, dtype=bool),
        censored=np.asarray(censored, dtype=bool),
        troops_in_country=troops_in_country,
        retrograde_lifted_t=retrograde_lifted_t,
        **extra,
    )
