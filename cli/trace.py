"""``drawdown trace``: the story of one replication, one line per event."""

from __future__ import annotations

import click

from .options import complete_scenario, json_option, report_errors


@click.command("trace")
@click.argument("scenario", metavar="NAME|PATH", shell_complete=complete_scenario)
@click.option(
    "--replication",
    "-r",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Replication number, as in a run with the same seed.",
)
@click.option("--seed", type=click.IntRange(min=0), required=True, help="Seed of the run the replication belongs to.")
@json_option
@report_errors
def trace(scenario: str, replication: int, seed: int, as_json: bool) -> None:
    """Tell the story of one replication: council meetings and the order, each
    contingent's readiness, the day's flights per airfield, closures, attacks and
    casualties, exits and base closures, with their dates; on a network, convoys
    leaving and arriving, what crosses each border crossing, phases starting and
    complete, ceilings reached and bases handed over.

    Replication R of seed S is the same replication in `drawdown run --seed S`, with
    either engine. --json prints one JSON object per event and line.

    \b
    Examples:
      drawdown trace doha-2021-05-01 --seed 1 --replication 17
      drawdown trace announced-2021-09-11 --seed 1 --json | jq .text
    """
    import json

    import drawdown

    s = drawdown.load(scenario)
    events = drawdown.trace(s, replication=replication, seed=seed)
    if as_json:
        for e in events:
            click.echo(json.dumps(e, ensure_ascii=False))
        return
    click.echo(f"# {s.name} (hash {s.hash[:12]}), seed {seed}, replication {replication}: {s.description}")
    for e in events:
        click.echo(f"{e['date']}  {e['text']}")
