"""Scenarios written by hand for the engine tests, and the fixtures that run them on
both engines (``scenario``, ``run``; registered for every test module by conftest.py).

Day numbers count from ``START = 2021-01-01`` (day 0).
"""

from __future__ import annotations

import textwrap

import drawdown
import pytest
from drawdown.engines import run_numpy, run_simpy

START = "2021-01-01"


def date(day: int) -> str:
    """ISO date of a day counted from START."""
    import datetime as dt

    return (dt.date.fromisoformat(START) + dt.timedelta(days=day)).isoformat()


@pytest.fixture
def scenario(tmp_path):
    """Write a scenario (TOML text, dedented) under tmp_path and load it."""
    count = [0]

    def make(text: str, name: str | None = None):
        count[0] += 1
        path = tmp_path / f"{name or 'case'}-{count[0]}.toml"
        path.write_text(textwrap.dedent(text))
        return drawdown.load(path)

    return make


def one_contingent(horizon=60, seats=400, cargo=100, equipment="equipment_t = 300", decision=None, extra=""):
    """One contingent of 1,000 troops at one airfield; national delay 2 d, preparation 3 d."""
    decision = decision or 'rule = "fixed"\ndate = 2021-01-06'  # day 5
    return f"""
start = {START}
horizon_days = {horizon}
{extra}

[bases.A]
seats_per_day = {seats}
cargo_t_per_day = {cargo}

[contingents."X@A"]
troops = 1000
{equipment}
rear_guard_fraction = 0.1
national_delay_days = 2
prep_days = 3

[decision]
{decision}
"""


#: Both engines, with the same signature: every test that runs an engine runs on each.
ENGINES = {"simpy": run_simpy, "numpy": run_numpy}


@pytest.fixture(params=list(ENGINES))
def run(request):
    """An engine's runner: ``run(scenario, reps, seed, *, record_daily=False)``."""
    return ENGINES[request.param]
