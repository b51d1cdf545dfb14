"""The inputs of a block: its random draws and everything that depends on no state of
the force (conditions index, decision day, attack rates), computed once for both engines.
"""

from __future__ import annotations

import numpy as np

from .council import conditions_met_day, decision_days, violence_index
from .draws import BLOCK_SIZE, BlockDraws, first_drawn_days
from .threat import attack_rates, attacks_before_order

__all__ = ["BlockInputs"]


class BlockInputs:
    """Draws and state-free quantities of one block of replications.

    Attributes
    ----------
    draws : BlockDraws
    violence : ndarray (H, R)
        The conditions index.
    met_day, decision_day : ndarray (R,) int32
        Day conditions are met and day the order is given (-1 never).
    rate : ndarray (H,) or (H, R)
        Force-wide attack rate per day.
    first_drawn_day : ndarray (R,) int32
        Where each replication's per-day draws start (:func:`sim.draws.first_drawn_days`).
    attacks_before, casualties_before : ndarray (R,) int64
        Attacks and casualties of the days before it.
    """

    def __init__(self, scenario, seed: int, block: int, *, rows: int | None = None, block_size: int = BLOCK_SIZE):
        self.scenario = scenario
        self.draws = BlockDraws(scenario, seed, block, rows=rows, block_size=block_size)
        self.rows = self.draws.rows
        self.violence = violence_index(scenario.conditions, self.draws.violence)
        self.met_day = conditions_met_day(scenario.conditions, self.violence)
        self.decision_day = decision_days(scenario.decision, self.draws.council, self.met_day, scenario.horizon_days)
        self.rate = attack_rates(scenario, self.violence if scenario.deadline_day is None else None)
        H = scenario.horizon_days
        self.first_drawn_day = first_drawn_days(self.decision_day, scenario.threat.closure_days, H)
        self.attacks_before, self.casualties_before = attacks_before_order(
            scenario, self.rate, self.first_drawn_day, self.draws.before_order)

    def day_draws(self):
        """The per-day slabs this block's replications can use, ``(K, rows, width)`` each."""
        n_days = self.scenario.horizon_days - int(self.first_drawn_day.min(initial=self.scenario.horizon_days))
        return self.draws.all_days(n_days)

    def rate_of(self, row: int) -> np.ndarray:
        """Attack rate per day of one replication, shape (H,)."""
        return self.rate if self.rate.ndim == 1 else self.rate[:, row]
