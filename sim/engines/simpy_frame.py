"""The frame both SimPy engines run their replications in: the clock, blocks, rows, outcomes.

The v1 engine (:mod:`.simpy_engine`) and the network engine (:mod:`.network_simpy`)
simulate a replication differently, but run many of them alike: replication ``R`` is row
``R % block_size`` of block ``R // block_size`` (the draw layout's), each block's draws
are made once and shared by its rows, each replication is one SimPy environment that runs
until its day book closes or the horizon ends, and what each replication recorded is
gathered into one :class:`Outcomes` per block. That frame is written here once, with
the clock both engines keep: tenths of a day, day ``t`` beginning at ``10 * t``.

An engine gives the frame three things:

- ``make_theatre(env, plan, inputs, row, slabs, *, trace, record_daily, record_nations)``:
  the state of one replication, a :class:`ReplicationTheatre` whose totals, books and
  story the frame reads, with each contingent's ``ready_day`` and ``exit_day``;
- ``start_actors(env, theatre)``: starts the replication's processes and returns its day
  book (the process whose end is the replication's);
- optionally a :class:`MoreOutcomes`: the outcomes only that engine records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import simpy

from ..draws import BLOCK_SIZE, BlockInputs, DaySlabs, blocks_for, meeting_schedule
from .moments import Moment
from .outcomes import TONNES, TROOPS, Outcomes, finish_outcomes

__all__ = [
    "ReplicationTheatre",
    "MoreOutcomes",
    "simulate",
    "trace_events",
    "run_replications",
    "TICKS_PER_DAY",
    "at",
    "wait_until",
]

TICKS_PER_DAY = 10

#: Makes the state of one replication: ``(env, plan, inputs, row, slabs, *, trace,
#: record_daily, record_nations) -> theatre``.
MakeTheatre = Callable[..., Any]
#: Starts the processes of a replication and returns its day book.
StartActors = Callable[[simpy.Environment, Any], simpy.Process]


def at(day: int, moment: Moment) -> int:
    """Clock time of a moment of a day."""
    return TICKS_PER_DAY * day + moment


def wait_until(env: simpy.Environment, day: int, moment: Moment) -> simpy.Timeout:
    """An event that fires at ``moment`` of ``day``."""
    return env.timeout(TICKS_PER_DAY * day + moment - env.now)


class ReplicationTheatre:
    """What the state of every SimPy replication holds, in either engine: the row's draws,
    the order, the running totals and per-day books the outcomes are made of, the story.

    Each engine's ``Theatre`` adds its own force and its ways; the council and conditions
    processes of :mod:`.simpy_engine` read only what is here.

    Parameters
    ----------
    env : simpy.Environment
    plan : OperationPlan or NetworkPlan
        The scenario's shared facts (``scenario``, ``horizon``, ``liftable_t``,
        ``nation_troops``, ``nation_liftable_t``).
    inputs : BlockInputs
        The block's draws and state-free quantities.
    row : int
        The replication's row in the block.
    slabs : DaySlabs
        The block's per-day draws; slab ``k`` serves day ``first_drawn_day + k``.
    trace, record_daily, record_nations : bool, optional
        Tell the story (``events``, else None); keep troops in country and tonnes lifted
        at the end of each day; keep them per nation too.
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: Any,
        inputs: BlockInputs,
        row: int,
        slabs: DaySlabs,
        *,
        trace: bool = False,
        record_daily: bool = False,
        record_nations: bool = False,
    ) -> None:
        s = plan.scenario
        self.env, self.plan, self.s, self.row, self.slabs = env, plan, s, row, slabs
        self.horizon = H = plan.horizon
        draws = inputs.draws
        self.national_delay_days: list[int] = draws.national_delay_days[row].tolist()
        self.prep_days: list[int] = draws.prep_days[row].tolist()
        self.met_day = int(inputs.met_day[row])
        # The council's uniform by meeting day: its scheduled meetings and its special one.
        special = int(meeting_schedule(s.decision, np.array([self.met_day]), H)[1][0])
        self.council_u: dict[int, float] = draws.council_of(row, special)
        self.violence = inputs.violence[:, row]
        self.rates: list[float] = inputs.rate_of(row).tolist()
        # Where the per-day draws start: the draw layout's (drawdown.draws.first_drawn_days).
        self.first_drawn_day = int(inputs.first_drawn_day[row])
        self.attacks_before = int(inputs.attacks_before[row])
        self.casualties_before = int(inputs.casualties_before[row])
        self.members_in_country = [len(m) for m in s.enablers.members]
        self.dependents_in_country = [len(d) for d in s.enablers.dependents]
        self.emptied: list[Any] = []  # contingents whose last soldiers left today
        self.order = env.event()
        self.decision_day = -1  # given by the council
        self.lifted_t = 0
        self.attacks = 0
        self.casualties = 0
        self.troop_days_past_deadline = 0
        self.troops_at_deadline = 0
        self.troops_in_country = np.zeros(H, dtype=TROOPS) if record_daily else None
        self.lifted_by_day = np.full(H, plan.liftable_t, dtype=TONNES) if record_daily else None
        # After the book closes (all out) every nation is out with all its tonnes.
        N = len(plan.nation_troops)
        self.nation_troops = np.zeros((H, N), dtype=TROOPS) if record_nations else None
        self.nation_out_t = (
            np.repeat(np.array([plan.nation_liftable_t], dtype=TONNES), H, axis=0) if record_nations else None
        )
        self.events: list[dict] | None = [] if trace else None

    def log(self, kind: str, text: str, **data: Any) -> None:
        """Add an event to the story. Callers ask only when it is told (``events`` is a
        list), so that no text is built otherwise."""
        if self.events is not None:
            day = self.today
            self.events.append(
                {"day": int(day), "date": self.s.date_of(day).isoformat(), "kind": kind, "text": text, **data}
            )

    def date(self, day: int) -> str:
        """The ISO date of a day."""
        return self.s.date_of(day).isoformat()

    @property
    def today(self) -> int:
        """The day the clock is in."""
        return int(self.env.now // TICKS_PER_DAY)

    def day_draws(self, day: int) -> tuple:
        """The replication's per-day draws of ``day``: v1's ``(closed, attacks, casualties,
        hits)``, then on a network the sites' four (1-D arrays, one value a column)."""
        k = day - self.first_drawn_day
        if k < 0:  # the layout draws nothing before the first drawn day (docs/design.md §2)
            raise RuntimeError(f"day {day} is before the first drawn day {self.first_drawn_day}")
        return self.slabs.row(self.row, k)

    def give_order(self, day: int, text: str) -> None:
        """The council's withdrawal order, given on ``day``."""
        self.decision_day = day
        if self.events is not None:
            self.log("decision", text, decision_day=day)
        self.order.succeed(day)


class MoreOutcomes(NamedTuple):
    """The per-replication outcomes an engine records beyond v1's.

    Attributes
    ----------
    arrays : callable
        ``arrays(rows)``: a dict of the block's arrays, by :class:`Outcomes` name.
    keep : callable
        ``keep(arrays, row, theatre)``: one replication's values, into row ``row``.
    """

    arrays: Callable[[int], dict[str, np.ndarray]]
    keep: Callable[[dict[str, np.ndarray], int, Any], None]


def simulate(
    make_theatre: MakeTheatre,
    start_actors: StartActors,
    plan: Any,
    inputs: BlockInputs,
    row: int,
    slabs: DaySlabs,
    *,
    trace: bool = False,
    record_daily: bool = False,
    record_nations: bool = False,
) -> Any:
    """Run one replication (row ``row`` of a block) and return its final state.

    It runs until the day book closes (everyone out) or the horizon's last day ends."""
    env = simpy.Environment()
    theatre = make_theatre(
        env, plan, inputs, row, slabs, trace=trace, record_daily=record_daily, record_nations=record_nations
    )
    book = start_actors(env, theatre)
    env.run(until=simpy.AnyOf(env, [book, env.timeout(at(plan.horizon, Moment.DAWN))]))
    return theatre


def trace_events(
    make_theatre: MakeTheatre, start_actors: StartActors, plan: Any, seed: int, replication: int
) -> list[dict]:
    """The story of replication ``replication`` of a run with ``seed``, as the run would
    simulate it: row ``replication % BLOCK_SIZE`` of block ``replication // BLOCK_SIZE``,
    of which only the first rows are drawn."""
    replication = int(replication)
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    block, row = divmod(replication, BLOCK_SIZE)
    inputs = BlockInputs(plan.scenario, seed, block, rows=row + 1)
    theatre = simulate(make_theatre, start_actors, plan, inputs, row, inputs.draws.slabs(), trace=True)
    return theatre.events if theatre.events is not None else []


def run_replications(
    make_theatre: MakeTheatre,
    start_actors: StartActors,
    plan: Any,
    reps: int,
    seed: int,
    *,
    first_block: int = 0,
    record_daily: bool = False,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[int], Any] | None = None,
    record_nations: bool = False,
    more: MoreOutcomes | None = None,
) -> Outcomes:
    """Run ``reps`` replications, the first ``reps`` rows of blocks ``first_block, ...``;
    parameters as :func:`drawdown.engines.simpy_engine.run_simpy`."""
    parts = []
    for block, rows in blocks_for(reps, block_size):
        inputs = BlockInputs(plan.scenario, seed, first_block + block, rows=rows, block_size=block_size)
        book = _BlockBook(plan, rows, record_daily, record_nations, more)
        slabs = inputs.draws.slabs()
        for r in range(rows):
            theatre = simulate(
                make_theatre,
                start_actors,
                plan,
                inputs,
                r,
                slabs,
                record_daily=record_daily,
                record_nations=record_nations,
            )
            book.keep(r, theatre)
            if progress is not None:
                progress(1)
        parts.append(book.outcomes(inputs))
    return Outcomes.concatenate(parts)


