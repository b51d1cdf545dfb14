#!/usr/bin/env python3
"""Benchmark how fast the ``drawdown`` command starts, and what each command imports.

Command (from the repository root, with the project installed)::

    python benchmarks/cli_start.py                 # full run: 9 interleaved rounds (a minute or two)
    python benchmarks/cli_start.py --quick         # smoke test: one round, figures meaningless

Each round starts, one after the other, a fresh process for every case below (the
installed ``drawdown`` script beside this interpreter, else ``python -m
drawdown.cli.main``) and measures its wall-clock time and its CPU time (user + system,
from ``resource.getrusage(RUSAGE_CHILDREN)``, steadier on a machine shared with other
work):

- ``python``: ``python -c pass``, the interpreter's own start, the floor of every case;
- ``help``: ``drawdown --help``; ``list``: ``drawdown list``;
- ``complete``: the shell's completion of ``drawdown show d`` (``_DRAWDOWN_COMPLETE=bash_complete``);
- ``refused``: ``drawdown run no-such-scenario`` (exit 2: a refused command answers fast);
- ``run``: ``drawdown run --reps 1 --seed 1 --quiet`` (the whole path of one replication).

Rounds are interleaved, so that other work slows every case alike. It reports the
minimum, median and maximum over rounds of each case's time and of its ratio to
``python`` in the same round; the targets (issue 14) are ``help`` and ``list`` under
0.15 s of wall-clock time (the median) on the 2-core development machine.

Then, once per case, ``python -X importtime`` says what it imported: which of numpy,
scipy, scipy.special, scipy.stats, matplotlib, simpy, dask, distributed and pandas were
loaded and their cumulative import time (``help``, ``list``, ``complete`` and ``refused``
should load none of them; ``run`` needs numpy and scipy.special, and nothing else).

It prints a table and writes ``benchmarks/results/cli_start.json`` (``--out FILE`` to
write elsewhere; with ``--quick`` only when ``--out`` is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "cli_start.json"
#: The target of ``help`` and ``list`` (seconds of wall-clock time, the median of the rounds).
TARGET_S = 0.15
#: Packages whose import a command should not pay for unless it needs them.
HEAVY = ("numpy", "scipy", "scipy.special", "scipy.stats", "matplotlib", "simpy", "dask", "distributed", "pandas")
COMPLETE_ENV = {"_DRAWDOWN_COMPLETE": "bash_complete", "COMP_WORDS": "drawdown show d", "COMP_CWORD": "2"}


def drawdown_command() -> list[str]:
    """How a user starts ``drawdown``: the installed script beside this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("drawdown")
    if script.is_file() and os.access(script, os.X_OK):
        return [sys.executable, str(script)]  # the script's own interpreter, without a shell's lookup
    return [sys.executable, "-m", "drawdown.cli.main"]


def cases() -> dict[str, tuple[list[str], dict[str, str], int]]:
    """Name -> (argv, extra environment, expected exit status)."""
    dd = drawdown_command()
    return {
        "python": ([sys.executable, "-c", "pass"], {}, 0),
        "help": ([*dd, "--help"], {}, 0),
        "list": ([*dd, "list"], {}, 0),
        "complete": (dd, COMPLETE_ENV, 0),
        "refused": ([*dd, "run", "no-such-scenario"], {}, 2),
        "run": ([*dd, "run", "--reps", "1", "--seed", "1", "--quiet"], {}, 0),
    }


def timed(argv: list[str], env: dict[str, str], status: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``argv``, its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != status:
        tail = proc.stderr.decode()[-2000:]
        raise RuntimeError(f"{shlex.join(argv)} exited {proc.returncode}, not {status}:\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def imports(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Which of :data:`HEAVY` ``argv`` imports, with their cumulative import time in seconds."""
    cmd = [argv[0], "-X", "importtime", *argv[1:]]
    proc = subprocess.run(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")  # self us | cumulative us | name
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header, or another line of stderr
        name = parts[2].strip()
        if name in HEAVY:
            found[name] = int(parts[1]) / 1e6
    return found


def spread(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 9; 1 with --quick)")
    p.add_argument("--only", nargs="+", default=None, metavar="CASE", help="only these cases (and python)")
    p.add_argument("--skip-imports", action="store_true", help="do not list what each case imports")
    p.add_argument("--quick", action="store_true", help="one round: a smoke test")
    p.add_argument("--out", type=Path, default=None, help=f"JSON file (default for a full run: {DEFAULT_OUT})")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 9)
    if args.out is None and not args.quick:
        args.out = DEFAULT_OUT
    return args


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    todo = cases()
    if args.only:
        unknown = set(args.only) - set(todo)
        if unknown:
            raise SystemExit(f"no such case: {', '.join(sorted(unknown))} (cases: {', '.join(todo)})")
        todo = {k: v for k, v in todo.items() if k == "python" or k in args.only}
    for argv_, env, status in todo.values():  # warm the file cache once; not measured
        timed(argv_, env, status)
    rounds = []
    for _ in range(args.rounds):
        rounds.append({name: timed(*case) for name, case in todo.items()})
    figures: dict = {}
    for name in todo:
        wall = [r[name][0] for r in rounds]
        cpu = [r[name][1] for r in rounds]
        figures[name] = {
            "wall_s": spread(wall),
            "cpu_s": spread(cpu),
            "wall_over_python": spread([r[name][0] / r["python"][0] for r in rounds]),
        }
    for name in ("help", "list"):
        if name in figures:
            figures[name]["under_target"] = figures[name]["wall_s"]["median"] < TARGET_S
    imported = {} if args.skip_imports else {name: imports(argv_, env) for name, (argv_, env, _) in todo.items()}

    print(f"{'case':<10}{'wall s (min / median / max)':>30}{'cpu s median':>14}{'/ python':>10}  imports")
    for name, f in figures.items():
        w = f["wall_s"]
        heavy = ", ".join(f"{k} {v:.2f}s" for k, v in imported.get(name, {}).items()) or "-"
        print(
            f"{name:<10}{w['min']:>10.3f}{w['median']:>10.3f}{w['max']:>10.3f}{f['cpu_s']['median']:>14.3f}"
            f"{f['wall_over_python']['median']:>10.2f}  {heavy}"
        )
    for name in ("help", "list"):
        if name in figures:
            verdict = "under" if figures[name]["under_target"] else "NOT under"
            print(f"{name}: median {figures[name]['wall_s']['median']:.3f} s, {verdict} the target of {TARGET_S} s")
    doc = {
        "figures": figures,
        "imports": imported,
        "rounds": [{k: {"wall_s": v[0], "cpu_s": v[1]} for k, v in r.items()} for r in rounds],
        "target_s": TARGET_S,
        "commands": {name: shlex.join(a) for name, (a, _, _) in todo.items()},
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "command": shlex.join([sys.executable, *sys.argv]),
    }
    if args.out is not None:
        write_json(args.out, doc)
        print(f"wrote {args.out}")
    return doc


if __name__ == "__main__":
    main()
