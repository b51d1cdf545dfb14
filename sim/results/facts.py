"""What reports need of a scenario: its names, dates and contingents.

:class:`ScenarioFacts` is built from a :class:`~drawdown.scenario.Scenario` or from a
stored ``summary.json``, so a run's files can be redrawn without the scenario file.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from ..errors import ResultError
from ..scenario import Scenario
from .summary import Summary

__all__ = ["ContingentFacts", "ScenarioFacts", "ScenarioLike", "check_facts", "facts_of"]


@dataclass(frozen=True)
class ContingentFacts:
    id: str
    nation: str
    base: str
    troops: int


@dataclass(frozen=True)
class ScenarioFacts:
    """The facts of a scenario that reports and plots use.

    Build it with :meth:`from_scenario` or :meth:`from_json` (a ``summary.json``
    document), or let :func:`facts_of` pick.
    """

    name: str
    hash: str
    start: _dt.date
    horizon_days: int
    deadline: _dt.date | None
    deadline_day: int | None
    contingents: tuple

    def date_of(self, day: int) -> _dt.date:
        """Calendar date of day ``day`` (0 is ``start``)."""
        return self.start + _dt.timedelta(days=int(day))

    @classmethod
    def from_scenario(cls, s: Scenario) -> ScenarioFacts:
        return cls(
            name=s.name,
            hash=s.hash,
            start=s.start,
            horizon_days=int(s.horizon_days),
            deadline=s.deadline,
            deadline_day=s.deadline_day,
            contingents=tuple(
                ContingentFacts(c.id, c.nation, s.bases[c.base].name, int(c.troops)) for c in s.contingents
            ),
        )

    @classmethod
    def from_json(cls, d: dict) -> ScenarioFacts:
        """From a ``summary.json`` document (:func:`run_json`)."""
        try:
            deadline = d.get("deadline")
            return cls(
                name=d["scenario"],
                hash=d["scenario_hash"],
                start=_dt.date.fromisoformat(d["start"]),
                horizon_days=int(d["horizon_days"]),
                deadline=None if deadline is None else _dt.date.fromisoformat(deadline),
                deadline_day=d.get("deadline_day"),
                contingents=tuple(
                    ContingentFacts(c["id"], c["nation"], c["base"], int(c["troops"])) for c in d["contingents"]
                ),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ResultError(f"not a drawdown summary document ({type(e).__name__}: {e})") from e


#: What reports accept as a scenario: a Scenario, its facts, or a ``summary.json`` dict.
ScenarioLike = Scenario | ScenarioFacts | dict


def facts_of(scenario: ScenarioLike) -> ScenarioFacts:
    """:class:`ScenarioFacts` of a Scenario, a ``summary.json`` dict, or facts already."""
    if isinstance(scenario, ScenarioFacts):
        return scenario
    if isinstance(scenario, dict):
        return ScenarioFacts.from_json(scenario)
    return ScenarioFacts.from_scenario(scenario)


def check_facts(facts: ScenarioFacts, summary: Summary) -> None:
    """An error unless ``summary`` is of the scenario of ``facts`` (same hash)."""
    if facts.hash != summary.scenario_hash:
        raise ResultError(
            f"summary is of scenario hash {summary.scenario_hash[:12]}, not of {facts.name!r} ({facts.hash[:12]})"
        )
