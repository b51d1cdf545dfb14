"""``drawdown list``: the shipped scenarios and, apart, the shipped overlays, one line each.

Nothing here imports numpy: scenarios are validated by the scenario stage alone, and
overlays (not valid scenarios on their own) are only read.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .options import json_option, report_errors


@click.command("list")
@json_option
@report_errors
def list_cmd(as_json: bool) -> None:
    """List the shipped scenarios, then the shipped overlays by folder, one line each.

    A scenario line gives its name, deadline and description; a deadline of "none"
    means conditions-based: the force leaves when the time is right. An overlay
    (deadlines/, conditions/, threats/) is a few keys to lay on a scenario: give it
    after a +, as in `drawdown run base-force-2021-02+deadline-2021-05-01`, or list it
    in a file's `extends`. Its line says which keys it sets. Use `drawdown show NAME`
    to read a scenario or a composition.

    \b
    Examples:
      drawdown list
      drawdown list --json
      drawdown show base-force-2021-02+deadline-2021-05-01+escalating-attacks
    """
    import json

    import drawdown

    from ..scenario import list_scenario_files

    rows, failed = [], []
    for path in list_scenario_files():
        try:
            s = drawdown.load(str(path))
        except drawdown.ScenarioError as exc:
            failed.append(exc)
            rows.append(_row(path.stem, "scenario", None, "(invalid: see `drawdown validate`)", str(path), False))
            continue
        deadline = s.deadline.isoformat() if s.deadline else None
        rows.append(_row(s.name, "scenario", deadline, s.description, s.file, True))
    overlays = _overlay_rows(failed)

    if as_json:
        click.echo(json.dumps(rows + overlays, indent=2, ensure_ascii=False))
    else:
        _print(rows, overlays)
    if failed:
        for error in failed:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
        sys.exit(2)


def _row(name: str, kind: str, deadline: str | None, description: str, file: str, valid: bool) -> dict[str, Any]:
    return {"name": name, "kind": kind, "deadline": deadline, "description": description, "file": file, "valid": valid}


def _overlay_rows(failed: list) -> list[dict[str, Any]]:
    """One row per shipped overlay: its name with its folder, the sections it sets, its deadline."""
    import drawdown

    from ..scenario import read_chain
    from ..scenario.names import list_overlay_files

    out = []
    for folder, path in list_overlay_files():
        name = f"{folder}/{path.stem}"
        try:
            raw, _origin, _chain = read_chain(path)
        except drawdown.ScenarioError as exc:
            failed.append(exc)
            out.append(_row(name, "overlay", None, "(invalid: see `drawdown validate`)", str(path), False))
            continue
        row = _row(
            name, "overlay", _deadline_text(raw.get("deadline")), str(raw.get("description", "")), str(path), True
        )
        row.update(folder=folder, sets=_sections(raw))
        out.append(row)
    return out


def _deadline_text(value: object) -> str | None:
    """An overlay's deadline as its file gives it: a date, ``"none"``, or None when it sets none."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _sections(raw: dict) -> list[str]:
    """The top-level keys and tables an overlay sets, prose left out."""
    from ..scenario.canonical import PROSE_KEYS

    return [k for k in raw if k not in PROSE_KEYS]


def _print(rows: list[dict[str, Any]], overlays: list[dict[str, Any]]) -> None:
    names = [r["name"] for r in rows + overlays]
    width = max([len("NAME")] + [len(n) for n in names])
    click.echo(f"{'NAME':<{width}}  {'DEADLINE':<10}  DESCRIPTION")
    for r in rows:
        deadline = r["deadline"] or ("none" if r["valid"] else "?")
        click.echo(f"{r['name']:<{width}}  {deadline:<10}  {r['description']}")
    if not overlays:
        return
    click.echo(
        f"{'OVERLAY':<{width}}  {'SETS':<10}  DESCRIPTION (lay on a scenario: SCENARIO+OVERLAY, folder optional)"
    )
    for r in overlays:
        sets = ", ".join(r.get("sets", [])) or "?"
        click.echo(f"{r['name']:<{width}}  {sets:<10}  {r['description']}")
