"""Every loader rule of model v2, one bad file each: the error names the file, the key path
and what was expected (issue 15; docs/network.md; MODEL-V2 §6, §7.14).

Each case edits ``tests/data/network-minimal.toml`` (a valid v2 scenario: ``A@Outpost``
drives Outpost-Hub-Border in phase ``one``, the enabler ``B@Hub`` drives Hub-Border in
phase ``two``, which starts five days after ``one`` is complete), writes it, loads it
with the public loader and checks the problem at the key. A last test checks that every
function of the v2 rule modules that reports a problem has a case here.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path

import drawdown
import pytest
from cli_helpers import make_runner
from drawdown.cli.main import main
from drawdown.errors import ScenarioError
from scenario_text import toml_key, toml_value

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "network-minimal.toml"
SCENARIO = Path(drawdown.__file__).parent / "scenario"
#: The modules whose rules this file covers (each function that calls ``problems.add``).
RULE_MODULES = ("network_rules.py", "plan_rules.py", "waits.py", "network_build.py", "plan_build.py")
#: v2 rules elsewhere (rules.py keeps v1's, and the attack bound of crossings and legs).
OTHER_V2_RULES = {"site_attack_mean_bounded"}


def minimal() -> dict:
    return tomllib.loads(MINIMAL.read_text())


def dumps(table: dict, prefix: tuple = ()) -> str:
    """A scenario as TOML: a table's plain keys, then its sub-tables as ``[a.b]`` headers."""
    out = [f"{toml_key(k)} = {toml_value(v)}\n" for k, v in table.items() if not isinstance(v, dict)]
    for k, v in table.items():
        if isinstance(v, dict):
            path = (*prefix, k)
            if not v or any(not isinstance(x, dict) for x in v.values()):
                out.append("\n[" + ".".join(toml_key(p) for p in path) + "]\n")
            out.append(dumps(v, path))
    return "".join(out)


def write(tmp_path: Path, table: dict) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(dumps(table))
    return path


def problems_of(path: Path) -> list:
    with pytest.raises(ScenarioError) as err:
        drawdown.load(path)
    return err.value.problems


# -- edits: each breaks one rule -----------------------------------------------------------


def _set(*keys_and_value) -> Callable[[dict], None]:
    """An edit that sets ``table[k1][k2]... = value``."""
    *keys, value = keys_and_value

    def edit(s: dict) -> None:
        t = s
        for k in keys[:-1]:
            t = t.setdefault(k, {})
        t[keys[-1]] = value

    return edit


