"""The graph of waits of a model v2 scenario, and its cycles (MODEL-V2 §7.14). Not yet written: checks nothing."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Contingent, Enablers
from .network import Network, Plan
from .problems import Problems

__all__ = ["no_wait_cycle"]


def no_wait_cycle(
    problems: Problems, clean: dict, network: Network, plan: Plan, contingents: Sequence[Contingent], enablers: Enablers
) -> None:
    """Rule: nothing waits for itself across phases, holds and ``leave_with`` (to come: checks nothing yet)."""
    return None
