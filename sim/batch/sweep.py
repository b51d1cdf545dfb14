"""Parameter sweeps: many variants of a scenario, one summary each (docs/design.md §6).

A sweep spec is a TOML file::

    base = "doha-2021-05-01"     # a shipped scenario, or a path relative to the spec
    seed = 1                     # shared by every point: common random numbers; a whole
                                 # number, or its decimal digits as a string (TOML integers
                                 # stop at 2**63-1, a 128-bit seed needs "3223...342")
    replications = 2000          # per point
    design = "grid"              # "grid", "lhs", "sobol", "nolh", "factorial", "saltelli" or "morris"
    # points = 16                # lhs and sobol: how many points; saltelli: base samples;
                                 # morris: trajectories
    # engine = "numpy"           # or "simpy"
    # block_size = 1000          # replications per block (part of the draw layout)

    [factors.deadline]           # a key path into the scenario
    values = [2021-05-01, 2021-09-11]

    [factors.'threat.attack_rate_after']   # quote key paths that have dots
    low = 0.1
    high = 0.5
    # steps = 5                  # grid: evenly spaced values from low to high

A factor gives ``values`` (a list) or a range ``low``/``high`` (numbers or dates). Its
kind comes from the scenario schema: an integer key takes whole numbers, a date key
ISO dates (TOML dates or strings), a number key any number.

Designs:

* ``grid``: every combination of the factors' values, the first factor varying
  slowest; a range needs ``steps`` (``low``, ..., ``high`` evenly spaced);
* ``lhs``: ``points`` points of a Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`);
* ``sobol``: ``points`` points of a scrambled Sobol' sequence (:class:`scipy.stats.qmc.Sobol`;
  powers of 2 keep its balance properties);
* ``saltelli``: Saltelli's design for Sobol' indices: ``points`` (a power of 2) base
  samples of a scrambled Sobol' sequence in ``2k`` dimensions give ``points (k + 2)``
  points (:func:`saltelli_matrix`), which ``drawdown analyze`` reads back;
* ``morris``: Morris' one-at-a-time screening design: ``points`` trajectories of ``k + 1``
  points each on a grid of :data:`~drawdown.batch.morris.MORRIS_LEVELS` (4) levels per
  factor, each step moving one factor two levels (:mod:`drawdown.batch.morris`; level
  ``j`` of 4 is :meth:`Factor.level`), ``points (k + 1)`` points, which ``drawdown
  analyze`` reads back as elementary effects;
* ``factorial``: the two-level full factorial (``low`` and ``high``, or two ``values``),
  ``2**k`` points, or with ``fraction = p`` the ``2**(k - p)`` fractional factorial of
  the highest resolution (:mod:`drawdown.batch.factorial`);
* ``nolh``: a nearly orthogonal Latin hypercube (:func:`drawdown.batch.nolh.nolh`): 17,
  33, 65, 129 or 257 points for up to 7, 11, 16, 22 or 29 factors, no two factors
  correlated by 0.03 or more; level ``j`` of ``n`` is :meth:`Factor.level` (both ends of
  a range taken). It draws no random numbers.

For ``lhs`` and ``sobol`` a point's coordinate ``u`` in [0, 1) gives ``low + u (high -
low)`` for a number, ``low + floor(u (high - low + 1))`` for an integer or a date (in
days), and ``values[floor(u len(values))]`` for a list. The design's random numbers come
from a stream of their own, ``SeedSequence(seed, spawn_key=(SWEEP_DESIGN_STREAM,))``
(:data:`SWEEP_DESIGN_STREAM` = ``0x73776570``, "swep"): a one-word spawn key, which no
replication stream uses (theirs are ``(block, stream)``), so the design does not take
draws from any replication, and the same spec always gives the same points (for the same
scipy version, which the manifest records).

Every point is the base scenario with the factors' values (:meth:`Scenario.replace`),
validated before anything runs: invalid points are reported together, each by its
factor values, and nothing runs. Every point runs with the spec's seed, so two points
differ by their scenario, not by their luck (common random numbers).

A sweep directory (``drawdown sweep SPEC --out DIR``)::

    DIR/manifest.json        spec (as read, and its text), spec hash, seed, versions,
                             the points planned (factor values, scenario hash) and done
    DIR/points/NNNN.json     the summary JSON of point NNNN (as ``drawdown run --json``,
                             with ``point`` and ``factors``)
    DIR/points/NNNN.npz      its summary (checksummed); the point is done once it is there
    DIR/results.csv          one row per point: factor values, then key outcomes with
                             their standard errors (:data:`RESULT_COLUMNS`)

Resume (``--resume``) and shards (``--shard I/N``, points ``floor((I-1) P / N) ..
floor(I P / N) - 1``) work by point, as for runs (:mod:`drawdown.batch.rundir`).

The manifest, shard records and point files write the seed as its decimal digits, a
string (:func:`drawdown.draws.seed_text`), and read it back from either form
(:func:`drawdown.draws.read_seed`: older manifests hold a number). The spec hash is of
the seed's value, so a spec that gives ``seed = 7`` or ``seed = "7"``, and a sweep
directory of an older version, are the same sweep.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import itertools
import json
import math
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..defaults import MAX_SWEEP_POINTS
from ..draws import BLOCK_SIZE, LAYOUT_VERSION, blocks_for, read_seed, seed_text
from ..errors import DrawdownError, Problem, ResultError, ScenarioError
from ..results import DirectoryLock, Summary, atomic_write, environment
from ..scenario import (
    Scenario,
    format_key,
    key_at,
    key_kind,
    load,
    parse_key,
    scenario_dir,
    to_date,
)
from ..scenario.sources import find_referenced, parse_toml, read_text_file
from .executors import Executor, InProcess, Unit
from .factorial import factorial, factorial_generators, resolution
from .fold import check_reps
from .morris import MORRIS_LEVELS, morris_levels
from .nolh import NOLH_SIZES, nolh
from .rundir import (
    LEFTOVER_FOLDERS,
    MANIFEST,
    SHARDS_DIR,
    Shard,
    check_environment,
    check_out_dir,
    claim_merge_dir,
    claim_out_dir,
    clean_temporaries,
    environment_mismatch,
    file_sha256,
    read_record,
    read_shard_records,
    write_record,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "SWEEP_DESIGN_STREAM",
    "DESIGNS",
    "RESULT_COLUMNS",
    "Factor",
    "SweepSpec",
    "SweepPoint",
    "load_spec",
    "parse_spec",
    "design_points",
    "morris_design",
    "saltelli_matrix",
    "plan_points",
    "SweepBatch",
    "SweepResult",
    "run_sweep",
    "merge_sweep",
    "read_results",
    "results_table",
    "find_spec",
    "shipped_specs",
]

#: Spawn key word of the design's own random stream (ASCII "swep").
SWEEP_DESIGN_STREAM = 0x73776570
DESIGNS = ("grid", "lhs", "sobol", "nolh", "factorial", "saltelli", "morris")
POINTS_DIR = "points"
RESULTS_CSV = "results.csv"
_SWEEP = "drawdown-sweep"
_FORMAT_VERSION = 1
_SPEC_KEYS = {
    "base",
    "seed",
    "replications",
    "design",
    "points",
    "fraction",
    "engine",
    "block_size",
    "description",
    "factors",
}
_FACTOR_KEYS = {"values", "low", "high", "steps"}

#: Where a spec's problems go: ``bad(key, message)``.
_Bad = Callable[[str, str], None]
#: A path, as the functions here take it.
StrPath = str | os.PathLike[str]
#: Called with the replications finished since the last call.
Progress = Callable[[int], None]

#: Columns of ``results.csv`` after ``point`` and the factors.
RESULT_COLUMNS = (
    "scenario_hash",
    "replications",
    "p_met_deadline",
    "p_met_deadline_se",
    "p_out_by_horizon",
    "p_out_by_horizon_se",
    "final_exit_p50",
    "final_exit_day_p50",
    "casualties_mean",
    "casualties_se",
    "troop_days_past_deadline_mean",
    "troop_days_past_deadline_se",
    "troops_at_deadline_mean",
    "troops_at_deadline_se",
    "censored_fraction",
)


# -- the spec ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """One factor of a sweep: a key path and its values or range.

    Attributes
    ----------
    key : str
        The key path into the scenario (``threat.attack_rate_after``).
    kind : str
        ``"int"``, ``"number"``, ``"date"`` (from the scenario schema) or ``"other"``
        (values only, passed as they are).
    values : tuple, optional
        The factor's values; or else a range:
    low, high : int, float or datetime.date, optional
    steps : int, optional
        Grid designs: how many evenly spaced values from ``low`` to ``high``.

    Examples
    --------
    >>> import drawdown.batch
    >>> f = drawdown.batch.Factor("threat.attack_rate_after", "number", low=0.1, high=0.3, steps=3)
    >>> f.grid_values(), f.at(0.5)
    ([0.1, 0.2, 0.3], 0.2)
    """

    key: str
    kind: str
    values: tuple[Any, ...] | None = None
    low: Any = None
    high: Any = None
    steps: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The factor as plain data (dates as ISO strings), as the spec hash and manifest take it.

        Examples
        --------
        >>> import datetime, drawdown.batch
        >>> drawdown.batch.Factor("deadline", "date", values=(datetime.date(2021, 5, 1),)).to_json()
        {'key': 'deadline', 'kind': 'date', 'values': ['2021-05-01']}
        """
        out: dict[str, Any] = {"key": self.key, "kind": self.kind}
        if self.values is not None:
            out["values"] = [_json_value(v) for v in self.values]
        else:
            out["low"], out["high"] = _json_value(self.low), _json_value(self.high)
            if self.steps is not None:
                out["steps"] = self.steps
        return out

    def grid_values(self) -> list[Any]:
        """The factor's values in a grid: its ``values``, or ``steps`` values evenly
        spaced from ``low`` to ``high`` (whole numbers and days rounded half up).

        Examples
        --------
        >>> import drawdown.batch
        >>> drawdown.batch.Factor("decision.special_meeting_delay_days", "int", low=7, high=20, steps=3).grid_values()
        [7, 14, 20]
        """
        if self.values is not None:
            return list(self.values)
        n = self.steps
        if n is None:
            raise ValueError(f"{self.key}: a range in a grid needs steps")
        if n == 1:
            return [self.low]
        return [self._grid_value(j, n) for j in range(n)]

    def level(self, j: int, n: int) -> Any:
        """The factor's value at level ``j`` of ``n`` (a NOLH design's levels).

        For a range, ``n`` values evenly spaced from ``low`` to ``high`` (both taken;
        whole numbers and days rounded half up); for ``values``, value
        ``floor(j len(values) / n)``, each taken by as many levels as the others, give or take one.

        Examples
        --------
        >>> import drawdown.batch
        >>> f = drawdown.batch.Factor("threat.attack_rate_after", "number", low=1.0, high=2.0)
        >>> [f.level(j, 5) for j in range(5)]
        [1.0, 1.25, 1.5, 1.75, 2.0]
        >>> g = drawdown.batch.Factor("decision.rule", "other", values=("fixed", "next_meeting"))
        >>> [g.level(j, 5) for j in range(5)]
        ['fixed', 'fixed', 'fixed', 'next_meeting', 'next_meeting']
        """
        if not 0 <= j < n:
            raise ValueError(f"level {j} is not one of 0 .. {n - 1}")
        if self.values is not None:
            return self.values[j * len(self.values) // n]
        return self.low if n == 1 else self._grid_value(j, n)

    def _grid_value(self, j: int, n: int) -> Any:
        """Value ``j`` of ``n`` evenly spaced from ``low`` to ``high``."""
        if self.kind == "date":
            span = (self.high - self.low).days
            days = (Decimal(span) * j / (n - 1)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            return self.low + _dt.timedelta(days=int(days))
        lo, hi = Decimal(repr(self.low)), Decimal(repr(self.high))
        x = lo + (hi - lo) * j / (n - 1)
        return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP)) if self.kind == "int" else float(x)

    def at(self, u: float) -> Any:
        """The factor's value at coordinate ``u`` in [0, 1) of a design point.

        Examples
        --------
        >>> import drawdown.batch
        >>> f = drawdown.batch.Factor("decision.special_meeting_delay_days", "int", low=7, high=9)
        >>> [f.at(u) for u in (0.0, 0.5, 0.99)]
        [7, 8, 9]
        """
        if self.values is not None:
            return self.values[min(int(math.floor(u * len(self.values))), len(self.values) - 1)]
        if self.kind == "date":
            span = (self.high - self.low).days
            return self.low + _dt.timedelta(days=min(int(math.floor(u * (span + 1))), span))
        if self.kind == "int":
            span = self.high - self.low
            return self.low + min(int(math.floor(u * (span + 1))), span)
        return float(self.low) + u * (float(self.high) - float(self.low))


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep spec (see the module documentation and :func:`parse_spec`).

    Attributes
    ----------
    file : str
        The spec file (a relative ``base`` is found from its folder).
    base : str
        The base scenario: a shipped scenario's name or a path.
    seed, replications : int
        Of every point.
    design : str
        One of :data:`DESIGNS`.
    points : int or None
        Points of an lhs or sobol design, base samples of a saltelli one, trajectories of a
        morris one (None for the others).
    engine : str
    fraction : int or None
        A factorial design's fraction ``p`` (``2**(k - p)`` points; 0: the full
        factorial); None for the other designs.
    block_size : int
    factors : tuple of Factor
    description : str
    text : str
        The spec's text, as read (recorded in the manifest).
    """

    file: str
    base: str
    seed: int
    replications: int
    design: str
    points: int | None
    engine: str
    block_size: int
    factors: tuple[Factor, ...]
    description: str = ""
    text: str = field(default="", repr=False, compare=False)
    fraction: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The spec as plain data (what the spec hash is of)."""
        return {
            "base": self.base,
            "seed": seed_text(self.seed),
            "replications": self.replications,
            "design": self.design,
            "points": self.points,
            "engine": self.engine,
            "block_size": self.block_size,
            "factors": [f.to_json() for f in self.factors],
            # only where there is one: the hashes of specs of the other designs stay as they were
            **({"fraction": self.fraction} if self.fraction is not None else {}),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], *, file: str, text: str = "") -> SweepSpec:
        """The spec :meth:`to_json` gave (as a manifest records it).

        Examples
        --------
        >>> import drawdown.batch
        >>> spec = drawdown.batch.load_spec("deadline-and-threat")
        >>> drawdown.batch.SweepSpec.from_json(spec.to_json(), file=spec.file).hash == spec.hash
        True
        """
        factors = tuple(_factor_from_json(f) for f in d["factors"])
        try:
            seed = read_seed(d["seed"], f"{file}: spec.seed")
        except ValueError as e:
            raise ResultError(str(e)) from e
        return cls(
            file=file,
            base=d["base"],
            seed=seed,
            replications=d["replications"],
            design=d["design"],
            points=d["points"],
            engine=d["engine"],
            block_size=d["block_size"],
            factors=factors,
            text=text,
            fraction=d.get("fraction"),
        )

    @property
    def hash(self) -> str:
        """sha256 of :meth:`to_json` (comments and layout of the file do not count), with the
        seed as a number: the hash of a spec is the one older versions recorded, whether
        the seed is written as a number or as a string."""
        text = json.dumps({**self.to_json(), "seed": int(self.seed)}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def base_dir(self) -> Path:
        """The folder of the spec file, where a relative ``base`` is looked for."""
        return Path(self.file).resolve().parent


def _factor_from_json(f: dict[str, Any]) -> Factor:
    """The factor :meth:`Factor.to_json` gave (dates back from ISO strings)."""

    def conv(v: Any) -> Any:
        if f["kind"] == "date" and isinstance(v, str) and v.lower() != "none":
            return _dt.date.fromisoformat(v)
        return v

    if "values" in f:
        return Factor(f["key"], f["kind"], values=tuple(conv(v) for v in f["values"]))
    return Factor(f["key"], f["kind"], low=conv(f["low"]), high=conv(f["high"]), steps=f.get("steps"))


def _json_value(v: Any) -> Any:
    """A factor value as plain JSON data (dates as ISO strings)."""
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    return v


def find_spec(name_or_path: StrPath) -> Path:
    """A spec file: a path, or the name of a shipped spec (``deadline-and-threat``).

    Parameters
    ----------
    name_or_path : str or Path
        A path (anything ending in ``.toml`` or holding a slash is one), or a shipped
        spec's name.

    Returns
    -------
    Path
        The file (which may not exist: :func:`load_spec` says so).

    Examples
    --------
    >>> import drawdown.batch
    >>> drawdown.batch.find_spec("deadline-and-threat").name
    'deadline-and-threat.toml'
    """
    text = str(name_or_path)
    try:
        p = Path(text).expanduser()
    except RuntimeError:  # ~user of no such user: the path as it is (load_spec says it is missing)
        p = Path(text)
    if os.path.isfile(p) or text.endswith(".toml") or "/" in text or "\\" in text:
        return p
    shipped = scenario_dir() / "sweeps" / f"{text}.toml"
    return shipped if shipped.is_file() else p


def shipped_specs() -> list[str]:
    """Names of the shipped sweep specs.

    Examples
    --------
    >>> import drawdown.batch
    >>> "deadline-and-threat" in drawdown.batch.shipped_specs()
    True
    """
    return sorted(p.stem for p in (scenario_dir() / "sweeps").glob("*.toml"))


def load_spec(path: StrPath) -> SweepSpec:
    """Read and check a sweep spec file (a path, or a shipped spec's name).

    Parameters
    ----------
    path : str or Path
        As :func:`find_spec` takes it.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError
        Listing every problem, each naming the file and the key.

    Examples
    --------
    >>> import drawdown.batch
    >>> spec = drawdown.batch.load_spec("deadline-and-threat")
    >>> spec.design, [f.key for f in spec.factors]
    ('grid', ['deadline', 'threat.attack_rate_after'])
    """
    path = find_spec(path)
    if not os.path.lexists(path):  # False too for a name the system refuses (too long, a NUL)
        message = f"no such sweep spec file (shipped specs: {', '.join(shipped_specs())})"
        raise ScenarioError([Problem(str(path), "", message)])
    return parse_spec(read_text_file(path, "sweep spec"), file=str(path))


def parse_spec(text: str, *, file: str = "<sweep>") -> SweepSpec:
    """Parse the text of a sweep spec (see :func:`load_spec`).

    Parameters
    ----------
    text : str
        The TOML text of the spec.
    file : str, optional
        The file it came from: problems name it, and a relative ``base`` is found from it.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError
        Listing every problem, each naming the file and the key.

    Examples
    --------
    >>> import drawdown
    >>> spec = drawdown.batch.parse_spec('''
    ... base = "doha-2021-05-01"
    ... seed = 1
    ... replications = 100
    ... design = "lhs"
    ... points = 4
    ... [factors.'threat.attack_rate_after']
    ... low = 0.1
    ... high = 0.5
    ... [factors."decision.special_meeting_delay_days"]
    ... low = 7
    ... high = 21
    ... ''')
    >>> [(f.key, f.kind) for f in spec.factors]
    [('threat.attack_rate_after', 'number'), ('decision.special_meeting_delay_days', 'int')]
    """
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(file, key, message))

    raw = _read_toml(text, file)
    for k in sorted(set(raw) - _SPEC_KEYS):
        bad(k, f"unknown key; a sweep spec has {', '.join(sorted(_SPEC_KEYS))}")
    settings = _spec_settings(raw, bad)
    factors = _spec_factors(raw.get("factors"), settings["design"], bad)
    if settings["design"] == "factorial" and factors:
        _check_factorial(factors, settings["fraction"], bad)
    if problems:
        raise ScenarioError(problems)
    return SweepSpec(file=file, factors=tuple(factors), text=text, **settings)


