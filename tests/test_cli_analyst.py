"""The analyst's command line (issue 5): ``drawdown run``, ``compare`` and ``plot``.

Through click's test runner, with small runs of the numpy engine: exit codes, the
table, the JSON keys and values, the files written and their columns, real plots,
``--precision`` stopping exactly when it should, and paired standard errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math

import drawdown
import numpy as np
import pytest
from cli_helpers import invoke, make_runner
from drawdown.batch import DEFAULT_REPS, summarize
from drawdown.cli.main import main
from drawdown.draws import read_seed
from drawdown.engines import run_numpy
from drawdown.report import CONTINGENT_COLUMNS, DAILY_COLUMNS, run_json
from drawdown.results import Summary, precision_se
from PIL import Image

DOHA, ANNOUNCED, CONDITIONS = "doha-2021-05-01", "announced-2021-09-11", "conditions-based"
RUN_FILES = [
    "blocks",
    "casualties.png",
    "contingents.csv",
    "contingents.png",
    "daily.csv",
    "drawdown.png",
    "exit-dates.png",
    "manifest.json",
    "replications.npz",
    "summary.json",
    "summary.npz",
]  # blocks/, manifest: issue 6
PLOTS = ["drawdown.png", "exit-dates.png", "contingents.png", "casualties.png"]


def rejects(*args, message=None):
    """An option error: exit status 2 with click's usage message, no traceback."""
    r = make_runner().invoke(main, [str(a) for a in args], prog_name="drawdown")
    assert r.exit_code == 2, r.output
    assert "Usage: drawdown" in r.output and "Try 'drawdown" in r.output, r.output
    assert "Traceback" not in r.output
    if message:
        assert message in r.output, r.output
    return r


def date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def check_quantiles(q: dict, *, start: dt.date | None = None):
    assert set(q) == {"p5", "p50", "p95", "p5_ci", "p50_ci", "p95_ci"}
    values = [q[k] for k in ("p5", "p50", "p95")]
    value_of = date if start is not None else (lambda v: v)
    for k in ("p5", "p50", "p95"):  # each quantile's 95% Monte Carlo interval holds it
        low, high = q[f"{k}_ci"]
        if None not in (low, high, q[k]):
            assert value_of(low) <= value_of(q[k]) <= value_of(high), (k, q)
    known = [v for v in values if v is not None]
    if start is not None:
        known = [date(v) for v in known]
        assert all(v >= start for v in known)
    assert known == sorted(known)
    # a null quantile (not out by the horizon) is only ever followed by nulls
    assert all(v is not None for v in values[: len(known)])
    assert all(v is None for v in values[len(known) :])


def only_bimodal_warnings(stderr: str) -> bool:
    """stderr holds nothing but warnings that a day outcome has two modes (doha's decision and exit)."""
    return all(line.startswith("warning: the ") and "has two modes" in line for line in stderr.splitlines())


def check_probability(p: dict):
    assert {"value", "se"} <= set(p)
    assert 0.0 <= p["value"] <= 1.0 and p["se"] >= 0.0
    assert 0.0 <= p["wilson_low"] <= p["value"] <= p["wilson_high"] <= 1.0


def check_png(path, *, min_size=(700, 350), ink=()):
    """A real picture: big enough, many colours, mostly not blank, and the given colours drawn."""
    with Image.open(path) as im:
        assert im.format == "PNG"
        w, h = im.size
        assert w >= min_size[0] and h >= min_size[1], im.size
        rgb = np.asarray(im.convert("RGB")).astype(int)
    colours = np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2])
    assert len(colours) > 20, f"{path}: only {len(colours)} colours"
    not_white = (rgb.sum(axis=2) < 3 * 245).mean()
    assert 0.03 < not_white < 0.95, f"{path}: {not_white:.3f} of the pixels are drawn"
    for hexcolour in ink:
        c = np.array([int(hexcolour[i : i + 2], 16) for i in (1, 3, 5)])
        near = (np.abs(rgb - c).max(axis=2) <= 12).sum()
        assert near > 200, f"{path}: colour {hexcolour} drawn on {near} pixels only"


