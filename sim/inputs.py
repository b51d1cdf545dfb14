"""The inputs of a block: its random draws and everything that depends on no state of
the force (conditions index, decision day, attack rates), computed once for both engines.
"""

from __future__ import annotations

import numpy as np

from .council import conditions_met_day, decision_days, violence_index
from .draws import BLOCK_SIZE, BlockDraws
from .threat import attack_rates

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
    """

    def __init__(self, scenario, seed: int, block: int, *, rows: int | None = None, block_size: int = BLOCK_SIZE):
        self.scenario = scenario
        self.draws = BlockDraws(scenario, seed, block, rows=rows, block_size=block_size)
        self.rows = self.draws.rows
        self.violence = violence_index(scenario.conditions, self.draws.violence)
        self.met_day = conditions_met_day(scenario.conditions, self.violence)
        self.decision_day = decision_days(scenario.decision, self.draws.council, self.met_day, scenario.horizon_days)
        self.rate = attack_rates(scenario, self.violence if scenario.deadline_day is None else None)

    def rate_of(self, row: int) -> np.ndarray:
        """Attack rate per day of one replication, shape (H,)."""
        return self.rate if self.rate.ndim == 1 else self.rate[:, row]
