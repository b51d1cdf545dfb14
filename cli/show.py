"""``drawdown show``: a resolved scenario, readable, sources and assumptions apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from .options import complete_scenario, json_option, report_errors

if TYPE_CHECKING:
    import datetime

    from ..scenario import Contingent, Phase, Scenario, Threat, Triangular


@click.command("show")
@click.argument("scenario", metavar="NAME|PATH", shell_complete=complete_scenario)
@json_option
@report_errors
def show(scenario: str, as_json: bool) -> None:
    """Show a scenario as the model will use it: every value resolved along its
    `extends` chain, with defaults filled in and quantities as whole numbers.

    Figures taken from a source and planning assumptions are told apart: each row is
    marked S (sourced), A (assumption) or S+A, and the texts are listed at the end.
    --json prints the resolved scenario as JSON instead.

    \b
    Examples:
      drawdown show doha-2021-05-01
      drawdown show my-scenario.toml
      drawdown show doha-2021-05-01 --json
    """
    import json

    import drawdown

    s = drawdown.load(scenario)
    if as_json:
        data = s.to_dict()
        data["extends_chain"] = list(s.chain)
        data["warnings"] = list(s.warnings)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(render(s))


def _num(x: float) -> str:
    """A number without a needless ``.0``."""
    x = float(x)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _days(t: Triangular) -> str:
    """Days of a triangular distribution as min/mode/max (one number when fixed)."""
    if t.min == t.max:
        return _num(t.min)
    return f"{_num(t.min)}/{_num(t.mode)}/{_num(t.max)}"


#: The basis of a key path: "S", "A", "S+A" or "-".
Mark = Callable[[str], str]


def render(s: Scenario) -> str:
    """The readable form of a scenario (what ``drawdown show`` prints).

    Parameters
    ----------
    s : Scenario

    Returns
    -------
    str
        Lines of text: the calendar, decision, conditions, threat, enablers, bases and
        contingents, each row marked S (sourced), A (assumption) or S+A, then the
        sources, the assumptions and the warnings.

    Examples
    --------
    >>> import drawdown
    >>> from drawdown.cli.show import render
    >>> text = render(drawdown.load("doha-2021-05-01"))
    >>> text.splitlines()[0].startswith("doha-2021-05-01")
    True
    >>> "Decision [" in text and "Sources (figures from a published source)" in text
    True
    """
    mark = _marks(s)
    sections = (
        _header(s),
        _calendar(s, mark),
        _decision(s, mark),
        _conditions(s, mark),
        _threat(s, mark),
        _enablers(s, mark),
        _bases(s, mark),
        _crossings(s, mark),
        _legs(s, mark),
        _capacity_calendars(s, mark),
        _contingents(s, mark),
        _equipment(s, mark),
        _routes(s),
        _phases(s, mark),
        _provenance(s, "source", "Sources (figures from a published source)"),
        _provenance(s, "assumption", "Assumptions (planning figures, not sourced)"),
        _warnings(s),
    )
    return "\n".join(line for lines in sections for line in lines)


def _marks(s: Scenario) -> Mark:
    """The basis of each key path of ``s``, from its provenance."""
    basis: dict[str, set[str]] = {}
    for key, kind, _text in s.provenance:
        basis.setdefault(key, set()).add(kind)

    def mark(key: str) -> str:
        kinds = basis.get(key, set())
        return "+".join(k for k, name in (("S", "source"), ("A", "assumption")) if name in kinds) or "-"

    return mark


def _when(s: Scenario, date: datetime.date | None) -> str:
    """A date and its day number in ``s``, or "none"."""
    return f"{date.isoformat()} (day {s.day_of(date)})" if date else "none"


def _header(s: Scenario) -> list[str]:
    """Name, file, extends chain, hash and notes."""
    from pathlib import Path

    lines = [f"{s.name}: {s.description}" if s.description else s.name, f"  file     {click.format_filename(s.file)}"]
    parents = [Path(f).stem for f in reversed(s.chain[:-1])]
    if parents:
        lines.append(f"  extends  {' -> '.join(parents)}")
    lines.append(f"  hash     {s.hash}")
    if s.notes:
        lines += ["", click.wrap_text(s.notes, width=88, initial_indent="  ", subsequent_indent="  ")]
    return [*lines, "", "S = figure from a source, A = planning assumption (texts at the end)."]


def _calendar(s: Scenario, mark: Mark) -> list[str]:
    """Start, horizon, deadline and force."""
    last_day = s.date_of(s.horizon_days - 1).isoformat()
    return [
        "",
        f"Calendar [{mark('(scenario)')}]",
        f"  start            {_when(s, s.start)}",
        f"  horizon          {s.horizon_days} days (last day simulated {last_day})",
        f"  deadline         {_when(s, s.deadline) if s.deadline else 'none (conditions-based)'}",
        f"  force            {s.total_troops} troops from {len(s.nations)} nations, {len(s.contingents)} contingents",
    ]


def _decision(s: Scenario, mark: Mark) -> list[str]:
    """The decision rule and its settings."""
    d = s.decision
    lines = ["", f"Decision [{mark('decision')}]", f"  rule             {d.rule}"]
    if d.day is not None:
        lines.append(f"  order given      {_when(s, s.date_of(d.day))}")
    if d.meeting_days:
        lines.append("  meetings         " + ", ".join(s.date_of(m).isoformat() for m in d.meeting_days))
    lines.append(f"  p_no_consensus   {_num(d.p_no_consensus)}")
    if d.rule == "conditions":
        special = (
            f"yes, {d.special_meeting_delay_days} days after conditions are met" if d.allow_special_meetings else "no"
        )
        lines.append(f"  special meeting  {special}")
    if d.latest_decision_day is not None:
        lines.append(f"  latest decision  {_when(s, s.date_of(d.latest_decision_day))}")
    if d.start_on_day:
        lines.append(f"  start on         {_when(s, s.date_of(d.start_on_day))}")
    return lines


def _conditions(s: Scenario, mark: Mark) -> list[str]:
    """The violence index and when the conditions are met."""
    c = s.conditions
    return [
        "",
        f"Conditions [{mark('conditions')}]",
        f"  violence index from {_num(c.initial)}, reverting {_num(c.reversion)} a day towards "
        f"{_num(c.target)}, volatility {_num(c.volatility)}",
        f"  met once at or below {_num(c.threshold)} for {c.hold_days} consecutive days",
    ]


def _threat(s: Scenario, mark: Mark) -> list[str]:
    """Attacks, casualties and airfield hits."""
    t = s.threat
    return [
        "",
        f"Threat [{mark('threat')}]",
        f"  attacks/day before deadline  {_num(t.attack_rate_before)}",
        f"  attacks/day after deadline   {_num(t.attack_rate_after)} "
        f"(+{_num(t.escalation_per_week)} of it per full week)",
        f"  violence coupling            {_num(t.violence_coupling)} (used without a deadline)",
        f"  capped at                    {_cap(t.attack_rate_max)}",
        f"  casualties per attack        {_num(t.casualties_per_attack)}{_split(t)}",
        f"  airfield hit                 p {_num(t.p_airfield_hit)} per attack, shut {t.closure_days} days",
    ]


def _cap(cap: float | None) -> str:
    return "no cap (escalation unbounded within the horizon)" if cap is None else f"{_num(cap)} attacks/day"


def _split(t: Threat) -> str:
    if t.killed_per_attack is None:
        return " (killed and wounded together)"
    return f" (killed {_num(t.killed_per_attack)}, wounded {_num(t.wounded_per_attack)})"


def _enablers(s: Scenario, mark: Mark) -> list[str]:
    """The enabler nations and what their leaving costs."""
    e = s.enablers
    last = "yes (in together, out together)" if s.enablers_last else "no (enablers may leave first)"
    return [
        "",
        f"Enablers [{mark('enablers')}]",
        f"  enabler nations  {', '.join(e.nations) or 'none'}",
        f"  enablers last    {last}",
        *_hold_scope(s),
        f"  without enablers capacity x{_num(e.capacity_without_enablers)}, "
        f"attack exposure x{_num(e.exposure_without_enablers)}",
    ]


def _bases(s: Scenario, mark: Mark) -> list[str]:
    """One row per base: airfield capacity, or the airfield it flies from."""
    from ..scenario import format_key

    lines = [
        "",
        "Bases",
        f"  {'name':<16} {'seats/day':>9} {'cargo t/day':>11} {'shut p/day':>10} "
        f"{'attack x':>8}  {'flies from':<18} basis",
    ]
    for b in s.bases:
        key = format_key(("bases", b.name))
        if b.airfield:
            row = (
                f"  {b.name:<16} {b.seats_per_day:>9} {b.cargo_t_per_day:>11} {_num(b.p_closed_day):>10} "
                f"{_num(b.attack_multiplier):>8}  {'own airfield':<18}"
            )
        else:
            via = f"{s.bases[b.via].name} (+{b.road_days} d road)" if b.via >= 0 else "-"
            row = f"  {b.name:<16} {'-':>9} {'-':>11} {'-':>10} {_num(b.attack_multiplier):>8}  {via:<18}"
        lines.append(f"{row} {mark(key)}")
    return lines


def _crossings(s: Scenario, mark: Mark) -> list[str]:
    """One row per crossing (a ground exit), for a network scenario."""
    from ..scenario import format_key

    if s.network is None or not s.network.crossings:
        return []
    lines = [
        "",
        "Crossings (ground exits)",
        f"  {'name':<16} {'troops/day':>10} {'cargo t/day':>11} {'shut p/day':>10} {'attack x':>8} "
        f"{'hit p':>6} {'shut d':>6} basis",
    ]
    for x in s.network.crossings:
        lines.append(
            f"  {x.name:<16} {x.troops_per_day:>10} {x.cargo_t_per_day:>11} {_num(x.p_closed_day):>10} "
            f"{_num(x.attack_multiplier):>8} {_num(x.p_hit):>6} {x.closure_days:>6} "
            f"{mark(format_key(('crossings', x.name)))}"
        )
    return lines


def _legs(s: Scenario, mark: Mark) -> list[str]:
    """One row per leg: where it goes, how long it takes and what it carries a day."""
    from ..scenario import format_key

    if s.network is None or not s.network.legs:
        return []
    net = s.network
    width = max(len(leg.name) for leg in net.legs)
    lines = [
        "",
        "Legs (moves inside the theatre)",
        f"  {'name':<{width}} {'from':<14} {'to':<14} {'mode':<4} {'days':>4} {'troops/day':>10} "
        f"{'cargo t/day':>11} {'attack x':>8} {'hit p':>6} basis",
    ]
    for leg in net.legs:
        lines.append(
            f"  {leg.name:<{width}} {net.places[leg.origin]:<14} {net.places[leg.destination]:<14} {leg.mode:<4} "
            f"{leg.transit_days:>4} {leg.troops_per_day:>10} {leg.cargo_t_per_day:>11} "
            f"{_num(leg.attack_multiplier):>8} {_num(leg.p_hit):>6} {mark(format_key(('legs', leg.name)))}"
        )
    return lines


def _capacity_calendars(s: Scenario, mark: Mark) -> list[str]:
    """One row per period of a capacity calendar: its dates and the capacities that apply, nominal and cut."""
    from ..scenario import format_key

    ways = [("bases", b.name, b.calendar) for b in s.bases if b.airfield]
    if s.network is not None:
        ways += [("crossings", x.name, x.calendar) for x in s.network.crossings]
        ways += [("legs", g.name, g.calendar) for g in s.network.legs]
    rows = [(kind, name, i, p) for kind, name, cal in ways for i, p in enumerate(cal)]
    if not rows:
        return []
    width = max(16, *(len(name) for _, name, _, _ in rows))
    lines = [
        "",
        "Capacity calendars (periods with other capacities; outside them the table's values)",
        f"  {'way':<{width}} {'from':<10}   {'to':<10} {'people/day':>10} {'cargo t/day':>11} "
        f"{'without enablers':>17} basis",
    ]
    for kind, name, i, p in rows:
        cut = f"{p.troops_reduced} / {p.cargo_reduced} t"
        lines.append(
            f"  {name:<{width}} {s.date_of(p.first_day).isoformat()} - {s.date_of(p.last_day).isoformat()} "
            f"{p.troops_per_day:>10} {p.cargo_t_per_day:>11} {cut:>17} "
            f"{mark(format_key((kind, name, 'calendar', i)))}"
        )
    return lines


def _exit_name(s: Scenario, k: int) -> str:
    """An exit as a reader knows it: a base's airfield, or a crossing."""
    assert s.network is not None
    way = s.network.exits[k]
    return f"{s.network.places[way.place]} ({'airfield' if way.kind == 'air' else 'crossing'})"


