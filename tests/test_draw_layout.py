"""The draw layout (``drawdown.draws``, layout version 3), pinned by hand on both engines.

The daily streams count from each replication's first drawn day (the order day, moved
back by ``closure_days - 1``), and the attacks of the days before it are one Poisson
total drawn from ``before_order``. These tests recompute what the engines must do from
the streams themselves.
"""

from __future__ import annotations

import numpy as np
import pytest
from drawdown.draws import BLOCK_SIZE, LAYOUT_VERSION, STREAMS, first_drawn_days, poisson_inv, stream
from drawdown.engines import run_numpy, trace_replication
from engine_cases import one_contingent


def test_layout_version_and_stream_ids():
    assert LAYOUT_VERSION == 3
    assert STREAMS["before_order"] == 8 and STREAMS["special_meeting"] == 14 and STREAMS["day_tail"] == 15
    assert len(set(STREAMS.values())) == len(STREAMS)


def test_first_drawn_day_is_the_order_day_moved_back_by_closure_days():
    d = np.array([10, 1, 0, -1, 539])
    assert first_drawn_days(d, 0, 540).tolist() == [10, 1, 0, 540, 539]
    assert first_drawn_days(d, 1, 540).tolist() == [10, 1, 0, 540, 539]
    assert first_drawn_days(d, 3, 540).tolist() == [8, 0, 0, 540, 537]


def open_days(seed: int, offset: int, p: float, horizon: int) -> list[int]:
    """Days on which airfield 0 is open for row 0, slab k serving day offset + k."""
    closed = stream(seed, 0, "closed").random((horizon - offset, BLOCK_SIZE, 1))[:, 0, 0]
    return [offset + k for k in range(horizon - offset) if not closed[k] < p]


@pytest.mark.parametrize("closure_days, offset", [(0, 5), (1, 5), (3, 3), (9, 0), (32760, 0)])
def test_weather_is_drawn_from_the_first_drawn_day(scenario, run, closure_days, offset):
    # (A closure of 32,760 days puts the numpy engine's days in int32 rather than int16.)
    # Order day 5, ready day 10 (2 + 3 days). The contingent needs three open days
    # (300 t at 100 t a day; 900 of the main body at 400 a day, then the last 100 with
    # the rear guard once the cargo is out): it exits on its third open day from day 10.
    # The weather of day t is slab t - offset of the `closed` stream.
    extra = f"[threat]\nclosure_days = {closure_days}\n"
    text = one_contingent(horizon=80).replace("cargo_t_per_day = 100", "cargo_t_per_day = 100\np_closed_day = 0.5")
    s = scenario(text + extra)
    for seed in (1, 2, 3, 4):
        expected = [t for t in open_days(seed, offset, 0.5, 80) if t >= 10][2]
        out = run(s, 1, seed)
        assert out.exit_day.tolist() == [[expected]], seed


def test_withdrawals_after_different_order_days_see_the_same_weather(scenario, run):
    # The same scenario with the order on day 5 or day 17: the k-th day after the order
    # has the same weather in both, so each replication's withdrawal takes as long.
    base = one_contingent(horizon=120).replace("cargo_t_per_day = 100", "cargo_t_per_day = 100\np_closed_day = 0.3")
    early = run(scenario(base), 300, 9)
    late = run(scenario(base.replace("date = 2021-01-06", "date = 2021-01-18")), 300, 9)
    assert (early.decision_day == 5).all() and (late.decision_day == 17).all()
    assert np.array_equal(early.final_exit_day - 5, late.final_exit_day - 17)
    assert len(np.unique(early.final_exit_day)) > 1  # the weather does vary


BEFORE_ORDER = """
start = 2021-01-01
horizon_days = 60

[bases.A]
seats_per_day = 5000
cargo_t_per_day = 5000

[contingents."X@A"]
troops = 1000
rear_guard_fraction = 0.1

[decision]
rule = "fixed"
date = 2021-01-21     # day 20

[threat]
attack_rate_before = 0.5   # no deadline, no coupling: 0.5 a day on the whole force
casualties_per_attack = 2.0
"""