class _BlockBook:
    """The outcomes of a block's replications, row by row, as they are run."""

    def __init__(
        self, plan: Any, rows: int, record_daily: bool, record_nations: bool, more: MoreOutcomes | None
    ) -> None:
        self.scenario = s = plan.scenario
        C, H, N = len(s.contingents), s.horizon_days, len(plan.nation_troops)
        self.decision = np.full(rows, -1, dtype=np.int32)
        self.ready = np.full((rows, C), -1, dtype=np.int32)
        self.exits = np.full((rows, C), -1, dtype=np.int32)
        self.counts = np.zeros((4, rows), dtype=np.int64)  # attacks, casualties, past deadline, at deadline
        self.troops = np.zeros((rows, H), dtype=TROOPS) if record_daily else None
        self.lifted = np.zeros((rows, H), dtype=TONNES) if record_daily else None
        self.nation_troops = np.zeros((rows, H, N), dtype=TROOPS) if record_nations else None
        self.nation_out_t = np.zeros((rows, H, N), dtype=TONNES) if record_nations else None
        self.more = more
        self.more_arrays = more.arrays(rows) if more is not None else {}

    def keep(self, r: int, th: Any) -> None:
        """Replication ``th``'s outcomes, into row ``r``."""
        self.decision[r] = th.decision_day  # the SimPy council's, not the shared code's
        self.ready[r] = th.ready_day
        self.exits[r] = th.exit_day
        self.counts[:, r] = th.attacks, th.casualties, th.troop_days_past_deadline, th.troops_at_deadline
        if self.troops is not None and self.lifted is not None:
            self.troops[r] = th.troops_in_country
            self.lifted[r] = th.lifted_by_day
        if self.nation_troops is not None and self.nation_out_t is not None:
            self.nation_troops[r] = th.nation_troops
            self.nation_out_t[r] = th.nation_out_t
        if self.more is not None:
            self.more.keep(self.more_arrays, r, th)

    def outcomes(self, inputs: BlockInputs) -> Outcomes:
        """The block's outcomes, once every row is kept."""
        return finish_outcomes(
            self.scenario,
            decision_day=self.decision,
            met_day=inputs.met_day,
            ready_day=self.ready,
            exit_day=self.exits,
            attacks=self.counts[0],
            casualties=self.counts[1],
            troop_days_past_deadline=self.counts[2],
            troops_at_deadline=self.counts[3],
            troops_in_country=self.troops,
            retrograde_lifted_t=self.lifted,
            nation_troops=self.nation_troops,
            nation_out_t=self.nation_out_t,
            killed_draw=inputs.killed_draw,
            **self.more_arrays,
        )
