"""The classroom exercises (issue 7) are tested like code.

* Every ```python block of every exercise (and of the README) runs, in order, in one
  fresh namespace per file (figures with the Agg renderer, in a temporary working directory); every line
  ``$ drawdown ...`` of a ```console block runs through click's test runner with its
  arguments split by :func:`shlex.split`, and must succeed.
* Every number an instructor's note quotes in bold with a ``<!-- check: ... -->``
  marker is recomputed with a fresh run and must read exactly as in the text
  (``docs/exercises/regenerate.py`` rewrites them after a deliberate model change).

A run with a given seed is deterministic, so identical calls of ``drawdown.run`` and
``drawdown.compare`` (same scenario content, seed, replications, engine) are made once for
the whole module and shared by the exercises, the command lines and the quoted numbers:
that keeps this module well under a minute while every block and number is still
computed from the model in this session.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import shlex
import sys
from pathlib import Path

import drawdown
import pytest
from click.testing import CliRunner
from drawdown.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXERCISES_DIR = ROOT / "docs" / "exercises"
EXERCISES = sorted(EXERCISES_DIR.glob("[0-9][0-9]-*.md"))
NOTES = sorted((EXERCISES_DIR / "instructor").glob("[0-9][0-9]-*.md"))
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```\s*$", re.S | re.M)


def _load_regenerate():
    spec = importlib.util.spec_from_file_location("exercises_regenerate", EXERCISES_DIR / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


regenerate = _load_regenerate()


def code_blocks(path: Path) -> list[tuple[str, str, int]]:
    """``(language, code, line)`` of each fenced block of a Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    return [(m.group("lang"), m.group("body"), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


# -- the same deterministic runs once ----------------------------------------------------------
_real_run, _real_compare = drawdown.run, drawdown.compare
_memo: dict = {}


def _identity(s) -> tuple:
    s = drawdown.api.as_scenario(s)
    return s.hash, s.name, s.file


def _memo_run(scenario, *, progress=None, quiet=True, **kw):
    if kw.get("seed") is None or kw.get("workers") is not None or kw.get("out_dir") is not None:
        return _real_run(scenario, progress=progress, quiet=quiet, **kw)
    kw.setdefault("engine", "numpy")
    key = ("run", _identity(scenario), tuple(sorted(kw.items())))
    if key not in _memo:
        _memo[key] = _real_run(scenario, **kw)
    result = _memo[key]
    if progress is not None:
        progress(result.reps)
    return result


def _memo_compare(*scenarios, progress=None, quiet=True, **kw):
    if kw.get("seed") is None:
        return _real_compare(*scenarios, progress=progress, quiet=quiet, **kw)
    if len(scenarios) == 1 and isinstance(scenarios[0], (list, tuple)):
        scenarios = tuple(scenarios[0])
    kw.setdefault("engine", "numpy")
    key = ("compare", tuple(_identity(s) for s in scenarios), tuple(sorted(kw.items())))
    if key not in _memo:
        _memo[key] = _real_compare(*scenarios, **kw)
    result = _memo[key]
    if progress is not None:
        progress(result.reps * len(result))
    return result


@pytest.fixture(scope="module", autouse=True)
def shared_runs():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(drawdown, "run", _memo_run)
        mp.setattr(drawdown, "compare", _memo_compare)
        yield


# -- the exercises and their notes --------------------------------------------------------------
def test_five_exercises_each_with_a_note():
    assert [p.name for p in EXERCISES] == [
        "01-deadline-dilemma.md",
        "02-in-together-out-together.md",
        "03-leaving-when-the-time-is-right.md",
        "04-how-sure-are-we.md",
        "05-which-assumption-matters.md",
    ]
    assert [p.name for p in NOTES] == [p.name for p in EXERCISES]


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_exercise_has_goals_code_and_questions(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Exercise ")
    assert "## Learning goals" in text and "## Questions" in text
    questions = text.split("## Questions", 1)[1]
    assert len(re.findall(r"^\d+\. ", questions, re.M)) >= 4
    langs = [lang for lang, _, _ in code_blocks(path)]
    assert "python" in langs and "console" in langs
    assert set(langs) <= {"python", "console", "toml"}, langs


@pytest.mark.parametrize("path", EXERCISES + NOTES + [ROOT / "README.md"], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_code_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # anything a block writes stays out of the checkout
    namespace = {"__name__": "__exercise__"}
    kw = {"mix_stderr": False} if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else {}
    ran = 0
    for lang, code, line in code_blocks(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        if lang == "python":
            try:
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 -- our own documentation
            except Exception as e:
                pytest.fail(f"{where}: the python block raises {type(e).__name__}: {e}")
            ran += 1
        elif lang == "console":
            commands = [ln[2:] for ln in code.splitlines() if ln.startswith("$ ")]
            assert commands, f"{where}: a console block shows no '$ ' command"
            for command in commands:
                args = shlex.split(command)
                assert args[0] == "drawdown", f"{where}: {command!r} is not a drawdown command"
                r = CliRunner(**kw).invoke(main, args[1:], prog_name="drawdown")
                assert r.exit_code == 0, f"{where}: {command!r} exits {r.exit_code}:\n{r.output}"
                assert r.stdout.strip(), f"{where}: {command!r} prints nothing"
                ran += 1
    if path in EXERCISES:
        assert ran >= 5
    for fig in [v for v in namespace.values() if type(v).__name__ == "Figure"]:
        assert fig.axes  # the figures a block kept are real


# -- the quoted numbers ----------------------------------------------------------------------------
RUNS = regenerate.Runs()


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.stem)
def test_quoted_numbers_are_what_a_fresh_run_gives(path):
    quotes = regenerate.find_quotes(path)
    assert len(quotes) >= 15, f"{path.name}: only {len(quotes)} checked numbers"
    wrong = []
    for q in quotes:
        fresh = regenerate.evaluate(q.spec, RUNS)
        if fresh != q.value:
            wrong.append(f"{q}: a fresh run gives {fresh!r}")
    assert not wrong, (
        "quoted numbers differ from fresh runs (after a deliberate model change, run "
        "python docs/exercises/regenerate.py and review the prose):\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.stem)
def test_notes_state_seeds_and_replications(path):
    text = path.read_text(encoding="utf-8")
    assert "seed" in text.split("##", 1)[0].lower()
    for q in regenerate.find_quotes(path):
        spec = regenerate.parse_spec(q.spec)
        if spec["kind"] != "expr":
            assert spec["reps"] <= 4000, q  # every run of an exercise takes a few seconds


def test_regenerate_rewrites_and_check_finds(tmp_path):
    note = tmp_path / "note.md"
    spec = "run announced-2021-09-11 seed=3 reps=200 key=p_met_deadline.value fmt=.3f"
    note.write_text(f'P = **0.123**<!-- check: {spec} -->, seed **3**<!-- check: expr "3" fmt=d -->.\n')
    runs = regenerate.Runs()
    [(q, fresh)] = regenerate.check([note], runs)
    assert q.value == "0.123" and fresh == "1.000" and q.line == 1
    assert regenerate.regenerate([note], runs) == [(q, "1.000")]
    assert note.read_text().startswith("P = **1.000**<!-- check: ")
    assert regenerate.check([note], runs) == []
    assert regenerate.main(["--check", str(note)]) == 0


def test_regenerate_refuses_bad_markers(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("P = 0.5 <!-- check: run doha-2021-05-01 seed=1 reps=10 key=seed fmt=d -->\n")
    with pytest.raises(regenerate.SpecError, match="bold"):
        regenerate.find_quotes(note)
    for bad in (
        "walk doha",
        "run doha-2021-05-01 seed=1 reps=10 fmt=d",
        "run a b seed=1 reps=1 key=x fmt=d",
        "compare a seed=1 reps=1 key=x fmt=d",
        "run a seed=1 reps=1 key=x",
        "run a colour=red fmt=d",
    ):
        with pytest.raises(regenerate.SpecError):
            regenerate.parse_spec(bad)


def test_regenerate_doctests():
    assert doctest.testmod(regenerate).failed == 0
