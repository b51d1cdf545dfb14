"""The numbers the instructor's notes quote: check them against fresh runs, or rewrite them.

Every number a note quotes from a run is written in bold and followed, with nothing in
between, by an HTML comment that says how to compute it (Markdown renderers hide it)::

    P(out by 1 May) = **0.500**<!-- check: run doha-2021-05-01 seed=2021 reps=4000 key=p_met_deadline.value fmt=.3f -->

The comment is one of:

``run NAME [set:KEY.PATH=VALUE ...] seed=S reps=N [engine=E] key=PATH fmt=F``
    ``drawdown.run(NAME, seed=S, reps=N, engine=E)``, on the scenario changed by
    ``Scenario.replace`` where ``set:`` items are given (VALUE read as a TOML value, or
    as a string), then ``Result.get(PATH)``: a dotted path into the ``drawdown run
    --json`` document (``casualties.mean``, ``contingents.US@Bagram.exit_date.p50``).
``compare A B [C ...] seed=S reps=N [engine=E] key=PATH fmt=F``
    ``drawdown.compare(A, B, ..., seed=S, reps=N)``, then ``CompareResult.get(PATH)`` in the
    ``drawdown compare --json`` document (``differences.0.casualties.se_paired``).
``expr "PYTHON EXPRESSION" fmt=F``
    An expression evaluated with ``drawdown``, ``np``, ``statistics`` and the cached
    ``run(...)`` and ``compare(...)`` (same arguments as ``drawdown.run``/``drawdown.compare``),
    ``sweep(NAME, **changes)`` (the directory of a shipped sweep spec run with its fields
    changed, such as ``points=10, replications=200``), ``analyze(NAME, **changes)`` and
    ``discover(NAME, CONDITION, **changes)`` (``drawdown.analyze`` and ``drawdown.discover``
    of that sweep).

``fmt`` is a Python format spec (``.3f``, ``,.0f``, ``.1%``; ``s`` for text such as
dates); ``None`` reads ``n/a``. Runs with the same arguments are made once.

Usage (from the repository root)::

    python docs/exercises/regenerate.py          # rewrite every quoted number in place
    python docs/exercises/regenerate.py --check  # list the numbers that differ; exit 1 if any

The test suite (``tests/test_exercises.py``) does what ``--check`` does, so a deliberate
change to the model is followed by this script, and a review of the notes' prose.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTRUCTOR = HERE / "instructor"

#: A quoted value and its marker: ``**VALUE**<!-- check: SPEC -->``.
MARKER = re.compile(r"\*\*(?P<value>[^*\n]*)\*\*<!-- check: (?P<spec>.*?) -->")
#: A marker that does not follow a bold value (a mistake the checker reports).
LOOSE_MARKER = re.compile(r"<!-- check:")


@dataclass(frozen=True)
class Quote:
    """One quoted value: where it is, what it says, and how to recompute it."""

    path: Path
    line: int
    value: str
    spec: str
    start: int  # span of the value in the file's text
    end: int

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.value!r} ({self.spec})"


class SpecError(ValueError):
    """A marker that cannot be read."""


def _toml_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_spec(spec: str) -> dict:  # noqa: C901 -- one flat parser of a marker's tokens
    """A marker's spec as a dict: ``kind``, ``names``, ``set``, ``seed``, ``reps``,
    ``engine``, ``key``, ``expr``, ``fmt``.

    >>> parse_spec("run doha-2021-05-01 set:deadline=2021-06-01 seed=1 reps=100 key=seed fmt=d")["set"]
    {'deadline': datetime.date(2021, 6, 1)}
    """
    try:
        tokens = shlex.split(spec)
    except ValueError as e:
        raise SpecError(f"{spec!r}: {e}") from e
    if not tokens or tokens[0] not in ("run", "compare", "expr"):
        raise SpecError(f"{spec!r}: expected 'run', 'compare' or 'expr' first")
    out = {"kind": tokens[0], "names": [], "set": {}, "engine": "numpy", "fmt": None}
    for t in tokens[1:]:
        if t.startswith("set:"):
            path, sep, value = t[4:].partition("=")
            if not sep:
                raise SpecError(f"{spec!r}: {t!r}: expected set:KEY.PATH=VALUE")
            out["set"][path] = _toml_value(value)
        elif "=" in t and out["kind"] != "expr" or t.split("=", 1)[0] == "fmt":
            k, _, v = t.partition("=")
            if k not in ("seed", "reps", "engine", "key", "fmt"):
                raise SpecError(f"{spec!r}: unknown item {k!r}")
            out[k] = int(v) if k in ("seed", "reps") else v
        elif out["kind"] == "expr" and "expr" not in out:
            out["expr"] = t
        else:
            out["names"].append(t)
    if out["fmt"] is None:
        raise SpecError(f"{spec!r}: no fmt=")
    if out["kind"] == "expr":
        if "expr" not in out:
            raise SpecError(f"{spec!r}: no expression")
    else:
        for k in ("seed", "reps", "key"):
            if k not in out:
                raise SpecError(f"{spec!r}: no {k}=")
        want = 1 if out["kind"] == "run" else 2
        if len(out["names"]) < want or (out["kind"] == "run" and len(out["names"]) != 1):
            raise SpecError(f"{spec!r}: {out['kind']} needs {'one scenario' if want == 1 else 'two or more'}")
        if out["set"] and out["kind"] != "run":
            raise SpecError(f"{spec!r}: set: goes with run")
    return out


class Runs:
    """Runs made once per distinct set of arguments (they are deterministic)."""

    def __init__(self):
        self._cache = {}

    def run(self, scenario, **kw):
        import drawdown

        s = drawdown.api.as_scenario(scenario)
        key = ("run", s.hash, tuple(sorted(kw.items())))
        if key not in self._cache:
            self._cache[key] = drawdown.run(s, **kw)
        return self._cache[key]

    def compare(self, *scenarios, **kw):
        import drawdown

        if len(scenarios) == 1 and isinstance(scenarios[0], (list, tuple)):
            scenarios = tuple(scenarios[0])
        loaded = [drawdown.api.as_scenario(s) for s in scenarios]
        key = ("compare", tuple(s.hash for s in loaded), tuple(sorted(kw.items())))
        if key not in self._cache:
            self._cache[key] = drawdown.compare(*loaded, **kw)
        return self._cache[key]

    def sweep(self, name, **changes):
        """The directory of shipped sweep spec ``name`` run with ``changes``, made once."""
        key = ("sweep", name, tuple(sorted(changes.items())))
        if key not in self._cache:
            import dataclasses
            import tempfile

            from drawdown.batch import load_spec, run_sweep

            out = Path(tempfile.mkdtemp(prefix="drawdown-exercise-")) / name
            run_sweep(dataclasses.replace(load_spec(name), **changes), out)
            self._cache[key] = out
        return self._cache[key]

    def analyze(self, name, **changes):
        """``drawdown.analyze`` of :meth:`sweep`, made once."""
        import drawdown

        key = ("analyze", name, tuple(sorted(changes.items())))
        if key not in self._cache:
            self._cache[key] = drawdown.analyze(self.sweep(name, **changes))
        return self._cache[key]

    def discover(self, name, condition, **changes):
        """``drawdown.discover`` of :meth:`sweep` for ``condition``, made once."""
        import drawdown

        key = ("discover", name, condition, tuple(sorted(changes.items())))
        if key not in self._cache:
            self._cache[key] = drawdown.discover(self.sweep(name, **changes), condition)
        return self._cache[key]


def format_value(value, fmt: str) -> str:
    """``value`` as the notes print it.

    >>> format_value(0.4997, ".3f"), format_value(209014.1, ",.0f"), format_value(None, ".3f")
    ('0.500', '209,014', 'n/a')
    """
    if value is None:
        return "n/a"
    if fmt == "s":
        return str(value)
    return format(value, fmt)


def evaluate(spec: str, runs: Runs) -> str:
    """The value a marker's spec gives, formatted."""
    import drawdown

    p = parse_spec(spec)
    if p["kind"] == "expr":
        import statistics

        import numpy as np

        env = {
            "drawdown": drawdown,
            "np": np,
            "statistics": statistics,
            "run": runs.run,
            "compare": runs.compare,
            "sweep": runs.sweep,
            "analyze": runs.analyze,
            "discover": runs.discover,
        }
        value = eval(p["expr"], env)  # noqa: S307 -- our own documentation's markers
    elif p["kind"] == "run":
        s = drawdown.load(p["names"][0])
        if p["set"]:
            s = s.replace(p["set"])
        value = runs.run(s, seed=p["seed"], reps=p["reps"], engine=p["engine"]).get(p["key"])
    else:
        value = runs.compare(*p["names"], seed=p["seed"], reps=p["reps"], engine=p["engine"]).get(p["key"])
    if hasattr(value, "item"):
        value = value.item()
    return format_value(value, p["fmt"])


