"""What a summary is a summary of: its :class:`Book` (docs/design.md §3).

Two summaries merge only when their books match in every field: the run (scenario
hash, seed, engine, block size, draw layout), the environment (docs/design.md §2) and
the shapes of the histograms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..draws import LAYOUT_VERSION, reads_conditions
from ..scenario import Scenario
from .environment import environment

__all__ = ["Book", "DAY_TABLE_ENTRIES", "DAY_VALUES_MIN", "TROOP_BINS", "book_of"]

#: The troop bins of summaries of content version 1 (``ceil((total_troops + 1) / 256)``
#: soldiers wide); no longer used: per-day histograms are exact (day tables).
TROOP_BINS = 256
#: Entries (distinct values of a day) a per-day table may hold over the whole horizon
#: before a day is coarsened: at most 64 MiB of values and counts for each of troops and
#: tonnes (a default run of 64,000 replications holds some 10 MiB of both).
DAY_TABLE_ENTRIES = 1 << 22
#: ... and at least this many a day, whatever the horizon.
DAY_VALUES_MIN = 64


@dataclass(frozen=True)
class Book:
    """What a summary is a summary of; two summaries merge only when their books match.

    Attributes
    ----------
    scenario_hash, seed, engine, block_size
        The run: the same scenario content, seed, engine and block layout.
    version, numpy_version, scipy_version, simd
        The software and the CPU features numpy dispatches to.
    layout_version
        Version of the draw layout (:data:`drawdown.draws.LAYOUT_VERSION`).
    horizon_days, deadline_day, total_troops, liftable_t, n_contingents, n_bases
        Shapes and scales of the histograms (all follow from the scenario hash); the
        horizon also sets :attr:`day_value_cap`.
    models_conditions
        Whether the model reads the conditions index (:func:`drawdown.draws.reads_conditions`);
        where it does not, no replication leaves "before the conditions" and the summary
        says so (a null probability), as it does for a deadline it has not.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.results import book_of
    >>> doha = drawdown.load("doha-2021-05-01")
    >>> book = book_of(doha, seed=1, engine="numpy", block_size=100)
    >>> book.total_troops, book.day_value_cap
    (9600, 7767)
    >>> book.mismatch(book_of(doha, seed=2, engine="numpy", block_size=100))
    ['seed: 1 != 2']
    """

    scenario_hash: str
    seed: int
    engine: str
    block_size: int
    version: str
    numpy_version: str
    scipy_version: str
    simd: str
    layout_version: int
    horizon_days: int
    deadline_day: int | None
    total_troops: int
    liftable_t: int
    n_contingents: int
    n_bases: int
    models_conditions: bool = True

    @property
    def day_value_cap(self) -> int:
        """Distinct values a day of a per-day table keeps exactly (:class:`~drawdown.results.stats.DayTable`):
        ``max(DAY_VALUES_MIN, DAY_TABLE_ENTRIES // horizon_days)``: 7,767 over 540 days
        (troops in country take at most ``total_troops + 1`` values, 9,601 in the base
        force), 209 over 20,000. A day with more is coarsened to bins of a power of two (labelled
        approximate wherever it is reported); memory stays at 16 bytes an entry."""
        return max(DAY_VALUES_MIN, DAY_TABLE_ENTRIES // max(self.horizon_days, 1))

    def mismatch(self, other: Book) -> list[str]:
        """The fields where two books differ, as ``"name: a != b"`` strings."""
        out = []
        for k, v in asdict(self).items():
            w = getattr(other, k)
            if v != w:
                out.append(f"{k}: {v!r} != {w!r}")
        return out


def book_of(scenario: Scenario, *, seed: int, engine: str, block_size: int) -> Book:
    """The book of a run of ``scenario`` in this environment (:func:`environment`).

    Parameters
    ----------
    scenario : Scenario
    seed : int
    engine : str
        ``"numpy"`` or ``"simpy"``.
    block_size : int

    Returns
    -------
    Book
    """
    env = environment()
    return Book(
        scenario_hash=scenario.hash,
        seed=int(seed),
        engine=str(engine),
        block_size=int(block_size),
        layout_version=LAYOUT_VERSION,
        horizon_days=int(scenario.horizon_days),
        deadline_day=None if scenario.deadline_day is None else int(scenario.deadline_day),
        total_troops=int(scenario.total_troops),
        liftable_t=int(scenario.liftable_t),
        n_contingents=len(scenario.contingents),
        n_bases=len(scenario.bases),
        models_conditions=reads_conditions(scenario),
        **env,
    )
