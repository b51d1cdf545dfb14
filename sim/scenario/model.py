"""The frozen scenario model: every quantity as the integer the engines use.

A :class:`Scenario` and its parts are made by the one parameter pipeline of
``drawdown.scenario.build``: file (``sources``) → defaults and types (``schema``) →
cross-key validation (``rules``) → these frozen objects. The engines never see raw tables.

Example
-------
>>> import drawdown
>>> s = drawdown.load("doha-2021-05-01")
>>> s.deadline.isoformat(), s.total_troops, len(s.nations)
('2021-05-01', 9600, 36)
>>> later = s.replace(deadline="2021-09-11")
>>> later.deadline_day - s.deadline_day
133
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import Problem, ScenarioError
from .canonical import jsonable
from .capacity import Period
from .keypath import parse_key
from .network import Network, Plan
from .network_rules import close_hint

#: The "file" of the keys :meth:`Scenario.replace` sets, named by their problems.
REPLACED = "<replace>"

__all__ = [
    "REPLACED",
    "Scenario",
    "Base",
    "Contingent",
    "Triangular",
    "Decision",
    "Conditions",
    "Threat",
    "Enablers",
    "round_half_up",
]


def round_half_up(x: Decimal | int | str) -> int:
    """Round a number to the nearest integer, halves away from zero, exactly.

    >>> round_half_up(Decimal("0.29") * 50), round_half_up(Decimal("2.5"))
    (15, 3)
    """
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Triangular:
    """A triangular distribution of a duration, in days (sampled, then rounded up)."""

    min: float
    mode: float
    max: float

    @property
    def is_fixed(self) -> bool:
        """Whether the duration is not random (``min == max``)."""
        return self.min == self.max


@dataclass(frozen=True)
class Base:
    """A base: where contingents count, and where they fly from if it has an airfield.

    Capacities are integers: passengers per day and tonnes per day, nominal and with
    the enablers gone (``*_reduced``); ``calendar`` gives the periods with other ones
    (:mod:`drawdown.scenario.capacity`; a period's ``troops_per_day`` is seats).
    """

    name: str
    airfield: bool
    seats_per_day: int
    cargo_t_per_day: int
    seats_reduced: int
    cargo_reduced: int
    p_closed_day: float
    attack_multiplier: float
    via: int  # index of the base whose airfield this one uses; -1 when none
    road_days: int
    source: str | None = None
    assumption: str | None = None
    calendar: tuple[Period, ...] = ()

    @property
    def capacities(self) -> tuple[int, int, int, int]:
        """Base values ``(seats, cargo, seats_reduced, cargo_reduced)`` a day, outside every period."""
        return (self.seats_per_day, self.cargo_t_per_day, self.seats_reduced, self.cargo_reduced)


@dataclass(frozen=True)
class Contingent:
    """One nation's troops at one base (``NATION@BASE``).

    Its ``equipment_t`` tonnes leave three ways (model v2, MODEL-V2 §3): handed over
    at once when its equipment starts (:attr:`handover_t`), disposed of in place at a
    rate (``disposal_t``: handed over, sold or destroyed at ``disposal_t_per_day``, or
    at its nation's shared rate when that is 0), or lifted or driven out
    (``liftable_t``). Its equipment starts on its troops' ready day
    (``equipment_start = "ready"``), at the order, or on ``equipment_start_day``
    (``"date"``).
    """

    id: str
    nation: str
    base: int
    troops: int
    equipment_t: int
    liftable_t: int
    rear_guard: int
    national_delay: Triangular
    prep: Triangular
    depend_on: tuple[str, ...]
    road_days: int  # days of road move before it can fly (its base's, when ``via``)
    flies_from: int  # index of the base whose airfield it uses
    source: str | None = None
    assumption: str | None = None
    disposal_t: int = 0  # tonnes disposed of in place at a rate
    disposal_t_per_day: int = 0  # its own rate; 0 when its nation's (Plan.disposal_pools) applies
    equipment_start: str = "ready"  # "ready", "order" or "date"
    equipment_start_day: int | None = None  # with "date": day number

    @property
    def main_body(self) -> int:
        """Troops that leave before the rear guard."""
        return self.troops - self.rear_guard

    @property
    def handover_t(self) -> int:
        """Tonnes handed over at once when its equipment starts (``handover_fraction``)."""
        return self.equipment_t - self.liftable_t - self.disposal_t


@dataclass(frozen=True)
class Decision:
    """The council's rule, with dates as days from the scenario's start."""

    rule: str
    day: int | None
    meeting_days: tuple[int, ...]
    p_no_consensus: float
    allow_special_meetings: bool
    special_meeting_delay_days: int
    latest_decision_day: int | None
    start_on_day: int  # 0 when the scenario sets none


@dataclass(frozen=True)
class Conditions:
    """The security-conditions index (docs/design.md §1.5).

    ``tracked``: model the index even where no rule reads it (the ``conditions`` rule, a
    phase on the conditions, a violence coupling without a deadline), so that the
    outcomes say who left before the conditions were met (:func:`drawdown.draws.reads_conditions`).
    """

    initial: float
    target: float
    reversion: float
    volatility: float
    threshold: float
    hold_days: int
    tracked: bool = False


@dataclass(frozen=True)
class Threat:
    """The adversary's attacks and what they do (docs/design.md §1.6).

    ``attack_rate_max`` (attacks a day on the whole force) caps the escalated or
    coupled rate; None: no cap. ``killed_per_attack`` and ``wounded_per_attack`` split
    the casualties: both None (casualties are one count, v1), or both set, with
    ``casualties_per_attack`` their sum.
    """

    attack_rate_before: float
    attack_rate_after: float
    escalation_per_week: float
    violence_coupling: float
    casualties_per_attack: float
    p_airfield_hit: float
    closure_days: int
    attack_rate_max: float | None = None
    killed_per_attack: float | None = None
    wounded_per_attack: float | None = None
    killed_share: float | None = None

    @property
    def splits_casualties(self) -> bool:
        """Whether casualties are split into killed and wounded."""
        return self.killed_share is not None


@dataclass(frozen=True)
class Enablers:
    """Enabler nations and what their departure does (docs/design.md §1.4).

    Per enabler nation, in ``nations`` order: its contingents, its dependents, the
    airfields its dependents fly through (cut when it is gone) and the bases where its
    dependents count (exposed when it is gone).
    """

    capacity_without_enablers: float
    exposure_without_enablers: float
    nations: tuple[str, ...]
    members: tuple[tuple[int, ...], ...]
    dependents: tuple[tuple[int, ...], ...]
    cut_airfields: tuple[tuple[int, ...], ...]
    exposed_bases: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario, ready for the engines. Build one with :func:`load`."""

    name: str
    file: str
    description: str
    notes: str
    start: _dt.date
    horizon_days: int
    deadline: _dt.date | None
    deadline_day: int | None
    total_troops: int
    enablers_last: bool
    bases: tuple[Base, ...]
    contingents: tuple[Contingent, ...]
    decision: Decision
    conditions: Conditions
    threat: Threat
    enablers: Enablers
    priority: tuple[int, ...]  # contingent indices, highest priority first
    hash: str
    warnings: tuple[str, ...] = ()
    provenance: tuple[tuple[str, str, str], ...] = ()  # (key path, "source"|"assumption", text)
    chain: tuple[str, ...] = ()
    #: Model v2 (docs/network.md): both present in a network scenario, both None in a v1 one.
    network: Network | None = None
    plan: Plan | None = None
    _clean: dict[str, Any] | None = field(default=None, repr=False)
    _raw: dict[str, Any] | None = field(default=None, repr=False)
    _origin: dict[tuple, str] | None = field(default=None, repr=False)
    #: The layer whose ``total_troops`` / ``total_nations`` are checked (the file loaded,
    #: or ``"<replace>"`` once edited).
    _own: str | None = field(default=None, repr=False)
    #: The pipeline that built this scenario, ``(raw, origin, file, name, chain, own=...) -> Scenario``:
    #: :meth:`replace` builds the changed scenario with it.
    _build: Callable[..., Scenario] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        deadline = self.deadline.isoformat() if self.deadline else "none"
        return (
            f"<Scenario {self.name!r}: {len(self.contingents)} contingents, {self.total_troops} troops, "
            f"deadline {deadline}, hash {self.hash[:12]}>"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    # -- calendar -------------------------------------------------------------------
    def date_of(self, day: int) -> _dt.date:
        """Calendar date of day ``day`` (0 is ``start``)."""
        return self.start + _dt.timedelta(days=int(day))

    def day_of(self, date: _dt.date | str) -> int:
        """Day number of a date (``date`` or ISO string)."""
        if isinstance(date, str):
            date = _dt.date.fromisoformat(date)
        return (date - self.start).days

    # -- derived facts ------------------------------------------------------------------
    @property
    def is_network(self) -> bool:
        """Whether the scenario uses model v2 (docs/network.md) and runs in the network engines."""
        return self.network is not None

    @property
    def nations(self) -> tuple[str, ...]:
        """Nations in order of first appearance."""
        return tuple(dict.fromkeys(c.nation for c in self.contingents))

    @property
    def liftable_t(self) -> int:
        """Tonnes of equipment the force must fly out."""
        return sum(c.liftable_t for c in self.contingents)

    def to_dict(self) -> dict:
        """The resolved scenario as plain JSON-able data (dates as ISO strings)."""
        data = jsonable(self._clean)
        bases = data.pop("bases")
        contingents = data.pop("contingents")
        data.pop("contingent_defaults", None)
        out: dict[str, Any] = {"name": self.name, "file": self.file, "hash": self.hash}
        out.update(data)
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        out["total_troops"] = self.total_troops
        out["nations"] = len(self.nations)
        out["priority"] = [self.contingents[i].id for i in self.priority]
        out["bases"] = [{"name": name, **values} for name, values in bases.items()]
        out["contingents"] = [
            {
                "id": c.id,
                "nation": c.nation,
                "base": self.bases[c.base].name,
                "troops": c.troops,
                "equipment_t": c.equipment_t,
                "liftable_t": c.liftable_t,
                "rear_guard": c.rear_guard,
                **{k: v for k, v in contingents[c.id].items() if k not in ("troops", "equipment_t")},
            }
            for c in self.contingents
        ]
        return out

    # -- changes ----------------------------------------------------------------------
    def replace(self, changes: dict | None = None, /, *, name: str | None = None, **kwargs: Any) -> Scenario:
        """A new validated scenario with some values changed, or another name.

        The edits are a layer laid on the scenario, as a file that extends it would
        be: its ``total_troops`` and ``total_nations`` are checked only if the edits set
        them, so changing a contingent's troops gives the recomputed total.

        Parameters
        ----------
        changes : dict, optional
            Key path to new value (``{"threat.attack_rate_after": 0.5}``).
        name : str, optional
            The new scenario's name (reports, comparison rows and folders). A name is
            not a model input: it does not change the content hash.
        **kwargs
            Top-level keys (``deadline="2021-09-11"``); key paths with dots can be
            passed as ``**{"decision.p_no_consensus": 0.9}``.

        Raises
        ------
        ScenarioError
            If the changed scenario is not valid; problems name the key path.
        ValueError
            If ``name`` is empty or not a plain name (a ``/``, ``\\`` or NUL in it, or ``..``).

        Examples
        --------
        >>> import drawdown
        >>> s = drawdown.load("doha-2021-05-01").replace(**{"threat.attack_rate_after": 0.5})
        >>> s.threat.attack_rate_after
        0.5
        >>> doha = drawdown.load("doha-2021-05-01")
        >>> bigger = doha.replace({'contingents."US@Bagram".troops': 1700}, name="doha-more-us")
        >>> bigger.name, bigger.total_troops, doha.replace(name="x").hash == doha.hash
        ('doha-more-us', 9700, True)
        """
        edits = dict(changes or {})
        edits.update(kwargs)
        if self._build is None or self._raw is None or self._origin is None:
            raise TypeError("this Scenario was not made by drawdown.load; it cannot be replaced")
        new_name = self.name if name is None else _checked_name(name)
        if not edits:
            return dataclasses.replace(self, name=new_name)
        raw, origin = _edited(self._raw, self._origin, edits, nations=self.nations)
        return self._build(raw, origin, self.file, new_name, self.chain, own=REPLACED)


def _checked_name(name: object) -> str:
    """``name`` if it can name a scenario (and its folder in a comparison)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a scenario name must be a non-empty string, found {name!r}")
    if any(c in name for c in "/\\\0") or name in (".", "..") or name != name.strip():
        raise ValueError(f"a scenario name must be a plain name (no /, \\ or NUL, not . or ..), found {name!r}")
    return name


# -- edits -------------------------------------------------------------------------------------


#: The collections whose tables a key path names (``bases.NAME.KEY``), by what one of them is.
_NAMED = {
    "bases": "base",
    "contingents": "contingent",
    "crossings": "crossing",
    "legs": "leg",
    "phases": "phase",
    "nations": "nation",
}


def _unknown_name(raw: dict, path: tuple, nations: Sequence[str]) -> str | None:
    """What is wrong with the name of a key path into a named table the scenario lacks.

    An edit of one key of a base, contingent, crossing, leg or phase the scenario does
    not have would make a new, incomplete one (a typo, nearly always): it is refused
    with the closest name. A nation's table may be new, for a nation the scenario has.
    """
    if len(path) < 3 or path[0] not in _NAMED:
        return None
    have = raw.get(path[0])
    names = list(have) if isinstance(have, dict) else []
    if path[0] == "nations":
        names = list(dict.fromkeys([*names, *nations]))
    if path[1] in names:
        return None
    return f"unknown {_NAMED[path[0]]} {path[1]!r}{close_hint(str(path[1]), names)}"


def _edited(raw: dict, origin: dict, edits: dict, *, nations: Sequence[str] = ()) -> tuple[dict, dict]:
    """Copies of a scenario's raw table and origins with ``edits`` (key path to value) made.

    Raises
    ------
    ScenarioError
        If a key path is malformed, names a table the scenario lacks (:func:`_unknown_name`)
        or cannot be set, naming it (file ``<replace>``).
    """
    raw = copy.deepcopy(raw)
    origin = dict(origin)
    problems = []
    for path_text, value in edits.items():
        try:
            path = parse_key(path_text)
        except ValueError as exc:
            problems.append(Problem(REPLACED, path_text, str(exc)))
            continue
        unknown = _unknown_name(raw, path, nations)
        if unknown is not None:
            problems.append(Problem(REPLACED, path_text, unknown))
            continue
        try:
            _set_path(raw, path, _to_raw(value))
        except (KeyError, IndexError, TypeError) as exc:
            problems.append(Problem(REPLACED, path_text, f"cannot set this key: {exc}"))
            continue
        origin[path] = REPLACED
    if problems:
        raise ScenarioError(problems)
    return raw, origin


def _to_raw(value: Any) -> Any:
    """A Python value as the TOML reader would give it (numbers exact, ``None`` as ``"none"``)."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_raw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_raw(v) for v in value]
    return value


def _set_path(raw: dict, path: tuple, value: Any) -> None:
    """Set the value at ``path`` in ``raw``, making the tables on the way that are missing."""
    node: Any = raw
    for part in path[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = {}
            node = node[part]
    node[path[-1]] = value
