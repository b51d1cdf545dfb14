"""Parameter sweeps (issue 6): specs, designs, validation, executors, shards, kill and resume.

Sweeps are small: 8 points of 100 replications (blocks of 50). Outputs are compared
byte for byte (``results.csv``, ``points/*.json``) and array by array (``points/*.npz``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import time

import drawdown
import numpy as np
import pytest
from batch_helpers import assert_same_sweep, cli_process, fails, invoke
from drawdown.batch import (
    MANIFEST,
    RESULT_COLUMNS,
    SWEEP_DESIGN_STREAM,
    SweepBatch,
    design_points,
    find_spec,
    load_spec,
    parse_spec,
    plan_points,
    read_record,
    read_results,
    run_sweep,
    summarize,
    write_record,
)
from drawdown.errors import ResultError, ScenarioError
from drawdown.report import run_json

SPEC = """\
base = "doha-2021-05-01"
seed = 3
replications = 100
block_size = 50
design = "grid"

[factors.deadline]
values = [2021-05-01, "2021-09-11"]

[factors.'threat.attack_rate_after']
values = [0.5, 1.0, 1.5, 2.5]
"""
POINTS = 8

try:
    import distributed  # noqa: F401

    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "sweep.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, spec_file):
    out = tmp_path_factory.mktemp("ref") / "sweep"
    r = invoke("sweep", spec_file, "--out", out, "--quiet")
    return out, r


def lhs_spec(design="lhs", points=8, extra=""):
    return parse_spec(
        f"""
base = "doha-2021-05-01"
seed = 11
replications = 10
design = "{design}"
points = {points}
[factors.'threat.attack_rate_after']
low = 0.5
high = 2.5
[factors.'decision.special_meeting_delay_days']
low = 3
high = 20
[factors.deadline]
low = 2021-05-01
high = 2021-09-11
[factors.'decision.allow_special_meetings']
values = [true, false]
{extra}""",
        file="lhs.toml",
    )


# -- specs and designs --------------------------------------------------------------------------------
def test_grid_points_in_order(spec_file):
    spec = load_spec(spec_file)
    points, notes = design_points(spec)
    assert notes == [] and len(points) == POINTS
    assert points[0] == {"deadline": dt.date(2021, 5, 1), "threat.attack_rate_after": 0.5}
    assert points[5] == {"deadline": dt.date(2021, 9, 11), "threat.attack_rate_after": 1.0}
    ranged = parse_spec(SPEC.replace("values = [0.5, 1.0, 1.5, 2.5]", "low = 0.1\nhigh = 0.5\nsteps = 5"))
    assert [p["threat.attack_rate_after"] for p in design_points(ranged)[0][:5]] == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_lhs_is_a_latin_hypercube_with_kinds_kept():
    spec = lhs_spec()
    points, notes = design_points(spec)
    assert notes == [] and len(points) == 8
    rates = [p["threat.attack_rate_after"] for p in points]
    assert all(isinstance(x, float) and 0.5 <= x < 2.5 for x in rates)
    assert sorted(int((x - 0.5) / 2.0 * 8) for x in rates) == list(range(8))  # one point per stratum
    days = [p["decision.special_meeting_delay_days"] for p in points]
    assert all(type(d) is int and 3 <= d <= 20 for d in days)  # integers stay integers
    deadlines = [p["deadline"] for p in points]
    assert all(type(d) is dt.date and dt.date(2021, 5, 1) <= d <= dt.date(2021, 9, 11) for d in deadlines)
    assert {p["decision.allow_special_meetings"] for p in points} == {True, False}
    # the same spec, the same points; another seed, others
    assert design_points(lhs_spec())[0] == points
    other = parse_spec(spec.text.replace("seed = 11", "seed = 12"), file="x.toml")
    assert design_points(other)[0] != points


def test_design_stream_is_its_own():
    """LHS draws come from SeedSequence(seed, spawn_key=(SWEEP_DESIGN_STREAM,)), no replication's stream."""
    from drawdown.draws import stream
    from scipy.stats import qmc

    spec = lhs_spec(points=4)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(11, spawn_key=(SWEEP_DESIGN_STREAM,))))
    u = qmc.LatinHypercube(4, rng=rng).random(4)
    assert design_points(spec)[0][0]["threat.attack_rate_after"] == 0.5 + u[0, 0] * 2.0
    assert (
        stream(11, 0, "council").random()
        != np.random.Generator(np.random.PCG64(np.random.SeedSequence(11, spawn_key=(SWEEP_DESIGN_STREAM,)))).random()
    )


