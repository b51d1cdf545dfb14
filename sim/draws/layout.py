"""The draw layout: every random input of a replication, shared by both engines.

Replications are grouped in blocks of ``BLOCK_SIZE`` (``B``). Stream ``s`` of block
``b`` is ``numpy.random.Generator(PCG64(SeedSequence(seed, spawn_key=(b, s))))``, so a
replication's inputs depend only on the seed, its block and its row, never on how many
replications run, in which chunk, process or shard. A partial last block uses the
first rows of the full block.

=============== ===== =================== ============================================
stream          id    shape               distribution and use
=============== ===== =================== ============================================
council         0     (B,) a meeting      U[0,1); the scheduled meeting on day ``m``
                                          fails when its uniform < ``p_no_consensus``;
                                          one generator a meeting, spawn key
                                          ``(b, 0, m)``
violence        1     (H, B) day-major    N(0,1); ``eps`` of the conditions index
                                          (``eps[0]`` drawn and unused); drawn only
                                          where the index is read (:func:`reads_conditions`)
national_delay  2     (B, C)              U[0,1) -> triangular inverse CDF, ceiling
prep            3     (B, C)              U[0,1) -> triangular inverse CDF, ceiling
closed          4     (K, B, A) day-major U[0,1); airfield a is shut on day t when
                                          ``closed[k, :, a] < p_closed_day[a]``
attacks         5     (K, B, N) day-major U[0,1); attacks = poisson_inv(u, mean)
casualties      6     (K, B, N) day-major U[0,1); casualties = poisson_inv(u, c * attacks)
hits            7     (K, B, A) day-major U[0,1); hit when ``u < 1 - q[attacks]``
before_order    8     (B, 2)              U[0,1); attacks, then casualties, of the
                                          days before the first drawn day
site_closed     9     (K, B, S) day-major U[0,1); crossing x is shut on day t when
                                          ``site_closed[k, :, x] < p_closed_day[x]``
site_attacks    10    (K, B, S) day-major U[0,1); attacks at a crossing or on a leg
site_casualties 11    (K, B, S) day-major U[0,1); their casualties
site_hits       12    (K, B, S) day-major U[0,1); the site is shut when ``u < 1 - q[attacks]``
killed          13    (B,)                U[0,1); killed of the replication's casualties,
                                          binomial inverse CDF (``killed_and_wounded``)
special_meeting 14    (B,)                U[0,1); the replication's special meeting
                                          (conditions rule with special meetings)
day_tail        15    (T, W) per row      U[0,1); a row's per-day slabs from slab
                                          :data:`TAIL_FROM` on, spawn key ``(b, 15, row)``
=============== ===== =================== ============================================

Layout 3 (``LAYOUT_VERSION``) draws what a scenario uses (MODEL-V2 §7.13):

- the council's uniforms only on its meeting days, one generator a scheduled meeting
  keyed by its day, so adding or moving a meeting moves no other draw; the special
  meeting's from its own stream (14); nothing under the ``fixed`` rule;
- the violence normals only where the conditions index is read (:func:`reads_conditions`:
  the ``conditions`` rule, a phase that starts on the conditions, or a violence coupling
  without a deadline). Elsewhere the scenario does not model the conditions: no day is
  "conditions met" (``met_day`` -1) and no replication "left before the conditions";
- per-day slabs ``0 .. TAIL_FROM - 1`` for the whole block while any of its rows runs,
  as layout 2, and each row's later days from its own generator (``day_tail``), drawn
  only for the rows still running: a few long replications no longer make their block
  draw every row to the horizon.

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
Slabs are drawn in order (:class:`DayStream`); a generator's output is the same whether
it is drawn in one call or slab by slab, and skipping numbers is exact
(``PCG64.advance``), so an engine stops drawing a block once all its replications are
done, a row's tail stops with the row, and a longer horizon only appends draws. A row's
tail slab ``k`` (``k >= TAIL_FROM``) is the ``k - TAIL_FROM``-th run of ``W`` numbers of
its ``day_tail`` generator, the streams' columns side by side in the order of the
table (``W`` is the sum of their widths), however many slabs are drawn at a time.
Counting from the order also pairs the withdrawals of two scenarios compared with one
seed: the weather and the attack draws of the k-th day after the order are the same.
"""

