"""The numpy engine against the SimPy reference, replication by replication (DESIGN §2).

For every shipped scenario and three seeds, 200 replications each, the two engines must
give the same outcomes: integer and boolean arrays identical (same dtype, same shape,
same values), floating arrays (none today) within 1e-9 relative. The three seeds run
under three block sizes, so that the numpy engine is checked on one partial block and
on chunks of several blocks with a partial last block.

Then the numpy engine alone: its results do not depend on the chunk size, on how many
replications run, or on which blocks run together (DESIGN §2, §6).

The SimPy engine's council decides meeting by meeting, on its own: the decision days it
records are checked against the shared, vectorised code (:func:`drawdown.council.decision_days`,
which the numpy engine and the draw layout use), on every shipped scenario and on random
valid councils.

This file is slow (the SimPy engine runs 4,800 replications): about 2 minutes on two
cores.
"""

from __future__ import annotations

import drawdown
import numpy as np
import pytest
from drawdown.draws import (
    BLOCK_SIZE,
    BlockDraws,
    BlockInputs,
    blocks_for,
    conditions_met_day,
    decision_days,
    reads_conditions,
    violence_index,
)
from drawdown.engines import Outcomes, iter_chunks, run_numpy, run_simpy, trace_replication
from drawdown.engines.simpy_engine import simulate_replication
from engine_cases import date
from hypothesis import given, settings
from hypothesis import strategies as st

REPS = 200
#: (seed, block size): one partial block of the default size; 200 = 3 x 64 + 8 (four
#: blocks, the last partial, in one numpy chunk); 200 = 128 + 72 and a 128-bit seed.
SEEDS = [(1, 1000), (20210501, 64), (2**100 + 7, 128)]


def shared_decision_days(s, reps: int, seed: int, block_size: int) -> np.ndarray:
    """Each replication's decision day by the shared code, block by block."""
    parts = []
    for block, rows in blocks_for(reps, block_size):
        draws = BlockDraws(s, seed, block, rows=rows, block_size=block_size)
        met = np.full(rows, -1, dtype=np.int32)  # layout 3: no index where nothing reads it
        if reads_conditions(s):
            met = conditions_met_day(s.conditions, violence_index(s.conditions, draws.violence))
        parts.append(decision_days(s.decision, draws.meeting_u, draws.special_u, met, s.horizon_days))
    return np.concatenate(parts)


def assert_same_outcomes(a: Outcomes, b: Outcomes, label: str = "") -> None:
    """Every outcome array of ``a`` and ``b`` (per-day ones included) agrees."""
    arrays_a, arrays_b = a.arrays(daily=True), b.arrays(daily=True)
    assert arrays_a.keys() == arrays_b.keys(), label
    for name, x in arrays_a.items():
        y = arrays_b[name]
        where = f"{label}: {name}"
        assert x.dtype == y.dtype, f"{where}: dtype {x.dtype} != {y.dtype}"
        assert x.shape == y.shape, f"{where}: shape {x.shape} != {y.shape}"
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=0, equal_nan=True, err_msg=where)
        elif not np.array_equal(x, y):
            rows = np.flatnonzero((x != y).reshape(len(x), -1).any(axis=1))
            pytest.fail(f"{where}: {rows.size} replications differ, first rows {rows[:10].tolist()}")


@pytest.mark.parametrize("seed, block_size", SEEDS, ids=["seed1-B1000", "seed20210501-B64", "seed2^100+7-B128"])
@pytest.mark.parametrize("name", drawdown.list_scenarios())
def test_engines_agree_replication_by_replication(name, seed, block_size):
    s = drawdown.load(name)
    ref = run_simpy(s, REPS, seed, record_daily=True, block_size=block_size)
    out = run_numpy(s, REPS, seed, record_daily=True, block_size=block_size)
    assert len(ref) == len(out) == REPS
    assert ref.troops_in_country.shape == (REPS, s.horizon_days)
    assert_same_outcomes(ref, out, f"{name} seed {seed} B {block_size}")
    # The SimPy council's own decision days are those of the shared code.
    assert np.array_equal(ref.decision_day, shared_decision_days(s, REPS, seed, block_size))