BLUE, RED = "#2166ac", "#b2182b"


# -- drawdown run ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doha_run(tmp_path_factory):
    """``drawdown run doha-2021-05-01 --reps 2000 --seed 11 --json --out DIR``."""
    out = tmp_path_factory.mktemp("doha") / "results"
    r = invoke("run", DOHA, "--reps", 2000, "--seed", 11, "--json", "--quiet", "--out", out)
    return r, out


def test_run_with_no_arguments_is_the_main_job():
    r = invoke("run", "--quiet", "--seed", 1)
    out = r.stdout
    assert out.startswith(f"scenario      {DOHA}  (hash {drawdown.load(DOHA).hash[:12]})")
    assert f"{DEFAULT_REPS} replications, engine numpy, seed 1" in out
    for label in (
        "run",
        "deadline",
        "decision",
        "final exit",
        "out by 2021-05-01",
        "out by horizon",
        "at deadline",
        "past deadline",
        "casualties",
        "left early",
        "censored",
        "last out",
    ):
        assert any(line.startswith(label) for line in out.splitlines()), label
    assert "P = " in out and "s.e." in out and "Wilson 95%" in out
    assert only_bimodal_warnings(r.stderr)  # --quiet: doha's decision and final exit have two modes each


def test_run_json_keys_and_values(doha_run):
    r, out = doha_run
    d = json.loads(r.stdout)
    for key in (
        "schema_version",
        "scenario",
        "scenario_hash",
        "seed",
        "replications",
        "engine",
        "version",
        "p_met_deadline",
        "final_exit_day",
        "final_exit_date",
        "casualties",
        "decision_date",
        "troops_at_deadline",
        "troop_days_past_deadline",
        "p_left_before_conditions",
        "censored",
        "contingents",
        "precision",
        "warnings",
    ):
        assert key in d, key
    s = drawdown.load(DOHA)
    assert d["schema_version"] == 1
    assert (d["scenario"], d["scenario_hash"], d["seed"], d["replications"], d["engine"], d["version"]) == (
        DOHA,
        s.hash,
        "11",
        2000,
        "numpy",
        drawdown.__version__,
    )
    check_probability(d["p_met_deadline"])
    check_probability(d["p_out_by_horizon"])
    assert d["p_left_before_conditions"] is None  # doha's rules do not read the conditions index
    check_quantiles(d["final_exit_day"])
    check_quantiles(d["final_exit_date"], start=s.start)
    check_quantiles(d["decision_date"], start=s.start)
    assert d["final_exit_date"]["p50"] == s.date_of(d["final_exit_day"]["p50"]).isoformat()
    assert d["casualties"]["mean"] >= 0 and d["casualties"]["p95"] >= 0 and d["casualties"]["se"] > 0
    assert 0 <= d["troops_at_deadline"]["mean"] <= s.total_troops
    assert d["precision"] is None and all("has two modes" in w for w in d["warnings"])  # doha: bimodal exit
    for c in d["contingents"]:
        check_quantiles(c["exit_date"], start=s.start)
    # the numbers are those of the library's summary of the same run
    assert d == run_json(s, summarize(s, 2000, seed=11))


def test_run_out_writes_every_file(doha_run):
    r, out = doha_run
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES  # and no temporary file
    assert only_bimodal_warnings(r.stderr)  # --quiet --json: the document on stdout, warnings only
    s = drawdown.load(DOHA)
    assert json.loads((out / "summary.json").read_text()) == json.loads(r.stdout)
    assert Summary.from_npz(out / "summary.npz") == summarize(s, 2000, seed=11)
    with np.load(out / "replications.npz") as z:
        assert z["final_exit_day"].shape == (2000,) and z["exit_day"].shape == (2000, len(s.contingents))
        assert np.array_equal(z["final_exit_day"], run_numpy(s, 2000, 11).final_exit_day)
        assert str(z["seed"]) == "11" and str(z["scenario_hash"]) == s.hash