def _routes(s: Scenario) -> list[str]:
    """Each contingent's way out, troops and equipment, for a network scenario."""
    if s.network is None:
        return []
    net = s.network
    lines = ["", "Routes (troops; equipment where it differs)"]
    for c, route in zip(s.contingents, net.routes, strict=True):
        legs = " -> ".join(net.legs[k].name for k in route.troop_legs) or "-"
        line = f"  {c.id}: {legs} => {_exit_name(s, route.troop_exit)}"
        if route.cargo_legs != route.troop_legs or route.cargo_exit != route.troop_exit:
            kit = " -> ".join(net.legs[k].name for k in route.cargo_legs) or "-"
            line += f"; equipment {kit} => {_exit_name(s, route.cargo_exit)}"
        lines.append(line)
    return lines


def _phase_start(s: Scenario, phase: Phase) -> str:
    """When a phase starts, in words."""
    assert s.plan is not None
    pause = f" + {phase.days_after} d" if phase.days_after else ""
    if phase.start == "phase":
        return f"day after {s.plan.phases[phase.after_phase].name} is complete{pause}"
    if phase.start == "date" and phase.start_day is not None:
        return f"{s.date_of(phase.start_day).isoformat()}{pause} (not before the order)"
    return f"{'the order' if phase.start == 'order' else 'conditions met'}{pause}"


