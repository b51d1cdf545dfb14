"""The quick-start notebook (docs/notebooks/quickstart.ipynb) executed headless (issue 14).

nbclient runs it in an ipykernel kernel of this Python, as Jupyter would: it must show a
result as an HTML table, a matplotlib figure as a PNG and a DataFrame as HTML, without an
error. The test extra installs nbclient, nbformat and ipykernel; without them it is skipped.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "quickstart.ipynb"


def _outputs(nb, mime: str) -> list[str]:
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code" for o in c.outputs if mime in o.get("data", {})]


def test_the_notebook_is_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_the_notebook_runs_headless_and_shows_a_table_a_figure_and_a_frame(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    html = _outputs(nb, "text/html")
    assert any('<table class="drawdown">' in h and "P(out by 2021-05-01)" in h for h in html)  # Result._repr_html_
    assert any('class="dataframe"' in h and "US@Bagram" in h for h in html)  # the contingents frame
    assert any('class="dataframe"' in h and "final_exit_date" in h for h in html)  # the replications frame
    pngs = [base64.b64decode(p) for p in _outputs(nb, "image/png")]
    assert pngs and all(p.startswith(b"\x89PNG\r\n\x1a\n") and len(p) > 10_000 for p in pngs)  # not blank
