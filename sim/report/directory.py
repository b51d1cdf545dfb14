"""Output directories: the files of a run (``drawdown run --out``), each written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..draws import read_seed
from ..engines import Outcomes
from ..errors import ResultError
from ..results import (
    REPLICATIONS_FILE,
    ScenarioFacts,
    ScenarioLike,
    Summary,
    atomic_write,
    write_replications,
)
from ..scenario import Scenario
from .plots import DEFAULT_PLOT_FORMAT, check_plot_format, write_plots
from .text import (
    CONTINGENT_COLUMNS,
    DAILY_COLUMNS,
    contingent_rows,
    daily_rows,
    dumps,
    run_json,
)

__all__ = [
    "CONTINGENTS_CSV",
    "DAILY_CSV",
    "SUMMARY_JSON",
    "SUMMARY_NPZ",
    "read_run_dir",
    "write_contingents_csv",
    "write_daily_csv",
    "write_json",
    "write_run_dir",
]


#: The files of a run directory.
SUMMARY_JSON = "summary.json"
SUMMARY_NPZ = "summary.npz"
CONTINGENTS_CSV = "contingents.csv"
DAILY_CSV = "daily.csv"

PathLike = str | os.PathLike[str]


def _csv_text(columns: Sequence[str], rows: Iterable[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r[k] is None else r[k] for k in columns})
    return buf.getvalue()


def write_contingents_csv(path: PathLike, scenario: ScenarioLike, summary: Summary) -> Path:
    """Write ``contingents.csv``: :func:`contingent_rows`, empty cells for "not out by
    the horizon"."""
    return atomic_write(path, _csv_text(CONTINGENT_COLUMNS, contingent_rows(scenario, summary)))


def write_daily_csv(path: PathLike, scenario: ScenarioLike, summary: Summary) -> Path:
    """Write ``daily.csv``: :func:`daily_rows`."""
    return atomic_write(path, _csv_text(DAILY_COLUMNS, daily_rows(scenario, summary)))


def write_json(path: PathLike, data: dict) -> Path:
    """Write a JSON document (:func:`dumps`) and a final newline, atomically."""
    return atomic_write(path, dumps(data) + "\n")


def write_run_dir(
    out_dir: PathLike,
    scenario: Scenario,
    summary: Summary,
    *,
    outcomes: Outcomes | None = None,
    precision: dict | None = None,
    plots: bool = True,
    plot_format: str = DEFAULT_PLOT_FORMAT,
) -> list[Path]:
    """Write a run's files to ``out_dir`` (created if needed) and return their paths.

    ``summary.json`` (:func:`run_json`), ``summary.npz`` (:meth:`Summary.to_npz`, for
    ``drawdown plot``), ``replications.npz`` (when ``outcomes`` are given),
    ``contingents.csv``, ``daily.csv`` and, with ``plots``, ``drawdown``,
    ``exit-dates``, ``contingents`` and ``casualties`` as ``plot_format`` (``"png"``,
    ``"svg"`` or ``"pdf"``; :func:`drawdown.report.write_plots`).

    Raises
    ------
    DrawdownError
        For a ``plot_format`` not in :data:`drawdown.report.PLOT_FORMATS` (before
        anything is written).

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.batch import summarize
    >>> from drawdown.report import write_run_dir
    >>> s = drawdown.load("doha-2021-05-01")
    >>> paths = write_run_dir(tempfile.mkdtemp(), s, summarize(s, 100, seed=1), plot_format="pdf")
    >>> [p.name for p in paths if p.suffix == ".pdf"]
    ['drawdown.pdf', 'exit-dates.pdf', 'contingents.pdf', 'casualties.pdf']
    """

    check_plot_format(plot_format)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        write_json(out_dir / SUMMARY_JSON, run_json(scenario, summary, precision=precision)),
        summary.to_npz(out_dir / SUMMARY_NPZ),
    ]
    if outcomes is not None:
        paths.append(
            write_replications(
                out_dir / REPLICATIONS_FILE,
                outcomes,
                meta=summary.replications_meta(),
            )
        )
    paths.append(write_contingents_csv(out_dir / CONTINGENTS_CSV, scenario, summary))
    paths.append(write_daily_csv(out_dir / DAILY_CSV, scenario, summary))
    if plots:
        paths.extend(write_plots(out_dir, scenario, summary, plot_format=plot_format))
    return paths


def read_run_dir(directory: PathLike) -> tuple[ScenarioFacts, Summary, dict]:
    """Read a run directory written by :func:`write_run_dir`: ``(facts, summary, json)``.

    Raises
    ------
    ResultError
        When ``summary.json`` or ``summary.npz`` is missing or damaged, or they are not
        of the same run.
    """
    directory = Path(directory)
    jpath, npath = directory / SUMMARY_JSON, directory / SUMMARY_NPZ
    for p in (jpath, npath):
        if not p.is_file():
            raise ResultError(f"{p}: no such file (is {directory} a directory written by `drawdown run --out`?)")
    try:
        doc = json.loads(jpath.read_text())
    except (OSError, ValueError, RecursionError) as e:
        raise ResultError(f"{jpath}: cannot read it as JSON ({e})") from e
    try:
        facts = ScenarioFacts.from_json(doc)
    except ResultError as e:
        raise ResultError(f"{jpath}: {e}") from e

    summary = Summary.from_npz(npath)
    try:  # a string (docs/design.md §3), or the number older files hold
        seed = read_seed(doc.get("seed"), f"{jpath}: seed")
    except ValueError as e:
        raise ResultError(str(e)) from e
    if summary.scenario_hash != facts.hash or summary.seed != seed or summary.n != doc.get("replications"):
        raise ResultError(f"{jpath} and {npath} are not of the same run")
    return facts, summary, doc