def _hold_scope(s: Scenario) -> list[str]:
    """Where an enabler's hold applies, for a network scenario (a v1 one holds the theatre)."""
    if s.network is None:
        return []
    scope = s.network.enabler_scope
    where = "the whole theatre" if scope == "theatre" else "each base, for the dependants who use it"
    return [f"  hold scope       {scope} ({where})"]


def _phases(s: Scenario, mark: Mark) -> list[str]:
    """The plan: each phase's start, members and ceiling; leave_with."""
    from ..scenario import format_key

    if s.plan is None:
        return []
    lines = ["", "Plan (phases, in order)" if s.plan.phases else "Plan (no phases: everyone starts with the order)"]
    for phase in s.plan.phases:
        lines += _phase_lines(s, phase, mark, format_key)
    return lines + _followers(s)


def _followers(s: Scenario) -> list[str]:
    """Who leaves with which framework nation (``leave_with``), one lead nation a paragraph."""
    assert s.plan is not None
    by_lead: dict[tuple[int, ...], list[str]] = {}
    for c, leads in zip(s.contingents, s.plan.leave_with, strict=True):
        if leads:
            by_lead.setdefault(leads, []).append(c.id)
    lines = []
    for leads, ids in by_lead.items():
        names = " or ".join(s.contingents[i].id for i in leads)
        when = "it is" if len(leads) == 1 else "the first of them is"
        text = f"leave with {names} (not ready before {when}): {', '.join(ids)}"
        lines.append(click.wrap_text(text, width=88, initial_indent="  ", subsequent_indent="      "))
    return lines


