"""The Python API (issue 7): ``drawdown.run``, ``drawdown.compare``, ``drawdown.trace`` and their results.

The API and the command line build their documents with the same functions, so
``Result.summary()`` must equal what ``drawdown run --json`` prints for the same
scenario, seed, replications and engine, and ``Result.table()`` what ``drawdown run``
prints; likewise for ``compare``. Small runs of the numpy engine throughout.
"""

from __future__ import annotations

import datetime as dt
import json

import drawdown
import matplotlib.dates as mdates
import numpy as np
import pytest
from click.testing import CliRunner
from drawdown.cli.main import main

DOHA, ANNOUNCED, CONDITIONS, FIRST = (
    "doha-2021-05-01",
    "announced-2021-09-11",
    "conditions-based",
    "enablers-leave-first",
)
REPS = 500


def cli(*args) -> str:
    """stdout of a successful ``drawdown`` command."""
    kw = {"mix_stderr": False} if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else {}
    r = CliRunner(**kw).invoke(main, [str(a) for a in args], catch_exceptions=False, prog_name="drawdown")
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def doha():
    return drawdown.run(DOHA, reps=REPS, seed=7)


@pytest.fixture(scope="module")
def doha_vs_first():
    return drawdown.compare(DOHA, FIRST, reps=REPS, seed=7)


# -- Scenario.replace ---------------------------------------------------------------------------
def test_replace_returns_a_new_validated_scenario():
    s = drawdown.load(DOHA)
    later = s.replace(deadline="2021-09-11", **{"threat.attack_rate_after": 0.5})
    assert later.deadline == dt.date(2021, 9, 11) and later.deadline_day == s.day_of("2021-09-11")
    assert later.threat.attack_rate_after == 0.5
    assert later.hash != s.hash and s.deadline == dt.date(2021, 5, 1)  # the original is unchanged
    assert s.replace({'contingents."US@Bagram".troops': 1700, "total_troops": 9700}).total_troops == 9700
    assert s.replace({'contingents."US@Bagram".troops': 1700}).total_troops == 9700  # the total follows the edit
    with pytest.raises(drawdown.ScenarioError, match="total_troops"):  # a total the edit states is checked
        s.replace({'contingents."US@Bagram".troops': 1700, "total_troops": 9600})
    assert s.replace(deadline="none").deadline is None


@pytest.mark.parametrize(
    "changes, key, words",
    [
        ({"threat.attack_rate_after": -1}, "threat.attack_rate_after", "expected >= 0"),
        ({"decision.p_no_consensus": 1.5}, "decision.p_no_consensus", "expected >= 0 and <= 1"),
        ({"decision.p_no_consensus": "often"}, "decision.p_no_consensus", "probability"),
        ({"deadline": "2030-01-01"}, "deadline", "horizon"),
        ({"threat.attack_rate_aftr": 0.5}, "threat.attack_rate_aftr", "unknown key"),
        ({'contingents."US@Bagram".troops': 0}, 'contingents."US@Bagram".troops', ">= 1"),
        ({"threat..x": 1}, "threat..x", "bad key path"),
    ],
)
def test_replace_rejects_bad_values_naming_the_key_path(changes, key, words):
    with pytest.raises(drawdown.ScenarioError) as info:
        drawdown.load(DOHA).replace(changes)
    keys = [p.key for p in info.value.problems]
    assert key in keys, keys
    assert words in str(info.value)
    assert key in str(info.value)


def test_replace_errors_are_the_file_loaders_errors(tmp_path):
    """A bad value set by replace() raises what the same value in a file raises."""
    f = tmp_path / "bad.toml"
    f.write_text('extends = "doha-2021-05-01"\n[threat]\nattack_rate_after = -1\n')
    with pytest.raises(drawdown.ScenarioError) as from_file:
        drawdown.load(f)
    with pytest.raises(drawdown.ScenarioError) as from_replace:
        drawdown.load(DOHA).replace(**{"threat.attack_rate_after": -1})
    assert [(p.key, p.message) for p in from_file.value.problems] == [
        (p.key, p.message) for p in from_replace.value.problems
    ]


# -- run: the same documents as the command line --------------------------------------------------
def test_summary_is_what_run_json_prints(doha):
    printed = json.loads(cli("run", DOHA, "--reps", REPS, "--seed", 7, "--json", "--quiet"))
    assert doha.summary() == printed


