"""The network a v1 scenario implies: its bases, no legs, no crossings, no phases.

The network engines run a v1 scenario through :func:`as_network` and give the v1
engines' outcomes (docs/network.md): the strongest check the two models are one.
"""

from __future__ import annotations

from .model import Scenario
from .network import Exit, Network, Plan, Route

__all__ = ["as_network"]


def as_network(scenario: Scenario) -> tuple[Network, Plan]:
    """The scenario's network and plan; for a v1 scenario, the network v1 implies.

    A v1 scenario is a network of its bases with no crossings, no legs and no phases:
    every contingent leaves from the airfield it flies from (its base's, or its ``via``
    base's), every contingent is its own draw column, and the enablers' cuts and
    exposures are v1's. The network engines run v1 scenarios through this, and give
    the v1 engines' outcomes.

    Examples
    --------
    >>> import drawdown
    >>> network, plan = as_network(drawdown.load("doha-2021-05-01"))
    >>> len(network.exits), network.legs, plan.phases, plan.parents
    (5, (), (), 40)
    """
    if scenario.network is not None and scenario.plan is not None:
        return scenario.network, scenario.plan
    airfields = [b for b, base in enumerate(scenario.bases) if base.airfield]
    exit_of_base = {b: k for k, b in enumerate(airfields)}
    en = scenario.enablers
    C = len(scenario.contingents)
    network = Network(
        places=tuple(b.name for b in scenario.bases),
        crossings=(),
        legs=(),
        exits=tuple(Exit("air", b, b) for b in airfields),
        routes=tuple(
            Route((), (), exit_of_base[c.flies_from], exit_of_base[c.flies_from]) for c in scenario.contingents
        ),
        enabler_scope="theatre",
        cut_legs=tuple(() for _ in en.nations),
        cut_exits=tuple(tuple(exit_of_base[b] for b in cut) for cut in en.cut_airfields),
        exposed_places=tuple(tuple(e) for e in en.exposed_bases),
        exposed_legs=tuple(() for _ in en.nations),
    )
    plan = Plan(phases=(), phase_of=(-1,) * C, leave_with=((),) * C, parent=tuple(range(C)), parents=C)
    return network, plan
