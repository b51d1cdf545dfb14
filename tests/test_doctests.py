"""Every example in the package's docstrings runs and prints what it says.

The examples are collected from the installed package by its import name
(``drawdown.*``), so they exercise the same modules as the rest of the tests.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import drawdown
import drawdown.cli
import pytest


def _modules(package) -> set[str]:
    return {package.__name__} | {m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")}


# drawdown.cli is walked on its own: an editable install maps it to another folder.
MODULES = sorted(m for m in _modules(drawdown) | _modules(drawdown.cli) if not m.startswith("drawdown._scenarios"))
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def test_the_package_has_examples():
    assert "drawdown.engines.numpy_engine" in MODULES and "drawdown.cli.main" in MODULES
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for m in MODULES for t in finder.find(importlib.import_module(m)))
    assert examples > 100


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    failures = []
    for test in finder.find(module, name):
        result = runner.run(test, out=failures.append)
        del result
    assert not failures, "".join(failures)
