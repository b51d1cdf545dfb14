"""Plots for a briefing (issue 14): formats, the fan chart's decision strip, contingents
grouped by nation, the casualty distribution; every plot drawn, none blank, the same
bytes for the same inputs.

Small summaries (a few hundred replications) keep each test well under a second once
the module's fixtures are built.
"""

from __future__ import annotations

import datetime as dt
import io

import drawdown
import matplotlib.dates as mdates
import numpy as np
import pytest
from cli_helpers import invoke, make_runner
from drawdown.batch import summarize
from drawdown.cli.main import main
from drawdown.cli.plot import FORMATS
from drawdown.errors import DrawdownError
from drawdown.report import (
    PLOT_FILES,
    PLOT_FORMATS,
    casualties_figure,
    check_plot_format,
    contingents_figure,
    drawdown_figure,
    plot_files,
    save_figure,
    write_run_dir,
)
from drawdown.report import plots as plots_module
from drawdown.results import histogram_quantile
from PIL import Image

DOHA, CONDITIONS = "doha-2021-05-01", "conditions-based"
HEADERS = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def doha():
    s = drawdown.load(DOHA)
    return s, summarize(s, 300, seed=3)


@pytest.fixture(scope="module")
def conditions():
    s = drawdown.load(CONDITIONS)
    return s, summarize(s, 200, seed=3)


@pytest.fixture(scope="module")
def doha_dir(tmp_path_factory, doha):
    """A run directory of ``doha`` without plots, for ``drawdown plot``."""
    out = tmp_path_factory.mktemp("doha") / "run"
    write_run_dir(out, *doha, plots=False)
    return out


def drawn(png: bytes) -> tuple[float, float]:
    """(share of pixels not white, standard deviation of the grey levels) of a PNG."""
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        grey = np.asarray(im.convert("L")).astype(float)
    return float((grey < 245).mean()), float(grey.std())


def num(day_date: dt.date) -> float:
    return mdates.date2num(dt.datetime.combine(day_date, dt.time()))


# -- formats ------------------------------------------------------------------------------------
def test_the_command_line_offers_the_library_formats():
    assert FORMATS == PLOT_FORMATS == ("png", "svg", "pdf")
    assert plot_files() == ("drawdown.png", "exit-dates.png", "contingents.png", "casualties.png")
    assert set(plot_files("svg")) | set(plot_files("pdf")) | set(plot_files()) == set(PLOT_FILES)


@pytest.mark.parametrize("bad", ["jpg", "PNG", "", "svgz"])
def test_a_refused_format_is_a_library_error(bad, tmp_path, doha):
    with pytest.raises(DrawdownError, match="expected one of png, svg, pdf"):
        check_plot_format(bad)
    with pytest.raises(DrawdownError, match="plot format"):
        write_run_dir(tmp_path / "run", *doha, plot_format=bad)
    assert not (tmp_path / "run").exists()  # refused before anything is written
    with pytest.raises(DrawdownError, match="'jpg'"):
        save_figure(drawdown_figure(*doha), tmp_path / "fan.jpg")


@pytest.fixture(scope="module")
def casualties(doha):
    return casualties_figure(*doha)


@pytest.mark.parametrize("fmt", PLOT_FORMATS)
def test_each_format_is_valid_and_the_same_bytes_twice(fmt, tmp_path, casualties):
    a = save_figure(casualties, tmp_path / f"a.{fmt}", dpi=50)
    b = save_figure(casualties, tmp_path / "b.plot", dpi=50, plot_format=fmt)  # the format named, not the suffix
    data = a.read_bytes()
    assert data.startswith(HEADERS[fmt]) and len(data) > 5000
    assert data == b.read_bytes(), f"{fmt}: not deterministic"
    if fmt == "svg":
        assert b"<dc:date>" not in data and b"</svg>" in data
    if fmt == "pdf":
        assert b"/CreationDate" not in data and data.rstrip().endswith(b"%%EOF")
    if fmt == "png":
        with Image.open(a) as im:
            assert im.size == (500, 250)  # 10 x 5 inches at 50 dpi