def test_attacks_before_the_order_are_one_poisson_total(scenario, run):
    # Days 0-19: all 1,000 troops at A, mean 0.5 a day: one Poisson total with mean 10.
    # Day 20: the order, ready the same day (no delays), attacks on the 1,000 at the
    # start of the day (mean 0.5, slab 0), then everyone flies: exit day 20.
    s = scenario(BEFORE_ORDER)
    reps = 50
    out = run(s, reps, 3)
    assert (out.final_exit_day == 20).all()
    u = stream(3, 0, "before_order").random((BLOCK_SIZE, 2))[:reps]
    before = poisson_inv(u[:, 0], np.full(reps, 10.0))
    day20 = poisson_inv(stream(3, 0, "attacks").random((BLOCK_SIZE, 1))[:reps, 0], np.full(reps, 0.5))
    assert out.attacks.tolist() == (before + day20).tolist()
    cas_before = poisson_inv(u[:, 1], 2.0 * before)
    day20_cas = poisson_inv(stream(3, 0, "casualties").random((BLOCK_SIZE, 1))[:reps, 0], 2.0 * day20)
    assert out.casualties.tolist() == (cas_before + day20_cas).tolist()
    # The story tells the total as one line, on the day before the first drawn day.
    r = int(np.flatnonzero(before > 0)[0])
    lines = [e for e in trace_replication(s, 3, r) if e["kind"] == "attack" and e["base"] is None]
    assert [(e["day"], e["attacks"]) for e in lines] == [(19, int(before[r]))]


def test_the_total_before_the_order_has_the_summed_mean(scenario):
    # The same distribution as twenty daily Poisson(0.5) draws: mean and variance 10.
    out = run_numpy(scenario(BEFORE_ORDER.replace("casualties_per_attack = 2.0", "")), 20_000, 4)
    day20 = poisson_inv(
        np.concatenate([stream(4, b, "attacks").random((BLOCK_SIZE, 1))[:, 0] for b in range(20)]), np.full(20_000, 0.5)
    )
    before = out.attacks - day20
    se = np.sqrt(10.0 / 20_000)
    assert abs(before.mean() - 10.0) < 4 * se
    assert abs(before.var() - 10.0) < 0.5


def test_a_replication_without_an_order_draws_no_daily_values(scenario, run):
    # p_no_consensus 0.9 at the only meeting: most replications never get an order and
    # spend the whole horizon at home; their attacks are the one total over 60 days.
    text = BEFORE_ORDER.replace(
        'rule = "fixed"\ndate = 2021-01-21     # day 20',
        'rule = "next_meeting"\nmeetings = [2021-01-21]\np_no_consensus = 0.9',
    )
    s = scenario(text)
    out = run(s, 200, 6)
    never = out.decision_day < 0
    assert 150 < never.sum() < 200
    assert out.censored[never].all()
    u = stream(6, 0, "before_order").random((BLOCK_SIZE, 2))[:200, 0]
    assert np.array_equal(out.attacks[never], poisson_inv(u[never], np.full(never.sum(), 30.0)))


@pytest.mark.parametrize("rows", [BLOCK_SIZE, 37])
def test_slabs_drawn_into_buffers_are_the_same_numbers(rows):

    import drawdown
    from drawdown.draws import BlockDraws

    s = drawdown.load("doha-2021-05-01")
    A, N = sum(1 for b in s.bases if b.airfield), len(s.bases)
    days = BlockDraws(s, 5, 2, rows=rows).day_stream()
    fresh = [tuple(a.copy() for a in days.draw(k)) for k in range(4)]
    out = [np.empty((rows, w)) for w in (A, N, N, A)]
    days = BlockDraws(s, 5, 2, rows=rows).day_stream(out=out)
    into = [tuple(a.copy() for a in days.draw(k)) for k in range(4)]
    assert all(np.array_equal(x, y) for a, b in zip(fresh, into) for x, y in zip(a, b))
    assert fresh[0][1].shape == (rows, N) and not np.array_equal(fresh[0][1], fresh[1][1])
    # the block's streams, day-major: slab k of a row is its row of the k-th (B, width) draw
    attacks = stream(5, 2, "attacks").random((4, BLOCK_SIZE, N))[:, :rows]
    assert all(np.array_equal(fresh[k][1], attacks[k]) for k in range(4))
    with pytest.raises(ValueError, match=r"C-contiguous float64 of shapes \(rows, width\)"):
        BlockDraws(s, 5, 2, rows=rows).day_stream(out=[np.empty((rows, w + 1)) for w in (A, N, N, A)])