def test_sobol_points_and_their_warning():
    points, notes = design_points(lhs_spec("sobol", 8))
    assert len(points) == 8 and notes == []
    assert all(0.5 <= p["threat.attack_rate_after"] < 2.5 for p in points)
    points, notes = design_points(lhs_spec("sobol", 6))
    assert len(points) == 6 and "power of 2" in notes[0]


def test_spec_problems_are_listed_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("""
base = "doha-2021-05-01"
seed = -1
replications = 0
design = "grid"
points = 4
colour = "red"
[factors.deadline]
low = 2021-05-01
high = 2021-09-11
[factors.'threat.attack_rate_after']
values = [0.5, "high"]
[factors.'decision.special_meeting_delay_days']
values = [7.5]
[factors.'decision.rule']
low = 1
high = 2
[factors.'threat.closure_days']
low = 1
high = 3
steps = 5
""")
    with pytest.raises(ScenarioError) as e:
        load_spec(bad)
    keys = [p.key for p in e.value.problems]
    assert keys == [
        "colour",
        "seed",
        "replications",
        "points",
        "factors.deadline",
        "factors.'threat.attack_rate_after'.values[1]",
        "factors.'decision.special_meeting_delay_days'.values[0]",
        "factors.'decision.rule'",
        "factors.'threat.closure_days'.steps",
    ], keys
    assert all(p.file == str(bad) for p in e.value.problems)
    r = fails("sweep", bad, "--out", tmp_path / "out")
    assert f"error: {bad}: colour: unknown key" in r.stderr
    assert not (tmp_path / "out").exists()
    with pytest.raises(ScenarioError, match="points"):
        parse_spec(SPEC.replace('design = "grid"', 'design = "lhs"'))
    with pytest.raises(ScenarioError, match="not valid TOML"):
        parse_spec("base = ")


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        # issue 17: a typo in a key path is named, with the key it is close to
        (
            "[factors.deadlin]\nlow = 2021-05-01\nhigh = 2021-06-01\nsteps = 2",
            "deadlin: unknown key; did you mean 'deadline'?",
        ),
        ("[factors.deadlin]\nvalues = [2021-05-01]", "deadlin: unknown key; did you mean 'deadline'?"),
        (
            "[factors.'threat.attack_rate_aftr']\nlow = 0.5\nhigh = 1.0\nsteps = 2",
            "threat.attack_rate_aftr: unknown key; did you mean 'attack_rate_after'?",
        ),
        (
            "[factors.'bases.Bagram.seats_per_dya']\nvalues = [500]",
            "bases.Bagram.seats_per_dya: unknown key; did you mean 'seats_per_day'?",
        ),
        ("[factors.'threat']\nvalues = [1]", "threat: a table, not a value: name one of its keys (attack_rate_after,"),
        (
            "[factors.'contingent_defaults.prep_days.mean']\nvalues = [1]",
            "contingent_defaults.prep_days.mean: prep_days is a number of days or a table { min, mode, max }, "
            "not a table",
        ),
    ],
)
def test_a_factor_key_path_the_schema_lacks_is_named_before_the_base_is_read(factor, message):
    spec = SPEC.replace('[factors.deadline]\nvalues = [2021-05-01, "2021-09-11"]', factor)
    with pytest.raises(ScenarioError) as e:
        parse_spec(spec, file="s.toml")
    (problem,) = e.value.problems
    assert problem.key.startswith("factors.") and problem.message.startswith(message), problem