def find_quotes(path) -> list[Quote]:
    """Every quoted value of a file, in order.

    Raises
    ------
    SpecError
        For a marker that follows no bold value.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    quotes = []
    for m in MARKER.finditer(text):
        quotes.append(
            Quote(
                path,
                text.count("\n", 0, m.start()) + 1,
                m.group("value"),
                m.group("spec"),
                m.start("value"),
                m.end("value"),
            )
        )
    if len(quotes) != len(LOOSE_MARKER.findall(text)):
        raise SpecError(f"{path}: a '<!-- check:' marker that does not directly follow a **bold** value")
    return quotes


def note_files() -> list[Path]:
    """The instructor's notes."""
    return sorted(INSTRUCTOR.glob("*.md"))


def check(paths=None, runs: Runs | None = None) -> list[tuple[Quote, str]]:
    """``(quote, fresh value)`` for every quoted value that differs from a fresh run."""
    runs = runs or Runs()
    bad = []
    for path in paths or note_files():
        for q in find_quotes(path):
            fresh = evaluate(q.spec, runs)
            if fresh != q.value:
                bad.append((q, fresh))
    return bad


def regenerate(paths=None, runs: Runs | None = None) -> list[tuple[Quote, str]]:
    """Rewrite every quoted value with a fresh run's; returns what changed."""
    runs = runs or Runs()
    changed = []
    for path in paths or note_files():
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        quotes = find_quotes(path)
        fresh = [evaluate(q.spec, runs) for q in quotes]
        for q, v in sorted(zip(quotes, fresh), key=lambda x: -x[0].start):
            if v != q.value:
                text = text[: q.start] + v + text[q.end :]
                changed.append((q, v))
        if any(v != q.value for q, v in zip(quotes, fresh)):
            path.write_text(text, encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="do not rewrite: list differences, exit 1 if any")
    parser.add_argument("files", nargs="*", type=Path, help="notes to process (default: every instructor's note)")
    args = parser.parse_args(argv)
    if args.check:
        bad = check(args.files or None)
        for q, v in bad:
            print(f"{q}: a fresh run gives {v!r}")
        n = sum(len(find_quotes(p)) for p in (args.files or note_files()))
        print(f"{n - len(bad)} of {n} quoted values agree with fresh runs")
        return 1 if bad else 0
    changed = regenerate(args.files or None)
    for q, v in changed:
        print(f"{q.path.name}:{q.line}: {q.value} -> {v}")
    print(f"{len(changed)} quoted value{'' if len(changed) == 1 else 's'} rewritten")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))  # run from a checkout without installing
    sys.exit(main())
