"""The draw layout: every random input of a replication, shared by both engines.

Replications are grouped in blocks of ``BLOCK_SIZE`` (``B``). Stream ``s`` of block
``b`` is ``numpy.random.Generator(PCG64(SeedSequence(seed, spawn_key=(b, s))))``, so a
replication's inputs depend only on the seed, its block and its row, never on how many
replications run, in which chunk, process or shard. A partial last block uses the
first rows of the full block.

============== ===== =================== ============================================
stream         id    shape               distribution and use
============== ===== =================== ============================================
council        0     (H, B) day-major    U[0,1); a meeting on day t fails when
                                         ``council[t] < p_no_consensus``
violence       1     (H, B) day-major    N(0,1); ``eps`` of the conditions index
                                         (``eps[0]`` drawn and unused)
national_delay 2     (B, C)              U[0,1) -> triangular inverse CDF, ceiling
prep           3     (B, C)              U[0,1) -> triangular inverse CDF, ceiling
closed         4     (K, B, A) day-major U[0,1); airfield a is shut on day t when
                                         ``closed[k, :, a] < p_closed_day[a]``
attacks        5     (K, B, N) day-major U[0,1); attacks = poisson_inv(u, mean)
casualties     6     (K, B, N) day-major U[0,1); casualties = poisson_inv(u, c * attacks)
hits           7     (K, B, A) day-major U[0,1); hit when ``u < 1 - q[attacks]``
before_order   8     (B, 2)              U[0,1); attacks, then casualties, of the
                                         days before the first drawn day
site_closed    9     (K, B, S) day-major U[0,1); crossing x is shut on day t when
                                         ``site_closed[k, :, x] < p_closed_day[x]``
site_attacks   10    (K, B, S) day-major U[0,1); attacks at a crossing or on a leg
site_casualties 11   (K, B, S) day-major U[0,1); their casualties
site_hits      12    (K, B, S) day-major U[0,1); the site is shut when ``u < 1 - q[attacks]``
killed         13    (B,)                U[0,1); killed of the replication's casualties,
                                         binomial inverse CDF (``killed_and_wounded``)
============== ===== =================== ============================================

Stream 13 is drawn only for a scenario that splits casualties into killed and wounded
(``threat.killed_per_attack``); its generator is its own (spawn key ``(b, 13)``), so
drawing it moves no other draw.

Streams 9-12 are drawn only for a network scenario (model v2, docs/network.md) that
has sites: ``S`` is its crossings (file order), then its legs (file order). In a
network scenario ``C`` (national_delay, prep) is the number of draw columns
(``Plan.parents``: the parts of a split contingent share one), and the first drawn
day steps back by the largest ``closure_days`` of the threat, the crossings and the
legs (:func:`closure_span`).

``H`` is ``horizon_days``, ``C`` the number of contingents (scenario order), ``N`` the
number of bases (file order), ``A`` the number of airfields (bases with an airfield, in
file order), ``K`` the number of per-day slabs a block draws (below). Draws never
depend on the path: every one is made whatever happens.

The per-day streams (closed, attacks, casualties, hits) are counted from each
replication's **first drawn day** ``a`` (:func:`first_drawn_days`): slab ``k`` of a
replication serves its day ``a + k``. Before ``a`` nothing of the force has moved and
no airfield has anyone to serve, so the only random events are attacks on the initial
force, whose means depend on no state: their total over days ``0 .. a-1`` is one
Poisson count (a sum of independent Poisson counts is Poisson with the summed mean),
drawn from ``before_order`` with its casualties. ``a`` is ``closure_days - 1`` days
before the order, so that any hit that can shut an airfield on or after the order day
is drawn day by day; without an order ``a`` is ``H`` and nothing is drawn per day.
Slabs are generated one at a time (:meth:`BlockDraws.days`); a generator's output is the
same whether it is drawn in one call or slab by slab, so an engine stops drawing a
block once all its replications are done, and a longer horizon only appends draws.
Counting from the order also pairs the withdrawals of two scenarios compared with one
seed: the weather and the attack draws of the k-th day after the order are the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

from ..scenario import Scenario

__all__ = [
    "BLOCK_SIZE",
    "STREAMS",
    "LAYOUT_VERSION",
    "BlockDraws",
    "DaySlabs",
    "blocks_for",
    "first_drawn_days",
    "earliest_start",
    "closure_span",
    "stream",
    "triangular_days",
    "new_seed",
    "MAX_SEED",
    "read_seed",
    "seed_text",
]

BLOCK_SIZE = 1000
LAYOUT_VERSION = 2
STREAMS = {
    "council": 0,
    "violence": 1,
    "national_delay": 2,
    "prep": 3,
    "closed": 4,
    "attacks": 5,
    "casualties": 6,
    "hits": 7,
    "before_order": 8,
    # model v2 (docs/network.md): per day and site (crossings, then legs)
    "site_closed": 9,
    "site_attacks": 10,
    "site_casualties": 11,
    "site_hits": 12,
    # MODEL-V2 §4: one per replication, killed of its casualties
    "killed": 13,
}


def new_seed() -> int:
    """A fresh seed from the operating system's entropy (a 128-bit integer)."""
    return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]  # entropy is an int when drawn


