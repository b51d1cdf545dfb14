"""Fixtures shared by the test modules: engine test cases on both engines; Hypothesis profiles.

Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``):

* ``ci``: Hypothesis's 100 examples a test (a test may ask for more or fewer, scaled by
  the profile: tests/test_fuzz_scenarios.py), no deadline (timings on a shared machine
  mean nothing), and the blob that reproduces a failure printed;
* ``nightly``: 50 times as many examples (the scenario fuzz tests try 7,500 edited
  scenarios and run 1,500 valid ones in both engines), no deadline, nothing skipped
  for being slow::

      HYPOTHESIS_PROFILE=nightly python -m pytest tests/test_fuzz_scenarios.py
"""

import os

from engine_cases import run, scenario  # noqa: F401  (fixtures)
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile(
    "nightly",
    max_examples=5000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
