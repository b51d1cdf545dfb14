"""The frozen model v2 parts of a scenario: places, legs, exits, routes, phases (docs/network.md).

A scenario with none of the v2 keys (``crossings``, ``legs``, ``phases``, ``groups``,
a contingent's ``route``, ``equipment_route`` or ``leave_with``, ``enablers.scope``,
a split contingent id ``NATION@BASE#PART``) has ``network = None`` and ``plan = None``
and runs in the v1 engines, unchanged. Any of them makes ``scenario.network`` and
``scenario.plan`` both present (a plan may have no phases, a network no legs) and the
scenario runs in the network engines (``drawdown.engines.network_numpy``,
``drawdown.engines.network_simpy``), which follow docs/network.md.

Indices
-------
- **places**: the bases (file order, ``0 .. B-1``), then the crossings (file order,
  ``B .. B+X-1``).
- **exits**: the bases that have an airfield (file order), then the crossings (file
  order). ``Exit.place`` is its place.
- **legs**: file order.
- **sites** (the draw streams of v2, :mod:`drawdown.draws.layout`): the crossings
  (file order), then the legs (file order): site ``k < X`` is crossing ``k``, site
  ``X + l`` is leg ``l``.
- **contingents**: scenario order, as v1; a split contingent's parts are contingents.

Everything the engines read is an integer except probabilities and multipliers.
:func:`drawdown.scenario.as_network` (``implied``) gives the network a v1 scenario implies.
"""

from __future__ import annotations

from dataclasses import dataclass

from .capacity import Period

__all__ = [
    "Crossing",
    "Leg",
    "Exit",
    "Route",
    "Network",
    "Ceiling",
    "Phase",
    "DisposalPool",
    "Plan",
    "START_KINDS",
    "EQUIPMENT_STARTS",
]

#: How a phase's start is given.
START_KINDS = ("order", "conditions", "phase", "date")
#: When a contingent's equipment starts to leave (``equipment_start``; a date gives ``"date"``).
EQUIPMENT_STARTS = ("ready", "order")


@dataclass(frozen=True)
class Crossing:
    """A ground exit: a place on the border; troops past it are out of the theatre.

    Capacities in troops a day and tonnes a day, nominal and with the enablers gone
    (``*_reduced``, rounded half up by the loader).
    """

    name: str
    troops_per_day: int
    cargo_t_per_day: int
    troops_reduced: int
    cargo_reduced: int
    p_closed_day: float
    attack_multiplier: float  # on the troops waiting there
    p_hit: float  # chance one attack on those waiting there shuts the crossing
    closure_days: int  # days a hit shuts it, the day of the hit included
    source: str | None = None
    assumption: str | None = None
    calendar: tuple[Period, ...] = ()  # periods with other capacities (drawdown.scenario.capacity)

    @property
    def capacities(self) -> tuple[int, int, int, int]:
        """Base values ``(troops, cargo, troops_reduced, cargo_reduced)`` a day, outside every period."""
        return (self.troops_per_day, self.cargo_t_per_day, self.troops_reduced, self.cargo_reduced)


@dataclass(frozen=True)
class Leg:
    """A move between two places inside the theatre: by ``road`` or by ``air``.

    What is dispatched on day ``t`` is on the leg on days ``t+1 .. t+transit_days-1``
    and arrives at the PHASES moment of day ``t + transit_days``.
    """

    name: str
    mode: str  # "road" or "air"
    origin: int  # place index
    destination: int  # place index
    transit_days: int  # >= 1
    troops_per_day: int
    cargo_t_per_day: int
    troops_reduced: int
    cargo_reduced: int
    attack_multiplier: float  # road legs; 0.0 for air legs
    p_hit: float  # chance one attack on the leg shuts it (road legs)
    closure_days: int  # days a hit shuts it, the day of the hit included
    source: str | None = None
    assumption: str | None = None
    calendar: tuple[Period, ...] = ()  # periods with other capacities (drawdown.scenario.capacity)

    @property
    def capacities(self) -> tuple[int, int, int, int]:
        """Base values ``(troops, cargo, troops_reduced, cargo_reduced)`` a day, outside every period."""
        return (self.troops_per_day, self.cargo_t_per_day, self.troops_reduced, self.cargo_reduced)


@dataclass(frozen=True)
class Exit:
    """A way out of the theatre: a base's airfield (``air``) or a crossing (``ground``)."""

    kind: str  # "air" or "ground"
    place: int  # place index (a base for "air", a crossing for "ground")
    index: int  # the base index (air) or the crossing index (ground)