#: Seeds are whole numbers in ``0..MAX_SEED``: what :func:`new_seed` draws, 128 bits.
MAX_SEED = 2**128 - 1


def seed_text(seed: int) -> str:
    """A seed as files record it: its decimal digits, a string.

    A 128-bit seed is no JSON number most readers keep exactly (``jq`` and pandas read
    floats or give up), so JSON and CSV files carry it as a string; :func:`read_seed`
    reads either form back.

    Examples
    --------
    >>> seed_text(322317756165976151290113232113617463342)
    '322317756165976151290113232113617463342'
    """
    return str(int(seed))


def read_seed(value: object, where: str = "seed") -> int:
    """The seed a file or an option gives: a whole number or its decimal digits, in ``0..MAX_SEED``.

    Raises
    ------
    ValueError
        Naming ``where`` and what was expected, for anything else (a float, a sign, a
        bool, an empty string, a number out of range).

    Examples
    --------
    >>> read_seed("322317756165976151290113232113617463342"), read_seed(7)
    (322317756165976151290113232113617463342, 7)
    >>> read_seed(1.5)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a whole number in 0..2**128-1 (or its decimal digits as a string), got 1.5
    """
    seed: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        seed = value
    elif isinstance(value, str) and 0 < len(value) <= 39 and value.isascii() and value.isdigit():
        seed = int(value)
    if seed is None or not 0 <= seed <= MAX_SEED:
        shown = repr(value) if isinstance(value, str) else str(value)
        raise ValueError(
            f"{where} must be a whole number in 0..2**128-1 (or its decimal digits as a string), got {shown[:60]}"
        )
    return seed


def stream(seed: int, block: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for block ``block``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, STREAMS[name]))))


def blocks_for(reps: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int]]:
    """The blocks covering ``reps`` replications: ``(block, rows)`` pairs.

    >>> blocks_for(2500)
    [(0, 1000), (1, 1000), (2, 500)]
    """
    full, rest = divmod(int(reps), block_size)
    out = [(b, block_size) for b in range(full)]
    if rest:
        out.append((full, rest))
    return out


def first_drawn_days(
    decision_day: np.ndarray, closure_days: int, horizon: int, *, earliest_start: int | None = None
) -> np.ndarray:
    """Each replication's first drawn day: where its per-day streams start (int32).

    ``max(min(decision_day, earliest_start) - max(closure_days - 1, 0), 0)``, or
    ``horizon`` when no order is given (``decision_day`` -1) and nothing starts before it.
    ``earliest_start`` is the earliest day something moves whatever the order
    (:func:`earliest_start`: equipment that starts on a date, MODEL-V2 §7.12). Before
    this day the force is as it started and a hit could not shut an airfield on a day
    anyone moves.

    >>> first_drawn_days(np.array([10, 1, -1]), 3, 540)
    array([  8,   0, 540], dtype=int32)
    >>> first_drawn_days(np.array([10, 1, -1]), 3, 540, earliest_start=5)
    array([3, 0, 3], dtype=int32)
    """
    d = np.asarray(decision_day)
    back = max(int(closure_days) - 1, 0)
    anchor = np.where(d >= 0, d, int(horizon))
    if earliest_start is not None:
        anchor = np.minimum(anchor, int(earliest_start))
    return np.where(anchor < horizon, np.maximum(anchor - back, 0), int(horizon)).astype(np.int32)