@pytest.mark.parametrize("name, engine, reps", [(CONDITIONS, "numpy", 500), (ANNOUNCED, "simpy", 12)])
def test_summary_is_what_run_json_prints_without_a_deadline_and_with_simpy(name, engine, reps):
    r = drawdown.run(name, reps=reps, seed=3, engine=engine)
    printed = json.loads(cli("run", name, "--reps", reps, "--seed", 3, "--engine", engine, "--json", "--quiet"))
    assert r.summary() == printed
    assert r.engine == engine and r.reps == reps


def test_precision_run_is_what_run_precision_json_prints():
    r = drawdown.run(DOHA, seed=5, precision=0.012)
    printed = json.loads(cli("run", DOHA, "--precision", 0.012, "--seed", 5, "--json", "--quiet"))
    assert r.summary() == printed
    assert r.precision["met"] and r.reps == printed["replications"] > 1000


def test_table_is_what_run_prints(doha):
    assert doha.table() == cli("run", DOHA, "--reps", REPS, "--seed", 7, "--quiet").rstrip("\n")


def test_summary_returns_a_copy(doha):
    d = doha.summary()
    d["seed"] = -1
    d["final_exit_date"]["p50"] = "never"
    assert doha.summary()["seed"] == "7" and doha.summary()["final_exit_date"]["p50"] != "never"


def test_scenario_objects_names_and_paths_give_the_same_run(doha):
    s = drawdown.load(DOHA)
    assert drawdown.run(s, reps=REPS, seed=7).summary() == doha.summary()
    assert drawdown.run(s.file, reps=REPS, seed=7).stats == doha.stats
    assert doha.scenario == s and doha.seed == 7 and doha.reps == REPS and doha.engine == "numpy"


def test_a_changed_scenario_runs():
    s = drawdown.load(DOHA).replace(deadline="2021-09-11")
    d = drawdown.run(s, reps=500, seed=1).summary()
    assert d["deadline"] == "2021-09-11" and d["scenario_hash"] == s.hash


def test_fresh_seed_is_stored_and_repeats_the_run():
    r = drawdown.run(ANNOUNCED, reps=200)
    assert isinstance(r.seed, int) and r.fresh_seed
    assert f"fresh seed; repeat with --seed {r.seed} --reps 200" in r.table()
    again = drawdown.run(ANNOUNCED, reps=200, seed=r.seed)
    assert not again.fresh_seed and again.summary() == r.summary()


def test_default_reps_are_the_command_lines():
    from drawdown.batch import default_reps

    r = drawdown.run(ANNOUNCED, seed=1)
    assert r.reps == default_reps("numpy")


def test_progress_callback_sees_every_replication():
    seen = []
    drawdown.run(ANNOUNCED, reps=1500, seed=1, progress=seen.append)
    assert sum(seen) == 1500


def test_quiet_false_counts_on_stderr(capsys):
    drawdown.run(ANNOUNCED, reps=300, seed=1, quiet=False)
    err = capsys.readouterr().err
    assert "300 of 300 replications" in err


@pytest.mark.parametrize(
    "kw, error",
    [
        (dict(reps=100, precision=0.01), ValueError),
        (dict(max_reps=1000), ValueError),
        (dict(reps=0), ValueError),
        (dict(engine="fortran"), ValueError),
        (dict(seed=-1), ValueError),
        (dict(seed="one"), TypeError),
        (dict(precision=0.9), ValueError),
    ],
)
def test_run_argument_errors(kw, error):
    with pytest.raises(error):
        drawdown.run(ANNOUNCED, **kw)


def test_unknown_scenario_is_a_scenario_error():
    with pytest.raises(drawdown.ScenarioError):
        drawdown.run("no-such-scenario", reps=10, seed=1)
    with pytest.raises(TypeError):
        drawdown.run(42, reps=10, seed=1)


def test_get_reads_the_summary_by_path(doha):
    d = doha.summary()
    assert doha.get("p_met_deadline.value") == d["p_met_deadline"]["value"]
    assert doha.get("contingents.US@Bagram.exit_date.p50") == d["contingents"][0]["exit_date"]["p50"]
    assert doha.get("contingents.0.id") == "US@Bagram"
    with pytest.raises(KeyError):
        doha.get("p_met_deadline.nope")
    with pytest.raises(KeyError):
        doha.get("contingents.Nobody@Nowhere.troops")


