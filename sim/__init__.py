"""drawdown: a scenario simulation engine for phased military drawdowns.

>>> import sim
>>> scenario = sim.load("doha-2021-05-01")
>>> scenario.total_troops
9600

The Python API (:mod:`sim.api`): ``sim.run`` runs replications of a scenario and returns
a :class:`~sim.api.Result` (its ``summary()`` is what ``drawdown run --json`` prints);
``sim.compare`` compares scenarios with common random numbers; ``sim.trace`` tells the
story of one replication.

>>> r = sim.run(scenario.replace(deadline="2021-09-11"), reps=1000, seed=1)
>>> r.seed, r.reps
(1, 1000)

The paired comparisons behind ``sim.compare`` are in :mod:`sim.paired`.
"""

from .api import CompareResult, Result, compare, run, trace
from .errors import DrawdownError, Problem, ResultError, ScenarioError
from .scenario import Scenario, load
from .sources import list_scenario_files

__version__ = "0.1.0"

__all__ = ["DrawdownError", "Problem", "ResultError", "ScenarioError", "Scenario", "load", "list_scenarios", "run",
           "compare", "trace", "Result", "CompareResult", "__version__"]


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios.

    >>> "doha-2021-05-01" in list_scenarios()
    True
    """
    return [p.stem for p in list_scenario_files()]
