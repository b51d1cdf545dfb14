"""The April 2021 plan (scenarios/plan-2021-04.toml, issue 16): a shipped scenario a planner
could have signed on 14 April 2021, every figure it sets sourced or derived in the file.

What is checked here, beside the engine agreement and the golden files every shipped
scenario has: each numeric key the file sets is named in the provenance text of its
table (a contingent's in the file's own top-level text, so the base force's provenance
of that contingent stays); the derivations the texts give hold (the pre-deadline rate
against 410 quiet days, the cap after 12 weeks of escalation, the disposal rates against
their 119-day window, killed and wounded adding up to the base force's casualties); and
the plan does what it says (the equipment moves before 1 May, the disposal is done by 11
August, Kandahar's kit leaves through Bagram).
"""

from __future__ import annotations

import math
import tomllib
from decimal import Decimal

import drawdown
import numpy as np
import pytest
from drawdown.engines import run_blocks
from drawdown.scenario import find_scenario

NAME = "plan-2021-04"
PROSE = ("source", "assumption")


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    # a duration { min, mode, max }: one numeric key
    return isinstance(value, dict) and bool(value) and set(value) <= {"min", "mode", "max"}


def _tables(node: dict, path: tuple = ()):
    """Every table of the file (arrays of tables included) with its path."""
    yield path, node
    for key, value in node.items():
        if isinstance(value, dict) and not _numeric(value):
            yield from _tables(value, path + (key,))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                yield from _tables(v, path + (key, i))


def _text(table: dict) -> str:
    return " ".join(str(table.get(k, "")) for k in PROSE)


def test_every_numeric_key_the_plan_sets_is_named_in_its_provenance():
    raw = tomllib.loads(find_scenario(NAME).read_text(encoding="utf-8"), parse_float=Decimal)
    top = _text(raw)
    unexplained = []
    for path, table in _tables(raw):
        own = _text(table)
        # a contingent's table keeps the base force's provenance: the file's top level explains it
        text = top if path[:1] == ("contingents",) else own
        for key, value in table.items():
            if _numeric(value) and key not in text:
                unexplained.append(".".join(map(str, path + (key,))))
    assert not unexplained, f"numeric keys without a derivation in their table's text: {unexplained}"


def test_the_derivations_in_the_texts_hold():
    s = drawdown.load(NAME)
    t = s.threat
    quiet_days = 410  # 29 Feb 2020 to 14 Apr 2021
    assert (drawdown.load("base-force-2021-02").threat.attack_rate_before, quiet_days) == (0.007, 410)
    # 0.02: the base rate before issue 16, which those quiet days rule out
    assert math.exp(-t.attack_rate_before * quiet_days) >= 0.05 > math.exp(-0.02 * quiet_days)
    assert t.attack_rate_before == round(3 / quiet_days, 3)
    assert t.attack_rate_after * (1 + t.escalation_per_week * 12) == t.attack_rate_max == len(s.bases)
    assert t.casualties_per_attack == drawdown.load("base-force-2021-02").threat.casualties_per_attack
    assert t.killed_share == 0.1
    window = s.day_of("2021-08-11") - s.day_of("2021-04-14")
    assert window == 119
    for pool in s.plan.disposal_pools:
        total = sum(s.contingents[i].disposal_t for i in pool.members)
        assert pool.t_per_day == math.ceil(total / window), pool.nation
    us = next(p for p in s.plan.disposal_pools if p.nation == "US")
    assert sum(s.contingents[i].disposal_t for i in us.members) == 5100


def test_the_plan_does_what_its_notes_say():
    s = drawdown.load(NAME)
    out = next(iter(run_blocks(s, [(0, 200)], 7, block_size=200, record_nations=True)))[1]
    order, start = s.day_of("2021-04-14"), s.day_of("2021-05-01")
    assert (out.decision_day == order).all()
    first_exit = out.exit_day[out.exit_day >= 0].min()
    assert first_exit >= start  # no soldier before 1 May
    us = s.nations.index("US")
    assert (out.nation_gone_t[:, start - 1, us] > 0).all()  # equipment gone before the troops may leave
    assert (out.equipment_complete_day.max(axis=1) <= s.day_of("2021-08-11")).all()
    kandahar = [i for i, c in enumerate(s.contingents) if s.bases[c.base].name == "Kandahar"]
    leg = [g.name for g in s.network.legs].index("Kandahar-Bagram")
    moved = sum(s.contingents[i].liftable_t for i in kandahar)
    np.testing.assert_array_equal(out.carried_t[:, leg], moved)


# -- every shipped scenario file --------------------------------------------------------------

SCENARIOS_DIR = find_scenario(NAME).parent
SHIPPED = sorted(
    p.relative_to(SCENARIOS_DIR).as_posix()
    for p in SCENARIOS_DIR.rglob("*.toml")
    if p.parent.name != "sweeps"  # sweep specs are designs, not scenarios
)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_numeric_key_of_a_shipped_scenario_is_named_in_its_provenance(name):
    """Each numeric key a shipped file sets is named in its table's ``source`` or
    ``assumption`` (a contingent's may be named in the file's top-level text, as the
    April plan's disposal shares are), so that every figure carries its derivation."""
    raw = tomllib.loads((SCENARIOS_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)
    top = _text(raw)
    unexplained = []
    for path, table in _tables(raw):
        own = _text(table)
        text = own + " " + top if path[:1] == ("contingents",) else own
        for key, value in table.items():
            if _numeric(value) and key not in text:
                unexplained.append(".".join(map(str, path + (key,))))
    assert not unexplained, f"{name}: numeric keys without a derivation in their table's text: {unexplained}"


def test_the_ground_withdrawals_convoy_derivations_hold():
    """The invented ground withdrawal derives every road and crossing from its convoy
    planning factors (a convoy: 600 troops and 200 t; 150 km a day): each table's text
    gives its convoys a day and its distance, and the capacities and transit days are
    what those imply."""
    import re

    s = drawdown.load("ground-withdrawal")
    raw = tomllib.loads((SCENARIOS_DIR / "ground-withdrawal.toml").read_text(encoding="utf-8"))
    checked = 0
    for kind in ("legs", "crossings"):
        for name, table in raw[kind].items():
            text = table["assumption"]
            convoys = int(re.search(r"(\d) convoys? a day", text).group(1))
            assert table["troops_per_day"] == 600 * convoys, name
            assert table["cargo_t_per_day"] == 200 * convoys, name
            if kind == "legs":
                km = int(re.search(r"about (\d+) km", text).group(1))
                assert table["transit_days"] == math.ceil(km / 150), name
            checked += 1
    assert checked == len(s.network.legs) + len(raw["crossings"]) == 14
    d = raw["contingent_defaults"]
    assert round(d["equipment_t_per_troop"] * (1 - d["handover_fraction"]), 6) == 0.3  # t a soldier on the trucks
    assert raw["total_troops"] == sum(c["troops"] for c in raw["contingents"].values())
