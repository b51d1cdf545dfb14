"""What a summary is a summary of: its :class:`Book` (docs/design.md §3).

Two summaries merge only when their books match in every field: the run (scenario
hash, seed, engine, block size, draw layout), the environment (docs/design.md §2) and
the shapes of the histograms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..draws import LAYOUT_VERSION
from ..scenario import Scenario
from .environment import environment

__all__ = ["Book", "TROOP_BINS", "book_of"]

#: At most this many bins per day for troops in country.
TROOP_BINS = 256


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
        Shapes and scales of the histograms (all follow from the scenario hash).

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.results import book_of
    >>> doha = drawdown.load("doha-2021-05-01")
    >>> book = book_of(doha, seed=1, engine="numpy", block_size=100)
    >>> book.total_troops, book.troop_bin_width, book.troop_bins
    (9600, 38, 253)
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

    @property
    def troop_bin_width(self) -> int:
        """Width of a troops-in-country bin: ``ceil((total_troops + 1) / 256)``."""
        return -(-(self.total_troops + 1) // TROOP_BINS)

    @property
    def troop_bins(self) -> int:
        """Number of troops-in-country bins (at most 256)."""
        return -(-(self.total_troops + 1) // self.troop_bin_width)

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
        **env,
    )