def _check_factorial(factors: list[Factor], fraction: int | None, bad: _Bad) -> None:
    """A factorial design's factors have two levels, and its fraction leaves a design."""
    for f in factors:
        if f.values is not None and len(f.values) != 2:
            bad(
                f"factors.{_toml_key(f.key)}.values",
                f"a factorial design takes each factor at two levels: give two values, not {len(f.values)}",
            )
    if fraction is not None:
        try:
            factorial_generators(len(factors), fraction)
        except ValueError as e:
            bad("fraction", str(e))


def _read_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML table of a spec, or a :class:`ScenarioError` naming the file (too deep a nesting too)."""
    return parse_toml(text.removeprefix("\ufeff"), file, prefix="not valid TOML")


def _need(raw: dict[str, Any], key: str, types: type | tuple[type, ...], what: str, bad: _Bad) -> Any:
    """``raw[key]`` if it is there and of ``types`` (not a bool); None after reporting a problem."""
    if key not in raw:
        bad(key, f"missing: expected {what}")
        return None
    v = raw[key]
    if isinstance(v, bool) or not isinstance(v, types):
        bad(key, f"expected {what}, found {v!r}")
        return None
    return v


def _need_whole(raw: dict[str, Any], key: str, least: int, what: str, bad: _Bad) -> int | None:
    """A whole number at ``key``, at least ``least`` (reported otherwise)."""
    v = _need(raw, key, int, what, bad)
    if v is not None and v < least:
        bad(key, f"expected a whole number >= {least}, found {v}")
    return v


def _spec_seed(raw: dict[str, Any], bad: _Bad) -> int | None:
    """The spec's seed: a whole number in 0..2**128-1, or its decimal digits as a string."""
    what = 'a whole number in 0..2**128-1, or its decimal digits as a string ("3223...342" for a 128-bit seed)'
    if "seed" not in raw:
        bad("seed", f"missing: expected {what}")
        return None
    try:
        return read_seed(raw["seed"])
    except ValueError:
        bad("seed", f"expected {what}, found {raw['seed']!r}")
        return None