@dataclass(frozen=True)
class Route:
    """The way a contingent's troops and its liftable equipment leave.

    ``troop_legs`` / ``cargo_legs`` are leg indices from the contingent's base (for a
    ``via`` base: from the base it flies from; such a contingent has no legs), each
    starting where the previous one ends; the exit is at the end of the last leg (or
    at the base itself when there are no legs).
    """

    troop_legs: tuple[int, ...]
    cargo_legs: tuple[int, ...]
    troop_exit: int  # exit index
    cargo_exit: int  # exit index

    def troop_places(self, network: Network, start: int) -> tuple[int, ...]:
        """Places the troops pass, from ``start`` (their base) to their exit's place."""
        return (start, *(network.legs[k].destination for k in self.troop_legs))

    def cargo_places(self, network: Network, start: int) -> tuple[int, ...]:
        """Places the equipment passes, from ``start`` to its exit's place."""
        return (start, *(network.legs[k].destination for k in self.cargo_legs))


@dataclass(frozen=True)
class Network:
    """The theatre as places, legs and exits, and each contingent's routes.

    Attributes
    ----------
    places : tuple of str
        Names: the bases, then the crossings.
    crossings, legs, exits : tuples
    routes : tuple of Route
        Per contingent, scenario order.
    enabler_scope : str
        ``"theatre"`` (v1) or ``"base"`` (docs/network.md, "Enablers").
    cut_legs, cut_exits : tuple of tuple of int
        Per enabler nation (``Scenario.enablers.nations`` order): the legs and exits a
        dependent of it uses, whose capacity is cut once it is gone
        (``enablers_last = false``).
    exposed_places, exposed_legs : tuple of tuple of int
        Per enabler nation: the places where a dependent of it can count and the road
        legs a dependent travels, whose attack means are multiplied by
        ``exposure_without_enablers`` once it is gone.
    """

    places: tuple[str, ...]
    crossings: tuple[Crossing, ...]
    legs: tuple[Leg, ...]
    exits: tuple[Exit, ...]
    routes: tuple[Route, ...]
    enabler_scope: str
    cut_legs: tuple[tuple[int, ...], ...]
    cut_exits: tuple[tuple[int, ...], ...]
    exposed_places: tuple[tuple[int, ...], ...]
    exposed_legs: tuple[tuple[int, ...], ...]

    @property
    def sites(self) -> int:
        """Columns of the v2 draw streams: crossings, then legs."""
        return len(self.crossings) + len(self.legs)


@dataclass(frozen=True)
class Ceiling:
    """A force management level: troops in country held at or above ``troops`` until released.

    It counts ``members`` (every contingent, or one nation's) and binds on every day
    before its release: the start day of phase ``until_phase``, or ``until_day``.
    """

    troops: int
    nation: str | None  # None: the whole force
    members: tuple[int, ...]  # contingent indices it counts
    until_phase: int  # phase index, -1 when released on a date
    until_day: int | None  # day number, when released on a date


@dataclass(frozen=True)
class Phase:
    """One stage of a plan: its members, its start and perhaps a ceiling.

    ``start`` is one of :data:`START_KINDS`; the start day is
    ``max(decision_day, event + days_after)`` where the event is the order, the day
    conditions are met, ``start_day`` (a date), or for ``"phase"`` the day after phase
    ``after_phase`` is complete.
    """

    name: str
    members: tuple[int, ...]  # contingent indices, scenario order
    start: str
    after_phase: int  # phase index for start == "phase", else -1
    start_day: int | None  # day number for start == "date"
    days_after: int
    ceiling: Ceiling | None


@dataclass(frozen=True)
class DisposalPool:
    """A nation's disposal rate (``[nations."X"] disposal_t_per_day``), in tonnes a day.

    Each day the rate is shared among ``members`` (contingent indices, in the scenario's
    priority order) whose equipment has started, each taking ``min(what it has left to
    dispose of, what is left of the rate)``.
    """

    nation: str
    t_per_day: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """The phases of a withdrawal and who waits for whom.

    Attributes
    ----------
    phases : tuple of Phase
        File order.
    phase_of : tuple of int
        Per contingent, its phase, -1 for none (it starts with the order, as in v1).
    leave_with : tuple of tuple of int
        Per contingent, the contingents of its framework nation whose earliest ready
        day it may not be ready before (empty: it leaves on its own clock).
    disposal_pools : tuple of DisposalPool
        The nations' shared disposal rates (empty: every rate is a contingent's own).
    parent : tuple of int
        Per contingent, the column of its draws (national delay, preparation): the parts
        of a split contingent share their parent's. Column ``k`` is the ``k``-th distinct
        ``NATION@BASE`` in scenario order.
    parents : int
        The number of draw columns.
    """

    phases: tuple[Phase, ...]
    phase_of: tuple[int, ...]
    leave_with: tuple[tuple[int, ...], ...]
    parent: tuple[int, ...]
    parents: int
    disposal_pools: tuple[DisposalPool, ...] = ()
