"""The environment a result records: package, numpy and scipy versions, numpy's SIMD features.

numpy promises the same random streams only for the same numpy version, and the last
bit of some array functions can change with the CPU's vector instructions, so every
result records these and results made under different ones are never merged.
"""

from __future__ import annotations

import importlib

import numpy as np
import scipy

from ..version import __version__

__all__ = ["environment", "simd_features"]


def simd_features() -> str:
    """numpy's SIMD features in use, in a stable form: ``"baseline:...;dispatch:..."``.

    The baseline features are those numpy was built for; the dispatch features are
    those it was built with *and* this CPU has, in numpy's order.

    >>> simd_features().startswith("baseline:")
    True
    """
    try:
        mu = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # numpy < 2
        mu = importlib.import_module("numpy.core._multiarray_umath")
    features = getattr(mu, "__cpu_features__", {})
    baseline = list(getattr(mu, "__cpu_baseline__", []))
    dispatch = [f for f in getattr(mu, "__cpu_dispatch__", []) if features.get(f)]
    return f"baseline:{','.join(baseline)};dispatch:{','.join(dispatch)}"


def environment() -> dict:
    """The versions a summary records: package, numpy, scipy and numpy's SIMD features.

    >>> sorted(environment())
    ['numpy_version', 'scipy_version', 'simd', 'version']
    """
    return {
        "version": __version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "simd": simd_features(),
    }