def test_run_csv_columns_and_rows(doha_run):
    _, out = doha_run
    s = drawdown.load(DOHA)
    with open(out / "contingents.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == CONTINGENT_COLUMNS
        rows = list(reader)
    assert [row["contingent"] for row in rows] == [c.id for c in s.contingents]
    assert sum(int(row["troops"]) for row in rows) == s.total_troops
    for row in rows:
        assert row["nation"] and row["base"] in {b.name for b in s.bases}
        dates = [date(row[f"exit_date_{k}"]) for k in ("p5", "p50", "p95") if row[f"exit_date_{k}"]]
        assert dates == sorted(dates) and all(x >= s.start for x in dates)
    with open(out / "daily.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == DAILY_COLUMNS
        days = list(reader)
    assert len(days) == s.horizon_days
    assert days[0]["date"] == s.start.isoformat() and days[-1]["day"] == str(s.horizon_days - 1)
    for row in days:
        t = [float(row[k]) for k in ("troops_p5", "troops_p50", "troops_p95")]
        rr = [float(row[k]) for k in ("retrograde_p5", "retrograde_p50", "retrograde_p95")]
        assert 0 <= t[0] <= t[1] <= t[2] <= s.total_troops
        assert 0 <= rr[0] <= rr[1] <= rr[2] <= 1
    assert float(days[0]["troops_p50"]) == s.total_troops and float(days[-1]["troops_p50"]) == 0


def test_run_plots_are_real(doha_run):
    _, out = doha_run
    check_png(out / "drawdown.png", ink=(BLUE, RED))
    check_png(out / "exit-dates.png", ink=(BLUE, RED))
    check_png(out / "contingents.png", ink=(BLUE, RED))  # grouped by nation: a few rows, no longer 40
    check_png(out / "casualties.png", ink=(BLUE, RED))  # the mean's line is red


def test_plot_figures_have_dates_labels_legend_and_deadline():
    import matplotlib.dates as mdates
    from drawdown.report import plots

    s = drawdown.load(DOHA)
    summary = summarize(s, 300, seed=2)
    deadline_x = mdates.date2num(dt.datetime.combine(s.deadline + dt.timedelta(days=1), dt.time()))
    for make in (plots.drawdown_figure, plots.exit_dates_figure, plots.contingents_figure):
        fig = make(s, summary)
        ax = fig.axes[0]
        fig.canvas.draw()
        assert ax.get_xlabel() == "date" and ax.get_ylabel() and ax.get_title()
        assert ax.get_legend() is not None and any("deadline" in t.get_text() for t in ax.get_legend().get_texts())
        assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert any(m in " ".join(ticks) for m in ("Mar", "Apr", "May", "Jun", "Jul", "2021")), ticks
        assert any(
            np.allclose(line.get_xdata(), deadline_x) for line in ax.get_lines() if len(line.get_xdata()) == 2
        )  # the deadline line, at the end of the deadline day
    fig = plots.drawdown_figure(s, summary)
    assert len(fig.axes) == 2 and "retrograde" in fig.axes[1].get_ylabel()  # second axis


def test_plot_redraws_from_the_files(doha_run, tmp_path):
    _, out = doha_run
    before = {name: (out / name).read_bytes() for name in PLOTS}
    for name in PLOTS:
        (out / name).unlink()
    r = invoke("plot", out)
    assert all(f"wrote {out / name}" in r.stdout for name in PLOTS)
    assert {name: (out / name).read_bytes() for name in PLOTS} == before  # the same pictures
    other = tmp_path / "figures"
    invoke("plot", out, "--out", other)
    assert sorted(p.name for p in other.iterdir()) == sorted(PLOTS)
    for name in PLOTS:
        check_png(other / name)


def test_plot_errors(tmp_path):
    r = invoke("plot", tmp_path, ok=False)
    assert r.exit_code == 2 and "summary.json" in r.stderr and "Traceback" not in r.output
    rejects("plot", tmp_path / "missing", message="does not exist")
    rejects("plot")


def test_plot_refuses_a_corrupt_summary(tmp_path):
    out = tmp_path / "run"
    invoke("run", ANNOUNCED, "--reps", 200, "--seed", 1, "--quiet", "--out", out)
    data = bytearray((out / "summary.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (out / "summary.npz").write_bytes(bytes(data))
    r = invoke("plot", out, ok=False)
    assert r.exit_code == 2 and "corrupt" in r.stderr


def test_run_without_seed_prints_and_stores_it_and_repeats(tmp_path):
    out = tmp_path / "fresh"
    r = invoke("run", ANNOUNCED, "--reps", 1000, "--json", "--quiet", "--out", out)
    seed = json.loads(r.stdout)["seed"]
    assert isinstance(seed, str) and int(seed) > 0  # a string: a 128-bit seed is no JSON number readers keep
    stored = (out / "summary.json").read_text()
    assert json.loads(stored)["seed"] == seed
    again = invoke("run", ANNOUNCED, "--reps", 1000, "--json", "--quiet", "--seed", seed)
    assert again.stdout == r.stdout and json.loads(again.stdout) == json.loads(stored)
    table = invoke("run", ANNOUNCED, "--reps", 1000, "--quiet").stdout
    line = next(x for x in table.splitlines() if x.startswith("run "))
    fresh = int(line.split("seed ")[1].split()[0])
    assert f"fresh seed; repeat with --seed {fresh} --reps 1000" in line
    repeat = invoke("run", ANNOUNCED, "--reps", 1000, "--quiet", "--seed", fresh).stdout
    assert repeat.splitlines()[2:] == table.splitlines()[2:]


def test_censored_quantiles_are_null_and_warned():
    r = invoke("run", CONDITIONS, "--reps", 1000, "--seed", 3, "--quiet")
    assert "95%: not out by the horizon" in r.stdout
    assert "warning:" not in r.stdout  # results on stdout, warnings on stderr
    assert "warning:" in r.stderr and "not out by the horizon" in r.stderr
    assert "not applicable" in r.stdout
    j = invoke("run", CONDITIONS, "--reps", 1000, "--seed", 3, "--quiet", "--json")
    d = json.loads(j.stdout)
    assert d["final_exit_day"]["p95"] is None and d["final_exit_date"]["p95"] is None
    assert d["final_exit_day"]["p5"] is not None
    assert d["censored"]["fraction"] > 0.01 and d["censored"]["count"] > 10
    assert d["p_met_deadline"] is None and d["deadline"] is None and d["troops_at_deadline"] is None
    check_probability(d["p_out_by_horizon"])
    assert d["warnings"] and "warning:" in j.stderr


def test_progress_goes_to_stderr_and_quiet_silences_it(monkeypatch):
    monkeypatch.setattr("drawdown.cli.options._isatty", lambda stream: True)  # progress is drawn on a terminal only
    r = invoke("run", ANNOUNCED, "--reps", 500, "--seed", 1)
    assert f"numpy: {ANNOUNCED}" in r.stderr and f"numpy: {ANNOUNCED}" not in r.stdout
    q = invoke("run", ANNOUNCED, "--reps", 500, "--seed", 1, "--quiet")
    assert q.stderr == "" and q.stdout == r.stdout
    j = invoke("run", ANNOUNCED, "--reps", 500, "--seed", 1, "--json")
    json.loads(j.stdout)  # stdout is the document alone, progress or not


def test_engines_agree_through_the_cli():
    a = json.loads(invoke("run", ANNOUNCED, "--reps", 12, "--seed", 5, "--json", "-q", "--engine", "simpy").stdout)
    b = json.loads(invoke("run", ANNOUNCED, "--reps", 12, "--seed", 5, "--json", "-q", "--engine", "numpy").stdout)
    assert a.pop("engine") == "simpy" and b.pop("engine") == "numpy"
    assert a.pop("repeat") == "--seed 5 --reps 12 --engine simpy" and b.pop("repeat") == "--seed 5 --reps 12"
    assert a == b


@pytest.mark.parametrize(
    "args, message",
    [
        (["--engine", "fortran"], "Invalid value for '--engine'"),
        (["--reps", "0"], "Invalid value for '--reps'"),
        (["--reps", "many"], "Invalid value for '--reps'"),
        (["--seed", "-1"], "Invalid value for '--seed'"),
        (["--precision", "0"], "Invalid value for '--precision'"),
        (["--precision", "0.7"], "Invalid value for '--precision'"),
        (["--precision", "0.01", "--reps", "100"], "not both"),
        (["--max-reps", "100"], "--max-reps goes with --precision"),
        (["--max-reps", "0", "--precision", "0.1"], "Invalid value for '--max-reps'"),
        (["--bogus"], "No such option"),
        ([DOHA, "extra"], "unexpected extra argument"),
    ],
)
def test_run_option_errors_exit_2(args, message):
    rejects("run", *args, message=message)


def test_run_out_must_be_a_directory(tmp_path):
    f = tmp_path / "a-file"
    f.write_text("x")
    rejects("run", ANNOUNCED, "--reps", 10, "--seed", 1, "--out", f, message="Invalid value for '--out'")


def test_run_unknown_scenario_exits_2():
    r = invoke("run", "no-such-scenario", "--reps", 10, "--seed", 1, ok=False)
    assert r.exit_code == 2 and "no such scenario" in r.stderr and "Traceback" not in r.output


# -- --precision -----------------------------------------------------------------------------------
def test_precision_stops_after_one_block_when_the_answer_is_near_1():
    d = json.loads(invoke("run", ANNOUNCED, "--precision", 0.01, "--seed", 3, "--json", "-q").stdout)
    assert d["replications"] == 1000 and d["p_met_deadline"]["value"] == 1.0
    p = d["precision"]
    assert p == {
        "target": 0.01,
        "probability": "met_deadline",
        "se": p["se"],
        "met": True,
        "blocks": 1,
        "replications": 1000,
        "cap_replications": 200000,
    }
    assert 0 < p["se"] <= 0.01
    t = invoke("run", ANNOUNCED, "--precision", 0.01, "--seed", 3, "-q").stdout
    assert "precision     s.e. of P(met deadline)" in t and "after 1 block" in t


def first_block_count(s, seed, target):
    """Recompute, block by block in block order, where the criterion first holds:
    ``(k, summary of blocks 0..k-1, summary of blocks 0..k-2)``."""
    merged = previous = None
    for b in range(50):
        part = summarize(s, 1000, seed, blocks=[(b, 1000)])
        previous, merged = merged, (part if merged is None else merged.merge(part))
        if precision_se(merged) <= target:
            return b + 1, merged, previous
    raise AssertionError("never met")


def test_precision_adds_blocks_until_the_target_is_met():
    s = drawdown.load(DOHA)
    d = json.loads(invoke("run", DOHA, "--precision", 0.011, "--seed", 4, "--json", "-q").stdout)
    k, expected, fewer = first_block_count(s, 4, 0.011)
    assert k > 1  # P(met) is near 1/2: one block is not enough
    assert d["replications"] == 1000 * k and d["precision"]["blocks"] == k and d["precision"]["met"]
    se = (d["p_met_deadline"]["wilson_high"] - d["p_met_deadline"]["wilson_low"]) / (2 * 1.96)
    assert math.isclose(d["precision"]["se"], se) and se <= 0.011
    assert precision_se(fewer) > 0.011  # one block fewer would not have done
    assert d == run_json(s, expected, precision=d["precision"])


def test_precision_reports_the_cap(tmp_path):
    out = tmp_path / "capped"
    r = invoke("run", DOHA, "--precision", 0.001, "--max-reps", 1500, "--seed", 4, "-q", "--out", out)
    assert "NOT reached" in r.stdout and "1500 replications" in r.stdout
    assert "--precision 0.001 not reached" in r.stderr
    d = json.loads((out / "summary.json").read_text())
    assert d["replications"] == 1500 and d["precision"]["met"] is False
    assert d["precision"]["cap_replications"] == 1500 and d["precision"]["blocks"] == 2
    with np.load(out / "replications.npz") as z:
        assert z["final_exit_day"].shape == (1500,)


def test_precision_without_a_deadline_targets_out_by_horizon():
    d = json.loads(invoke("run", CONDITIONS, "--precision", 0.02, "--seed", 1, "--json", "-q").stdout)
    assert d["precision"]["probability"] == "out_by_horizon" and d["p_met_deadline"] is None
    p = d["p_out_by_horizon"]
    assert (p["wilson_high"] - p["wilson_low"]) / (2 * 1.96) <= 0.02 and d["replications"] == 1000


# -- drawdown compare -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doha_vs_announced(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    r = invoke("compare", DOHA, ANNOUNCED, "--reps", 1500, "--seed", 8, "--json", "--out", out)
    return json.loads(r.stdout), out, r


def test_compare_json(doha_vs_announced):
    d, out, _ = doha_vs_announced
    assert d["schema_version"] == 1 and d["kind"] == "comparison"
    assert (d["seed"], d["replications"], d["engine"], d["baseline"]) == ("8", 1500, "numpy", DOHA)
    assert "probability" not in d  # no headline for all rows: a column per measure
    assert [x["scenario"] for x in d["scenarios"]] == [DOHA, ANNOUNCED]
    for x in d["scenarios"]:
        check_probability(x["p_met_deadline"])
        check_quantiles(x["final_exit_day"])
        check_quantiles(x["final_exit_date"], start=drawdown.load(x["scenario"]).start)
    [diff] = d["differences"]
    assert diff["scenario"] == ANNOUNCED and diff["baseline"] == DOHA
    for m in ("p_met_deadline", "p_out_by_horizon", "median_final_exit_day", "casualties", "withdrawal_days"):
        x = diff[m]
        assert x["ci_low"] <= x["difference"] <= x["ci_high"], m
        assert x["se_paired"] >= 0 and x["se_unpaired"] > 0, m
    # the differences are the differences of the scenarios' own numbers
    a, b = d["scenarios"]
    for m in ("p_met_deadline", "p_out_by_horizon"):
        assert math.isclose(diff[m]["difference"], b[m]["value"] - a[m]["value"], abs_tol=1e-12), m
    assert diff["median_final_exit_day"]["difference"] == b["final_exit_day"]["p50"] - a["final_exit_day"]["p50"]
    assert math.isclose(diff["casualties"]["difference"], b["casualties"]["mean"] - a["casualties"]["mean"])


def test_compare_uses_common_random_numbers(doha_vs_announced):
    """Each scenario's numbers are those of `drawdown run` with the same seed."""
    d, _, _ = doha_vs_announced
    for x in d["scenarios"]:
        alone = json.loads(invoke("run", x["scenario"], "--reps", 1500, "--seed", 8, "--json", "-q").stdout)
        for key in ("scenario_hash", "p_met_deadline", "final_exit_day", "casualties", "censored"):
            assert x[key] == alone[key], key


def test_compare_paired_standard_errors(doha_vs_announced):
    d, _, _ = doha_vs_announced
    diff = d["differences"][0]
    s_a, s_b = drawdown.load(DOHA), drawdown.load(ANNOUNCED)
    a, b = run_numpy(s_a, 1500, 8), run_numpy(s_b, 1500, 8)
    n = 1500

    def ses(x, y):
        x, y = x.astype(float), y.astype(float)
        return np.std(y - x, ddof=1) / math.sqrt(len(x)), math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / len(x))

    for m, x, y in (
        ("p_met_deadline", a.met_deadline, b.met_deadline),
        ("p_out_by_horizon", ~a.censored, ~b.censored),
        ("casualties", a.casualties, b.casualties),
    ):
        paired, unpaired = ses(x, y)
        assert math.isclose(diff[m]["se_paired"], paired, rel_tol=1e-9), m
        assert math.isclose(diff[m]["se_unpaired"], unpaired, rel_tol=1e-9), m
        assert math.isclose(diff[m]["ci_high"] - diff[m]["ci_low"], 2 * 1.96 * paired, rel_tol=1e-9), m
    both = (a.final_exit_day >= 0) & (b.final_exit_day >= 0)
    wa = (a.final_exit_day - a.decision_day)[both]
    wb = (b.final_exit_day - b.decision_day)[both]
    paired, unpaired = ses(wa, wb)
    w = diff["withdrawal_days"]
    assert w["count"] == int(both.sum()) <= n
    assert math.isclose(w["se_paired"], paired, rel_tol=1e-9) and math.isclose(w["se_unpaired"], unpaired, rel_tol=1e-9)
    # The withdrawal itself (national delays, preparation, airlift) runs on the same
    # draws in both: the paired error is far smaller than the unpaired one.
    assert w["se_paired"] < 0.5 * w["se_unpaired"]
    # announced-2021-09-11 meets its deadline in every replication: pairing can neither
    # help nor hurt the difference in P(met deadline), exactly.
    assert b.met_deadline.all()
    assert math.isclose(diff["p_met_deadline"]["se_paired"], diff["p_met_deadline"]["se_unpaired"], rel_tol=1e-12)


def test_compare_pairing_gains_where_the_randomness_is_shared():
    """study-group-delay shares doha's council and threat draws: every paired error is smaller."""
    d = json.loads(invoke("compare", DOHA, "study-group-delay", "--reps", 1000, "--seed", 2, "--json", "-q").stdout)
    diff = d["differences"][0]
    for m in ("p_met_deadline", "median_final_exit_day", "casualties"):
        assert diff[m]["se_paired"] < diff[m]["se_unpaired"], m
    assert diff["median_final_exit_day"]["method"].startswith("bootstrap")


def test_compare_out_and_plot(doha_vs_announced, tmp_path):
    d, out, r = doha_vs_announced
    listing = ["compare.csv", "compare.json", "compare.png", "units", DOHA, ANNOUNCED]  # units/: --resume
    assert sorted(p.name for p in out.iterdir()) == sorted(listing)
    assert json.loads((out / "compare.json").read_text()) == d
    check_png(out / "compare.png", ink=(BLUE, RED))
    for x in d["scenarios"]:
        sub = out / x["dir"]
        assert sorted(p.name for p in sub.iterdir()) == ["contingents.csv", "daily.csv", "summary.json", "summary.npz"]
        s = json.loads((sub / "summary.json").read_text())
        assert s["scenario"] == x["scenario"] and read_seed(s["seed"]) == 8 and s["replications"] == 1500
        assert s["p_met_deadline"] == x["p_met_deadline"]
    assert "wrote" not in r.stderr + r.stdout  # --json: stdout is the document alone, stderr no chatter
    figures = tmp_path / "figures"
    p = invoke("plot", out, "--out", figures)
    assert f"wrote {figures / 'compare.png'}" in p.stdout
    check_png(figures / "compare.png", ink=(BLUE, RED))
    for x in d["scenarios"]:
        for name in PLOTS:
            check_png(figures / x["dir"] / name)


def test_compare_table_and_three_scenarios():
    r = invoke("compare", DOHA, ANNOUNCED, CONDITIONS, "--reps", 500, "--seed", 6, "-q")
    out = r.stdout
    assert "3 scenarios, 500 replications each, engine numpy, seed 6" in out
    assert "P(out by deadline)" in out and "P(out by horizon)" in out  # a column each, whatever the deadlines
    assert f"difference from {DOHA}" in out and "paired / unpaired" in out
    for name in (ANNOUNCED, CONDITIONS):
        assert f"\n{name}\n" in out
    for label in ("median final exit", "mean casualties", "mean withdrawal"):
        assert out.count(label) >= 2
    assert "warning:" in r.stderr and "warning:" not in out  # conditions-based is censored
    d = json.loads(invoke("compare", DOHA, ANNOUNCED, CONDITIONS, "--reps", 500, "--seed", 6, "-q", "--json").stdout)
    assert [x["scenario"] for x in d["differences"]] == [ANNOUNCED, CONDITIONS]
    assert d["differences"][0]["p_met_deadline"]["difference"] is not None  # both have a deadline
    assert set(d["differences"][1]["p_met_deadline"].values()) == {None}  # conditions-based has none


def test_compare_without_seed_prints_it(monkeypatch):
    monkeypatch.setattr("drawdown.cli.options._isatty", lambda stream: True)  # progress is drawn on a terminal only
    r = invoke("compare", ANNOUNCED, "enablers-leave-first", "--reps", 200)
    line = r.stdout.splitlines()[0]
    seed = int(line.split("seed ")[1].split()[0])
    assert f"pass --seed {seed} to repeat" in r.stdout
    assert "numpy: " in r.stderr  # the progress bar
    again = invoke("compare", ANNOUNCED, "enablers-leave-first", "--reps", 200, "--seed", seed, "-q").stdout
    assert "to repeat" not in again
    assert again[again.index("mean withdrawal") :] == r.stdout[r.stdout.index("mean withdrawal") :]


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "at least two scenarios"),
        ([DOHA], "at least two scenarios"),
        ([DOHA, ANNOUNCED, "--engine", "x"], "Invalid value for '--engine'"),
        ([DOHA, ANNOUNCED, "--reps", "0"], "Invalid value for '--reps'"),
        ([DOHA, ANNOUNCED, "--seed", "x"], "Invalid value for '--seed'"),
    ],
)
def test_compare_option_errors_exit_2(args, message):
    rejects("compare", *args, message=message)


