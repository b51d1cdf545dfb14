"""The inputs of blocks: their random draws and everything that depends on no state of
the force (conditions index, decision day, attack rates, the attacks before the order),
computed by the same code for both engines.
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .council import conditions_met_day, decision_days, violence_index
from .layout import BLOCK_SIZE, BlockDraws, first_drawn_days
from .threat import attack_rates, attacks_before_order

__all__ = ["BlockInputs", "StateFree"]


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
        The conditions index.
    met_day, decision_day : ndarray (R,) int32
        Day conditions are met and day the order is given (-1 never).
    rate : ndarray (H,) or (H, R)
        Force-wide attack rate per day.
    first_drawn_day : ndarray (R,) int32
        Where each replication's per-day draws start (:func:`drawdown.draws.first_drawn_days`).
    attacks_before, casualties_before : ndarray (R,) int64
        Attacks and casualties of the days before it.
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
        self.first_drawn_day = first_drawn_days(self.decision_day, scenario.threat.closure_days, H)
        self.attacks_before, self.casualties_before = attacks_before_order(
            scenario, self.rate, self.first_drawn_day, _joined([d.before_order for d in draws], 0)
        )


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
