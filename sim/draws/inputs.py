"""The inputs of blocks: their random draws and everything that depends on no state of
the force (conditions index, decision day, attack rates, the attacks before the order),
computed by the same code for both engines.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .council import MetDays, conditions_met_day, decision_days, violence_index, violence_index_days
from .layout import BLOCK_SIZE, BlockDraws, closure_span, earliest_start, first_drawn_days, reads_conditions, stream
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
        R = sum(d.rows for d in draws)
        if reads_conditions(scenario):
            self.violence = violence_index(scenario.conditions, [d.violence for d in draws])
            self.met_day = conditions_met_day(scenario.conditions, self.violence)
        else:  # the conditions are not modelled: never met, and no index to read
            self.violence = np.empty((0, R))
            self.met_day = np.full(R, -1, dtype=np.int32)
        self.decision_day = _decisions(scenario, draws, self.met_day)
        self.rate = _rates(scenario, self.violence, R)
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
        days that meets the conditions), so each value is the bits of
        ``StateFree(scenario, [draws])`` while the block never holds more than a window
        (``cells`` values) of the violence's draws. The index itself is not kept (``violence`` is empty);
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
        if not reads_conditions(scenario):  # nothing of the horizon's length is drawn
            return cls(scenario, [draws])
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
        self.decision_day = _decisions(scenario, [draws], self.met_day)
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


def _decisions(scenario: Scenario, draws: list[BlockDraws], met_day: np.ndarray) -> np.ndarray:
    """:func:`decision_days` of the blocks' rows, from their council's uniforms on the meeting days."""
    parts, lo = [], 0
    for d in draws:
        parts.append(
            decision_days(
                scenario.decision, d.meeting_u, d.special_u, met_day[lo : lo + d.rows], d.scenario.horizon_days
            )
        )
        lo += d.rows
    return _joined(parts, 0)


def _rates(scenario: Scenario, violence: np.ndarray, rows: int) -> np.ndarray:
    """The attack rate per day, ``(H,)``, or ``(H, rows)`` without a deadline.

    Without a deadline and without a violence coupling the index is not read: the rate
    is the pre-deadline rate, the bits ``attack_rates`` gives with any index.
    """
    if scenario.deadline_day is not None:
        return attack_rates(scenario)
    if violence.shape[0] == 0:
        violence = np.zeros((scenario.horizon_days, rows))
    return attack_rates(scenario, violence)


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
