"""Comparison directories: the files of ``drawdown compare --out``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import cast

from ..errors import ResultError
from ..results import Comparison, ScenarioFacts, Summary
from ..scenario import Scenario
from .directory import read_run_dir, write_json, write_run_dir
from .plots import COMPARE_PLOT, compare_figure, save_figure

__all__ = ["COMPARE_JSON", "read_compare_dir", "write_compare_dir"]


#: The comparison document in a ``drawdown compare --out`` directory.
COMPARE_JSON = "compare.json"


def write_compare_dir(
    out_dir: str | os.PathLike[str], comparison: Comparison, doc: dict | None = None, *, plots: bool = True
) -> list[Path]:
    """Write a comparison to ``out_dir``: ``compare.json`` (``doc``, by default
    :meth:`Comparison.to_json_dict`), ``compare.png`` (:func:`drawdown.report.compare_figure`)
    and, per scenario, a folder with ``summary.json``, ``summary.npz``,
    ``contingents.csv`` and ``daily.csv`` (:func:`drawdown.report.write_run_dir` without
    plots). Returns the paths written."""

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = comparison.to_json_dict() if doc is None else doc
    paths = []
    for s, summary, entry in zip(comparison.scenarios, comparison.summaries, doc["scenarios"], strict=False):
        # a comparison that was run has its scenarios (a stored one has only their facts)
        paths.extend(write_run_dir(out_dir / entry["dir"], cast(Scenario, s), summary, plots=False))
    paths.append(write_json(out_dir / COMPARE_JSON, doc))
    if plots:
        fig = compare_figure(list(zip(comparison.scenarios, comparison.summaries, strict=False)))
        paths.append(save_figure(fig, out_dir / COMPARE_PLOT))
    return paths


def read_compare_dir(directory: str | os.PathLike[str]) -> tuple[dict, list[tuple[ScenarioFacts, Summary, dict]]]:
    """Read a directory written by :func:`write_compare_dir`: ``(doc, runs)`` with
    ``runs`` the ``(facts, summary, summary_json)`` of each scenario, baseline first."""

    directory = Path(directory)
    path = directory / COMPARE_JSON
    try:
        doc = json.loads(path.read_text())
        folders = [entry["dir"] for entry in doc["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ResultError(f"{path}: cannot read the comparison ({type(e).__name__}: {e})") from e
    runs = [read_run_dir(directory / f) for f in folders]
    return doc, runs