def test_a_factor_naming_a_base_the_scenario_lacks_is_said_once_with_the_closest_name(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        SPEC.replace("[factors.deadline]", "[factors.'bases.Bagrm.seats_per_day']").replace(
            'values = [2021-05-01, "2021-09-11"]', "values = [500, 900]"
        )
    )
    r = fails("sweep", spec, "--out", tmp_path / "out")
    lines = [x for x in r.stderr.splitlines() if "point " in x]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {spec}: point 0 (bases.Bagrm.seats_per_day = 500, ") and lines[0].endswith(
        "and 7 more points: bases.Bagrm.seats_per_day: unknown base 'Bagrm'; did you mean 'Bagram'?"
    ), lines[0]
    assert not (tmp_path / "out").exists()


def test_a_duration_part_is_a_number_a_sweep_can_range_over():
    spec = parse_spec(
        SPEC.replace(
            '[factors.deadline]\nvalues = [2021-05-01, "2021-09-11"]',
            "[factors.'contingent_defaults.prep_days.mode']\nlow = 12\nhigh = 24\nsteps = 3",
        )
    )
    base, points, _ = plan_points(spec)
    modes = sorted({p.scenario.contingents[0].prep.mode for p in points})
    assert modes == [12, 18, 24] and base.contingents[0].prep.mode == 18


def test_replace_refuses_a_key_of_a_table_the_scenario_lacks():
    doha = drawdown.load("doha-2021-05-01")
    with pytest.raises(ScenarioError) as e:
        doha.replace({'contingents."US@Bagrm".troops': 10, "legs.Kandahar-Bagram.transit_days": 1})
    assert [(p.key, p.message) for p in e.value.problems] == [
        ('contingents."US@Bagrm".troops', "unknown contingent 'US@Bagrm'; did you mean 'US@Bagram'?"),
        ("legs.Kandahar-Bagram.transit_days", "unknown leg 'Kandahar-Bagram'; there are none"),
    ]
    # a nation's table may be new, for a nation the scenario has
    s = doha.replace(
        {'nations."Germany".disposal_t_per_day': 20, 'contingents."Germany@Mazar-i-Sharif".disposal_share': 0.2}
    )
    assert s.network is not None
    with pytest.raises(ScenarioError, match="unknown nation 'Germny'; did you mean 'Germany'"):
        doha.replace({'nations."Germny".disposal_t_per_day': 20})


def test_invalid_points_stop_the_sweep_before_anything_runs(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        SPEC.replace(
            '[factors.deadline]\nvalues = [2021-05-01, "2021-09-11"]',
            "[factors.'decision.p_no_consensus']\nvalues = [0.5, 1.5, 2.0]",
        )
    )
    r = fails("sweep", spec, "--out", tmp_path / "out")
    lines = r.stderr.splitlines()
    # points 4..11 (p_no_consensus 1.5 and 2.0, 4 rates each): each problem once, at its first point
    assert len([x for x in lines if "point " in x]) == 2, r.stderr
    for first, value in ((4, "1.5"), (8, "2.0")):
        assert any(
            x.startswith(
                f"error: {spec}: point {first} (decision.p_no_consensus = {value}, threat.attack_rate_after = 0.5)"
                " and 3 more points: decision.p_no_consensus"
            )
            and f"found {value}" in x
            for x in lines
        ), r.stderr
    assert not (tmp_path / "out").exists()


def test_shipped_example_spec_plans_valid_points():
    spec = load_spec("deadline-and-threat")
    assert find_spec("deadline-and-threat") == find_spec("deadline-and-threat").resolve()
    base, points, notes = plan_points(spec)
    assert base.name == "doha-2021-05-01" and len(points) == 9 and not notes
    assert points[8].values == {"deadline": dt.date(2021, 9, 11), "threat.attack_rate_after": 2.5}
    assert len({p.scenario.hash for p in points}) == 9


