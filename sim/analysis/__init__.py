"""Analysis of finished sweeps: global sensitivity (Sobol' indices) with their errors.

The seventh stage of the pipeline: it reads what a sweep wrote (its manifest and
``results.csv``) and knows nothing of the API or the command line.
"""

from .sobol import OUTCOMES, SobolIndices, analyze_sweep, sobol_indices

__all__ = ["OUTCOMES", "SobolIndices", "analyze_sweep", "sobol_indices"]