def earliest_start(scenario: Scenario) -> int | None:
    """The earliest day on which something may move before the order: a contingent's
    equipment that starts on a date (``equipment_start``), or None.

    >>> import drawdown
    >>> earliest_start(drawdown.load("doha-2021-05-01")) is None
    True
    """
    days = [c.equipment_start_day for c in scenario.contingents if c.equipment_start_day is not None]
    return min(days, default=None)


def closure_span(scenario: Scenario) -> int:
    """The most days one hit can shut anything: the threat's, a crossing's or a leg's ``closure_days``.

    >>> import drawdown
    >>> closure_span(drawdown.load("escalation"))  # threat.closure_days; no crossings or legs
    3
    """
    spans = [scenario.threat.closure_days]
    if scenario.network is not None:
        spans += [x.closure_days for x in scenario.network.crossings]
        spans += [leg.closure_days for leg in scenario.network.legs]
    return max(spans)


def triangular_days(u: ArrayLike, lo: ArrayLike, mode: ArrayLike, hi: ArrayLike) -> np.ndarray:
    """Whole days from a triangular distribution by inverse CDF, rounded up (int32).

    ``u`` is an array of uniforms; ``lo``, ``mode``, ``hi`` broadcast against it. A
    fixed value (``lo == hi``) gives ``ceil(lo)``; ``lo == mode`` and ``mode == hi``
    have no left or right branch.

    >>> triangular_days(np.array([0.0, 0.5, 0.999]), 2.0, 2.0, 2.0)
    array([2, 2, 2], dtype=int32)
    >>> triangular_days(np.array([0.0, 0.5]), np.array(0.0), np.array(10.0), np.array(10.0))
    array([0, 8], dtype=int32)
    """
    u = np.asarray(u, dtype=np.float64)
    lo, mode, hi = (np.broadcast_to(np.asarray(x, dtype=np.float64), u.shape) for x in (lo, mode, hi))
    span = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(span > 0, (mode - lo) / np.where(span > 0, span, 1.0), 0.0)
        left = lo + np.sqrt(u * span * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * span * (hi - mode))
    x = np.where(span > 0, np.where(u < split, left, right), lo)
    return np.ceil(x).astype(np.int32)


