"""``drawdown compare`` (issue 14): a column per measure, seeds as strings, executors,
``--resume``, ``--precision`` and ``--name``.

Small runs of the numpy engine (a few hundred replications, blocks of 100).
"""

from __future__ import annotations

import csv
import io
import json
import math

import drawdown
import pytest
from cli_helpers import invoke, make_runner
from drawdown.batch import InProcess, ProcessPool, compare
from drawdown.batch.compare import UNITS_DIR, CompareBatch
from drawdown.cli.main import main
from drawdown.draws import read_seed

DOHA, DELAY, CONDITIONS, ANNOUNCED = "doha-2021-05-01", "study-group-delay", "conditions-based", "announced-2021-09-11"
BLOCK = 100


@pytest.fixture(scope="module")
def three():
    return [drawdown.load(n) for n in (DOHA, DELAY, CONDITIONS)]


def usage_error(*args):
    r = make_runner().invoke(main, [str(a) for a in args], prog_name="drawdown")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    return r.output


# -- 1. a column per measure ----------------------------------------------------------------------
def test_a_scenario_without_deadline_changes_no_other_rows_measure():
    """The issue's case: study-group-delay's gain in P(out by its deadline) over doha stays
    what it is when conditions-based (no deadline) joins the comparison."""
    args = ("--reps", 400, "--seed", 1, "--json", "-q")
    d3 = json.loads(invoke("compare", DOHA, DELAY, CONDITIONS, *args).stdout)
    d2 = json.loads(invoke("compare", DOHA, DELAY, *args).stdout)
    doha, delay, cond = d3["scenarios"]
    got = d3["differences"][0]["p_met_deadline"]
    assert got == d2["differences"][0]["p_met_deadline"]
    assert math.isclose(got["difference"], delay["p_met_deadline"]["value"] - doha["p_met_deadline"]["value"])
    assert got["difference"] > 0.3  # +0.44 at 2,000 replications; the old headline made it +0.000
    assert cond["p_met_deadline"] is None and cond["p_out_by_horizon"]["value"] < 1
    assert set(d3["differences"][1]["p_met_deadline"].values()) == {None}
    out = d3["differences"][1]["p_out_by_horizon"]
    assert math.isclose(out["difference"], cond["p_out_by_horizon"]["value"] - doha["p_out_by_horizon"]["value"])
    table = invoke("compare", DOHA, DELAY, CONDITIONS, "--reps", 400, "--seed", 1, "-q").stdout
    row = next(line for line in table.splitlines() if line.startswith(CONDITIONS + " "))
    assert "none        —" in row
    assert f"—  ({CONDITIONS}: no deadline)" in table
    header = next(line for line in table.splitlines() if line.startswith("scenario"))
    assert header.index("P(out by deadline)") < header.index("P(out by horizon)")


def test_compare_csv_has_a_column_per_measure(tmp_path):
    out = tmp_path / "cmp"
    seed = 2**128 - 1  # the largest seed: exact only as a string
    d = json.loads(
        invoke("compare", DOHA, CONDITIONS, "--reps", 200, "--seed", seed, "--json", "-q", "--out", out).stdout
    )
    rows = list(csv.DictReader(io.StringIO((out / "compare.csv").read_text())))
    assert [r["scenario"] for r in rows] == [DOHA, CONDITIONS]
    assert {r["seed"] for r in rows} == {str(seed)}
    doha, cond = rows
    assert float(doha["p_met_deadline"]) == d["scenarios"][0]["p_met_deadline"]["value"]
    assert cond["p_met_deadline"] == "" and cond["diff_p_met_deadline_difference"] == ""
    assert float(cond["diff_p_out_by_horizon_difference"]) == d["differences"][0]["p_out_by_horizon"]["difference"]
    assert doha["diff_casualties_difference"] == ""  # the baseline has no difference from itself


# -- 2. seeds as strings ----------------------------------------------------------------------------
def test_a_128_bit_seed_round_trips_through_the_json():
    seed = 322317756165976151290113232113617463342
    d = json.loads(invoke("compare", DOHA, ANNOUNCED, "--reps", 100, "--seed", seed, "--json", "-q").stdout)
    assert d["seed"] == str(seed) and read_seed(d["seed"]) == seed
    again = json.loads(
        invoke("compare", DOHA, ANNOUNCED, "--reps", 100, "--seed", read_seed(d["seed"]), "--json", "-q").stdout
    )
    assert again == d


# -- 3. executors, resume, precision ------------------------------------------------------------------
def test_the_same_bits_on_every_executor(three):
    want = compare(three, 300, seed=5, block_size=BLOCK)
    with ProcessPool(2) as pool:
        got = CompareBatch(three, 5, reps=300, block_size=BLOCK, parallelism=2).run(pool)
    assert got.summaries == want.summaries
    assert got.to_json_dict() == want.to_json_dict()
    ones = CompareBatch(three, 5, reps=300, block_size=BLOCK, group_blocks=1).run(InProcess())
    assert ones.to_json_dict() == want.to_json_dict()


