"""The inputs of blocks: their random draws and everything that depends on no state of
the force (conditions index, decision day, attack rates, the attacks before the order),
computed by the same code for both engines.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .council import (
    MetDays,
    conditions_met_day,
    decision_days,
    decision_days_from,
    meeting_schedule,
    violence_index,
    violence_index_days,
)
from .layout import BLOCK_SIZE, BlockDraws, closure_span, earliest_start, first_drawn_days, stream
from .threat import attack_rates, attacks_before_order

__all__ = ["BlockInputs", "DAY_WINDOW_CELLS", "StateFree"]

#: Cells (days by the block's rows) of a whole-horizon stream drawn at a time by
#: :meth:`StateFree.by_days`: 8 MiB of float64.
DAY_WINDOW_CELLS = 2**20


def _joined(parts: list[np.ndarray], axis: int) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


class StateFree:
    """What depends on no state of the force, for the replications of some blocks.

    Every function here works column by column (replication by replication), so a
    replication's values are the same bits whether its block is computed alone or with
    others; the numpy engine computes several blocks at once, which costs less per
    replication, and the SimPy engine one block at a time.

    Parameters
    ----------
    scenario : Scenario
    draws : list of BlockDraws
        Their replications, in order, are the columns here.

    Attributes
    ----------
    violence : ndarray (H, R)
        The conditions index (empty, ``(0, R)``, from :meth:`by_days`).
    met_day, decision_day : ndarray (R,) int32
        Day conditions are met and day the order is given (-1 never).
    rate : ndarray (H,) or (H, R)
        Force-wide attack rate per day.
    first_drawn_day : ndarray (R,) int32
        Where each replication's per-day draws start (:func:`drawdown.draws.first_drawn_days`).
    attacks_before, casualties_before : ndarray (R,) int64
        Attacks and casualties of the days before it.
    killed_draw : ndarray (R,) or None
        The ``killed`` stream's uniform of each replication, where casualties are split
        into killed and wounded (:func:`drawdown.draws.killed_and_wounded`).
    """

    def __init__(self, scenario: Scenario, draws: list[BlockDraws]) -> None:
        H = scenario.horizon_days
        self.violence = violence_index(scenario.conditions, [d.violence for d in draws])
        self.met_day = conditions_met_day(scenario.conditions, self.violence)
        # Block by block: the council's draws are read on meeting days only, not joined.
        cols = np.cumsum([0] + [d.rows for d in draws])
        self.decision_day = _joined(
            [
                decision_days(scenario.decision, d.council, self.met_day[lo:hi], H)
                for d, lo, hi in zip(draws, cols[:-1], cols[1:])
            ],
            0,
        )
        self.rate = attack_rates(scenario, self.violence if scenario.deadline_day is None else None)
        self.first_drawn_day = first_drawn_days(
            self.decision_day, closure_span(scenario), H, earliest_start=earliest_start(scenario)
        )
        self.attacks_before, self.casualties_before = attacks_before_order(
            scenario, self.rate, self.first_drawn_day, _joined([d.before_order for d in draws], 0)
        )
        self.killed_draw = _killed_draws(draws)

    @classmethod
    def by_days(cls, scenario: Scenario, draws: BlockDraws, cells: int | None = None) -> StateFree:
        """The same quantities for one block, its whole-horizon streams drawn a window of days at a time.

        A generator's numbers are the same whether drawn in one call or window by window,
        and every quantity here is computed day by day (the index's recursion, the run of
        days that meets the conditions) or read on given days (the council's uniforms
        on meeting days), so each value is the bits of ``StateFree(scenario, [draws])``
        while the block never holds more than a window (``cells`` values) of the council's
        and the violence's draws. The index itself is not kept (``violence`` is empty);
        the rate per replication and day, without a deadline, is.

        Parameters
        ----------
        scenario : Scenario
        draws : BlockDraws
            The block (its whole-horizon streams need not be drawn: ``whole_horizon=False``).
        cells : int, optional
            Values of a stream drawn at a time (days by the block's size); default
            :data:`DAY_WINDOW_CELLS`.

        Returns
        -------
        StateFree

        Examples
        --------
        >>> import drawdown
        >>> s = drawdown.load("conditions-based")
        >>> d = BlockDraws(s, seed=1, block=0, rows=20, block_size=50, whole_horizon=False)
        >>> a = StateFree.by_days(s, d, cells=5000)
        >>> b = StateFree(s, [BlockDraws(s, seed=1, block=0, rows=20, block_size=50)])
        >>> bool((a.decision_day == b.decision_day).all() and (a.rate == b.rate).all())
        True
        """
        H, B, n = scenario.horizon_days, draws.block_size, draws.rows
        days = max(1, int(DAY_WINDOW_CELLS if cells is None else cells) // B)
        self = cls.__new__(cls)
        self.violence = np.empty((0, n))
        per_row = scenario.deadline_day is None
        self.rate = np.empty((H, n)) if per_row else attack_rates(scenario)
        met = MetDays(scenario.conditions, n)
        gen, prev = stream(draws.seed, draws.block, "violence"), None
        for lo in range(0, H, days):
            V = violence_index_days(scenario.conditions, gen.standard_normal((min(days, H - lo), B))[:, :n], lo, prev)
            met.add(V, lo)
            if per_row:
                self.rate[lo : lo + len(V)] = attack_rates(scenario, V)
            prev = V[-1].copy()
            del V
        self.met_day = met.met_day
        self.decision_day = _decision_by_days(scenario, draws, self.met_day, days)
        self.first_drawn_day = first_drawn_days(
            self.decision_day, closure_span(scenario), H, earliest_start=earliest_start(scenario)
        )
        self.attacks_before, self.casualties_before = attacks_before_order(
            scenario, self.rate, self.first_drawn_day, draws.before_order
        )
        self.killed_draw = _killed_draws([draws])
        return self


def _killed_draws(draws: list[BlockDraws]) -> np.ndarray | None:
    """The blocks' ``killed`` uniforms joined, or None where the scenario does not split casualties."""
    parts = [d.killed for d in draws]
    if any(p is None for p in parts):
        return None
    return _joined([p for p in parts if p is not None], 0)


def _decision_by_days(scenario: Scenario, draws: BlockDraws, met_day: np.ndarray, days: int) -> np.ndarray:
    """:func:`decision_days` of a block, its council's uniforms drawn ``days`` days at a time
    and read on the meeting days only."""
    H, B, n, decision = scenario.horizon_days, draws.block_size, draws.rows, scenario.decision
    if decision.rule == "fixed":  # the council's stream is not read
        return decision_days_from(decision, np.empty((0, n)), np.empty(n), met_day, H)
    meetings, special = meeting_schedule(decision, met_day, H)
    meeting_u, special_u = np.empty((len(meetings), n)), np.zeros(n)
    gen = stream(draws.seed, draws.block, "council")
    for lo in range(0, H, days):
        u = gen.random((min(days, H - lo), B))[:, :n]
        hi = lo + len(u)
        for i, m in enumerate(meetings):
            if lo <= m < hi:
                meeting_u[i] = u[m - lo]
        rows = np.flatnonzero((special >= lo) & (special < hi))
        special_u[rows] = u[special[rows] - lo, rows]
    return decision_days_from(decision, meeting_u, special_u, met_day, H)


class BlockInputs(StateFree):
    """Draws and state-free quantities of one block of replications.

    Attributes
    ----------
    draws : BlockDraws
    rows : int
    violence, met_day, decision_day, rate, first_drawn_day, attacks_before, casualties_before
        As in :class:`StateFree`.
    """

    def __init__(
        self, scenario: Scenario, seed: int, block: int, *, rows: int | None = None, block_size: int = BLOCK_SIZE
    ) -> None:
        self.scenario = scenario
        self.draws = BlockDraws(scenario, seed, block, rows=rows, block_size=block_size)
        self.rows = self.draws.rows
        super().__init__(scenario, [self.draws])

    def rate_of(self, row: int) -> np.ndarray:
        """Attack rate per day of one replication, shape (H,)."""
        return self.rate if self.rate.ndim == 1 else self.rate[:, row]