def test_compare_unknown_scenario_exits_2():
    r = invoke("compare", DOHA, "no-such-scenario", "--reps", 10, "--seed", 1, ok=False)
    assert r.exit_code == 2 and "no such scenario" in r.stderr


# -- conventions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "compare", "plot", "list", "show", "validate", "trace"])
def test_help_has_examples(command):
    r = invoke(command, "--help")
    assert "Examples:" in r.stdout and f"drawdown {command}" in r.stdout.split("Examples:")[1]
    assert "Usage: drawdown" in r.stdout


def test_run_help_shows_the_defaults():
    out = invoke("run", "--help").stdout
    assert f"{DEFAULT_REPS} with numpy" in out and "[NAME|PATH]" in out and "--precision" in out


def test_simpy_default_reps_and_precision(monkeypatch):
    """The SimPy engine's default is smaller (it runs one replication at a time), and
    --precision with it decides block by block like the numpy engine."""
    import drawdown.batch.fold as report
    import drawdown.defaults

    monkeypatch.setattr(drawdown.defaults, "DEFAULT_SIMPY_REPS", 3)
    d = json.loads(invoke("run", ANNOUNCED, "--engine", "simpy", "--seed", 2, "--json", "-q").stdout)
    assert d["replications"] == 3 and d["engine"] == "simpy"
    s = drawdown.load(ANNOUNCED)
    a = report.run_to_precision(s, 2, 0.03, engine="simpy", block_size=20)
    b = report.run_to_precision(s, 2, 0.03, engine="numpy", block_size=20)
    assert a.n == b.n == 40  # P = 1: the Wilson s.e. is 0.041 after 20, 0.022 after 40
    assert run_json(s, a) | {"engine": "numpy", "repeat": run_json(s, b)["repeat"]} == run_json(s, b)


def test_shell_completion_of_scenarios_and_commands():
    runner = make_runner()
    env = {"_DRAWDOWN_COMPLETE": "bash_complete", "COMP_WORDS": "drawdown run doh", "COMP_CWORD": "2"}
    r = runner.invoke(main, [], env=env, prog_name="drawdown")
    assert r.exit_code == 0 and DOHA in r.stdout
    env = {"_DRAWDOWN_COMPLETE": "bash_complete", "COMP_WORDS": "drawdown comp", "COMP_CWORD": "1"}
    r = runner.invoke(main, [], env=env, prog_name="drawdown")
    assert "compare" in r.stdout
    env = {"_DRAWDOWN_COMPLETE": "bash_complete", "COMP_WORDS": f"drawdown compare {DOHA} ann", "COMP_CWORD": "3"}
    r = runner.invoke(main, [], env=env, prog_name="drawdown")
    assert ANNOUNCED in r.stdout
