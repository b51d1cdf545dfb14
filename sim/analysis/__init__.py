"""Analysis of finished sweeps: global sensitivity (Sobol' indices) and screening
(Morris elementary effects), each with its errors.

The seventh stage of the pipeline: it reads what a sweep wrote (its manifest and
``results.csv``) and knows nothing of the API or the command line.
"""

from .morris import MorrisEffects, morris_effects
from .sobol import OUTCOMES, SobolIndices, sobol_indices
from .sweeps import ANALYSED_DESIGNS, analyze_sweep

__all__ = [
    "ANALYSED_DESIGNS",
    "OUTCOMES",
    "MorrisEffects",
    "SobolIndices",
    "analyze_sweep",
    "morris_effects",
    "sobol_indices",
]
