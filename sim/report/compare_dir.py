"""Comparison directories: the files of ``drawdown compare --out``, and ``drawdown plot``.

Every path written is computed here, inside the directory: a scenario's folder is
:func:`drawdown.results.folder_names` of the scenarios' names, and a folder named in a
``compare.json`` that is read back must be that name (a plain name, checked by
:func:`drawdown.results.plain_name`), so a crafted file cannot send a write elsewhere.
Writers hold the directory's lock (:func:`drawdown.results.lock_directory`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, cast

from ..errors import DrawdownError, ResultError
from ..results import (
    Comparison,
    ScenarioFacts,
    Summary,
    atomic_write,
    claim_directory,
    folder_names,
    lock_directory,
    plain_name,
    remove_temporaries,
)
from ..results.comparison import COMPARE_COLUMNS
from ..scenario import Scenario
from .directory import read_run_dir, write_json, write_run_dir
from .plots import (
    COMPARE_PLOT,
    COMPARE_PLOT_FILES,
    DEFAULT_PLOT_FORMAT,
    PLOT_FILES,
    check_plot_format,
    compare_figure,
    compare_plot_file,
    save_figure,
    write_plots,
)

__all__ = ["COMPARE_CSV", "COMPARE_JSON", "compare_csv_text", "read_compare_dir", "redraw_plots", "write_compare_dir"]


#: The comparison document in a ``drawdown compare --out`` directory.
COMPARE_JSON = "compare.json"
#: The comparison as a table, one row a scenario, a column a measure (for pandas).
COMPARE_CSV = "compare.csv"


def compare_csv_text(comparison: Comparison) -> str:
    """``compare.csv``: :meth:`drawdown.results.Comparison.csv_rows` under the header
    :data:`drawdown.results.COMPARE_COLUMNS`; an empty cell where a measure is undefined
    (P(out by deadline) without a deadline, the baseline's differences); the seed as
    its decimal digits.

    Examples
    --------
    >>> import drawdown, io, csv
    >>> from drawdown.report.compare_dir import compare_csv_text
    >>> c = drawdown.compare("doha-2021-05-01", "conditions-based", reps=100, seed=1).comparison
    >>> rows = list(csv.DictReader(io.StringIO(compare_csv_text(c))))
    >>> [r["p_met_deadline"] == "" for r in rows], rows[1]["diff_p_met_deadline_difference"], rows[0]["seed"]
    ([False, True], '', '1')
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COMPARE_COLUMNS), lineterminator="\n")
    w.writeheader()
    for row in comparison.csv_rows():
        w.writerow({k: "" if row[k] is None else row[k] for k in COMPARE_COLUMNS})
    return buf.getvalue()


def _folders(names: list[str]) -> list[str]:
    """The scenarios' folders (:func:`drawdown.results.folder_names`), none a file of the comparison."""
    folders = folder_names(names)
    for name, folder in zip(names, folders, strict=True):
        if folder in (COMPARE_JSON, COMPARE_PLOT, COMPARE_CSV, "units"):
            raise DrawdownError(f"scenario {name!r}: its folder would be {folder!r}, a file of the comparison")
    return folders