def test_write_run_dir_writes_the_plots_in_the_format_asked(tmp_path, doha):
    paths = write_run_dir(tmp_path / "run", *doha, plot_format="svg")
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert [p.name for p in paths if p.suffix == ".svg"] == list(plot_files("svg"))
    assert not [n for n in names if n.endswith(".png")]
    assert all(p.read_bytes().startswith(b"<?xml") for p in paths if p.suffix == ".svg")


def test_plot_command_formats(doha_dir, tmp_path):
    r = invoke("plot", doha_dir, "--format", "pdf", "--out", tmp_path / "pdf")
    for name in plot_files("pdf"):
        assert f"wrote {tmp_path / 'pdf' / name}" in r.stdout
        assert (tmp_path / "pdf" / name).read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == sorted(plot_files("pdf"))


def test_plot_command_refuses_a_format_as_a_usage_error(doha_dir):
    r = make_runner().invoke(main, ["plot", str(doha_dir), "--format", "jpg"], prog_name="drawdown")
    assert r.exit_code == 2 and "Usage: drawdown plot" in r.output and "Traceback" not in r.output
    assert "'jpg' is not one of 'png', 'svg', 'pdf'" in r.output
    assert not list(doha_dir.glob("*.png"))  # nothing drawn


def test_plot_command_draws_a_comparison_in_svg(tmp_path):
    c = drawdown.compare(DOHA, "announced-2021-09-11", reps=100, seed=1)
    c.write(tmp_path / "cmp")
    invoke("plot", tmp_path / "cmp", "--format", "svg", "--out", tmp_path / "fig")
    assert (tmp_path / "fig" / "compare.svg").read_bytes().startswith(b"<?xml")
    folders = sorted(p.name for p in (tmp_path / "fig").iterdir() if p.is_dir())
    assert len(folders) == 2
    for folder in folders:
        assert sorted(p.name for p in (tmp_path / "fig" / folder).iterdir()) == sorted(plot_files("svg"))


# -- not blank --------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [drawdown_figure, contingents_figure, casualties_figure])
@pytest.mark.parametrize("which", ["doha", "conditions"])
def test_every_plot_is_drawn(make, which, request):
    fig = make(*request.getfixturevalue(which))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    ink, spread = drawn(buf.getvalue())
    assert 0.03 < ink < 0.9, f"{make.__name__}: {ink:.3f} of the pixels drawn"
    assert spread > 20, f"{make.__name__}: grey levels hardly vary ({spread:.1f})"


# -- the fan chart ----------------------------------------------------------------------------
def test_fan_chart_decision_window_is_a_strip_above_the_bands(doha):
    s, summary = doha
    fig = drawdown_figure(s, summary)
    ax = fig.axes[0]
    assert len(ax.child_axes) == 1
    strip = ax.child_axes[0]
    # nothing of the decision is drawn on the chart of the troops: it has no shading over the bands
    assert not [a for a in ax.get_children() if "decision" in str(a.get_label())]
    labels = [str(a.get_label()) for a in strip.get_children()]
    assert "decision window 5–95%" in labels and "decision window 25–75%" in labels
    fig.canvas.draw()
    assert strip.get_position().y0 >= ax.get_position().y1  # above the axis
    assert strip.get_xlim() == ax.get_xlim()  # on the same dates
    d5, d25, d50, d75, d95 = summary.quantiles("decision_day", (0.05, 0.25, 0.5, 0.75, 0.95))
    (outer,) = [p for p in strip.patches if p.get_label() == "decision window 5–95%"]
    x0, x1 = outer.get_x(), outer.get_x() + outer.get_width()
    assert (x0, x1) == pytest.approx((num(s.date_of(d5)), num(s.date_of(d95 + 1))))
    (median,) = [ln for ln in strip.lines if str(ln.get_label()).startswith("median decision")]
    assert median.get_xdata()[0] == pytest.approx(num(s.date_of(d50)) + 0.5)
    assert str(median.get_label()) == f"median decision {s.date_of(d50).isoformat()}"
    deadline = [ln for ln in strip.lines if ln.get_linestyle() == "--"]
    assert deadline and deadline[0].get_xdata()[0] == pytest.approx(num(s.deadline) + 1)  # marked in the strip too
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "decision window 5–95%" in legend and "deadline 2021-05-01" in legend