def test_engines_agree_on_a_force_too_big_for_int16_totals():
    # The numpy engine keeps troops and tons in int16 when every total fits and in int32
    # otherwise: 39,600 troops and 71,281 t take the int32 path.
    s = drawdown.load("doha-2021-05-01")
    big = s.replace(
        {
            'contingents."US@Bagram".troops': 31600,
            "total_troops": s.total_troops + 30000,
            "bases.Bagram.seats_per_day": 3000,
            "bases.Bagram.cargo_t_per_day": 2000,
        }
    )
    assert big.total_troops > np.iinfo(np.int16).max
    for seed in (3, 4):
        ref = run_simpy(big, 40, seed, record_daily=True, block_size=16)
        out = run_numpy(big, 40, seed, record_daily=True, block_size=16, chunk_blocks=2)
        assert_same_outcomes(ref, out, f"big force seed {seed}")
    assert (out.final_exit_day >= 0).any()


# -- the council -----------------------------------------------------------------------------

COUNCIL_CASE = """
start = 2021-01-01
horizon_days = {horizon}

[bases.A]
seats_per_day = 1000
cargo_t_per_day = 1000

[contingents."X@A"]
troops = 100

[decision]
{decision}

[conditions]
initial = 1.0
target = {target}
reversion = 0.1
volatility = {volatility}
threshold = 0.6
hold_days = {hold}
"""


@st.composite
def councils(draw):
    """A valid council: a rule, meetings, consensus, special meetings, a latest decision."""
    horizon = draw(st.integers(10, 120), label="horizon")
    day = st.integers(0, horizon - 1)
    rule = draw(st.sampled_from(["fixed", "next_meeting", "conditions"]), label="rule")
    meetings = draw(st.lists(day, max_size=6), label="meetings")
    p = draw(st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0]), label="p_no_consensus")
    special = draw(st.booleans(), label="allow_special_meetings")
    latest = draw(st.none() | day, label="latest_decision")
    # What the validator requires for the order to be possible at all.
    if latest is None and rule != "fixed" and (p == 1.0 or not (meetings or (special and rule == "conditions"))):
        latest = draw(day, label="latest_decision (required)")
    lines = [
        f'rule = "{rule}"',
        f"p_no_consensus = {p}",
        f"allow_special_meetings = {str(special).lower()}",
        f"special_meeting_delay_days = {draw(st.integers(0, 20), label='delay')}",
    ]
    if rule == "fixed":
        lines.append(f"date = {date(draw(day, label='date'))}")
    if meetings:
        lines.append(f"meetings = [{', '.join(date(m) for m in meetings)}]")
    if latest is not None:
        lines.append(f"latest_decision = {date(latest)}")
    # The conditions index falls from 1 towards the target; met (or never) on many days.
    return COUNCIL_CASE.format(
        horizon=horizon,
        decision="\n".join(lines),
        target=draw(st.sampled_from([0.2, 0.55, 0.9]), label="target"),
        volatility=draw(st.sampled_from([0.0, 0.05, 0.2]), label="volatility"),
        hold=draw(st.integers(1, 8), label="hold_days"),
    )


@pytest.fixture(scope="module")
def council_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("councils")


@settings(max_examples=60, deadline=None)
@given(text=councils(), seed=st.integers(0, 2**64))
def test_the_simpy_council_decides_as_the_shared_code_on_random_councils(council_dir, text, seed):
    path = council_dir / "council.toml"
    path.write_text(text)
    s = drawdown.load(path)
    out = run_simpy(s, 40, seed, block_size=16)
    assert out.decision_day.tolist() == shared_decision_days(s, 40, seed, 16).tolist()
    # And the story of replication 0 (blocks of the standard size) tells the order on that day.
    told = [e["day"] for e in trace_replication(s, seed, 0) if e["kind"] == "decision"]
    [day] = shared_decision_days(s, 1, seed, BLOCK_SIZE).tolist()
    assert told == ([day] if day >= 0 else [])


def test_the_recorded_decision_day_is_the_simpy_councils():
    # The engine records the day its council gives the order: it never reads the
    # shared decision day (only the draw layout's first drawn day, derived from it).
    s = drawdown.load("no-consensus")
    inputs = BlockInputs(s, 5, 0, rows=30)
    expected = inputs.decision_day.copy()
    assert len(set(expected.tolist())) > 2
    inputs.decision_day[:] = -7
    slabs = inputs.draws.slabs()
    assert [simulate_replication(s, inputs, r, slabs).decision_day for r in range(30)] == expected.tolist()


