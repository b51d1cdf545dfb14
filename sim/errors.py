"""Exceptions of drawdown: one base, each naming what was wrong and where."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DrawdownError", "ScenarioError", "Problem", "ResultError"]


class DrawdownError(Exception):
    """Base of every error drawdown raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is, and what was expected.

    Attributes
    ----------
    file : str
        The scenario file that holds (or should hold) the key.
    key : str
        Key path in the scenario (``contingents."US@Bagram".troops``); empty for
        problems of the whole file (malformed TOML).
    message : str
        What was found and what was expected.
    """

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ScenarioError(DrawdownError):
    """A scenario cannot be loaded; ``problems`` lists every reason at once."""

    def __init__(self, problems):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ResultError(DrawdownError):
    """A results file (summary, shard, manifest) is missing, corrupt or incompatible."""