def test_fan_chart_bands_are_opaque(doha):
    """Bands that do not mix with what is under them: the 25–75% band is one colour
    wherever it is drawn."""
    fig = drawdown_figure(*doha)
    bands = [c for c in fig.axes[0].collections if str(c.get_label()).startswith("troops ")]
    assert len(bands) == 2 and all(c.get_alpha() in (None, 1.0) for c in bands)


# -- the contingents chart --------------------------------------------------------------------
class StubSummary:
    """What the contingents chart reads of a summary, from given exit-day histograms."""

    def __init__(self, hist: np.ndarray):
        self.hist = {"exit_day": hist}
        self.n = int(hist[0].sum())
        self.horizon_days = hist.shape[1] - 1

    def quantile(self, name, q, *, index):
        i = histogram_quantile(self.hist[name][index], self.n, q)
        return None if i == self.horizon_days else i

    def contingent_exit_quantiles(self, qs):
        return [[self.quantile("exit_day", q, index=i) for q in qs] for i in range(len(self.hist["exit_day"]))]


def test_contingents_whose_windows_coincide_share_a_row():
    H, n = 100, 400
    window = np.zeros(H + 1, dtype=np.int64)
    window[20:40] = n // 20  # exits spread evenly over days 20 .. 39
    later = np.roll(window, 30)  # thirty days later
    censored = window.copy()
    censored[20:40] = n // 40  # half of them never out
    censored[H] = n // 2
    hist = np.stack([window, window, window, later, later, censored])
    facts = drawdown.results.ScenarioFacts(
        name="stub",
        hash="0",
        start=dt.date(2021, 1, 1),
        horizon_days=H,
        deadline=None,
        deadline_day=None,
        contingents=tuple(
            drawdown.results.ContingentFacts(f"{nation}@{base}", nation, base, 10)
            for nation, base in [("A", "X"), ("B", "Y"), ("C", "X"), ("C", "Z"), ("D", "X"), ("E", "X")]
        ),
    )
    rows = plots_module._exit_rows(facts, StubSummary(hist), tol_days=1)
    # A, B and C@X coincide; C@Z is a month later, with D; E has half its replications
    # not out (its median, day 39, sorts it before them)
    assert [r.members for r in rows] == [[0, 1, 2], [5], [3, 4]]
    assert rows[0].nations == ["A", "B", "C"] and rows[2].nations == ["C", "D"]
    assert rows[1].censored == 0.5 and rows[1].high[4] is None and rows[1].low[2] == 39
    notes: list[str] = []
    assert [plots_module._row_label(facts, r, notes) for r in rows] == ["A, B, C (30)", "E@X (10)", "C, D (20)"]


def test_contingents_chart_names_the_nations_that_differ(doha):
    s, summary = doha
    fig = contingents_figure(s, summary)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert 1 < len(ticks) <= 12, ticks  # not 40 near-identical bars
    troops = [int(t.rsplit("(", 1)[1].rstrip(")").replace(",", "")) for t in ticks]
    assert sum(troops) == s.total_troops  # each contingent in one row
    us = [t for t in ticks if "US" in t]
    assert len(us) == 1  # the four US contingents leave together
    assert all(t.get_fontsize() >= 9 for t in ax.get_yticklabels())  # readable at briefing size
    medians = [ln.get_xdata()[0] for ln in ax.lines if ln.get_marker() == "o"]
    assert medians == sorted(medians)  # by median exit
    if any("nations [a]" in t for t in ticks):
        assert fig.get_supxlabel().startswith("[a] ")  # the note that names them


def test_contingents_past_the_horizon_are_marked_not_hatched(conditions):
    s, summary = conditions
    fig = contingents_figure(s, summary)
    ax = fig.axes[0]
    assert not [p for p in ax.patches if p.get_hatch()]
    assert [ln for ln in ax.lines if ln.get_marker() == ">"]  # an arrow at the horizon
    assert any(t.get_text().endswith("% not out") for t in ax.texts)