class _Interrupting(InProcess):
    """Runs ``stop`` units, then Ctrl-C."""

    def __init__(self, stop):
        self.stop = stop

    def run(self, units, *, progress=None):
        for i, r in super().run(units, progress=progress):
            if i == self.stop:
                raise KeyboardInterrupt
            yield i, r


def test_an_interrupted_comparison_resumes_without_redoing_its_units(three, tmp_path):
    out = tmp_path / "cmp"
    batch = CompareBatch(three, 9, reps=400, block_size=BLOCK, group_blocks=2, out_dir=out, plots=False)
    assert len(batch.groups) == 2 and batch.todo_units == 6
    with pytest.raises(KeyboardInterrupt):
        batch.run(_Interrupting(stop=4))
    kept = {p.name: p.stat().st_mtime_ns for p in (out / UNITS_DIR).glob("*.npz")}
    assert len(kept) == 2 * 4  # four units done: a summary and paired values each
    assert json.loads((out / "compare.json").read_text())["complete"] is False
    r = invoke("plot", out, ok=False)
    assert r.exit_code == 2 and "--resume" in r.stderr
    # a new start is refused; --resume finishes it, running only the two units left
    r = invoke("compare", DOHA, DELAY, CONDITIONS, "--reps", 400, "--seed", 9, "-q", "--out", out, ok=False)
    assert r.exit_code == 2 and "already holds a comparison" in r.stderr
    again = CompareBatch(three, 9, reps=400, block_size=BLOCK, out_dir=out, resume=True, plots=False)
    assert again.todo_units == 2 and again.groups == batch.groups  # the plan comes from the directory
    got = again.run()
    assert {p.name: p.stat().st_mtime_ns for p in (out / UNITS_DIR).glob("*.npz") if p.name in kept} == kept
    assert got.to_json_dict() == compare(three, 400, seed=9, block_size=BLOCK).to_json_dict()
    assert json.loads((out / "compare.json").read_text()) == got.to_json_dict()


def test_cli_resume_takes_the_plan_from_the_directory(tmp_path):
    out = tmp_path / "cmp"
    first = invoke("compare", DOHA, CONDITIONS, "--reps", 200, "--seed", 4, "--json", "-q", "--out", out).stdout
    r = invoke("compare", "--out", out, "--resume", "--json")
    assert r.stdout == first and "resuming" not in r.stdout + r.stderr  # --json: stdout is the document alone
    r = invoke("compare", "--out", out, "--resume")
    assert r.stdout.startswith("resuming: 2 of 2 units done") and "resuming" not in r.stderr  # chatter: stdout
    r = invoke("compare", DOHA, ANNOUNCED, "--reps", 200, "--seed", 4, "-q", "--out", out, "--resume", ok=False)
    assert r.exit_code == 2 and "holds another comparison" in r.stderr
    assert "--resume needs --out" in usage_error("compare", DOHA, ANNOUNCED, "--resume")


def test_precision_stops_at_the_first_block_that_reaches_it(three):
    target = 0.03
    c = CompareBatch(three, 2, precision=target, max_reps=2000, block_size=BLOCK).run()
    k = c.n // BLOCK
    assert c.precision["met"] and c.precision["blocks"] == k and c.precision["replications"] == c.n

    def worst(n):
        part = compare(three, n, seed=2, block_size=BLOCK)
        return max(part.precision_se(j) for j in (1, 2))

    assert worst(k * BLOCK) <= target < worst((k - 1) * BLOCK)
    assert (
        c.to_json_dict()["differences"] == compare(three, c.n, seed=2, block_size=BLOCK).to_json_dict()["differences"]
    )
    assert [c.headline(1), c.headline(2)] == ["p_met_deadline", "p_out_by_horizon"]


def test_cli_precision_and_its_cap():
    d = json.loads(invoke("compare", DOHA, ANNOUNCED, "--precision", 0.02, "--seed", 1, "--json", "-q").stdout)
    assert d["precision"]["met"] and d["precision"]["se"] <= 0.02 and d["replications"] % 1000 == 0
    r = invoke("compare", DOHA, ANNOUNCED, "--precision", 0.001, "--max-reps", 1000, "--seed", 1, "-q")
    assert "not reached" in r.stderr and "NOT reached" in r.stdout
    assert "not both" in usage_error("compare", DOHA, ANNOUNCED, "--precision", 0.01, "--reps", 100)


# -- 4. names ---------------------------------------------------------------------------------------
def test_two_rows_of_one_name_need_name():
    assert "--name" in usage_error("compare", DOHA, DOHA, "--reps", 10, "--seed", 1)
    assert "once per scenario" in usage_error("compare", DOHA, DOHA, "--name", "May", "--reps", 10, "--seed", 1)
    d = json.loads(
        invoke(
            "compare", DOHA, DOHA, "--name", "May", "--name", "Again", "--reps", 100, "--seed", 1, "--json", "-q"
        ).stdout
    )
    assert [s["scenario"] for s in d["scenarios"]] == ["May", "Again"]
    assert d["differences"][0]["p_met_deadline"]["difference"] == 0.0  # the same scenario, the same draws