# -- results ------------------------------------------------------------------------------------------
def test_results_and_point_summaries(reference, spec_file):
    out, r = reference
    assert r.stdout.splitlines()[0].split()[:3] == ["point", "deadline", "threat.attack_rate_after"]
    rows = read_results(out)
    assert list(rows[0]) == ["point", "deadline", "threat.attack_rate_after", *RESULT_COLUMNS]
    assert [row["point"] for row in rows] == [str(i) for i in range(POINTS)]
    assert rows[6]["deadline"] == "2021-09-11" and rows[6]["threat.attack_rate_after"] == "1.5"
    # each point is exactly `drawdown run` of its scenario with the sweep's seed (common random numbers)
    s = drawdown.load("doha-2021-05-01").replace({"deadline": dt.date(2021, 9, 11), "threat.attack_rate_after": 1.5})
    summary = summarize(s, 100, seed=3, block_size=50)
    doc = json.loads((out / "points" / "0006.json").read_text())
    assert doc.pop("point") == 6
    assert doc.pop("factors") == {"deadline": "2021-09-11", "threat.attack_rate_after": 1.5}
    run_doc = json.loads(json.dumps(run_json(s, summary)))  # `run --json`'s document, but for `repeat`:
    assert run_doc.pop("repeat") and "repeat" not in doc  # a point is repeated by its sweep, not by `run`
    assert {**doc, "precision": None} == run_doc
    assert doc["scenario_hash"] == s.hash and doc["seed"] == "3" and doc["replications"] == 100
    p = summary.probability("met_deadline")
    assert rows[6]["p_met_deadline"] == repr(p.value) and rows[6]["p_met_deadline_se"] == repr(p.se)
    m = read_record(out / MANIFEST)
    assert m["complete"] and m["points_done"] == POINTS and m["seed"] == "3"
    assert m["spec_hash"] == load_spec(spec_file).hash and m["version"] == drawdown.__version__
    assert m["spec_text"] == SPEC


def test_sweep_workers_give_the_same_bits(reference, spec_file, tmp_path):
    invoke("sweep", spec_file, "--out", tmp_path / "w", "--workers", 2, "--quiet")
    assert_same_sweep(reference[0], tmp_path / "w", POINTS)


@pytest.mark.skipif(not HAVE_DASK, reason="dask[distributed] is not installed (pip install 'drawdown[cluster]')")
def test_sweep_dask_local_gives_the_same_bits(reference, spec_file, tmp_path):
    invoke("sweep", spec_file, "--out", tmp_path / "d", "--dask-local", 2, "--quiet")
    assert_same_sweep(reference[0], tmp_path / "d", POINTS)


def test_sweep_four_shards_merged_give_the_same_bits(reference, spec_file, tmp_path):
    out = tmp_path / "s"
    for i in (2, 4, 1, 3):
        r = invoke("sweep", spec_file, "--out", out, "--shard", f"{i}/4", "--quiet")
        assert f"shard {i}/4: points {2 * (i - 1)}..{2 * i - 1}" in r.stdout
    assert not (out / "results.csv").exists()
    r = invoke("merge", out)
    assert "merged 8 sweep points" in r.stdout
    assert_same_sweep(reference[0], out, POINTS)
    assert read_record(out / MANIFEST)["merged_from_shards"] == 4


