"""The numpy engine's chunk state (``drawdown.numpy_state``) and its compaction, by hand.

The engine's agreement with the SimPy engine and its independence of the chunk size
are tested in test_engine_agreement.py; here, the state object on small hand-made
arrays, and that the engine's results do not depend on how often finished rows are dropped.
"""

from __future__ import annotations

import drawdown
import numpy as np
import pytest
from drawdown.engines import numpy_engine
from drawdown.engines.numpy_state import _ROW_ARRAYS, ChunkOutcomes, ChunkState

NEVER = np.iinfo(np.int32).max
H = 20


def small_state(record_daily=True):
    """Four rows, two contingents (columns swapped against scenario order), one airfield, one enabler.

    Row 2 is given no order (first drawn day = horizon); rows 0, 1, 3 are ready on
    steps 5, 2 and 2 (their first contingent's ready day less their first drawn day).
    """
    ready = np.array([[8, 9], [5, 4], [NEVER, NEVER], [NEVER, 6]], dtype=np.int32)
    first_drawn = np.array([3, 2, H, 4], dtype=np.int32)
    outcomes = ChunkOutcomes.start(
        first_ready_day=ready.min(axis=1),
        attacks_before=np.array([1, 2, 3, 4]),
        casualties_before=np.zeros(4, dtype=np.int64),
        n_contingents=2,
        horizon=H,
        deadline=10,
        total_troops=30,
        liftable_t=7,
        record_daily=record_daily,
    )
    state = ChunkState.start(
        ready_day=ready,
        first_drawn_day=first_drawn,
        column_contingents=np.array([1, 0]),
        troops=np.array([20, 10]),
        liftable_t=np.array([5, 2]),
        rear_guard=np.array([2, 1]),
        troops_at_home=np.array([30]),
        n_airfields=1,
        n_enabler_nations=1,
        horizon=H,
        day_dtype=np.int16,
        count_dtype=np.int16,
        block_of_row=np.array([0, 0, 1, 1]),
        n_blocks=2,
        outcomes=outcomes,
    )
    return state, outcomes


def test_state_starts_with_the_rows_given_an_order_sorted_by_ready_step():
    state, _ = small_state()
    assert state.row.tolist() == [1, 3, 0]  # ready steps 2, 2, 5 (stable), row 2 never runs
    assert state.ready_step.tolist() == [2, 2, 5]
    assert state.rows_ready_by(1) == 0 and state.rows_ready_by(2) == 2 and state.rows_ready_by(5) == 3
    # columns: contingent 1 then contingent 0; a never ready day is the day type's largest value
    assert state.ready_day.dtype == np.int16
    assert state.ready_day.tolist() == [[4, 6, 9], [5, 32767, 8]]
    assert state.troops_left.tolist() == [[20, 20, 20], [10, 10, 10]]
    assert state.troops_in_country.tolist() == [30, 30, 30]
    assert state.blocks_running.tolist() == [True, True]
    # ready by step k: contingent 1 (column 0) is ready on steps 2, 2 (6 - 4) and 6 (9 - 3)
    assert state.ready_count[0, [1, 2, 5, 6]].tolist() == [0, 2, 2, 3]
    assert state.ready_count[1, [2, 3, 4, 5]].tolist() == [0, 1, 1, 2]  # steps 3 and 5; row 3 never


def test_outcomes_start_with_the_days_before_the_first_ready_day():
    _, out = small_state()
    assert out.troops_in_country[1, :6].tolist() == [30, 30, 30, 30, 0, 0]  # first ready on day 4
    assert out.retrograde_lifted_t[1, :6].tolist() == [0, 0, 0, 0, 7, 7]
    assert (out.troops_in_country[2] == 30).all()  # never ordered: every troop stays
    # deadline day 10: row 2 waits all the horizon, days 10 .. 19 past the deadline
    assert out.troop_days_past_deadline.tolist() == [0, 0, 30 * 10, 0]
    assert out.troops_at_deadline.tolist() == [0, 0, 30, 0]
    assert (out.exit_day == -1).all()
    assert small_state(record_daily=False)[1].troops_in_country is None


def test_compact_writes_out_the_retired_rows_and_keeps_the_others_in_order():
    state, out = small_state()
    # row 3 (state row 1) is all out: contingent 1 exited on day 7, contingent 0 on day 9
    state.exit_day_plus_one[:, 1] = [8, 10]
    state.troops_left[:, 1] = 0
    state.attacks[:] = [5, 6, 7]
    state.troop_days_past_deadline[:] = [100, 200, 300]
    state.exit_count += [1, 1]
    state.compact(np.array([True, False, True]))
    assert out.exit_day[3].tolist() == [9, 7]  # scenario order
    assert out.attacks.tolist() == [1, 2, 3, 4 + 6]
    assert out.troop_days_past_deadline.tolist() == [0, 0, 300, 200]
    assert state.row.tolist() == [1, 0]
    assert state.ready_step.tolist() == [2, 5]
    assert state.attacks.tolist() == [5, 7]
    assert state.ready_day.tolist() == [[4, 9], [5, 8]]
    assert state.exit_count.tolist() == [0, 0]
    assert state.blocks_running.tolist() == [True, False]  # row 2 never ran, row 3 is gone
    # row-major still: the day's work slices rows of these arrays
    assert all(getattr(state, name).flags.c_contiguous for name in _ROW_ARRAYS)
    # the counts kept are those of the rows kept, as counted afresh
    assert np.array_equal(state.ready_count, state._ready_counts(slice(None)))
    state.compact(np.zeros(2, dtype=bool))
    assert state.rows == 0 and out.attacks.tolist() == [1 + 7, 2 + 5, 3, 10]
    assert not state.blocks_running.any()


@pytest.mark.parametrize("name", ["doha-2021-05-01", "enablers-leave-first", "escalation"])
def test_results_do_not_depend_on_when_finished_rows_are_dropped(monkeypatch, name):
    s = drawdown.load(name)
    usual = numpy_engine.run_numpy(s, 600, 3, record_daily=True, block_size=200)
    for one_in in (1, 10**9):  # drop them once all rows are out / as soon as one is
        monkeypatch.setattr(numpy_engine, "RETIRE_ONE_IN", one_in)
        out = numpy_engine.run_numpy(s, 600, 3, record_daily=True, block_size=200)
        for key, value in usual.arrays(daily=True).items():
            assert np.array_equal(value, out.arrays(daily=True)[key]), (one_in, key)
