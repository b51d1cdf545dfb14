"""Scenarios: files, key paths, the schema, validation and the frozen model.

The first stage of the pipeline: a TOML file (and the files it extends) becomes a
validated, frozen :class:`Scenario` whose quantities are the integers the engines use.
Shipped scenarios and overlays are found by name in ``names``. One parameter pipeline
does it, a module a step: ``sources`` (files, ``extends`` and compositions) →
``schema`` (defaults, types, ranges) → ``rules`` (one function per cross-key rule) →
``model`` (the frozen objects), driven by ``build``; ``canonical`` gives the content hash.
"""

from .build import load
from .implied import as_network
from .keypath import format_key, parse_key
from .model import (
    Base,
    Conditions,
    Contingent,
    Decision,
    Enablers,
    Scenario,
    Threat,
    Triangular,
    round_half_up,
)
from .names import OVERLAY_FOLDERS, close_names, list_overlay_files, overlay_names, scenario_names
from .network import Ceiling, Crossing, DisposalPool, Exit, Leg, Network, Phase, Plan, Route
from .rules import MAX_ATTACK_MEAN
from .schema import check, key_at, key_kind, to_date
from .sources import find_scenario, list_scenario_files, read_chain, scenario_dir

__all__ = [
    "MAX_ATTACK_MEAN",
    "OVERLAY_FOLDERS",
    "Base",
    "Ceiling",
    "Conditions",
    "Crossing",
    "DisposalPool",
    "Exit",
    "Leg",
    "Network",
    "Phase",
    "Plan",
    "Route",
    "as_network",
    "Contingent",
    "Decision",
    "Enablers",
    "Scenario",
    "Threat",
    "Triangular",
    "check",
    "close_names",
    "find_scenario",
    "format_key",
    "key_at",
    "key_kind",
    "list_overlay_files",
    "list_scenario_files",
    "load",
    "overlay_names",
    "parse_key",
    "read_chain",
    "round_half_up",
    "scenario_dir",
    "scenario_names",
    "to_date",
]