def test_sweep_merge_refuses_damaged_or_missing_work(spec_file, tmp_path):
    out = tmp_path / "s"
    for i in (1, 2):
        run_sweep(spec_file, out, shard=f"{i}/2")
    point = out / "points" / "0005.npz"
    data = point.read_bytes()
    point.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    r = fails("merge", out)
    assert f"{point}: point 5 of shard 2/2 is corrupt" in r.stderr
    assert not (out / "results.csv").exists() and not (out / MANIFEST).exists()
    point.write_bytes(data[:1000])
    assert str(point) in fails("merge", out).stderr
    # resuming the shard refuses the damaged point too, naming it
    r = fails("sweep", spec_file, "--out", out, "--shard", "2/2", "--resume")
    assert f"{point}: truncated" in r.stderr
    point.write_bytes(data)
    (out / "shards" / "shard-0001-of-0002.json").unlink()
    assert "missing shard 1/2" in fails("merge", out).stderr


def test_sweep_resume_refuses_another_spec(spec_file, tmp_path):
    out = tmp_path / "s"
    other = tmp_path / "other.toml"
    other.write_text(SPEC.replace("seed = 3", "seed = 4").replace("2.5]", "2.5, 3.0]"))
    run_sweep(spec_file, out, shard="1/4")
    assert "already holds a sweep" in fails("sweep", spec_file, "--out", out, "--shard", "1/4").stderr
    r = fails("sweep", other, "--out", out, "--shard", "1/4", "--resume")
    assert "the spec differs" in r.stderr
    assert "holds shards of a sweep" in fails("sweep", spec_file, "--out", out).stderr


# -- killed and resumed ---------------------------------------------------------------------------------
def test_sweep_killed_midway_resumes_without_recomputing(reference, spec_file, tmp_path):
    out = tmp_path / "k"
    proc = cli_process("sweep", spec_file, "--out", out, "--quiet")
    manifest = out / MANIFEST
    deadline = time.monotonic() + 300
    done = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = read_record(manifest)["points_done"]
            except (ResultError, KeyError):
                done = 0
            if done >= 1:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    m = read_record(manifest)
    finished = [e["point"] for e in m["done"]]
    assert 1 <= len(finished) < POINTS and not m["complete"], "the sweep was not killed midway"
    assert not (out / "results.csv").exists()
    stamps = {}
    for i in finished:
        for ext in ("npz", "json"):
            p = out / "points" / f"{i:04d}.{ext}"
            stamps[p] = (p.stat().st_mtime_ns, p.stat().st_ino)
    sha = {e["point"]: e["sha256"] for e in m["done"]}

    r = invoke("sweep", spec_file, "--out", out, "--resume")
    assert f"resuming: {len(finished)} of {POINTS} points done, {POINTS - len(finished)} to run" in r.stdout
    assert_same_sweep(reference[0], out, POINTS)
    for p, stamp in stamps.items():  # the points finished before the kill were neither computed nor written again
        assert (p.stat().st_mtime_ns, p.stat().st_ino) == stamp, p
    m = read_record(manifest)
    assert m["complete"] and all(e["sha256"] == sha[e["point"]] for e in m["done"] if e["point"] in sha)
    assert not [p.name for p in (out / "points").iterdir() if p.name.startswith(".")]  # no temporary file left
    # once more: nothing to run
    batch = SweepBatch(load_spec(spec_file), out, resume=True)
    assert batch.todo == [] and batch.run().points_run == 0
    assert_same_sweep(reference[0], out, POINTS)


def test_sweep_manifest_damage_is_reported(spec_file, tmp_path):
    out = tmp_path / "s"
    run_sweep(spec_file, out, shard="4/4")
    path = out / "shards" / "shard-0004-of-0004.json"
    rec = read_record(path)
    write_record(path, {**rec, "environment": {**rec["environment"], "scipy_version": "0.1"}})
    r = fails("sweep", spec_file, "--out", out, "--shard", "4/4", "--resume")
    assert str(path) in r.stderr and "scipy_version '0.1'" in r.stderr
    shutil.rmtree(out)


