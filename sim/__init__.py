"""drawdown: a scenario simulation engine for phased military drawdowns.

>>> import drawdown
>>> scenario = drawdown.load("doha-2021-05-01")
>>> scenario.total_troops
9600

The Python API (:mod:`drawdown.api`): ``drawdown.run`` runs replications of a scenario
and returns a :class:`~drawdown.api.Result` (its ``summary()`` is what ``drawdown run
--json`` prints); ``drawdown.compare`` compares scenarios with common random numbers;
``drawdown.trace`` tells the story of one replication.

>>> r = drawdown.run(scenario.replace(deadline="2021-09-11"), reps=1000, seed=1)
>>> r.seed, r.reps
(1, 1000)

The package is a pipeline, one subpackage a stage, each using only the stages before
it: :mod:`~drawdown.scenario` (files to frozen scenarios), :mod:`~drawdown.draws` (the
random inputs), :mod:`~drawdown.engines` (the SimPy reference and the numpy engine, run
by :func:`drawdown.engines.run_blocks`), :mod:`~drawdown.results` (mergeable summaries,
statistics, comparisons, files), :mod:`~drawdown.report` (tables, JSON, CSV, plots),
:mod:`~drawdown.batch` (units of work, executors, run and sweep directories) and
:mod:`~drawdown.api`; the ``drawdown`` command (:mod:`drawdown.cli`) sits on top.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .errors import DrawdownError, Problem, ResultError, ScenarioError
from .version import __version__

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from .api import CompareResult, Result, analyze, compare, discover, open_run, run, trace
    from .scenario import Scenario, load

__all__ = [
    "DrawdownError",
    "Problem",
    "ResultError",
    "ScenarioError",
    "Scenario",
    "load",
    "list_scenarios",
    "run",
    "analyze",
    "discover",
    "compare",
    "trace",
    "open_run",
    "Result",
    "CompareResult",
    "__version__",
]

# The API is imported on first use (PEP 562), a deliberate lazy load: the command line
# lives in this package, and ``drawdown --help`` should not wait for numpy and scipy.
_LAZY = {
    "run": "api",
    "analyze": "api",
    "discover": "api",
    "compare": "api",
    "trace": "api",
    "open_run": "api",
    "Result": "api",
    "CompareResult": "api",
    "Scenario": "scenario",
    "load": "scenario",
}


_STAGES = ("scenario", "draws", "engines", "results", "report", "batch", "analysis", "api", "cli")


def __getattr__(name: str) -> Any:
    if name in _STAGES:  # ``drawdown.api.Result`` after a bare ``import drawdown``
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_STAGES))


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios.

    >>> "doha-2021-05-01" in list_scenarios()
    True
    """
    from .scenario import list_scenario_files

    return [p.stem for p in list_scenario_files()]