def _edits(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(s: dict) -> None:
        for e in edits:
            e(s)

    return edit


def _drop(*keys) -> Callable[[dict], None]:
    def edit(s: dict) -> None:
        t = s
        for k in keys[:-1]:
            t = t[k]
        del t[keys[-1]]

    return edit


def _leg(origin: str, to: str, mode: str = "road", **extra) -> dict:
    return {
        "from": origin,
        "to": to,
        "mode": mode,
        "transit_days": 1,
        "troops_per_day": 100,
        "cargo_t_per_day": 100,
        **extra,
    }


AIRBASE = {"seats_per_day": 500, "cargo_t_per_day": 500}
A = "A@Outpost"
B = "B@Hub"

#: (rule function, edit, key path of the problem, text the message must hold)
CASES = [
    # -- network_rules.py: places, legs, exits, routes
    ("known_name", _set("legs", "Hub-Border", "to", "Bordr"), "legs.Hub-Border.to", "did you mean 'Border'?"),
    (
        "crossing_not_a_base",
        _set("crossings", "Hub", {"troops_per_day": 1, "cargo_t_per_day": 1}),
        "crossings.Hub",
        "'Hub' is already a base; expected a crossing name no base has",
    ),
    ("leg_mode_known", _set("legs", "Hub-Border", "mode", "rail"), "legs.Hub-Border.mode", "unknown mode 'rail'"),
    (
        "leg_does_not_start_at_crossing",
        _set("legs", "Border-Hub", _leg("Border", "Hub")),
        "legs.Border-Hub.from",
        "a leg may not start at a crossing ('Border'): troops there leave through it; expected a base",
    ),
    (
        "leg_joins_two_places",
        _set("legs", "Loop", _leg("Hub", "Hub")),
        "legs.Loop.to",
        "the leg goes from 'Hub' to itself; expected another place",
    ),
    (
        "air_leg_between_airfields",
        _set("legs", "Hub-Outpost", _leg("Hub", "Outpost", "air")),
        "legs.Hub-Outpost.from",
        "an air leg flies between airfields; 'Hub' is not a base with an airfield; expected one, or mode = \"road\"",
    ),
    (
        "air_leg_not_attacked",
        _edits(
            _set("bases", "Air1", AIRBASE),
            _set("bases", "Air2", AIRBASE),
            _set("legs", "Air1-Air2", _leg("Air1", "Air2", "air", attack_multiplier=2.0)),
        ),
        "legs.Air1-Air2.attack_multiplier",
        "an air leg is never attacked; found attack_multiplier = 2.0, expected it absent or 0",
    ),
    (
        "enabler_scope_known",
        _set("enablers", "scope", "bse"),
        "enablers.scope",
        "unknown scope 'bse'; did you mean 'base'?",
    ),
    (
        "via_base_has_no_route",
        _edits(
            _set("bases", "Air", AIRBASE),
            _set("bases", "Outpost", "via", "Air"),
            _set("bases", "Outpost", "road_days", 1),
        ),
        f'contingents."{A}".route',
        "'Outpost' sends its contingents via another base's airfield; a base uses via or routes, never both; "
        "expected no route, or no via at 'Outpost'",
    ),
    (
        "route_starts_at_base",
        _set("contingents", A, "route", ["Hub-Border"]),
        f'contingents."{A}".route[0]',
        "leg 'Hub-Border' starts at 'Hub'; expected the route to start at the contingent's base 'Outpost'",
    ),
    (
        "route_legs_chain",
        _edits(
            _set("legs", "Outpost-Border", _leg("Outpost", "Border")),
            _set("contingents", A, "route", ["Outpost-Hub", "Outpost-Border"]),
        ),
        f'contingents."{A}".route[1]',
        "leg 'Outpost-Border' starts at 'Outpost', but the previous leg ends at 'Hub'; "
        "expected each leg to start where the previous one ends",
    ),
    (
        "route_visits_place_once",
        _edits(
            _set("legs", "Hub-Outpost", _leg("Hub", "Outpost")),
            _set("contingents", A, "route", ["Outpost-Hub", "Hub-Outpost", "Outpost-Hub"]),
        ),
        f'contingents."{A}".route[1]',
        "the route comes back to 'Outpost'; expected a route that visits a place once",
    ),
    (
        "route_ends_at_exit",
        _set("contingents", A, "route", ["Outpost-Hub"]),
        f'contingents."{A}".route',
        "the route ends at 'Hub', which is no exit; expected its last leg to end at a crossing "
        "or at a base with an airfield",
    ),
    (
        "base_without_exit_has_route",
        _drop("contingents", A, "route"),
        f'contingents."{A}".route',
        "'Outpost' has no airfield and no via base: expected a route from it to an exit",
    ),
    (
        "used_capacity_not_zero",
        _set("legs", "Outpost-Hub", "troops_per_day", 0),
        "legs.Outpost-Hub.troops_per_day",
        "zero capacity, but the troops of 1 contingent must pass here: they could never leave; "
        "expected > 0 troops a day",
    ),
    (
        "reduced_capacity_not_zero",
        _edits(_set("enablers_last", False), _set("enablers", "capacity_without_enablers", 0.001)),
        "enablers.capacity_without_enablers",
        "reduces Outpost-Hub's troops_per_day of 200 to 0 once the enablers are gone: "
        "its users could never leave; expected a larger fraction",
    ),
    # -- plan_rules.py: groups, phases, ceilings, leave_with, split ids
    (
        "split_part_plain",
        _set("contingents", "C@Hub#bad part", {"troops": 5, "route": ["Hub-Border"]}),
        'contingents."C@Hub#bad part"',
        "the part 'bad part' after '#' is not a plain name; expected NATION@BASE#PART",
    ),
    ("group_name_free", _set("groups", "Hub", ["A"]), "groups.Hub", "'Hub' is already a base; expected a group name"),
    (
        "no_group_cycle",
        _edits(_set("groups", "north", ["south"]), _set("groups", "south", ["north"])),
        "groups.north",
        "groups contain each other: north -> south -> north; expected no cycles",
    ),
    (
        "member_known",
        _set("phases", "two", "members", ["C"]),
        "phases.two.members[0]",
        "unknown member 'C'; expected one of: ",
    ),
    (
        "phase_has_members",
        _set("phases", "two", "members", []),
        "phases.two.members",
        "a phase with no members; expected contingent ids, nations, bases or group names",
    ),
    (
        "contingent_in_one_phase",
        _set("phases", "two", "members", ["B", "A"]),
        "phases.two.members",
        "contingent A@Outpost is already in phase 'one'; expected each contingent in one phase at most",
    ),
    (
        "phase_not_after_itself",
        _set("phases", "two", "start", "two"),
        "phases.two.start",
        "phase 'two' starts after itself is complete; expected order, conditions, a date or another phase",
    ),
    (
        "phase_start_known",
        _set("phases", "two", "start", "onee"),
        "phases.two.start",
        "unknown phase 'onee'; did you mean 'one'? (start is order, conditions, a date or a phase name)",
    ),
    (
        "ceiling_keys_need_ceiling",
        _set("phases", "one", "until", "two"),
        "phases.one.until",
        "until without a ceiling; expected a ceiling (troops) with it",
    ),
    (
        "ceiling_has_release",
        _set("phases", "two", "ceiling", 100),
        "phases.two.ceiling",
        "a ceiling with no release: the force would be held at it to the horizon; expected until = a phase",
    ),
    (
        "ceiling_counts_members",
        _edits(_set("phases", "one", "ceiling", 100), _set("phases", "one", "ceiling_nation", "B")),
        "phases.one.ceiling_nation",
        "the ceiling counts B's troops, but no member of phase 'one' is of B: it counts nobody of the phase",
    ),
    (
        "until_not_own_phase",
        _edits(_set("phases", "one", "ceiling", 100), _set("phases", "one", "until", "one")),
        "phases.one.until",
        "the ceiling of 'one' would be released at its own start and never bind; expected a later phase or a date",
    ),
    (
        "leave_with_other_nation",
        _set("contingents", A, "leave_with", "A"),
        f'contingents."{A}".leave_with',
        "A@Outpost would leave with its own nation 'A'; expected another (framework) nation",
    ),
    (
        "no_leave_with_cycle",
        _edits(_set("contingents", A, "leave_with", "B"), _set("contingents", B, "leave_with", "A")),
        f'contingents."{A}".leave_with',
        "leave_with cycle between nations: A -> B -> A; expected no cycles",
    ),
    # -- waits.py: the graph of waits (§7.14): the example, an enabler whose
    # dependant is in the phase that starts when the enabler's phase is complete
    (
        "no_wait_cycle",
        _edits(_set("phases", "one", "members", ["B"]), _set("phases", "two", "members", ["Outpost"])),
        "phases.two.start",
        "a cycle of waits, so the scenario can never finish: phase 'two' starts when 'one' is complete, "
        "'one' is complete when its members are all out, so it needs B@Hub to exit, B@Hub needs its rear "
        "guard out, which waits for its dependant A@Outpost to exit, A@Outpost is not ready before phase "
        "'two' starts; expected no phase, enabler hold, leave_with or ceiling that waits (through the others) "
        "on itself",
    ),
    # -- rules.py, v2 part: the attack mean at a crossing or on a road leg stays bounded
    (
        "site_attack_mean_bounded",
        _edits(_set("threat", "attack_rate_before", 0.5), _set("legs", "Hub-Border", "attack_multiplier", 1e9)),
        "legs.Hub-Border.attack_multiplier",
        # 0.5 attacks a day * 1e9 * the 1000 troops of both routes / 1000 troops * exposure 1.5
        "the daily attack mean at road leg 'Hub-Border' can reach 7.5e+08; expected at most 1e+06 "
        "(lower its attack_multiplier, or the attack rates or escalation)",
    ),
]


def _check(tmp_path: Path, edit: Callable[[dict], None], key: str, expected: str) -> None:
    s = minimal()
    edit(s)
    path = write(tmp_path, s)
    found = problems_of(path)
    at_key = [p for p in found if p.key == key]
    assert at_key, [(p.key, p.message) for p in found]
    assert at_key[0].file == str(path)
    assert expected in at_key[0].message, at_key[0].message


@pytest.mark.parametrize(("rule", "edit", "key", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_names_file_key_and_expected(tmp_path, rule, edit, key, expected):
    _check(tmp_path, edit, key, expected)


def test_the_minimal_scenario_is_valid(tmp_path):
    s = drawdown.load(write(tmp_path, minimal()))
    assert s.network is not None and [ph.name for ph in s.plan.phases] == ["one", "two"]


def _rule_functions(module: Path) -> set[str]:
    """Names of the module-level functions that call ``problems.add``."""
    tree = ast.parse(module.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            calls = [
                n
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "add"
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == "problems"
            ]
            if calls:
                found.add(node.name)
    return found


def test_every_v2_rule_has_a_case():
    rules = set().union(*(_rule_functions(SCENARIO / m) for m in RULE_MODULES)) | OTHER_V2_RULES
    assert "via_base_has_no_route" in rules and "no_wait_cycle" in rules  # the scan finds them
    missing = rules - {c[0] for c in CASES}
    assert not missing, f"v2 rules without a bad-file case here: {sorted(missing)}"


def test_a_phase_start_date_before_start_names_the_phase(tmp_path):
    _check(
        tmp_path,
        _set("phases", "two", "start", dt.date(2021, 4, 1)),
        "phases.two.start",
        "date 2021-04-01 is before start (2021-05-01); expected a date on or after it",
    )


# -- "did you mean" for places, legs, phases and groups -------------------------------------

DID_YOU_MEAN = [
    (
        "place",
        _set("legs", "Outpost-Hub", "from", "Outpst"),
        "legs.Outpost-Hub.from",
        "unknown place 'Outpst'; did you mean 'Outpost'?",
    ),
    (
        "leg",
        _set("contingents", B, "route", ["Hub-Bordr"]),
        f'contingents."{B}".route[0]',
        "unknown leg 'Hub-Bordr'; did you mean 'Hub-Border'?",
    ),
    (
        "phase",
        _edits(_set("phases", "one", "ceiling", 500), _set("phases", "one", "until", "twoo")),
        "phases.one.until",
        "unknown phase 'twoo'; did you mean 'two'?",
    ),
    (
        "group",
        _edits(_set("groups", "north", ["Outpost"]), _set("phases", "one", "members", ["nort"])),
        "phases.one.members[0]",
        "unknown member 'nort'; did you mean 'north'?",
    ),
]


@pytest.mark.parametrize(("what", "edit", "key", "expected"), DID_YOU_MEAN, ids=[c[0] for c in DID_YOU_MEAN])
def test_did_you_mean(tmp_path, what, edit, key, expected):
    _check(tmp_path, edit, key, expected)


# -- the case: a base that mixes via and routes -----------------------------------


def test_a_base_that_mixes_via_and_routes_is_rejected(tmp_path):
    s = minimal()
    s["bases"]["Air"] = dict(AIRBASE)
    s["bases"]["Outpost"].update(via="Air", road_days=1)
    s["contingents"][A]["equipment_route"] = ["Outpost-Hub", "Hub-Border"]
    found = problems_of(write(tmp_path, s))
    keys = sorted(p.key for p in found if "a base uses via or routes, never both" in p.message)
    assert keys == [f'contingents."{A}".equipment_route', f'contingents."{A}".route']


# -- wait cycles: what is rejected and what is not ---------------------------------------

WAIT_CYCLES = [
    (
        "enabler hold, base scope",
        _edits(
            _set("phases", "one", "members", ["B"]),
            _set("phases", "two", "members", ["Outpost"]),
            _set("enablers", "scope", "base"),
        ),
        "phases.two.start",
        "B@Hub needs its rear guard to leave Hub, which waits at Hub for its dependant A@Outpost to pass it, "
        "A@Outpost is not ready before phase 'two' starts",
    ),
    (
        "two phases after each other",
        _set("phases", "one", "start", "two"),
        "phases.one.start",
        "a cycle of waits, so the scenario can never finish: phase 'one' starts when 'two' is complete, "
        "phase 'two' starts when 'one' is complete; expected",
    ),
    (
        "leave_with a nation of a later phase",
        _edits(_drop("contingents", A, "depend_on"), _set("contingents", A, "leave_with", "B")),
        "phases.two.start",
        "so it needs A@Outpost to exit, A@Outpost leaves with B and is not ready before B@Hub is, "
        "B@Hub is not ready before phase 'two' starts",
    ),
    (
        # B's 600 troops wait for phase two, which waits for the force to be at most 500
        "ceiling below the troops of the phase it releases",
        _set("phases", "one", "ceiling", 500),
        "phases.two.start",
        "'one' is complete when the troops its ceiling counts are at most 500, but 600 of them cannot leave "
        "before (B@Hub 600), B@Hub is not ready before phase 'two' starts",
    ),
    (
        # the ceiling of one (A's 400 out, 700 held until three) leaves B's 600 nobody to hold it with
        # but C's 100: phase two can never be complete, and three starts after it
        "ceiling held past the phase that needs its troops out",
        _edits(
            _drop("contingents", A, "depend_on"),
            _set("contingents", "C@Hub", {"troops": 100, "route": ["Hub-Border"]}),
            _set("phases", "one", "ceiling", 700),
            _set("phases", "one", "until", "three"),
            _set("phases", "three", {"members": ["C"], "start": "two"}),
        ),
        "phases.three.start",
        "phase 'three' starts when 'two' is complete, 'two' is complete when its members are all out, so it "
        "needs B@Hub to exit, B@Hub cannot be all out, but the ceiling of 'one' keeps 700 troops in country "
        "until 'three' starts",
    ),
    (
        # the force is held at 700 until three (after two); two's own ceiling (B at most 100) would
        # leave at most 500 + 100 = 600 of the force: the ceilings can never both hold
        "two ceilings that cannot both hold",
        _edits(
            _drop("contingents", A, "depend_on"),
            _set("contingents", "C@Hub", {"troops": 100, "route": ["Hub-Border"]}),
            _set("phases", "one", "ceiling", 700),
            _set("phases", "one", "until", "three"),
            _set("phases", "two", "ceiling", 100),
            _set("phases", "two", "ceiling_nation", "B"),
            _set("phases", "three", {"members": ["C"], "start": "two"}),
        ),
        "phases.three.start",
        "phase 'three' starts when 'two' is complete, 'two' is complete when the troops its ceiling counts are "
        "at most 100, but the ceiling of 'one' keeps 700 troops in country until 'three' starts, at least 200 "
        "of those 'two' counts",
    ),
    (
        # B's rear guard (60, 10% of 600) waits for A, who waits for phase two; B's nation ceiling is 50
        "nation ceiling below an enabler's held rear guard",
        _edits(
            _set("phases", "one", "members", ["B"]),
            _set("phases", "one", "ceiling", 50),
            _set("phases", "one", "ceiling_nation", "B"),
            _set("phases", "two", "members", ["A"]),
        ),
        "phases.two.start",
        "'one' is complete when the troops its ceiling counts are at most 50, but 60 of them cannot leave "
        "before (B@Hub 60), B@Hub needs its rear guard out, which waits for its dependant A@Outpost to exit",
    ),
]


@pytest.mark.parametrize(("what", "edit", "key", "expected"), WAIT_CYCLES, ids=[c[0] for c in WAIT_CYCLES])
def test_a_wait_cycle_is_rejected(tmp_path, what, edit, key, expected):
    _check(tmp_path, edit, key, expected)


VALID_WAITS = [
    ("the minimal scenario: dependant in the earlier phase", lambda s: None),
    ("dependant in the same phase", _edits(_set("phases", "one", "members", ["A", "B"]), _drop("phases", "two"))),
    ("dependant in the earlier phase, base scope", _set("enablers", "scope", "base")),
    ("follower of a nation of an earlier phase", _set("contingents", B, "leave_with", "A")),
    ("ceiling at the troops of the phase it releases", _set("phases", "one", "ceiling", 600)),
    (
        "ceiling released on a date",
        _edits(
            _set("phases", "one", "ceiling", 10),
            _set("phases", "one", "until", dt.date(2021, 6, 1)),
            _set("phases", "two", "start", "order"),
        ),
    ),
    # (with phase two after one, the force at 10 would need B's 600 out before B is ready: a cycle)
    # 60 held rear guard troops of B, at most 60 in the ceiling: reached
    (
        "nation ceiling at an enabler's held rear guard",
        _edits(
            _set("phases", "one", "members", ["B"]),
            _set("phases", "one", "ceiling", 60),
            _set("phases", "one", "ceiling_nation", "B"),
            _set("phases", "two", "members", ["A"]),
        ),
    ),
]


@pytest.mark.parametrize(("what", "edit"), VALID_WAITS, ids=[c[0] for c in VALID_WAITS])
def test_waits_that_finish_are_accepted(tmp_path, what, edit):
    s = minimal()
    edit(s)
    drawdown.load(write(tmp_path, copy.deepcopy(s)))


# -- the command line ---------------------------------------------------------------------


def test_validate_a_bad_v2_file_exits_2_without_a_traceback(tmp_path, monkeypatch):
    s = minimal()
    s["phases"]["one"]["start"] = "two"
    write(tmp_path, s)
    monkeypatch.chdir(tmp_path)
    r = make_runner().invoke(main, ["validate", "bad.toml"], prog_name="drawdown")
    output = r.stdout + r.stderr
    assert r.exit_code == 2, output
    assert "Traceback" not in output
    assert "bad.toml" in output and "phases.one.start" in output and "a cycle of waits" in output, output


def test_a_bad_route_the_equipment_follows_is_reported_once(tmp_path):
    s = minimal()
    s["contingents"]["C@Hub"] = {"troops": 10, "route": ["Outpost-Hub"]}
    found = problems_of(write(tmp_path, s))
    at_route = [p for p in found if p.key == 'contingents."C@Hub".route[0]']
    assert len(at_route) == 1 and "starts at 'Outpost'" in at_route[0].message
    assert not [p for p in found if "equipment_route" in p.key]