# -- whole-horizon streams drawn a window of days at a time ------------------------------------


def test_a_stream_drawn_in_day_windows_gives_the_numbers_of_one_call():
    whole = stream(3, 1, "violence").standard_normal((1000, 70))
    g = stream(3, 1, "violence")
    windows = [g.standard_normal((h, 70)) for h in (1, 333, 7, 659)]
    assert np.array_equal(np.concatenate(windows), whole)  # every bit


@pytest.mark.parametrize(
    "scenario, horizon",
    [
        ("doha-2021-05-01", 3000),  # next meeting, a deadline
        ("conditions-based", 2500),  # conditions rule, special meetings, no deadline: a rate per replication
        ("announced-2021-09-11", 800),  # fixed rule: no council draw, no index
        ("no-consensus", 1500),
    ],
)
@pytest.mark.parametrize("rows", [37, 50])
def test_state_free_by_day_windows_is_the_bits_of_the_whole_horizon(scenario, horizon, rows):
    import drawdown
    from drawdown.draws import BlockDraws, StateFree

    s = drawdown.load(scenario).replace({"horizon_days": horizon})
    whole = StateFree(s, [BlockDraws(s, 9, 4, rows=rows, block_size=50)])
    lazy = BlockDraws(s, 9, 4, rows=rows, block_size=50, whole_horizon=False)
    assert lazy.violence.shape == (0, rows)  # not drawn
    for cells in (50, 50 * 173, 10**7):  # a day at a time, windows that do not divide the horizon, one window
        by_days = StateFree.by_days(s, lazy, cells=cells)
        for k in ("met_day", "decision_day", "first_drawn_day", "attacks_before", "casualties_before", "rate"):
            a, b = getattr(whole, k), getattr(by_days, k)
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), k
    assert (whole.met_day >= 0).any() == (scenario == "conditions-based")  # the only one that reads the index


def test_met_days_by_windows_are_conditions_met_day():
    from drawdown.draws import MetDays, conditions_met_day
    from drawdown.scenario import Conditions

    rng = np.random.default_rng(1)
    V = rng.random((300, 40))
    for hold in (1, 3, 17, 300, 301):
        c = Conditions(initial=1.0, target=0.0, reversion=0.5, volatility=0.0, threshold=0.7, hold_days=hold)
        met = MetDays(c, 40)
        for lo in range(0, 300, 41):
            met.add(V[lo : lo + 41], lo)
        assert np.array_equal(met.met_day, conditions_met_day(c, V)), hold


# -- layout 3: what a scenario reads --------------------------------------------------------------


def test_the_council_draws_one_uniform_a_meeting_keyed_by_its_day():
    import drawdown
    from drawdown.draws import BlockDraws, meeting_stream

    s = drawdown.load("doha-2021-05-01")
    days = list(s.decision.meeting_days)
    d = BlockDraws(s, 4, 3, rows=20)
    for i, m in enumerate(days):
        assert np.array_equal(d.meeting_u[i], meeting_stream(4, 3, m).random(BLOCK_SIZE)[:20])
    # a meeting added before them moves none of their draws
    earlier = min(days) - 3
    more = s.replace({"decision.meetings": [s.date_of(x) for x in sorted([earlier, *days])]})
    e = BlockDraws(more, 4, 3, rows=20)
    assert e.meeting_days.tolist() == sorted([earlier, *days])
    for i, m in enumerate(days):
        assert np.array_equal(e.meeting_u[e.meeting_days.tolist().index(m)], d.meeting_u[i])
    assert d.council_of(5) == {m: float(d.meeting_u[i, 5]) for i, m in enumerate(days)}


def test_a_fixed_rule_draws_no_council_uniform():
    import drawdown
    from drawdown.draws import BlockDraws

    d = BlockDraws(drawdown.load("announced-2021-09-11"), 1, 0, rows=5)
    assert d.meeting_u.shape == (0, 5) and d.council_of(0) == {}