# -- the casualty distribution ------------------------------------------------------------------
def test_casualty_bins_by_hand():
    values = np.array([0, 1, 2, 3, 4, 7, 8, 100])
    counts = np.array([50, 10, 5, 5, 4, 3, 2, 1])
    edges, per_bin = plots_module._casualty_bins(values, counts, log=True)
    # bins 1 | 2-3 | 4-7 | 8-15 | 16-31 | 32-63 | 64-127; 0 is drawn apart
    assert list(edges) == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 127.5]
    assert list(per_bin) == [10, 10, 7, 2, 0, 0, 1]
    edges, per_bin = plots_module._casualty_bins(values, counts, log=False)
    assert edges[0] == -0.5 and int(per_bin.sum()) == int(counts.sum())
    assert per_bin[0] == 50 + 10  # width 2 (101 values in at most 80 bins): 0 and 1


def test_casualty_plot_marks_mean_and_median(doha):
    s, summary = doha
    fig = casualties_figure(s, summary)
    lines = {str(ln.get_label()).split(" ")[0]: ln for a in fig.axes for ln in a.lines}
    median, q95 = summary.quantiles("casualties", (0.5, 0.95))
    mean = summary.estimate("casualties")
    assert lines["median"].get_xdata()[0] == median
    assert lines["mean"].get_xdata()[0] == pytest.approx(mean.mean)
    assert lines["95%:"].get_xdata()[0] == q95
    texts = [t.get_text() for a in fig.axes for t in a.texts]
    assert f"median {median:,}" in texts and f"mean {mean.mean:,.1f} (± {mean.se:,.1f} s.e.)" in texts
    shares = [p.get_height() for a in fig.axes for p in a.patches]
    assert sum(shares) == pytest.approx(100)  # every replication in one bar


def test_casualty_plot_axis_follows_the_tail(doha, conditions):
    """Doha's casualties have a long tail (median 1, mean about 70 at scale): a log axis
    with no casualties apart; the conditions-based scenario's do not: one linear axis."""
    s, summary = doha
    q50, q99 = summary.quantiles("casualties", (0.5, 0.99))
    assert q99 >= 10 * (q50 + 1)
    fig = casualties_figure(s, summary)
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["none"]
    s, summary = conditions
    fig = casualties_figure(s, summary)
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "linear"


def test_the_fan_chart_says_when_a_band_is_approximate(monkeypatch):
    """No shipped scenario has a binned day; a summary that says some days are binned gets a note."""
    import drawdown
    from drawdown.batch import summarize
    from drawdown.report import drawdown_figure
    from drawdown.results import Summary

    s = drawdown.load("doha-2021-05-01")
    summary = summarize(s, 200, seed=1, block_size=100)
    assert not drawdown_figure(s, summary).axes[0].texts  # every band exact: nothing to say
    exact = Summary.daily_bands_exact

    def binned_days(self):
        d = exact(self)
        d["troops"] = d["troops"].copy()
        d["troops"][5:9] = False
        return d

    monkeypatch.setattr(Summary, "daily_bands_exact", binned_days)
    notes = [t.get_text() for t in drawdown_figure(s, summary).axes[0].texts]
    assert len(notes) == 1 and notes[0].startswith("bands approximate (binned) on 4 of ")


def test_run_writes_its_plots_in_the_format_asked_for(tmp_path):
    out = tmp_path / "run"
    invoke("run", "doha-2021-05-01", "--reps", 200, "--seed", 1, "--out", out, "--plot-format", "pdf", "--quiet")
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.endswith(".pdf")] == [
        "casualties.pdf",
        "contingents.pdf",
        "drawdown.pdf",
        "exit-dates.pdf",
    ]
    assert not [n for n in names if n.endswith((".png", ".svg"))]
    assert all((out / n).read_bytes().startswith(b"%PDF-") for n in names if n.endswith(".pdf"))
    r = invoke("run", "doha-2021-05-01", "--reps", 200, "--plot-format", "gif", "--out", tmp_path / "x", ok=False)
    assert r.exit_code == 2 and "gif" in r.stderr and not (tmp_path / "x").exists()
