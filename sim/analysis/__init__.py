"""Analysis of finished sweeps: global sensitivity (Sobol' indices) and screening
(Morris elementary effects), each with its errors, feature scoring (extra trees), and
scenario discovery (PRIM, CART).

The seventh stage of the pipeline: it reads what a sweep wrote (its manifest and
``results.csv``) and knows nothing of the API or the command line.
"""

from .figures import SWEEP_PLOTS, redraw_sweep_plots
from .morris import MorrisEffects, morris_effects
from .prim import Condition, PrimBox, PrimResult, limits_text, parse_condition, prim_boxes
from .sobol import OUTCOMES, SobolIndices, sobol_indices
from .sweeps import ANALYSED_DESIGNS, DISCOVERY_OUTCOMES, analyze_sweep, cart_sweep, discover_sweep, score_sweep
from .trees import CartLeaf, FeatureScores, cart_leaves, feature_scores

__all__ = [
    "ANALYSED_DESIGNS",
    "DISCOVERY_OUTCOMES",
    "OUTCOMES",
    "SWEEP_PLOTS",
    "CartLeaf",
    "Condition",
    "FeatureScores",
    "MorrisEffects",
    "PrimBox",
    "PrimResult",
    "SobolIndices",
    "analyze_sweep",
    "cart_leaves",
    "cart_sweep",
    "discover_sweep",
    "feature_scores",
    "limits_text",
    "morris_effects",
    "parse_condition",
    "prim_boxes",
    "redraw_sweep_plots",
    "score_sweep",
    "sobol_indices",
]