def _phase_lines(s: Scenario, phase: Phase, mark: Mark, format_key: Callable[[tuple], str]) -> list[str]:
    """One phase: its start, its members and its ceiling."""
    lines = []
    members = ", ".join(s.contingents[i].id for i in phase.members)
    lines.append(f"  {phase.name}: starts {_phase_start(s, phase)} [{mark(format_key(('phases', phase.name)))}]")
    lines.append(click.wrap_text(f"members {members}", width=88, initial_indent="    ", subsequent_indent="      "))
    ceiling = phase.ceiling
    if ceiling is not None:
        who = ceiling.nation or "the force"
        until = (
            f"{s.plan.phases[ceiling.until_phase].name} starts"
            if ceiling.until_phase >= 0
            else s.date_of(ceiling.until_day or 0).isoformat()
        )
        lines.append(f"    ceiling {ceiling.troops} troops ({who}) until {until}")
    return lines


def _contingents(s: Scenario, mark: Mark) -> list[str]:
    """One row per contingent, the totals and the airfield priority."""
    from ..scenario import format_key

    width = max(len(x.id) for x in s.contingents)
    lines = [
        "",
        f"Contingents (in scenario order; days as min/mode/max) [defaults: {mark('contingent_defaults')}]",
        f"  {'id':<{width}} {'troops':>6} {'equip t':>7} {'lift t':>6} {'rear':>5} {'nat. delay':>10} "
        f"{'prep':>10}  {'depends on':<10} basis",
    ]
    for x in s.contingents:
        key = format_key(("contingents", x.id))
        lines.append(
            f"  {x.id:<{width}} {x.troops:>6} {x.equipment_t:>7} {x.liftable_t:>6} {x.rear_guard:>5} "
            f"{_days(x.national_delay):>10} {_days(x.prep):>10}  {', '.join(x.depend_on) or '-':<10} "
            f"{mark(key)}"
        )
    equipment = sum(x.equipment_t for x in s.contingents)
    order = ", ".join(s.contingents[i].id for i in s.priority[:5])
    return [
        *lines,
        f"  {'total':<{width}} {s.total_troops:>6} {equipment:>7} {s.liftable_t:>6}",
        f"  airfield priority: {order}, ... ({len(s.priority)} in all)",
    ]


