"""A v1 scenario means what it meant (docs/network.md): the network engines give the v1
engines' outcomes, replication by replication, on every shipped v1 scenario made a
network scenario by a v2 key that changes nothing (``enablers.scope = "theatre"``, the
v1 hold); and ``via`` keeps its v1 meaning there (the Laghman base under ``start_on``).
"""

from __future__ import annotations

import drawdown
import network_cases as cases
import numpy as np
import pytest
from drawdown.engines import Outcomes, run_blocks

# The base force is left to tests/test_network_numpy.py: the largest, and slowest, of them.
V1_SCENARIOS = [name for name in cases.V1_SCENARIOS if name != "base-force-2021-02"]
REPS = 60


def _outcomes(scenario, engine: str, seed: int = 7) -> Outcomes:
    return Outcomes.concatenate(out for _, out in run_blocks(scenario, [(0, REPS)], seed, engine=engine))


def _as_network_scenario(name: str):
    v1 = drawdown.load(name)
    net = v1.replace({"enablers.scope": "theatre"})
    assert v1.network is None and net.network is not None, "enablers.scope should make a network scenario"
    return v1, net


def _assert_same(v1: Outcomes, v2: Outcomes) -> None:
    cases.assert_same_outcomes(v1, v2, list(v1.arrays(daily=True)))


@pytest.mark.parametrize("name", V1_SCENARIOS)
def test_the_network_numpy_engine_gives_v1_outcomes_on_a_v1_plan(name):
    v1, net = _as_network_scenario(name)
    _assert_same(_outcomes(v1, "numpy"), _outcomes(net, "numpy"))


@pytest.mark.parametrize("name", ["doha-2021-05-01", "announced-2021-09-11", "enablers-leave-first"])
def test_the_network_simpy_engine_gives_v1_outcomes_on_a_v1_plan(name):
    v1, net = _as_network_scenario(name)
    _assert_same(_outcomes(v1, "simpy"), _outcomes(net, "simpy"))


def test_via_keeps_its_v1_meaning_at_laghman_under_start_on():
    # announced-2021-09-11: order 14 Apr 2021, nobody ready before 1 May 2021 (start_on).
    # US@Laghman has no airfield: it counts at Laghman until its ready day, then flies
    # from Bagram; so Laghman closes on that ready day, never before start_on, in both
    # the v1 engine and the network engines.
    v1, net = _as_network_scenario("announced-2021-09-11")
    laghman = [b.name for b in v1.bases].index("Laghman")
    start_on = v1.decision.start_on_day
    got = {engine: _outcomes(net, engine).base_closed_day[:, laghman] for engine in ("numpy", "simpy")}
    want = _outcomes(v1, "numpy").base_closed_day[:, laghman]
    assert (want >= start_on).all()
    for engine, closed in got.items():
        np.testing.assert_array_equal(closed, want, err_msg=engine)
