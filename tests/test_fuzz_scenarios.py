"""Random edits of valid scenarios load as a Scenario or fail with a ScenarioError.

Each example takes the resolved raw table of a valid scenario, makes a few random
edits at random key paths (deletes a key, puts a value of a random type, adds an
unknown key, copies another value of the scenario), writes it as a TOML file and
loads it. Anything but a valid :class:`drawdown.Scenario` or a :class:`drawdown.ScenarioError`
whose problems each name a file and say what was wrong is a bug.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from decimal import Decimal

import drawdown
import pytest
from drawdown.errors import Problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_text import MINIMAL, dumps

# DRAWDOWN_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the suite fast.
EXAMPLES = int(os.environ.get("DRAWDOWN_FUZZ_EXAMPLES", "150"))

BASES = {
    "minimal": tomllib.loads(MINIMAL, parse_float=Decimal),
    "doha": drawdown.load("doha-2021-05-01")._raw,
    "enablers-leave-first": drawdown.load("enablers-leave-first")._raw,
    "conditions-based": drawdown.load("conditions-based")._raw,
    "announced": drawdown.load("announced-2021-09-11")._raw,
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


def edit(raw, data):
    kind = data.draw(st.sampled_from(["delete", "set", "set", "add", "copy"]), label="edit")
    if kind == "add":
        where = data.draw(st.sampled_from(tables(raw)), label="table")
        key = data.draw(
            st.one_of(st.sampled_from(["troop", "deadlin", "source", "via", "x"]), st.text(max_size=6)), label="key"
        )
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


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(base=st.sampled_from(sorted(BASES)), n_edits=st.integers(1, 3), data=st.data())
def test_random_edits_give_scenario_or_scenario_error(workdir, base, n_edits, data):
    raw = copy.deepcopy(BASES[base])
    for _ in range(n_edits):
        edit(raw, data)
    path = workdir / "edited.toml"
    path.write_text(dumps(raw), encoding="utf-8")
    try:
        scenario = drawdown.load(str(path))
    except drawdown.ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            assert isinstance(p, Problem)
            assert p.file and p.message
            assert "Traceback" not in str(p)
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


@settings(max_examples=max(60, EXAMPLES // 3), deadline=None)
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