def test_workers_and_a_run_directory_give_the_same_bits(tmp_path):
    plain = drawdown.run(ANNOUNCED, reps=2000, seed=4)
    r = drawdown.run(ANNOUNCED, reps=2000, seed=4, workers=2, out_dir=tmp_path / "run")
    assert r.summary() == plain.summary()
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == r.summary()
    assert {"summary.json", "summary.npz", "drawdown.png"} <= {p.name for p in r.written}
    assert (tmp_path / "run" / "manifest.json").is_file()
    written = plain.write(tmp_path / "written")
    assert json.loads((tmp_path / "written" / "summary.json").read_text()) == plain.summary()
    assert "wrote" in cli("plot", tmp_path / "written") and len(written) >= 7


# -- numbers as arrays --------------------------------------------------------------------------
def test_daily_bands_as_arrays(doha):
    s = doha.scenario
    dates, bands = doha.daily_troops((0.05, 0.5, 0.95))
    assert dates.dtype == np.dtype("datetime64[D]") and len(dates) == s.horizon_days
    assert str(dates[0]) == s.start.isoformat() and str(dates[s.deadline_day]) == "2021-05-01"
    assert bands.shape == (3, s.horizon_days)
    assert (bands[0] <= bands[1]).all() and (bands[1] <= bands[2]).all()
    assert bands[1, 0] == s.total_troops and bands[2, -1] == 0
    _, mean = doha.daily_troops_mean()
    assert mean[s.deadline_day] == pytest.approx(doha.get("troops_at_deadline.mean"))
    _, retro = doha.daily_retrograde((0.5,))
    assert retro.shape == (1, s.horizon_days) and retro.min() >= 0 and retro.max() <= 1
    np.testing.assert_array_equal(doha.daily_troops((0.5,))[1][0], bands[1])


def test_exit_curve_and_p_out_by(doha):
    dates, p = doha.p_out_by()
    assert len(dates) == len(p) == doha.scenario.horizon_days and (np.diff(p) >= 0).all()
    assert doha.p_out_by("2021-05-01") == doha.get("p_met_deadline.value")
    assert doha.p_out_by(dt.date(2021, 5, 1)) == doha.p_out_by(doha.scenario.deadline_day)
    assert doha.p_out_by(doha.scenario.horizon_days - 1) == doha.get("p_out_by_horizon.value")


def test_contingents_and_last_out(doha):
    rows = doha.contingents()
    assert [r["contingent"] for r in rows] == [c.id for c in doha.scenario.contingents]
    last = doha.last_out(5)
    assert len(last) == 5
    table = doha.table()
    for c in last:
        assert c["contingent"] in table.split("last out", 1)[1]
        assert c["exit_date"]["p50"] in table


# -- display ------------------------------------------------------------------------------------
def test_repr_html_is_a_table_of_the_key_outcomes(doha):
    h = doha._repr_html_()
    assert h.count("<table") == 1 and "</table>" in h
    d = doha.summary()
    for text in (
        DOHA,
        "seed 7",
        f"{d['p_met_deadline']['value']:.3f}",
        d["final_exit_date"]["p50"],
        "P(out by 2021-05-01)",
        "casualties",
        "troop-days past the deadline",
    ):
        assert text in h, text


def test_repr_html_without_a_deadline_and_with_warnings():
    r = drawdown.run(CONDITIONS, reps=300, seed=2)
    h = r._repr_html_()
    assert "<table" in h and "none (conditions-based)" in h and "not out by the horizon" in h
    assert r.warnings and "warning:" in h  # more than 1% censored


def test_repr(doha):
    text = repr(doha)
    assert text.startswith(f"<Result {DOHA}: 500 replications, seed 7, numpy engine; P(out by 2021-05-01) = ")
    assert "median final exit" in text
    assert "no deadline" in repr(drawdown.run(CONDITIONS, reps=200, seed=2))


# -- figures ------------------------------------------------------------------------------------
def _x_dates(ax) -> tuple[dt.date, dt.date]:
    lo, hi = ax.get_xlim()
    return mdates.num2date(lo).date(), mdates.num2date(hi).date()


def _check_date_axis(ax, scenario):
    assert ax.get_xlabel() == "date"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    lo, hi = _x_dates(ax)
    assert scenario.start <= lo < hi <= scenario.date_of(scenario.horizon_days)


def _deadline_x(scenario) -> float:
    return mdates.date2num(dt.datetime.combine(scenario.date_of(scenario.deadline_day + 1), dt.time()))


