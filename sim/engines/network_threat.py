"""The adversary of a network scenario: attacks on the troops at bases, waiting at
crossings and on road legs; hits that shut airfields, crossings and legs."""

from __future__ import annotations

import numpy as np
import simpy

from ..draws import poisson_inv
from .moments import Moment
from .network_theatre import NetworkTheatre
from .network_ways import Way
from .simpy_engine import Process, attacks_before_the_drawn_days, plural, surely_no_attack
from .simpy_frame import wait_until

__all__ = ["adversary"]


def adversary(env: simpy.Environment, theatre: NetworkTheatre) -> Process:
    """The adversary: each day, attacks on the troops at each base, waiting at each crossing
    and on each road leg, in proportion to their number; casualties; airfields, crossings
    and road legs shut by hits. Before the first drawn day, one total (as v1)."""
    yield from attacks_before_the_drawn_days(env, theatre)
    for day in range(theatre.first_drawn_day, theatre.horizon):
        yield wait_until(env, day, Moment.THREAT)
        rate = theatre.rates[day]
        if rate != 0.0:
            _attack_bases(theatre, day, rate)
            if theatre.plan.network.sites:
                _attack_sites(theatre, day, rate)


def _likely_attacks(us: list[float], means: list[tuple[int, float]]) -> tuple[list[int], np.ndarray]:
    """The columns whose attack count may not be 0, and their counts (shared helper)."""
    cols = [k for k, mean in means if not surely_no_attack(us[k], mean)]
    if not cols:
        return [], np.zeros(0, dtype=np.int64)
    mean_of = dict(means)
    attacks = poisson_inv(np.array([us[k] for k in cols]), np.array([mean_of[k] for k in cols]))
    return cols, attacks


def _attack_bases(theatre: NetworkTheatre, day: int, rate: float) -> None:
    """v1's attacks on the bases (streams ``attacks``, ``casualties``, ``hits``)."""
    plan = theatre.plan
    _, u_attacks, u_casualties, u_hits = theatre.day_draws(day)[:4]
    total = plan.total_troops
    means = [
        (
            b,
            rate
            * (plan.place_exposed[b] if day >= theatre.place_exposed_from[b] else plan.place_factor[b])
            * t
            / total,
        )
        for b, t in enumerate(theatre.troops_at[: plan.B])
        if t
    ]
    cols, attacks = _likely_attacks(u_attacks.tolist(), means)
    struck = [(b, int(a)) for b, a in zip(cols, attacks, strict=True) if a]
    if not struck:
        return
    bases = [b for b, _ in struck]
    counts = np.array([a for _, a in struck])
    casualties = plan.casualty_table.casualties(u_casualties[bases], counts)
    theatre.attacks += int(counts.sum())
    theatre.casualties += int(casualties.sum())
    closure = theatre.s.threat.closure_days
    shut = plan.airfield_hits.threshold(counts)
    for k, b in enumerate(bases):
        name = theatre.s.bases[b].name
        if theatre.events is not None:
            theatre.log(
                "attack",
                f"{name}: {plural(counts[k], 'attack')}, {plural(casualties[k], 'casualty', 'casualties')}",
                base=name,
                attacks=int(counts[k]),
                casualties=int(casualties[k]),
            )
        field = theatre.airfield_at.get(b)
        if field is not None and closure > 0 and u_hits[field.column] < shut[k]:
            _shut(theatre, field, day, closure, "airfield hit")


def _site_troops(theatre: NetworkTheatre, day: int) -> list[tuple[int, float, int]]:
    """Per site with troops there today: its attack factor and its troops (crossings, then road legs)."""
    plan = theatre.plan
    B = plan.B
    out = []
    for x in range(len(plan.network.crossings)):
        troops = theatre.troops_at[B + x]
        if troops:
            exposed = day >= theatre.place_exposed_from[B + x]
            out.append((x, plan.place_exposed[B + x] if exposed else plan.place_factor[B + x], troops))
    for leg in theatre.legs:
        if leg.troops_on and leg.spec.mode == "road":
            k = leg.index
            factor = plan.leg_exposed[k] if day >= theatre.leg_exposed_from[k] else plan.leg_factor[k]
            out.append((leg.site, factor, leg.troops_on))
    return out


def _attack_sites(theatre: NetworkTheatre, day: int, rate: float) -> None:
    """Attacks on those waiting at crossings and on road legs (streams ``site_*``)."""
    plan = theatre.plan
    total = plan.total_troops
    # As drawdown.draws.attack_mean computes it, in the same order: rate * factor * troops / total.
    means = [(site, rate * factor * troops / total) for site, factor, troops in _site_troops(theatre, day)]
    if not means:
        return
    _, u_attacks, u_casualties, u_hits = theatre.site_draws(day)
    cols, attacks = _likely_attacks(u_attacks.tolist(), means)
    for site, a in zip(cols, attacks.tolist(), strict=True):
        if not a:
            continue
        casualties = int(plan.casualty_table.casualties(u_casualties[[site]], np.array([a]))[0])
        theatre.attacks += a
        theatre.casualties += casualties
        way: Way = (
            theatre.crossing_exit[site]
            if site in theatre.crossing_exit
            else theatre.legs[site - len(plan.network.crossings)]
        )
        if theatre.events is not None:
            theatre.log(
                "attack",
                f"{way.name}: {plural(a, 'attack')} on {way.exposed_troops}, "
                f"{plural(casualties, 'casualty', 'casualties')}",
                site=way.name,
                attacks=a,
                casualties=casualties,
            )
        closure = way.spec.closure_days
        if closure > 0 and u_hits[site] < plan.site_hits[site].threshold(np.array([a]))[0]:
            _shut(theatre, way, day, closure, "hit")


def _shut(theatre: NetworkTheatre, way: Way, day: int, closure_days: int, why: str) -> None:
    way.closed_until = max(way.closed_until, day + closure_days - 1)
    if theatre.events is not None:
        theatre.log(
            "closure",
            f"{way.name}: {why}, shut until {theatre.date(way.closed_until)}",
            way=way.name,
            until_day=way.closed_until,
        )
