"""``drawdown plot SWEEP_DIR`` (issue 17): a finished sweep's outcomes against each factor,
its sensitivity (saltelli and morris designs) and, with a condition, the PRIM peeling
trajectory; png, svg or pdf, the same bytes for the same sweep, errors in the library's words.
"""

from __future__ import annotations

import dataclasses

import pytest
from batch_helpers import fails, invoke
from drawdown.analysis import redraw_sweep_plots
from drawdown.batch import load_spec, run_sweep


@pytest.fixture(scope="module")
def screening(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "screening"
    run_sweep(dataclasses.replace(load_spec("screening"), points=2, replications=20), out)
    return out


@pytest.fixture(scope="module")
def discovery(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "discovery"
    run_sweep(dataclasses.replace(load_spec("discovery"), points=40, replications=20), out)
    return out


def test_a_morris_sweep_gets_its_outcomes_and_its_sensitivity(screening, tmp_path):
    r = invoke("plot", screening, "--out", tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p").iterdir() if not p.name.startswith(".")) == [
        "sensitivity.png",
        "sweep-outcomes.png",
    ]
    assert "wrote" in r.stdout and (tmp_path / "p" / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF-")])
def test_the_same_sweep_gives_the_same_bytes(discovery, tmp_path, fmt, magic):
    a = redraw_sweep_plots(discovery, tmp_path / "a", plot_format=fmt, condition="p_met_deadline < 0.5")
    b = redraw_sweep_plots(discovery, tmp_path / "b", plot_format=fmt, condition="p_met_deadline < 0.5")
    assert [p.name for p in a] == [f"sweep-outcomes.{fmt}", f"prim.{fmt}"]  # an lhs design: no sensitivity
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes()[:5] == magic and x.read_bytes() == y.read_bytes()


def test_discover_needs_a_sweep_and_a_condition_it_can_read(discovery, screening, tmp_path):
    run_dir = tmp_path / "run"
    invoke("run", "doha-2021-05-01", "--reps", 100, "--seed", 1, "--out", run_dir, "--quiet")
    r = fails("plot", run_dir, "--discover", "p_met_deadline < 0.5")
    assert "--discover needs a sweep directory" in r.stderr
    r = fails("plot", discovery, "--discover", "p_met_deadline = 0.5")
    assert "expected OUTCOME OP NUMBER" in r.stderr
    assert not (discovery / "sweep-outcomes.png").exists()  # nothing written when the condition is wrong


def test_an_unfinished_sweep_is_refused(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "results.csv").write_text("point\n")
    r = fails("plot", tmp_path / "s")
    assert "not a sweep directory" in r.stderr
