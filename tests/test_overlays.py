"""Composable scenarios (issue 14): ``extends`` lists, shipped overlays, compositions
``A+B``, totals that are checks of the file stating them, "did you mean", renamed
scenarios, ``validate`` on sweep specs, ``list`` and completion of scenario names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import drawdown
import pytest
from click.testing import CliRunner
from drawdown.cli.main import main
from drawdown.scenario import names
from drawdown.scenario.sources import MAX_CHAIN
from scenario_text import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
BASE = "base-force-2021-02"

# Each full shipped scenario and the composition of the base force and overlays that gives
# the same model (same content hash): the overlays are derived from the full scenarios.
SAME_AS = {
    "doha-2021-05-01": f"{BASE}+deadline-2021-05-01",
    "announced-2021-09-11": f"{BASE}+deadline-2021-09-11+announced-order",
    "study-group-delay": f"{BASE}+deadline-2021-11-01",
    "conditions-based": f"{BASE}+no-deadline+conditions-met",
    "no-consensus": f"{BASE}+deadline-2021-05-01+divided-council",
    "escalation": f"{BASE}+deadlines/deadline-2021-05-01+threats/escalating-attacks",
    "enablers-leave-first": "doha-2021-05-01+enablers-leave-first",
}


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "s.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def problems_of(target) -> list:
    with pytest.raises(drawdown.ScenarioError) as info:
        drawdown.load(str(target))
    return list(info.value.problems)


# -- extends takes a list ---------------------------------------------------------------------


def test_extends_list_later_file_overrides_earlier_and_errors_name_the_setter(write):
    write(MINIMAL, "base.toml")
    write("[threat]\nattack_rate_after = 2.0\nclosure_days = 3\n", "a.toml")
    write("[threat]\nattack_rate_after = 3.0\n", "b.toml")
    s = drawdown.load(str(write('extends = ["base", "a", "b"]\n', "s.toml")))
    assert s.threat.attack_rate_after == 3.0  # b, the later, wins
    assert s.threat.closure_days == 3  # a's other key stays: tables merge key by key
    assert s.threat.attack_rate_before == 0.1  # from the base
    assert [Path(f).name for f in s.chain] == ["base.toml", "a.toml", "b.toml", "s.toml"]
    # order matters: the other way round, a wins
    assert drawdown.load(str(write('extends = ["base", "b", "a"]\n', "t.toml"))).threat.attack_rate_after == 2.0

    write("[threat]\nattack_rate_after = -1.0\n", "bad.toml")
    (p,) = problems_of(write('extends = ["base", "a", "bad"]\n', "u.toml"))
    assert (Path(p.file).name, p.key) == ("bad.toml", "threat.attack_rate_after")
    assert "out of range" in p.message
    # a later file that fixes it: no problem, the fixing file is the origin
    assert drawdown.load(str(write('extends = ["base", "bad", "a"]\n', "v.toml"))).threat.attack_rate_after == 2.0


def test_diamond_reads_the_shared_base_once_before_both_overlays(write):
    write(MINIMAL, "base.toml")
    write('extends = "base"\nhorizon_days = 90\n[threat]\nattack_rate_after = 2.0\n', "left.toml")
    write('extends = "base"\n[threat]\nattack_rate_after = 3.0\n', "right.toml")
    s = drawdown.load(str(write('extends = ["left", "right"]\n', "s.toml")))
    assert [Path(f).name for f in s.chain] == ["base.toml", "left.toml", "right.toml", "s.toml"]
    # right comes later, and the base is not merged again after left (it would undo horizon_days)
    assert s.threat.attack_rate_after == 3.0 and s.horizon_days == 90
    assert s._origin[("horizon_days",)].endswith("left.toml")


def test_a_file_merges_after_everything_it_extends_even_when_listed_later(write):
    # s lists base after child, but child extends base: base must come first (parents first)
    write(MINIMAL, "base.toml")
    write('extends = "base"\nhorizon_days = 90\n', "child.toml")
    s = drawdown.load(str(write('extends = ["child", "base"]\n', "s.toml")))
    assert s.horizon_days == 90 and [Path(f).name for f in s.chain] == ["base.toml", "child.toml", "s.toml"]


def test_cycle_through_a_list_names_the_file_and_the_item(write):
    write(MINIMAL, "base.toml")
    write('extends = ["base", "b"]\n', "a.toml")
    write('extends = ["base", "a"]\ndeadline = "none"\n', "b.toml")
    (p,) = problems_of(write('extends = ["a"]\n', "s.toml"))
    assert Path(p.file).name == "b.toml" and p.key == "extends[1]"
    assert p.message.startswith("extends cycle: ") and "a.toml -> " in p.message


def test_max_chain_counts_every_file_of_a_list(tmp_path, write):
    write(MINIMAL, "base.toml")
    for i in range(MAX_CHAIN - 1):
        write(f'extends = "base"\nhorizon_days = {i + 10}\n', f"o{i}.toml")
    listed = ", ".join(f'"o{i}"' for i in range(MAX_CHAIN - 2))
    ok = drawdown.load(str(write(f"extends = [{listed}]\n", "ok.toml")))  # base + 62 + ok: 64 files
    assert len(ok.chain) == MAX_CHAIN and ok.horizon_days == MAX_CHAIN - 2 - 1 + 10
    listed = ", ".join(f'"o{i}"' for i in range(MAX_CHAIN - 1))
    (p,) = problems_of(write(f"extends = [{listed}]\n", "long.toml"))
    assert Path(p.file).name == "long.toml" and p.key == f"extends[{MAX_CHAIN - 2}]"
    assert f"longer than {MAX_CHAIN} files" in p.message


def test_bad_items_of_an_extends_list_are_named_by_index(write):
    write(MINIMAL, "base.toml")
    (p,) = problems_of(write('extends = ["base", 5]\n', "s.toml"))
    assert (p.key, p.message) == ("extends[1]", "expected a scenario name or path (string), found 5")
    (p,) = problems_of(write('extends = ["base", "nope"]\n', "t.toml"))
    assert p.key == "extends[1]" and "scenario 'nope' not found" in p.message
    write("x = 1\n", "notes.toml")
    u = write('extends = ["base", "notes.toml"]\n', "u.toml")
    (p,) = problems_of(u)
    assert Path(p.file).name == "notes.toml"
    assert p.message == f"not a drawdown scenario (extended by {u} at key extends[1])"


# -- shipped overlays and compositions --------------------------------------------------------------


@pytest.mark.parametrize("full, composition", sorted(SAME_AS.items()))
def test_each_full_scenario_is_a_composition_of_the_base_and_overlays(full, composition):
    a, b = drawdown.load(full), drawdown.load(composition)
    assert b.hash == a.hash  # same model, so the golden files' hashes need no new scenario files
    assert b.name == "+".join(Path(p).stem for p in b.file.split("+"))
    assert drawdown.load(b.file).hash == b.hash and drawdown.load(b.file).name == b.name  # a manifest reloads it


def test_overlays_live_in_their_folders_and_resolve_without_it():
    assert set(names.OVERLAY_FOLDERS) == {"deadlines", "conditions", "threats"}
    listed = names.overlay_names()
    assert {"deadlines/deadline-2021-05-01", "deadlines/deadline-2021-09-11", "deadlines/no-deadline"} <= set(listed)
    assert {"conditions/conditions-met", "threats/escalating-attacks"} <= set(listed)
    for name in listed:
        folder, _, stem = name.partition("/")
        by_folder = drawdown.scenario.find_scenario(name)
        assert by_folder == drawdown.scenario.find_scenario(stem) and by_folder.parent.name == folder
    # an overlay alone is not a scenario (it has no force)
    keys = {p.key for p in problems_of("deadline-2021-05-01")}
    assert {"start", "bases", "contingents"} <= keys


def test_an_ambiguous_bare_overlay_name_names_the_candidates(tmp_path, monkeypatch):
    for folder in ("deadlines", "threats"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.toml").write_text('deadline = "none"\n')
    (tmp_path / "full.toml").write_text(MINIMAL)
    monkeypatch.setattr(names, "scenario_dir", lambda: tmp_path)
    assert names.shipped_overlay("same") == (None, ["deadlines/same", "threats/same"])
    assert names.shipped_overlay("threats/same") == (tmp_path / "threats" / "same.toml", [])
    assert names.scenario_names("") == ["full", "deadlines/same", "threats/same"]  # no bare "same": ambiguous


def test_composition_names_the_file_that_set_a_bad_key(write):
    worse = write("[threat]\nclosure_days = -2\n", "worse.toml")
    (p,) = problems_of(f"{BASE}+deadline-2021-05-01+{worse}")
    assert (Path(p.file), p.key) == (worse, "threat.closure_days") and "out of range" in p.message
    typo = write("[threat]\nclosure_dayz = 2\n", "typo.toml")
    (p,) = problems_of(f"{BASE}+{typo}")
    assert (Path(p.file), p.key) == (typo, "threat.closure_dayz") and "did you mean 'closure_days'" in p.message
    (p,) = problems_of(f"{BASE}+no-such-overlay")
    assert "no such scenario file" in p.message


def test_compare_accepts_compositions():
    a, b = f"{BASE}+deadline-2021-05-01", f"{BASE}+deadline-2021-09-11"
    r = cli("compare", a, b, "--reps", 20, "--seed", 1, "--json")
    assert r.exit_code == 0, r.output
    assert [row["scenario"] for row in json.loads(r.stdout)["scenarios"]] == [a, b]
    r = cli("validate", a, f"{BASE}+deadline-2021-09-11+announced-order")
    assert r.exit_code == 0 and r.output.count("ok: ") == 2


# -- total_troops and total_nations ---------------------------------------------------------------


def test_a_troops_edit_on_a_file_extending_the_base_force_loads_with_the_total_recomputed(write):
    path = write(f'extends = "{BASE}"\n[contingents."US@Bagram"]\ntroops = 1700\n', "more-us.toml")
    s = drawdown.load(str(path))
    base = drawdown.load(BASE)
    assert s.total_troops == base.total_troops + 100 == 9700
    assert next(c for c in s.contingents if c.id == "US@Bagram").troops == 1700
    assert cli("validate", path).exit_code == 0


def test_a_new_nation_recomputes_total_nations(write):
    text = f'extends = "{BASE}"\n[contingents."Iceland@Kabul"]\ntroops = 4\ndepend_on = ["US"]\n'
    s = drawdown.load(str(write(text, "iceland.toml")))
    assert (s.total_troops, len(s.nations), s.to_dict()["nations"]) == (9604, 37, 37)


def test_a_wrong_total_stated_in_the_users_file_names_it_and_the_key(write):
    path = write(f'extends = "{BASE}"\ntotal_troops = 9000\n[contingents."US@Bagram"]\ntroops = 1700\n', "mine.toml")
    (p,) = problems_of(path)
    assert (Path(p.file), p.key) == (path, "total_troops")
    assert p.message == (
        'the contingents add up to 9700 troops, expected total_troops = 9000; set total_troops = 9700, or "auto" to '
        "have it computed"
    )
    r = cli("validate", path)
    assert r.exit_code == 2 and "Traceback" not in r.output and f"{path}: total_troops:" in r.output
    assert "site-packages" not in r.output and f"{BASE}.toml" not in r.output


def test_auto_totals_and_the_hash(write):
    auto = drawdown.load(str(write(f'extends = "{BASE}"\ntotal_troops = "auto"\ntotal_nations = "auto"\n', "a.toml")))
    assert auto.total_troops == 9600 and auto.hash == drawdown.load(BASE).hash  # the resolved total is hashed
    more = write(f'extends = "{BASE}"\ntotal_troops = "auto"\n[contingents."US@Bagram"]\ntroops = 1700\n', "b.toml")
    assert drawdown.load(str(more)).total_troops == 9700
    (p,) = problems_of(write(MINIMAL.replace("total_troops = 150", 'total_troops = "all"'), "c.toml"))
    assert (p.key, p.message) == ("total_troops", "expected an integer or \"auto\", found the string 'all'")


def test_replace_of_troops_recomputes_the_total_unless_the_edit_states_one():
    s = drawdown.load("doha-2021-05-01")
    assert s.replace({'contingents."US@Bagram".troops': 1700}).total_troops == 9700
    with pytest.raises(drawdown.ScenarioError, match="expected total_troops = 9600") as info:
        s.replace({'contingents."US@Bagram".troops': 1700, "total_troops": 9600})
    assert info.value.problems[0].file == "<replace>"


def test_a_troops_sweep_validates_every_point(write):
    spec = write(
        'base = "doha-2021-05-01"\nseed = 1\nreplications = 10\ndesign = "grid"\n'
        "[factors.'contingents.\"US@Bagram\".troops']\nvalues = [1000, 1600, 2200]\n",
        "troops.toml",
    )
    r = cli("validate", spec)
    assert r.exit_code == 0, r.output
    assert "sweep spec" in r.output and "3 points" in r.output


# -- names: did you mean, renaming, listing, completion ---------------------------------------------


def test_unknown_name_suggests_the_closest_shipped_names():
    (p,) = problems_of("doha-2021-05-10")
    assert "did you mean 'doha-2021-05-01'" in p.message
    (p,) = problems_of("escalaton")
    assert "did you mean 'escalation'" in p.message
    r = cli("run", "study-group-dely", "--reps", 1)
    assert r.exit_code == 2 and "did you mean 'study-group-delay'" in r.output and "Traceback" not in r.output


def test_replace_name_renames_without_changing_the_hash():
    s = drawdown.load("doha-2021-05-01")
    renamed = s.replace(name="doha-renamed")
    assert (renamed.name, renamed.hash, renamed.file) == ("doha-renamed", s.hash, s.file)
    edited = s.replace({"threat.attack_rate_after": 2.0}, name="doha-hot")
    assert edited.name == "doha-hot" and edited.hash != s.hash and s.name == "doha-2021-05-01"
    assert edited.replace(deadline="2021-09-11").name == "doha-hot"  # a later edit keeps the name
    for bad in ("", "a/b", "..", " x"):
        with pytest.raises(ValueError, match="scenario name"):
            s.replace(name=bad)


def test_list_shows_overlays_apart_from_full_scenarios():
    r = cli("list")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("OVERLAY "))
    full = {line.split()[0] for line in lines[1:header]}
    overlays = {line.split()[0] for line in lines[header + 1 :]}
    assert "doha-2021-05-01" in full and not any("/" in n for n in full)
    assert set(names.overlay_names()) == overlays
    assert next(line for line in lines if line.startswith("deadlines/deadline-2021-05-01")).split()[1] == "deadline"
    rows = json.loads(cli("list", "--json").output)
    kinds = {r["name"]: r["kind"] for r in rows}
    assert kinds["doha-2021-05-01"] == "scenario" and kinds["threats/escalating-attacks"] == "overlay"
    by_name = {r["name"]: r for r in rows}
    assert by_name["deadlines/deadline-2021-09-11"]["deadline"] == "2021-09-11"
    assert by_name["conditions/conditions-met"]["sets"] == ["decision"]


def test_list_does_not_import_numpy():
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "drawdown.cli.main", "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "deadlines/deadline-2021-05-01" in out.stdout
    assert "numpy" not in out.stderr


def test_scenario_names_complete_full_names_overlays_and_compositions():
    assert names.scenario_names("doha") == ["doha-2021-05-01"]
    assert "deadline-2021-05-01" in names.scenario_names("dead")
    assert "deadlines/deadline-2021-05-01" in names.scenario_names("deadlines/")
    after = names.scenario_names(f"{BASE}+deadline-2021-0")
    assert after == [f"{BASE}+deadline-2021-05-01", f"{BASE}+deadline-2021-09-11"]
    assert names.scenario_names(f"{BASE}+deadline-2021-05-01+esc") == [f"{BASE}+deadline-2021-05-01+escalating-attacks"]
    assert all(drawdown.load(n) for n in after)  # every completion loads


# -- validate on sweep specs ------------------------------------------------------------------------


def test_validate_checks_a_shipped_sweep_spec_as_one():
    r = cli("validate", ROOT / "scenarios" / "sweeps" / "deadline-and-threat.toml")
    assert r.exit_code == 0, r.output
    assert "sweep spec: base doha-2021-05-01, grid design of 9 points" in r.output
    assert "error" not in r.output


def test_validate_names_the_spec_file_and_key_of_a_bad_sweep_spec(write):
    spec = write(
        'base = "doha-2021-05-01"\nseed = 1\nreplications = 10\ndesign = "grid"\n'
        "[factors.'threat.attack_rate_after']\nvalues = [0.5, -1.0]\n",
        "bad-sweep.toml",
    )
    r = cli("validate", spec)
    assert r.exit_code == 2 and "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("error:")]
    assert errors and all(str(spec) in line for line in errors)
    assert any("threat.attack_rate_after" in line for line in errors)
    assert not any("start: missing" in line for line in errors)  # not read as a scenario


def test_validate_checks_each_shipped_overlay_laid_on_the_base_force():
    r = cli("validate", *sorted((ROOT / "scenarios").glob("*/*.toml")))
    assert r.exit_code == 0, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("ok: ")]
    overlays = [line for line in lines if "(overlay, laid on base-force-2021-02" in line]
    specs = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
    assert len(specs) == 4  # deadline-and-threat, discovery, screening, sensitivity
    assert len(overlays) == len(names.overlay_names()) and len(lines) == len(overlays) + len(specs)  # + the sweep specs
    assert f"hash {drawdown.load('doha-2021-05-01').hash[:12]}" in next(
        line for line in overlays if "deadline-2021-05-01" in line
    )
