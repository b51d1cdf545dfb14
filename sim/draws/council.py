"""The council and the security conditions: what depends on no state of the force.

Both engines call these functions, so the decision day and the day conditions are
met are the same bits in both (docs/design.md §1.1, §1.5).
"""

from __future__ import annotations

import numpy as np

from ..scenario import Conditions, Decision

__all__ = [
    "violence_index",
    "violence_index_days",
    "conditions_met_day",
    "MetDays",
    "decision_days",
    "meeting_schedule",
]


def violence_index(conditions: Conditions, eps: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """The daily violence index ``V`` of each replication, shape ``(H, R)``.

    ``V[0] = initial``; ``V[t] = V[t-1] + reversion * (target - V[t-1]) + volatility * eps[t]``,
    computed by this recursion (``eps[0]`` is drawn and unused). ``eps`` is an ``(H, R)``
    array, or a list of ``(H, r)`` arrays whose columns are taken side by side (joining
    them first would cost a pass over memory for nothing).

    >>> from drawdown.scenario import Conditions
    >>> c = Conditions(initial=1.0, target=0.0, reversion=0.5, volatility=0.0, threshold=0.3, hold_days=2)
    >>> violence_index(c, np.zeros((4, 1)))[:, 0]
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    parts = [np.asarray(e, dtype=np.float64) for e in ([eps] if isinstance(eps, np.ndarray) else eps)]
    H = parts[0].shape[0]
    V = np.empty((H, sum(e.shape[1] for e in parts)))
    r, target, vol = conditions.reversion, conditions.target, conditions.volatility
    lo = 0
    for e in parts:  # each day's shock, until the day is computed
        np.multiply(e, vol, out=V[:, lo : lo + e.shape[1]])
        lo += e.shape[1]
    V[0] = conditions.initial
    step = np.empty_like(V[0])
    for t in range(1, H):
        # prev + r * (target - prev) + vol * eps[t], operation by operation, in place
        prev = V[t - 1]
        np.subtract(target, prev, out=step)
        step *= r
        step += prev
        np.add(step, V[t], out=V[t])
    return V


def conditions_met_day(conditions: Conditions, V: np.ndarray) -> np.ndarray:
    """First day ``t`` with ``V[t-hold+1 .. t]`` all at or below the threshold; -1 if none.

    >>> from drawdown.scenario import Conditions
    >>> c = Conditions(initial=1.0, target=0.0, reversion=0.5, volatility=0.0, threshold=0.3, hold_days=2)
    >>> conditions_met_day(c, violence_index(c, np.zeros((5, 1))))
    array([3], dtype=int32)
    """
    below = V <= conditions.threshold
    hold = conditions.hold_days
    H, R = V.shape
    if hold > H:
        return np.full(R, -1, dtype=np.int32)
    # Days at or below the threshold in the window ending on each day, by cumulative sums.
    # The narrowest counts that hold H: less memory to pass over.
    count = np.empty(below.shape, dtype=np.int16 if H <= np.iinfo(np.int16).max else np.int32)
    count[0] = below[0]
    for t in range(1, H):  # row by row: numpy's cumsum along the first axis is slower
        np.add(count[t - 1], below[t], out=count[t])
    window = np.empty((H - hold + 1, R), dtype=count.dtype)
    window[0] = count[hold - 1]
    np.subtract(count[hold:], count[: H - hold], out=window[1:])
    held = window == hold
    first = held.argmax(axis=0)
    return np.where(held[first, np.arange(R)], first + hold - 1, -1).astype(np.int32)


def violence_index_days(conditions: Conditions, eps: np.ndarray, first_day: int, prev: np.ndarray | None) -> np.ndarray:
    """The violence index of days ``first_day .. first_day + h - 1``, computed in place in ``eps``.

    The recursion of :func:`violence_index`, operation by operation, over a window of
    days: ``eps`` is the ``(h, R)`` float64 window of shocks (overwritten with the index
    and returned), ``prev`` the index of day ``first_day - 1`` (None when ``first_day``
    is 0). Windows computed in turn give the bits of :func:`violence_index`.

    Examples
    --------
    >>> from drawdown.scenario import Conditions
    >>> c = Conditions(initial=1.0, target=0.0, reversion=0.5, volatility=0.0, threshold=0.3, hold_days=2)
    >>> first = violence_index_days(c, np.zeros((2, 1)), 0, None)
    >>> violence_index_days(c, np.zeros((2, 1)), 2, first[-1])[:, 0]
    array([0.25 , 0.125])
    """
    r, target, vol = conditions.reversion, conditions.target, conditions.volatility
    V = eps
    np.multiply(V, vol, out=V)
    start = 0
    if prev is None:
        if first_day != 0:
            raise ValueError("the index of the day before first_day is needed")
        V[0] = conditions.initial
        start, prev = 1, V[0]
    step = np.empty_like(V[0])
    for t in range(start, V.shape[0]):
        np.subtract(target, prev, out=step)
        step *= r
        step += prev
        np.add(step, V[t], out=V[t])
        prev = V[t]
    return V


class MetDays:
    """:func:`conditions_met_day` of an index handed over a window of days at a time.

    A replication's conditions are met on the first day ``t`` that ends ``hold_days``
    days in a row at or below the threshold: the length of the run of such days is kept
    from window to window, so the days are the ones :func:`conditions_met_day` finds.

    Examples
    --------
    >>> from drawdown.scenario import Conditions
    >>> c = Conditions(initial=1.0, target=0.0, reversion=0.5, volatility=0.0, threshold=0.3, hold_days=2)
    >>> V = violence_index(c, np.zeros((5, 1)))
    >>> met = MetDays(c, 1)
    >>> met.add(V[:2], 0); met.add(V[2:], 2)
    >>> met.met_day, conditions_met_day(c, V)
    (array([3], dtype=int32), array([3], dtype=int32))
    """

    def __init__(self, conditions: Conditions, rows: int) -> None:
        self.threshold = conditions.threshold
        self.hold = conditions.hold_days
        self.run = np.zeros(rows, dtype=np.int64)
        self.met_day = np.full(rows, -1, dtype=np.int32)

    def add(self, V: np.ndarray, first_day: int) -> None:
        """Take the index ``V`` (h, R) of days ``first_day .. first_day + h - 1``, the next window."""
        below = V <= self.threshold
        for t in range(below.shape[0]):
            self.run += 1
            self.run *= below[t]
            found = (self.run >= self.hold) & (self.met_day < 0)
            if found.any():
                self.met_day[found] = first_day + t


def meeting_schedule(decision: Decision, met_day: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Scheduled meetings and each replication's special meeting (-1 if none).

    Returns ``(meeting_days, special_day)``: the sorted scheduled days, and per
    replication the day of the special meeting (conditions rule with special meetings,
    ``met_day + special_meeting_delay_days`` within the horizon and not on a scheduled
    meeting day).
    """
    meetings = np.asarray(decision.meeting_days, dtype=np.int32)
    special = np.full(met_day.shape, -1, dtype=np.int32)
    if decision.rule == "conditions" and decision.allow_special_meetings:
        day = met_day + decision.special_meeting_delay_days
        ok = (met_day >= 0) & (day <= horizon - 1) & ~np.isin(day, meetings)
        special = np.where(ok, day, -1).astype(np.int32)
    return meetings, special


def decision_days(
    decision: Decision, meeting_u: np.ndarray, special_u: np.ndarray, met_day: np.ndarray, horizon: int
) -> np.ndarray:
    """The day the withdrawal order is given in each replication (-1 if never), from the
    council's uniforms on its meeting days (layout 3 draws no others).

    Parameters
    ----------
    decision : Decision
    meeting_u : ndarray, shape (M, R)
        The council's uniform on each scheduled meeting day, in the order of
        :func:`meeting_schedule` (row ``i`` is day ``meeting_days[i]``).
    special_u : ndarray, shape (R,)
        Its uniform on each replication's special meeting day (any value where there is none).
    met_day : ndarray, shape (R,)
    horizon : int

    Returns
    -------
    ndarray (R,) int32
        The day the order is given; -1 if never.

    Examples
    --------
    >>> from drawdown.scenario import Decision
    >>> d = Decision(rule="next_meeting", day=None, meeting_days=(3, 9), p_no_consensus=0.5,
    ...              allow_special_meetings=False, special_meeting_delay_days=0,
    ...              latest_decision_day=None, start_on_day=0)
    >>> decision_days(d, np.array([[0.1, 0.9], [0.8, 0.2]]), np.zeros(2), np.full(2, -1), 540)
    array([9, 3], dtype=int32)
    """
    R = met_day.shape[0]
    never = np.int32(-1)
    if decision.rule == "fixed":
        return np.full(R, decision.day, dtype=np.int32)
    p = decision.p_no_consensus
    meetings, special = meeting_schedule(decision, met_day, horizon)
    best = np.full(R, np.iinfo(np.int32).max, dtype=np.int64)
    for i, m in enumerate(meetings):
        ok = meeting_u[i] >= p
        if decision.rule == "conditions":
            ok &= (met_day >= 0) & (m >= met_day)
        best = np.where(ok & (m < best), m, best)
    has_special = special >= 0
    if has_special.any():
        ok = has_special & (special_u >= p)
        best = np.where(ok & (special < best), special, best)
    if decision.latest_decision_day is not None:
        best = np.minimum(best, decision.latest_decision_day)
    return np.where(best <= horizon - 1, best, never).astype(np.int32)
