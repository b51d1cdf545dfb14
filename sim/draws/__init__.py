"""Random inputs: the draw layout shared by both engines, and what depends on no state.

The second stage of the pipeline: for a scenario, a seed and a block of replications,
every random number a replication may use (:mod:`.layout`), and what is computed from
them before any engine runs: the security-conditions index and the council's decision
(:mod:`.council`), the threat's rates and tables (:mod:`.threat`), gathered per block by
:mod:`.inputs`.
"""

from .council import (
    MetDays,
    conditions_met_day,
    decision_days,
    meeting_schedule,
    violence_index,
    violence_index_days,
)
from .inputs import DAY_WINDOW_CELLS, BlockInputs, StateFree
from .layout import (
    BLOCK_SIZE,
    LAYOUT_VERSION,
    MAX_SEED,
    STREAMS,
    TAIL_FROM,
    BlockDraws,
    DaySlabs,
    DayStream,
    blocks_for,
    closure_span,
    earliest_start,
    first_drawn_days,
    meeting_stream,
    new_seed,
    read_seed,
    reads_conditions,
    seed_text,
    stream,
    triangular_days,
)
from .threat import (
    CasualtyTable,
    HitTable,
    attack_mean,
    attack_rates,
    attacks_before_order,
    base_factors,
    binomial_inv,
    killed_and_wounded,
    poisson_inv,
)

__all__ = [
    "BLOCK_SIZE",
    "DAY_WINDOW_CELLS",
    "LAYOUT_VERSION",
    "MAX_SEED",
    "MetDays",
    "STREAMS",
    "TAIL_FROM",
    "BlockDraws",
    "BlockInputs",
    "CasualtyTable",
    "DaySlabs",
    "DayStream",
    "HitTable",
    "StateFree",
    "attack_mean",
    "attack_rates",
    "attacks_before_order",
    "base_factors",
    "binomial_inv",
    "blocks_for",
    "closure_span",
    "conditions_met_day",
    "decision_days",
    "earliest_start",
    "first_drawn_days",
    "killed_and_wounded",
    "meeting_schedule",
    "meeting_stream",
    "new_seed",
    "poisson_inv",
    "read_seed",
    "reads_conditions",
    "seed_text",
    "stream",
    "triangular_days",
    "violence_index",
    "violence_index_days",
]
