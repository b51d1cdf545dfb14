"""Random edits of valid scenarios load as a Scenario or fail with a ScenarioError, and
the valid ones run alike in both engines.

Each example takes the resolved raw table of a valid scenario, makes a few random
edits at random key paths (deletes a key, puts a value of a random type, adds an
unknown key, copies another value of the scenario), writes it as a TOML file and
loads it. Anything but a valid :class:`drawdown.Scenario` or a :class:`drawdown.ScenarioError`
whose problems each name a file and say what was wrong is a bug. A valid edited
scenario then runs a few replications in the SimPy engine and in the numpy engine:
their outcomes must agree replication by replication, per-day arrays included
(DESIGN §2), and nothing may raise.

How many examples each test tries comes from the Hypothesis profile (tests/conftest.py):
``ci``, the default, keeps the suite fast; ``nightly`` hunts for much longer::

    HYPOTHESIS_PROFILE=nightly python -m pytest tests/test_fuzz_scenarios.py
"""

from __future__ import annotations

import copy
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import drawdown
import pytest
from drawdown.engines import run_numpy, run_simpy
from drawdown.errors import Problem
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scenario_text import MINIMAL, dumps
from test_engine_agreement import assert_same_outcomes


def examples(ci: int) -> int:
    """Examples for a test that tries ``ci`` of them under the ``ci`` profile, scaled to the
    profile loaded (``max_examples`` 100 for ``ci``; tests/conftest.py)."""
    return max(1, ci * settings.default.max_examples // 100)


#: Replications each engine runs of a valid edited scenario, in blocks of ENGINE_BLOCK
#: (two blocks, the second partial: the numpy engine runs them as one chunk).
ENGINE_REPS, ENGINE_BLOCK = 5, 3
#: Longest horizon run in both engines: the SimPy engine's time grows with it, and an
#: edit that copies a large number into ``horizon_days`` is rare and tells little more.
ENGINE_MAX_DAYS = 1500
DATA = Path(__file__).parent / "data"

BASES = {
    "minimal": tomllib.loads(MINIMAL, parse_float=Decimal),
    "doha": drawdown.load("doha-2021-05-01")._raw,
    "enablers-leave-first": drawdown.load("enablers-leave-first")._raw,
    "conditions-based": drawdown.load("conditions-based")._raw,
    "announced": drawdown.load("announced-2021-09-11")._raw,
    # model v2: the capped threat with killed and wounded; equipment as its own process
    "capped": drawdown.load(str(DATA / "doha-capped.toml"))._raw,
    "equipment": drawdown.load(str(DATA / "equipment-first.toml"))._raw,
    "plan": drawdown.load("plan-2021-04")._raw,  # calendars, legs, nation pools, framework nations
}

WORDS = [
    "none",
    "US",
    "France",
    "Alpha",
    "Beta",
    "Bagram",
    "Laghman",
    "fixed",
    "next_meeting",
    "conditions",
    "troops_ascending",
    "2021-05-01",
    "2021-01-01",
    "US@Alpha",
    "x",
    "",
]

scalars = st.one_of(
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10, max_value=10),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1E+400"), Decimal("0.5")]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(WORDS),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.times(),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["min", "mode", "max", "troops", "airfield", "x"]), scalars, max_size=3),
)