def test_plot_is_a_fan_chart_on_dates(doha):
    fig = doha.plot()
    ax = fig.axes[0]
    _check_date_axis(ax, doha.scenario)
    assert ax.get_ylabel() == "troops in country (end of day)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for want in ("troops, median", "troops 5–95%", "deadline 2021-05-01"):
        assert any(want in x for x in labels), labels
    median = [ln for ln in ax.lines if ln.get_label() == "troops, median"]
    assert len(median) == 1 and max(median[0].get_ydata()) == doha.scenario.total_troops
    deadline = [ln for ln in ax.lines if ln.get_label().startswith("deadline")]
    assert deadline and deadline[0].get_xdata()[0] == pytest.approx(_deadline_x(doha.scenario))
    assert fig.axes[1].get_ylabel().startswith("retrograde complete")  # the equipment axis
    assert DOHA in ax.get_title()


def test_figures_show_in_a_notebook_without_pyplot(doha):
    png = doha.plot_exit_dates()._repr_png_()
    assert png.startswith(b"\x89PNG") and len(png) > 10000


def test_plot_exit_dates_is_a_probability_curve(doha):
    fig = doha.plot_exit_dates()
    ax = fig.axes[0]
    _check_date_axis(ax, doha.scenario)
    assert ax.get_ylabel() == "P(all troops out by date)"
    curve = [ln for ln in ax.lines if ln.get_label() == "P(all out by date)"]
    assert len(curve) == 1
    y = np.asarray(curve[0].get_ydata())
    assert y.min() >= 0 and y.max() <= 1 and (np.diff(y) >= 0).all()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(x.startswith("deadline 2021-05-01: P = ") for x in labels), labels


def test_plot_contingents_groups_contingents_by_nation(doha):
    fig = doha.plot_contingents()
    ax = fig.axes[0]
    _check_date_axis(ax, doha.scenario)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert 1 < len(ticks) < len(doha.scenario.contingents)  # 40 near-identical bars no longer
    # every contingent is in one row: the rows' troops (in brackets) add up to the force
    assert sum(int(t.rsplit("(", 1)[1].rstrip(")").replace(",", "")) for t in ticks) == doha.scenario.total_troops
    assert any("US" in t for t in ticks)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "exit window 5–95%" in labels and "median exit" in labels


# -- compare ------------------------------------------------------------------------------------
def test_compare_summary_is_what_compare_json_prints(doha_vs_first):
    printed = json.loads(cli("compare", DOHA, FIRST, "--reps", REPS, "--seed", 7, "--json", "--quiet"))
    assert doha_vs_first.summary() == printed
    assert doha_vs_first.table() == cli("compare", DOHA, FIRST, "--reps", REPS, "--seed", 7, "--quiet").rstrip("\n")


def test_compare_uses_common_random_numbers(doha_vs_first, doha):
    """Each scenario of a comparison is the run of that scenario with the same seed."""
    assert doha_vs_first[0].summary() == doha.summary()
    assert doha_vs_first[FIRST].summary() == drawdown.run(FIRST, reps=REPS, seed=7).summary()
    d = doha_vs_first.difference(FIRST, "casualties")
    assert d.estimate == pytest.approx(doha_vs_first[1].get("casualties.mean") - doha.get("casualties.mean"))
    assert d.se_paired < d.se_unpaired / 10  # the same attacks in both: pairing gains a lot
    assert doha_vs_first.seed == 7 and doha_vs_first.reps == REPS and len(doha_vs_first) == 2
    assert doha_vs_first.get("differences.0.casualties.se_paired") == pytest.approx(d.se_paired)


def test_compare_takes_a_list_objects_and_a_fresh_seed():
    c = drawdown.compare([drawdown.load(ANNOUNCED), drawdown.load(ANNOUNCED).replace(deadline="2021-08-31")], reps=200)
    assert c.fresh_seed and isinstance(c.seed, int) and "fresh seed" in c.table()
    with pytest.raises(ValueError):
        drawdown.compare(ANNOUNCED, reps=10, seed=1)


def test_compare_display_and_plot(doha_vs_first):
    h = doha_vs_first._repr_html_()
    assert h.count("<table") == 2 and DOHA in h and FIRST in h and "s.e. paired" in h
    assert repr(doha_vs_first).startswith(f"<CompareResult {DOHA} vs {FIRST}: 500 replications each, seed 7")
    fig = doha_vs_first.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "date" and ax.get_ylabel() == "P(all troops out by date)"
    curves = [ln for ln in ax.lines if ln.get_label().startswith((DOHA, FIRST))]
    assert len(curves) == 2


def test_compare_is_the_function_and_comparison_the_result_class():
    import drawdown.results
    from drawdown.api import CompareResult

    assert callable(drawdown.compare) and drawdown.compare is drawdown.api.compare
    assert drawdown.CompareResult is CompareResult and isinstance(drawdown.results.Comparison, type)