def _spec_settings(raw: dict[str, Any], bad: _Bad) -> dict[str, Any]:
    """Every field of :class:`SweepSpec` but its factors, file and text, checked in the spec's order."""
    base = _need(raw, "base", str, "a scenario name or path", bad)
    seed = _spec_seed(raw, bad)
    reps = _need_whole(raw, "replications", 1, "a whole number >= 1 (replications per point)", bad)
    design = _need(raw, "design", str, f"one of {', '.join(DESIGNS)}", bad)
    if design is not None and design not in DESIGNS:
        bad("design", f"expected one of {', '.join(repr(d) for d in DESIGNS)}, found {design!r}")
    points = _spec_points(raw, design, bad)
    fraction = _spec_fraction(raw, design, bad)
    engine = raw.get("engine", "numpy")
    if engine not in ("numpy", "simpy"):
        bad("engine", f"expected 'numpy' or 'simpy', found {engine!r}")
    block_size = raw.get("block_size", BLOCK_SIZE)
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        bad("block_size", f"expected a whole number >= 1, found {block_size!r}")
    return {
        "base": base,
        "seed": seed,
        "replications": reps,
        "design": design,
        "points": points,
        "fraction": fraction,
        "engine": engine,
        "block_size": block_size,
        "description": _description(raw, bad),
    }


def _spec_fraction(raw: dict[str, Any], design: str | None, bad: _Bad) -> int | None:
    """``fraction``: a factorial design's ``p`` (0 when not given), refused by the other designs."""
    if design != "factorial":
        if "fraction" in raw:
            bad("fraction", f"fraction is for a factorial design, not {design}")
        return None
    if "fraction" not in raw:
        return 0
    v = _need_whole(raw, "fraction", 0, "a whole number >= 0 (2**(factors - fraction) points)", bad)
    return v if v is not None and v >= 0 else None


def _description(raw: dict[str, Any], bad: _Bad) -> str:
    """The spec's ``description``: a string (empty when not given)."""
    description = raw.get("description", "")
    if not isinstance(description, str):
        bad("description", f"expected a string, found {description!r}")
        return ""
    return description


def _spec_points(raw: dict[str, Any], design: str | None, bad: _Bad) -> Any:
    """``points``: required by the lhs, sobol, saltelli and morris designs, refused by the others."""
    if design == "morris":
        return _need_whole(raw, "points", 2, "a whole number >= 2 (the trajectories of the morris design)", bad)
    if design == "saltelli":
        n = _need_whole(raw, "points", 2, "a power of 2 >= 2 (the base samples of the saltelli design)", bad)
        if n is not None and n >= 2 and n & (n - 1):
            bad("points", f"expected a power of 2 (Saltelli's estimators need one), found {n}")
        return n
    if design in ("lhs", "sobol"):
        n = _need_whole(raw, "points", 1, f"a whole number >= 1 (points of the {design} design)", bad)
        if n is not None and n > MAX_SWEEP_POINTS:
            bad("points", f"{n} points are more than a sweep can hold: expected at most {MAX_SWEEP_POINTS}")
        return n
    if "points" in raw and design == "grid":
        bad("points", "a grid has one point per combination of the factors' values: give no points")
        return None
    if "points" in raw and design == "factorial":
        bad("points", "a factorial design has 2**(factors - fraction) points: give no points")
        return None
    if "points" in raw and design == "nolh":
        sizes = ", ".join(str(runs) for _, runs, _ in NOLH_SIZES)
        bad("points", f"a nolh design has {sizes} points, by its number of factors: give no points")
        return None
    return raw.get("points")


