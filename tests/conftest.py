"""Fixtures shared by the test modules: engine test cases on both engines."""

from engine_cases import run, scenario  # noqa: F401  (fixtures)
