"""drawdown: a scenario simulation engine for phased military drawdowns.

>>> import sim
>>> scenario = sim.load("doha-2021-05-01")
>>> scenario.total_troops
9600
"""

from .errors import DrawdownError, Problem, ResultError, ScenarioError
from .scenario import Scenario, load
from .sources import list_scenario_files

__version__ = "0.1.0"

__all__ = ["DrawdownError", "Problem", "ResultError", "ScenarioError", "Scenario", "load", "list_scenarios", "__version__"]


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios.

    >>> "doha-2021-05-01" in list_scenarios()
    True
    """
    return [p.stem for p in list_scenario_files()]