def _spec_factors(table: object, design: str | None, bad: _Bad) -> list[Factor]:
    """The factors of ``[factors.KEY]`` tables, in the spec's order; a key path given twice is reported."""
    if not isinstance(table, dict) or not table:
        bad("factors", "expected at least one factor: [factors.KEY] with values = [...] or low/high")
        table = {}
    factors = []
    for name, body in table.items():
        f = _spec_factor(name, body, design, bad)
        if f is not None:
            factors.append(f)
    keys = [f.key for f in factors]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        bad(f"factors.{_toml_key(k)}", "the same key path is given twice")
    most = NOLH_SIZES[-1][2]
    if design == "nolh" and len(table) > most:
        bad("factors", f"{len(table)} factors: a nolh design has at most {most}; use lhs or sobol")
    return factors


def _spec_factor(name: str, body: object, design: str | None, bad: _Bad) -> Factor | None:
    """The factor of ``[factors.NAME]``, or None after reporting what is wrong with it."""
    where = f"factors.{_toml_key(name)}"
    try:
        path = parse_key(name)
    except ValueError as e:
        bad(where, str(e))
        return None
    found = key_at(path)
    if isinstance(found, str):  # a key path the schema does not have: named, with a suggestion
        bad(where, found)
        return None
    if not isinstance(body, dict):
        bad(where, "expected a table with values = [...] or low = ..., high = ...")
        return None
    for k in sorted(set(body) - _FACTOR_KEYS):
        bad(f"{where}.{k}", f"unknown key; a factor has {', '.join(sorted(_FACTOR_KEYS))}")
    return _factor(format_key(path), key_kind(path), body, design, where, bad)


def _toml_key(name: str) -> str:
    """A key path as a TOML key (quoted when it has dots or other characters)."""
    return name if all(c.isalnum() or c in "_-" for c in name) else "'" + name + "'"


def _factor(key: str, kind: str, body: dict[str, Any], design: str | None, where: str, bad: _Bad) -> Factor | None:
    """The factor of one ``[factors.KEY]`` table: its values or its range."""
    has_values = "values" in body
    has_range = "low" in body or "high" in body
    if has_values == has_range:
        bad(where, "expected values = [...] or low = ... and high = ..., one of the two")
        return None
    if has_values:
        return _values_factor(key, kind, body, where, bad)
    return _range_factor(key, kind, body, design, where, bad)


def _values_factor(key: str, kind: str, body: dict[str, Any], where: str, bad: _Bad) -> Factor | None:
    """A factor given by ``values = [...]``."""
    values = body["values"]
    if not isinstance(values, list) or not values:
        bad(f"{where}.values", f"expected a non-empty list, found {values!r}")
        return None
    if "steps" in body:
        bad(f"{where}.steps", "steps goes with low and high")
    out = [_coerce(v, kind, f"{where}.values[{i}]", bad, allow_none=True) for i, v in enumerate(values)]
    return Factor(key, kind, values=tuple(out))


def _range_factor(
    key: str, kind: str, body: dict[str, Any], design: str | None, where: str, bad: _Bad
) -> Factor | None:
    """A factor given by ``low`` and ``high`` (and, in a grid, ``steps``)."""
    if "low" not in body or "high" not in body:
        bad(where, "a range needs both low and high")
        return None
    if kind == "other":
        bad(where, f"{key} is not a number, an integer or a date: give values = [...]")
        return None
    low = _coerce(body["low"], kind, f"{where}.low", bad)
    high = _coerce(body["high"], kind, f"{where}.high", bad)
    if low is None or high is None:
        return None
    if high < low:
        bad(where, f"low ({_json_value(low)}) is above high ({_json_value(high)})")
        return None
    steps = body.get("steps")
    if design == "grid":
        if not _grid_steps_ok(steps, kind, low, high, where, bad):
            return None
    elif steps is not None:
        bad(f"{where}.steps", f"steps is for a grid; the {design} design takes `points` values in the range")
        return None
    return Factor(key, kind, low=low, high=high, steps=steps)


def _grid_steps_ok(steps: object, kind: str, low: Any, high: Any, where: str, bad: _Bad) -> bool:
    """Whether ``steps`` is a whole number >= 1, no more than the range has values (reported otherwise)."""
    if steps is None:
        bad(where, "a grid needs values = [...], or steps = N with low and high")
        return False
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        bad(f"{where}.steps", f"expected a whole number >= 1, found {steps!r}")
        return False
    span = (high - low).days if kind == "date" else (high - low if kind == "int" else None)
    if span is not None and steps > span + 1:
        bad(f"{where}.steps", f"{steps} steps but only {span + 1} different values from low to high")
        return False
    return True


def _coerce(v: Any, kind: str, where: str, bad: _Bad, *, allow_none: bool = False) -> Any:
    """A spec value as the scenario wants it (or None after reporting a problem)."""
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            bad(where, f"expected a whole number (the key is an integer), found {v!r}")
            return None
        return v
    if kind == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            bad(where, f"expected a number, found {v!r}")
            return None
        return v
    if kind == "date":
        if allow_none and isinstance(v, str) and v.lower() == "none":
            return "none"
        try:
            day = to_date(v)
        except ValueError as exc:
            bad(where, str(exc))
            return None
        if day is not None:
            return day
        also = ' or "none"' if allow_none else ""
        bad(where, f"expected an ISO date (YYYY-MM-DD){also}, found {v!r}")
        return None
    return v


# -- the design -----------------------------------------------------------------------------------
def design_rng(seed: int) -> np.random.Generator:
    """The design's own random generator: ``SeedSequence(seed, spawn_key=(SWEEP_DESIGN_STREAM,))``.

    Examples
    --------
    >>> import drawdown.batch
    >>> rng = drawdown.batch.sweep.design_rng(1)
    >>> rng.random() == drawdown.batch.sweep.design_rng(1).random()
    True
    """

    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(SWEEP_DESIGN_STREAM,))))


def design_points(spec: SweepSpec) -> tuple[list[dict[str, Any]], list[str]]:
    """The factor values of every point, in point order, and warnings about the design.

    Parameters
    ----------
    spec : SweepSpec

    Returns
    -------
    points : list of dict
        Each point's factor values by key path.
    notes : list of str
        Warnings about the design (a Sobol' design of other than a power of 2 points).

    Examples
    --------
    >>> import drawdown.batch
    >>> spec = drawdown.batch.parse_spec('''
    ... base = "doha-2021-05-01"
    ... seed = 1
    ... replications = 100
    ... design = "grid"
    ... [factors.deadline]
    ... values = [2021-05-01, "2021-09-11"]
    ... [factors.'threat.attack_rate_after']
    ... low = 0.1
    ... high = 0.3
    ... steps = 3
    ... ''')
    >>> points, _ = drawdown.batch.design_points(spec)
    >>> [(p["deadline"].isoformat(), p["threat.attack_rate_after"]) for p in points]
    [('2021-05-01', 0.1), ('2021-05-01', 0.2), ('2021-05-01', 0.3),
     ('2021-09-11', 0.1), ('2021-09-11', 0.2), ('2021-09-11', 0.3)]
    """
    _check_size(spec)
    keys = [f.key for f in spec.factors]
    notes: list[str] = []
    if spec.design == "grid":
        combos = itertools.product(*(f.grid_values() for f in spec.factors))
        return [dict(zip(keys, c, strict=True)) for c in combos], notes
    if spec.design == "factorial":
        return _factorial_points(spec, notes), notes
    if spec.design == "morris":
        return _morris_points(spec), notes
    if spec.design == "nolh":
        levels = nolh(len(spec.factors))
        n, q = levels.shape[0], levels.shape[0] // 2
        rows = [{f.key: f.level(int(x) + q, n) for f, x in zip(spec.factors, row, strict=True)} for row in levels]
        return rows, notes

    return _sampled_points(spec, notes), notes