def test_the_violence_normals_are_drawn_only_where_the_index_is_read():
    import drawdown
    from drawdown.draws import BlockDraws, StateFree, reads_conditions

    for name, reads in [("doha-2021-05-01", False), ("conditions-based", True), ("base-force-2021-02", True)]:
        s = drawdown.load(name)
        assert reads_conditions(s) is reads, name
        d = BlockDraws(s, 2, 0, rows=30)
        assert d.violence.shape == ((s.horizon_days, 30) if reads else (0, 30)), name
        sf = StateFree(s, [d])
        assert bool((sf.met_day >= 0).any()) is reads, name  # no index, never met
    # without a deadline a violence coupling reads it; without the coupling nothing does
    nd = drawdown.load("conditions-based").replace({"decision.rule": "next_meeting"})
    assert reads_conditions(nd) == (nd.threat.violence_coupling > 0)
    assert not reads_conditions(nd.replace({"threat.violence_coupling": 0.0}))


def test_a_scenario_that_does_not_read_the_index_has_no_one_leaving_before_the_conditions():
    import drawdown
    from drawdown.batch import summarize

    s = drawdown.load("doha-2021-05-01")
    out = run_numpy(s, 300, seed=2)
    assert (out.met_day == -1).all() and not out.left_before_conditions.any()
    summary = summarize(s, 300, seed=2, block_size=100)
    assert summary.probability("left_before_conditions") is None
    assert summary.to_json_dict(s)["p_left_before_conditions"] is None


def _slab(draws_obj, k: int, rows=None):
    return tuple(a.copy() for a in draws_obj.draw(k, rows))


@pytest.mark.parametrize("rows", [BLOCK_SIZE, 37])
def test_a_rows_days_from_tail_from_on_come_from_its_own_generator(rows):
    import drawdown
    from drawdown.draws import TAIL_FROM, BlockDraws
    from drawdown.draws.layout import tail_stream

    s = drawdown.load("doha-2021-05-01")
    A, N = sum(1 for b in s.bases if b.airfield), len(s.bases)
    W = 2 * A + 2 * N
    d = BlockDraws(s, 8, 1, rows=rows)
    days = d.day_stream()
    for k in range(TAIL_FROM):
        days.draw(k)
    asked = np.array([0, 5, rows - 1])
    late = [_slab(days, TAIL_FROM + j, asked) for j in range(40)]  # past one buffer of tail slabs
    for r in asked.tolist():
        own = tail_stream(8, 1, r).random((40, W))  # row r's generator: W numbers a slab
        for j in range(40):
            joined = np.concatenate([a[r] for a in late[j]])
            assert np.array_equal(joined, own[j]), (r, j)
            assert all(np.array_equal(x, y) for x, y in zip(d.slabs().row(r, TAIL_FROM + j), (a[r] for a in late[j])))


def test_tail_draws_do_not_depend_on_which_rows_run_or_which_slabs_were_skipped():
    import drawdown
    from drawdown.draws import TAIL_FROM, BlockDraws

    s = drawdown.load("escalation")
    every = BlockDraws(s, 3, 0, rows=50).day_stream()
    some = BlockDraws(s, 3, 0, rows=50).day_stream()
    kept = {k: _slab(every, k) for k in range(TAIL_FROM + 70)}
    # the second stream skips head slabs no row reads, then asks for fewer rows as they finish
    for k in (0, 1, 90):
        assert all(np.array_equal(a, b) for a, b in zip(_slab(some, k), kept[k]))
    running = np.arange(50)
    for k in range(TAIL_FROM + 3, TAIL_FROM + 70, 3):
        running = running[running % 7 != k % 7] if k > TAIL_FROM + 30 else running
        got = _slab(some, k, running)
        assert all(np.array_equal(a[running], b[running]) for a, b in zip(got, kept[k])), k
    with pytest.raises(ValueError, match="in order"):
        some.draw(5)


def test_engines_agree_on_replications_that_run_past_the_tail(scenario):
    # Half the replications never get an order before day 150 and leave late: their
    # per-day draws run past TAIL_FROM; the rest leave early. Both engines read the same numbers.
    import drawdown
    from drawdown.draws import TAIL_FROM
    from drawdown.engines import run_simpy

    s = drawdown.load("escalation")
    a, b = run_numpy(s, 120, seed=11, block_size=40), run_simpy(s, 120, seed=11, block_size=40)
    long = (np.where(a.censored, s.horizon_days, a.final_exit_day) - np.maximum(a.decision_day, 0)) > TAIL_FROM
    assert long.any() and (~long).any()
    for k, v in a.arrays().items():
        assert np.array_equal(v, b.arrays()[k]), k