from __future__ import annotations

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
    "TAIL_FROM",
    "DayStream",
    "reads_conditions",
    "meeting_stream",
    "read_seed",
    "seed_text",
]

BLOCK_SIZE = 1000
LAYOUT_VERSION = 3
#: The first per-day slab drawn row by row (``day_tail``): slabs before it are drawn for
#: the whole block while any of its rows runs. A layout constant (every scenario the
#: same), so that two scenarios compared with one seed share their draws day by day; at
#: 128 days after the first drawn day it is past the end of most withdrawals (a
#: generator a row costs about as much as 2,000 uniforms), and before the horizon.
TAIL_FROM = 128
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
    # layout 3: the special meeting's uniform; each row's per-day slabs from TAIL_FROM on
    "special_meeting": 14,
    "day_tail": 15,
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


def meeting_stream(seed: int, block: int, day: int) -> np.random.Generator:
    """The generator of the council's uniforms for its scheduled meeting on ``day``, for block ``block``."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, STREAMS["council"], int(day))))
    )


def tail_stream(seed: int, block: int, row: int) -> np.random.Generator:
    """The generator of a row's per-day slabs from :data:`TAIL_FROM` on."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, STREAMS["day_tail"], int(row))))
    )


def _advance(gen: np.random.Generator, delta: int) -> None:
    """Skip ``delta`` outputs of a stream's PCG64 (one a double), exactly: where an engine
    stopped drawing a block's head, or a row's tail starts."""
    gen.bit_generator.advance(delta)  # type: ignore[attr-defined]  # every stream is a PCG64