def write_compare_dir(
    out_dir: str | os.PathLike[str], comparison: Comparison, doc: dict | None = None, *, plots: bool = True
) -> list[Path]:
    """Write a comparison to ``out_dir``: ``compare.json`` (``doc``, by default
    :meth:`Comparison.to_json_dict`), ``compare.csv`` (:func:`compare_csv_text`),
    ``compare.png`` (:func:`drawdown.report.compare_figure`)
    and, per scenario, a folder with ``summary.json``, ``summary.npz``,
    ``contingents.csv`` and ``daily.csv`` (:func:`drawdown.report.write_run_dir` without
    plots). Returns the paths written.

    The folders are :func:`drawdown.results.folder_names` of the scenarios' names (a
    ``doc`` naming others is refused); the directory's lock is held while writing.

    Raises
    ------
    DrawdownError
        When ``doc`` names other folders, or another process holds the directory
        (:class:`drawdown.results.DirectoryInUse`).
    """

    if os.fspath(out_dir) == "":
        raise DrawdownError("out_dir is empty: give a directory ('.' for the current one)")
    out_dir = Path(out_dir)
    doc = comparison.to_json_dict() if doc is None else doc
    folders = _folders(comparison.names)
    given = [entry.get("dir") for entry in doc["scenarios"]]
    if given != folders[: len(given)]:
        raise DrawdownError(f"doc['scenarios'] names the folders {given}; the comparison's are {folders}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with lock_directory(out_dir, what="comparison"):
        for s, summary, folder in zip(comparison.scenarios, comparison.summaries, folders, strict=False):
            # a comparison that was run has its scenarios (a stored one has only their facts)
            paths.extend(write_run_dir(out_dir / folder, cast(Scenario, s), summary, plots=False))
        paths.append(atomic_write(out_dir / COMPARE_CSV, compare_csv_text(comparison)))
        paths.append(write_json(out_dir / COMPARE_JSON, doc))
        if plots:
            fig = compare_figure(list(zip(comparison.scenarios, comparison.summaries, strict=False)))
            paths.append(save_figure(fig, out_dir / COMPARE_PLOT))
    return paths


def _compare_folders(path: Path, doc: Any) -> list[str]:
    """The folders a ``compare.json`` names, each checked to be the one drawdown writes for its scenario."""
    if isinstance(doc, dict) and doc.get("complete") is False:
        raise ResultError(
            f"{path}: an unfinished comparison: run the same `drawdown compare` with --out {path.parent} --resume "
            "to finish it"
        )
    try:
        entries = doc["scenarios"]
        names = [entry["scenario"] for entry in entries]
        given = [entry["dir"] for entry in entries]
    except (KeyError, TypeError) as e:
        raise ResultError(f"{path}: cannot read the comparison ({type(e).__name__}: {e})") from e
    if not all(isinstance(n, str) for n in names):
        raise ResultError(f"{path}: scenarios[].scenario: expected the scenarios' names")
    for i, (folder, want) in enumerate(zip(given, folder_names(names), strict=True)):
        plain_name(folder, where=path, field=f"scenarios[{i}].dir")
        if folder != want:
            raise ResultError(
                f"{path}: scenarios[{i}].dir {folder!r} is not the folder drawdown writes for scenario "
                f"{names[i]!r} ({want!r}): the file was altered"
            )
    return given


def read_compare_dir(directory: str | os.PathLike[str]) -> tuple[dict, list[tuple[ScenarioFacts, Summary, dict]]]:
    """Read a directory written by :func:`write_compare_dir`: ``(doc, runs)`` with
    ``runs`` the ``(facts, summary, summary_json)`` of each scenario, baseline first.

    Raises
    ------
    ResultError
        When ``compare.json`` cannot be read, names a folder that is not the one
        drawdown writes for its scenario (a crafted path), or a folder's files are
        missing or damaged.
    """

    directory = Path(directory)
    path = directory / COMPARE_JSON
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as e:
        raise ResultError(f"{path}: cannot read the comparison ({type(e).__name__}: {e})") from e
    folders = _compare_folders(path, doc)
    runs = [read_run_dir(directory / f) for f in folders]
    return doc, runs


def redraw_plots(
    directory: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    plot_format: str = DEFAULT_PLOT_FORMAT,
) -> list[Path]:
    """Redraw the plots of a run or comparison directory from its files (``drawdown plot``).

    A run directory (``summary.json``, ``summary.npz``) gets its four plots
    (:func:`drawdown.report.plot_files` of ``plot_format``: png, svg or pdf); a
    comparison directory (``compare.json``) gets ``compare.png`` (or ``.svg``, ``.pdf``)
    and each scenario's four plots in its folder. The plots go into ``out_dir`` (made
    if need be) or ``directory``, whose lock is held while they are written; leftovers
    of interrupted plots there go.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ResultError
        When the files are missing, damaged or name folders drawdown does not write.
    DrawdownError
        For ``out_dir=""``; :class:`drawdown.results.DirectoryInUse`.

    Examples
    --------
    >>> import drawdown, tempfile
    >>> from drawdown.report import redraw_plots
    >>> d = tempfile.mkdtemp()
    >>> _ = drawdown.run("doha-2021-05-01", reps=200, seed=1).write(d)
    >>> [p.name for p in redraw_plots(d)]
    ['drawdown.png', 'exit-dates.png', 'contingents.png', 'casualties.png']
    """
    check_plot_format(plot_format)
    src = Path(directory)
    dst = src if out_dir is None else Path(out_dir)
    if (src / COMPARE_JSON).is_file():
        doc, runs = read_compare_dir(src)
        folders = [entry["dir"] for entry in doc["scenarios"]]
        with claim_directory(dst if out_dir is None else out_dir, lambda: None, what="plots"):
            remove_temporaries(dst, COMPARE_PLOT_FILES)
            fig = compare_figure([(facts, summary) for facts, summary, _ in runs])
            written = [save_figure(fig, dst / compare_plot_file(plot_format))]
            for folder, (facts, summary, _) in zip(folders, runs, strict=False):
                (dst / folder).mkdir(exist_ok=True)
                remove_temporaries(dst / folder, PLOT_FILES)
                written.extend(write_plots(dst / folder, facts, summary, plot_format=plot_format))
        return written
    facts, summary, _ = read_run_dir(src)
    with claim_directory(dst if out_dir is None else out_dir, lambda: None, what="plots"):
        remove_temporaries(dst, PLOT_FILES)
        return write_plots(dst, facts, summary, plot_format=plot_format)