def _kit_start(s: Scenario, c: Contingent) -> str:
    if c.equipment_start == "date" and c.equipment_start_day is not None:
        return s.date_of(c.equipment_start_day).isoformat()
    return "with troops" if c.equipment_start == "ready" else "at order"


def _equipment(s: Scenario, mark: Mark) -> list[str]:
    """How each contingent's equipment leaves (MODEL-V2 §3), for a scenario that says more than v1:
    its start, and its tonnes handed over, disposed of in place (at what rate) and to move."""
    from ..scenario import format_key

    uses = any(c.equipment_start != "ready" or c.disposal_t for c in s.contingents)
    pools = s.plan.disposal_pools if s.plan is not None else ()
    if not uses and not pools:
        return []
    shared = {i: p for p in pools for i in p.members}
    width = max(len(x.id) for x in s.contingents)
    rate_width = max([len("t/day")] + [len(p.nation) + 2 for p in pools])
    lines = [
        "",
        "Equipment (tonnes handed over at its start, disposed of in place at a rate, moved out)",
        f"  {'id':<{width}} {'starts':<11} {'handover':>8} {'disposal':>8} {'t/day':>{rate_width}} {'moved':>6}",
    ]
    for i, c in enumerate(s.contingents):
        rate = "-"
        if c.disposal_t:
            rate = str(c.disposal_t_per_day) if c.disposal_t_per_day else f"{shared[i].nation}'s"
        lines.append(
            f"  {c.id:<{width}} {_kit_start(s, c):<11} {c.handover_t:>8} {c.disposal_t:>8} "
            f"{rate:>{rate_width}} {c.liftable_t:>6}"
        )
    for p in pools:
        basis = mark(format_key(("nations", p.nation)))
        lines.append(f"  {p.nation}'s disposal rate: {p.t_per_day} t a day, shared in priority order [{basis}]")
    return lines


def _provenance(s: Scenario, kind: str, title: str) -> list[str]:
    """The texts of one kind of provenance, each after the key paths it covers."""
    groups: dict[str, list[str]] = {}
    for key, k, text in s.provenance:
        if k == kind:
            groups.setdefault(text, []).append(key)
    lines = ["", title]
    if not groups:
        lines.append("  none")
    for text, keys in groups.items():
        lines.append(click.wrap_text(", ".join(keys), width=88, initial_indent="  ", subsequent_indent="  "))
        lines.append(click.wrap_text(text, width=88, initial_indent="      ", subsequent_indent="      "))
    return lines


def _warnings(s: Scenario) -> list[str]:
    """The scenario's warnings, if any."""
    if not s.warnings:
        return []
    return ["", "Warnings", *(f"  {w}" for w in s.warnings)]
