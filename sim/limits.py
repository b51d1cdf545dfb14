"""The integer types the engines hold each quantity in, and the bounds the validator derives from them.

One place says how wide each integer of a run is; the scenario stage derives from it
the most a valid scenario may ask for, and the engines build their arrays with these
types, so a scenario that passes validation never overflows an engine. The module is
free of numpy (a scenario loads without it): a type is named as numpy names it, and
its largest value is computed from its width, exactly what ``numpy.iinfo(name).max``
says (``tests/test_limits.py`` checks that it is).

============== ============ ===============================================================
quantity       type         where
============== ============ ===============================================================
days           ``int32``    every day outcome (``-1`` for never); day arithmetic in the engines
troops         ``int32``    troops in country per day (``Outcomes.troops_in_country``), troops
                            at a base; a force's total troops are at most its largest value
tonnes         ``int64``    tonnes lifted per day (``Outcomes.retrograde_lifted_t``); the numpy
                            engine keeps cargo in ``int16`` or ``int32`` while every total fits
                            and widens to ``int64`` when the liftable tonnes pass ``int32``
counts         ``int64``    attacks, casualties, troop-days past the deadline, per replication
============== ============ ===============================================================

Examples
--------
>>> from drawdown.limits import MAX_TOTAL_TONNES, MAX_TOTAL_TROOPS, dtype_max
>>> MAX_TOTAL_TROOPS, dtype_max("int16")
(2147483647, 32767)
>>> MAX_TOTAL_TONNES == 2**53
True
"""

from __future__ import annotations

__all__ = [
    "COUNT_DTYPE",
    "DAY_DTYPE",
    "FLOAT_EXACT",
    "MAX_TOTAL_TONNES",
    "MAX_TOTAL_TROOPS",
    "TONNES_DTYPE",
    "TROOPS_DTYPE",
    "dtype_max",
]

#: Days: day outcomes and the engines' day arithmetic.
DAY_DTYPE = "int32"
#: Troops: troops in country per day and at each base.
TROOPS_DTYPE = "int32"
#: Tonnes: tonnes lifted (cumulative, per day) and the widest cargo type of the numpy engine.
TONNES_DTYPE = "int64"
#: Counts of a replication: attacks, casualties, troop-days past the deadline.
COUNT_DTYPE = "int64"

#: The largest integer up to which every integer is exact as a float64: tonnes are also
#: read as fractions of the liftable total.
FLOAT_EXACT = 2**53


def dtype_max(name: str) -> int:
    """The largest value of the signed numpy integer type ``name`` (``"int8"`` .. ``"int64"``).

    The same as ``numpy.iinfo(name).max``, computed from the width in the name.

    >>> dtype_max("int32"), dtype_max("int64") == 2**63 - 1
    (2147483647, True)
    """
    if not name.startswith("int") or name[3:] not in ("8", "16", "32", "64"):
        raise ValueError(f"expected a signed integer type int8, int16, int32 or int64, got {name!r}")
    return 2 ** (int(name[3:]) - 1) - 1


#: The most troops a scenario may have in all (summed over its contingents): every count
#: of troops, a base's included (a base never holds more than the whole force), fits the
#: troops type.
MAX_TOTAL_TROOPS = dtype_max(TROOPS_DTYPE)
#: The most liftable tonnes a scenario may have in all: tonnes are exact as float64
#: fractions of it, and the per-day summary's ``lifted * 200`` fits the tonnes type.
MAX_TOTAL_TONNES = min(FLOAT_EXACT, dtype_max(TONNES_DTYPE) // 200)
