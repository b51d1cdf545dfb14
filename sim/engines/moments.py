"""The moments of a simulated day, and the ready-day formula, named once for both engines.

Every day ``t`` follows the same order in both engines (docs/design.md §1.7):

========== ======================================================================
moment     what happens
========== ======================================================================
DAWN       the conditions index is read; whether conditions are met
COUNCIL    the council meets; the withdrawal order may be given
PHASES     contingents whose preparation ends become ready; ``via`` contingents move
THREAT     attacks, casualties and airfield closures on the troops at each base
AIRLIFT    each airfield allocates the day's cargo, then its seats
DUSK       the day is recorded; contingents with no troops left exit
========== ======================================================================
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["Moment", "ready_day"]

#: Whole days: a Python integer (one contingent) or an integer array (many).
Days = int | np.integer | np.ndarray


class Moment(IntEnum):
    """A moment of the day, in the order the model's actors act."""

    DAWN = 0
    COUNCIL = 1
    PHASES = 2
    THREAT = 3
    AIRLIFT = 4
    DUSK = 5


def ready_day(
    order_day: Days, national_delay_days: Days, prep_days: Days, road_days: Days, start_on_day: Days
) -> np.ndarray:
    """The day a contingent's main body may first fly (docs/design.md §1.2).

    ``max(order + national delay + preparation + road, start_on)``: whole days, as
    Python integers (one contingent) or integer arrays (many; broadcast as numpy does).

    >>> int(ready_day(10, 2, 5, 1, 0)), int(ready_day(10, 0, 0, 0, 30))
    (18, 30)
    """
    return np.maximum(order_day + national_delay_days + prep_days + road_days, start_on_day)