def reads_conditions(scenario: Scenario) -> bool:
    """Whether the model reads the conditions index: the ``conditions`` rule, a phase that
    starts on the conditions, a violence coupling of the attack rate without a deadline,
    or ``[conditions] tracked = true`` (the analyst asks who leaves before them).

    Elsewhere the index is not drawn (layout 3) and the scenario does not model the
    conditions: no replication meets them, none leaves before them.

    >>> import drawdown
    >>> reads_conditions(drawdown.load("conditions-based")), reads_conditions(drawdown.load("doha-2021-05-01"))
    (True, False)
    """
    if scenario.decision.rule == "conditions" or scenario.conditions.tracked:
        return True
    if scenario.deadline_day is None and scenario.threat.violence_coupling > 0:
        return True
    plan = scenario.plan
    return plan is not None and any(ph.start == "conditions" for ph in plan.phases)


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

    The small streams (the council's meetings, national delays, preparation, before
    the order, killed) are drawn when the block is made, and the violence normals where
    the conditions index is read; the per-day streams are drawn in day order by a
    :class:`DayStream` (:meth:`day_stream`, :meth:`slabs`).

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
        Draw the violence normals now; without, ``violence`` is empty, shape ``(0,
        rows)``, and :meth:`drawdown.draws.StateFree.by_days` draws them a window of
        days at a time (the same numbers).

    Attributes
    ----------
    meeting_days : ndarray (M,) int32
        The council's scheduled meetings (none under the ``fixed`` rule).
    meeting_u : ndarray (M, rows)
        The council's uniform at each of them.
    special_u : ndarray (rows,)
        The uniform of each row's special meeting (zeros where the rule has none).
    violence : ndarray (H, rows) or (0, rows)
        The conditions index's normals; empty where the index is not read
        (:func:`reads_conditions`) or not drawn whole.

    Examples
    --------
    >>> import drawdown
    >>> s = drawdown.load("doha-2021-05-01")
    >>> d = BlockDraws(s, seed=1, block=0, rows=10)
    >>> d.meeting_u.shape, d.violence.shape, d.national_delay_days.shape
    ((9, 10), (0, 10), (10, 40))
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
        self.reads_conditions = reads_conditions(scenario)
        self.violence = np.empty((0, n))  # not drawn: empty, days by rows
        if whole_horizon and self.reads_conditions:
            self.violence = stream(seed, block, "violence").standard_normal((H, B))[:, :n]
        self._council(scenario.decision)
        cs = _draw_columns(scenario)
        self.national_delay_days = self._durations("national_delay", [c.national_delay for c in cs])
        self.prep_days = self._durations("prep", [c.prep for c in cs])
        self.before_order = stream(seed, block, "before_order").random((B, 2))[:n]
        # Only where casualties are split: its own generator, so no other draw moves.
        self.killed = stream(seed, block, "killed").random(B)[:n] if scenario.threat.splits_casualties else None

    def _council(self, decision) -> None:
        """The council's uniforms: one generator a scheduled meeting, one stream for the special meetings."""
        B, n = self.block_size, self.rows
        days = () if decision.rule == "fixed" else tuple(decision.meeting_days)
        self.meeting_days = np.asarray(days, dtype=np.int32)
        self.meeting_u = np.empty((len(days), n))
        for i, day in enumerate(days):
            self.meeting_u[i] = meeting_stream(self.seed, self.block, day).random(B)[:n]
        self.special_u = np.zeros(n)
        if decision.rule == "conditions" and decision.allow_special_meetings:
            self.special_u = stream(self.seed, self.block, "special_meeting").random(B)[:n]

    def council_of(self, row: int, special_day: int = -1) -> dict[int, float]:
        """One row's council uniforms by meeting day: its scheduled meetings and, on
        ``special_day`` (-1 for none), its special meeting.

        >>> import drawdown
        >>> d = BlockDraws(drawdown.load("doha-2021-05-01"), seed=1, block=0, rows=2)
        >>> sorted(d.council_of(0)) == sorted(int(m) for m in d.meeting_days)
        True
        """
        u = {int(m): float(x) for m, x in zip(self.meeting_days, self.meeting_u[:, row])}
        if special_day >= 0:
            u[int(special_day)] = float(self.special_u[row])
        return u

    def _durations(self, name, dists) -> np.ndarray:
        u = stream(self.seed, self.block, name).random((self.block_size, len(dists)))[: self.rows]
        lo = np.array([d.min for d in dists])
        mode = np.array([d.mode for d in dists])
        hi = np.array([d.max for d in dists])
        return triangular_days(u, lo, mode, hi)

    def slab_names(self) -> tuple[tuple[str, int], ...]:
        """The per-day streams and their widths, in slab order: v1's four, then the sites' four."""
        s = self.scenario
        n_air = sum(1 for b in s.bases if b.airfield)
        n_bases = len(s.bases)
        names = [("closed", n_air), ("attacks", n_bases), ("casualties", n_bases), ("hits", n_air)]
        sites = 0 if s.network is None else s.network.sites
        if sites:
            names += [(k, sites) for k in ("site_closed", "site_attacks", "site_casualties", "site_hits")]
        return tuple(names)

    def day_stream(self, out: tuple[np.ndarray, ...] | None = None) -> DayStream:
        """The per-day slabs, drawn in day order into ``out`` (:class:`DayStream`)."""
        return DayStream(self, out)

    def slabs(self) -> DaySlabs:
        """The per-day slabs, row by row, drawn as far as they are asked for (:class:`DaySlabs`)."""
        return DaySlabs(self)


