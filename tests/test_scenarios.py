"""Scenario files: loading, extends, validation errors, the base force, the shipped
scenarios, the content hash, and the list / show / validate commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import drawdown
import pytest
from click.testing import CliRunner
from drawdown.cli.main import main
from scenario_text import MINIMAL

SHIPPED = [
    "announced-2021-09-11",
    "base-force-2021-02",
    "conditions-based",
    "doha-2021-05-01",
    "enablers-leave-first",
    "escalation",
    "no-consensus",
    "study-group-delay",
]


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture
def write(tmp_path):
    """Write a scenario file in tmp_path: ``write(text, name="s.toml") -> Path``."""

    def _write(text: str, name: str = "s.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def broken(*replacements, append: str = "") -> str:
    """MINIMAL with each (old, new) replaced once, then ``append`` added."""
    text = MINIMAL
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text + append


def problems(path) -> list:
    with pytest.raises(drawdown.ScenarioError) as info:
        drawdown.load(str(path))
    assert info.value.problems
    return list(info.value.problems)


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_rejected_by_cli(path, key: str):
    """`drawdown validate` exits 2, names the key path, and shows no traceback."""
    result = cli("validate", path)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error:" in result.output
    if key:
        assert key in result.output
    return result


# -- the minimal scenario and extends -------------------------------------------------------


def test_minimal_scenario_is_valid(write):
    s = drawdown.load(str(write(MINIMAL)))
    assert s.total_troops == 150
    assert [c.id for c in s.contingents] == ["US@Alpha", "France@Beta"]
    france = s.contingents[1]
    assert s.bases[france.flies_from].name == "Alpha" and france.road_days == 1
    assert s.enablers.nations == ("US",)
    result = cli("validate", s.file)
    assert result.exit_code == 0, result.output


def test_defaults_are_filled(write):
    s = drawdown.load(str(write(MINIMAL)))
    assert s.conditions.hold_days == 14
    assert s.conditions.threshold == 0.5
    assert s.deadline is None and s.deadline_day is None
    assert s.enablers_last is True
    assert s.threat.closure_days == 0
    assert s.enablers.capacity_without_enablers == 0.5
    us, france = s.contingents
    assert france.rear_guard == 5  # round_half_up(0.1 * 50), at least rear_guard_min = 1
    assert france.equipment_t == 0  # equipment_t_per_troop defaults to 0
    assert france.national_delay.is_fixed and france.national_delay.max == 0
    assert us.liftable_t == 40  # handover_fraction defaults to 0


def test_quantities_are_rounded_half_up_exactly(write):
    # 0.29 * 50 is 14.4999... in binary floats; the loader reads decimals: 14.5 -> 15
    path = write(broken(("troops = 50\n", "troops = 50\nequipment_t_per_troop = 0.29\nrear_guard_fraction = 0.05\n")))
    france = drawdown.load(str(path)).contingents[1]
    assert france.equipment_t == 15
    assert france.rear_guard == 3  # 2.5 -> 3


def test_extends_overrides_and_inherits(write):
    write(MINIMAL, "base.toml")
    child = write(
        'extends = "base"\n'
        'description = "child"\n'
        "deadline = 2021-03-01\n"
        "total_troops = 175\n"
        "total_nations = 3\n"
        "[threat]\nattack_rate_after = 2.5\n"
        '[contingents."US@Alpha"]\ntroops = 120\n'
        '[contingents."UK@Alpha"]\ntroops = 5\n',
        "child.toml",
    )
    s = drawdown.load(str(child))
    base = drawdown.load(str(child.parent / "base.toml"))
    assert s.name == "child" and s.description == "child"
    assert s.deadline.isoformat() == "2021-03-01"
    # overridden key by key: the rest of each table is inherited
    assert s.threat.attack_rate_after == 2.5
    assert s.threat.attack_rate_before == base.threat.attack_rate_before == 0.1
    us = s.contingents[0]
    assert us.troops == 120 and us.equipment_t == 40  # equipment_t inherited from base
    # contingents keep their order along the chain; new ones come last
    assert [c.id for c in s.contingents] == ["US@Alpha", "France@Beta", "UK@Alpha"]
    assert s.horizon_days == 100 and s.decision.meeting_days == base.decision.meeting_days
    assert [Path(f).name for f in s.chain] == ["base.toml", "child.toml"]


def test_extends_by_relative_path_and_shipped_name(write):
    write(MINIMAL, "base.toml")
    s = drawdown.load(str(write('extends = "./base.toml"\nhorizon_days = 120\n', "by-path.toml")))
    assert s.horizon_days == 120 and s.total_troops == 150

    shipped = drawdown.load(str(write('extends = "doha-2021-05-01"\ndeadline = 2021-06-01\n', "later.toml")))
    doha = drawdown.load("doha-2021-05-01")
    assert shipped.deadline.isoformat() == "2021-06-01"
    assert shipped.total_troops == 9600
    assert [c.id for c in shipped.contingents] == [c.id for c in doha.contingents]
    assert shipped.hash != doha.hash


def test_contingent_defaults_apply_to_inherited_contingents(write):
    write(MINIMAL, "base.toml")
    s = drawdown.load(
        str(write('extends = "base"\n[contingent_defaults]\nprep_days = { min = 1, mode = 2, max = 4 }\n', "c.toml"))
    )
    assert all((c.prep.min, c.prep.mode, c.prep.max) == (1, 2, 4) for c in s.contingents)


def test_problem_names_the_file_that_set_the_key(write):
    base = write(broken(("horizon_days = 100\n", "horizon_days = 100\ndeadline = 2021-03-01\n")), "base.toml")
    child = write('extends = "base"\nhorizon_days = 30\n', "child.toml")
    found = {p.key: p for p in problems(child)}
    assert Path(found["deadline"].file) == base  # the deadline was set in the base file
    found = {p.key: p for p in problems(write('extends = "base"\ntotal_troops = 7\n', "child2.toml"))}
    assert Path(found["total_troops"].file).name == "child2.toml"


# -- one error kind at a time -----------------------------------------------------------------

# (id, replacements, appended text, key path, fragment of the message)
ERRORS = [
    ("malformed", (), "\nfoo = = 3\n", "", "line"),
    ("unknown-key", (("horizon_days = 100", "horizon_dayz = 100"),), "", "horizon_dayz", "did you mean 'horizon_days'"),
    (
        "unknown-contingent-key",
        (("troops = 50\n", "troops = 50\ndepends_on = []\n"),),
        "",
        'contingents."France@Beta".depends_on',
        "did you mean 'depend_on'",
    ),
    ("wrong-type", (("horizon_days = 100", 'horizon_days = "100"'),), "", "horizon_days", "expected an integer"),
    (
        "wrong-type-bool",
        (('source = "test figure"\n\n[bases.Beta]', 'source = "test figure"\np_closed_day = true\n\n[bases.Beta]'),),
        "",
        "bases.Alpha.p_closed_day",
        "expected a probability",
    ),
    ("negative-troops", (("troops = 50", "troops = -5"),), "", 'contingents."France@Beta".troops', "out of range"),
    (
        "probability-above-1",
        (("p_no_consensus = 0.5", "p_no_consensus = 1.5"),),
        "",
        "decision.p_no_consensus",
        "out of range",
    ),
    ("probability-below-0", (), "\n[enablers]\n", None, None),  # placeholder replaced below
    (
        "triangular-min-above-mode",
        (("troops = 50\n", "troops = 50\nprep_days = { min = 5, mode = 3, max = 9 }\n"),),
        "",
        'contingents."France@Beta".prep_days.min',
        "min 5 is above mode 3",
    ),
    (
        "date-before-start",
        (("meetings = [2021-01-10, 2021-02-10]", "meetings = [2020-12-10, 2021-02-10]"),),
        "",
        "decision.meetings[0]",
        "before start",
    ),
    (
        "deadline-before-start",
        (("horizon_days = 100\n", "horizon_days = 100\ndeadline = 2020-12-31\n"),),
        "",
        "deadline",
        "before start",
    ),
    (
        "unknown-base",
        (('[contingents."France@Beta"]', '[contingents."France@Gamma"]'),),
        "",
        'contingents."France@Gamma"',
        "unknown base 'Gamma'",
    ),
    ("troops-do-not-add-up", (("total_troops = 150", "total_troops = 151"),), "", "total_troops", "add up to 150"),
    (
        "depend-on-cycle",
        (("troops = 100\n", 'troops = 100\ndepend_on = ["France"]\n'),),
        "",
        'contingents."US@Alpha".depend_on',
        "cycle",
    ),
    (
        "via-chain",
        (),
        '\n[bases.Gamma]\nairfield = false\nvia = "Beta"\n[contingents."US@Gamma"]\ntroops = 1\n',
        "bases.Gamma.via",
        "has no airfield",
    ),
    (
        "via-base-without-airfield",
        (('via = "Alpha"', 'via = "Gamma"'),),
        "\n[bases.Gamma]\nairfield = false\n",
        "bases.Beta.via",
        "has no airfield",
    ),
    ("zero-seats", (("seats_per_day = 50", "seats_per_day = 0"),), "", "bases.Alpha.seats_per_day", "zero seats"),
    ("zero-cargo", (("cargo_t_per_day = 20", "cargo_t_per_day = 0"),), "", "bases.Alpha.cargo_t_per_day", "zero cargo"),
    (
        "capacity-without-enablers-rounds-to-0",
        (("total_nations = 2", "total_nations = 2\nenablers_last = false"),),
        "\n[enablers]\ncapacity_without_enablers = 0.001\n",
        "enablers.capacity_without_enablers",
        "to 0",
    ),
    (
        "capacity-without-enablers-0",
        (),
        "\n[enablers]\ncapacity_without_enablers = 0\n",
        "enablers.capacity_without_enablers",
        "out of range",
    ),
    (
        "no-consensus-ever",
        (("p_no_consensus = 0.5", "p_no_consensus = 1"),),
        "",
        "decision.p_no_consensus",
        "latest_decision",
    ),
    ("hold-days-0", (), "\n[conditions]\nhold_days = 0\n", "conditions.hold_days", "out of range"),
    (
        "deadline-after-horizon",
        (("horizon_days = 100\n", "horizon_days = 100\ndeadline = 2021-04-11\n"),),
        "",
        "deadline",
        "after the horizon",
    ),
    (
        "latest-decision-after-horizon",
        (("p_no_consensus = 0.5", "p_no_consensus = 0.5\nlatest_decision = 2021-06-01"),),
        "",
        "decision.latest_decision",
        "after the horizon",
    ),
    (
        "attack-mean-above-1e6",
        (
            ("horizon_days = 100\n", "horizon_days = 100\ndeadline = 2021-02-01\n"),
            ("attack_rate_after = 1.0", "attack_rate_after = 100000.0\nescalation_per_week = 100"),
        ),
        "",
        "threat.attack_rate_after",
        "attack mean",
    ),
    (
        "no-meeting-can-decide",
        (("meetings = [2021-01-10, 2021-02-10]", "meetings = []"),),
        "",
        "decision.meetings",
        "never be given",
    ),
    ("not-utf8", (), "", "", "UTF-8"),  # written as bytes below
]
ERRORS[7] = (
    "probability-below-0",
    (),
    "\n[bases.Gamma]\nseats_per_day = 5\ncargo_t_per_day = 5\np_closed_day = -0.1\n",
    "bases.Gamma.p_closed_day",
    "out of range",
)


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_each_error_kind_names_key_path(write, case):
    name, replacements, append, key, fragment = case
    path = write(broken(*replacements, append=append))
    if name == "not-utf8":
        path.write_bytes(b'description = "\xff"\n' + MINIMAL.encode())
    found = problems(path)
    matching = [p for p in found if p.key == key]
    assert matching, f"no problem at {key!r}: {[str(p) for p in found]}"
    assert any(fragment in p.message for p in matching), [str(p) for p in matching]
    assert all(Path(p.file) == path for p in matching)
    assert {p.key for p in found} == {key}, [str(p) for p in found]  # one mistake, no cascade
    result = assert_rejected_by_cli(path, key)
    assert str(path) in result.output


def test_extends_cycle(write):
    write('extends = "b"\n' + MINIMAL, "a.toml")
    write('extends = "a"\n', "b.toml")
    found = problems(write('extends = "a"\n', "c.toml"))
    assert [p.key for p in found] == ["extends"]
    assert "cycle" in found[0].message
    assert_rejected_by_cli(found[0].file, "extends")


def test_self_extends_is_a_cycle(write):
    path = write('extends = "s"\n' + MINIMAL, "s.toml")
    found = problems(path)
    assert found[0].key == "extends" and "cycle" in found[0].message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    found = problems(path)
    assert found[0].key == "" and "no such scenario file" in found[0].message
    assert str(path) in str(found[0])
    assert_rejected_by_cli(path, "")
    result = cli("show", path)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_missing_extends_target(write):
    found = problems(write('extends = "no-such-scenario"\n' + MINIMAL))
    assert [p.key for p in found] == ["extends"]
    assert "no-such-scenario" in found[0].message


def test_valid_neighbours_of_the_rules(write):
    # each rule of §1.8 is targeted: the nearby scenario that can finish is accepted
    ok = [
        broken(("p_no_consensus = 0.5", "p_no_consensus = 1\nlatest_decision = 2021-03-01")),
        broken(append="\n[enablers]\ncapacity_without_enablers = 0.001\n"),  # enablers_last = true: never cut
        broken(
            ("cargo_t_per_day = 20", "cargo_t_per_day = 0"), ("equipment_t = 40", "equipment_t = 0")
        ),  # nothing to lift
        broken(("horizon_days = 100\n", "horizon_days = 100\ndeadline = 2021-04-10\n")),  # the horizon's last day
        broken(append="\n[bases.Empty]\nseats_per_day = 0\ncargo_t_per_day = 0\n"),  # an airfield nobody uses
    ]
    for i, text in enumerate(ok):
        drawdown.load(str(write(text, f"ok{i}.toml")))


def test_all_problems_reported_at_once(write):
    path = write(
        broken(
            ("horizon_days = 100", "horizon_dayz = 100"),
            ("troops = 50", "troops = -5"),
            ("seats_per_day = 50", 'seats_per_day = "many"'),
        )
    )
    found = problems(path)
    assert sorted(p.key for p in found) == sorted(
        ["horizon_dayz", 'contingents."France@Beta".troops', "bases.Alpha.seats_per_day"]
    )
    result = assert_rejected_by_cli(path, "horizon_dayz")
    assert result.output.count("error:") == 3


def test_validate_many_files_reports_each(write):
    good = write(MINIMAL, "good.toml")
    bad = write(broken(("troops = 50", "troops = 0")), "bad.toml")
    result = cli("validate", good, bad)
    assert result.exit_code == 2
    assert "ok: " in result.output and str(good) in result.output
    assert f"invalid: {bad}" in result.output
    assert 'contingents."France@Beta".troops' in result.output
    assert cli("validate", good, "doha-2021-05-01").exit_code == 0


def test_replace_validates_and_names_key():
    s = drawdown.load("doha-2021-05-01")
    with pytest.raises(drawdown.ScenarioError) as info:
        s.replace({'contingents."US@Bagram".troops': -1})
    assert info.value.problems[0].key == 'contingents."US@Bagram".troops'
    later = s.replace(deadline="2021-09-11")
    assert later.deadline_day - s.deadline_day == 133


# -- the base force ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def force():
    return drawdown.load("base-force-2021-02")


def troops_of(s, nation):
    return sum(c.troops for c in s.contingents if c.nation == nation)


def test_base_force_totals(force):
    assert force.total_troops == 9600
    assert len(force.nations) == 36
    assert troops_of(force, "US") == 2500
    assert troops_of(force, "Germany") == 1600
    assert troops_of(force, "Italy") == 895
    assert troops_of(force, "Georgia") == 860
    assert len([c for c in force.contingents if c.nation == "US"]) > 1  # summed over its bases


def test_base_force_bases(force):
    assert len(force.bases) == 6
    assert sum(b.airfield for b in force.bases) == 5
    laghman = next(b for b in force.bases if b.name == "Laghman")
    assert not laghman.airfield and force.bases[laghman.via].name == "Bagram"
    for c in force.contingents:
        if c.base == force.bases.index(laghman):
            assert force.bases[c.flies_from].name == "Bagram" and c.road_days == laghman.road_days


def test_base_force_contingents(force):
    names = {b.name for b in force.bases}
    for c in force.contingents:
        nation, base = c.id.split("@")
        assert (nation, force.bases[c.base].name) == (c.nation, base) and base in names
        assert c.source or c.assumption, c.id
        assert c.depend_on == (() if c.nation == "US" else ("US",)), c.id
    assert {"US", "UK"} <= set(force.nations)
    assert "United States" not in force.nations and "United Kingdom" not in force.nations
    assert force.enablers.nations == ("US",)
    # default priority: troops ascending, the enabler last
    order = [force.contingents[i] for i in force.priority]
    assert all(c.nation == "US" for c in order[-4:])
    assert [c.troops for c in order[:-4]] == sorted(c.troops for c in order[:-4])


def test_base_force_marks_sources_and_assumptions(force):
    keys = {(k, kind) for k, kind, _ in force.provenance}
    for table in ("decision", "conditions", "threat", "enablers"):
        assert (table, "assumption") in keys or (table, "source") in keys
    for b in force.bases:
        assert b.source or b.assumption, b.name


# -- the shipped scenarios ---------------------------------------------------------------------


def test_shipped_scenarios_are_listed():
    assert set(SHIPPED) <= set(drawdown.list_scenarios())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_validates(name):
    s = drawdown.load(name)
    assert s.description.strip() and "\n" not in s.description
    assert len(s.notes.split()) >= 20
    assert s.total_troops == 9600 and len(s.nations) == 36
    assert not s.warnings
    if name != "base-force-2021-02":
        assert any(Path(f).stem == "base-force-2021-02" for f in s.chain[:-1])
    assert cli("validate", s.file).exit_code == 0


def test_shipped_scenarios_say_what_they_are_about():
    base = drawdown.load("base-force-2021-02")
    doha = drawdown.load("doha-2021-05-01")
    assert doha.deadline.isoformat() == "2021-05-01" and doha.decision.rule == "next_meeting"
    ann = drawdown.load("announced-2021-09-11")
    assert ann.decision.rule == "fixed"
    assert ann.date_of(ann.decision.day).isoformat() == "2021-04-14"
    assert ann.date_of(ann.decision.start_on_day).isoformat() == "2021-05-01"
    assert ann.deadline.isoformat() == "2021-09-11"
    cond = drawdown.load("conditions-based")
    assert cond.deadline is None and cond.decision.rule == "conditions"
    assert drawdown.load("study-group-delay").deadline > doha.deadline
    esc = drawdown.load("escalation")
    assert esc.threat.attack_rate_before > base.threat.attack_rate_before
    assert esc.threat.attack_rate_after > base.threat.attack_rate_after
    assert drawdown.load("enablers-leave-first").enablers_last is False
    assert drawdown.load("no-consensus").decision.p_no_consensus > base.decision.p_no_consensus


# -- the content hash ---------------------------------------------------------------------------


def test_hash_is_stable_across_loads_and_processes():
    s = drawdown.load("doha-2021-05-01")
    assert drawdown.load("doha-2021-05-01").hash == s.hash
    code = "import drawdown; print(drawdown.load('doha-2021-05-01').hash)"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, check=True)
    assert out.stdout.strip() == s.hash


def test_hash_changes_with_values_not_prose(write):
    h = drawdown.load(str(write(MINIMAL, "a.toml"))).hash
    # a value changes: the hash changes
    assert (
        drawdown.load(
            str(write(broken(("troops = 50", "troops = 51"), ("total_troops = 150", "total_troops = 151")), "b.toml"))
        ).hash
        != h
    )
    assert drawdown.load(str(write(broken(("attack_rate_after = 1.0", "attack_rate_after = 1.5")), "c.toml"))).hash != h
    # notes, description, source, assumption: not model inputs
    prose = broken(
        ('notes = "Two contingents, one airfield, one road move."', 'notes = "Something else entirely."'),
        ('description = "Minimal test scenario"', 'description = "Renamed"'),
        ('assumption = "test assumption"', 'assumption = "another assumption"'),
    )
    assert drawdown.load(str(write(prose, "d.toml"))).hash == h
    # the same values written another way, or a default written out
    same = broken(("attack_rate_after = 1.0", "attack_rate_after = 1.00"), ("[threat]", "[threat]\nclosure_days = 0"))
    assert drawdown.load(str(write(same, "e.toml"))).hash == h


def test_hash_changes_with_replace():
    s = drawdown.load("doha-2021-05-01")
    assert s.replace({"threat.attack_rate_after": 2.0}).hash != s.hash
    assert s.replace({"notes": "changed"}).hash == s.hash


# -- the commands ---------------------------------------------------------------------------------


def test_list():
    result = cli("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in SHIPPED:
        (line,) = [row for row in lines if row.split()[0] == name]
        s = drawdown.load(name)
        assert (s.deadline.isoformat() if s.deadline else "none") in line
        assert s.description in line


def test_list_json():
    result = cli("list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    by_name = {r["name"]: r for r in rows}
    assert set(SHIPPED) <= set(by_name)
    assert by_name["doha-2021-05-01"]["deadline"] == "2021-05-01"
    assert by_name["conditions-based"]["deadline"] is None
    assert all(r["description"] for r in rows)


def test_show_readable():
    result = cli("show", "doha-2021-05-01")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("doha-2021-05-01: ")
    assert "2021-05-01 (day 75)" in out
    assert "Sources" in out and "Assumptions" in out
    assert "AFP, 15 Feb 2021 (US total 2,500)" in out
    for c in drawdown.load("doha-2021-05-01").contingents:
        assert c.id in out
    # told apart: the section of sources comes before the section of assumptions, and
    # a contingent with only a sourced figure is marked S, one with a planning figure A
    sources, assumptions = out.index("\nSources"), out.index("\nAssumptions")
    assert sources < assumptions
    italy = next(row for row in out.splitlines() if row.strip().startswith("Italy@Herat"))
    czech = next(row for row in out.splitlines() if row.strip().startswith("Czech Republic@Kabul"))
    assert italy.split()[-1] == "S" and czech.split()[-1] == "A"
    assert "2021 figure not found" in out[assumptions:]
    assert "2021 figure not found" not in out[sources:assumptions]


def test_show_path(write):
    path = write(MINIMAL)
    result = cli("show", path)
    assert result.exit_code == 0, result.output
    assert "US@Alpha" in result.output and "Alpha (+1 d road)" in result.output


def test_show_json():
    result = cli("show", "doha-2021-05-01", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    s = drawdown.load("doha-2021-05-01")
    assert data["name"] == "doha-2021-05-01"
    assert data["start"] == "2021-02-15"
    assert data["deadline"] == "2021-05-01"
    assert data["total_troops"] == 9600
    assert [c["id"] for c in data["contingents"]] == [c.id for c in s.contingents]
    for got, c in zip(data["contingents"], s.contingents):
        assert (got["nation"], got["base"], got["troops"]) == (c.nation, s.bases[c.base].name, c.troops)
    assert data["hash"] == s.hash
    none = json.loads(cli("show", "conditions-based", "--json").output)
    assert none["deadline"] is None


def test_show_invalid_exits_2(write):
    path = write(broken(("troops = 50", "troops = -1")))
    result = cli("show", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert 'contingents."France@Beta".troops' in result.output


@pytest.mark.parametrize("command", ["list", "show", "validate"])
def test_help_has_an_example(command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"drawdown {command}" in result.output


def test_group_lists_commands():
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("list", "show", "validate"):
        assert command in result.output


# -- documentation and packaging -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("doc", ["README.md", "docs/scenario-format.md"])
def test_format_reference_documents_every_key(doc):
    from drawdown.scenario import schema

    text = (ROOT / doc).read_text(encoding="utf-8")
    keys = set(schema.TOP) | set(schema.BASE) | set(schema.CONTINGENT) | {"extends"}
    for table, spec in schema.TABLES.items():
        assert f"[{table}]" in text
        keys |= set(spec)
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"{doc} does not document {missing}"


def test_format_reference_documents_every_v2_key():
    from drawdown.scenario import schema

    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    keys = set(schema.CROSSING) | set(schema.LEG) | set(schema.PHASE)
    keys |= set(schema.AIRFIELD_PERIOD) | set(schema.WAY_PERIOD)
    keys |= set(schema.EQUIPMENT_V2) | set(schema.NATION)
    keys |= {"route", "equipment_route", "leave_with", "scope"}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/scenario-format.md does not document {missing}"
    for table in ("[crossings.", "[legs.", "[groups]", "[phases.", "[[bases.NAME.calendar]]", '[nations."NATION"]'):
        assert table in text


def test_readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/drawdown run" in text
    assert "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip\" install --quiet --disable-pip-version-check '.[test]'" in ci
    assert "-m pytest" in ci


def test_installed_distribution_ships_the_scenarios():
    """Where drawdown is pip-installed (as in .ci/run), its files include every scenario."""
    from importlib import metadata

    installed = [
        d
        for d in metadata.distributions(name="drawdown")
        if Path(str(d.locate_file(""))).resolve() != ROOT  # not a build's egg-info in the checkout
    ]
    files = [str(f) for d in installed for f in (d.files or ())]
    if not files or any(f.endswith(".pth") for f in files):
        pytest.skip("drawdown is not installed here, or only in editable mode")
    prefix = "drawdown/_scenarios/"
    shipped = {f[len(prefix) :] for f in files if f.startswith(prefix) and f.endswith(".toml")}
    in_checkout = {p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.toml")}
    assert in_checkout <= shipped  # full scenarios, overlays (deadlines/, conditions/, threats/) and sweeps/


# -- the build pipeline and its rules ---------------------------------------------------------------


def test_cross_key_problems_come_in_pipeline_order(write):
    # ids, bases and via links, nations, the council, capacities, priority: in that order, each once
    path = write(
        broken(
            ('depend_on = ["US"]', 'depend_on = ["US", "Spain"]'),
            ('rule = "next_meeting"', 'rule = "fixd"'),
            ("seats_per_day = 50", "seats_per_day = 0"),
            ("total_nations = 2", 'total_nations = 3\npriority = ["US@Alpha", "US@Alpha"]'),
            append='\n[bases.Gamma]\nairfield = false\nvia = "Beta"\n[contingents."US@Gamma"]\ntroops = 1\n'
            "[contingents.Nobody]\ntroops = 2\n",
        )
    )
    assert [(p.key, p.message) for p in problems(path)] == [
        ("contingents.Nobody", "contingent id 'Nobody' is not NATION@BASE"),
        (
            "bases.Gamma.via",
            "via base 'Beta' has no airfield; expected a base with an airfield (via chains are not allowed)",
        ),
        ('contingents."France@Beta".depend_on', "unknown nation 'Spain'; expected one of the scenario's nations"),
        (
            "decision.rule",
            "unknown rule 'fixd', expected one of fixed, next_meeting, conditions; did you mean 'fixed'?",
        ),
        (
            "bases.Alpha.seats_per_day",
            "zero seats, but 2 contingents fly from here: they could never leave; expected > 0",
        ),
        ("priority", "expected every contingent id exactly once; missing France@Beta, US@Gamma; repeated US@Alpha"),
    ]


def test_each_rule_is_a_function_of_the_values_it_reads():
    from drawdown.scenario import rules
    from drawdown.scenario.problems import Problems

    found = Problems({("bases", "B"): "base.toml"}, "s.toml")
    bases = {"A": {"airfield": True}, "B": {"airfield": False}, "C": {"airfield": False}}
    assert rules.via_base(found, ("bases", "C"), "A", bases, used=True) == 0
    assert rules.via_base(found, ("bases", "B"), None, bases, used=False) == -1  # no contingents: no via needed
    assert not found
    assert rules.via_base(found, ("bases", "B"), "C", bases, used=True) == -1
    assert [(p.file, p.key) for p in found] == [("base.toml", "bases.B.via")]
    assert "via chains are not allowed" in found.items[0].message

    found = Problems({}, "s.toml")
    rows = [rules.Row("A@X", "A", 0, {"depend_on": ["B"]}), rules.Row("B@X", "B", 0, {"depend_on": ["A"]})]
    graph = rules.known_dependencies(found, rows, ["A", "B"])
    assert graph == {"A": {"B"}, "B": {"A"}} and not found
    rules.no_dependency_cycle(found, graph, rows)
    assert [(p.key, p.message) for p in found] == [
        ('contingents."A@X".depend_on', "depend_on cycle between nations: A -> B -> A; expected no cycles")
    ]

    found = Problems({}, "s.toml")
    rules.certain_no_consensus_has_latest_decision(found, "next_meeting", {"p_no_consensus": 1}, calendar_ok=True)
    rules.certain_no_consensus_has_latest_decision(found, "fixed", {"p_no_consensus": 1}, calendar_ok=True)
    assert [p.key for p in found] == ["decision.p_no_consensus"]
    assert rules.priority_names_every_contingent(found, ["b", "a"], ["a", "b"])
    rules.total_troops_match(found, 10, 9)  # skipped: another problem is already reported
    assert len(found) == 1


def test_replace_builds_through_the_same_pipeline():
    s = drawdown.load("doha-2021-05-01")
    twice = s.replace(deadline="2021-09-11").replace(deadline="2021-05-01")
    assert twice == s and twice.hash == s.hash
    assert twice.contingents == s.contingents and twice.priority == s.priority
    assert "_build" not in repr(s.decision) and "build" not in repr(s)