# -- trace --------------------------------------------------------------------------------------
def test_trace_returns_the_events_with_a_decision(doha):
    events = drawdown.trace(DOHA, replication=3, seed=7)
    kinds = [e["kind"] for e in events]
    assert "decision" in kinds and "exit" in kinds
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    json.dumps(events)  # plain values
    assert doha.trace(3) == events
    assert drawdown.trace(doha, replication=3) == events
    printed = [json.loads(line) for line in cli("trace", DOHA, "--seed", 7, "--replication", 3, "--json").splitlines()]
    assert printed == events


def test_trace_final_exit_is_the_runs():
    """Replication R of seed S in a trace ends when replication R of the run does."""
    from drawdown.engines import run_numpy

    out = run_numpy(drawdown.load(ANNOUNCED), 5, 11)
    for rep in (0, 4):
        events = drawdown.trace(ANNOUNCED, replication=rep, seed=11)
        exits = [e["day"] for e in events if e["kind"] == "exit"]
        assert max(exits) == out.final_exit_day[rep]


def test_trace_needs_a_seed():
    with pytest.raises(TypeError, match="seed"):
        drawdown.trace(DOHA, replication=0)
    with pytest.raises(ValueError):
        drawdown.trace(DOHA, replication=-1, seed=1)


# -- errors in the library's words (issue 12) ----------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"workers": 0}, drawdown.DrawdownError, "workers must be at least 1, got 0"),
        ({"workers": -3}, drawdown.DrawdownError, "workers must be at least 1, got -3"),
        ({"reps": 0}, ValueError, "reps must be >= 1"),
        ({"reps": 10, "precision": 0.01}, ValueError, "give reps or precision, not both"),
        ({"max_reps": 10}, ValueError, "max_reps goes with precision"),
        ({"precision": 0.6}, ValueError, "precision must be in (0, 0.5]"),
        ({"engine": "jax"}, ValueError, "unknown engine 'jax'"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
    ],
)
def test_run_errors_name_parameters_not_flags(kwargs, error, words, tmp_path):
    kwargs = (
        {"seed": 1, "reps": 10, **kwargs}
        if "precision" not in kwargs and "max_reps" not in kwargs
        else {"seed": 1, **kwargs}
    )
    with pytest.raises(error) as e:
        drawdown.run(ANNOUNCED, out_dir=tmp_path / "run" if "workers" in kwargs else None, **kwargs)
    assert words in str(e.value) and "--" not in str(e.value)
    assert not (tmp_path / "run").exists()  # refused before anything is written


def test_run_with_one_worker_is_the_run_in_process(tmp_path):
    r = drawdown.run(ANNOUNCED, reps=300, seed=5, workers=1)
    assert r.summary() == drawdown.run(ANNOUNCED, reps=300, seed=5).summary() and r.written == []


def test_run_progress_callback_and_counter(capsys):
    seen = []
    drawdown.run(ANNOUNCED, reps=300, seed=5, progress=seen.append)
    assert sum(seen) == 300
    drawdown.run(ANNOUNCED, reps=300, seed=5, quiet=False)
    err = capsys.readouterr().err
    assert f"numpy: {ANNOUNCED}: 300 of 300 replications" in err and err.endswith("\n")
    drawdown.run(ANNOUNCED, seed=5, precision=0.02, quiet=False)
    assert "(to s.e. 0.02)" in capsys.readouterr().err


def test_compare_errors_name_parameters():
    with pytest.raises(ValueError, match="reps must be >= 1") as e:
        drawdown.compare(ANNOUNCED, DOHA, reps=0, seed=1)
    assert "--" not in str(e.value)
    with pytest.raises(ValueError, match="at least two scenarios"):
        drawdown.compare([ANNOUNCED], reps=10, seed=1)


