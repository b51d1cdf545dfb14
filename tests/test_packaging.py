"""The package's metadata: a licence file that exists and says what pyproject declares (PEP 639),
authors, and classifiers for the Python versions CI tests."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_licence_is_an_spdx_expression_with_its_file():
    project = _project()
    assert project["license"] == "MIT"  # PEP 639: an SPDX expression, not a table
    for name in project["license-files"]:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert text.startswith("MIT License") and "Permission is hereby granted" in text


def test_authors_and_classifiers_name_the_python_tested_here():
    project = _project()
    assert project["authors"] and all(a.get("name") for a in project["authors"])
    tested = f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}"
    assert tested in project["classifiers"]
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # PEP 639 forbids both


def test_every_subpackage_is_packaged():
    """A subpackage missing from ``[tool.setuptools] packages`` works in an editable
    install and is missing from a real one (as ``drawdown.analysis`` was, until CI's
    clean install failed to import it)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {"drawdown"} | {
        "drawdown." + p.parent.relative_to(ROOT / "sim").as_posix().replace("/", ".")
        for p in (ROOT / "sim").rglob("__init__.py")
        if p.parent != ROOT / "sim"
    }
    assert found <= listed, sorted(found - listed)