class BlockDraws:
    """The random inputs of one block of replications.

    The whole-horizon streams (council, violence) and the small ones (national delays,
    preparation, before the order) are drawn when the block is made; the per-day streams are drawn day by day from
    :meth:`days`, in day order.

    Parameters
    ----------
    scenario : Scenario
    seed : int
    block : int
        Block number (replications ``block * block_size ...``).
    rows : int, optional
        Rows used (a partial last block uses the first ``rows`` of the block).
    block_size : int, optional
    whole_horizon : bool, optional
        Draw the whole-horizon streams (council, violence) now; without, ``council``
        and ``violence`` are empty, shape ``(0, rows)``, and :meth:`drawdown.draws.StateFree.by_days` draws
        them a window of days at a time (the same numbers).

    Examples
    --------
    >>> import drawdown
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = BlockDraws(s, seed=1, block=0, rows=10)
    >>> d.council.shape, d.national_delay_days.shape
    ((540, 10), (10, 40))
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        block: int,
        *,
        rows: int | None = None,
        block_size: int = BLOCK_SIZE,
        whole_horizon: bool = True,
    ) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.block = int(block)
        self.block_size = int(block_size)
        self.rows = self.block_size if rows is None else int(rows)
        if not 0 < self.rows <= self.block_size:
            raise ValueError(f"rows must be in 1..{self.block_size}, got {rows}")
        H, B, n = scenario.horizon_days, self.block_size, self.rows
        # Not drawn: empty, days by rows (0, n).
        self.council = self.violence = np.empty((0, n))
        if whole_horizon:
            self.council = stream(seed, block, "council").random((H, B))[:, :n]
            self.violence = stream(seed, block, "violence").standard_normal((H, B))[:, :n]
        cs = _draw_columns(scenario)
        self.national_delay_days = self._durations("national_delay", [c.national_delay for c in cs])
        self.prep_days = self._durations("prep", [c.prep for c in cs])
        self.before_order = stream(seed, block, "before_order").random((B, 2))[:n]
        # Only where casualties are split: its own generator, so no other draw moves.
        self.killed = stream(seed, block, "killed").random(B)[:n] if scenario.threat.splits_casualties else None

    def _durations(self, name, dists) -> np.ndarray:
        u = stream(self.seed, self.block, name).random((self.block_size, len(dists)))[: self.rows]
        lo = np.array([d.min for d in dists])
        mode = np.array([d.mode for d in dists])
        hi = np.array([d.max for d in dists])
        return triangular_days(u, lo, mode, hi)

    def days(self, out: tuple[np.ndarray, ...] | None = None) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield the per-day slabs ``(closed, attacks, casualties, hits)`` for ``k = 0, 1, ...``

        Slab ``k`` serves each replication's day ``first_drawn_day + k``. Each array is
        float64 of shape ``(rows, A)`` or ``(rows, N)``; at most ``H`` slabs, the most any
        replication can use. A network scenario with sites (crossings, legs) yields
        eight arrays a slab: these four, then ``(site_closed, site_attacks,
        site_casualties, site_hits)``, each ``(rows, S)``.

        With ``out``, four C-contiguous float64 arrays of those shapes, each slab is drawn
        into them (the same numbers, without a new array a day) and ``out`` is yielded.
        """
        s = self.scenario
        B, n = self.block_size, self.rows
        n_air = sum(1 for b in s.bases if b.airfield)
        n_bases = len(s.bases)
        names = ["closed", "attacks", "casualties", "hits"]
        widths: tuple[int, ...] = (n_air, n_bases, n_bases, n_air)
        sites = 0 if s.network is None else s.network.sites
        if sites:
            names += ["site_closed", "site_attacks", "site_casualties", "site_hits"]
            widths += (sites,) * 4
        gens = [stream(self.seed, self.block, k) for k in names]
        if out is None:
            for _ in range(s.horizon_days):
                yield tuple(g.random((B, w))[:n] for g, w in zip(gens, widths))
            return
        out = tuple(out)
        for o, w in zip(out, widths):
            if o.shape != (n, w) or o.dtype != np.float64 or not o.flags.c_contiguous:
                raise ValueError(
                    f"out arrays must be C-contiguous float64 of shapes (rows, width) = ({n}, {w}), "
                    f"got {o.dtype} {o.shape}"
                )
        # A partial block draws its whole block (its rows are the first ones) into scratch.
        scratch = None if n == B else tuple(np.empty((B, w)) for w in widths)
        for _ in range(s.horizon_days):
            if scratch is None:
                for g, o in zip(gens, out):
                    g.random(out=o)
            else:
                for g, tmp, o in zip(gens, scratch, out):
                    g.random(out=tmp)
                    o[...] = tmp[:n]
            yield out

    def slabs(self) -> DaySlabs:
        """The per-day slabs, drawn as far as they are asked for (:class:`DaySlabs`)."""
        return DaySlabs(self)


def _draw_columns(scenario: Scenario) -> list:
    """One contingent per column of the duration streams: the first part of each split one."""
    if scenario.plan is None:
        return list(scenario.contingents)
    first: dict[int, object] = {}
    for c, column in zip(scenario.contingents, scenario.plan.parent, strict=True):
        first.setdefault(column, c)
    return [first[k] for k in range(scenario.plan.parents)]


class DaySlabs:
    """The per-day slabs of a block, drawn in order as far as they are asked for.

    ``slabs[k]`` is the tuple ``(closed, attacks, casualties, hits)`` of slab ``k``
    (arrays of shape ``(rows, width)``); asking for slab ``k`` draws slabs up to ``k``
    once, so a block draws as many as its longest replication uses and no more.

    >>> import drawdown
    >>> slabs = BlockDraws(drawdown.load("doha-2021-05-01"), seed=1, block=0, rows=3).slabs()
    >>> slabs[2][1].shape, len(slabs)
    ((3, 6), 3)
    """

    def __init__(self, draws: BlockDraws) -> None:
        self._days = draws.days()
        self._slabs: list[tuple[np.ndarray, ...]] = []

    def __getitem__(self, k: int) -> tuple[np.ndarray, ...]:
        while len(self._slabs) <= k:
            self._slabs.append(next(self._days))
        return self._slabs[k]

    def __len__(self) -> int:
        return len(self._slabs)