def test_agreement_is_not_vacuous():
    # The shipped scenarios between them exercise what the comparison is about: runs
    # that finish and runs that do not, attacks and casualties, orders on different days.
    seen = {"censored": 0, "finished": 0, "attacks": 0, "casualties": 0, "decision_days": set()}
    for name in drawdown.list_scenarios():
        out = run_numpy(drawdown.load(name), REPS, 1)
        seen["censored"] += int(out.censored.sum())
        seen["finished"] += int((~out.censored).sum())
        seen["attacks"] += int(out.attacks.sum())
        seen["casualties"] += int(out.casualties.sum())
        seen["decision_days"] |= set(out.decision_day.tolist())
    assert seen["finished"] > 0 and seen["attacks"] > 0 and seen["casualties"] > 0
    assert len(seen["decision_days"]) > 3


# -- chunks and blocks --------------------------------------------------------------------


@pytest.fixture(scope="module")
def doha_3000():
    s = drawdown.load("doha-2021-05-01")
    return s, run_numpy(s, 3000, 11, record_daily=True, chunk_blocks=8, block_size=250)


@pytest.mark.parametrize("chunk_blocks", [1, 2, 5])
def test_results_do_not_depend_on_the_chunk_size(doha_3000, chunk_blocks):
    # 12 blocks of 250: chunks of 1, 2 and 5 blocks (the last one of 2) against 8 + 4.
    s, whole = doha_3000
    out = run_numpy(s, 3000, 11, record_daily=True, chunk_blocks=chunk_blocks, block_size=250)
    assert_same_outcomes(whole, out, f"chunk_blocks={chunk_blocks}")


def test_results_do_not_depend_on_the_number_of_replications(doha_3000):
    s, whole = doha_3000
    half = run_numpy(s, 1500, 11, record_daily=True, block_size=250)
    first = Outcomes(**{k: None if v is None else v[:1500] for k, v in vars(whole).items()})
    assert_same_outcomes(first, half, "first 1500 of 3000")
    # A count that ends inside a block: the first rows of the partial block.
    part = run_numpy(s, 1610, 11, record_daily=True, block_size=250)
    first = Outcomes(**{k: None if v is None else v[:1610] for k, v in vars(whole).items()})
    assert_same_outcomes(first, part, "first 1610 of 3000")


def test_any_blocks_run_alone_give_their_rows_of_the_whole(doha_3000):
    # One executor's unit of work: blocks 3, 4 and 9, run together, out of order.
    s, whole = doha_3000
    blocks = [(9, 250), (3, 250), (4, 250)]
    chunks = list(iter_chunks(s, 750, 11, block_size=250, blocks=blocks, chunk_blocks=2))
    assert [c for c, _ in chunks] == [[(9, 250), (3, 250)], [(4, 250)]]
    for chunk, out in chunks:
        rows = np.concatenate([np.arange(b * 250, b * 250 + r) for b, r in chunk])
        part = Outcomes(**{k: None if v is None else v[rows] for k, v in vars(whole).items()})
        assert_same_outcomes(part, out, f"blocks {chunk}")
    # first_block shifts the whole layout: blocks 6.. of the 3000-rep run.
    out = run_numpy(s, 500, 11, first_block=6, record_daily=True, block_size=250)
    part = Outcomes(**{k: None if v is None else v[1500:2000] for k, v in vars(whole).items()})
    assert_same_outcomes(part, out, "first_block=6")


@pytest.mark.parametrize("name", ["conditions-based", "enablers-leave-first"])
def test_chunk_independence_with_per_replication_rates_and_cuts(name):
    # No deadline (a rate per replication) and enablers leaving first (cut airfields,
    # exposed bases): 1,000 replications in blocks of 100, chunks of 3 and 10 blocks.
    s = drawdown.load(name)
    a = run_numpy(s, 1000, 4, record_daily=True, chunk_blocks=3, block_size=100)
    b = run_numpy(s, 1000, 4, record_daily=True, chunk_blocks=10, block_size=100)
    assert_same_outcomes(a, b, name)