def _sampled_points(spec: SweepSpec, notes: list[str]) -> list[dict[str, Any]]:
    """The points of the designs drawn from the design stream: lhs, sobol and saltelli."""
    from scipy.stats import qmc  # imported here: scipy.stats takes seconds, and only these designs need it

    d, n, rng = len(spec.factors), spec.points, design_rng(spec.seed)
    if n is None:
        raise ValueError(f"{spec.file}: the {spec.design} design needs points")
    if spec.design == "saltelli":
        u = saltelli_matrix(_sampler(qmc.Sobol, 2 * d, rng).random(n), d)
    elif spec.design == "lhs":
        sampler = _sampler(qmc.LatinHypercube, d, rng)
        u = sampler.random(n)
    else:
        sampler = _sampler(qmc.Sobol, d, rng)
        if n & (n - 1):
            notes.append(
                f"sobol: {n} points is not a power of 2; Sobol' points are balanced only in "
                "sets of a power of 2 (8, 16, 32, ...)"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            u = sampler.random(n)
    return [{f.key: f.at(float(x)) for f, x in zip(spec.factors, row, strict=True)} for row in u]


def saltelli_matrix(u: np.ndarray, d: int) -> np.ndarray:
    """The ``n (d + 2)`` rows of Saltelli's design from ``n`` points of ``2d`` dimensions:
    ``A`` (the first ``d`` coordinates), ``B`` (the last ``d``), then ``AB_i`` for each
    factor ``i`` (``A`` with column ``i`` from ``B``), each block of ``n`` rows in turn;
    the order :func:`drawdown.analysis.sobol` reads them back in.

    >>> saltelli_matrix(np.array([[0.1, 0.2, 0.3, 0.4]]), 2).tolist()
    [[0.1, 0.2], [0.3, 0.4], [0.3, 0.2], [0.1, 0.4]]
    """
    a, b = u[:, :d], u[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks)


def morris_design(spec: SweepSpec) -> np.ndarray:
    """The level numbers (0 .. 3) of a ``design = "morris"`` spec's points, from the design
    stream: what the sweep runs and what :mod:`drawdown.analysis.morris` reads back."""
    if spec.points is None:
        raise ValueError(f"{spec.file}: the morris design needs points (trajectories)")
    return morris_levels(len(spec.factors), spec.points, design_rng(spec.seed))


def _morris_points(spec: SweepSpec) -> list[dict[str, Any]]:
    levels = morris_design(spec)
    return [{f.key: f.level(int(j), MORRIS_LEVELS) for f, j in zip(spec.factors, row, strict=True)} for row in levels]


def _factorial_points(spec: SweepSpec, notes: list[str]) -> list[dict[str, Any]]:
    """The points of a two-level factorial: level -1 is ``low`` (or the first value), +1 ``high``."""
    k, p = len(spec.factors), spec.fraction or 0
    coded = factorial(k, p)
    if p and resolution(k, p) == 3:
        notes.append(
            f"factorial: 2^({k}-{p}) is of resolution III: each main effect is aliased with "
            "two-factor interactions (a smaller fraction keeps them apart)"
        )
    return [{f.key: f.level((int(x) + 1) // 2, 2) for f, x in zip(spec.factors, row, strict=True)} for row in coded]


#: The designs whose ``points`` each give ``k + extra`` points: (extra, what a point is called).
_POINTS_PER_SAMPLE = {"saltelli": (2, ""), "morris": (1, " trajectories")}


def _check_size(spec: SweepSpec) -> None:
    """A :class:`ScenarioError` naming the spec's key unless its points (a grid's product of
    values) and its replications per point are within what a sweep can hold; nothing is built."""
    problems = []
    if spec.design == "factorial":
        n = 2 ** (len(spec.factors) - (spec.fraction or 0))
        if n > MAX_SWEEP_POINTS:
            problems.append(
                Problem(
                    spec.file,
                    "fraction",
                    f"2^({len(spec.factors)}-{spec.fraction or 0}) = {n} points are more than a sweep can hold: "
                    f"expected at most {MAX_SWEEP_POINTS} points (a larger fraction takes fewer)",
                )
            )
    if spec.design == "grid":
        counts = [len(f.values) if f.values is not None else int(f.steps or 0) for f in spec.factors]
        n = math.prod(counts)
        if n > MAX_SWEEP_POINTS:
            grid = " x ".join(str(c) for c in counts)
            problems.append(
                Problem(
                    spec.file,
                    "factors",
                    f"a grid of {grid} = {n} points is more than a sweep can hold: "
                    f"expected at most {MAX_SWEEP_POINTS} points",
                )
            )
    elif spec.design in _POINTS_PER_SAMPLE and spec.points is not None:
        extra, unit = _POINTS_PER_SAMPLE[spec.design]
        n = spec.points * (len(spec.factors) + extra)
        if n > MAX_SWEEP_POINTS:
            problems.append(
                Problem(
                    spec.file,
                    "points",
                    f"{spec.design}: {spec.points}{unit} x ({len(spec.factors)} factors + {extra}) = {n} points are "
                    f"more than a sweep can hold: expected at most {MAX_SWEEP_POINTS}",
                )
            )
    elif spec.points is not None and spec.points > MAX_SWEEP_POINTS:
        problems.append(
            Problem(
                spec.file,
                "points",
                f"{spec.points} points are more than a sweep can hold: expected at most {MAX_SWEEP_POINTS}",
            )
        )
    try:
        check_reps(spec.replications, spec.block_size, name="replications")
    except DrawdownError as e:
        key = "block_size" if str(e).startswith("block_size=") else "replications"
        problems.append(Problem(spec.file, key, str(e)))
    if problems:
        raise ScenarioError(problems)


def _sampler(cls: Any, d: int, rng: np.random.Generator) -> Any:
    """A scipy.stats.qmc sampler of ``d`` dimensions drawing from ``rng``."""
    try:
        return cls(d, rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        return cls(d, seed=rng)


@dataclass(frozen=True)
class SweepPoint:
    """A design point: its index, factor values and validated scenario.

    Attributes
    ----------
    index : int
        Its place in the design, from 0.
    values : dict
        Factor values by key path.
    scenario : Scenario
        The base scenario with those values (validated).
    """

    index: int
    values: dict[str, Any]
    scenario: Scenario

    @property
    def label(self) -> str:
        """The point's factor values as text (:func:`point_label`)."""
        return point_label(self.values)

    def factors_json(self) -> dict[str, Any]:
        """The factor values as plain data (dates as ISO strings)."""
        return {k: _json_value(v) for k, v in self.values.items()}


def point_label(values: dict[str, Any]) -> str:
    """The factor values of a point as text.

    Examples
    --------
    >>> import datetime, drawdown.batch
    >>> drawdown.batch.sweep.point_label({"deadline": datetime.date(2021, 5, 1), "threat.attack_rate_after": 0.25})
    'deadline = 2021-05-01, threat.attack_rate_after = 0.25'
    """
    return ", ".join(f"{k} = {_json_value(v)}" for k, v in values.items())


def load_base(spec: SweepSpec, base_file: str | None = None) -> Scenario:
    """The spec's base scenario (from ``base_file`` when given: a recorded path).

    Examples
    --------
    >>> import drawdown.batch
    >>> drawdown.batch.sweep.load_base(drawdown.batch.load_spec("deadline-and-threat")).name
    'doha-2021-05-01'
    """
    referrer = (spec.file, "base")
    if base_file is not None:
        return load(base_file, referrer=referrer)
    return load(find_referenced(spec.base, relative_to=spec.base_dir, file=spec.file, key="base"), referrer=referrer)


def plan_points(spec: SweepSpec, base: Scenario | None = None) -> tuple[Scenario, list[SweepPoint], list[str]]:
    """The base scenario, every point validated, and warnings.

    Parameters
    ----------
    spec : SweepSpec
    base : Scenario, optional
        The base scenario (by default :func:`load_base`).

    Returns
    -------
    base : Scenario
    points : list of SweepPoint
    notes : list of str
        Warnings about the design (:func:`design_points`).

    Raises
    ------
    ScenarioError
        Listing every invalid point, by its factor values, with what is wrong. Nothing
        has run.

    Examples
    --------
    >>> import drawdown.batch
    >>> base, points, notes = drawdown.batch.plan_points(drawdown.batch.load_spec("deadline-and-threat"))
    >>> base.name, len(points), points[0].scenario.deadline.isoformat()
    ('doha-2021-05-01', 9, '2021-05-01')
    """
    if base is None:
        base = load_base(spec)
    values, notes = design_points(spec)
    points: list[SweepPoint] = []
    problems: dict[str, list[str]] = {}  # what is wrong -> the points it is wrong at
    for i, v in enumerate(values):
        try:
            s = base.replace(v)
        except ScenarioError as e:
            for p in e.problems:
                what = f"{p.key}: {p.message}" if p.key and p.key != "<replace>" else p.message
                problems.setdefault(what, []).append(f"point {i} ({point_label(v)})")
            continue
        points.append(SweepPoint(i, v, s))
    if problems:
        raise ScenarioError([_point_problem(spec.file, what, where) for what, where in problems.items()])
    return base, points, notes


def _point_problem(file: str, what: str, where: list[str]) -> Problem:
    """One problem of the points, at the first point it is found at, with how many more have it
    (an unknown name in a factor's key path is wrong at every point: said once)."""
    more = len(where) - 1
    return Problem(file, where[0] + (f" and {more} more point{'s' if more > 1 else ''}" if more else ""), what)


# -- results -----------------------------------------------------------------------------------------
def _num(x: float | None) -> str:
    """A number as ``results.csv`` writes it: its repr, or empty for None and non-finite."""
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else repr(float(x))


def result_row(point: SweepPoint, summary: Summary) -> dict[str, Any]:
    """One row of ``results.csv``: the point, its factor values and :data:`RESULT_COLUMNS`.

    Examples
    --------
    >>> import drawdown.batch
    >>> spec = drawdown.batch.load_spec("deadline-and-threat")
    >>> _, points, _ = drawdown.batch.plan_points(spec)
    >>> row = drawdown.batch.sweep.result_row(points[0], drawdown.batch.summarize(points[0].scenario, 100, 1))
    >>> row["point"], row["deadline"], row["replications"]
    (0, '2021-05-01', 100)
    """
    row: dict[str, Any] = {"point": point.index}
    row.update({k: _json_value(v) for k, v in point.values.items()})
    met = summary.probability("met_deadline")
    out = summary.probability("out_by_horizon")
    assert out is not None  # every scenario has a horizon
    p50 = summary.quantile("final_exit_day", 0.5)
    cas = summary.estimate("casualties")
    has_deadline = summary.deadline_day is not None
    tdp = summary.estimate("troop_days_past_deadline") if has_deadline else None
    left = summary.estimate("troops_at_deadline") if has_deadline else None
    row.update(
        {
            "scenario_hash": summary.scenario_hash,
            "replications": summary.n,
            "p_met_deadline": None if met is None else _num(met.value),
            "p_met_deadline_se": None if met is None else _num(met.se),
            "p_out_by_horizon": _num(out.value),
            "p_out_by_horizon_se": _num(out.se),
            "final_exit_p50": None if p50 is None else point.scenario.date_of(p50).isoformat(),
            "final_exit_day_p50": p50,
            "casualties_mean": _num(cas.mean),
            "casualties_se": _num(cas.se),
            "troop_days_past_deadline_mean": None if tdp is None else _num(tdp.mean),
            "troop_days_past_deadline_se": None if tdp is None else _num(tdp.se),
            "troops_at_deadline_mean": None if left is None else _num(left.mean),
            "troops_at_deadline_se": None if left is None else _num(left.se),
            "censored_fraction": _num(summary.censored_fraction),
        }
    )
    return row


def results_csv_text(spec: SweepSpec, rows: Iterable[dict[str, Any]]) -> str:
    """The text of ``results.csv``: a header, then one line per row of :func:`result_row`."""
    columns = ["point", *(f.key for f in spec.factors), *RESULT_COLUMNS]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r.get(k) is None else r[k] for k in columns})
    return buf.getvalue()


def results_table(spec: SweepSpec, rows: Iterable[dict[str, Any]]) -> str:
    """The results as a text table (what ``drawdown sweep`` prints).

    Parameters
    ----------
    spec : SweepSpec
    rows : iterable of dict
        Rows of :func:`result_row` or of :func:`read_results`.

    Examples
    --------
    >>> import drawdown.batch
    >>> spec = drawdown.batch.load_spec("deadline-and-threat")
    >>> _, points, _ = drawdown.batch.plan_points(spec)
    >>> row = drawdown.batch.sweep.result_row(points[0], drawdown.batch.summarize(points[0].scenario, 100, 1))
    >>> print(drawdown.batch.results_table(spec, [row]).splitlines()[0])
    point  deadline    threat.attack_rate_after  P(met deadline)  final exit p50  casualties  censored
    """
    heads = ["point", *(f.key for f in spec.factors), "P(met deadline)", "final exit p50", "casualties", "censored"]
    body = []
    for r in rows:
        met = (
            "n/a"
            if r["p_met_deadline"] is None
            else f"{float(r['p_met_deadline']):.3f} ± {float(r['p_met_deadline_se']):.3f}"
        )
        cas = f"{float(r['casualties_mean']):.1f} ± {float(r['casualties_se'] or 'nan'):.1f}"
        body.append(
            [
                str(r["point"]),
                *(str(r[f.key]) for f in spec.factors),
                met,
                r["final_exit_p50"] or "not out",
                cas,
                f"{100 * float(r['censored_fraction']):.1f}%",
            ]
        )
    widths = [max(len(x) for x in col) for col in zip(heads, *body, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip()]
    lines += ["  ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() for row in body]
    return "\n".join(lines)


def read_results(directory: StrPath) -> list[dict[str, str]]:
    """The rows of a sweep's ``results.csv`` (strings, as written).

    Parameters
    ----------
    directory : str or Path
        A sweep directory (``drawdown sweep SPEC --out DIR``).
    """
    with open(Path(directory) / RESULTS_CSV, newline="") as f:
        return list(csv.DictReader(f))


def point_json(point: SweepPoint, summary: Summary) -> str:
    """The text of ``points/NNNN.json``: the point, its factors, then the summary as ``drawdown run --json``."""
    doc: dict[str, Any] = {"point": point.index, "factors": point.factors_json()}
    doc.update(summary.to_json_dict(point.scenario))
    doc["warnings"] = summary.warnings()
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _npz_name(i: int) -> str:
    """The summary file of point ``i``, relative to the sweep directory."""
    return f"{POINTS_DIR}/{i:04d}.npz"


def _json_name(i: int) -> str:
    """The JSON file of point ``i``, relative to the sweep directory."""
    return f"{POINTS_DIR}/{i:04d}.json"


# -- running -----------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    """What :meth:`SweepBatch.run` did: the rows of ``results.csv`` (None for a
    shard), the files written, and how many points ran now and before."""

    rows: list[dict[str, Any]] | None
    written: list[Path]
    points_total: int
    points_done_before: int
    points_run: int


class SweepBatch:
    """A sweep in a sweep directory: planned, validated, resumable, shardable.

    Parameters
    ----------
    spec : SweepSpec or path
        The spec, or its file (or a shipped spec's name).
    out_dir : path
        The sweep directory.
    resume : bool
        Finish the sweep the directory holds (of the same spec): points done are kept.
    shard : Shard or "I/N", optional
        Run only this shard of the points.

    Attributes
    ----------
    base, points, notes
        The base scenario, the points of this sweep (of this shard), design warnings.
    done : dict
        Point index to its done entry, for points finished before :meth:`run`.

    Raises
    ------
    ScenarioError
        When the spec or any of its points is invalid (nothing has run).
    ResultError
        When ``out_dir`` holds another sweep, or damaged points, or a manifest naming
        other files than the points'.
    DrawdownError
        When ``out_dir`` holds anything but a sweep (nothing is written then);
        :class:`drawdown.results.DirectoryInUse` when another process works there: the
        batch holds the directory's lock from its creation until :meth:`run` ends (or
        :meth:`close`).

    Examples
    --------
    >>> import drawdown.batch, tempfile
    >>> spec = drawdown.batch.parse_spec('''
    ... base = "doha-2021-05-01"
    ... seed = 1
    ... replications = 100
    ... design = "grid"
    ... [factors.deadline]
    ... values = [2021-05-01, 2021-09-11]
    ... ''')
    >>> batch = drawdown.batch.SweepBatch(spec, tempfile.mkdtemp())
    >>> len(batch.todo), batch.todo_reps
    (2, 200)
    >>> [row["p_met_deadline"] for row in batch.run().rows]
    ['0.57', '0.96']
    """

    def __init__(
        self, spec: SweepSpec | StrPath, out_dir: StrPath, *, resume: bool = False, shard: Shard | str | None = None
    ) -> None:
        if not isinstance(spec, SweepSpec):
            spec = load_spec(spec)
        if isinstance(shard, str):
            shard = Shard.parse(shard)
        self.spec, self.shard, self.out_dir = spec, shard, Path(out_dir)
        self.environment = environment()
        record_path = self.out_dir / MANIFEST if shard is None else self.out_dir / SHARDS_DIR / f"{shard.stem}.json"
        self.manifest_path = record_path
        self._lock: DirectoryLock | None = claim_out_dir(out_dir, kind="sweep", shard=shard)  # until run() ends
        try:
            self._start(resume)
        except BaseException:
            self._lock.abandon()  # a refused sweep (invalid points, another sweep) leaves nothing behind
            raise

    def _start(self, resume: bool) -> None:
        """Plan the points (checking the sweep the directory holds) and take the done ones, under the lock."""
        spec, shard, record_path = self.spec, self.shard, self.manifest_path
        record = self._existing(resume)
        base_file = None if record is None else record["base"]["file"]
        self.base, all_points, self.notes = plan_points(spec, load_base(spec, base_file) if base_file else None)
        self.all_points = all_points
        if record is not None:
            if record["base"]["hash"] != self.base.hash:
                raise ResultError(
                    f"{record_path}: the base scenario changed since the sweep started "
                    f"(hash {self.base.hash[:12]}, the sweep used {record['base']['hash'][:12]})"
                )
            planned = [p["scenario_hash"] for p in record["points"]]
            if planned != [p.scenario.hash for p in all_points]:
                raise ResultError(f"{record_path}: the points' scenarios differ from those of the sweep it records")
        start, stop = (0, len(all_points)) if shard is None else shard.range(len(all_points))
        self.points = all_points[start:stop]
        self.done: dict[int, dict] = {}
        self._collect_done(record)
        self._write_manifest(complete=False)
        self.done_before = len(self.done)

    def _existing(self, resume: bool) -> dict[str, Any] | None:
        """The manifest of the sweep in the directory, checked against this one; None if there is none."""
        out, path = self.out_dir, self.manifest_path
        if not check_out_dir(out, path, kind="sweep", sharded=self.shard is not None, resume=resume):
            return None
        record = read_record(path, "sweep manifest")
        if record.get("format") != _SWEEP or record.get("format_version") != _FORMAT_VERSION:
            raise ResultError(f"{path}: not a drawdown sweep manifest of format {_FORMAT_VERSION}")
        if record["spec_hash"] != self.spec.hash:
            raise ResultError(
                f"{path}: resuming continues the same sweep, but the spec differs (spec hash "
                f"{self.spec.hash[:12]}, the sweep's is {record['spec_hash'][:12]})"
            )
        want_shard = None if self.shard is None else {"index": self.shard.index, "count": self.shard.count}
        if record.get("shard") != want_shard:
            raise ResultError(f"{path}: records shard {record.get('shard')}, not {self.shard}")
        check_environment(record["environment"], path)
        return record

    def _collect_done(self, record: dict[str, Any] | None) -> None:
        """Take the points whose files are there and verify as done (their JSON rewritten if need be)."""
        (self.out_dir / POINTS_DIR).mkdir(parents=True, exist_ok=True)
        if self.shard is not None:
            (self.out_dir / SHARDS_DIR).mkdir(parents=True, exist_ok=True)
        recorded = _done_points(record or {"done": []}, self.manifest_path)
        names = []
        for p in self.points:
            names += [Path(_npz_name(p.index)).name, Path(_json_name(p.index)).name]
            path = self.out_dir / _npz_name(p.index)
            if not path.exists():
                continue
            entry = recorded.get(p.index)
            if entry is not None:
                _check_point_names(entry, p.index, self.manifest_path)
            summary = Summary.from_npz(path)  # a damaged file is an error
            self._check_summary(summary, p, path)
            if entry is not None and entry["sha256"] != file_sha256(path):
                raise ResultError(
                    f"{path}: not the file the manifest recorded (sha256 differs); delete it to have "
                    "the resumed sweep compute the point again"
                )
            jpath = self.out_dir / _json_name(p.index)
            if not jpath.exists() or jpath.read_text() != point_json(p, summary):
                atomic_write(jpath, point_json(p, summary))  # derived from the summary: no recomputation
            self.done[p.index] = entry or self._entry(p)
        if self.shard is None:  # the whole directory is this sweep's: every leftover goes
            clean_temporaries(self.out_dir, [MANIFEST, RESULTS_CSV])
            clean_temporaries(self.out_dir / POINTS_DIR, LEFTOVER_FOLDERS[POINTS_DIR])
        else:  # shards share the directory: only this shard's own
            clean_temporaries(self.out_dir / POINTS_DIR, names)
            clean_temporaries(self.out_dir / SHARDS_DIR, [f"{self.shard.stem}.json"])

    def _check_summary(self, summary: Summary, point: SweepPoint, where: object) -> None:
        """A :class:`ResultError` unless ``summary`` is of ``point`` of this sweep, made here."""
        b = summary.book
        want = {
            "scenario_hash": point.scenario.hash,
            "seed": self.spec.seed,
            "engine": self.spec.engine,
            "block_size": self.spec.block_size,
            "layout_version": LAYOUT_VERSION,
            **self.environment,
        }
        diff = [f"{k} {getattr(b, k)!r} != {v!r}" for k, v in want.items() if getattr(b, k) != v]
        if list(summary.blocks) != blocks_for(self.spec.replications, self.spec.block_size):
            diff.insert(0, "blocks differ")
        if diff:
            raise ResultError(f"{where}: not point {point.index} of this sweep ({'; '.join(diff)})")

    def _entry(self, p: SweepPoint) -> dict[str, Any]:
        """The manifest's entry of a done point."""
        return {
            "point": p.index,
            "summary": _npz_name(p.index),
            "sha256": file_sha256(self.out_dir / _npz_name(p.index)),
            "json": _json_name(p.index),
        }

    def _write_manifest(self, *, complete: bool, extra: dict[str, Any] | None = None) -> None:
        """Write the manifest (or the shard's record) as things stand."""
        spec = self.spec
        doc = {
            "format": _SWEEP,
            "format_version": _FORMAT_VERSION,
            "kind": "sweep",
            "spec": spec.to_json(),
            "spec_hash": spec.hash,
            "spec_file": str(Path(spec.file).resolve()),
            "spec_text": spec.text,
            "base": {"name": self.base.name, "file": str(Path(self.base.file).resolve()), "hash": self.base.hash},
            "seed": seed_text(spec.seed),
            "replications": spec.replications,
            "engine": spec.engine,
            "block_size": spec.block_size,
            "layout_version": LAYOUT_VERSION,
            "version": self.environment["version"],
            "environment": self.environment,
            "shard": None if self.shard is None else {"index": self.shard.index, "count": self.shard.count},
            "points_planned": len(self.all_points),
            "points": [
                {"point": p.index, "factors": p.factors_json(), "scenario_hash": p.scenario.hash}
                for p in self.all_points
            ],
            "shard_points": [p.index for p in self.points],
            "points_done": len(self.done),
            "done": [self.done[i] for i in sorted(self.done)],
            "complete": bool(complete),
        }
        doc.update(extra or {})
        write_record(self.manifest_path, doc)

    @property
    def todo(self) -> list[SweepPoint]:
        """The points of this sweep (shard) not done yet."""
        return [p for p in self.points if p.index not in self.done]

    @property
    def todo_reps(self) -> int:
        """Replications of the points not done yet."""
        return len(self.todo) * self.spec.replications

    def units(self, points: Iterable[SweepPoint]) -> list[Unit]:
        """One unit of work a point: its scenario, the spec's seed and every block of its replications."""
        s = self.spec
        return [
            Unit(
                p.scenario,
                s.seed,
                tuple(blocks_for(s.replications, s.block_size)),
                engine=s.engine,
                block_size=s.block_size,
                label=f"point {p.index} ({p.label})",
            )
            for p in points
        ]

    def run(self, executor: Executor | None = None, *, progress: Progress | None = None) -> SweepResult:
        """Run the points not done yet and write the results (or the shard's manifest).

        Parameters
        ----------
        executor : Executor, optional
            Where the points run (default: in this process).
        progress : callable, optional
            Called with the replications finished since the last call.

        Returns
        -------
        SweepResult
        """
        if self._lock is None or not self._lock.held:
            self._lock = claim_out_dir(self.out_dir, kind="sweep", shard=self.shard)
        try:
            return self._run(executor, progress)
        finally:
            self.close()

    def close(self) -> None:
        """Let go of the sweep directory's lock (:meth:`run` does when it ends); again: nothing."""
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> SweepBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, executor: Executor | None, progress: Progress | None) -> SweepResult:
        """:meth:`run` under the directory's lock."""
        own = executor is None
        ex: Executor = InProcess() if executor is None else executor
        todo = self.todo
        ran = 0
        try:
            for j, result in ex.run(self.units(todo), progress=progress):
                p = todo[j]
                self._check_summary(result.summary, p, f"point {p.index} (computed by process {result.pid})")
                atomic_write(self.out_dir / _json_name(p.index), point_json(p, result.summary))
                result.summary.to_npz(self.out_dir / _npz_name(p.index))  # the point is done once this is there
                self.done[p.index] = self._entry(p)
                self._write_manifest(complete=False)
                ran += 1
        finally:
            if own:
                ex.close()
        if self.shard is not None:
            self._write_manifest(complete=True)
            return SweepResult(None, [self.manifest_path], len(self.points), self.done_before, ran)
        rows, written = _write_sweep_results(self.out_dir, self.spec, self.all_points, self.done)
        self._write_manifest(complete=True, extra={"results": RESULTS_CSV})
        return SweepResult(rows, [*written, self.manifest_path], len(self.points), self.done_before, ran)


def _write_sweep_results(
    out_dir: Path, spec: SweepSpec, points: list[SweepPoint], done: dict[int, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Read every point's summary (checked against its recorded sha256) and write results.csv."""

    rows = []
    for p in points:
        entry = done[p.index]
        path = out_dir / _npz_name(p.index)  # computed: never a name read from a record
        if file_sha256(path) != entry["sha256"]:
            raise ResultError(f"{path}: changed since it was recorded (sha256 differs): not merged")
        summary = Summary.from_npz(path)
        if summary.scenario_hash != p.scenario.hash:
            raise ResultError(f"{path}: not the summary of point {p.index}")
        rows.append(result_row(p, summary))
    path = atomic_write(out_dir / RESULTS_CSV, results_csv_text(spec, rows))
    return rows, [path]


def run_sweep(
    spec: SweepSpec | StrPath,
    out_dir: StrPath,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    shard: Shard | str | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """:class:`SweepBatch` and :meth:`SweepBatch.run` in one call.

    Examples
    --------
    >>> import drawdown.batch, tempfile
    >>> spec = drawdown.batch.parse_spec('''
    ... base = "doha-2021-05-01"
    ... seed = 1
    ... replications = 100
    ... design = "grid"
    ... [factors.deadline]
    ... values = [2021-05-01]
    ... ''')
    >>> drawdown.batch.run_sweep(spec, tempfile.mkdtemp()).points_run
    1
    """
    return SweepBatch(spec, out_dir, resume=resume, shard=shard).run(executor, progress=progress)


def merge_sweep(directory: StrPath, *, progress: Progress | None = None) -> tuple[list[dict[str, Any]], list[Path]]:
    """Join the shards of a sweep into ``results.csv`` and ``manifest.json``.

    Parameters
    ----------
    directory : str or Path
        The sweep directory the shards share.
    progress : callable, optional
        Called with 1 for each point merged.

    Returns
    -------
    rows : list of dict
        The rows of ``results.csv``.
    written : list of Path

    Raises
    ------
    ResultError
        Naming the shard or point file: missing, duplicate, unfinished or corrupt
        shards or points, shards of different sweeps or versions.
    """

    directory = Path(directory)
    with claim_merge_dir(directory, [MANIFEST, RESULTS_CSV]):
        return _merge_sweep(directory, progress)


def _merge_sweep(directory: Path, progress: Progress | None) -> tuple[list[dict[str, Any]], list[Path]]:
    """:func:`merge_sweep` under the directory's lock."""
    shards = read_shard_records(directory, "sweep")
    first = shards[0][2]
    spec, points = _merged_plan(shards)
    done: dict[int, dict[str, Any]] = {}
    for sh, p, rec in shards:
        start, stop = sh.range(len(points))
        recorded = _done_points(rec, p)
        got = sorted(recorded)
        if got != list(range(start, stop)):
            raise ResultError(f"{p}: shard {sh} should hold points {start}..{stop - 1} but records {got}")
        for e in recorded.values():
            pt = points[e["point"]]
            _merge_point(directory, e, pt, spec, f"shard {sh}", p, first["environment"])
            done[pt.index] = e
            if progress is not None:
                progress(1)
    rows, written = _write_sweep_results(directory, spec, points, done)
    doc = {k: v for k, v in first.items() if k not in ("shard", "shard_points", "done", "points_done", "complete")}
    doc.update(
        {
            "shard": None,
            "shard_points": [p.index for p in points],
            "points_done": len(done),
            "done": [done[i] for i in sorted(done)],
            "complete": True,
            "results": RESULTS_CSV,
            "merged_from_shards": len(shards),
        }
    )
    write_record(directory / MANIFEST, doc)
    return rows, [*written, directory / MANIFEST]


def _merged_plan(shards: list[tuple[Shard, Path, dict[str, Any]]]) -> tuple[SweepSpec, list[SweepPoint]]:
    """The spec and points of the sweep the shards are of (all of one sweep, its spec and base unchanged)."""
    first_path, first = shards[0][1], shards[0][2]
    for sh, p, rec in shards[1:]:
        for k in ("spec_hash", "base", "seed"):
            if rec[k] != first[k] and not (k == "seed" and _same_seed(rec[k], first[k])):
                raise ResultError(f"{p}: shard {sh} is of another sweep than shard 1/{sh.count} ({k} differs)")
    spec = SweepSpec.from_json(first["spec"], file=first["spec_file"], text=first["spec_text"])
    if spec.hash != first["spec_hash"]:
        raise ResultError(f"{first_path}: its spec text does not match its spec hash")
    base, points, _ = plan_points(spec, load_base(spec, first["base"]["file"]))
    if base.hash != first["base"]["hash"]:
        raise ResultError(
            f"{first_path}: the base scenario {first['base']['file']} changed since the sweep "
            f"(hash {base.hash[:12]}, the sweep used {first['base']['hash'][:12]})"
        )
    return spec, points


def _same_seed(a: object, b: object) -> bool:
    """Whether two recorded seeds are one seed (a number and its decimal string are)."""
    try:
        return read_seed(a) == read_seed(b)
    except ValueError:
        return False


def _merge_point(
    directory: Path,
    entry: dict[str, Any],
    point: SweepPoint,
    spec: SweepSpec,
    shard: str,
    record_path: Path,
    environment: dict[str, Any],
) -> None:
    """Check a shard's done point (there, intact, of the point, made with the recorded versions) and
    write its JSON if it is not what its summary gives."""
    _check_point_names(entry, point.index, record_path)
    path = directory / _npz_name(point.index)  # computed: never a name read from a record
    if not path.exists():
        raise ResultError(f"{path}: point {entry['point']} of {shard} is missing")
    if file_sha256(path) != entry["sha256"]:
        raise ResultError(
            f"{path}: point {entry['point']} of {shard} is corrupt (its sha256 is not the one "
            f"recorded in {record_path.name}): not merged"
        )
    summary = Summary.from_npz(path)
    if summary.scenario_hash != point.scenario.hash or summary.seed != spec.seed:
        raise ResultError(f"{path}: not the summary of point {point.index}")
    diff = environment_mismatch(environment, {k: getattr(summary.book, k) for k in environment})
    if diff:
        raise ResultError(f"{path}: made with other versions than the shards record ({diff})")
    jpath = directory / _json_name(point.index)
    text = point_json(point, summary)
    if not jpath.exists() or jpath.read_text() != text:
        atomic_write(jpath, text)


def _done_points(record: dict[str, Any], where: Path) -> dict[int, dict[str, Any]]:
    """A sweep record's done entries by point index, each a record with a whole-number ``point``, once."""
    done = record.get("done")
    if not isinstance(done, list):
        raise ResultError(f"{where}: done is not a list: the record was altered")
    out: dict[int, dict[str, Any]] = {}
    for e in done:
        i = e.get("point") if isinstance(e, dict) else None
        if type(i) is not int or i < 0 or i in out:
            raise ResultError(f"{where}: done: {e!r} is not the entry of a point (or the point is there twice)")
        out[i] = e
    return dict(sorted(out.items()))


def _check_point_names(entry: dict[str, Any], index: int, where: Path) -> None:
    """A done point's file names must be those drawdown gives the point (they are never taken from the record)."""
    for key, name in (("summary", _npz_name(index)), ("json", _json_name(index))):
        if entry.get(key) != name:
            raise ResultError(
                f"{where}: {key} {entry.get(key)!r} of point {index}: drawdown writes it as {name!r}; "
                "the record was altered: not used"
            )