def test_import_drawdown_is_light_and_the_api_loads_on_first_use():
    """``drawdown --help`` imports the package: it must not wait for numpy."""
    import subprocess
    import sys

    code = (
        "import sys, drawdown, drawdown.cli.main\n"
        "light = 'numpy' not in sys.modules\n"
        "print(light, drawdown.api.Result.__name__, drawdown.run.__module__, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "Result", "drawdown.api", "True"]


# -- per-replication outcomes, data frames, open_run, progress in a notebook (issue 14) ------------
# Run directories are written without their plots (drawdown.batch.run_batch(plots=False),
# drawdown.report.write_run_dir(plots=False)): drawing them takes seconds and is tested elsewhere.
def _run_dir(path, scenario, seed, reps=REPS, **kw):
    from drawdown.batch import run_batch

    s = drawdown.api.as_scenario(scenario)
    return run_batch(s, seed, reps=reps, out_dir=path, plots=False, **kw)


def _written(path, result):
    from drawdown.report import write_run_dir

    write_run_dir(path, result.scenario, result.stats, precision=result.precision, plots=False)
    return path


@pytest.fixture(scope="module")
def doha_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "run"
    _run_dir(path, DOHA, 7)
    return path


def _inverted_cdf_day(days: np.ndarray, q: float, horizon: int) -> int | None:
    """The summary's quantile of a day outcome computed by hand: the smallest v with
    count(x <= v) >= q * n, "never" (-1) counted past the horizon (None)."""
    x = np.sort(np.where(days < 0, horizon, days))
    v = int(x[int(np.ceil(q * len(x))) - 1])
    return None if v >= horizon else v


def test_replications_are_the_runs_outcomes(doha):
    out = doha.replications
    d = doha.summary()
    assert len(out) == REPS and out.exit_day.shape == (REPS, len(doha.scenario.contingents))
    assert out.base_closed_day.shape == (REPS, len(doha.scenario.bases))
    assert int(out.met_deadline.sum()) == d["p_met_deadline"]["count"]
    assert int(out.casualties.sum()) / REPS == pytest.approx(d["casualties"]["mean"])
    H = doha.scenario.horizon_days
    assert _inverted_cdf_day(out.final_exit_day, 0.5, H) == d["final_exit_day"]["p50"]
    assert _inverted_cdf_day(out.decision_day, 0.95, H) == d["decision_day"]["p95"]
    assert doha.replications is out  # kept, not recomputed


def test_replications_not_kept_say_how_to_keep_them():
    r = drawdown.run(ANNOUNCED, reps=200, seed=1, keep_replications=False)
    with pytest.raises(drawdown.ResultError, match="keep_replications=True"):
        _ = r.replications
    with pytest.raises(drawdown.DrawdownError, match="needs out_dir"):
        drawdown.run(ANNOUNCED, reps=200, seed=1, workers=1, keep_replications=True)
    with pytest.raises(drawdown.ResultError):
        _ = drawdown.compare(ANNOUNCED, DOHA, reps=100, seed=1)[0].replications


def test_a_precision_run_keeps_the_blocks_it_kept():
    r = drawdown.run(DOHA, seed=5, precision=0.02)
    assert len(r.replications) == r.reps and int(r.replications.met_deadline.sum()) == r.stats.events["met_deadline"]


def test_replications_of_a_run_directory_are_read_from_it(doha_dir, doha):
    r = drawdown.api.open_run(doha_dir)
    assert r._replications is None  # not held in memory: read from the directory when asked for
    for name, array in doha.replications.arrays().items():
        assert np.array_equal(r.replications.arrays()[name], array), name


def test_a_run_with_out_dir_reads_its_replications_from_it(tmp_path, monkeypatch):
    monkeypatch.setattr(drawdown.api.RunBatch, "__init__", _without_plots(drawdown.api.RunBatch.__init__))
    r = drawdown.run(ANNOUNCED, reps=200, seed=3, out_dir=tmp_path / "run", keep_replications=True)
    assert r._replications is None and r.run_dir == tmp_path / "run"
    kept = drawdown.run(ANNOUNCED, reps=200, seed=3)
    assert np.array_equal(r.replications.final_exit_day, kept.replications.final_exit_day)


def _without_plots(init):
    def wrapped(self, *args, **kw):
        init(self, *args, **{**kw, "plots": False})

    return wrapped


def test_frames_need_pandas_and_name_the_extra(doha, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # import pandas fails
    with pytest.raises(drawdown.DrawdownError, match=r"pip install 'drawdown\[pandas\]'"):
        doha.to_dataframe()
    with pytest.raises(ValueError, match="'contingents', 'daily', 'replications'"):
        doha.to_dataframe("days")


def test_contingent_and_daily_frames_are_the_csv_files(tmp_path, doha):
    pd = pytest.importorskip("pandas")
    _written(tmp_path / "w", doha)
    frame = doha.to_dataframe("contingents")
    dates = ["exit_date_p5", "exit_date_p50", "exit_date_p95"]
    csv = pd.read_csv(tmp_path / "w" / "contingents.csv", parse_dates=dates)
    assert list(frame.columns) == list(csv.columns) and len(frame) == len(doha.scenario.contingents)
    pd.testing.assert_frame_equal(frame, csv, check_dtype=False)
    assert frame["exit_day_p50"].dtype == "Int64" and str(frame["exit_date_p50"].dtype).startswith("datetime64")
    daily = doha.to_dataframe("daily")
    csv = pd.read_csv(tmp_path / "w" / "daily.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(daily, csv, check_dtype=False)
    assert daily.loc[75, "date"] == pd.Timestamp("2021-05-01")


def test_replication_frame_has_every_outcome_by_replication_number(doha):
    pd = pytest.importorskip("pandas")
    frame = doha.to_dataframe("replications")
    out = doha.replications
    assert frame.index.name == "replication" and list(frame.index) == list(range(REPS))
    assert frame.attrs == {
        "kind": "replications",
        "scenario": DOHA,
        "scenario_hash": doha.scenario.hash,
        "seed": "7",
        "engine": "numpy",
        "replications": REPS,
    }
    assert np.array_equal(frame["exit_day.US@Bagram"].to_numpy(), out.exit_day[:, 0])
    assert np.array_equal(frame[f"base_closed_day.{doha.scenario.bases[0].name}"], out.base_closed_day[:, 0])
    assert len(frame.columns) == 13 + len(doha.scenario.contingents) + len(doha.scenario.bases)  # 3 days, 3 dates, 7
    # day 0 is 2021-02-15; a day of -1 (never) is NaT
    r = int(np.argmax(out.decision_day >= 0))
    assert frame.loc[r, "decision_date"] == pd.Timestamp("2021-02-15") + pd.Timedelta(days=int(out.decision_day[r]))
    never = out.decision_day < 0
    assert frame.loc[never, "decision_date"].isna().all()
    assert frame["met_deadline"].sum() == doha.summary()["p_met_deadline"]["count"]
    # doha's rules never read the conditions index: none is met, "left early" is no outcome
    assert (out.met_day == -1).all() and frame["met_date"].isna().all()
    assert frame["left_before_conditions"].isna().all()


def test_replication_frame_of_a_conditions_scenario_has_its_met_days():
    pd = pytest.importorskip("pandas")
    r = drawdown.run(CONDITIONS, reps=100, seed=3)
    frame, out = r.to_dataframe("replications"), r.replications
    met = int(np.argmax(out.met_day >= 0))
    assert frame.loc[met, "met_date"] == pd.Timestamp("2021-02-15") + pd.Timedelta(days=int(out.met_day[met]))
    assert (frame["left_before_conditions"].to_numpy(dtype=bool) == out.left_before_conditions).all()


def test_replication_frame_without_a_deadline_has_no_deadline_values():
    pytest.importorskip("pandas")
    frame = drawdown.run(CONDITIONS, reps=100, seed=3).to_dataframe("replications")
    for name in ("met_deadline", "troops_at_deadline", "troop_days_past_deadline"):
        assert frame[name].isna().all(), name  # not the files' 0 and false: there is no deadline


def test_a_128_bit_seed_is_a_string_in_every_frame():
    pytest.importorskip("pandas")
    seed = 2**128 - 1
    r = drawdown.run(ANNOUNCED, reps=50, seed=seed)
    for kind in drawdown.api.FRAME_KINDS:
        assert r.to_dataframe(kind).attrs["seed"] == "340282366920938463463374607431768211455"


def test_open_run_gives_the_result_without_running(tmp_path, monkeypatch):
    seed = 2**127 + 3
    _run_dir(tmp_path / "run", ANNOUNCED, seed, reps=300)
    r = drawdown.run(ANNOUNCED, reps=300, seed=seed)
    monkeypatch.setattr(drawdown.api, "summarize", None)  # nothing may run
    again = drawdown.api.open_run(tmp_path / "run")
    assert again.seed == seed and again.reps == 300 and again.scenario.hash == r.scenario.hash
    assert again.summary() == json.loads((tmp_path / "run" / "summary.json").read_text()) == r.summary()
    assert again.table() == r.table() and again.run_dir == tmp_path / "run"
    assert np.array_equal(again.replications.exit_day, r.replications.exit_day)
    assert "<table" in again._repr_html_()


def test_open_run_of_a_precision_run_and_of_written_files(tmp_path):
    from drawdown.batch import RunBatch

    s = drawdown.load(DOHA)
    RunBatch(s, 5, precision=0.02, out_dir=tmp_path / "p", plots=False).run(drawdown.batch.InProcess())
    r = drawdown.run(DOHA, seed=5, precision=0.02)
    again = drawdown.api.open_run(tmp_path / "p")
    assert again.precision == r.precision and again.precision is not None and again.table() == r.table()
    assert len(again.replications) == again.reps == r.reps
    plain = drawdown.run(ANNOUNCED, reps=100, seed=2)
    _written(tmp_path / "w", plain)
    opened = drawdown.api.open_run(tmp_path / "w")
    assert opened.summary() == plain.summary()
    with pytest.raises(drawdown.ResultError, match=r"replications.npz: no such file"):
        _ = opened.replications


def test_open_run_needs_the_scenario_of_the_run(tmp_path):
    changed = drawdown.load(DOHA).replace(deadline="2021-09-11")
    _written(tmp_path / "w", drawdown.run(changed, reps=100, seed=1))
    with pytest.raises(drawdown.ResultError, match=r"cannot find the scenario.*scenario=") as e:
        drawdown.api.open_run(tmp_path / "w")
    assert "changed since the run" in str(e.value)
    assert drawdown.api.open_run(tmp_path / "w", scenario=changed).scenario.deadline == dt.date(2021, 9, 11)
    with pytest.raises(drawdown.ResultError, match="not of the one given"):
        drawdown.api.open_run(tmp_path / "w", scenario=DOHA)


def test_open_run_refuses_what_is_not_a_finished_run(tmp_path):
    with pytest.raises(drawdown.ResultError, match="no such directory"):
        drawdown.api.open_run(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(drawdown.ResultError, match="holds no run"):
        drawdown.api.open_run(tmp_path / "empty")
    (tmp_path / "cmp").mkdir()
    (tmp_path / "cmp" / "compare.json").write_text("{}")
    with pytest.raises(drawdown.ResultError, match="a comparison .* not a run"):
        drawdown.api.open_run(tmp_path / "cmp")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(drawdown.ResultError, match="summary.json: no such file"):
        drawdown.api.open_run(tmp_path / "mine")


def test_open_run_refuses_an_unfinished_run(tmp_path):
    calls = []

    def stop(n):
        calls.append(n)
        if len(calls) == 2:  # after the first of two units
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run_dir(tmp_path / "run", ANNOUNCED, 1, reps=2000, progress=stop)
    with pytest.raises(drawdown.ResultError, match=r"not finished .*--resume"):
        drawdown.api.open_run(tmp_path / "run")


class _FakeTqdm:
    """What tqdm.auto.tqdm is asked to do."""

    made: list = []

    def __init__(self, **kw):
        self.kw, self.n, self.total, self.closed = kw, 0, kw["total"], False
        _FakeTqdm.made.append(self)

    def update(self, n):
        self.n += n

    def refresh(self):
        pass

    def close(self):
        self.closed = True


def test_in_a_notebook_progress_is_a_tqdm_bar_by_default(monkeypatch, capsys):
    monkeypatch.setattr(drawdown.api, "_in_notebook", lambda: True)
    monkeypatch.setattr(drawdown.api, "_tqdm_auto", lambda: _FakeTqdm)
    _FakeTqdm.made = []
    drawdown.run(ANNOUNCED, reps=1500, seed=1)
    drawdown.run(DOHA, seed=5, precision=0.02)
    drawdown.compare(ANNOUNCED, DOHA, reps=100, seed=1)
    drawdown.run(ANNOUNCED, reps=100, seed=1, quiet=True)  # no bar
    first, precise, both = _FakeTqdm.made
    assert (first.kw["total"], first.n, first.closed) == (1500, 1500, True)
    assert precise.n == 1000 and precise.total == 1000  # stopped before its cap: the bar ends full
    assert both.n == 200 and "announced" in both.kw["desc"]
    assert capsys.readouterr().err == ""


def test_outside_a_notebook_or_without_tqdm_progress_is_as_before(monkeypatch, capsys):
    drawdown.run(ANNOUNCED, reps=100, seed=1)  # pytest is no notebook: quiet by default
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(drawdown.api, "_in_notebook", lambda: True)
    monkeypatch.setattr(drawdown.api, "_tqdm_auto", lambda: None)
    drawdown.run(ANNOUNCED, reps=100, seed=1)
    assert capsys.readouterr().err == ""
    drawdown.run(ANNOUNCED, reps=100, seed=1, progress=True)
    assert "100 of 100 replications" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress must be a callable"):
        drawdown.run(ANNOUNCED, reps=100, seed=1, progress="yes")


def test_in_notebook_is_false_outside_a_kernel():
    assert drawdown.api._in_notebook() is False
