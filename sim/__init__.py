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

from .api import CompareResult, Result, compare, run, trace
from .errors import DrawdownError, Problem, ResultError, ScenarioError
from .scenario import Scenario, list_scenario_files, load
from .version import __version__

__all__ = ["DrawdownError", "Problem", "ResultError", "ScenarioError", "Scenario", "load", "list_scenarios", "run",
           "compare", "trace", "Result", "CompareResult", "__version__"]


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios.

    >>> "doha-2021-05-01" in list_scenarios()
    True
    """
    return [p.stem for p in list_scenario_files()]
