"""``drawdown show``: a resolved scenario, readable, sources and assumptions apart."""

from __future__ import annotations

import click

from .options import json_option, report_errors


@click.command("show")
@click.argument("scenario", metavar="NAME|PATH")
@json_option
@report_errors
def show(scenario, as_json):
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


def _num(x) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _days(t) -> str:
    if t.min == t.max:
        return _num(t.min)
    return f"{_num(t.min)}/{_num(t.mode)}/{_num(t.max)}"


def render(s) -> str:
    """The readable form of a scenario (what ``drawdown show`` prints)."""
    from pathlib import Path

    from ..scenario import format_key

    basis: dict[str, set] = {}
    for key, kind, _text in s.provenance:
        basis.setdefault(key, set()).add(kind)

    def mark(key: str) -> str:
        kinds = basis.get(key, set())
        return "+".join(k for k, name in (("S", "source"), ("A", "assumption")) if name in kinds) or "-"

    def when(date) -> str:
        return f"{date.isoformat()} (day {s.day_of(date)})" if date else "none"

    lines: list[str] = []
    out = lines.append
    out(f"{s.name}: {s.description}" if s.description else s.name)
    out(f"  file     {click.format_filename(s.file)}")
    parents = [Path(f).stem for f in reversed(s.chain[:-1])]
    if parents:
        out(f"  extends  {' -> '.join(parents)}")
    out(f"  hash     {s.hash}")
    if s.notes:
        out("")
        out(click.wrap_text(s.notes, width=88, initial_indent="  ", subsequent_indent="  "))
    out("")
    out("S = figure from a source, A = planning assumption (texts at the end).")

    out("")
    out(f"Calendar [{mark('(scenario)')}]")
    out(f"  start            {when(s.start)}")
    out(f"  horizon          {s.horizon_days} days (last day simulated {s.date_of(s.horizon_days - 1).isoformat()})")
    out(f"  deadline         {when(s.deadline) if s.deadline else 'none (conditions-based)'}")
    out(f"  force            {s.total_troops} troops from {len(s.nations)} nations, {len(s.contingents)} contingents")

    d = s.decision
    out("")
    out(f"Decision [{mark('decision')}]")
    out(f"  rule             {d.rule}")
    if d.day is not None:
        out(f"  order given      {when(s.date_of(d.day))}")
    if d.meeting_days:
        out("  meetings         " + ", ".join(s.date_of(m).isoformat() for m in d.meeting_days))
    out(f"  p_no_consensus   {_num(d.p_no_consensus)}")
    if d.rule == "conditions":
        special = f"yes, {d.special_meeting_delay_days} days after conditions are met" if d.allow_special_meetings else "no"
        out(f"  special meeting  {special}")
    if d.latest_decision_day is not None:
        out(f"  latest decision  {when(s.date_of(d.latest_decision_day))}")
    if d.start_on_day:
        out(f"  start on         {when(s.date_of(d.start_on_day))}")

    c = s.conditions
    out("")
    out(f"Conditions [{mark('conditions')}]")
    out(
        f"  violence index from {_num(c.initial)}, reverting {_num(c.reversion)} a day towards {_num(c.target)}, "
        f"volatility {_num(c.volatility)}"
    )
    out(f"  met once at or below {_num(c.threshold)} for {c.hold_days} consecutive days")

    t = s.threat
    out("")
    out(f"Threat [{mark('threat')}]")
    out(f"  attacks/day before deadline  {_num(t.attack_rate_before)}")
    out(f"  attacks/day after deadline   {_num(t.attack_rate_after)} (+{_num(t.escalation_per_week)} of it per full week)")
    out(f"  violence coupling            {_num(t.violence_coupling)} (used without a deadline)")
    out(f"  casualties per attack        {_num(t.casualties_per_attack)}")
    out(f"  airfield hit                 p {_num(t.p_airfield_hit)} per attack, shut {t.closure_days} days")

    e = s.enablers
    out("")
    out(f"Enablers [{mark('enablers')}]")
    out(f"  enabler nations  {', '.join(e.nations) or 'none'}")
    out(f"  enablers last    {'yes (in together, out together)' if s.enablers_last else 'no (enablers may leave first)'}")
    out(f"  without enablers capacity x{_num(e.capacity_without_enablers)}, attack exposure x{_num(e.exposure_without_enablers)}")

    out("")
    out("Bases")
    header = f"  {'name':<16} {'seats/day':>9} {'cargo t/day':>11} {'shut p/day':>10} {'attack x':>8}  {'flies from':<18} basis"
    out(header)
    for b in s.bases:
        key = format_key(("bases", b.name))
        if b.airfield:
            row = f"  {b.name:<16} {b.seats_per_day:>9} {b.cargo_t_per_day:>11} {_num(b.p_closed_day):>10} {_num(b.attack_multiplier):>8}  {'own airfield':<18}"
        else:
            via = f"{s.bases[b.via].name} (+{b.road_days} d road)" if b.via >= 0 else "-"
            row = f"  {b.name:<16} {'-':>9} {'-':>11} {'-':>10} {_num(b.attack_multiplier):>8}  {via:<18}"
        out(f"{row} {mark(key)}")

    out("")
    out(f"Contingents (in scenario order; days as min/mode/max) [defaults: {mark('contingent_defaults')}]")
    width = max(len(x.id) for x in s.contingents)
    out(
        f"  {'id':<{width}} {'troops':>6} {'equip t':>7} {'lift t':>6} {'rear':>5} {'nat. delay':>10} {'prep':>10}  "
        f"{'depends on':<10} basis"
    )
    for x in s.contingents:
        key = format_key(("contingents", x.id))
        out(
            f"  {x.id:<{width}} {x.troops:>6} {x.equipment_t:>7} {x.liftable_t:>6} {x.rear_guard:>5} "
            f"{_days(x.national_delay):>10} {_days(x.prep):>10}  {', '.join(x.depend_on) or '-':<10} {mark(key)}"
        )
    out(f"  {'total':<{width}} {s.total_troops:>6} {sum(x.equipment_t for x in s.contingents):>7} {s.liftable_t:>6}")
    order = ", ".join(s.contingents[i].id for i in s.priority[:5])
    out(f"  airfield priority: {order}, ... ({len(s.priority)} in all)")

    for kind, title in (("source", "Sources (figures from a published source)"), ("assumption", "Assumptions (planning figures, not sourced)")):
        groups: dict[str, list[str]] = {}
        for key, k, text in s.provenance:
            if k == kind:
                groups.setdefault(text, []).append(key)
        out("")
        out(title)
        if not groups:
            out("  none")
        for text, keys in groups.items():
            out(click.wrap_text(", ".join(keys), width=88, initial_indent="  ", subsequent_indent="  "))
            out(click.wrap_text(text, width=88, initial_indent="      ", subsequent_indent="      "))

    if s.warnings:
        out("")
        out("Warnings")
        for w in s.warnings:
            out(f"  {w}")
    return "\n".join(lines)