def paths(node, prefix=()):
    """Every key path in a raw table (dict keys and list indices)."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            out.extend(paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(prefix + (i,))
            out.extend(paths(v, prefix + (i,)))
    return out


def tables(node, prefix=()):
    out = [prefix] if isinstance(node, dict) else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(tables(v, prefix + (k,)))
    return out


def get(raw, path):
    for part in path:
        raw = raw[part]
    return raw


#: How often each kind of edit is drawn: by the loader's test, and by the engines' test
#: (fewer values of a random type, which are seldom valid: more scenarios to run).
LOAD_EDITS = ["delete", "set", "set", "add", "copy"]
#: Keys an "add" edit may put in any table: near misses, and model v2 keys where they may not belong.
ADDED_KEYS = [
    "troop",
    "deadlin",
    "source",
    "via",
    "x",
    "attack_rate_max",
    "killed_per_attack",
    "wounded_per_attack",
    "equipment_start",
    "disposal_share",
    "disposal_t_per_day",
    "nations",
]
RUN_EDITS = ["delete", "set", "copy", "copy"]


def edit(raw, data, kinds=LOAD_EDITS):
    kind = data.draw(st.sampled_from(kinds), label="edit")
    if kind == "add":
        where = data.draw(st.sampled_from(tables(raw)), label="table")
        key = data.draw(st.one_of(st.sampled_from(ADDED_KEYS), st.text(max_size=6)), label="key")
        get(raw, where)[key] = data.draw(values, label="value")
        return
    ps = paths(raw)
    if not ps:
        return
    path = data.draw(st.sampled_from(ps), label="path")
    parent = get(raw, path[:-1])
    if kind == "delete":
        del parent[path[-1]]
    elif kind == "set":
        parent[path[-1]] = data.draw(values, label="value")
    else:  # copy another value of the scenario here: often the right type, wrong meaning
        other = data.draw(st.sampled_from(ps), label="from")
        parent[path[-1]] = copy.deepcopy(get(raw, other))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def edited(workdir, base: str, n_edits: int, data, kinds=LOAD_EDITS) -> drawdown.Scenario | drawdown.ScenarioError:
    """``n_edits`` random edits of scenario ``base``, written to a TOML file and loaded:
    the scenario, or the ScenarioError (whose problems are checked here)."""
    raw = copy.deepcopy(BASES[base])
    for _ in range(n_edits):
        edit(raw, data, kinds)
    path = workdir / "edited.toml"
    path.write_text(dumps(raw), encoding="utf-8")
    try:
        return drawdown.load(str(path))
    except drawdown.ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            assert isinstance(p, Problem)
            assert p.file and p.message
            assert "Traceback" not in str(p)
        return exc


@settings(
    max_examples=examples(150),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(base=st.sampled_from(sorted(BASES)), n_edits=st.integers(1, 3), data=st.data())
def test_random_edits_give_scenario_or_scenario_error(workdir, base, n_edits, data):
    scenario = edited(workdir, base, n_edits, data)
    if isinstance(scenario, drawdown.ScenarioError):
        return
    # a valid scenario is a usable one
    assert scenario.total_troops == sum(c.troops for c in scenario.contingents) > 0
    assert sorted(scenario.priority) == list(range(len(scenario.contingents)))
    for c in scenario.contingents:
        assert 1 <= c.rear_guard <= c.troops
        assert 0 <= c.liftable_t <= c.equipment_t
    scenario.date_of(scenario.horizon_days - 1)
    json.dumps(scenario.to_dict())
    assert len(scenario.hash) == 64


@settings(
    max_examples=examples(30),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    base=st.sampled_from(sorted(BASES)),
    n_edits=st.integers(1, 2),
    seed=st.integers(min_value=0, max_value=2**128 - 1),
    data=st.data(),
)
def test_valid_edits_run_alike_in_both_engines(workdir, base, n_edits, seed, data):
    scenario = edited(workdir, base, n_edits, data, RUN_EDITS)
    assume(not isinstance(scenario, drawdown.ScenarioError))
    assert isinstance(scenario, drawdown.Scenario)
    assume(scenario.horizon_days <= ENGINE_MAX_DAYS)
    options = {"record_daily": True, "block_size": ENGINE_BLOCK}
    reference = run_simpy(scenario, ENGINE_REPS, seed, **options)
    out = run_numpy(scenario, ENGINE_REPS, seed, **options)
    assert len(reference) == len(out) == ENGINE_REPS
    assert_same_outcomes(reference, out, f"{base} edited, seed {seed}")


@settings(max_examples=examples(60))
@given(
    key=st.sampled_from(
        [
            "deadline",
            "horizon_days",
            "threat.attack_rate_after",
            "decision.p_no_consensus",
            'contingents."US@Bagram".troops',
            "bases.Bagram.seats_per_day",
            "decision.meetings[0]",
            "conditions.hold_days",
            "enablers.capacity_without_enablers",
            "contingent_defaults.prep_days",
            "nope.nothing",
            "decision.meetings[99]",
            "bad key path..",
        ]
    ),
    value=values,
)
def test_replace_gives_scenario_or_scenario_error(key, value):
    base = drawdown.load("doha-2021-05-01")
    try:
        base.replace({key: value})
    except drawdown.ScenarioError as exc:
        assert exc.problems