class DayStream:
    """A block's per-day slabs, drawn in day order into buffers of its rows.

    Slab ``k`` (:meth:`draw`) holds each row's draws of its day ``first_drawn_day + k``:
    for ``k < TAIL_FROM`` the whole block's, from the streams' block generators (as
    layout 2); from :data:`TAIL_FROM` on, only the rows asked for, each from its own
    ``day_tail`` generator, a few slabs at a time. Other rows keep what they had.

    Parameters
    ----------
    draws : BlockDraws
    out : tuple of ndarray, optional
        C-contiguous float64 arrays ``(rows, width)``, one per stream of
        :meth:`BlockDraws.slab_names`; new ones by default.

    Examples
    --------
    >>> import drawdown
    >>> d = BlockDraws(drawdown.load("doha-2021-05-01"), seed=1, block=0, rows=3)
    >>> days = d.day_stream()
    >>> closed, attacks, casualties, hits = days.draw(0)
    >>> late = days.draw(TAIL_FROM + 5, rows=np.array([1]))  # row 1 only: its own generator
    >>> attacks.shape, bool((late[1][1] == d.slabs().row(1, TAIL_FROM + 5)[1]).all())
    ((3, 6), True)
    """

    #: Bytes of a block's tail buffer at most: fewer slabs at a time for many rows.
    TAIL_BYTES = 4 * 2**20
    TAIL_SLABS = 32

    def __init__(self, draws: BlockDraws, out: tuple[np.ndarray, ...] | None = None) -> None:
        self.d = draws
        names = draws.slab_names()
        self.widths = tuple(w for _, w in names)
        self.edges = np.concatenate(([0], np.cumsum(self.widths))).astype(int)
        n, B = draws.rows, draws.block_size
        if out is None:
            out = tuple(np.empty((n, w)) for w in self.widths)
        out = tuple(out)
        for o, w in zip(out, self.widths, strict=True):
            if o.shape != (n, w) or o.dtype != np.float64 or not o.flags.c_contiguous:
                raise ValueError(
                    f"out arrays must be C-contiguous float64 of shapes (rows, width) = ({n}, {w}), "
                    f"got {o.dtype} {o.shape}"
                )
        self.out = out
        self._gens = [stream(draws.seed, draws.block, k) for k, _ in names]
        # A partial block draws its whole block (its rows are the first ones) into scratch.
        self._scratch = None if n == B else tuple(np.empty((B, w)) for w in self.widths)
        self._next_head = 0  # the next head slab the block generators would give
        self._tails = _Tails(draws, int(self.edges[-1]))
        self._last = -1

    @property
    def drawn(self) -> int:
        """Random numbers drawn so far (a head slab draws the whole block, a tail a few slabs of a row)."""
        return self._next_head * self.d.block_size * int(self.edges[-1]) + self._tails.drawn

    def draw_steps(self, steps: np.ndarray) -> int:
        """Draw every slab the rows need when row ``r`` is stepped ``steps[r]`` days (as an
        engine run would: the head while any row runs, the tail of the rows still running),
        and return the numbers drawn. For benchmarks: the draws alone."""
        steps = np.asarray(steps)
        for k in range(int(steps.max(initial=0))):
            self.draw(k, np.flatnonzero(steps > k) if k >= TAIL_FROM else None)
        return self.drawn

    def draw(self, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Draw slab ``k`` (after every slab drawn before) into the buffers and return them.

        ``rows``: the block's rows that read it (indices), all of them by default;
        before :data:`TAIL_FROM` every row is drawn whatever ``rows`` says.
        """
        if k <= self._last:
            raise ValueError(f"slabs are drawn in order: slab {k} after slab {self._last}")
        self._last = k
        if k < TAIL_FROM:
            self._head(k)
        else:
            self._tails.fill(k, np.arange(self.d.rows) if rows is None else np.asarray(rows), self.out, self.edges)
        return self.out

    def _head(self, k: int) -> None:
        B = self.d.block_size
        skip = k - self._next_head
        for g, w in zip(self._gens, self.widths):
            if skip:  # slabs no row read: skipped exactly, one double a number
                _advance(g, skip * B * w)
        if self._scratch is None:
            for g, o in zip(self._gens, self.out):
                g.random(out=o)
        else:
            n = self.d.rows
            for g, tmp, o in zip(self._gens, self._scratch, self.out):
                g.random(out=tmp)
                o[...] = tmp[:n]
        self._next_head = k + 1


class _Tails:
    """The rows' own per-day slabs from :data:`TAIL_FROM` on (``day_tail``), a few at a time.

    Slabs ``start .. start + T - 1`` of the rows asked for on ``start`` are held in one
    buffer ``(rows, T, W)``; a row's generator is made the first time it is asked for
    and advanced exactly past any slabs it was not asked for.
    """

    def __init__(self, draws: BlockDraws, width: int) -> None:
        self.d = draws
        self.W = width
        self.gens: dict[int, np.random.Generator] = {}
        self.next_slab: dict[int, int] = {}  # per row: the tail slab its generator gives next
        self.start = self.stop = TAIL_FROM
        self.slot = np.full(draws.rows, -1, dtype=np.int64)
        self.buf = np.empty((0, 0, width))
        self.drawn = 0

    def fill(self, k: int, rows: np.ndarray, out: tuple[np.ndarray, ...], edges: np.ndarray) -> None:
        if k >= self.stop or (self.slot[rows] < 0).any():
            self._refill(k, rows)
        at = self.buf[self.slot[rows], k - self.start]
        for i, o in enumerate(out):
            o[rows] = at[:, edges[i] : edges[i + 1]]

    def _refill(self, k: int, rows: np.ndarray) -> None:
        """Draw slabs ``k .. k + T - 1`` of ``rows`` (a row held already is drawn again from ``k``)."""
        T = int(max(1, min(DayStream.TAIL_SLABS, DayStream.TAIL_BYTES // max(1, 8 * self.W * len(rows)))))
        buf = np.empty((len(rows), T, self.W))
        seed, block = self.d.seed, self.d.block
        for i, r in enumerate(rows.tolist()):
            g = self.gens.get(r)
            if g is None:
                g = self.gens[r] = tail_stream(seed, block, r)
                self.next_slab[r] = 0
            skip = (k - TAIL_FROM) - self.next_slab[r]
            if skip:  # past slabs it was not asked for, or back (modulo the period, 2**128)
                _advance(g, (skip * self.W) % 2**128)
            g.random(out=buf[i])
            self.next_slab[r] = k - TAIL_FROM + T
        self.drawn += buf.size
        self.slot[:] = -1
        self.slot[rows] = np.arange(len(rows))
        self.buf, self.start, self.stop = buf, k, k + T


def _draw_columns(scenario: Scenario) -> list:
    """One contingent per column of the duration streams: the first part of each split one."""
    if scenario.plan is None:
        return list(scenario.contingents)
    first: dict[int, object] = {}
    for c, column in zip(scenario.contingents, scenario.plan.parent, strict=True):
        first.setdefault(column, c)
    return [first[k] for k in range(scenario.plan.parents)]


class DaySlabs:
    """A block's per-day slabs for engines that run one replication at a time (SimPy).

    :meth:`row` gives one row's draws of slab ``k``: for ``k < TAIL_FROM`` from the
    block's slabs, drawn once in order as far as they are asked for; after, from the
    row's own ``day_tail`` generator, a few slabs at a time. The numbers are those of
    :class:`DayStream`.

    >>> import drawdown
    >>> slabs = BlockDraws(drawdown.load("doha-2021-05-01"), seed=1, block=0, rows=3).slabs()
    >>> slabs.row(2, 2)[1].shape, len(slabs)
    ((6,), 3)
    """

    def __init__(self, draws: BlockDraws) -> None:
        self.d = draws
        self._days = DayStream(draws)
        self.edges = self._days.edges
        self._slabs: list[tuple[np.ndarray, ...]] = []
        self._tail: dict[int, tuple[int, np.ndarray]] = {}  # row: (first slab held, slabs (T, W))

    def __len__(self) -> int:
        """Head slabs drawn so far."""
        return len(self._slabs)

    def row(self, r: int, k: int) -> tuple[np.ndarray, ...]:
        """Row ``r``'s draws of slab ``k``: one 1-D array per stream of :meth:`BlockDraws.slab_names`."""
        if k < TAIL_FROM:
            while len(self._slabs) <= k:
                self._slabs.append(tuple(a.copy() for a in self._days.draw(len(self._slabs))))
            return tuple(a[r] for a in self._slabs[k])
        first, held = self._tail.get(r, (-1, None))
        if held is None or not first <= k < first + len(held):
            first, held = k, self._tail_slabs(r, k)
            self._tail[r] = (first, held)
        at = held[k - first]
        return tuple(at[self.edges[i] : self.edges[i + 1]] for i in range(len(self.edges) - 1))

    def _tail_slabs(self, r: int, k: int) -> np.ndarray:
        W = int(self.edges[-1])
        g = tail_stream(self.d.seed, self.d.block, r)  # a fresh generator: position from the slab alone
        _advance(g, (k - TAIL_FROM) * W)
        return g.random((DayStream.TAIL_SLABS, W))
