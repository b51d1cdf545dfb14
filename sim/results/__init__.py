"""Results: exactly mergeable summaries, statistics, paired comparisons and file formats.

The fourth stage of the pipeline. A :class:`Summary` folds the outcomes of blocks of
replications into integers that merge exactly (its :class:`Book` says of what);
:mod:`.stats` computes every estimate and interval from them; :mod:`.document` makes
the pieces of a run's JSON document; a :class:`Comparison` holds the paired differences
of scenarios run with common random numbers; :mod:`.store` reads and writes the files
(atomically), the summary file's format included.
"""

from .book import TROOP_BINS, Book, book_of
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
from .document import (
    QUANTILE_KEYS,
    QUANTILES,
    SCHEMA_VERSION,
    contingent_entries,
    estimate_entry,
    json_number,
    probability_entry,
    quantile_dates,
    quantile_days,
    run_entries,
)
from .environment import environment, simd_features
from .facts import ContingentFacts, ScenarioFacts, ScenarioLike, check_facts, facts_of
from .precision import headline_probability, precision_se, precision_status
from .stats import (
    Z95,
    Estimate,
    Probability,
    bootstrap_se,
    exact_sums,
    histogram_quantile,
    mean_estimate,
    proportion,
    quantile_bins,
    quantile_rank,
    sample_variance,
    standard_error,
    wilson,
    wilson_se,
)
from .store import (
    REPLICATIONS_FILE,
    SUMMARY_FORMAT,
    SUMMARY_FORMAT_VERSION,
    ReplicationWriter,
    atomic_write,
    read_replications,
    read_summary_file,
    summary_digest,
    write_replications,
    write_summary_file,
)
from .summary import (
    CENSORED_WARNING_FRACTION,
    COUNT_HISTOGRAMS,
    DAY_HISTOGRAMS,
    EVENTS,
    FORMAT_VERSION,
    MOMENTS,
    RETRO_BINS,
    Summary,
)

__all__ = [
    "BOOTSTRAP_RESAMPLES", "CENSORED_WARNING_FRACTION", "COUNT_HISTOGRAMS", "DAY_HISTOGRAMS", "EVENTS",
    "FORMAT_VERSION", "MEASURES", "MOMENTS", "QUANTILE_KEYS", "QUANTILES", "REPLICATIONS_FILE", "RETRO_BINS",
    "SCHEMA_VERSION", "SUMMARY_FORMAT", "SUMMARY_FORMAT_VERSION", "TROOP_BINS", "Z95", "atomic_write", "Book",
    "book_of", "bootstrap_se", "check_facts", "Comparison", "contingent_entries", "ContingentFacts", "Difference",
    "environment", "Estimate", "estimate_entry", "exact_sums", "facts_of", "folder_names", "headline_indicator",
    "headline_probability", "histogram_quantile", "json_number", "mean_estimate", "PairedSums", "precision_se",
    "precision_status", "Probability", "probability_entry", "probability_name", "proportion", "quantile_bins",
    "quantile_dates", "quantile_days", "quantile_rank", "read_replications", "read_summary_file", "ReplicationWriter",
    "run_entries", "sample_variance", "ScenarioFacts", "ScenarioLike", "simd_features", "standard_error", "Summary",
    "summary_digest", "wilson", "wilson_se", "write_replications", "write_summary_file"
]
