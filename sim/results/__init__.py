"""Results: exactly mergeable summaries, statistics, paired comparisons and file formats.

The fourth stage of the pipeline. A :class:`Summary` folds the outcomes of blocks of
replications into integers that merge exactly; :mod:`.stats` computes every estimate
and interval from them; a :class:`Comparison` holds the paired differences of scenarios
run with common random numbers; :mod:`.store` reads and writes the files (atomically).
"""

from .comparison import (
                         BOOTSTRAP_RESAMPLES,
                         MEASURES,
                         Comparison,
                         Difference,
                         PairedSums,
                         folder_names,
                         headline_indicator,
                         probability_name,
)
from .environment import environment, simd_features
from .facts import ContingentFacts, ScenarioFacts, check_facts, facts_of
from .precision import headline_probability, precision_se, precision_status
from .stats import Estimate, Probability, exact_sums, proportion, quantile_rank, wilson
from .store import (
                         REPLICATIONS_FILE,
                         ReplicationWriter,
                         atomic_write,
                         read_replications,
                         write_replications,
)
from .summary import (
                         CENSORED_WARNING_FRACTION,
                         COUNT_HISTOGRAMS,
                         DAY_HISTOGRAMS,
                         EVENTS,
                         FORMAT_VERSION,
                         MOMENTS,
                         RETRO_BINS,
                         SCHEMA_VERSION,
                         TROOP_BINS,
                         Book,
                         Summary,
)

__all__ = ["BOOTSTRAP_RESAMPLES", "CENSORED_WARNING_FRACTION", "COUNT_HISTOGRAMS", "DAY_HISTOGRAMS", "EVENTS",
           "FORMAT_VERSION", "MEASURES", "MOMENTS", "PairedSums", "headline_indicator", "REPLICATIONS_FILE", "RETRO_BINS", "SCHEMA_VERSION",
           "TROOP_BINS", "Book", "Comparison", "ContingentFacts", "Difference", "Estimate", "Probability",
           "ReplicationWriter", "ScenarioFacts", "Summary", "atomic_write", "check_facts", "environment",
           "exact_sums", "facts_of", "folder_names", "headline_probability", "precision_se", "precision_status", "probability_name",
           "proportion", "quantile_rank", "read_replications", "simd_features", "wilson", "write_replications"]
