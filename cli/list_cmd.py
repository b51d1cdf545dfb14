"""``drawdown list``: the shipped scenarios, one line each."""

from __future__ import annotations

import sys

import click

from .options import json_option, report_errors


@click.command("list")
@json_option
@report_errors
def list_cmd(as_json: bool) -> None:
    """List the shipped scenarios: name, deadline and description, one line each.

    A deadline of "none" means conditions-based: the force leaves when the time is
    right. Use `drawdown show NAME` to read one.

    \b
    Examples:
      drawdown list
      drawdown list --json
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
            rows.append(
                {
                    "name": path.stem,
                    "deadline": None,
                    "description": "(invalid: see `drawdown validate`)",
                    "file": str(path),
                    "valid": False,
                }
            )
            continue
        rows.append(
            {
                "name": s.name,
                "deadline": s.deadline.isoformat() if s.deadline else None,
                "description": s.description,
                "file": s.file,
                "valid": True,
            }
        )

    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        width = max([len("NAME")] + [len(r["name"]) for r in rows])
        click.echo(f"{'NAME':<{width}}  {'DEADLINE':<10}  DESCRIPTION")
        for r in rows:
            deadline = r["deadline"] or ("none" if r["valid"] else "?")
            click.echo(f"{r['name']:<{width}}  {deadline:<10}  {r['description']}")
    if failed:
        for error in failed:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
        sys.exit(2)