# -- errors in the library's words (issue 12) ------------------------------------------------------------
def test_sweep_library_errors_name_no_flags(spec_file, tmp_path):
    out = tmp_path / "s"
    other = tmp_path / "other.toml"
    other.write_text(SPEC.replace("seed = 3", "seed = 4"))
    run_sweep(spec_file, out, shard="1/4")
    with pytest.raises(ResultError, match="resuming continues the same sweep, but the spec differs") as e:
        SweepBatch(load_spec(other), out, resume=True, shard="1/4")
    assert "--" not in str(e.value)
    point = out / "points" / "0000.npz"
    entry = read_record(out / "shards" / "shard-0001-of-0004.json")
    record = out / "shards" / "shard-0001-of-0004.json"
    write_record(record, {**entry, "done": [{**entry["done"][0], "sha256": "0" * 64}, *entry["done"][1:]]})
    with pytest.raises(ResultError, match="delete it to have the resumed sweep compute the point again") as e:
        SweepBatch(load_spec(spec_file), out, resume=True, shard="1/4")
    assert str(point) in str(e.value) and "--" not in str(e.value)
    r = fails("sweep", spec_file, "--out", out, "--shard", "1/4", "--resume")  # the command line says the same
    assert f"error: {point}: not the file the manifest recorded" in r.stderr


def test_sweep_flag_errors_name_the_flags(spec_file, tmp_path):
    assert "'--shard'" in fails("sweep", spec_file, "--out", tmp_path / "s", "--shard", "0/4").stderr
    r = fails("sweep", spec_file, "--out", tmp_path / "s", "--workers", 2, "--dask-local", 2)
    assert "give one of --workers / --dask-local, not several" in r.stderr
    assert "'--workers'" in fails("sweep", spec_file, "--out", tmp_path / "s", "--workers", 0).stderr
    assert not (tmp_path / "s").exists()


def test_spec_problems_of_every_setting():
    with pytest.raises(ScenarioError) as e:
        parse_spec(
            'base = 3\nseed = true\nreplications = 1.5\ndesign = "cube"\nengine = "jax"\nblock_size = 0\nfactors = 3\n',
            file="s.toml",
        )
    assert [(p.key, p.message) for p in e.value.problems] == [
        ("base", "expected a scenario name or path, found 3"),
        (
            "seed",
            'expected a whole number in 0..2**128-1, or its decimal digits as a string ("3223...342" for a '
            "128-bit seed), found True",
        ),
        ("replications", "expected a whole number >= 1 (replications per point), found 1.5"),
        ("design", "expected one of 'grid', 'lhs', 'sobol', 'nolh', 'factorial', 'saltelli', 'morris', found 'cube'"),
        ("engine", "expected 'numpy' or 'simpy', found 'jax'"),
        ("block_size", "expected a whole number >= 1, found 0"),
        ("factors", "expected at least one factor: [factors.KEY] with values = [...] or low/high"),
    ]
    with pytest.raises(ScenarioError) as e:
        parse_spec(
            'seed = 1\nreplications = 5\ndesign = "sobol"\npoints = 0\n'
            "[factors.'threat.attack_rate_after']\nlow = 0.1\nhigh = 0.5\nsteps = 3\n"
            "[factors.'decision.special_meeting_delay_days']\nlow = 3\nhigh = 5\n"
            "[factors.'decision.special_meeting_delay_days ']\nvalues = [4]\n",
            file="s.toml",
        )
    problems = [(p.key, p.message) for p in e.value.problems]
    assert problems == [
        ("base", "missing: expected a scenario name or path"),
        ("points", "expected a whole number >= 1, found 0"),
        (
            "factors.'threat.attack_rate_after'.steps",
            "steps is for a grid; the sobol design takes `points` values in the range",
        ),
        ("factors.'decision.special_meeting_delay_days'", "the same key path is given twice"),
    ], problems
    spec = parse_spec(SPEC.replace('design = "grid"', 'design = "grid"\nengine = "simpy"\ndescription = "d"'))
    assert (spec.engine, spec.description, spec.block_size, spec.points) == ("simpy", "d", 50, None)
